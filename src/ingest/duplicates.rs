//! Later copies of a visit id (SPEC §2.4: the first row with an id keeps it, in this file or
//! an earlier one), found shard by shard: each chunk tags the 128-bit hashes of its ids with
//! their row and puts them into shards by the hash's top bits, in row order; each shard is then
//! walked through all chunks in row order with a set of the ids it has shown, on all threads.
//! A shard holds a few thousand ids, so its set stays in the core's cache, where one table of
//! every id of a national file missed it on nearly every insert. (Each shard used to be
//! sorted instead: a quarter second of both threads on a national month.)

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use anyhow::Result;
use rayon::prelude::*;

use crate::error::refused;

/// Shards of the hash space (its top 12 bits).
const SHARD_BITS: u32 = 12;
const SHARDS: usize = 1 << SHARD_BITS;

/// The low bits of a tagged id that hold its row; the 96 above them are the id's hash.
const ROW_BITS: u32 = 32;
const ROW_MASK: u128 = (1 << ROW_BITS) - 1;

fn shard(tagged: u128) -> usize {
    (tagged >> (128 - SHARD_BITS)) as usize
}

/// An id's hash tagged with its row (its index among the chunk's parsed rows): sorted, the
/// copies of one id lie together in row order. The hash keeps 96 bits, so two different ids
/// of a national file share one with a chance of about 10⁻¹⁵.
pub(super) fn tagged(hash: u128, row: usize) -> u128 {
    (hash & !ROW_MASK) | row as u128
}

/// A chunk's tagged ids, ordered by shard.
#[derive(Default)]
pub(super) struct ShardedIds {
    ids: Vec<u128>,
    /// Where each shard begins in `ids`, and the end.
    bounds: Vec<u32>,
}

impl ShardedIds {
    /// Sorts a chunk's tagged ids into shards (a counting sort: two passes). The ids are
    /// scattered into a second vector: swapping them into place in the first one saved that
    /// memory but cost more than it (each swap waits for the one before it).
    pub(super) fn new(ids: Vec<u128>) -> ShardedIds {
        let mut bounds = vec![0u32; SHARDS + 1];
        for &id in &ids {
            bounds[shard(id) + 1] += 1;
        }
        for s in 0..SHARDS {
            bounds[s + 1] += bounds[s];
        }
        let mut next = bounds.clone();
        let mut sorted = vec![0u128; ids.len()];
        for &id in &ids {
            let at = &mut next[shard(id)];
            sorted[*at as usize] = id;
            *at += 1;
        }
        ShardedIds { ids: sorted, bounds }
    }

    fn shard(&self, s: usize) -> &[u128] {
        if self.bounds.is_empty() {
            return &[];
        }
        &self.ids[self.bounds[s] as usize..self.bounds[s + 1] as usize]
    }
}

/// The ids accepted so far (this file's and earlier files'), as 96-bit hashes sorted per shard.
pub(super) struct SeenIds {
    shards: Vec<Vec<u128>>,
}

impl SeenIds {
    pub(super) fn new() -> SeenIds {
        SeenIds { shards: vec![Vec::new(); SHARDS] }
    }

    /// The later copies among a file's chunks, as (chunk, row in chunk) in file order, given
    /// each chunk's ids and its number of parsed rows. When `remember` (another visits file
    /// follows), their ids are kept for it.
    pub(super) fn later_copies(&mut self, chunks: &[&ShardedIds], rows: &[usize], file: &str, remember: bool) -> Result<Vec<(u32, u32)>> {
        // Rows are numbered through the file, so that one order runs over all chunks.
        let mut bases = Vec::with_capacity(rows.len());
        let mut total = 0usize;
        for &n in rows {
            bases.push(total);
            total += n;
        }
        if total as u128 > ROW_MASK {
            return Err(refused(format!(
                "besöksfilen {file} har mer än {ROW_MASK} rader; dela upp den och ange delarna som flera --visits-filer"
            )));
        }
        let mut copies: Vec<usize> = self
            .shards
            .par_iter_mut()
            .enumerate()
            .flat_map_iter(|(s, seen)| {
                let len = chunks.iter().map(|c| c.shard(s).len()).sum();
                let ids = chunks.iter().zip(&bases).flat_map(|(chunk, &base)| chunk.shard(s).iter().map(move |&id| id + base as u128));
                copies_in_shard(ids, len, seen, remember)
            })
            .collect();
        copies.sort_unstable();
        Ok(copies
            .into_iter()
            .map(|row| {
                let chunk = bases.partition_point(|&b| b <= row) - 1;
                (chunk as u32, (row - bases[chunk]) as u32)
            })
            .collect())
    }
}

/// A hasher for the 96-bit hashes of one shard's ids: its bits below the shard's, as they are
/// (already evenly spread).
#[derive(Default)]
struct HashBits(u64);

impl Hasher for HashBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("only ids' hashes are kept, as u128")
    }

    fn write_u128(&mut self, hash: u128) {
        self.0 = hash as u64;
    }
}

/// The rows of `ids` (`len` tagged ids of one shard, in row order) whose id was seen before
/// them, in `seen` (sorted) or earlier in `ids`, in row order; when `remember`, the new ids are
/// added to `seen`, which stays sorted.
fn copies_in_shard(ids: impl Iterator<Item = u128>, len: usize, seen: &mut Vec<u128>, remember: bool) -> Vec<usize> {
    let mut shown: HashSet<u128, BuildHasherDefault<HashBits>> = HashSet::with_capacity_and_hasher(len, Default::default());
    let (mut copies, mut new) = (Vec::new(), Vec::new());
    for id in ids {
        let hash = id >> ROW_BITS;
        if !shown.insert(hash) || seen.binary_search(&hash).is_ok() {
            copies.push((id & ROW_MASK) as usize);
        } else if remember {
            new.push(hash);
        }
    }
    if remember {
        new.sort_unstable();
        if seen.is_empty() {
            *seen = new;
        } else if !new.is_empty() {
            let mut merged = Vec::with_capacity(seen.len() + new.len());
            let (mut a, mut b) = (seen.iter().peekable(), new.iter().peekable());
            while let (Some(&&x), Some(&&y)) = (a.peek(), b.peek()) {
                merged.push(if x < y { a.next() } else { b.next() }.copied().expect("peeked"));
            }
            merged.extend(a.chain(b));
            *seen = merged;
        }
    }
    copies
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of (id hash) per row; the copies the sharded search finds, file by file.
    fn copies(files: &[Vec<Vec<u128>>]) -> Vec<Vec<(u32, u32)>> {
        let mut seen = SeenIds::new();
        files
            .iter()
            .map(|chunks| {
                let sharded: Vec<ShardedIds> =
                    chunks.iter().map(|rows| ShardedIds::new(rows.iter().enumerate().map(|(i, &h)| tagged(h, i)).collect())).collect();
                let rows: Vec<usize> = chunks.iter().map(Vec::len).collect();
                seen.later_copies(&sharded.iter().collect::<Vec<_>>(), &rows, "v.csv", true).unwrap()
            })
            .collect()
    }

    /// The copies found by walking every row in order with a set of the ids seen.
    fn walked(files: &[Vec<Vec<u128>>]) -> Vec<Vec<(u32, u32)>> {
        let mut seen = std::collections::HashSet::new();
        files
            .iter()
            .map(|chunks| {
                let mut found = Vec::new();
                for (c, rows) in chunks.iter().enumerate() {
                    for (i, &h) in rows.iter().enumerate() {
                        if !seen.insert(h >> ROW_BITS) {
                            found.push((c as u32, i as u32));
                        }
                    }
                }
                found
            })
            .collect()
    }

    #[test]
    fn the_first_row_with_an_id_keeps_it_across_chunks_shards_and_files() {
        // Hashes spread over all shards, and some in one shard only, with copies inside a
        // chunk, across chunks and across files.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pool: Vec<u128> = (0..300)
            .map(|k| {
                let hash = (u128::from(next()) << 64) | u128::from(next());
                if k % 3 == 0 {
                    hash & !(0xfff << 116) // shard 0
                } else {
                    hash
                }
            })
            .collect();
        let mut files = Vec::new();
        for _ in 0..3 {
            let chunks: Vec<Vec<u128>> =
                (0..4).map(|_| (0..(next() % 120) as usize).map(|_| pool[(next() % pool.len() as u64) as usize]).collect()).collect();
            files.push(chunks);
        }
        let found = copies(&files);
        assert_eq!(found, walked(&files));
        assert!(found.iter().all(|f| !f.is_empty()), "copies in every file: {found:?}");
        assert!(found[0].len() < files[0].iter().map(Vec::len).sum::<usize>());
    }

    #[test]
    fn ids_differing_only_in_their_low_bits_are_one_id_and_rows_beyond_the_tag_are_refused() {
        // The low 32 bits hold the row: hashes equal above them are one id.
        let files = vec![vec![vec![5u128 << 64, (5u128 << 64) | 7, 6u128 << 64]]];
        assert_eq!(copies(&files), vec![vec![(0, 1)]]);
        let empty = ShardedIds::default();
        let e = SeenIds::new().later_copies(&[&empty], &[1 << 32], "v.csv", true).unwrap_err().to_string();
        assert!(e.contains("besöksfilen v.csv har mer än 4294967295 rader"), "{e}");
    }

    #[test]
    fn a_chunks_ids_are_sharded_each_in_its_own_shard() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let ids: Vec<u128> = (0..5000u32)
            .map(|row| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // A few shards only for half the ids: long runs of one shard.
                let top = if row % 2 == 0 { state % 5 } else { state >> 52 };
                tagged((u128::from(top) << 116) | (u128::from(state) << 40), row as usize)
            })
            .collect();
        let sharded = ShardedIds::new(ids.clone());
        let (mut all, mut expected) = (Vec::new(), ids.clone());
        for s in 0..SHARDS {
            assert!(sharded.shard(s).iter().all(|&id| shard(id) == s), "shard {s}");
            all.extend_from_slice(sharded.shard(s));
        }
        all.sort_unstable();
        expected.sort_unstable();
        assert_eq!(all, expected);
    }

    #[test]
    fn ids_of_the_last_file_are_not_remembered() {
        let file = |hashes: &[u128]| ShardedIds::new(hashes.iter().enumerate().map(|(i, &h)| tagged(h << 64, i)).collect());
        let mut seen = SeenIds::new();
        let first = file(&[1, 2, 2]);
        assert_eq!(seen.later_copies(&[&first], &[3], "a.csv", false).unwrap(), vec![(0, 2)]);
        let second = file(&[2, 3]);
        assert_eq!(seen.later_copies(&[&second], &[2], "b.csv", true).unwrap(), vec![], "nothing of a.csv was kept");
        assert!(seen.shards.iter().map(Vec::len).sum::<usize>() == 2);
    }
}

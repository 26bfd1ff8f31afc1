//! Hash maps and sets with a fast, per-process seeded hasher (foldhash): the ingest and the
//! figures hash tens of millions of ids, where the standard SipHash costs a tenth of the run.
//! No output depends on their iteration order.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A map from byte strings: strings of up to 16 bytes are kept under a key of two words and
/// their length, hashed and compared as numbers (no `memcmp` of a key on the heap, a cache
/// miss when the map is large), longer ones under their bytes. `get_again` also keeps the last
/// short key found and its value, for fields that repeat row after row.
#[derive(Debug, Clone)]
pub struct BytesMap<T> {
    short: HashMap<ShortKey, T>,
    long: HashMap<Box<[u8]>, T>,
    last: Option<(ShortKey, T)>,
}

impl<T> Default for BytesMap<T> {
    fn default() -> Self {
        BytesMap { short: HashMap::default(), long: HashMap::default(), last: None }
    }
}

/// Up to 16 bytes as two words and the length: every byte is in a word (a word may repeat
/// bytes of the other), so with the length the bytes are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ShortKey(u64, u64, u8);

impl ShortKey {
    fn of(raw: &[u8]) -> Option<ShortKey> {
        let n = raw.len();
        let word = |at: usize| u64::from_le_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
        let half = |at: usize| u64::from(u32::from_le_bytes(raw[at..at + 4].try_into().expect("4 bytes")));
        match n {
            0 => Some(ShortKey(0, 0, 0)),
            1..4 => Some(ShortKey(u64::from(raw[0]) | u64::from(raw[n / 2]) << 8 | u64::from(raw[n - 1]) << 16, 0, n as u8)),
            4..8 => Some(ShortKey(half(0) | half(n - 4) << 32, 0, n as u8)),
            8..=16 => Some(ShortKey(word(0), word(n - 8), n as u8)),
            _ => None,
        }
    }
}

impl<T> BytesMap<T> {
    pub fn get(&self, raw: &[u8]) -> Option<&T> {
        match ShortKey::of(raw) {
            Some(key) => self.short.get(&key),
            None => self.long.get(raw),
        }
    }

    /// As `get`, answered without hashing when `raw` is the short key found last: a method,
    /// a status or a supplier is mostly that of the row before.
    pub fn get_again(&mut self, raw: &[u8]) -> Option<T>
    where
        T: Clone,
    {
        let Some(key) = ShortKey::of(raw) else { return self.long.get(raw).cloned() };
        match &self.last {
            Some((last, value)) if *last == key => Some(value.clone()),
            _ => {
                let value = self.short.get(&key)?.clone();
                self.last = Some((key, value.clone()));
                Some(value)
            }
        }
    }

    pub fn insert(&mut self, raw: &[u8], value: T) {
        self.last = None;
        match ShortKey::of(raw) {
            Some(key) => self.short.insert(key, value),
            None => self.long.insert(raw.into(), value),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_byte_string_is_kept_under_its_own_key() {
        // Every string of up to 17 bytes over two letters (both halves of each key's words and
        // the step from short to long keys), and the same with every byte value at each place.
        let mut all: Vec<Vec<u8>> = Vec::new();
        for n in 0..=17usize {
            for bits in 0..1u32 << n {
                all.push((0..n).map(|i| if bits >> i & 1 == 1 { b'b' } else { b'a' }).collect());
            }
        }
        for n in [1, 2, 3, 5, 7, 8, 12, 16] {
            for at in 0..n {
                for byte in 0..=255u8 {
                    let mut raw = vec![b'a'; n];
                    raw[at] = byte;
                    all.push(raw);
                }
            }
        }
        all.sort();
        all.dedup();
        let mut kept = BytesMap::default();
        for (i, raw) in all.iter().enumerate() {
            assert_eq!(kept.get(raw), None, "{raw:?} taken for another field's bytes");
            kept.insert(raw, i);
        }
        for (i, raw) in all.iter().enumerate() {
            assert_eq!(kept.get(raw), Some(&i));
        }
        // Asked again and again, in turn and with the key before, each answer is its own.
        for (i, raw) in all.iter().enumerate().step_by(7) {
            let before = i.saturating_sub(1);
            for _ in 0..2 {
                assert_eq!(kept.get_again(raw), Some(i));
                assert_eq!(kept.get_again(&all[before]), Some(before));
            }
        }
        assert_eq!(kept.get_again(b"never kept, longer than sixteen"), None);
        assert_eq!(kept.get_again(b"zz"), None);
        // A value kept anew replaces the one answered before.
        kept.insert(&all[3], 99);
        assert_eq!(kept.get_again(&all[3]), Some(99));
        kept.insert(&all[3], 100);
        assert_eq!(kept.get_again(&all[3]), Some(100));
        assert_eq!((kept.short.len(), kept.long.len()), (all.len() - (1 << 17), 1 << 17));
    }
}

//! A month's keys supplier by supplier: the keys are placed by supplier first (a counting
//! sort, two passes) and each supplier's part is then sorted on its own, on all threads. When
//! the order sorts by supplier first, this is the order a sort of the whole month gives, with
//! sorts of a few thousand keys that stay in the core's cache instead of one of ten million.
//! And the range of such a sorted list that belongs to one supplier.

use rayon::prelude::*;

use super::split_parts;
use crate::model::split_key;

/// The keys of `keys` (an iterator that can be walked twice) placed by supplier (in the order
/// they come within each supplier), each supplier's part then put in order by `sort_part`,
/// on all threads.
pub fn placed_by_supplier<T, I>(keys: I, supplier_of: impl Fn(&T) -> u32, sort_part: impl Fn(&mut [T]) + Sync) -> Vec<T>
where
    T: Copy + Default + Send,
    I: Iterator<Item = T> + Clone,
{
    let mut starts: Vec<usize> = Vec::new();
    for key in keys.clone() {
        let s = supplier_of(&key) as usize;
        if s + 2 > starts.len() {
            starts.resize(s + 2, 0);
        }
        starts[s + 1] += 1;
    }
    for s in 1..starts.len() {
        starts[s] += starts[s - 1];
    }
    let mut sorted = vec![T::default(); starts.last().copied().unwrap_or(0)];
    let mut next = starts.clone();
    for key in keys {
        let at = &mut next[supplier_of(&key) as usize];
        sorted[*at] = key;
        *at += 1;
    }
    split_parts(&mut sorted, starts.windows(2).map(|w| w[1] - w[0])).into_par_iter().for_each(&sort_part);
    sorted
}

/// Two lists of keys of the same `n` items (`keys(i)` gives item `i`'s key in each), each
/// placed by the item's supplier (`supplier(i)`) as `placed_by_supplier` places one list, each
/// supplier's part then put in order by `sort_part`. The items are walked twice in all (once
/// to count them by supplier, once to place both keys), in blocks on all threads.
pub fn placed_by_supplier_twice<T>(
    n: usize,
    supplier: impl Fn(usize) -> u32 + Sync,
    keys: impl Fn(usize) -> (T, T) + Sync,
    sort_part: impl Fn(&mut [T]) + Sync,
) -> (Vec<T>, Vec<T>)
where
    T: Copy + Default + Send,
{
    placed_twice_in_blocks(n, n.div_ceil(rayon::current_num_threads() * 4).max(1 << 14), supplier, keys, sort_part)
}

fn placed_twice_in_blocks<T>(
    n: usize,
    block: usize,
    supplier: impl Fn(usize) -> u32 + Sync,
    keys: impl Fn(usize) -> (T, T) + Sync,
    sort_part: impl Fn(&mut [T]) + Sync,
) -> (Vec<T>, Vec<T>)
where
    T: Copy + Default + Send,
{
    let blocks: Vec<std::ops::Range<usize>> = (0..n).step_by(block.max(1)).map(|start| start..(start + block).min(n)).collect();
    let counts: Vec<Vec<usize>> = blocks
        .par_iter()
        .map(|range| {
            let mut count = Vec::new();
            for i in range.clone() {
                let s = supplier(i) as usize;
                if s >= count.len() {
                    count.resize(s + 1, 0);
                }
                count[s] += 1;
            }
            count
        })
        .collect();
    let suppliers = counts.iter().map(Vec::len).max().unwrap_or(0);
    let count = |b: usize, s: usize| counts[b].get(s).copied().unwrap_or(0);
    // Each supplier's part, and within it each block's places, in block order: the keys of a
    // supplier lie in item order.
    let sizes: Vec<usize> = (0..suppliers).map(|s| (0..blocks.len()).map(|b| count(b, s)).sum()).collect();
    let (mut first, mut second) = (vec![T::default(); n], vec![T::default(); n]);
    let places_in_order = (0..suppliers).flat_map(|s| (0..blocks.len()).map(move |b| count(b, s)));
    let mut places: Vec<Vec<(&mut [T], &mut [T])>> = blocks.iter().map(|_| Vec::with_capacity(suppliers)).collect();
    let pairs = split_parts(&mut first, places_in_order.clone()).into_iter().zip(split_parts(&mut second, places_in_order));
    for (k, pair) in pairs.enumerate() {
        places[k % blocks.len()].push(pair);
    }
    blocks.into_par_iter().zip(places).for_each(|(range, mut place)| {
        let mut next = vec![0usize; place.len()];
        for i in range {
            let s = supplier(i) as usize;
            let (a, b) = keys(i);
            place[s].0[next[s]] = a;
            place[s].1[next[s]] = b;
            next[s] += 1;
        }
    });
    let mut all_parts = split_parts(&mut first, sizes.iter().copied());
    all_parts.extend(split_parts(&mut second, sizes.iter().copied()));
    all_parts.into_par_iter().for_each(&sort_part);
    (first, second)
}

/// The range of `items`, sorted by a `member_key` (`key`), that belongs to `supplier`.
pub fn supplier_range<T>(items: &[T], supplier: u32, key: impl Fn(&T) -> u64) -> std::ops::Range<usize> {
    let start = items.partition_point(|t| split_key(key(t)).0 < supplier);
    let end = items.partition_point(|t| split_key(key(t)).0 <= supplier);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_order_of_a_sort_of_the_whole() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let keys: Vec<(u64, i64, u32)> = (0..5000u32)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let supplier = if i % 10 == 0 { 40 } else { state % 7 };
                ((supplier << 32) | ((state >> 40) % 50), (state % 1000) as i64, i)
            })
            .collect();
        let mut whole = keys.clone();
        whole.sort_unstable();
        let by_supplier = placed_by_supplier(keys.iter().copied(), |k| (k.0 >> 32) as u32, |part| part.sort_unstable());
        assert_eq!(by_supplier, whole);
        assert!(placed_by_supplier(std::iter::empty::<(u64, u32)>(), |k| k.1, |part| part.sort_unstable()).is_empty());
        assert_eq!(supplier_range(&whole, 40, |k| k.0), whole.len() - 500..whole.len(), "every tenth key is supplier 40's");
        assert_eq!(supplier_range(&whole, 8, |k| k.0), whole.len() - 500..whole.len() - 500, "none is supplier 8's");
    }

    #[test]
    fn two_lists_placed_in_blocks_are_each_placed_as_alone() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let items: Vec<(u32, u64, u64)> = (0..3000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Suppliers 0-6 mixed, then a run of supplier 9 alone (whole blocks of one).
                let supplier = if (2000..2600).contains(&i) { 9 } else { (state % 7) as u32 };
                (supplier, (state >> 20) % 40, (state >> 40) % 90)
            })
            .collect();
        let key = |i: usize, member: u64| ((u64::from(items[i].0) << 32) | member, i as u32);
        // Placed without sorting: each supplier's keys in item order.
        for block in [1, 7, 64, 5000] {
            let (a, b) = placed_twice_in_blocks(items.len(), block, |i| items[i].0, |i| (key(i, items[i].1), key(i, items[i].2)), |_| ());
            let alone = |member: fn(&(u32, u64, u64)) -> u64| {
                placed_by_supplier((0..items.len()).map(|i| key(i, member(&items[i]))), |k| (k.0 >> 32) as u32, |_| ())
            };
            assert_eq!(a, alone(|item| item.1), "block {block}");
            assert_eq!(b, alone(|item| item.2), "block {block}");
            let (a, _) = placed_twice_in_blocks(
                items.len(),
                block,
                |i| items[i].0,
                |i| (key(i, items[i].1), key(i, items[i].2)),
                |part| part.sort_unstable(),
            );
            let mut whole: Vec<(u64, u32)> = (0..items.len()).map(|i| key(i, items[i].1)).collect();
            whole.sort_unstable();
            assert_eq!(a, whole, "block {block}");
        }
        let (a, b) = placed_by_supplier_twice(0, |_| 0, |_| ((0u64, 0u32), (0, 0)), |part| part.sort_unstable());
        assert!(a.is_empty() && b.is_empty());
    }
}

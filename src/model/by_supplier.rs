//! A month's keys supplier by supplier: the keys are placed by supplier first (a counting
//! sort, two passes) and each supplier's part is then sorted on its own, on all threads. When
//! the order sorts by supplier first, this is the order a sort of the whole month gives, with
//! sorts of a few thousand keys that stay in the core's cache instead of one of ten million.
//! And the range of such a sorted list that belongs to one supplier.

use rayon::prelude::*;

use super::split_key;

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
    let mut parts: Vec<&mut [T]> = Vec::with_capacity(starts.len());
    let mut rest = sorted.as_mut_slice();
    for w in starts.windows(2) {
        let (part, tail) = rest.split_at_mut(w[1] - w[0]);
        parts.push(part);
        rest = tail;
    }
    parts.into_par_iter().for_each(&sort_part);
    sorted
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
}

//! The columns of `visits.parquet` built by hand as dictionaries: each value once, numbered in
//! order of first appearance as polars' own dictionary encoding numbers them, found from the
//! interned ids, a table of minutes or a small map instead of polars hashing every value.

use polars_arrow::array::{Array, DictionaryArray, MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::{ArrowDataType, IntegerType, TimeUnit as ArrowTimeUnit};

use crate::bytes_map::HashMap;
use crate::model::Ids;

/// The codes of `values` (0 where one is missing), numbered in order of first appearance,
/// and the value each code names: `code(v, next)` gives the code kept for `v`, keeping `next`
/// for a value not seen before. This is the numbering polars' own dictionary encoding gives.
fn first_appearance<V: Copy>(values: impl Iterator<Item = Option<V>>, mut code: impl FnMut(V, u32) -> u32) -> (Vec<u32>, Vec<V>) {
    let mut distinct = Vec::new();
    let keys = values
        .map(|v| {
            v.map_or(0, |v| {
                let next = distinct.len() as u32;
                let c = code(v, next);
                if c == next {
                    distinct.push(v);
                }
                c
            })
        })
        .collect();
    (keys, distinct)
}

/// The code kept in `cell` of a table indexed by value (`u32::MAX` while none is), keeping
/// `next` there when none is.
fn code_in(cell: &mut u32, next: u32) -> u32 {
    if *cell == u32::MAX {
        *cell = next;
    }
    *cell
}

/// A dictionary column: `keys` into `distinct`, missing where `present` says so.
fn dictionary_column(keys: Vec<u32>, present: impl Iterator<Item = bool> + Clone, distinct: Box<dyn Array>) -> Box<dyn Array> {
    let validity = present.clone().any(|p| !p).then(|| present.collect::<Bitmap>());
    let keys = PrimitiveArray::new(ArrowDataType::UInt32, keys.into(), validity);
    let dtype = ArrowDataType::Dictionary(IntegerType::UInt32, Box::new(distinct.dtype().clone()), false);
    Box::new(DictionaryArray::try_new(dtype, keys, distinct).expect("every key names one of the batch's values"))
}

/// A column of repeated names as a dictionary of the names the batch uses, numbered in order
/// of first appearance: what polars' own dictionary encoding would find by hashing every
/// name, taken here from the interned ids (`code_of` gives an id below `count`, or none for
/// a missing value).
pub(super) fn dictionary<'a, T>(
    batch: &[T],
    count: usize,
    code_of: impl Fn(&T) -> Option<u32>,
    name: impl Fn(u32) -> &'a str,
) -> Box<dyn Array> {
    let mut code = vec![u32::MAX; count];
    let (keys, ids) = first_appearance(batch.iter().map(&code_of), |id, next| code_in(&mut code[id as usize], next));
    let names = Utf8ViewArray::from(MutableBinaryViewArray::<str>::from_values_iter(ids.into_iter().map(name)));
    dictionary_column(keys, batch.iter().map(|item| code_of(item).is_some()), names.boxed())
}

/// Milliseconds since the epoch, as polars stores `Datetime(ms)`, as a dictionary of the
/// times the batch uses, numbered in order of first appearance: what polars would find by
/// hashing every value, taken here from a table indexed by the time's minute (registrations
/// made to the minute) or second (made to the second, as tags and apps register them) since
/// the batch's earliest, when the batch's times are whole minutes or seconds and span at most
/// `SECONDS_TABLE` of them.
pub(super) fn timestamps(values: impl Iterator<Item = Option<i64>> + Clone) -> Box<dyn Array> {
    const MINUTE: i64 = 60_000;
    const SECOND: i64 = 1_000;
    let (least, most) = values.clone().flatten().fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    let span = |unit: i64| most.checked_sub(least).map_or(0, |span| span / unit + 1);
    let whole = |unit: i64| values.clone().flatten().all(|t| (t - least) % unit == 0);
    let unit = [MINUTE, SECOND].into_iter().find(|&unit| span(unit) <= SECONDS_TABLE as i64 && whole(unit));
    let (keys, times) = match unit {
        Some(unit) => SECONDS.with_borrow_mut(|code| {
            if code.is_empty() {
                code.resize(SECONDS_TABLE, u32::MAX);
            }
            let numbered = first_appearance(values.clone(), |t, next| code_in(&mut code[((t - least) / unit) as usize], next));
            // The table is left as it was found, for the thread's next batch.
            for &t in &numbered.1 {
                code[((t - least) / unit) as usize] = u32::MAX;
            }
            numbered
        }),
        None => {
            let mut code: HashMap<i64, u32> = HashMap::with_capacity_and_hasher(values.size_hint().0, Default::default());
            first_appearance(values.clone(), |t, next| *code.entry(t).or_insert(next))
        }
    };
    let dtype = ArrowDataType::Timestamp(ArrowTimeUnit::Millisecond, None);
    dictionary_column(keys, values.map(|t| t.is_some()), PrimitiveArray::new(dtype, times.into(), None).boxed())
}

/// The most minutes or seconds a batch's times may span to be numbered by a table: 2^22
/// seconds are 48 days, a month of check-ins and check-outs with room to spare.
const SECONDS_TABLE: usize = 1 << 22;

thread_local! {
    /// Each thread's table of codes by minute or second (16 MB, every cell `u32::MAX` between
    /// batches): made once rather than for each batch and column, whose fresh pages would
    /// each be faulted in and cleared.
    static SECONDS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Planned minutes as a dictionary of the values the batch uses (a handful: 15, 20, 30, …),
/// numbered in order of first appearance, found by their bits in a small table instead of
/// polars estimating their cardinality and hashing every value.
pub(super) fn planned_minutes(values: impl Iterator<Item = Option<f64>> + Clone) -> Box<dyn Array> {
    let mut code: HashMap<u64, u32> = HashMap::default();
    let (keys, minutes) = first_appearance(values.clone(), |m: f64, next| *code.entry(m.to_bits()).or_insert(next));
    dictionary_column(keys, values.map(|m| m.is_some()), PrimitiveArray::new(ArrowDataType::Float64, minutes.into(), None).boxed())
}

/// The services of each visit as a dictionary of the combinations the batch uses, each the
/// services' names sorted and joined by `|`. Few distinct combinations: each is joined once,
/// its names sorted (ids are numbered in order of first appearance in the input). A client's
/// visits, which lie together, mostly have the services of the one before: those are compared
/// with it instead of hashed.
pub(super) fn services(batch: &[&[u32]], ids: &Ids) -> Box<dyn Array> {
    let mut numbered: HashMap<&[u32], u32> = HashMap::default();
    let mut last: Option<(&[u32], u32)> = None;
    let (codes, distinct) = first_appearance(batch.iter().map(|&s| Some(s)), |services, next| match last {
        Some((before, code)) if same(before, services) => code,
        _ => {
            let code = *numbered.entry(services).or_insert(next);
            last = Some((services, code));
            code
        }
    });
    let joined = distinct.iter().map(|services| {
        let mut names: Vec<&str> = services.iter().map(|s| ids.services.name(*s)).collect();
        names.sort_unstable();
        names.join("|")
    });
    let names = Utf8ViewArray::from(MutableBinaryViewArray::<str>::from_values_iter(joined));
    dictionary_column(codes, batch.iter().map(|_| true), names.boxed())
}

/// Whether two visits' few services are the same, compared in place: `==` on slices calls
/// `memcmp`, whose call costs more than comparing one to three ids.
fn same(a: &[u32], b: &[u32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_a_dictionary_of_the_times_in_order_of_first_appearance() {
        let decoded = |array: Box<dyn Array>| -> (Vec<Option<i64>>, usize) {
            let dict = array.as_any().downcast_ref::<DictionaryArray<u32>>().unwrap();
            let times = dict.values().as_any().downcast_ref::<PrimitiveArray<i64>>().unwrap();
            let keys = dict.keys();
            ((0..keys.len()).map(|i| keys.is_valid(i).then(|| times.value(keys.value(i) as usize))).collect(), times.len())
        };
        let minute = 60_000;
        // 2025-03-01 00:00 UTC. Whole minutes (the minute table), one time a second off (the
        // second table), a missing time, every time missing, minutes years apart (too many
        // for a table), seconds 50 days apart (too many seconds) and a millisecond off (the
        // hash map).
        let t0 = 1_740_787_200_000;
        let cases: Vec<Vec<Option<i64>>> = vec![
            vec![Some(t0 + 5 * minute), Some(t0), None, Some(t0 + 5 * minute), Some(t0 + 44_000 * minute), Some(t0)],
            vec![Some(t0 + 5 * minute), Some(t0 + 1000), Some(t0 + 5 * minute), None],
            vec![None, None],
            vec![Some(t0), Some(t0 + 3_000_000 * minute), Some(t0)],
            vec![Some(t0 + 1000), Some(t0), Some(t0 + 50 * 1440 * minute + 1000), Some(t0 + 1000)],
            vec![Some(t0 + 1), Some(t0), Some(t0 + 1), None],
            vec![],
        ];
        for values in cases {
            let (back, distinct) = decoded(timestamps(values.iter().copied()));
            assert_eq!(back, values);
            let mut times: Vec<i64> = values.iter().flatten().copied().collect();
            times.sort_unstable();
            times.dedup();
            assert_eq!(distinct, times.len(), "each time once in {values:?}");
        }
        for unit in [minute, 1000] {
            let dict = timestamps([Some(t0 + 7 * unit), Some(t0), Some(t0 + 7 * unit)].into_iter());
            let dict = dict.as_any().downcast_ref::<DictionaryArray<u32>>().unwrap();
            assert_eq!(dict.keys().values().as_slice(), [0, 1, 0], "numbered in order of first appearance");
        }
        // The table is left clear: a batch after these numbers its times afresh.
        let dict = timestamps([Some(t0), Some(t0 + 7 * 1000)].into_iter());
        let dict = dict.as_any().downcast_ref::<DictionaryArray<u32>>().unwrap();
        assert_eq!(dict.keys().values().as_slice(), [0, 1]);
    }

    #[test]
    fn planned_minutes_are_a_dictionary_of_the_values_in_order_of_first_appearance() {
        let values = [Some(30.0), None, Some(22.5), Some(30.0), Some(-0.0), Some(0.0), Some(22.5)];
        let array = planned_minutes(values.into_iter());
        let dict = array.as_any().downcast_ref::<DictionaryArray<u32>>().unwrap();
        let minutes = dict.values().as_any().downcast_ref::<PrimitiveArray<f64>>().unwrap();
        let keys = dict.keys();
        let back: Vec<Option<f64>> = (0..keys.len()).map(|i| keys.is_valid(i).then(|| minutes.value(keys.value(i) as usize))).collect();
        assert_eq!(
            back.iter().map(|m| m.map(f64::to_bits)).collect::<Vec<_>>(),
            values.map(|m| m.map(f64::to_bits)),
            "-0 kept apart from 0"
        );
        assert_eq!(minutes.values().as_slice(), [30.0, 22.5, -0.0, 0.0]);
        assert_eq!(planned_minutes([None, None].into_iter()).len(), 2);
    }
}

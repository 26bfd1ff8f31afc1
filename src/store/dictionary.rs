//! The columns of `visits.parquet` built by hand as dictionaries: each value once, numbered in
//! order of first appearance as polars' own dictionary encoding numbers them, found from the
//! interned ids or a small map instead of polars hashing every value.

use polars_arrow::array::{Array, DictionaryArray, MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::{ArrowDataType, IntegerType};

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

/// Planned minutes as a dictionary of the values the batch uses (a handful: 15, 20, 30, …),
/// numbered in order of first appearance, found by their bits in a small table instead of
/// polars estimating their cardinality and hashing every value (`Codes`).
pub(super) fn planned_minutes(values: impl Iterator<Item = Option<f64>> + Clone) -> Box<dyn Array> {
    let mut codes = Codes::default();
    let (keys, minutes) = first_appearance(values.clone(), |m: f64, next| codes.code(m.to_bits(), next));
    dictionary_column(keys, values.map(|m| m.is_some()), PrimitiveArray::new(ArrowDataType::Float64, minutes.into(), None).boxed())
}

/// Codes kept by a number standing for a value (`first_appearance`'s `code`), the last one
/// asked for answered without hashing: a client's visits, which lie together, mostly repeat
/// the value of the visit before.
#[derive(Default)]
struct Codes {
    kept: HashMap<u64, u32>,
    last: Option<(u64, u32)>,
}

impl Codes {
    /// The code kept for `key`, keeping `next` for a key not seen before.
    fn code(&mut self, key: u64, next: u32) -> u32 {
        match self.last {
            Some((last, code)) if last == key => code,
            _ => {
                let code = *self.kept.entry(key).or_insert(next);
                self.last = Some((key, code));
                code
            }
        }
    }
}

/// A visit's services as one number, taken while the visit is read for its row group: up to
/// three ids below 2^21 - 1, each plus one in 21 bits of its own (none is 0), or `UNPACKED`
/// for the rare visit with more or larger ids, whose services are then compared as a list.
#[derive(Clone, Copy)]
pub(super) struct ServiceKey<'a> {
    packed: u64,
    services: &'a [u32],
}

const UNPACKED: u64 = u64::MAX;

impl<'a> ServiceKey<'a> {
    pub(super) fn of(services: &'a [u32]) -> ServiceKey<'a> {
        let packed = match services.len() {
            0..=3 if services.iter().all(|&id| id < (1 << 21) - 1) => {
                services.iter().enumerate().fold(0, |key, (i, &id)| key | u64::from(id + 1) << (21 * i))
            }
            _ => UNPACKED,
        };
        ServiceKey { packed, services }
    }
}

/// The services of each visit as a dictionary of the combinations the batch uses, each the
/// services' names sorted and joined by `|`. Few distinct combinations: each is joined once,
/// its names sorted (ids are numbered in order of first appearance in the input). Each visit's
/// services are one number (`ServiceKey`), numbered by it (`Codes`) without reading the visit's
/// list again.
pub(super) fn services(batch: &[ServiceKey], ids: &Ids) -> Box<dyn Array> {
    let mut numbered = Codes::default();
    let mut unpacked: HashMap<&[u32], u32> = HashMap::default();
    let (codes, distinct) = first_appearance(batch.iter().map(|&s| Some(s)), |key, next| match key.packed {
        UNPACKED => *unpacked.entry(key.services).or_insert(next),
        packed => numbered.code(packed, next),
    });
    let joined = distinct.iter().map(|key| {
        let mut names: Vec<&str> = key.services.iter().map(|s| ids.services.name(*s)).collect();
        names.sort_unstable();
        names.join("|")
    });
    let names = Utf8ViewArray::from(MutableBinaryViewArray::<str>::from_values_iter(joined));
    dictionary_column(codes, batch.iter().map(|_| true), names.boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_a_dictionary_of_the_combinations_in_order_of_first_appearance() {
        let mut ids = Ids::default();
        let [bath, meal, walk, shop, clean] = ["bad", "mat", "prom", "handla", "städ"].map(|name| ids.services.intern(name));
        let lists: Vec<Vec<u32>> = vec![
            vec![meal, bath],
            vec![meal, bath],
            vec![],
            vec![bath, meal, walk, shop, clean],
            vec![walk],
            vec![bath, meal, walk, shop, clean],
            vec![meal, bath],
            vec![],
            vec![bath, meal, walk, shop],
        ];
        let keys: Vec<ServiceKey> = lists.iter().map(|l| ServiceKey::of(l)).collect();
        let array = services(&keys, &ids);
        let dict = array.as_any().downcast_ref::<DictionaryArray<u32>>().unwrap();
        let names = dict.values().as_any().downcast_ref::<Utf8ViewArray>().unwrap();
        let names: Vec<&str> = names.values_iter().collect();
        assert_eq!(names, ["bad|mat", "", "bad|handla|mat|prom|städ", "prom", "bad|handla|mat|prom"]);
        assert_eq!(dict.keys().values().as_slice(), [0, 0, 1, 2, 3, 2, 0, 1, 4]);
        // Ids too large for 21 bits and lists of more than three are compared as lists.
        assert_eq!(ServiceKey::of(&[(1 << 21) - 2]).packed, (1 << 21) - 1);
        assert_eq!(ServiceKey::of(&[(1 << 21) - 1]).packed, UNPACKED);
        assert_eq!(ServiceKey::of(&[1, 2, 3, 4]).packed, UNPACKED);
        assert_ne!(ServiceKey::of(&[1, 2]).packed, ServiceKey::of(&[2, 1]).packed);
        assert_ne!(ServiceKey::of(&[0]).packed, ServiceKey::of(&[]).packed);
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

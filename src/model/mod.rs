//! What every stage shares, at the bottom of the module graph (it imports nothing else of
//! tidkoll): the rows and their interned ids, months, requirement bounds and statuses, the
//! registry of metrics and the tally of raw counts.

pub mod area;
pub mod by_supplier;
pub mod evidence;
pub mod groups;
pub mod hash;
pub mod ids;
pub mod metric;
pub mod month;
pub mod rows;
pub mod status;
pub mod tally;

pub use evidence::Evidence;
pub use ids::{member_key, split_key, Ids, Interner};
pub use metric::{Area, Figure, Flag, Metric, Unit};
pub use month::{plausible_years, MonthCounts, Quarter, YearMonth};
pub use rows::{
    consecutive_order, Absence, AddonRow, FileAccount, GrantedMinutes, GrantedRow, Method, Reject, Services, Visit, NO_AREA,
    VISIT_HOT_BYTES,
};
pub use status::{Bound, Status, ALL};
pub use tally::Tally;

/// `all` cut into consecutive parts of `sizes` (which add up to at most its length), in order.
pub fn split_parts<T>(mut all: &mut [T], sizes: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    sizes
        .into_iter()
        .map(|size| {
            let (part, rest) = std::mem::take(&mut all).split_at_mut(size);
            all = rest;
            part
        })
        .collect()
}

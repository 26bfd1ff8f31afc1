//! What every stage shares, at the bottom of the module graph (it imports nothing else of
//! tidkoll): the rows and their interned ids, months, requirement bounds and statuses, the
//! registry of metrics and the tally of raw counts.

pub mod area;
pub mod evidence;
pub mod ids;
pub mod input;
pub mod metric;
pub mod month;
pub mod payment;
pub mod reject;
pub mod rows;
pub mod status;
pub mod tally;
pub mod time;

pub use evidence::Evidence;
pub use ids::{member_key, split_key, Ids, Interner};
pub use input::{Column, ColumnType, InputColumn, InputKind};
pub use metric::{Area, Figure, Flag, Metric, Unit};
pub use month::{plausible_years, MonthCounts, Quarter, YearMonth};
pub use payment::{HourlyRate, Questioned, MICROS_PER_SECOND};
pub use reject::{Problem, RejectKind};
pub use rows::{
    consecutive_order, Absence, AddonRow, ExactMinutes, FileAccount, GrantedRow, InvoiceRow, Method, Reject, Services, Visit, VisitStatus,
    NO_AREA, VISIT_HOT_BYTES,
};
pub use status::{Bound, Status, ALL};
pub use tally::Tally;

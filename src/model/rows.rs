//! The rows every stage shares: accepted visits, granted time, add-on reports, the row
//! accounting of an input file and its rejects, and the registration methods (SPEC §2).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::month::YearMonth;

/// Service codes of one visit; up to four are kept inside the visit itself.
pub type Services = smallvec::SmallVec<[u32; 4]>;

/// One accepted visit registration. Its id and services are kept inline (short ids and up to
/// four services need no allocation of their own), which matters at 10 M visits a month.
/// Aligned to a cache line and laid out by use (`repr(C)`, fields in the order written): its
/// first line holds everything the figures and flags read of a visit but its services, the
/// second the id, the services and the planned minutes, which only the client walks, the
/// visits table and the evidence read. The figures reach visits scattered over the month; a
/// walk by staff member then waits for one line of each, not two (`engine::groups`).
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Visit {
    /// Unix seconds.
    pub check_in: i64,
    pub check_out: Option<i64>,
    /// Local (Europe/Stockholm) wall-clock time of the check-in.
    pub local_in: NaiveDateTime,
    pub supplier: u32,
    pub client: u32,
    pub staff: u32,
    /// District of the client's home (an id into `Ids::areas`), or `NO_AREA`.
    pub area: u32,
    pub in_method: Method,
    pub out_method: Option<Method>,
    /// Whether a reason for a manual registration was given; `None` when the export has no
    /// `manual_reason` column.
    pub manual_reason: Option<bool>,
    /// What the registration records; `Performed` when the export has no `status` column.
    pub status: VisitStatus,
    /// Index of the input file it came from.
    pub file: u16,
    // The second line.
    /// The export's visit id (any personnummer in it replaced), or `file:line` without one.
    pub visit_id: compact_str::CompactString,
    /// Service codes (ids into `Ids::services`), sorted, without repeats.
    pub services: Services,
    pub planned_minutes: Option<f64>,
}

/// The bytes at the start of a `Visit` that hold what the walks by staff member read.
pub const VISIT_HOT_BYTES: usize = 64;

/// `Visit::area` of a visit without a district.
pub const NO_AREA: u32 = u32::MAX;

impl Visit {
    /// Registered by hand: either method is `manual`.
    pub fn is_manual(&self) -> bool {
        self.in_method == Method::Manual || self.out_method == Some(Method::Manual)
    }

    /// A performed visit: the only kind that the key figures and flags count as a visit
    /// (SPEC §2.1), besides `declined_share` and `declined_remainder`.
    pub fn is_performed(&self) -> bool {
        self.status == VisitStatus::Performed
    }

    pub fn month(&self) -> YearMonth {
        YearMonth::of(self.local_in.date())
    }

    /// `check_out − check_in` in minutes, when checked out.
    pub fn duration_minutes(&self) -> Option<f64> {
        self.check_out.map(|out| (out - self.check_in) as f64 / 60.0)
    }

    pub fn shares_service(&self, other: &Visit) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.services.len() && j < other.services.len() {
            match self.services[i].cmp(&other.services[j]) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        false
    }
}

/// The order of "consecutive" visits (SPEC §4): by check-in, then visit id as text (byte
/// order). The flags and the investigation's gaps both order visits by it. The ids are read
/// only on a tie of check-ins: reading a visit's id reaches into the visit itself, which on
/// a month's worth of comparisons was most of what they cost.
#[inline]
pub fn consecutive_order<T: Ord, S: AsRef<str> + ?Sized>(a: (T, &S), b: (T, &S)) -> std::cmp::Ordering {
    a.0.cmp(&b.0).then_with(|| a.1.as_ref().as_bytes().cmp(b.1.as_ref().as_bytes()))
}

/// One row of the granted-time file.
#[derive(Debug, Clone)]
pub struct GrantedRow {
    pub supplier: u32,
    pub client: u32,
    pub month: YearMonth,
    pub minutes: ExactMinutes,
    pub file: u16,
}

/// One row of the invoices file (SPEC §2.6).
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    pub supplier: u32,
    pub client: u32,
    pub month: YearMonth,
    pub minutes: ExactMinutes,
    pub file: u16,
}

/// One row of the add-on reports file.
#[derive(Debug, Clone)]
pub struct AddonRow {
    pub supplier: u32,
    pub client: u32,
    pub month: YearMonth,
    pub addon: u32,
    pub quantity: f64,
    pub reported_on: NaiveDate,
    pub file: u16,
}

/// One row of the absences file (SPEC §2.5): when the municipality knows the client was not at
/// home. Per client, whichever supplier visits.
#[derive(Debug, Clone)]
pub struct Absence {
    pub client: u32,
    /// Unix seconds, inclusive.
    pub from: i64,
    /// Unix seconds, exclusive; `None` is open-ended (for example deceased).
    pub to: Option<i64>,
    /// The reason as given (`sjukhus`, `korttidsboende`, `avliden`), possibly empty.
    pub reason: String,
    pub file: u16,
}

impl Absence {
    /// Whether an instant lies in the absence: `from ≤ t < to`.
    pub fn contains(&self, t: i64) -> bool {
        self.from <= t && self.to.is_none_or(|to| t < to)
    }

    /// Whether the absence overlaps `[start, end)`.
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        self.from < end && self.to.is_none_or(|to| to > start)
    }
}

/// Row accounting of one input file: `read = accepted + rejected + duplicates`; of the
/// accepted rows, `outside_month` belong to another month and are not analysed.
#[derive(Debug, Clone, Serialize)]
pub struct FileAccount {
    pub file: String,
    pub kind: String,
    pub sha256: String,
    pub encoding: String,
    pub delimiter: String,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub outside_month: u64,
}

impl FileAccount {
    /// Rejected share of the rows, not counting duplicate copies.
    pub fn reject_rate(&self) -> f64 {
        let base = self.read - self.duplicates;
        if base == 0 {
            0.0
        } else {
            self.rejected as f64 / base as f64
        }
    }
}

/// One rejected row, already scrubbed of personnummer.
#[derive(Debug, Clone)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    /// What rejected it, for counting (`kind.id()`) and for the terminal (`kind.sv()`).
    pub kind: super::reject::RejectKind,
    /// The kind's id, then ` – ` and the reason in Swedish with the value that was wrong.
    pub reason: String,
    pub raw: String,
    /// The rows of the file it stands for: 1, or more for a record that swallowed the lines
    /// after it (a quote left open).
    pub rows: u64,
}

/// The four canonical registration methods (SPEC §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Nfc,
    Lock,
    Mobile,
    Manual,
}

impl Method {
    /// Every method, each at the place of its discriminant (`m as usize`).
    pub const ALL: [Method; 4] = [Method::Nfc, Method::Lock, Method::Mobile, Method::Manual];

    pub fn from_canonical(name: &str) -> Option<Method> {
        match name {
            "nfc" => Some(Method::Nfc),
            "lock" => Some(Method::Lock),
            "mobile" => Some(Method::Mobile),
            "manual" => Some(Method::Manual),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Nfc => "nfc",
            Method::Lock => "lock",
            Method::Mobile => "mobile",
            Method::Manual => "manual",
        }
    }
}

/// The four canonical statuses of a registration (SPEC §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VisitStatus {
    /// The visit was carried out.
    #[default]
    Performed,
    /// The client declined at the door.
    Declined,
    /// The client was not at home.
    NotHome,
    /// The supplier cancelled.
    Cancelled,
}

impl VisitStatus {
    /// Every status, each at the place of its discriminant.
    pub const ALL: [VisitStatus; 4] = [VisitStatus::Performed, VisitStatus::Declined, VisitStatus::NotHome, VisitStatus::Cancelled];

    pub fn from_canonical(name: &str) -> Option<VisitStatus> {
        VisitStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Performed => "performed",
            VisitStatus::Declined => "declined",
            VisitStatus::NotHome => "not_home",
            VisitStatus::Cancelled => "cancelled",
        }
    }

    pub fn is_performed(self) -> bool {
        self == VisitStatus::Performed
    }

    /// Counted by `declined_share` and flagged by `declined_remainder`: the client declined or
    /// was not at home.
    pub fn is_declined(self) -> bool {
        match self {
            VisitStatus::Declined | VisitStatus::NotHome => true,
            VisitStatus::Performed | VisitStatus::Cancelled => false,
        }
    }
}

/// Granted or invoiced minutes as an exact fixed-point number (millionths of a minute), so that sums over
/// clients and suppliers are the same in any order (a float sum depends on the order of the
/// rows). Six decimals hold every value an export writes exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExactMinutes(i64);

impl ExactMinutes {
    const SCALE: f64 = 1_000_000.0;

    /// The nearest fixed-point value of a number read from a file.
    pub fn from_minutes(minutes: f64) -> ExactMinutes {
        ExactMinutes((minutes * Self::SCALE).round() as i64)
    }

    /// The value as a float: the nearest float to the exact sum.
    pub fn minutes(self) -> f64 {
        self.0 as f64 / Self::SCALE
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The exact value in microseconds (a millionth of a minute is 60 µs).
    pub fn micros(self) -> i64 {
        self.0 * 60
    }
}

impl std::ops::Add for ExactMinutes {
    type Output = ExactMinutes;

    fn add(self, other: ExactMinutes) -> ExactMinutes {
        ExactMinutes(self.0 + other.0)
    }
}

impl std::ops::AddAssign for ExactMinutes {
    fn add_assign(&mut self, other: ExactMinutes) {
        self.0 += other.0;
    }
}

impl std::iter::Sum for ExactMinutes {
    fn sum<I: Iterator<Item = ExactMinutes>>(iter: I) -> ExactMinutes {
        iter.fold(ExactMinutes::default(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_minutes_add_up_exactly_in_any_order() {
        let values = [0.1, 0.2, 0.3, 1e9 + 0.7, 33.333333, 12.5];
        let forward: ExactMinutes = values.iter().map(|m| ExactMinutes::from_minutes(*m)).sum();
        let backward: ExactMinutes = values.iter().rev().map(|m| ExactMinutes::from_minutes(*m)).sum();
        assert_eq!(forward, backward);
        assert_eq!(ExactMinutes::from_minutes(0.1) + ExactMinutes::from_minutes(0.2), ExactMinutes::from_minutes(0.3));
        assert_eq!(ExactMinutes::from_minutes(90.5).minutes(), 90.5);
        assert!(!ExactMinutes::from_minutes(0.0).is_positive());
    }

    #[test]
    fn what_the_staff_walks_read_lies_in_the_first_line() {
        use std::mem::offset_of;
        let ends = [
            offset_of!(Visit, check_in) + 8,
            offset_of!(Visit, check_out) + std::mem::size_of::<Option<i64>>(),
            offset_of!(Visit, local_in) + std::mem::size_of::<NaiveDateTime>(),
            offset_of!(Visit, supplier) + 4,
            offset_of!(Visit, client) + 4,
            offset_of!(Visit, staff) + 4,
            offset_of!(Visit, area) + 4,
            offset_of!(Visit, in_method) + 1,
            offset_of!(Visit, out_method) + 1,
            offset_of!(Visit, manual_reason) + 1,
            offset_of!(Visit, status) + 1,
            offset_of!(Visit, file) + 2,
        ];
        assert!(ends.into_iter().all(|end| end <= VISIT_HOT_BYTES), "{ends:?}");
        assert_eq!(offset_of!(Visit, visit_id), VISIT_HOT_BYTES);
        assert_eq!((std::mem::size_of::<Visit>(), std::mem::align_of::<Visit>()), (128, 64));
    }
}

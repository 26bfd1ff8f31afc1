//! One column list per stored table of a month: the CSV writer, the Parquet writer and the
//! reader all take the names and the values from it, so a column is added in one place.

use crate::model::{Figure, Reject};
use crate::month::analysis::{FigureRow, FlagRow, MemberRow};
use crate::month::evidence::EvidenceRow;
use crate::month::sample::{AnswerSummary, SampledVisit};

/// How a column's value is taken from a row, and so its Parquet type.
pub enum Get<R> {
    Str(for<'a> fn(&'a R) -> &'a str),
    OptStr(for<'a> fn(&'a R) -> Option<&'a str>),
    String(fn(&R) -> String),
    U32(fn(&R) -> u32),
    OptU32(fn(&R) -> Option<u32>),
    I64(fn(&R) -> i64),
    U64(fn(&R) -> u64),
    /// A number written as `format_value` writes it: full precision, empty when missing.
    OptF64(fn(&R) -> Option<f64>),
}

/// The columns of one stored table of rows `R`, in file order.
pub trait StoredColumn<R>: Copy + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
    fn get(self) -> Get<R>;
}

/// Declares a stored table's column enum with each column's name and value in one line.
macro_rules! stored_table {
    ($(#[$doc:meta])* $enum:ident for $row:ty {
        $($variant:ident = $name:expr => $get:ident($f:expr);)*
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $enum {
            $($variant),*
        }

        impl StoredColumn<$row> for $enum {
            const ALL: &'static [$enum] = &[$($enum::$variant),*];

            fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name),*
                }
            }

            fn get(self) -> Get<$row> {
                match self {
                    $($enum::$variant => Get::$get($f)),*
                }
            }
        }
    };
}

stored_table! {
    /// `figures.csv`: one row per supplier, month and metric (SPEC §8).
    FigureColumn for FigureRow {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        Month = "month" => String(|r| r.month.to_string());
        Figure = "figure" => Str(|r| r.metric.id());
        Value = "value" => OptF64(|r| r.value);
        Status = "status" => Str(|r| r.status.as_str());
    }
}

stored_table! {
    /// `flags.csv`: one row per flagged visit, flag and partner (SPEC §8).
    FlagColumn for FlagRow {
        VisitId = "visit_id" => Str(|r| &r.visit_id);
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        Flag = "flag" => Str(|r| r.flag.name());
        RelatedVisitId = "related_visit_id" => OptStr(|r| r.related_visit_id.as_deref());
    }
}

stored_table! {
    /// `evidence.csv`: the staff, clients and example visits behind each metric.
    EvidenceColumn for EvidenceRow {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        Figure = "figure" => Str(|r| r.evidence.owner().id());
        Kind = "kind" => Str(|r| r.kind.as_str());
        Id = "id" => Str(|r| &r.id);
        Value = "value" => OptF64(|r| r.value);
        Detail = "detail" => OptStr(|r| r.detail.as_deref());
    }
}

stored_table! {
    /// `rejects.csv`: the rows that could not be read, with file, line and reason.
    RejectColumn for Reject {
        File = "file" => Str(|r| &r.file);
        Line = "line" => U64(|r| r.line);
        Reason = "reason" => Str(|r| &r.reason);
        Raw = "raw" => Str(|r| &r.raw);
    }
}

stored_table! {
    /// `staff.csv` and `clients.csv`: the figures of each member, then the raw counts that
    /// later commands add up. `MemberId` is written as `staff_id` or `client_id`.
    MemberColumn for MemberRow {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        MemberId = "member_id" => Str(|r| &r.member_id);
        Visits = "visits" => U32(|r| r.tally.visits);
        CheckedIn = "checked_in" => U32(|r| r.tally.checked_in);
        CheckinRate = Figure::CheckinRate.id() => OptF64(|r| r.tally.checkin_rate());
        ValidDurations = "valid_durations" => U32(|r| r.tally.valid);
        MinutesMean = "minutes_mean" => OptF64(|r| r.tally.minutes_mean());
        MinutesMedian = "minutes_median" => OptF64(|r| r.median);
        ShortVisitShare = Figure::ShortVisitShare.id() => OptF64(|r| r.tally.short_share());
        FlaggedVisits = "flagged_visits" => U32(|r| r.tally.flagged);
        DistinctStaff = "distinct_staff" => OptU32(|r| r.distinct_staff);
        GrantedMinutes = "granted_minutes" => OptF64(|r| r.tally.granted.map(|g| g.minutes()));
        CompletionRate = Figure::CompletionRate.id() => OptF64(|r| r.tally.completion());
        ContinuityStaff = "continuity_staff" => OptU32(|r| r.continuity_staff);
        ShortVisits = "short_visits" => U32(|r| r.tally.short);
        ValidSeconds = "valid_seconds" => I64(|r| r.tally.valid_seconds);
        ManualVisits = "manual_visits" => U32(|r| r.tally.manual);
        ManualWithReason = "manual_with_reason" => U32(|r| r.tally.manual_with_reason);
    }
}

stored_table! {
    /// `stickprov/stickprov.csv`: one row per sampled visit, in the order of the draw (SPEC §11).
    SampleColumn for SampledVisit {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        VisitId = "visit_id" => Str(|r| &r.visit_id);
        Drawn = "drawn" => Str(|r| r.drawn.as_str());
        CheckIn = "check_in" => String(|r| r.check_in.format("%Y-%m-%d %H:%M:%S").to_string());
        CheckOut = "check_out" => String(|r| r.check_out.format("%Y-%m-%d %H:%M:%S").to_string());
        Minutes = "minutes" => String(|r| r.minutes_text());
        StaffId = "staff_id" => Str(|r| &r.staff_id);
        ClientId = "client_id" => Str(|r| &r.client_id);
        Services = "services" => Str(|r| &r.services);
        Flags = "flags" => String(|r| r.flags_text());
        Questioned = "questioned" => OptStr(|r| r.questioned.as_deref());
    }
}

stored_table! {
    /// `stickprov/svar.csv`: the answers per supplier and part of the sample (SPEC §11).
    AnswerColumn for AnswerSummary {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        Drawn = "drawn" => Str(|r| r.drawn_text());
        Sampled = "sampled" => U32(|r| r.sampled);
        Answered = "answered" => U32(|r| r.answered);
        Confirmed = "confirmed" => U32(|r| r.confirmed);
        Partly = "partly" => U32(|r| r.partly);
        NotConfirmed = "not_confirmed" => U32(|r| r.not_confirmed);
        NotConfirmedShare = "not_confirmed_share" => OptF64(|r| r.not_confirmed_share());
    }
}

impl MemberColumn {
    /// The column's name in the staff (`staff_id`) or the client (`client_id`) table.
    pub fn name_in(self, id_column: &'static str) -> &'static str {
        match self {
            MemberColumn::MemberId => id_column,
            other => other.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<R, C: StoredColumn<R>>() -> Vec<&'static str> {
        C::ALL.iter().map(|c| c.name()).collect()
    }

    #[test]
    fn the_tables_have_the_columns_of_the_spec() {
        assert_eq!(names::<FigureRow, FigureColumn>(), ["supplier_id", "month", "figure", "value", "status"]);
        assert_eq!(names::<FlagRow, FlagColumn>(), ["visit_id", "supplier_id", "flag", "related_visit_id"]);
        assert_eq!(names::<Reject, RejectColumn>(), ["file", "line", "reason", "raw"]);
        assert_eq!(MemberColumn::MemberId.name_in("staff_id"), "staff_id");
        assert_eq!(MemberColumn::Visits.name_in("staff_id"), "visits");
        assert_eq!(names::<MemberRow, MemberColumn>().len(), 18);
        assert_eq!(
            names::<SampledVisit, SampleColumn>(),
            [
                "supplier_id",
                "visit_id",
                "drawn",
                "check_in",
                "check_out",
                "minutes",
                "staff_id",
                "client_id",
                "services",
                "flags",
                "questioned"
            ]
        );
        assert_eq!(
            names::<AnswerSummary, AnswerColumn>(),
            ["supplier_id", "drawn", "sampled", "answered", "confirmed", "partly", "not_confirmed", "not_confirmed_share"]
        );
    }
}

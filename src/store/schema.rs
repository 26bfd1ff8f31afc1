//! One column list per stored table of a month: the CSV writer, the Parquet writer and the
//! reader all take the names and the values from it, so a column is added in one place.

use crate::model::{Figure, Questioned, Reject};
use crate::month::analysis::{FigureRow, FlagRow, MemberRow};
use crate::month::evidence::EvidenceRow;
use crate::month::payment::{InvoiceCheckRow, PaymentRow, QuestionedRow};
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
    OptI64(fn(&R) -> Option<i64>),
    /// Hundredths written with two decimals (`12.35`), empty when missing.
    OptHundredths(fn(&R) -> Option<i64>),
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
        DuringAbsenceSeconds = "during_absence_seconds" => I64(|r| r.tally.questioned_seconds[Questioned::DuringAbsence as usize]);
        DuplicateSeconds = "duplicate_seconds" => I64(|r| r.tally.questioned_seconds[Questioned::Duplicate as usize]);
        StaffOverlapSeconds = "staff_overlap_seconds" => I64(|r| r.tally.questioned_seconds[Questioned::StaffOverlap as usize]);
        ManualWithoutReasonSeconds = "manual_without_reason_seconds" => I64(|r| r.tally.questioned_seconds[Questioned::ManualWithoutReason as usize]);
        InvoicedMinutes = "invoiced_minutes" => OptF64(|r| r.tally.invoiced.map(|i| i.minutes()));
    }
}

impl MemberColumn {
    /// The column of a member's questioned seconds for `reason`.
    pub fn questioned(reason: Questioned) -> MemberColumn {
        match reason {
            Questioned::DuringAbsence => MemberColumn::DuringAbsenceSeconds,
            Questioned::Duplicate => MemberColumn::DuplicateSeconds,
            Questioned::StaffOverlap => MemberColumn::StaffOverlapSeconds,
            Questioned::ManualWithoutReason => MemberColumn::ManualWithoutReasonSeconds,
        }
    }
}

stored_table! {
    /// `payment.csv`: per supplier and month the payment basis (SPEC §10), minutes with two
    /// decimals, kronor whole.
    PaymentColumn for PaymentRow {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        Month = "month" => String(|r| r.month.to_string());
        RegisteredMinutes = "registered_minutes" => OptHundredths(|r| Some(r.registered));
        QuestionedMinutes = "questioned_minutes" => OptHundredths(|r| Some(r.questioned));
        DuringAbsenceMinutes = "during_absence_minutes" => OptHundredths(|r| Some(r.per_reason[Questioned::DuringAbsence as usize]));
        DuplicateMinutes = "duplicate_minutes" => OptHundredths(|r| Some(r.per_reason[Questioned::Duplicate as usize]));
        StaffOverlapMinutes = "staff_overlap_minutes" => OptHundredths(|r| Some(r.per_reason[Questioned::StaffOverlap as usize]));
        ManualWithoutReasonMinutes = "manual_without_reason_minutes" => OptHundredths(|r| Some(r.per_reason[Questioned::ManualWithoutReason as usize]));
        OverGrantedMinutes = "over_granted_minutes" => OptHundredths(|r| r.over_granted);
        InvoicedMinutes = "invoiced_minutes" => OptHundredths(|r| r.invoiced);
        InvoiceExcessMinutes = "invoice_excess_minutes" => OptHundredths(|r| r.invoice_excess);
        QuestionedKronor = "questioned_kronor" => OptI64(|r| r.questioned_kronor);
        InvoiceExcessKronor = "invoice_excess_kronor" => OptI64(|r| r.invoice_excess_kronor);
    }
}

impl PaymentColumn {
    /// The column of the minutes questioned for `reason`.
    pub fn questioned(reason: Questioned) -> PaymentColumn {
        match reason {
            Questioned::DuringAbsence => PaymentColumn::DuringAbsenceMinutes,
            Questioned::Duplicate => PaymentColumn::DuplicateMinutes,
            Questioned::StaffOverlap => PaymentColumn::StaffOverlapMinutes,
            Questioned::ManualWithoutReason => PaymentColumn::ManualWithoutReasonMinutes,
        }
    }
}

stored_table! {
    /// `questioned.csv`: one row per questioned visit (SPEC §10).
    QuestionedColumn for QuestionedRow {
        VisitId = "visit_id" => Str(|r| &r.visit_id);
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        Reason = "reason" => Str(|r| r.reason.name());
        Minutes = "minutes" => OptHundredths(|r| Some(r.minutes));
    }
}

stored_table! {
    /// `invoice_check.csv`: one row per supplier and client with an invoice row (SPEC §10).
    InvoiceCheckColumn for InvoiceCheckRow {
        SupplierId = "supplier_id" => Str(|r| &r.supplier_id);
        ClientId = "client_id" => Str(|r| &r.client_id);
        Month = "month" => String(|r| r.month.to_string());
        InvoicedMinutes = "invoiced_minutes" => OptHundredths(|r| Some(r.invoiced));
        SupportedMinutes = "supported_minutes" => OptHundredths(|r| Some(r.supported));
        ExcessMinutes = "excess_minutes" => OptHundredths(|r| Some(r.excess));
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
        assert_eq!(
            names::<PaymentRow, PaymentColumn>().join(","),
            "supplier_id,month,registered_minutes,questioned_minutes,during_absence_minutes,duplicate_minutes,staff_overlap_minutes,manual_without_reason_minutes,over_granted_minutes,invoiced_minutes,invoice_excess_minutes,questioned_kronor,invoice_excess_kronor"
        );
        for reason in Questioned::ALL {
            assert_eq!(PaymentColumn::questioned(reason).name(), format!("{}_minutes", reason.name()));
        }
        assert_eq!(names::<QuestionedRow, QuestionedColumn>(), ["visit_id", "supplier_id", "reason", "minutes"]);
        assert_eq!(
            names::<InvoiceCheckRow, InvoiceCheckColumn>(),
            ["supplier_id", "client_id", "month", "invoiced_minutes", "supported_minutes", "excess_minutes"]
        );
        assert_eq!(MemberColumn::MemberId.name_in("staff_id"), "staff_id");
        assert_eq!(MemberColumn::Visits.name_in("staff_id"), "visits");
        assert_eq!(names::<MemberRow, MemberColumn>().len(), 23);
        for reason in Questioned::ALL {
            assert_eq!(MemberColumn::questioned(reason).name(), format!("{}_seconds", reason.name()));
        }
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

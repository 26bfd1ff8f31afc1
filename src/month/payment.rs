//! The payment basis of SPEC §10: which visits' time is questioned and why, and the month's
//! rows of `payment.csv`, `questioned.csv` and `invoice_check.csv`. The sums are counted into
//! the month's tallies with the other counts (`figures::tally`); this module decides each
//! visit's reason from its flags and turns the exact sums into the written values.

use crate::model::payment::{centiminutes, seconds_in_hundredths};
use crate::model::{ExactMinutes, Flag, HourlyRate, Questioned, Tally, Visit, YearMonth, MICROS_PER_SECOND};

/// A visit's mask bit: it carries `duplicate` with a partner before it (the later copy).
pub const DUPLICATE_LATER: u32 = 1 << 14;
/// A visit's mask bit: it carries `staff_overlap` with a partner before it.
pub const OVERLAP_LATER: u32 = 1 << 15;
const _: () = assert!(Flag::COUNT <= 14, "the flags' bits and the payment bits must not meet, within a mask's 16 bits");

/// Marks in `masks` each visit that carries `duplicate` or `staff_overlap` with a partner that
/// comes before it in the order of SPEC §10 (`check_in`, then `visit_id` as text). The first
/// visit of a duplicate group has no partner before it and is not marked. `hits` are the
/// month's flags as (visit, flag, partner), indices into `visits`.
pub fn mark_later_partners(hits: impl Iterator<Item = (u32, Flag, Option<u32>)>, visits: &[Visit], masks: &mut [u16]) {
    let key = |i: u32| {
        let v = &visits[i as usize];
        (v.check_in, v.visit_id.as_bytes())
    };
    for (visit, flag, related) in hits {
        let bit = match flag {
            Flag::Duplicate => DUPLICATE_LATER,
            Flag::StaffOverlap => OVERLAP_LATER,
            Flag::RepeatedService
            | Flag::Adjacent
            | Flag::SingleStaff
            | Flag::MissingCheckout
            | Flag::NegativeDuration
            | Flag::Overlong
            | Flag::DuringAbsence
            | Flag::LongDay
            | Flag::NoDayOff
            | Flag::ShortTravel
            | Flag::DeclinedRemainder => continue,
        };
        if related.is_some_and(|p| key(p) < key(visit)) {
            masks[visit as usize] |= bit as u16;
        }
    }
}

/// Why a performed visit with a valid duration is questioned: the first reason of SPEC §10
/// that applies. `mask` holds its flags and the bits `mark_later_partners` sets; a manual
/// registration counts only when the export has a `manual_reason` column.
pub fn questioned(v: &Visit, mask: u32) -> Option<Questioned> {
    if mask & Flag::DuringAbsence.bit() != 0 {
        Some(Questioned::DuringAbsence)
    } else if mask & DUPLICATE_LATER != 0 {
        Some(Questioned::Duplicate)
    } else if mask & OVERLAP_LATER != 0 {
        Some(Questioned::StaffOverlap)
    } else if v.is_manual() && v.manual_reason == Some(false) {
        Some(Questioned::ManualWithoutReason)
    } else {
        None
    }
}

/// One row of `payment.csv`: minutes in hundredths, kronor whole, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub supplier_id: String,
    pub month: YearMonth,
    pub registered: i64,
    pub questioned: i64,
    /// Per reason, indexed by `Questioned as usize`.
    pub per_reason: [i64; Questioned::COUNT],
    /// Missing without a granted row (for `ALL`: without a granted input).
    pub over_granted: Option<i64>,
    /// Missing without an invoices input.
    pub invoiced: Option<i64>,
    pub invoice_excess: Option<i64>,
    /// Missing when `hourly_rate` is 0; `invoice_excess_kronor` also without invoices.
    pub questioned_kronor: Option<i64>,
    pub invoice_excess_kronor: Option<i64>,
}

/// What a payment row needs besides the tally.
#[derive(Debug, Clone, Copy)]
pub struct PaymentInputs {
    pub rate: HourlyRate,
    pub invoices_given: bool,
    /// `ALL` keeps `over_granted_minutes` whenever a granted input is given.
    pub granted_given: bool,
}

impl PaymentRow {
    /// The row of a scope from its exact sums; `all` for the municipality's row.
    pub fn of(supplier_id: &str, month: YearMonth, t: &Tally, inputs: PaymentInputs, all: bool) -> PaymentRow {
        let questioned_seconds = t.questioned_total_seconds();
        let over_granted = if all && inputs.granted_given { Some(t.over_granted_micros) } else { t.over_granted() };
        let invoiced = inputs.invoices_given.then(|| t.invoiced.map_or(0, ExactMinutes::micros));
        let excess = inputs.invoices_given.then_some(t.invoice_excess_micros);
        PaymentRow {
            supplier_id: supplier_id.to_string(),
            month,
            registered: seconds_in_hundredths(t.valid_seconds),
            questioned: seconds_in_hundredths(questioned_seconds),
            per_reason: t.questioned_seconds.map(seconds_in_hundredths),
            over_granted: over_granted.map(centiminutes),
            invoiced: invoiced.map(centiminutes),
            invoice_excess: excess.map(centiminutes),
            questioned_kronor: inputs.rate.kronor(questioned_seconds * MICROS_PER_SECOND),
            invoice_excess_kronor: excess.and_then(|e| inputs.rate.kronor(e)),
        }
    }
}

/// One row of `questioned.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuestionedRow {
    pub supplier_id: String,
    pub reason: Questioned,
    pub visit_id: String,
    /// The visit's valid duration in hundredths of a minute.
    pub minutes: i64,
}

/// One row of `invoice_check.csv`: a supplier's client with an invoice row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceCheckRow {
    pub supplier_id: String,
    pub client_id: String,
    pub month: YearMonth,
    pub invoiced: i64,
    pub supported: i64,
    pub excess: i64,
}

impl InvoiceCheckRow {
    /// A client's row from its tally, or `None` without an invoice row.
    pub fn of(supplier_id: &str, client_id: &str, month: YearMonth, t: &Tally) -> Option<InvoiceCheckRow> {
        let invoiced = t.invoiced?;
        Some(InvoiceCheckRow {
            supplier_id: supplier_id.to_string(),
            client_id: client_id.to_string(),
            month,
            invoiced: centiminutes(invoiced.micros()),
            supported: centiminutes(t.unquestioned_micros()),
            excess: centiminutes(t.invoice_excess_micros),
        })
    }

    /// The order of `invoice_check.csv`: per supplier, the clients without supported time
    /// first (invoiced without a single unquestioned visit), then by excess, largest first.
    pub fn sort(rows: &mut [InvoiceCheckRow]) {
        rows.sort_by(|a, b| {
            (&a.supplier_id, a.supported > 0, std::cmp::Reverse(a.excess), &a.client_id).cmp(&(
                &b.supplier_id,
                b.supported > 0,
                std::cmp::Reverse(b.excess),
                &b.client_id,
            ))
        });
    }
}

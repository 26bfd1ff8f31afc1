//! One month's results: key figures and flag counts per supplier and for `ALL`, the flagged
//! visits, the per-staff and per-client drill-down and the evidence, all folded from one
//! tally of the month.

use rayon::prelude::*;

use crate::config::Config;
use crate::engine::groups::MonthGroups;
use crate::ingest::MonthData;
use crate::model::{Flag, Ids, Metric, Status, Tally, Visit, YearMonth, ALL};
use crate::month::evidence::{supplier_evidence, EvidenceRow, SupplierScope};
use crate::month::figures::tally::{ClientRows, Member, MonthTally, QuestionedVisit};
use crate::month::figures::{metric_value, FigureContext, Scope};
use crate::month::flags::{self, FlagHit};
use crate::month::payment::{mark_later_partners, InvoiceCheckRow, PaymentInputs, PaymentRow, QuestionedRow};

/// One row of `figures.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    pub supplier_id: String,
    pub month: YearMonth,
    pub metric: Metric,
    pub value: Option<f64>,
    pub status: Status,
}

/// One row of `flags.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlagRow {
    pub supplier_id: String,
    pub flag: Flag,
    pub visit_id: String,
    pub related_visit_id: Option<String>,
}

/// One row of `staff.csv` or `clients.csv`: a member's raw counts and what is not a count.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub supplier_id: String,
    pub member_id: String,
    pub tally: Tally,
    pub median: Option<f64>,
    /// Clients only: distinct staff who visited the client.
    pub distinct_staff: Option<u32>,
    /// Clients only: distinct staff in the continuity window, when the client qualifies.
    pub continuity_staff: Option<u32>,
}

#[cfg(test)]
impl MemberRow {
    /// A member with only its tally (no median, no distinct or continuity staff), for tests.
    pub fn with_tally(supplier: &str, id: &str, tally: Tally) -> MemberRow {
        MemberRow {
            supplier_id: supplier.to_string(),
            member_id: id.to_string(),
            tally,
            median: None,
            distinct_staff: None,
            continuity_staff: None,
        }
    }
}

/// Everything computed for one month.
pub struct MonthAnalysis {
    pub month: YearMonth,
    pub figures: Vec<FigureRow>,
    pub flags: Vec<FlagRow>,
    pub staff: Vec<MemberRow>,
    pub clients: Vec<MemberRow>,
    /// The staff, clients and example visits behind each figure and flag, per supplier.
    pub evidence: Vec<EvidenceRow>,
    /// Every flag of the month's visits, sorted by visit, flag and partner.
    pub hits: Vec<FlagHit>,
    /// `payment.csv`: per supplier, then `ALL`.
    pub payment: Vec<PaymentRow>,
    /// `questioned.csv`, sorted by supplier, reason and visit.
    pub questioned: Vec<QuestionedRow>,
    /// `invoice_check.csv` (empty without invoices), in `InvoiceCheckRow::sort`'s order.
    pub invoice_check: Vec<InvoiceCheckRow>,
}

/// The rows of `figures.csv` for one scope, in registry order.
pub fn figure_rows(supplier_id: &str, month: YearMonth, scope: &Scope, ctx: &FigureContext) -> Vec<FigureRow> {
    Metric::all()
        .map(|metric| {
            let value = metric_value(metric, scope, ctx);
            let status = Status::judge(value, ctx.config.requirement(metric));
            FigureRow { supplier_id: supplier_id.to_string(), month, metric, value, status }
        })
        .collect()
}

/// Each visit's flags as a bit set, with the bits of the payment basis
/// (`mark_later_partners`).
fn flag_masks(hits: &[FlagHit], visits: &[Visit]) -> Vec<u16> {
    let mut masks = vec![0u16; visits.len()];
    for h in hits {
        masks[h.visit as usize] |= h.flag.bit() as u16;
    }
    mark_later_partners(hits.iter().map(|h| (h.visit, h.flag, h.related)), visits, &mut masks);
    masks
}

/// `questioned.csv`'s rows of the questioned visits, sorted.
fn questioned_rows(questioned_visits: &[QuestionedVisit], data: &MonthData) -> Vec<QuestionedRow> {
    let id_of = |i: u32| data.visits[i as usize].visit_id.as_str();
    in_row_order(questioned_visits, data, |q| q.visit, |q| q.reason, |a, b| (id_of(a.visit), a.seconds).cmp(&(id_of(b.visit), b.seconds)))
        .into_par_iter()
        .map(|q| QuestionedRow {
            supplier_id: data.ids.suppliers.name(data.visits[q.visit as usize].supplier).to_string(),
            reason: q.reason,
            visit_id: id_of(q.visit).to_string(),
            minutes: crate::model::payment::seconds_in_hundredths(q.seconds),
        })
        .collect()
}

/// `items` (each of one visit, `visit`) in the order of the rows made of them, which sort by
/// supplier id, then `key`, then visit id, then as `tie` says. They are put in that order
/// before any row is made: by the supplier's rank among the names, the key and the first 16
/// bytes of the visit id as a number, comparing whole ids (`tie`) only where those tie, instead
/// of comparing the rows' supplier names (long, and alike up to their last word) and ids as
/// text.
fn in_row_order<'a, T: Sync, K: Ord + Copy + Send>(
    items: &'a [T],
    data: &MonthData,
    visit: impl Fn(&T) -> u32 + Sync,
    key: impl Fn(&T) -> K + Sync,
    tie: impl Fn(&T, &T) -> std::cmp::Ordering + Sync,
) -> Vec<&'a T> {
    let ranks = data.ids.suppliers.ranks();
    let mut keyed: Vec<(u32, K, u128, &T)> = items
        .par_iter()
        .map(|item| {
            let v = &data.visits[visit(item) as usize];
            (ranks[v.supplier as usize], key(item), id_prefix(&v.visit_id), item)
        })
        .collect();
    keyed.par_sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| tie(a.3, b.3)));
    keyed.into_iter().map(|(_, _, _, item)| item).collect()
}

/// `invoice_check.csv`'s rows: every client with an invoice row, in the file's order.
fn invoice_check_rows(tally: &MonthTally, ids: &Ids, month: YearMonth) -> Vec<InvoiceCheckRow> {
    let mut rows: Vec<InvoiceCheckRow> = tally
        .clients
        .iter()
        .filter_map(|m| InvoiceCheckRow::of(ids.suppliers.name(m.supplier()), ids.clients.name(m.member()), month, &m.tally))
        .collect();
    InvoiceCheckRow::sort(&mut rows);
    rows
}

/// Drill-down rows sorted by supplier and member id. Clients are listed when they have visits,
/// other registrations or granted time (a client granted time but not visited is the gap an
/// officer most needs).
fn member_rows(members: &[Member], ids: &Ids, clients: bool) -> Vec<MemberRow> {
    let names = if clients { &ids.clients } else { &ids.staff };
    // The members are put in the rows' order (the supplier's rank among the names, then the
    // member's name) before any row is made, so that each row is made once, in its place.
    let ranks = ids.suppliers.ranks();
    let mut listed: Vec<&Member> =
        members.par_iter().filter(|m| !clients || m.tally.visits > 0 || m.tally.not_performed > 0 || m.tally.granted.is_some()).collect();
    listed.par_sort_unstable_by_key(|m| (ranks[m.supplier() as usize], names.name(m.member())));
    listed
        .into_par_iter()
        .map(|m| MemberRow {
            supplier_id: ids.suppliers.name(m.supplier()).to_string(),
            member_id: names.name(m.member()).to_string(),
            tally: m.tally,
            median: m.median,
            distinct_staff: clients.then_some(m.distinct_staff),
            continuity_staff: m.continuity_staff,
        })
        .collect()
}

/// `flags.csv` rows, sorted.
fn flag_rows(hits: &[FlagHit], data: &MonthData) -> Vec<FlagRow> {
    let id_of = |i: u32| data.visits[i as usize].visit_id.as_str();
    let ids = |h: &FlagHit| (id_of(h.visit), h.related.map(id_of));
    in_row_order(hits, data, |h| h.visit, |h| h.flag, |a, b| ids(a).cmp(&ids(b)))
        .into_par_iter()
        .map(|h| FlagRow {
            supplier_id: data.ids.suppliers.name(data.visits[h.visit as usize].supplier).to_string(),
            flag: h.flag,
            visit_id: id_of(h.visit).to_string(),
            related_visit_id: h.related.map(|r| id_of(r).to_string()),
        })
        .collect()
}

/// The first 16 bytes of `id` as a big-endian number, zeros after its end: two ids whose
/// numbers differ compare as their numbers do (a shorter id's zeros stand below any byte but
/// a zero, and where they meet a zero the numbers tie), so only ties need the whole ids.
fn id_prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// The month's figures, flags, drill-down and evidence.
pub fn analyse(data: &MonthData, config: &Config) -> MonthAnalysis {
    analyse_grouped(data, config, MonthGroups::new(&data.visits, data.performed))
}

/// `analyse` with the month's visits already grouped (`MonthGroups::new`), as `monthly`
/// shares the groupings by client with `visits.parquet`. The grouping by staff is let go
/// once the flags and tallies have walked it: the rows are made and written beside the
/// month's visits, where memory is at its highest.
pub fn analyse_grouped(data: &MonthData, config: &Config, mut groups: MonthGroups) -> MonthAnalysis {
    let (month, ids) = (data.month, &data.ids);
    let mut ctx = FigureContext::new(config, month, ids);
    ctx.absences_given = data.absences_given;
    ctx.addons_given = data.addons_given;
    ctx.status_given = data.status_given;
    ctx.invoices_given = data.invoices_given;
    let hits = flags::compute(&data.visits, data.performed, &data.absences, &groups, &ctx);
    let masks = flag_masks(&hits, &data.visits);
    let rows = ClientRows { granted: &data.granted, addons: &data.addons, invoices: &data.invoices };
    let tally = MonthTally::build(&data.visits, &groups, rows, &masks, &ctx);
    drop(std::mem::take(&mut groups.staff));
    let payment_inputs = PaymentInputs {
        rate: crate::model::HourlyRate::from_kronor(config.payment.hourly_rate),
        invoices_given: data.invoices_given,
        granted_given: data.granted_given,
    };

    // Every supplier of the month has a client: with visits, granted time, add-on reports or
    // invoices.
    let mut suppliers: Vec<u32> = tally.clients.iter().map(Member::supplier).collect();
    suppliers.dedup();
    suppliers.sort_by(|a, b| ids.suppliers.name(*a).cmp(ids.suppliers.name(*b)));

    let per_supplier = |s: &u32| {
        let scope = Scope::new(tally.staff_of(*s), tally.clients_of(*s), tally.medians.of_supplier(*s));
        let rows = figure_rows(ids.suppliers.name(*s), month, &scope, &ctx);
        let payment = PaymentRow::of(ids.suppliers.name(*s), month, &scope.total, payment_inputs, false);
        let evidence_scope = SupplierScope {
            supplier: *s,
            month: &tally,
            visits: &data.visits,
            by_client: &groups.clients,
            others: &groups.others,
            masks: &masks,
            ids,
            absences: &data.absences,
            hits: &hits,
        };
        (rows, payment, supplier_evidence(&evidence_scope, &ctx))
    };
    let all_scope = Scope::new(&tally.staff, &tally.clients, tally.medians.all);
    let (((per_supplier, all_rows), (questioned, invoice_check)), ((staff, clients), flags)) = rayon::join(
        || {
            rayon::join(
                || rayon::join(|| suppliers.par_iter().map(per_supplier).collect::<Vec<_>>(), || figure_rows(ALL, month, &all_scope, &ctx)),
                || rayon::join(|| questioned_rows(&tally.questioned, data), || invoice_check_rows(&tally, ids, month)),
            )
        },
        || {
            rayon::join(
                || rayon::join(|| member_rows(&tally.staff, ids, false), || member_rows(&tally.clients, ids, true)),
                || flag_rows(&hits, data),
            )
        },
    );
    let (mut figures, mut evidence, mut payment) = (Vec::new(), Vec::new(), Vec::new());
    for (rows, pay, ev) in per_supplier {
        figures.extend(rows);
        payment.push(pay);
        evidence.extend(ev);
    }
    figures.extend(all_rows);
    payment.push(PaymentRow::of(ALL, month, &all_scope.total, payment_inputs, true));
    MonthAnalysis { month, figures, flags, staff, clients, evidence, hits, payment, questioned, invoice_check }
}

#[cfg(test)]
mod tests {
    use super::id_prefix;

    #[test]
    fn ids_ordered_by_their_prefix_and_then_whole_are_ordered_as_text() {
        // Prefixes of each other, a zero byte, ids longer than 16 bytes alike in their first
        // 16, letters beyond ASCII, and digits of different lengths.
        let mut ids: Vec<String> = [
            "",
            "a",
            "ab",
            "ab\0",
            "ab\0z",
            "abc",
            "abd",
            "b",
            "250301150001",
            "25030115000",
            "2503011500010",
            "0123456789abcdefX",
            "0123456789abcdef",
            "0123456789abcdefA",
            "0123456789abcdeg",
            "å",
            "ä",
            "ö",
            "z",
            "3:17",
            "3:170",
            "10:2",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        for i in 0..200u32 {
            ids.push(format!("{}", i * 7919 % 1000));
        }
        let mut by_prefix = ids.clone();
        by_prefix.sort_by(|a, b| id_prefix(a).cmp(&id_prefix(b)).then_with(|| a.cmp(b)));
        let mut as_text = ids.clone();
        as_text.sort();
        assert_eq!(by_prefix, as_text);
        // Where the prefixes differ they alone give the order.
        for a in &ids {
            for b in &ids {
                if id_prefix(a) != id_prefix(b) {
                    assert_eq!(id_prefix(a).cmp(&id_prefix(b)), a.cmp(b), "{a:?} {b:?}");
                }
            }
        }
    }
}

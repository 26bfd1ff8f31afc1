//! The evidence behind each figure and flag of a supplier: the staff and clients that
//! contribute most and example visits, stored with the month so that an action plan or an
//! investigation can name them without re-reading the exports (`evidence.csv`). Weights are
//! read off the same tallies as the figures.

use crate::engine::groups::Groups;
use crate::model::evidence::Ranked;
use crate::model::time::local_time;
use crate::model::{member_key, Absence, Evidence, Figure, Flag, Ids, Interner, Metric, Tally, Visit};
use crate::month::figures::tally::{FlagMasks, Member, MonthTally};
use crate::month::figures::FigureContext;
use crate::month::flags::FlagHit;

/// How many staff, clients and example visits are kept per figure.
pub const TOP: usize = 10;

/// What an evidence row names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Staff,
    Client,
    Visit,
    /// An absence of a client (`during_absence`): the client's pseudonym, the reason and the
    /// period; weighed by the supplier's visits in it.
    Absence,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Staff => "staff",
            Kind::Client => "client",
            Kind::Visit => "visit",
            Kind::Absence => "absence",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "staff" => Some(Kind::Staff),
            "client" => Some(Kind::Client),
            "visit" => Some(Kind::Visit),
            "absence" => Some(Kind::Absence),
            _ => None,
        }
    }
}

/// One row of `evidence.csv`: for one kind of evidence (its `figure` column is the id of the
/// metric that owns it), a staff member, client or visit and its weight (number of
/// contributing visits or reports; for completion the client's own rate; for continuity the
/// client's number of distinct staff; empty for a visit).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub supplier_id: String,
    pub evidence: Evidence,
    pub kind: Kind,
    pub id: String,
    pub value: Option<f64>,
    /// For an example visit: its local check-in time and staff member (`2025-03-04 08:15,
    /// P010005`), so a plan can show the visit without the visits table.
    pub detail: Option<String>,
}

/// The `TOP` largest weights, ties broken by id so that the choice is reproducible.
fn top_by_weight<'a>(items: impl Iterator<Item = (&'a str, f64)>) -> Vec<(&'a str, f64)> {
    let mut all: Vec<(&str, f64)> = items.collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    all.truncate(TOP);
    all
}

/// How much a staff member or client contributes to a kind of evidence (0: not at all);
/// `None` where the evidence ranks its members otherwise (completion, by the client's own rate).
fn member_weight(evidence: Evidence, t: &Tally) -> Option<u32> {
    match evidence {
        Evidence::Unverified => Some(t.unverified()),
        Evidence::Short => Some(t.short),
        Evidence::Flagged(flag) => Some(t.flag_count(flag)),
        Evidence::UnreportedAddons => Some(t.addons_unreported()),
        Evidence::LateReports => Some(t.late_reports),
        Evidence::ManualWithoutReason => Some(t.manual_without_reason()),
        Evidence::Declined => Some(t.declined),
        // An unserved client weighs its granted minutes.
        Evidence::Unserved => Some(if t.unserved > 0 { t.granted.map_or(0, |g| g.minutes().round() as u32) } else { 0 }),
        // Distinct staff are counted for the clients in the measurement only (0 for the others).
        Evidence::Continuity => Some(t.continuity_staff as u32),
        Evidence::CompletionOutside => None,
    }
}

/// Whether the evidence names the staff members (`Kind::Staff`) or clients (`Kind::Client`)
/// by weight.
fn ranks(ranked: Ranked, kind: Kind) -> bool {
    match ranked {
        Ranked::StaffAndClients => true,
        Ranked::Clients => kind == Kind::Client,
        Ranked::ClientsByCompletion => false,
    }
}

/// Whether a visit is an example of the evidence, for the kinds not found from the visit's flag
/// bits: `examples` finds a flag's examples from the bits and never asks here.
fn is_example(evidence: Evidence, v: &Visit, month: &MonthTally, ctx: &FigureContext) -> bool {
    match evidence {
        Evidence::Unverified => !ctx.is_checked_in(v),
        Evidence::Short => ctx.valid_minutes(v).is_some_and(|d| ctx.is_short_minutes(d)),
        Evidence::UnreportedAddons => month.has_unreported_addon(v, ctx),
        Evidence::ManualWithoutReason => v.is_manual() && v.manual_reason == Some(false),
        Evidence::Declined => v.status.is_declined(),
        Evidence::Flagged(_) | Evidence::CompletionOutside | Evidence::LateReports | Evidence::Continuity | Evidence::Unserved => false,
    }
}

/// Whether the evidence quotes example visits.
fn has_examples(evidence: Evidence) -> bool {
    evidence.def().example_reason.is_some()
}

/// The inputs of one supplier's evidence.
pub struct SupplierScope<'a> {
    pub supplier: u32,
    pub month: &'a MonthTally,
    pub visits: &'a [Visit],
    /// The month's performed visits grouped by client: one supplier's are one range.
    pub by_client: &'a Groups,
    /// The other registrations grouped by client.
    pub others: &'a Groups,
    pub masks: &'a FlagMasks,
    pub ids: &'a Ids,
    /// The month's absences, for the periods behind `during_absence`.
    pub absences: &'a [Absence],
    /// Every flag of the month's visits, sorted by visit, flag and partner: the performed
    /// visit a `declined_remainder` example follows.
    pub hits: &'a [FlagHit],
}

/// Evidence rows of one supplier for every kind of evidence, in registry order.
pub fn supplier_evidence(scope: &SupplierScope, ctx: &FigureContext) -> Vec<EvidenceRow> {
    let supplier_id = scope.ids.suppliers.name(scope.supplier);
    let row = |evidence, kind, id: &str, value| EvidenceRow {
        supplier_id: supplier_id.to_string(),
        evidence,
        kind,
        id: id.to_string(),
        value,
        detail: None,
    };
    let mut out = Vec::new();
    let mut examples = examples(scope, ctx).into_iter();
    for evidence in Evidence::all() {
        let ranked = evidence.def().ranked;
        if ranked == Ranked::ClientsByCompletion {
            out.extend(completion_outside(scope, ctx).into_iter().map(|(id, rate)| row(evidence, Kind::Client, id, Some(rate))));
            continue;
        }
        for (kind, members, names) in [
            (Kind::Staff, scope.month.staff_of(scope.supplier), &scope.ids.staff),
            (Kind::Client, scope.month.clients_of(scope.supplier), &scope.ids.clients),
        ] {
            if ranks(ranked, kind) {
                out.extend(top_members(evidence, members, names).into_iter().map(|(id, n)| row(evidence, kind, id, Some(n))));
            }
        }
        if has_examples(evidence) {
            let (of, found) = examples.next().expect("one list of examples per kind that has them, in the same order");
            debug_assert_eq!(of, evidence);
            out.extend(found.into_iter().map(|i| {
                let v = &scope.visits[i];
                let mut detail = format!("{}, {}", v.local_in.format("%Y-%m-%d %H:%M"), scope.ids.staff.name(v.staff));
                if evidence == Evidence::Flagged(Flag::DeclinedRemainder) {
                    detail.push_str(&format!(", efter besök {}", followed_visits(scope, i)));
                }
                EvidenceRow { detail: Some(detail), ..row(evidence, Kind::Visit, &v.visit_id, None) }
            }));
        }
        if evidence == Evidence::Flagged(Flag::DuringAbsence) {
            out.extend(absence_periods(scope).into_iter().map(|(id, n)| row(evidence, Kind::Absence, &id, Some(f64::from(n)))));
        }
    }
    // Without an add-ons file no report was looked for: no add-on is unreported.
    if !ctx.addons_given {
        out.retain(|r| r.evidence != Evidence::UnreportedAddons);
    }
    out
}

/// The ids of the performed visits a declined registration (`visit`) is flagged after
/// (`declined_remainder`), as an example pair shows them.
fn followed_visits(scope: &SupplierScope, visit: usize) -> String {
    let flag = Flag::DeclinedRemainder;
    let from = scope.hits.partition_point(|h| (h.visit as usize, h.flag) < (visit, flag));
    let mut ids: Vec<&str> = scope.hits[from..]
        .iter()
        .take_while(|h| h.visit as usize == visit && h.flag == flag)
        .filter_map(|h| h.related)
        .map(|p| scope.visits[p as usize].visit_id.as_str())
        .collect();
    // By id, so that the text does not depend on the order the visits came in.
    ids.sort_unstable();
    ids.join(" och ")
}

/// The members that contribute most to the evidence, with their weights.
fn top_members<'a>(evidence: Evidence, members: &[Member], names: &'a Interner) -> Vec<(&'a str, f64)> {
    let weights = members.iter().filter_map(|m| Some((names.name(m.member()), member_weight(evidence, &m.tally)?)));
    top_by_weight(weights.filter(|(_, n)| *n > 0).map(|(id, n)| (id, f64::from(n))))
}

/// Clients whose own completion lies outside the requirement, farthest first, with their rate.
fn completion_outside<'a>(scope: &SupplierScope<'a>, ctx: &FigureContext) -> Vec<(&'a str, f64)> {
    let range = ctx.config.requirement(Metric::Figure(Figure::CompletionRate)).unwrap_or_default();
    let mut outside: Vec<(&str, f64)> = scope
        .month
        .clients_of(scope.supplier)
        .iter()
        .filter(|m| m.tally.completion_within(range) == Some(false))
        .filter_map(|m| Some((scope.ids.clients.name(m.member()), m.tally.completion()?)))
        .collect();
    outside.sort_by(|a, b| range.distance(b.1).total_cmp(&range.distance(a.1)).then_with(|| a.0.cmp(b.0)));
    outside.truncate(TOP);
    outside
}

/// The absences the supplier's flagged visits fell in, with the number of visits in each, the
/// most visits first.
fn absence_periods(scope: &SupplierScope) -> Vec<(String, u32)> {
    let flag = Flag::DuringAbsence.bit();
    let mut counts: Vec<u32> = vec![0; scope.absences.len()];
    for i in scope.by_client.visits_of(scope.supplier).iter().map(|&i| i as usize).filter(|&i| u32::from(scope.masks[i]) & flag != 0) {
        let v = &scope.visits[i];
        for (k, a) in scope.absences.iter().enumerate() {
            counts[k] += u32::from(a.client == v.client && a.contains(v.check_in));
        }
    }
    let described = scope.absences.iter().zip(counts).filter(|(_, n)| *n > 0).map(|(a, n)| (describe_absence(a, scope.ids), n));
    let mut periods: Vec<(String, u32)> = described.collect();
    periods.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    periods.truncate(TOP);
    periods
}

/// `K-…: sjukhus, 2025-03-10 – 2025-03-14` as an officer reads it: a period that begins or ends
/// at midnight is written as dates (an end as the last whole day), otherwise with times.
pub fn describe_absence(a: &Absence, ids: &Ids) -> String {
    let start = local_time(a.from);
    let from = if start.time() == chrono::NaiveTime::MIN {
        start.format("%Y-%m-%d").to_string()
    } else {
        start.format("%Y-%m-%d %H:%M").to_string()
    };
    let to = match a.to.map(local_time) {
        None => "tills vidare".to_string(),
        Some(end) if end.time() == chrono::NaiveTime::MIN => (end - chrono::Duration::days(1)).format("%Y-%m-%d").to_string(),
        Some(end) => end.format("%Y-%m-%d %H:%M").to_string(),
    };
    let reason = if a.reason.is_empty() { "orsak saknas" } else { a.reason.as_str() };
    format!("{}: {reason}, {from} – {to}", ids.clients.name(a.client))
}

/// The example visits of every kind of evidence that quotes them (`has_examples`): for each,
/// the visits (indexes) with the first `TOP` example visit ids in byte order. One pass over
/// the supplier's visits finds them all, each visit read once for every kind, and each kind
/// keeps only its first `TOP` ids as it goes, so no example's id is read twice.
fn examples(scope: &SupplierScope, ctx: &FigureContext) -> Vec<(Evidence, Vec<usize>)> {
    let kinds: Vec<Evidence> = Evidence::all().filter(|e| has_examples(*e)).collect();
    let mut first: Vec<FirstIds> = kinds.iter().map(|_| FirstIds::default()).collect();
    // A flag's kind is found from the visit's flag bits (most visits have none); the other
    // kinds are asked of every visit.
    let mut of_flag_bit = [None; 32];
    let mut others = Vec::new();
    for (k, evidence) in kinds.iter().enumerate() {
        match evidence {
            Evidence::Flagged(flag) => of_flag_bit[flag.bit().trailing_zeros() as usize] = Some(k),
            Evidence::Unverified
            | Evidence::Short
            | Evidence::CompletionOutside
            | Evidence::UnreportedAddons
            | Evidence::LateReports
            | Evidence::Continuity
            | Evidence::Unserved
            | Evidence::ManualWithoutReason => others.push(k),
            // Asked only of the registrations that are not performed visits, below.
            Evidence::Declined => {}
        }
    }
    for i in scope.by_client.walk_supplier(scope.supplier, scope.visits, Some(scope.masks)).map(|i| i as usize) {
        let (v, mask) = (&scope.visits[i], u32::from(scope.masks[i]));
        for &k in &others {
            if is_example(kinds[k], v, scope.month, ctx) {
                first[k].offer(&v.visit_id, i);
            }
        }
        let mut bits = mask;
        while bits != 0 {
            if let Some(k) = of_flag_bit[bits.trailing_zeros() as usize] {
                first[k].offer(&v.visit_id, i);
            }
            bits &= bits - 1;
        }
    }
    // The registrations that are not performed visits are examples of no figure of visits:
    // only of the declined ones and of their flag (`declined_remainder`).
    let declined = kinds.iter().position(|e| *e == Evidence::Declined).expect("declined registrations quote examples");
    for i in scope.others.visits_of(scope.supplier).iter().map(|&i| i as usize) {
        let (v, mask) = (&scope.visits[i], u32::from(scope.masks[i]));
        if is_example(Evidence::Declined, v, scope.month, ctx) {
            first[declined].offer(&v.visit_id, i);
        }
        let mut bits = mask;
        while bits != 0 {
            if let Some(k) = of_flag_bit[bits.trailing_zeros() as usize] {
                first[k].offer(&v.visit_id, i);
            }
            bits &= bits - 1;
        }
    }
    kinds.into_iter().zip(first.into_iter().map(FirstIds::visits)).collect()
}

/// The visits with the first `TOP` ids in byte order of those offered (a visit id is the
/// month's only once).
#[derive(Default)]
struct FirstIds<'a> {
    /// In id order; at most `TOP`.
    first: Vec<(&'a str, usize)>,
}

impl<'a> FirstIds<'a> {
    fn offer(&mut self, id: &'a str, visit: usize) {
        if self.first.len() == TOP && id >= self.first[TOP - 1].0 {
            return;
        }
        let at = self.first.partition_point(|(other, _)| *other < id);
        self.first.insert(at, (id, visit));
        self.first.truncate(TOP);
    }

    fn visits(mut self) -> Vec<usize> {
        self.first.dedup_by(|a, b| a.0 == b.0);
        self.first.into_iter().map(|(_, visit)| visit).collect()
    }
}

impl MonthTally {
    /// Whether a visit carries a service of an add-on that its client has not reported.
    pub fn has_unreported_addon(&self, v: &Visit, ctx: &FigureContext) -> bool {
        let key = member_key(v.supplier, v.client);
        v.services.iter().filter_map(|s| ctx.addon_of_service.get(s)).any(|addon| !self.is_reported(key, *addon))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_ids_kept_as_offered_are_the_first_of_all_of_them() {
        let ids: Vec<String> = (0..60u32).map(|n| format!("V{}", (n * 37) % 61)).collect();
        let mut first = FirstIds::default();
        for (visit, id) in ids.iter().enumerate() {
            first.offer(id, visit);
        }
        let mut sorted: Vec<(&str, usize)> = ids.iter().enumerate().map(|(visit, id)| (id.as_str(), visit)).collect();
        sorted.sort();
        let expected: Vec<usize> = sorted.iter().take(TOP).map(|(_, visit)| *visit).collect();
        assert_eq!(first.visits(), expected, "byte order: V1, V10, V11, … before V2");
        let mut few = FirstIds::default();
        few.offer("b", 7);
        few.offer("a", 3);
        assert_eq!(few.visits(), [3, 7]);
    }

    #[test]
    fn each_way_of_ranking_names_its_own_members() {
        let named = |ranked| [Kind::Staff, Kind::Client].map(|kind| ranks(ranked, kind));
        assert_eq!(named(Ranked::StaffAndClients), [true, true]);
        assert_eq!(named(Ranked::Clients), [false, true], "evidence ranked by clients names no staff member");
        assert_eq!(named(Ranked::ClientsByCompletion), [false, false], "completion names its clients by their own rate");
    }

    #[test]
    fn an_absence_is_written_as_dates_when_it_begins_or_ends_at_midnight_and_with_times_otherwise() {
        let mut ids = Ids::default();
        let client = ids.clients.intern("K-1");
        // Local times in Stockholm (CET in March): 2025-03-10 00:00, 2025-03-14 16:30,
        // 2025-03-15 00:00 and 2025-03-25 08:00.
        let (march_10, march_14_1630, march_15, march_25_0800) = (1_741_561_200, 1_741_966_200, 1_741_993_200, 1_742_886_000);
        let absence = |from, to, reason: &str| Absence { client, from, to, reason: reason.to_string(), file: 0 };
        let described = [
            absence(march_10, Some(march_15), "sjukhus"),
            absence(march_10, Some(march_14_1630), "sjukhus"),
            absence(march_25_0800, None, ""),
        ]
        .map(|a| describe_absence(&a, &ids));
        assert_eq!(
            described,
            [
                "K-1: sjukhus, 2025-03-10 – 2025-03-14",
                "K-1: sjukhus, 2025-03-10 – 2025-03-14 16:30",
                "K-1: orsak saknas, 2025-03-25 08:00 – tills vidare",
            ],
            "an end at midnight is the last whole day before it"
        );
    }

    #[test]
    fn unserved_and_continuity_name_only_the_clients_they_concern_by_their_own_counts() {
        let mut names = Interner::default();
        let mut client = |name: &str, tally: Tally| Member {
            key: member_key(0, names.intern(name)),
            tally,
            median: None,
            distinct_staff: 0,
            continuity_staff: None,
        };
        let granted = |minutes| Some(crate::model::ExactMinutes::from_minutes(minutes));
        let members = [
            client("K-unserved", Tally { unserved: 1, granted: granted(120.0), ..Tally::default() }),
            // Served and granted more: not unserved, whatever its granted time.
            client(
                "K-served",
                Tally { visits: 3, granted: granted(300.0), continuity_clients: 1, continuity_staff: 4, ..Tally::default() },
            ),
            client("K-steady", Tally { visits: 10, continuity_clients: 1, continuity_staff: 2, ..Tally::default() }),
            client("K-outside", Tally { visits: 1, ..Tally::default() }),
        ];
        assert_eq!(top_members(Evidence::Unserved, &members, &names), vec![("K-unserved", 120.0)]);
        assert_eq!(
            top_members(Evidence::Continuity, &members, &names),
            vec![("K-served", 4.0), ("K-steady", 2.0)],
            "the clients in the continuity measurement, by their distinct staff"
        );
    }

    #[test]
    fn ties_are_broken_by_id() {
        let ranked = top_by_weight([("b", 2.0), ("a", 2.0), ("c", 5.0)].into_iter());
        assert_eq!(ranked, vec![("c", 5.0), ("a", 2.0), ("b", 2.0)]);
    }
}

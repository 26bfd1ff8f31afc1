//! The evidence behind each figure and flag of a supplier: the staff and clients that
//! contribute most and example visits, stored with the month so that an action plan or an
//! investigation can name them without re-reading the exports (`evidence.csv`).

use std::collections::BTreeMap;
use crate::hash::{HashMap, HashSet};

use crate::figures::addons::reported;
use crate::figures::completion::{granted_per_client, performed_per_client};
use crate::figures::{member_key, FigureContext, Scope};
use crate::flags::{Flag, FlagHit};
use crate::ingest::{Ids, Visit};

/// How many staff, clients and example visits are kept per figure.
pub const TOP: usize = 10;

/// What an evidence row names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Staff,
    Client,
    Visit,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Staff => "staff",
            Kind::Client => "client",
            Kind::Visit => "visit",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "staff" => Some(Kind::Staff),
            "client" => Some(Kind::Client),
            "visit" => Some(Kind::Visit),
            _ => None,
        }
    }
}

/// One row of `evidence.csv`: for `figure`, a staff member, client or visit and its weight
/// (number of contributing visits or reports; for completion the client's own rate; for
/// continuity the client's number of distinct staff; empty for a visit).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub supplier_id: String,
    pub figure: String,
    pub kind: Kind,
    pub id: String,
    pub value: Option<f64>,
}

/// The figure whose evidence explains `figure`: the check-in shares share the check-in
/// rate's evidence, the client share of completion the completion rate's.
pub fn evidence_figure(figure: &str) -> String {
    match figure {
        "checkin_staff_share" | "checkin_client_share" => "checkin_rate".to_string(),
        "completion_client_share" => "completion_rate".to_string(),
        other => match other.strip_prefix("flag_rate.") {
            Some(flag) => format!("flag.{flag}"),
            None => other.to_string(),
        },
    }
}

/// Collects, for one figure, contributing visits per staff member and client.
struct Tally<'a> {
    ids: &'a Ids,
    staff: HashMap<u32, u64>,
    clients: HashMap<u32, u64>,
    visits: Vec<&'a str>,
}

impl<'a> Tally<'a> {
    fn new(ids: &'a Ids) -> Tally<'a> {
        Tally { ids, staff: HashMap::default(), clients: HashMap::default(), visits: Vec::new() }
    }

    fn add(&mut self, v: &'a Visit) {
        *self.staff.entry(v.staff).or_default() += 1;
        *self.clients.entry(v.client).or_default() += 1;
        self.visits.push(&v.visit_id);
    }

    fn rows(mut self, supplier_id: &str, figure: &str, out: &mut Vec<EvidenceRow>) {
        for (kind, counts, names) in [(Kind::Staff, &self.staff, &self.ids.staff), (Kind::Client, &self.clients, &self.ids.clients)] {
            let ranked = top_by_count(counts.iter().map(|(m, n)| (names.name(*m), *n as f64)));
            out.extend(ranked.into_iter().map(|(id, n)| row(supplier_id, figure, kind, id, Some(n))));
        }
        self.visits.sort_unstable();
        self.visits.dedup();
        out.extend(self.visits.iter().take(TOP).map(|id| row(supplier_id, figure, Kind::Visit, id, None)));
    }
}

fn row(supplier_id: &str, figure: &str, kind: Kind, id: &str, value: Option<f64>) -> EvidenceRow {
    EvidenceRow { supplier_id: supplier_id.to_string(), figure: figure.to_string(), kind, id: id.to_string(), value }
}

/// The `TOP` largest weights, ties broken by id so that the choice is reproducible.
fn top_by_count<'a>(items: impl Iterator<Item = (&'a str, f64)>) -> Vec<(&'a str, f64)> {
    let mut all: Vec<(&str, f64)> = items.collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    all.truncate(TOP);
    all
}

/// Evidence rows of one supplier for every key figure with evidence and every flag.
/// `hits` are the supplier's flag hits, indexing `all_visits`.
pub fn supplier_evidence(
    supplier_id: &str,
    scope: &Scope,
    ctx: &FigureContext,
    ids: &Ids,
    hits: &[&FlagHit],
    all_visits: &[Visit],
    continuity: &HashMap<u64, usize>,
) -> Vec<EvidenceRow> {
    let mut out = Vec::new();
    let params = &ctx.config.parameters;

    let mut unverified = Tally::new(ids);
    let mut short = Tally::new(ids);
    for v in scope.visits {
        if !ctx.is_checked_in(v) {
            unverified.add(v);
        }
        if ctx.valid_minutes(v).is_some_and(|d| d < params.short_visit_minutes) {
            short.add(v);
        }
    }
    unverified.rows(supplier_id, "checkin_rate", &mut out);
    short.rows(supplier_id, "short_visit_share", &mut out);

    // Completion: clients outside the range, farthest first, with their own rate.
    let granted = granted_per_client(scope);
    let performed = performed_per_client(scope, ctx, &granted);
    let range = ctx.config.requirement("completion_rate").unwrap_or_default();
    let distance = |rate: f64| range.distance(rate);
    let mut outside: Vec<(&str, f64)> = granted
        .iter()
        .filter(|(_, minutes)| **minutes > 0.0)
        .map(|(key, minutes)| (ids.clients.name(*key as u32), performed.get(key).copied().unwrap_or(0.0) / minutes))
        .filter(|(_, rate)| !range.contains(*rate))
        .collect();
    outside.sort_by(|a, b| distance(b.1).total_cmp(&distance(a.1)).then_with(|| a.0.cmp(b.0)));
    out.extend(outside.into_iter().take(TOP).map(|(id, rate)| row(supplier_id, "completion_rate", Kind::Client, id, Some(rate))));

    // Add-ons delivered but not reported, and reports after the deadline.
    let reported = reported(scope);
    let mut unreported_pairs: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
    let mut unreported_visits = Tally::new(ids);
    for v in scope.visits {
        let mut missing = false;
        for s in v.services.iter() {
            if let Some(&addon) = ctx.addon_of_service.get(s) {
                if !reported.contains(&(member_key(v.supplier, v.client), addon)) {
                    unreported_pairs.entry(v.client).or_default().insert(addon);
                    missing = true;
                }
            }
        }
        if missing {
            unreported_visits.visits.push(&v.visit_id);
        }
    }
    let ranked = top_by_count(unreported_pairs.iter().map(|(c, addons)| (ids.clients.name(*c), addons.len() as f64)));
    out.extend(ranked.into_iter().map(|(id, n)| row(supplier_id, "addon_reporting_rate", Kind::Client, id, Some(n))));
    unreported_visits.staff.clear();
    unreported_visits.clients.clear();
    unreported_visits.rows(supplier_id, "addon_reporting_rate", &mut out);

    let deadline = ctx.month.next().day_clamped(params.addon_deadline_day);
    let mut late: HashMap<u32, u64> = HashMap::default();
    for a in scope.addons.iter().filter(|a| a.reported_on > deadline) {
        *late.entry(a.client).or_default() += 1;
    }
    let ranked = top_by_count(late.iter().map(|(c, n)| (ids.clients.name(*c), *n as f64)));
    out.extend(ranked.into_iter().map(|(id, n)| row(supplier_id, "addon_late_share", Kind::Client, id, Some(n))));

    // Continuity: qualifying clients with the most distinct staff.
    let ranked = top_by_count(continuity.iter().map(|(key, n)| (ids.clients.name(*key as u32), *n as f64)));
    out.extend(ranked.into_iter().map(|(id, n)| row(supplier_id, "continuity_mean", Kind::Client, id, Some(n))));

    // Flags: distinct flagged visits per staff member and client.
    for flag in Flag::ALL {
        let mut tally = Tally::new(ids);
        let mut seen = HashSet::default();
        for h in hits.iter().filter(|h| h.flag == flag) {
            if seen.insert(h.visit) {
                tally.add(&all_visits[h.visit as usize]);
            }
        }
        tally.rows(supplier_id, &format!("flag.{}", flag.name()), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_figures_share_evidence() {
        assert_eq!(evidence_figure("checkin_staff_share"), "checkin_rate");
        assert_eq!(evidence_figure("flag_rate.adjacent"), "flag.adjacent");
        assert_eq!(evidence_figure("continuity_mean"), "continuity_mean");
    }

    #[test]
    fn ties_are_broken_by_id() {
        let ranked = top_by_count([("b", 2.0), ("a", 2.0), ("c", 5.0)].into_iter());
        assert_eq!(ranked, vec![("c", 5.0), ("a", 2.0), ("b", 2.0)]);
    }
}

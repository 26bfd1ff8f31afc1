//! The same figures per staff member and per client, for drill-down (SPEC §3, last line).


use rayon::prelude::*;

use super::completion::granted_per_client;
use crate::hash::HashMap;
use super::duration::DurationStats;
use super::{member_key, FigureContext, Scope};
use crate::ingest::{Ids, Visit};

/// Figures of one staff member or client of a supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFigures {
    pub supplier_id: String,
    pub member_id: String,
    pub visits: u32,
    pub checked_in: u32,
    /// Checked-in share of the visits; none for a client with granted time but no visit.
    pub checkin_rate: Option<f64>,
    pub valid_durations: u32,
    pub minutes_mean: Option<f64>,
    pub minutes_median: Option<f64>,
    pub short_visit_share: Option<f64>,
    /// Distinct visits carrying any flag.
    pub flagged_visits: u32,
    /// Clients only: distinct staff who visited the client.
    pub distinct_staff: Option<u32>,
    /// Clients only: Σ granted minutes, when the client has a granted row.
    pub granted_minutes: Option<f64>,
    /// Clients only: Σ valid minutes / granted minutes.
    pub completion_rate: Option<f64>,
    /// Clients only: distinct staff in the continuity window, when the client qualifies.
    pub continuity_staff: Option<u32>,
}

/// Which members to break the visits down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Staff,
    Client,
}

/// Per-member figures sorted by supplier and member id. Clients include those with a granted
/// row but no visit that month (completion 0: the gap an officer most needs to see). `flagged[i]` tells whether
/// `scope.visits[i]` carries any flag.
/// `continuity` is `staff_per_qualifying_client` of the scope (used for clients).
pub fn member_figures(scope: &Scope, ctx: &FigureContext, ids: &Ids, flagged: &[bool], member: Member, continuity: &HashMap<u64, usize>) -> Vec<MemberFigures> {
    let member_of = |v: &Visit| if member == Member::Staff { v.staff } else { v.client };
    // Visits grouped by member with one parallel sort of plain keys.
    let mut keyed: Vec<(u64, u32)> =
        scope.visits.par_iter().enumerate().map(|(i, v)| (member_key(v.supplier, member_of(v)), i as u32)).collect();
    keyed.par_sort_unstable();
    let groups: Vec<&[(u64, u32)]> = keyed.chunk_by(|a, b| a.0 == b.0).collect();
    let none = HashMap::default();
    let (granted, continuity) = if member == Member::Client { (granted_per_client(scope), continuity) } else { (HashMap::default(), &none) };
    let mut rows: Vec<MemberFigures> = groups.into_par_iter().map(|group| {
        let key = group[0].0;
        let indices: Vec<usize> = group.iter().map(|k| k.1 as usize).collect();
        let visits: Vec<&Visit> = indices.iter().map(|&i| scope.visits[i]).collect();
        let first = visits[0];
        let durations = DurationStats::of(visits.iter().copied(), ctx);
        let checked_in = visits.iter().filter(|v| ctx.is_checked_in(v)).count() as u32;
        let n = visits.len() as u32;
        let is_client = member == Member::Client;
        let granted_minutes = granted.get(&key).copied();
        let mut staff: Vec<u32> = visits.iter().map(|v| v.staff).collect();
        staff.sort_unstable();
        staff.dedup();
        let row = MemberFigures {
            supplier_id: ids.suppliers.name(first.supplier).to_string(),
            member_id: if is_client { ids.clients.name(first.client) } else { ids.staff.name(first.staff) }.to_string(),
            visits: n,
            checked_in,
            checkin_rate: Some(f64::from(checked_in) / f64::from(n)),
            valid_durations: durations.count() as u32,
            minutes_mean: durations.mean(),
            minutes_median: durations.median(),
            short_visit_share: durations.short_share(ctx.config.parameters.short_visit_minutes),
            flagged_visits: indices.iter().filter(|&&i| flagged[i]).count() as u32,
            distinct_staff: is_client.then_some(staff.len() as u32),
            granted_minutes,
            completion_rate: granted_minutes.filter(|g| *g > 0.0).map(|g| durations.sum() / g),
            continuity_staff: continuity.get(&key).map(|n| *n as u32),
        };
        row
    }).collect();
    if member == Member::Client {
        // `keyed` is sorted: a binary search per granted client, no set of every visit.
        let visited = |key: u64| keyed.binary_search_by_key(&key, |k| k.0).is_ok();
        rows.extend(granted.iter().filter(|(key, _)| !visited(**key)).map(|(&key, &minutes)| MemberFigures {
            supplier_id: ids.suppliers.name((key >> 32) as u32).to_string(),
            member_id: ids.clients.name(key as u32).to_string(),
            visits: 0,
            checked_in: 0,
            checkin_rate: None,
            valid_durations: 0,
            minutes_mean: None,
            minutes_median: None,
            short_visit_share: None,
            flagged_visits: 0,
            distinct_staff: Some(0),
            granted_minutes: Some(minutes),
            completion_rate: (minutes > 0.0).then_some(0.0),
            continuity_staff: None,
        }));
    }
    rows.par_sort_unstable_by(|a, b| (&a.supplier_id, &a.member_id).cmp(&(&b.supplier_id, &b.member_id)));
    rows
}

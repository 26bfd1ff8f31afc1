//! Anomaly flags of SPEC §4, computed in parallel over per-client and per-staff groups that
//! are sorted once; every flag names the visit that caused it and its partner.

pub mod client;
pub mod days;
pub mod staff;

use rayon::prelude::*;

use crate::config::Config;
use crate::engine::groups::{MonthGroups, NOTHING_BESIDE};
use crate::model::{Absence, Flag, Visit};
use crate::month::figures::FigureContext;

/// One flag on one visit (indices into the month's visits); pair flags name the partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlagHit {
    pub visit: u32,
    pub flag: Flag,
    pub related: Option<u32>,
}

/// Thresholds in seconds, taken from the configuration once.
pub struct FlagParams {
    pub adjacent_max_gap: i64,
    pub staff_overlap: i64,
    pub single_staff_min_visits: usize,
    pub single_staff_share: f64,
    pub long_day: i64,
    pub max_days_in_row: u32,
    pub travel_same_area: i64,
    pub travel_other_area: i64,
}

impl FlagParams {
    pub fn new(config: &Config) -> FlagParams {
        let p = &config.parameters;
        FlagParams {
            adjacent_max_gap: (p.adjacent_max_gap_minutes * 60.0).round() as i64,
            staff_overlap: (p.staff_overlap_minutes * 60.0).round() as i64,
            single_staff_min_visits: p.single_staff_min_visits as usize,
            single_staff_share: p.single_staff_share,
            long_day: (p.long_day_minutes * 60.0).round() as i64,
            max_days_in_row: p.max_days_in_row,
            travel_same_area: (p.travel_minutes_same_area * 60.0).round() as i64,
            travel_other_area: (p.travel_minutes_other_area * 60.0).round() as i64,
        }
    }
}

/// Both directions of a pair flag.
fn pair(hits: &mut Vec<FlagHit>, flag: Flag, a: u32, b: u32) {
    hits.push(FlagHit { visit: a, flag, related: Some(b) });
    hits.push(FlagHit { visit: b, flag, related: Some(a) });
}

/// Every flag of the month's visits, sorted by visit, flag and partner. `visits[..performed]`
/// are the performed visits, the only ones every flag but `declined_remainder` looks at;
/// `absences` are the clients' absences that overlap the month; `groups` the month's visits
/// grouped by client and by staff (`MonthGroups::new`).
pub fn compute(visits: &[Visit], performed: usize, absences: &[Absence], groups: &MonthGroups, ctx: &FigureContext) -> Vec<FlagHit> {
    let params = FlagParams::new(ctx.config);
    let performed = &visits[..performed];
    let is_valid: Vec<bool> = performed.par_iter().map(|v| ctx.valid_minutes(v).is_some()).collect();
    // Clients: the visits with valid duration; staff: every visit (`no_day_off` counts them all).
    let valid_by_client = groups.clients.only(&is_valid);
    let (by_client, by_staff) = (&valid_by_client, &groups.staff);
    let max_valid = ctx.config.parameters.max_valid_minutes;

    let mut hits: Vec<FlagHit> = by_client
        .par_walk(visits, NOTHING_BESIDE)
        .flat_map_iter(|(_, group)| client::flags(group, visits, &params))
        .chain(by_staff.par_walk(visits, Some(&is_valid)).flat_map_iter(|(_, group)| staff::flags(group, visits, &is_valid, &params)))
        .chain((0..performed.len() as u32).into_par_iter().flat_map_iter(|i| quality_flags(i, &visits[i as usize], max_valid)))
        .chain(days::during_absence(performed, absences))
        .chain(declined_remainder(visits, groups, &is_valid, params.adjacent_max_gap))
        .collect();
    hits.par_sort_unstable();
    hits.dedup();
    hits
}

/// `declined_remainder`: a declined or not-at-home registration that begins `0 ≤ gap ≤
/// max_gap` after the check-out of a performed visit with valid duration at the same client by
/// the same staff member. Only the declined registration is flagged, once per such performed
/// visit. The registrations that are not performed are few and grouped by client apart
/// (`MonthGroups::others`), so each looks only at its client's performed visits.
fn declined_remainder(visits: &[Visit], groups: &MonthGroups, is_valid: &[bool], max_gap: i64) -> rayon::vec::IntoIter<FlagHit> {
    let clients = &groups.clients;
    let hits: Vec<FlagHit> = groups
        .others
        .groups
        .par_iter()
        .flat_map_iter(|g| {
            let performed = match clients.groups.binary_search_by_key(&g.key, |c| c.key) {
                Ok(at) => clients.visits(&clients.groups[at]),
                Err(_) => &[],
            };
            groups.others.visits(g).iter().filter(|&&d| visits[d as usize].status.is_declined()).flat_map(move |&d| {
                let declined = &visits[d as usize];
                performed.iter().filter_map(move |&p| {
                    let before = &visits[p as usize];
                    let gap = declined.check_in - before.check_out?;
                    (is_valid[p as usize] && before.staff == declined.staff && (0..=max_gap).contains(&gap)).then_some(FlagHit {
                        visit: d,
                        flag: Flag::DeclinedRemainder,
                        related: Some(p),
                    })
                })
            })
        })
        .collect();
    hits.into_par_iter()
}

/// Data-quality flags of one visit: missing check-out, negative or overlong duration.
fn quality_flags(i: u32, v: &Visit, max_valid_minutes: f64) -> Vec<FlagHit> {
    let flag = match v.duration_minutes() {
        None => Flag::MissingCheckout,
        Some(d) if d < 0.0 => Flag::NegativeDuration,
        Some(d) if d > max_valid_minutes => Flag::Overlong,
        Some(_) => return Vec::new(),
    };
    vec![FlagHit { visit: i, flag, related: None }]
}

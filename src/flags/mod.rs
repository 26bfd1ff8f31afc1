//! Anomaly flags of SPEC §4, computed in parallel over per-client and per-staff groups that
//! are sorted once; every flag names the visit that caused it and its partner.

pub mod client;
pub mod days;
pub mod staff;

use rayon::prelude::*;

use crate::config::Config;
use crate::figures::FigureContext;
use crate::model::by_supplier::sorted_by_supplier;
use crate::model::{consecutive_order, member_key, Absence, Flag, Visit};

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

/// Visits in an order, and the runs of it that share a member.
struct Ordered {
    visits: Vec<u32>,
    runs: Vec<(usize, usize)>,
}

impl Ordered {
    fn groups(&self) -> Vec<&[u32]> {
        self.runs.iter().map(|&(a, b)| &self.visits[a..b]).collect()
    }
}

/// Every flag of the month's visits, sorted by visit, flag and partner. `absences` are the
/// clients' absences that overlap the month.
pub fn compute(visits: &[Visit], absences: &[Absence], ctx: &FigureContext) -> Vec<FlagHit> {
    let params = FlagParams::new(ctx.config);
    let is_valid: Vec<bool> = visits.par_iter().map(|v| ctx.valid_minutes(v).is_some()).collect();
    let valid: Vec<u32> = (0..visits.len() as u32).into_par_iter().filter(|&i| is_valid[i as usize]).collect();
    let all: Vec<u32> = (0..visits.len() as u32).collect();

    // Sorting plain keys is several times faster than comparing through the visits; the
    // visit id is looked at only on a tie.
    let order = |member: fn(&Visit) -> u32, which: &[u32]| {
        let keys: Vec<(u64, i64, u32)> = sorted_by_supplier(
            which.iter().map(|&i| (member_key(visits[i as usize].supplier, member(&visits[i as usize])), visits[i as usize].check_in, i)),
            |k| (k.0 >> 32) as u32,
            |a, b| {
                a.0.cmp(&b.0).then_with(|| consecutive_order((a.1, &visits[a.2 as usize].visit_id), (b.1, &visits[b.2 as usize].visit_id)))
            },
        );
        // The runs come from the sorted keys themselves, not through the visits.
        let mut runs = Vec::new();
        let mut start = 0;
        for i in 1..=keys.len() {
            if i == keys.len() || keys[i].0 != keys[start].0 {
                runs.push((start, i));
                start = i;
            }
        }
        Ordered { visits: keys.into_par_iter().map(|k| k.2).collect(), runs }
    };
    // Clients: the visits with valid duration; staff: every visit (`no_day_off` counts them all).
    let (by_client, by_staff) = rayon::join(|| order(|v| v.client, &valid), || order(|v| v.staff, &all));
    drop((valid, all));
    let (client_groups, staff_groups) = (by_client.groups(), by_staff.groups());
    let max_valid = ctx.config.parameters.max_valid_minutes;

    let mut hits: Vec<FlagHit> = client_groups
        .par_iter()
        .flat_map_iter(|g| client::flags(g, visits, &params))
        .chain(staff_groups.par_iter().flat_map_iter(|g| staff::flags(g, visits, &is_valid, &params)))
        .chain((0..visits.len() as u32).into_par_iter().flat_map_iter(|i| quality_flags(i, &visits[i as usize], max_valid)))
        .chain(days::during_absence(visits, absences))
        .collect();
    hits.par_sort_unstable();
    hits.dedup();
    hits
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

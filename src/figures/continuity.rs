//! Staff continuity (`continuity_mean`), Socialstyrelsen's measure over a window of days.

use crate::hash::{HashMap, HashSet};

use chrono::Datelike;

use super::{member_key, FigureContext};
use crate::ingest::time::minute_of_day;
use crate::ingest::Visit;

/// Counted visits start 07:00–21:59 local time.
const DAY_START: u16 = 7 * 60;
const DAY_END: u16 = 22 * 60;

/// The window's first and last day, clamped to the month's length.
pub fn window(ctx: &FigureContext) -> (u32, u32) {
    let days = ctx.month.days();
    let [first, last] = ctx.config.parameters.continuity_window;
    (first.min(days), last.min(days))
}

/// Whether a visit counts: in the window, starting in [07:00, 22:00), with a service that is
/// not excluded (a visit without services counts).
pub fn is_counted(v: &Visit, ctx: &FigureContext, (first, last): (u32, u32)) -> bool {
    let day = v.local_in.day();
    let minute = minute_of_day(v.local_in);
    (first..=last).contains(&day)
        && (DAY_START..DAY_END).contains(&minute)
        && (v.services.is_empty() || v.services.iter().any(|s| !ctx.continuity_excluded.contains(s)))
}

/// Per qualifying client (≥ 2 counted visits on every day of the window), the number of
/// distinct staff over its counted visits.
pub fn staff_per_qualifying_client(visits: &[&Visit], ctx: &FigureContext) -> HashMap<u64, usize> {
    let window = window(ctx);
    let (first, last) = window;
    let mut per_client: HashMap<u64, (Vec<u32>, HashSet<u32>)> = HashMap::default();
    for v in visits.iter().filter(|v| is_counted(v, ctx, window)) {
        let entry = per_client
            .entry(member_key(v.supplier, v.client))
            .or_insert_with(|| (vec![0; (last - first + 1) as usize], HashSet::default()));
        entry.0[(v.local_in.day() - first) as usize] += 1;
        entry.1.insert(v.staff);
    }
    per_client
        .into_iter()
        .filter(|(_, (per_day, _))| per_day.iter().all(|n| *n >= 2))
        .map(|(key, (_, staff))| (key, staff.len()))
        .collect()
}

/// The mean number of distinct staff over qualifying clients; missing when none qualifies.
pub fn continuity_mean(visits: &[&Visit], ctx: &FigureContext) -> Option<f64> {
    mean_of(&staff_per_qualifying_client(visits, ctx))
}

/// The mean of `staff_per_qualifying_client` computed once and shared.
pub fn mean_of(staff: &HashMap<u64, usize>) -> Option<f64> {
    (!staff.is_empty()).then(|| staff.values().sum::<usize>() as f64 / staff.len() as f64)
}

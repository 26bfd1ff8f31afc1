//! Staff continuity (`continuity_mean`), Socialstyrelsen's measure over a window of days: which
//! clients qualify and how many distinct staff they met.

use chrono::Datelike;

use super::FigureContext;
use crate::model::time::minute_of_day;
use crate::model::Visit;

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

/// For one client's visits: the number of distinct staff over its counted visits when the
/// client qualifies (≥ 2 counted visits on every day of the window), else `None`.
pub fn qualifying_staff(visits: &[&Visit], ctx: &FigureContext) -> Option<u32> {
    let window = window(ctx);
    let (first, last) = window;
    let mut per_day = vec![0u32; (last - first + 1) as usize];
    let mut staff = Vec::new();
    for v in visits.iter().filter(|v| is_counted(v, ctx, window)) {
        per_day[(v.local_in.day() - first) as usize] += 1;
        staff.push(v.staff);
    }
    if !per_day.iter().all(|n| *n >= 2) {
        return None;
    }
    staff.sort_unstable();
    staff.dedup();
    Some(staff.len() as u32)
}

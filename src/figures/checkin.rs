//! Check-in figures: `checkin_rate`, `checkin_staff_share`, `checkin_client_share`.

use crate::hash::HashMap;

use super::{member_key, FigureContext};
use crate::ingest::Visit;

/// Verified check-in and check-out over all visits; missing when there are no visits.
pub fn checkin_rate(visits: &[&Visit], ctx: &FigureContext) -> Option<f64> {
    if visits.is_empty() {
        return None;
    }
    let verified = visits.iter().filter(|v| ctx.is_checked_in(v)).count();
    Some(verified as f64 / visits.len() as f64)
}

/// (visits, checked-in visits) per staff member or client of a supplier.
pub fn counts_per_member(visits: &[&Visit], ctx: &FigureContext, member: impl Fn(&Visit) -> u32) -> HashMap<u64, (u32, u32)> {
    let mut counts: HashMap<u64, (u32, u32)> = HashMap::default();
    for v in visits {
        let entry = counts.entry(member_key(v.supplier, member(v))).or_default();
        entry.0 += 1;
        entry.1 += u32::from(ctx.is_checked_in(v));
    }
    counts
}

/// Among members with at least `min_visits` visits, the share whose own check-in rate meets
/// the `checkin_rate` requirement; missing when no member has enough visits.
pub fn checkin_member_share(visits: &[&Visit], ctx: &FigureContext, member: impl Fn(&Visit) -> u32) -> Option<f64> {
    let min_visits = ctx.config.parameters.min_visits;
    let requirement = ctx.config.requirement("checkin_rate").unwrap_or_default();
    let (mut judged, mut passed) = (0u32, 0u32);
    for (n, checked) in counts_per_member(visits, ctx, member).into_values() {
        if n >= min_visits {
            judged += 1;
            passed += u32::from(requirement.contains(f64::from(checked) / f64::from(n)));
        }
    }
    (judged > 0).then(|| f64::from(passed) / f64::from(judged))
}

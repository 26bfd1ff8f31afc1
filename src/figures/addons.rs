//! Add-on reporting: `addon_reporting_rate` and `addon_late_share`.

use crate::hash::HashSet;

use super::{member_key, FigureContext, Scope};

/// Delivered (supplier, client, add-on) triples: a visit that month with a mapped service.
pub fn delivered(scope: &Scope, ctx: &FigureContext) -> HashSet<(u64, u32)> {
    let mut pairs = HashSet::default();
    for v in scope.visits {
        for s in v.services.iter() {
            if let Some(&addon) = ctx.addon_of_service.get(s) {
                pairs.insert((member_key(v.supplier, v.client), addon));
            }
        }
    }
    pairs
}

/// Delivered pairs that have a report with quantity > 0, over all delivered pairs; missing
/// when nothing was delivered.
pub fn addon_reporting_rate(scope: &Scope, ctx: &FigureContext) -> Option<f64> {
    let delivered = delivered(scope, ctx);
    if delivered.is_empty() {
        return None;
    }
    Some(delivered.intersection(&reported(scope)).count() as f64 / delivered.len() as f64)
}

/// Reported (supplier, client, add-on) triples: an `addons` row with quantity > 0.
pub fn reported(scope: &Scope) -> HashSet<(u64, u32)> {
    scope.addons.iter().filter(|a| a.quantity > 0.0).map(|a| (member_key(a.supplier, a.client), a.addon)).collect()
}

/// Report rows received after the deadline (day `addon_deadline_day` of the following month,
/// clamped to its length; that day is on time) over all report rows of the month.
pub fn addon_late_share(scope: &Scope, ctx: &FigureContext) -> Option<f64> {
    if scope.addons.is_empty() {
        return None;
    }
    let deadline = ctx.month.next().day_clamped(ctx.config.parameters.addon_deadline_day);
    let late = scope.addons.iter().filter(|a| a.reported_on > deadline).count();
    Some(late as f64 / scope.addons.len() as f64)
}

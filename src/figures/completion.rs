//! Completion: `completion_rate` and `completion_client_share` against granted time.

use crate::hash::HashMap;

use super::{member_key, FigureContext, Scope};

/// Granted minutes per client (several rows of one client are summed).
pub fn granted_per_client(scope: &Scope) -> HashMap<u64, f64> {
    let mut granted: HashMap<u64, f64> = HashMap::default();
    for g in scope.granted {
        *granted.entry(member_key(g.supplier, g.client)).or_default() += g.minutes;
    }
    granted
}

/// Valid visit minutes per client that has a granted row.
pub fn performed_per_client(scope: &Scope, ctx: &FigureContext, granted: &HashMap<u64, f64>) -> HashMap<u64, f64> {
    let mut performed: HashMap<u64, f64> = HashMap::default();
    for v in scope.visits {
        let key = member_key(v.supplier, v.client);
        if let (true, Some(minutes)) = (granted.contains_key(&key), ctx.valid_minutes(v)) {
            *performed.entry(key).or_default() += minutes;
        }
    }
    performed
}

/// Σ valid durations of visits to clients with a granted row / Σ granted minutes; missing
/// without granted rows or when they sum to 0.
pub fn completion_rate(scope: &Scope, ctx: &FigureContext) -> Option<f64> {
    let granted = granted_per_client(scope);
    let total: f64 = granted.values().sum();
    if granted.is_empty() || total <= 0.0 {
        return None;
    }
    let performed: f64 = performed_per_client(scope, ctx, &granted).values().sum();
    Some(performed / total)
}

/// Among clients with granted minutes > 0, the share whose own completion rate lies within
/// the `completion_rate` requirement; missing when there is no such client.
pub fn completion_client_share(scope: &Scope, ctx: &FigureContext) -> Option<f64> {
    let granted = granted_per_client(scope);
    let performed = performed_per_client(scope, ctx, &granted);
    let range = ctx.config.requirement("completion_rate").unwrap_or_default();
    let (mut judged, mut within) = (0u32, 0u32);
    for (key, minutes) in &granted {
        if *minutes > 0.0 {
            judged += 1;
            let rate = performed.get(key).copied().unwrap_or(0.0) / minutes;
            within += u32::from(range.contains(rate));
        }
    }
    (judged > 0).then(|| f64::from(within) / f64::from(judged))
}

//! Completion: `completion_rate` and `completion_client_share` against granted time.

use crate::hash::HashMap;

use super::{member_key, FigureContext, Scope};

/// Granted minutes per client (several rows of one client are summed). The sums are taken in
/// a fixed order, so the figures do not depend on the order of the rows in the file.
pub fn granted_per_client(scope: &Scope) -> HashMap<u64, f64> {
    let mut rows: Vec<(u64, f64)> = scope.granted.iter().map(|g| (member_key(g.supplier, g.client), g.minutes)).collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut granted: HashMap<u64, f64> = HashMap::default();
    for (key, minutes) in rows {
        *granted.entry(key).or_default() += minutes;
    }
    granted
}

/// Σ granted minutes over clients, in key order.
fn total_granted(granted: &HashMap<u64, f64>) -> f64 {
    let mut keys: Vec<&u64> = granted.keys().collect();
    keys.sort_unstable();
    keys.into_iter().map(|k| granted[k]).sum()
}

/// Valid visit seconds per client that has a granted row. Whole seconds add up exactly, in
/// any order.
fn performed_seconds(scope: &Scope, ctx: &FigureContext, granted: &HashMap<u64, f64>) -> HashMap<u64, i64> {
    let mut performed: HashMap<u64, i64> = HashMap::default();
    for v in scope.visits {
        let key = member_key(v.supplier, v.client);
        if let (true, Some(_), Some(out)) = (granted.contains_key(&key), ctx.valid_minutes(v), v.check_out) {
            *performed.entry(key).or_default() += out - v.check_in;
        }
    }
    performed
}

/// Valid visit minutes per client that has a granted row.
pub fn performed_per_client(scope: &Scope, ctx: &FigureContext, granted: &HashMap<u64, f64>) -> HashMap<u64, f64> {
    performed_seconds(scope, ctx, granted).into_iter().map(|(k, s)| (k, s as f64 / 60.0)).collect()
}

/// `completion_rate` and `completion_client_share` from one pass over the visits:
/// Σ valid durations of visits to clients with a granted row / Σ granted minutes (missing
/// without granted rows or when they sum to 0); and among clients with granted minutes > 0
/// the share whose own rate lies within the `completion_rate` requirement (missing without
/// such a client).
pub fn completion_figures(scope: &Scope, ctx: &FigureContext) -> [Option<f64>; 2] {
    let granted = granted_per_client(scope);
    let total = total_granted(&granted);
    let seconds = performed_seconds(scope, ctx, &granted);
    let rate = (!granted.is_empty() && total > 0.0).then(|| seconds.values().sum::<i64>() as f64 / 60.0 / total);
    let range = ctx.config.requirement("completion_rate").unwrap_or_default();
    let (mut judged, mut within) = (0u32, 0u32);
    for (key, minutes) in &granted {
        if *minutes > 0.0 {
            judged += 1;
            let rate = seconds.get(key).copied().unwrap_or(0) as f64 / 60.0 / minutes;
            within += u32::from(range.contains(rate));
        }
    }
    [rate, (judged > 0).then(|| f64::from(within) / f64::from(judged))]
}

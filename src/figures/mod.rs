//! Key figures of SPEC §3 per supplier and month, with their status against the requirements.

pub mod addons;
pub mod checkin;
pub mod completion;
pub mod continuity;
pub mod drilldown;
pub mod duration;

use crate::hash::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::{Config, FIGURE_IDS};
use crate::ingest::{AddonRow, GrantedRow, Ids, Visit};
use crate::method::Method;
use crate::month::YearMonth;

/// The status of a figure in the outputs (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Deviation,
    Missing,
    Info,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Deviation => "deviation",
            Status::Missing => "missing",
            Status::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "ok" => Some(Status::Ok),
            "deviation" => Some(Status::Deviation),
            "missing" => Some(Status::Missing),
            "info" => Some(Status::Info),
            _ => None,
        }
    }
}

/// A missing value is never a deviation; without a requirement a value is for information.
pub fn status_of(config: &Config, figure: &str, value: Option<f64>) -> Status {
    match (value, config.requirement(figure)) {
        (None, _) => Status::Missing,
        (Some(_), None) => Status::Info,
        (Some(v), Some(bound)) if bound.contains(v) => Status::Ok,
        (Some(_), Some(_)) => Status::Deviation,
    }
}

/// Key (supplier, member) for staff and clients, who are identified per supplier.
pub fn member_key(supplier: u32, member: u32) -> u64 {
    (u64::from(supplier) << 32) | u64::from(member)
}

/// What the figure functions need besides the rows: the configuration resolved to ids.
pub struct FigureContext<'a> {
    pub config: &'a Config,
    pub month: YearMonth,
    verified: [bool; 4],
    /// Visit service id → add-on id.
    pub addon_of_service: HashMap<u32, u32>,
    /// Service ids that do not make a visit count for continuity.
    pub continuity_excluded: HashSet<u32>,
}

impl<'a> FigureContext<'a> {
    pub fn new(config: &'a Config, month: YearMonth, ids: &Ids) -> FigureContext<'a> {
        let verified = [Method::Nfc, Method::Lock, Method::Mobile, Method::Manual].map(|m| config.is_verified(m));
        // An add-on that no report names gets an id of its own past the reported ones (as
        // interning it would), so its deliveries count as unreported, each add-on apart.
        let mut unreported: HashMap<&str, u32> = HashMap::default();
        let addon_of_service = config
            .addons
            .iter()
            .filter_map(|(service, addon)| {
                let id = ids.addons.get(addon).unwrap_or_else(|| {
                    let next = (ids.addons.names.len() + unreported.len()) as u32;
                    *unreported.entry(addon.as_str()).or_insert(next)
                });
                Some((ids.services.get(service)?, id))
            })
            .collect();
        let continuity_excluded = config
            .parameters
            .continuity_exclude_services
            .iter()
            .filter_map(|s| ids.services.get(s))
            .collect();
        FigureContext { config, month, verified, addon_of_service, continuity_excluded }
    }

    pub fn is_verified(&self, method: Method) -> bool {
        self.verified[method as usize]
    }

    /// Checked in and out with verified methods (SPEC §3 `checkin_rate`).
    pub fn is_checked_in(&self, v: &Visit) -> bool {
        self.is_verified(v.in_method) && v.check_out.is_some() && v.out_method.is_some_and(|m| self.is_verified(m))
    }

    /// The duration in minutes when it is valid: checked out and `0 ≤ d ≤ max_valid_minutes`.
    pub fn valid_minutes(&self, v: &Visit) -> Option<f64> {
        v.duration_minutes().filter(|d| *d >= 0.0 && *d <= self.config.parameters.max_valid_minutes)
    }
}

/// The rows one set of figures is computed over: one supplier's, or all (`ALL`).
pub struct Scope<'a> {
    pub visits: &'a [&'a Visit],
    pub granted: &'a [&'a GrantedRow],
    pub addons: &'a [&'a AddonRow],
}

/// Every key figure of SPEC §3 for one scope, in `FIGURE_IDS` order. The families are
/// computed side by side: on the municipality's scope each is a pass over every visit.
/// `continuity` is `continuity::staff_per_qualifying_client` of the scope, computed once by
/// the caller and shared with the drill-down and the evidence.
pub fn key_figures(scope: &Scope, ctx: &FigureContext, continuity: &HashMap<u64, usize>) -> Vec<(&'static str, Option<f64>)> {
    type Family<'a> = Box<dyn Fn() -> Vec<Option<f64>> + Send + Sync + 'a>;
    let families: Vec<Family> = vec![
        Box::new(|| vec![checkin::checkin_rate(scope.visits, ctx)]),
        Box::new(|| vec![checkin::checkin_member_share(scope.visits, ctx, |v| v.staff)]),
        Box::new(|| vec![checkin::checkin_member_share(scope.visits, ctx, |v| v.client)]),
        Box::new(|| {
            let durations = duration::DurationStats::of(scope.visits.iter().copied(), ctx);
            vec![durations.mean(), durations.median(), durations.short_share(ctx.config.parameters.short_visit_minutes)]
        }),
        Box::new(|| completion::completion_figures(scope, ctx).to_vec()),
        Box::new(|| vec![addons::addon_reporting_rate(scope, ctx), addons::addon_late_share(scope, ctx)]),
        Box::new(|| vec![continuity::mean_of(continuity)]),
    ];
    let values: Vec<Option<f64>> = families.par_iter().map(|family| family()).collect::<Vec<_>>().concat();
    FIGURE_IDS.iter().copied().zip(values).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_ons_without_reports_get_ids_of_their_own() {
        let config = Config::from_toml_str("[addons]\nMATD = \"meal\"\nTVATT = \"laundry\"\nDUSCH = \"shower\"\nBAD = \"shower\"\n").unwrap();
        let mut ids = Ids::default();
        for service in ["MATD", "TVATT", "DUSCH", "BAD"] {
            ids.services.intern(service);
        }
        let meal = ids.addons.intern("meal");
        let ctx = FigureContext::new(&config, "2025-03".parse().unwrap(), &ids);
        let addon = |service: &str| ctx.addon_of_service[&ids.services.get(service).unwrap()];
        assert_eq!(addon("MATD"), meal, "a reported add-on keeps its id");
        assert_eq!(addon("DUSCH"), addon("BAD"), "one add-on, one id");
        let (laundry, shower) = (addon("TVATT"), addon("DUSCH"));
        assert!(laundry != shower && laundry > meal && shower > meal, "unreported add-ons are told apart and from reported ones");
        assert_eq!(ids.addons.names.len(), 1, "nothing is added to the names");
    }
}

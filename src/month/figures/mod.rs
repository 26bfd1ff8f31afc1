//! Key figures of SPEC §3: the context they are computed in, and each figure as a fold over
//! the tallies of a scope (one supplier, or the municipality). The tallies are built once per
//! month in `tally`.

pub mod continuity;
pub mod tally;

use crate::bytes_map::{HashMap, HashSet};

use crate::config::Config;
use crate::model::tally::{checkin_member_share, completion_client_share};
use crate::model::{Figure, Flag, Ids, Method, Metric, Tally, Visit, YearMonth};
use tally::Member;

/// What the figure functions need besides the rows: the configuration resolved to ids.
pub struct FigureContext<'a> {
    pub config: &'a Config,
    pub month: YearMonth,
    verified: [bool; 4],
    /// Visit service id → add-on id.
    pub addon_of_service: HashMap<u32, u32>,
    /// Service ids that do not make a visit count for continuity.
    pub continuity_excluded: HashSet<u32>,
    /// Whether an absences file was given: without one, `during_absence` is missing.
    pub absences_given: bool,
    /// Whether an add-ons file was given: without one, `addon_reporting_rate` is missing.
    pub addons_given: bool,
    /// Whether the export has a status column: without one, `declined_share` and
    /// `declined_remainder` are missing.
    pub status_given: bool,
    /// Whether an invoices file was given: without one, `invoice_excess_share` is missing.
    pub invoices_given: bool,
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
        let continuity_excluded = config.parameters.continuity_exclude_services.iter().filter_map(|s| ids.services.get(s)).collect();
        FigureContext {
            config,
            month,
            verified,
            addon_of_service,
            continuity_excluded,
            absences_given: false,
            addons_given: false,
            status_given: false,
            invoices_given: false,
        }
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

    /// A valid duration under `short_visit_minutes` (SPEC §3 `short_visit_share`).
    pub fn is_short_minutes(&self, minutes: f64) -> bool {
        minutes < self.config.parameters.short_visit_minutes
    }
}

/// The members of one scope (a supplier, or every supplier for `ALL`) and their sum.
pub struct Scope<'a> {
    pub staff: &'a [Member],
    pub clients: &'a [Member],
    /// The sum of the clients' tallies.
    pub total: Tally,
    /// The median valid duration of the scope's visits, in minutes.
    pub median: Option<f64>,
}

impl<'a> Scope<'a> {
    pub fn new(staff: &'a [Member], clients: &'a [Member], median: Option<f64>) -> Scope<'a> {
        Scope { staff, clients, total: clients.iter().map(|m| &m.tally).sum(), median }
    }
}

/// One key figure of a scope: the one computation of each figure of the registry.
pub fn figure_value(figure: Figure, scope: &Scope, config: &Config) -> Option<f64> {
    let t = &scope.total;
    let min_visits = config.parameters.min_visits;
    let requirement = |f: Figure| config.requirement(Metric::Figure(f)).unwrap_or_default();
    fn tallies(members: &[Member]) -> impl Iterator<Item = &Tally> {
        members.iter().map(|m| &m.tally)
    }
    match figure {
        Figure::CheckinRate => t.checkin_rate(),
        Figure::CheckinStaffShare => checkin_member_share(tallies(scope.staff), min_visits, requirement(Figure::CheckinRate)),
        Figure::CheckinClientShare => checkin_member_share(tallies(scope.clients), min_visits, requirement(Figure::CheckinRate)),
        Figure::VisitMinutesMean => t.minutes_mean(),
        Figure::VisitMinutesMedian => scope.median,
        Figure::ShortVisitShare => t.short_share(),
        Figure::CompletionRate => t.completion(),
        Figure::CompletionClientShare => completion_client_share(tallies(scope.clients), requirement(Figure::CompletionRate)),
        Figure::AddonReportingRate => t.addon_reporting_rate(),
        Figure::AddonLateShare => t.addon_late_share(),
        Figure::UnservedClients => t.unserved_clients(),
        Figure::ManualReasonShare => t.manual_reason_share(),
        Figure::ContinuityMean => t.continuity_mean(),
        Figure::DeclinedShare => t.declined_share(),
        Figure::QuestionedShare => t.questioned_share(),
        Figure::InvoiceExcessShare => t.invoice_excess_share(),
    }
}

/// The value of any metric of `figures.csv` for a scope. Without an absences input,
/// `during_absence` is missing, not 0; without an add-ons input, `addon_reporting_rate` is
/// missing (no report was looked for), not 0; without a status column, `declined_share` and
/// `declined_remainder` are missing; without an invoices input, `invoice_excess_share` is.
pub fn metric_value(metric: Metric, scope: &Scope, ctx: &FigureContext) -> Option<f64> {
    match metric {
        Metric::FlagCount(Flag::DuringAbsence) | Metric::FlagRate(Flag::DuringAbsence) if !ctx.absences_given => None,
        Metric::Figure(Figure::AddonReportingRate) if !ctx.addons_given => None,
        Metric::Figure(Figure::InvoiceExcessShare) if !ctx.invoices_given => None,
        Metric::Figure(Figure::DeclinedShare) | Metric::FlagCount(Flag::DeclinedRemainder) | Metric::FlagRate(Flag::DeclinedRemainder)
            if !ctx.status_given =>
        {
            None
        }
        Metric::Figure(f) => figure_value(f, scope, ctx.config),
        Metric::FlagCount(flag) => Some(f64::from(scope.total.flag_count(flag))),
        Metric::FlagRate(flag) => scope.total.flag_rate(flag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_ons_without_reports_get_ids_of_their_own() {
        let config =
            Config::from_toml_str("[addons]\nMATD = \"meal\"\nTVATT = \"laundry\"\nDUSCH = \"shower\"\nBAD = \"shower\"\n").unwrap();
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

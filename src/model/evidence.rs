//! The kinds of evidence an action plan quotes: which visits (and so staff and clients) pull
//! a metric away from its requirement, and the metric that owns each kind in `evidence.csv`.

use super::metric::{Figure, Flag, Metric};

/// What the evidence of a metric names: the visits (and so staff and clients) that pull the
/// figure away from its requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Visits without verified check-in and check-out.
    Unverified,
    /// Valid durations under `short_visit_minutes`.
    Short,
    /// Clients whose own completion lies outside the requirement.
    CompletionOutside,
    /// Add-ons delivered but not reported.
    UnreportedAddons,
    /// Add-on reports after the deadline.
    LateReports,
    /// Clients in the continuity measurement, by their number of staff.
    Continuity,
    /// Clients with granted time and no visit.
    Unserved,
    /// Manual registrations without a reason.
    ManualWithoutReason,
    /// Visits carrying a flag.
    Flagged(Flag),
}

impl Evidence {
    /// Every kind of evidence in the order of `evidence.csv`.
    pub fn all() -> impl Iterator<Item = Evidence> {
        [
            Evidence::Unverified,
            Evidence::Short,
            Evidence::CompletionOutside,
            Evidence::UnreportedAddons,
            Evidence::LateReports,
            Evidence::Unserved,
            Evidence::ManualWithoutReason,
            Evidence::Continuity,
        ]
        .into_iter()
        .chain(Flag::ALL.into_iter().map(Evidence::Flagged))
    }

    /// The metric that owns the evidence: its id is the `figure` column of `evidence.csv`.
    pub fn owner(self) -> Metric {
        match self {
            Evidence::Unverified => Metric::Figure(Figure::CheckinRate),
            Evidence::Short => Metric::Figure(Figure::ShortVisitShare),
            Evidence::CompletionOutside => Metric::Figure(Figure::CompletionRate),
            Evidence::UnreportedAddons => Metric::Figure(Figure::AddonReportingRate),
            Evidence::LateReports => Metric::Figure(Figure::AddonLateShare),
            Evidence::Continuity => Metric::Figure(Figure::ContinuityMean),
            Evidence::Unserved => Metric::Figure(Figure::UnservedClients),
            Evidence::ManualWithoutReason => Metric::Figure(Figure::ManualReasonShare),
            Evidence::Flagged(flag) => Metric::FlagCount(flag),
        }
    }

    /// The evidence that explains a metric: a key figure quotes that of the figure named in its
    /// registry row (the check-in shares the check-in rate's), a flag its flagged visits.
    pub fn of(metric: Metric) -> Option<Evidence> {
        match metric {
            Metric::Figure(f) => {
                let owner = Metric::Figure(f.def().evidence_of?);
                Evidence::all().find(|e| e.owner() == owner)
            }
            Metric::FlagCount(flag) | Metric::FlagRate(flag) => Some(Evidence::Flagged(flag)),
        }
    }

    pub fn parse(id: &str) -> Option<Evidence> {
        Evidence::all().find(|e| e.owner().id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_figures_share_evidence() {
        assert_eq!(Evidence::of(Metric::Figure(Figure::CheckinStaffShare)), Some(Evidence::Unverified));
        assert_eq!(Evidence::of(Metric::Figure(Figure::CompletionClientShare)), Some(Evidence::CompletionOutside));
        assert_eq!(Evidence::of(Metric::FlagRate(Flag::Adjacent)).map(Evidence::owner), Some(Metric::FlagCount(Flag::Adjacent)));
        assert_eq!(Evidence::of(Metric::Figure(Figure::VisitMinutesMedian)), None);
    }

    #[test]
    fn every_kind_of_evidence_is_owned_by_the_metric_that_quotes_it() {
        for e in Evidence::all() {
            assert_eq!(Evidence::of(e.owner()), Some(e), "{e:?}");
            assert_eq!(Evidence::parse(e.owner().id()), Some(e));
        }
    }
}

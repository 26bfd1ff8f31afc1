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

    pub fn parse(id: &str) -> Option<Evidence> {
        Evidence::all().find(|e| e.owner().id() == id)
    }
}

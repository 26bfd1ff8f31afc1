//! The kinds of evidence an action plan quotes: which visits (and so staff and clients) pull
//! a metric away from its requirement, and the metric that owns each kind in `evidence.csv`.

use std::borrow::Cow;

use super::metric::{Figure, Flag, Metric};

/// Which staff members and clients a kind of evidence names, and by what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranked {
    /// Staff and clients, by their number of contributing visits.
    StaffAndClients,
    /// Clients only, by their contribution (visits, reports, minutes or staff).
    Clients,
    /// Clients whose own completion lies outside the requirement, farthest first.
    ClientsByCompletion,
}

/// One row of the evidence table.
pub struct EvidenceDef {
    /// The metric that owns the evidence in `evidence.csv`.
    pub owner: Metric,
    /// The plan's heading of the evidence.
    pub title: Cow<'static, str>,
    /// The heading of the weight column in the plan's tables.
    pub weight_heading: &'static str,
    pub ranked: Ranked,
    /// What is wrong with an example visit; `None` when the evidence quotes no example visits.
    pub example_reason: Option<Cow<'static, str>>,
}

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
    /// Registrations where the client declined or was not at home.
    Declined,
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
            Evidence::Declined,
        ]
        .into_iter()
        .chain(Flag::ALL.into_iter().map(Evidence::Flagged))
    }

    /// Everything the month, the plans and the investigation need to know of a kind of
    /// evidence, in one place.
    pub fn def(self) -> EvidenceDef {
        let figure =
            |owner: Figure, title: &'static str, weight: &'static str, ranked: Ranked, examples: Option<&'static str>| EvidenceDef {
                owner: Metric::Figure(owner),
                title: title.into(),
                weight_heading: weight,
                ranked,
                example_reason: examples.map(Into::into),
            };
        match self {
            Evidence::Unverified => figure(
                Figure::CheckinRate,
                "Besök utan godkänd in- och utkvittering",
                "Besök utan godkänd kvittering",
                Ranked::StaffAndClients,
                Some("Ej godkänd in- eller utkvittering"),
            ),
            Evidence::Short => figure(Figure::ShortVisitShare, "Korta besök", "Korta besök", Ranked::StaffAndClients, Some("Kort besök")),
            Evidence::CompletionOutside => figure(
                Figure::CompletionRate,
                "Kunder vars utförandegrad ligger utanför intervallet",
                "Utförandegrad",
                Ranked::ClientsByCompletion,
                None,
            ),
            Evidence::UnreportedAddons => figure(
                Figure::AddonReportingRate,
                "Utförda tillägg som inte rapporterats",
                "Ej rapporterade tillägg",
                Ranked::Clients,
                Some("Tillägg ej rapporterat"),
            ),
            Evidence::LateReports => figure(Figure::AddonLateShare, "Sena tilläggsrapporter", "Sena rapporter", Ranked::Clients, None),
            Evidence::Continuity => {
                figure(Figure::ContinuityMean, "Kunder i kontinuitetsmätningen", "Olika personal", Ranked::Clients, None)
            }
            Evidence::Unserved => {
                figure(Figure::UnservedClients, "Kunder med beviljad tid utan besök", "Beviljade minuter utan besök", Ranked::Clients, None)
            }
            Evidence::ManualWithoutReason => figure(
                Figure::ManualReasonShare,
                "Manuella registreringar utan orsak",
                "Manuella utan orsak",
                Ranked::StaffAndClients,
                Some("Manuell registrering utan orsak"),
            ),
            Evidence::Declined => figure(
                Figure::DeclinedShare,
                "Registreringar som avböjda eller ej hemma",
                "Avböjda eller ej hemma",
                Ranked::StaffAndClients,
                Some("Avböjd eller ej hemma"),
            ),
            Evidence::Flagged(flag) => EvidenceDef {
                owner: Metric::FlagCount(flag),
                title: format!("Flaggade besök: {}", flag.label()).into(),
                weight_heading: "Flaggade besök",
                ranked: Ranked::StaffAndClients,
                example_reason: Some(flag.label().into()),
            },
        }
    }

    /// The flag whose visits the evidence is, if it is a flag's.
    pub fn flag(self) -> Option<Flag> {
        match self {
            Evidence::Flagged(flag) => Some(flag),
            Evidence::Unverified
            | Evidence::Short
            | Evidence::CompletionOutside
            | Evidence::UnreportedAddons
            | Evidence::LateReports
            | Evidence::Continuity
            | Evidence::Unserved
            | Evidence::ManualWithoutReason
            | Evidence::Declined => None,
        }
    }

    /// The metric that owns the evidence: its id is the `figure` column of `evidence.csv`.
    pub fn owner(self) -> Metric {
        self.def().owner
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
    fn every_figure_that_names_evidence_finds_it_listed() {
        for def in super::super::metric::FIGURES.iter().filter(|d| d.evidence_of.is_some()) {
            assert!(Evidence::of(Metric::Figure(def.figure)).is_some(), "{}: its evidence is missing from Evidence::all()", def.id);
        }
        for flag in Flag::ALL {
            assert!(Evidence::all().any(|e| e == Evidence::Flagged(flag)), "{flag:?}");
        }
    }

    #[test]
    fn every_kind_of_evidence_is_owned_by_the_metric_that_quotes_it() {
        for e in Evidence::all() {
            assert_eq!(Evidence::of(e.owner()), Some(e), "{e:?}");
            assert!(!e.def().title.is_empty() && !e.def().weight_heading.is_empty(), "{e:?}");
            assert_eq!(Evidence::parse(e.owner().id()), Some(e));
        }
    }
}

//! The quarter: the three stored months side by side per supplier, the requirements they were
//! judged against, and each supplier's deviations with their evidence. No figure is
//! recomputed here; every value and status is the one its month stored.

use crate::bytes_map::{HashMap, HashSet};
use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use crate::config::{Config, EscalationConfig};
use crate::error::refused;
use crate::model::payment::MICROS_PER_HUNDREDTH;
use crate::model::ALL;
use crate::model::{Bound, Evidence, Figure, Flag, HourlyRate, Metric, Questioned, Status, Tally};
use crate::model::{Quarter, YearMonth};
use crate::month::analysis::MemberRow;
use crate::month::evidence::{EvidenceRow, Kind};
use crate::month::payment::{PaymentRow, QuestionedRow};
use crate::month::sample::{AnswerSummary, Drawn};
use crate::period::followup::{History, SupplierFollowup};
use crate::store::read::{check_same_key, flag_partners, month_exists, monthly_command, read_month, StoredMonth};
use crate::store::sample::read_answers;

/// The partners of the month's flagged example visits (evidence rows of kind `visit`), read
/// from its flag rows: only those are kept, so a national month's flags are not held whole.
fn related_of_examples(out: &Path, month: &StoredMonth) -> Result<HashMap<(String, Flag, String), Vec<String>>> {
    let examples: HashSet<(&str, Flag, &str)> = month
        .evidence
        .iter()
        .filter(|e| e.kind == Kind::Visit)
        .filter_map(|e| Some((e.supplier_id.as_str(), e.evidence.flag()?, e.id.as_str())))
        .collect();
    let mut related: HashMap<(String, Flag, String), Vec<String>> = HashMap::default();
    if examples.is_empty() {
        return Ok(related);
    }
    for (supplier, flag, visit, partner) in flag_partners(out, month.month, |s, f, v| examples.contains(&(s, f, v)))? {
        related.entry((supplier, flag, visit)).or_default().push(partner);
    }
    Ok(related)
}

/// The answers of each stored month's verification sample (SPEC §11), where read back.
fn load_sample_answers(out: &Path, stored: &[Option<StoredMonth>; 3]) -> Result<[Vec<AnswerSummary>; 3]> {
    let mut answers: [Vec<AnswerSummary>; 3] = Default::default();
    for (i, month) in stored.iter().enumerate() {
        if let Some(month) = month {
            answers[i] = read_answers(out, month.month)?.unwrap_or_default();
        }
    }
    Ok(answers)
}

/// The rows of `supplier` among `rows` sorted by supplier (as `QuarterData::load` keeps a
/// month's tables): found by halving, so a quarter of hundreds of suppliers does not walk every
/// supplier's rows for each one.
fn of_supplier<'r, R>(rows: &'r [R], supplier: &str, key: impl Fn(&R) -> &str) -> &'r [R] {
    let start = rows.partition_point(|r| key(r) < supplier);
    let end = start + rows[start..].partition_point(|r| key(r) == supplier);
    &rows[start..end]
}

/// One matrix cell: a month's value and status of one figure for one supplier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub value: Option<f64>,
    pub status: Status,
}

impl Cell {
    const MISSING: Cell = Cell { value: None, status: Status::Missing };
}

/// The totals behind a kind of evidence in one month, which a plan states beside its tables.
#[derive(Debug, Clone, PartialEq)]
pub enum EvidenceTotals {
    Unverified { unverified: u32, visits: u32 },
    Short { short: u32, valid: u32, limit_minutes: f64 },
    CompletionOutside { outside: usize, judged: usize },
    Continuity { clients: u32 },
    Flagged { flagged: f64, visits: u32 },
    Unserved { unserved: u32, granted_clients: usize },
    ManualWithoutReason { without_reason: u32, manual: u32 },
}

/// A supplier's questioned visits of one reason over the quarter (SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonSum {
    pub reason: Questioned,
    pub visits: usize,
    /// Their questioned minutes, in hundredths.
    pub hundredths: i64,
    /// Their whole kronor: each month's minutes at the rate the month was run with, rounded per
    /// month (0 without a rate).
    pub kronor: i64,
}

/// The quarter's stored months (a month not run is `None`, allowed only with `--allow-partial`).
pub struct QuarterData {
    pub quarter: Quarter,
    pub months: [YearMonth; 3],
    pub stored: [Option<StoredMonth>; 3],
    /// Suppliers with visits in at least one of the months, sorted.
    pub suppliers: Vec<String>,
    cells: HashMap<(String, Metric), [Cell; 3]>,
    /// Each supplier's follow-up over time (SPEC §9), in `suppliers` order.
    pub followup: Vec<SupplierFollowup>,
    /// Per month: the visits a flagged example visit of the evidence is paired with, by
    /// (supplier, flag, visit id), from the month's `flags.parquet`.
    related: [HashMap<(String, Flag, String), Vec<String>>; 3],
    /// Per month: the answers of its verification sample (`stickprov/svar.csv`), empty where
    /// none have been read back.
    sample_answers: [Vec<AnswerSummary>; 3],
}

/// A deviation of one supplier in the quarter: a figure outside its requirement in at least
/// one month.
pub struct Deviation<'a> {
    pub metric: Metric,
    pub cells: [Cell; 3],
    pub municipality: [Cell; 3],
    /// Per month (only months where the figure deviates): the evidence rows of the supplier.
    pub evidence: [Vec<&'a EvidenceRow>; 3],
}

impl QuarterData {
    /// Loads the quarter's months from `out`, and the stored months before it that streaks
    /// reach into. A month that was not run is refused, naming the command that makes it,
    /// unless `allow_partial`; at least one month must exist. `rules` overrides the escalation
    /// rules of the quarter's last stored month.
    pub fn load(out: &Path, quarter: Quarter, allow_partial: bool, rules: Option<EscalationConfig>) -> Result<QuarterData> {
        let months = quarter.months();
        let missing: Vec<YearMonth> = months.iter().copied().filter(|m| !month_exists(out, *m)).collect();
        if missing.len() == 3 || (!missing.is_empty() && !allow_partial) {
            let list: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
            let commands: Vec<String> = missing.iter().map(|m| format!("  {}", monthly_command(out, *m))).collect();
            let hint = if missing.len() == 3 {
                "ingen av kvartalets månader har körts".to_string()
            } else {
                format!(
                    "eller gör matrisen utan den med\n  tidkoll quarter --quarter {quarter} --out {} --allow-partial\n(den saknade månaden markeras i alla resultat)",
                    out.display()
                )
            };
            let (months, them) = if list.len() == 1 { ("månaden", "den") } else { ("månaderna", "dem") };
            return Err(refused(format!(
                "{quarter}: {months} {} finns inte i {}; gör {them} med\n{}\n{hint}",
                list.join(", "),
                out.display(),
                commands.join("\n")
            )));
        }
        // The three months are read side by side, each with the partners of its example visits.
        type Read = (Option<StoredMonth>, HashMap<(String, Flag, String), Vec<String>>);
        let read: Vec<Read> = months
            .par_iter()
            .map(|m| -> Result<Read> {
                if missing.contains(m) {
                    return Ok((None, HashMap::default()));
                }
                let mut month = read_month(out, *m)?;
                // Stored by supplier already; a stable sort of sorted rows is one pass, and it
                // lets `of_supplier` find a supplier's rows without a walk over everyone's.
                month.staff.sort_by(|a, b| a.supplier_id.cmp(&b.supplier_id));
                month.clients.sort_by(|a, b| a.supplier_id.cmp(&b.supplier_id));
                month.evidence.sort_by(|a, b| a.supplier_id.cmp(&b.supplier_id));
                month.questioned.sort_by(|a, b| a.supplier_id.cmp(&b.supplier_id));
                let related = related_of_examples(out, &month)?;
                Ok((Some(month), related))
            })
            .collect::<Result<_>>()?;
        let mut stored: [Option<StoredMonth>; 3] = [None, None, None];
        let mut related: [HashMap<(String, Flag, String), Vec<String>>; 3] = Default::default();
        for (i, (month, partners)) in read.into_iter().enumerate() {
            stored[i] = month;
            related[i] = partners;
        }
        check_same_key(stored.iter().flatten())?;
        let mut suppliers = BTreeSet::new();
        let mut cells: HashMap<(String, Metric), [Cell; 3]> = HashMap::default();
        for (i, month) in stored.iter().enumerate() {
            for row in month.iter().flat_map(|m| &m.figures) {
                if row.supplier_id != ALL {
                    suppliers.insert(row.supplier_id.clone());
                }
                cells.entry((row.supplier_id.clone(), row.metric)).or_insert([Cell::MISSING; 3])[i] =
                    Cell { value: row.value, status: row.status };
            }
        }
        let mut history = History::default();
        for month in stored.iter().flatten() {
            history.add_month(month.month, &month.figures);
        }
        history.load_back(out, months[0])?;
        history.load_rosters(out)?;
        let rules = rules.or_else(|| stored.iter().flatten().last().map(|m| m.config.escalation.clone())).unwrap_or_default();
        let followup = history.followup(&months, &rules);
        let suppliers: Vec<String> = suppliers.into_iter().collect();
        debug_assert!(followup.iter().map(|f| &f.supplier).eq(suppliers.iter()));
        let sample_answers = load_sample_answers(out, &stored)?;
        Ok(QuarterData { quarter, months, stored, suppliers, cells, followup, related, sample_answers })
    }

    /// The visits that `visit` of `supplier` is paired with by `flag` in month `i` (the other
    /// copy of a duplicate, the visit one minute before or after), for the example visits of
    /// the evidence; empty for any other visit and for flags that name no partner.
    pub fn related(&self, i: usize, supplier: &str, flag: Flag, visit: &str) -> &[String] {
        self.related[i].get(&(supplier.to_string(), flag, visit.to_string())).map_or(&[], Vec::as_slice)
    }

    /// The supplier's follow-up over time.
    pub fn followup_of(&self, supplier: &str) -> Option<&SupplierFollowup> {
        self.followup.iter().find(|f| f.supplier == supplier)
    }

    /// The payment row (SPEC §10) of `supplier` (or `ALL`) in month `i`, when the month was run
    /// with the payment basis and has the supplier.
    pub fn payment(&self, supplier: &str, i: usize) -> Option<&PaymentRow> {
        self.stored[i].as_ref()?.payment.iter().find(|p| p.supplier_id == supplier)
    }

    /// The questioned visits of `supplier` in month `i`.
    pub fn questioned<'a>(&'a self, supplier: &'a str, i: usize) -> impl Iterator<Item = &'a QuestionedRow> {
        self.stored[i].iter().flat_map(move |m| of_supplier(&m.questioned, supplier, |q| &q.supplier_id))
    }

    /// The hourly rate month `i` was run with.
    pub fn hourly_rate(&self, i: usize) -> HourlyRate {
        self.config(i).map_or_else(HourlyRate::default, |c| HourlyRate::from_kronor(c.payment.hourly_rate))
    }

    /// The questioned visits of `supplier` per reason over `months`, in the order of the
    /// reasons; a reason without visits is left out.
    pub fn questioned_by_reason(&self, supplier: &str, months: &[usize]) -> Vec<ReasonSum> {
        Questioned::ALL
            .into_iter()
            .map(|reason| {
                let mut sum = ReasonSum { reason, visits: 0, hundredths: 0, kronor: 0 };
                for &i in months {
                    let (visits, hundredths) =
                        self.questioned(supplier, i).filter(|v| v.reason == reason).fold((0, 0), |(n, h), v| (n + 1, h + v.minutes));
                    sum.visits += visits;
                    sum.hundredths += hundredths;
                    // A month's kronor of one reason from its minutes at the month's rate.
                    sum.kronor += self.hourly_rate(i).kronor(hundredths * MICROS_PER_HUNDREDTH).unwrap_or(0);
                }
                sum
            })
            .filter(|sum| sum.visits > 0)
            .collect()
    }

    /// Whether month `i` of the quarter was run.
    pub fn has_month(&self, i: usize) -> bool {
        self.stored[i].is_some()
    }

    /// The three cells of a figure; months without the supplier or not run are missing.
    pub fn cells(&self, supplier: &str, metric: Metric) -> [Cell; 3] {
        self.cells.get(&(supplier.to_string(), metric)).copied().unwrap_or([Cell::MISSING; 3])
    }

    /// The configuration month `i` was computed with.
    pub fn config(&self, i: usize) -> Option<&Config> {
        self.stored[i].as_ref().map(|m| &m.config)
    }

    /// The requirement of a figure in month `i`, as its month was judged.
    pub fn requirement(&self, metric: Metric, i: usize) -> Option<Bound> {
        self.config(i).and_then(|c| c.requirement(metric))
    }

    /// The totals behind a kind of evidence of `supplier` in month `i`, folded from its
    /// stored tallies; `None` for the add-on evidence, which the plan shows by client only.
    pub fn evidence_totals(&self, supplier: &str, evidence: Evidence, i: usize) -> Option<EvidenceTotals> {
        let sum = |rows: Vec<&MemberRow>| -> Tally { rows.iter().map(|m| &m.tally).sum() };
        let clients = self.members(supplier, i, false);
        let staff = sum(self.members(supplier, i, true));
        match evidence {
            Evidence::Unverified => Some(EvidenceTotals::Unverified { unverified: staff.unverified(), visits: staff.visits }),
            Evidence::Short => {
                let config = self.config(i).cloned().unwrap_or_default();
                Some(EvidenceTotals::Short { short: staff.short, valid: staff.valid, limit_minutes: config.parameters.short_visit_minutes })
            }
            Evidence::CompletionOutside => {
                let range = self.requirement(Metric::Figure(Figure::CompletionRate), i).unwrap_or_default();
                let judged: Vec<bool> = clients.iter().filter_map(|c| c.tally.completion_within(range)).collect();
                let outside = judged.iter().filter(|inside| !**inside).count();
                Some(EvidenceTotals::CompletionOutside { outside, judged: judged.len() })
            }
            Evidence::Continuity => Some(EvidenceTotals::Continuity { clients: sum(clients).continuity_clients }),
            Evidence::Flagged(flag) => {
                let flagged = self.cells(supplier, Metric::FlagCount(flag))[i].value.unwrap_or(0.0);
                Some(EvidenceTotals::Flagged { flagged, visits: staff.visits })
            }
            Evidence::Unserved => {
                let granted_clients = clients.iter().filter(|c| c.tally.granted.is_some_and(|g| g.is_positive())).count();
                Some(EvidenceTotals::Unserved { unserved: sum(clients).unserved, granted_clients })
            }
            Evidence::ManualWithoutReason => {
                Some(EvidenceTotals::ManualWithoutReason { without_reason: staff.manual_without_reason(), manual: staff.manual })
            }
            // Registrations that are not performed visits are not kept per member.
            Evidence::UnreportedAddons | Evidence::LateReports | Evidence::Declined => None,
        }
    }

    /// The supplier's staff or client breakdown of month `i`.
    pub fn members(&self, supplier: &str, i: usize, staff: bool) -> Vec<&MemberRow> {
        let Some(month) = &self.stored[i] else { return Vec::new() };
        let rows = if staff { &month.staff } else { &month.clients };
        of_supplier(rows, supplier, |r| &r.supplier_id).iter().collect()
    }

    /// The supplier's deviations: every matrix figure with a deviating month, in matrix order.
    pub fn deviations(&self, supplier: &str) -> Vec<Deviation<'_>> {
        let mut out = Vec::new();
        for metric in Metric::matrix() {
            let cells = self.cells(supplier, metric);
            if !cells.iter().any(|c| c.status == Status::Deviation) {
                continue;
            }
            let key = Evidence::of(metric);
            let evidence = [0, 1, 2].map(|i| match (&self.stored[i], cells[i].status) {
                (Some(month), Status::Deviation) => {
                    of_supplier(&month.evidence, supplier, |e| &e.supplier_id).iter().filter(|e| Some(e.evidence) == key).collect()
                }
                _ => Vec::new(),
            });
            let municipality = self.cells(ALL, metric);
            out.push(Deviation { metric, cells, municipality, evidence });
        }
        out
    }

    /// The answers of the supplier's verification sample in month `i` (the random part, then
    /// the risk part), where some have been read back.
    pub fn sample_answers(&self, supplier: &str, i: usize) -> Option<(Option<&AnswerSummary>, Option<&AnswerSummary>)> {
        let rows: Vec<&AnswerSummary> = self.sample_answers[i].iter().filter(|r| r.supplier_id == supplier).collect();
        let part = |d: Drawn| rows.iter().find(|r| r.drawn == Some(d)).copied();
        rows.iter().any(|r| r.answered > 0).then(|| (part(Drawn::Random), part(Drawn::Risk)))
    }

    /// Whether any month of the quarter has answers of its verification sample read back for
    /// any of `suppliers`.
    pub fn has_sample_answers(&self, suppliers: &[&str]) -> bool {
        (0..3).any(|i| suppliers.iter().any(|s| self.sample_answers(s, i).is_some()))
    }

    /// Notes on months whose requirements differ from `config` (the file given to `quarter`).
    pub fn requirement_differences(&self, config: &Config) -> Vec<String> {
        let mut notes = Vec::new();
        for (i, month) in self.months.iter().enumerate() {
            let Some(used) = self.config(i) else { continue };
            let differing: Vec<&str> =
                Metric::matrix().filter(|m| used.requirement(*m) != config.requirement(*m)).map(Metric::id).collect();
            if !differing.is_empty() {
                notes.push(format!("{month}: {}", differing.join(", ")));
            }
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suppliers_rows_are_found_among_rows_sorted_by_supplier() {
        let rows = ["A", "A", "Ab", "B", "B", "B", "Vård AB", "Ö"].map(|s| (s.to_string(), 0));
        let of = |s: &str| of_supplier(&rows, s, |r| &r.0).len();
        assert_eq!([of("A"), of("Ab"), of("B"), of("Vård AB"), of("Ö")], [2, 1, 3, 1, 1]);
        assert_eq!([of(""), of("AA"), of("C"), of("Öst")], [0, 0, 0, 0], "a supplier without rows has none");
    }

    fn stored(month: YearMonth, config: Config, staff: Vec<MemberRow>, clients: Vec<MemberRow>) -> StoredMonth {
        StoredMonth { staff, clients, ..StoredMonth::empty(month, config) }
    }

    /// A quarter of the given months (`None`: not run), with the supplier and municipality
    /// cells given.
    fn quarter_of(stored: [Option<StoredMonth>; 3], cells: HashMap<(String, Metric), [Cell; 3]>) -> QuarterData {
        let quarter: Quarter = "2025-Q1".parse().unwrap();
        QuarterData {
            quarter,
            months: quarter.months(),
            stored,
            suppliers: vec!["S1".to_string()],
            cells,
            followup: Vec::new(),
            related: Default::default(),
            sample_answers: Default::default(),
        }
    }

    fn member(supplier: &str, id: &str, tally: Tally) -> MemberRow {
        MemberRow::with_tally(supplier, id, tally)
    }

    /// A client with `performed` valid minutes of visits and `granted` minutes granted.
    fn client(visits: u32, performed: i64, granted: Option<f64>, continuity: bool) -> Tally {
        let mut t = Tally { visits, valid: visits, valid_seconds: performed * 60, ..Tally::default() };
        t.grant(granted.map(crate::model::ExactMinutes::from_minutes));
        t.continuity_clients = u32::from(continuity);
        t
    }

    #[test]
    fn questioned_time_is_summed_per_reason_with_each_months_kronor_at_its_own_rate() {
        let rated = |kronor| {
            let mut config = Config::default();
            config.payment.hourly_rate = kronor;
            config
        };
        let questioned = |supplier: &str, reason, visit: &str, minutes| QuestionedRow {
            supplier_id: supplier.to_string(),
            reason,
            visit_id: visit.to_string(),
            minutes,
        };
        let (absence, duplicate) = (Questioned::DuringAbsence, Questioned::Duplicate);
        let mut january = stored("2025-01".parse().unwrap(), rated(600.0), Vec::new(), Vec::new());
        january.questioned = vec![
            questioned("S1", duplicate, "V1", 3000),
            questioned("S1", absence, "V2", 1000),
            questioned("S1", duplicate, "V3", 1550),
            questioned("S2", duplicate, "V9", 9900),
        ];
        let mut february = stored("2025-02".parse().unwrap(), rated(450.0), Vec::new(), Vec::new());
        february.questioned = vec![questioned("S1", duplicate, "V4", 6000)];
        let q = quarter_of([Some(january), Some(february), None], HashMap::default());
        assert_eq!(
            q.questioned_by_reason("S1", &[0, 1]),
            [
                // 10 minutes at 600 kr an hour.
                ReasonSum { reason: absence, visits: 1, hundredths: 1000, kronor: 100 },
                // 45.5 minutes at 600 kr (455 kr) and 60 minutes at 450 kr (450 kr).
                ReasonSum { reason: duplicate, visits: 3, hundredths: 10550, kronor: 905 },
            ],
            "the reasons in SPEC order, without those with no visits, and without S2's visit"
        );
        assert_eq!(q.questioned_by_reason("S1", &[1]), [ReasonSum { reason: duplicate, visits: 1, hundredths: 6000, kronor: 450 }]);
        assert_eq!(q.questioned_by_reason("S1", &[2]), [], "March was not run");
    }

    #[test]
    fn the_totals_behind_each_kind_of_evidence_are_folded_from_the_suppliers_own_members() {
        let mut config = Config::default();
        config.parameters.short_visit_minutes = 7.0;
        config.requirements.insert("completion_rate".to_string(), Bound { min: Some(0.75), max: Some(1.0) });
        let staff = vec![
            member(
                "S1",
                "p1",
                Tally { visits: 10, checked_in: 7, valid: 9, short: 2, manual: 3, manual_with_reason: 1, ..Tally::default() },
            ),
            member("S1", "p2", Tally { visits: 5, checked_in: 5, valid: 5, short: 1, ..Tally::default() }),
            member("S2", "p9", Tally { visits: 40, valid: 40, short: 30, manual: 40, ..Tally::default() }),
        ];
        let clients = vec![
            member("S1", "k1", client(8, 60, Some(100.0), true)),
            member("S1", "k2", client(7, 60, Some(60.0), true)),
            member("S1", "k3", client(0, 0, Some(30.0), false)),
            member("S1", "k4", client(0, 0, None, false)),
            member("S2", "k9", client(40, 10, Some(100.0), true)),
        ];
        let january = stored("2025-01".parse().unwrap(), config, staff, clients);
        let flagged = Cell { value: Some(4.0), status: Status::Deviation };
        let cells = HashMap::from_iter([(("S1".to_string(), Metric::FlagCount(Flag::Duplicate)), [flagged, Cell::MISSING, Cell::MISSING])]);
        let q = quarter_of([Some(january), None, None], cells);
        let totals = |evidence| q.evidence_totals("S1", evidence, 0);
        assert_eq!(totals(Evidence::Unverified), Some(EvidenceTotals::Unverified { unverified: 3, visits: 15 }));
        assert_eq!(totals(Evidence::Short), Some(EvidenceTotals::Short { short: 3, valid: 14, limit_minutes: 7.0 }));
        assert_eq!(
            totals(Evidence::CompletionOutside),
            Some(EvidenceTotals::CompletionOutside { outside: 2, judged: 3 }),
            "k1 at 0.6 and k3 at 0 lie outside 0.75–1, k2 at 1 inside; k4 has no granted time"
        );
        assert_eq!(totals(Evidence::Continuity), Some(EvidenceTotals::Continuity { clients: 2 }));
        assert_eq!(totals(Evidence::Flagged(Flag::Duplicate)), Some(EvidenceTotals::Flagged { flagged: 4.0, visits: 15 }));
        assert_eq!(totals(Evidence::Unserved), Some(EvidenceTotals::Unserved { unserved: 1, granted_clients: 3 }));
        assert_eq!(totals(Evidence::ManualWithoutReason), Some(EvidenceTotals::ManualWithoutReason { without_reason: 2, manual: 3 }));
        for evidence in [Evidence::UnreportedAddons, Evidence::LateReports, Evidence::Declined] {
            assert_eq!(totals(evidence), None, "{evidence:?}");
        }
        assert_eq!(q.evidence_totals("S1", Evidence::Unverified, 1), Some(EvidenceTotals::Unverified { unverified: 0, visits: 0 }));
        assert_eq!(q.members("S1", 0, true).len(), 2);
        assert!(q.members("S1", 1, true).is_empty(), "February was not run");
    }

    #[test]
    fn the_months_judged_with_other_requirements_are_named_with_the_metrics_that_differ() {
        let given = Config::default();
        let mut stricter = Config::default();
        stricter.requirements.insert("checkin_rate".to_string(), Bound { min: Some(0.99), max: None });
        stricter.flag_limits.insert("duplicate".to_string(), 0.5);
        let month = |m: &str, config: &Config| Some(stored(m.parse().unwrap(), config.clone(), Vec::new(), Vec::new()));
        let q = quarter_of([month("2025-01", &given), None, month("2025-03", &stricter)], HashMap::default());
        assert_eq!(q.requirement_differences(&given), ["2025-03: checkin_rate, flag_rate.duplicate"]);
        assert_eq!(q.requirement_differences(&stricter), ["2025-01: checkin_rate, flag_rate.duplicate"]);
    }

    #[test]
    fn a_suppliers_sample_answers_are_shown_only_when_some_are_answered() {
        use crate::month::sample::{AnswerSummary, Drawn};
        let summary = |supplier: &str, drawn, answered| AnswerSummary {
            supplier_id: supplier.to_string(),
            drawn,
            sampled: 5,
            answered,
            confirmed: answered,
            partly: 0,
            not_confirmed: 0,
        };
        let mut q = quarter_of([None, None, None], HashMap::default());
        q.sample_answers[0] = vec![
            summary("S1", Some(Drawn::Random), 3),
            summary("S1", Some(Drawn::Risk), 2),
            summary("S1", None, 5),
            summary("S2", Some(Drawn::Random), 0),
            summary("S2", Some(Drawn::Risk), 0),
            summary("S2", None, 0),
        ];
        let (random, risk) = q.sample_answers("S1", 0).expect("S1 has answers");
        assert_eq!((random.map(|r| r.answered), risk.map(|r| r.answered)), (Some(3), Some(2)));
        assert_eq!(random.and_then(|r| r.drawn), Some(Drawn::Random));
        assert!(q.sample_answers("S2", 0).is_none(), "drawn but nothing answered");
        assert!(q.sample_answers("S1", 1).is_none(), "no answers read back in February");
        assert!(q.has_sample_answers(&["S2", "S1"]));
        assert!(!q.has_sample_answers(&["S2", "S3"]));
    }
}

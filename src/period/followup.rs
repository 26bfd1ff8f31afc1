//! Follow-up over time (SPEC §9): how many months each deviation has lasted and whether the
//! municipality should start a deeper follow-up (fördjupad uppföljning). Read from the stored
//! months' judged figures only; nothing is recomputed and the current configuration's
//! requirements play no part (each month counts as it was judged).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;

use crate::bytes_map::HashMap;
use crate::config::EscalationConfig;
use crate::model::{Metric, Status, YearMonth, ALL};
use crate::month::analysis::FigureRow;
use crate::store::read::{month_exists, read_figures};

/// What the follow-up proposes for a supplier and a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recommendation {
    /// No metric deviated in the quarter.
    None,
    /// Some metric deviated: an action plan.
    ActionPlan,
    /// Recurring or many deviations: a deeper follow-up.
    DeeperFollowup,
}

impl Recommendation {
    /// The id in `recommendations.csv`.
    pub fn id(self) -> &'static str {
        match self {
            Recommendation::None => "ingen",
            Recommendation::ActionPlan => "atgardsplan",
            Recommendation::DeeperFollowup => "fordjupad_uppfoljning",
        }
    }

    /// The words a follow-up officer reads.
    pub fn label(self) -> &'static str {
        match self {
            Recommendation::None => "Ingen åtgärd",
            Recommendation::ActionPlan => "Åtgärdsplan",
            Recommendation::DeeperFollowup => "Fördjupad uppföljning",
        }
    }
}

/// One deviating metric of a supplier in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricFollowup {
    pub metric: Metric,
    /// The quarter's months in which the metric deviated.
    pub months_deviating: u32,
    /// Consecutive calendar months of deviation ending with the quarter's last month.
    pub streak_months: u32,
}

/// A supplier's follow-up for one quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierFollowup {
    pub supplier: String,
    /// Metrics with at least one deviating month in the quarter, in registry order.
    pub metrics: Vec<MetricFollowup>,
    pub recommendation: Recommendation,
    /// The metrics whose streak reached `[escalation] streak_months`.
    pub long_streaks: Vec<Metric>,
    /// Whether at least `[escalation] min_metrics` metrics deviated.
    pub many_deviations: bool,
    /// Whether the supplier is newly established and in its `[escalation] new_supplier_months`
    /// month of activity in the period (the seeds' deeper follow-up of a new supplier).
    pub new_supplier: bool,
    /// The rules the recommendation was made with.
    pub rules: EscalationConfig,
}

impl SupplierFollowup {
    /// The largest streak over the supplier's metrics (0 when none deviates).
    pub fn longest_streak(&self) -> u32 {
        self.metrics.iter().map(|m| m.streak_months).max().unwrap_or(0)
    }

    /// The reasons of a deeper follow-up, in the order of SPEC §9 (`streak`, `many_metrics`,
    /// `new_supplier`); none unless one is proposed.
    pub fn reasons(&self) -> Vec<&'static str> {
        if self.recommendation != Recommendation::DeeperFollowup {
            return Vec::new();
        }
        [(!self.long_streaks.is_empty(), "streak"), (self.many_deviations, "many_metrics"), (self.new_supplier, "new_supplier")]
            .into_iter()
            .filter_map(|(holds, reason)| holds.then_some(reason))
            .collect()
    }

    /// The follow-up of one metric, when it deviated in the quarter.
    pub fn metric(&self, metric: Metric) -> Option<&MetricFollowup> {
        self.metrics.iter().find(|m| m.metric == metric)
    }
}

/// The judged rows of one stored month.
#[derive(Default)]
struct JudgedMonth {
    /// Every supplier with a row in the month (not `ALL`).
    suppliers: BTreeSet<String>,
    /// (supplier, metric) → deviates, for rows with status `ok` or `deviation`.
    judged: HashMap<(String, Metric), bool>,
}

/// The judged metrics of the stored months; a month not stored is absent.
#[derive(Default)]
pub struct History {
    months: BTreeMap<YearMonth, JudgedMonth>,
    /// The suppliers with rows in each stored month, of every stored month that is known
    /// (`load_rosters`), for each supplier's first month.
    rosters: BTreeMap<YearMonth, BTreeSet<String>>,
}

impl History {
    /// Adds a stored month's figures.
    pub fn add_month(&mut self, month: YearMonth, rows: &[FigureRow]) {
        let mut judged = JudgedMonth::default();
        for row in rows.iter().filter(|r| r.supplier_id != ALL) {
            if !judged.suppliers.contains(&row.supplier_id) {
                judged.suppliers.insert(row.supplier_id.clone());
            }
            if row.status.is_judged() {
                judged.judged.insert((row.supplier_id.clone(), row.metric), row.status == Status::Deviation);
            }
        }
        self.rosters.insert(month, judged.suppliers.clone());
        self.months.insert(month, judged);
    }

    /// Reads which suppliers have rows in every stored month of `out` not added yet, so that
    /// each supplier's first month is known (the newly established supplier of SPEC §9).
    pub fn load_rosters(&mut self, out: &Path) -> Result<()> {
        let Ok(entries) = std::fs::read_dir(out) else { return Ok(()) };
        let mut months: Vec<YearMonth> =
            entries.flatten().filter_map(|e| e.file_name().to_str().and_then(|name| name.parse().ok())).collect();
        months.sort_unstable();
        months.retain(|m| !self.rosters.contains_key(m) && month_exists(out, *m));
        for month in months {
            let stored = read_figures(out, month)?;
            let suppliers = stored.figures.iter().filter(|r| r.supplier_id != ALL).map(|r| r.supplier_id.clone()).collect();
            self.rosters.insert(month, suppliers);
        }
        Ok(())
    }

    /// Whether `supplier` is newly established in the period `months`: its first stored month
    /// is not the first stored month of all (then its start is unknown), and its first month
    /// plus `new_supplier_months − 1` calendar months lies in the period.
    pub fn is_new_supplier(&self, supplier: &str, months: &[YearMonth], new_supplier_months: u32) -> bool {
        let Some(earliest) = self.rosters.keys().next() else { return false };
        let Some(first) = self.rosters.iter().find(|(_, suppliers)| suppliers.contains(supplier)).map(|(m, _)| *m) else {
            return false;
        };
        let sixth = (1..new_supplier_months).fold(first, |m, _| m.next());
        first != *earliest && months.contains(&sixth)
    }

    /// Reads stored months before `first` as far back as a streak reaching `first` can go:
    /// until a month is not stored or no (supplier, metric) has deviated in every month since.
    pub fn load_back(&mut self, out: &Path, first: YearMonth) -> Result<()> {
        let mut alive: BTreeSet<(String, Metric)> = self.deviating(first);
        let mut month = first.prev();
        while !alive.is_empty() && !self.is_stored(month) && month_exists(out, month) {
            let stored = read_figures(out, month)?;
            self.add_month(month, &stored.figures);
            alive.retain(|(s, m)| self.deviates(month, s, *m));
            month = month.prev();
        }
        Ok(())
    }

    pub fn is_stored(&self, month: YearMonth) -> bool {
        self.months.contains_key(&month)
    }

    /// `Some(deviates)` when the supplier's metric was judged in a stored month.
    pub fn judged(&self, month: YearMonth, supplier: &str, metric: Metric) -> Option<bool> {
        self.months.get(&month)?.judged.get(&(supplier.to_string(), metric)).copied()
    }

    pub fn deviates(&self, month: YearMonth, supplier: &str, metric: Metric) -> bool {
        self.judged(month, supplier, metric) == Some(true)
    }

    /// Every (supplier, metric) deviating in a month.
    fn deviating(&self, month: YearMonth) -> BTreeSet<(String, Metric)> {
        let Some(judged) = self.months.get(&month) else { return BTreeSet::new() };
        judged.judged.iter().filter(|(_, d)| **d).map(|(k, _)| k.clone()).collect()
    }

    /// Consecutive calendar months of deviation ending with `last`; a month not stored, without
    /// the row or not deviating ends it.
    pub fn streak(&self, supplier: &str, metric: Metric, last: YearMonth) -> u32 {
        let mut n = 0;
        let mut month = last;
        while self.deviates(month, supplier, metric) {
            n += 1;
            month = month.prev();
        }
        n
    }

    /// Whether `supplier` has a row in the stored month `month`.
    pub fn has_supplier(&self, month: YearMonth, supplier: &str) -> bool {
        self.months.get(&month).is_some_and(|j| j.suppliers.contains(supplier))
    }

    /// The suppliers with a row in a stored month among `months`, sorted.
    pub fn suppliers_of(&self, months: &[YearMonth]) -> Vec<String> {
        let set: BTreeSet<&String> = months.iter().filter_map(|m| self.months.get(m)).flat_map(|j| &j.suppliers).collect();
        set.into_iter().cloned().collect()
    }

    /// The metrics judged for the supplier in a stored month among `months`, in registry order.
    pub fn metrics_of(&self, supplier: &str, months: &[YearMonth]) -> Vec<Metric> {
        let set: BTreeSet<Metric> = months
            .iter()
            .filter_map(|m| self.months.get(m))
            .flat_map(|j| Metric::all().filter(|m| j.judged.contains_key(&(supplier.to_string(), *m))))
            .collect();
        set.into_iter().collect()
    }

    /// The follow-up of every supplier of the period `months` (a quarter's three months, in
    /// order), with streaks ending at its last month.
    pub fn followup(&self, months: &[YearMonth], rules: &EscalationConfig) -> Vec<SupplierFollowup> {
        let Some(&last) = months.last() else { return Vec::new() };
        self.suppliers_of(months)
            .into_iter()
            .map(|supplier| {
                let metrics: Vec<MetricFollowup> = self
                    .metrics_of(&supplier, months)
                    .into_iter()
                    .filter_map(|metric| {
                        let months_deviating = months.iter().filter(|m| self.deviates(**m, &supplier, metric)).count() as u32;
                        (months_deviating > 0).then(|| MetricFollowup {
                            metric,
                            months_deviating,
                            streak_months: self.streak(&supplier, metric, last),
                        })
                    })
                    .collect();
                let new_supplier = self.is_new_supplier(&supplier, months, rules.new_supplier_months);
                judge(supplier, metrics, new_supplier, rules)
            })
            .collect()
    }
}

/// The recommendation for a supplier's deviating metrics under the escalation rules.
fn judge(supplier: String, metrics: Vec<MetricFollowup>, new_supplier: bool, rules: &EscalationConfig) -> SupplierFollowup {
    let long_streaks: Vec<Metric> = metrics.iter().filter(|m| m.streak_months >= rules.streak_months).map(|m| m.metric).collect();
    let many_deviations = metrics.len() as u32 >= rules.min_metrics;
    let recommendation = if !long_streaks.is_empty() || many_deviations || new_supplier {
        Recommendation::DeeperFollowup
    } else if !metrics.is_empty() {
        Recommendation::ActionPlan
    } else {
        Recommendation::None
    };
    SupplierFollowup { supplier, metrics, recommendation, long_streaks, many_deviations, new_supplier, rules: rules.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Figure, Flag};

    const CHECKIN: Metric = Metric::Figure(Figure::CheckinRate);
    const ADJACENT: Metric = Metric::FlagRate(Flag::Adjacent);

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    fn row(supplier: &str, month: &str, metric: Metric, status: Status) -> FigureRow {
        FigureRow { supplier_id: supplier.into(), month: ym(month), metric, value: Some(0.5), status }
    }

    /// A history where each month's string gives the status of `metric` for supplier "A":
    /// `d` deviation, `o` ok, `i` info, `-` no row, ` ` month not stored.
    fn history(first: &str, pattern: &str, metric: Metric) -> History {
        let mut h = History::default();
        let mut month = ym(first);
        for c in pattern.chars() {
            let rows: Vec<FigureRow> = match c {
                'd' => vec![row("A", &month.to_string(), metric, Status::Deviation)],
                'o' => vec![row("A", &month.to_string(), metric, Status::Ok)],
                'i' => vec![row("A", &month.to_string(), metric, Status::Info)],
                '-' => vec![row("B", &month.to_string(), metric, Status::Ok)],
                _ => Vec::new(),
            };
            if c != ' ' {
                h.add_month(month, &rows);
            }
            month = month.next();
        }
        h
    }

    fn rules(streak_months: u32, min_metrics: u32) -> EscalationConfig {
        EscalationConfig { streak_months, min_metrics, new_supplier_months: 6 }
    }

    #[test]
    fn streaks_cross_quarter_and_year_boundaries() {
        // 2024-11 … 2025-03: five months of deviation ending with Q1's last month.
        let h = history("2024-10", "odddd d", CHECKIN);
        assert_eq!(h.streak("A", CHECKIN, ym("2025-02")), 4);
        let h = history("2024-10", "oddddd", CHECKIN);
        assert_eq!(h.streak("A", CHECKIN, ym("2025-03")), 5);
        let q1 = ym("2025-01").quarter().months();
        let f = h.followup(&q1, &rules(6, 4));
        assert_eq!(f[0].metrics, vec![MetricFollowup { metric: CHECKIN, months_deviating: 3, streak_months: 5 }]);
        assert_eq!(f[0].recommendation, Recommendation::ActionPlan);
    }

    #[test]
    fn a_missing_month_a_missing_row_or_an_info_row_ends_a_streak() {
        // 2025-01 not stored: the streak at 2025-03 is 2, not 5.
        assert_eq!(history("2024-11", "dd dd", CHECKIN).streak("A", CHECKIN, ym("2025-03")), 2);
        assert_eq!(history("2024-11", "dd-dd", CHECKIN).streak("A", CHECKIN, ym("2025-03")), 2);
        assert_eq!(history("2024-11", "ddidd", CHECKIN).streak("A", CHECKIN, ym("2025-03")), 2);
        // The quarter's last month not deviating: 0, though the metric deviated in the quarter.
        let h = history("2025-01", "ddo", CHECKIN);
        assert_eq!(h.followup(&ym("2025-01").quarter().months(), &rules(6, 4))[0].metrics[0].streak_months, 0);
        // The quarter's last month not stored.
        let h = history("2025-01", "dd ", CHECKIN);
        let f = h.followup(&ym("2025-01").quarter().months(), &rules(6, 4));
        assert_eq!(f[0].metrics[0], MetricFollowup { metric: CHECKIN, months_deviating: 2, streak_months: 0 });
    }

    #[test]
    fn a_new_supplier_is_proposed_in_its_sixth_month_unless_its_start_is_unknown() {
        // A has rows from 2024-10, the first stored month (its start is unknown); N from 2024-11,
        // so N's fifth month is 2025-03 (Q1) and its sixth 2025-04 (Q2). Neither deviates.
        let mut h = History::default();
        let mut month = ym("2024-10");
        while month <= ym("2025-06") {
            let mut rows = vec![row("A", &month.to_string(), CHECKIN, Status::Ok)];
            if month >= ym("2024-11") {
                rows.push(row("N", &month.to_string(), CHECKIN, Status::Ok));
            }
            h.add_month(month, &rows);
            month = month.next();
        }
        let of = |f: &[SupplierFollowup], s: &str| f.iter().find(|f| f.supplier == s).unwrap().clone();
        let q1 = h.followup(&ym("2025-01").quarter().months(), &rules(6, 4));
        assert_eq!((of(&q1, "N").recommendation, of(&q1, "N").reasons()), (Recommendation::None, vec![]), "the fifth month");
        assert_eq!(of(&q1, "A").recommendation, Recommendation::None, "A's sixth month, but its start is unknown");
        let q2 = h.followup(&ym("2025-04").quarter().months(), &rules(6, 4));
        assert_eq!((of(&q2, "N").recommendation, of(&q2, "N").reasons()), (Recommendation::DeeperFollowup, vec!["new_supplier"]));
        assert!(of(&q2, "N").metrics.is_empty(), "a routine, not a deviation");
        assert_eq!(of(&q2, "A").recommendation, Recommendation::None);
        // `new_supplier_months = 5`: the fifth month is the one.
        let five = EscalationConfig { new_supplier_months: 5, ..rules(6, 4) };
        assert_eq!(of(&h.followup(&ym("2025-01").quarter().months(), &five), "N").reasons(), vec!["new_supplier"]);
        // With other reasons, in the order of SPEC §9.
        let mut h = History::default();
        h.add_month(ym("2024-10"), &[row("A", "2024-10", CHECKIN, Status::Ok)]);
        for m in ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"] {
            h.add_month(ym(m), &[row("A", m, CHECKIN, Status::Ok), row("N", m, CHECKIN, Status::Deviation)]);
        }
        assert_eq!(
            of(&h.followup(&ym("2025-04").quarter().months(), &rules(6, 1)), "N").reasons(),
            vec!["streak", "many_metrics", "new_supplier"]
        );
    }

    #[test]
    fn the_streak_rule_fires_at_its_threshold() {
        let q2 = ym("2025-04").quarter().months();
        // Six months (Q1 and Q2) of deviation: at the threshold 6.
        let h = history("2025-01", "dddddd", ADJACENT);
        let f = &h.followup(&q2, &rules(6, 4))[0];
        assert_eq!(f.metrics[0].streak_months, 6);
        assert_eq!(f.recommendation, Recommendation::DeeperFollowup);
        assert_eq!(f.long_streaks, vec![ADJACENT]);
        assert!(!f.many_deviations);
        assert_eq!(f.longest_streak(), 6);
        // Five months: one short of it.
        let h = history("2025-01", "oddddd", ADJACENT);
        let f = &h.followup(&q2, &rules(6, 4))[0];
        assert_eq!((f.metrics[0].streak_months, f.recommendation), (5, Recommendation::ActionPlan));
        assert!(f.long_streaks.is_empty());
    }

    #[test]
    fn the_many_metrics_rule_fires_at_its_threshold() {
        let q = ym("2025-01").quarter().months();
        let metrics = [CHECKIN, ADJACENT, Metric::Figure(Figure::ContinuityMean), Metric::FlagRate(Flag::LongDay)];
        let with = |n: usize| {
            let mut h = History::default();
            let mut rows: Vec<FigureRow> = metrics.iter().take(n).map(|m| row("A", "2025-02", *m, Status::Deviation)).collect();
            rows.extend(metrics.iter().skip(n).map(|m| row("A", "2025-02", *m, Status::Ok)));
            h.add_month(ym("2025-02"), &rows);
            h.add_month(ym("2025-03"), &[row("A", "2025-03", CHECKIN, Status::Ok)]);
            h.followup(&q, &rules(6, 4)).remove(0)
        };
        let four = with(4);
        assert_eq!((four.metrics.len(), four.recommendation, four.many_deviations), (4, Recommendation::DeeperFollowup, true));
        assert!(four.long_streaks.is_empty());
        let three = with(3);
        assert_eq!((three.metrics.len(), three.recommendation), (3, Recommendation::ActionPlan));
        let none = with(0);
        assert_eq!((none.metrics.len(), none.recommendation, none.longest_streak()), (0, Recommendation::None, 0));
    }

    #[test]
    fn suppliers_of_a_period_are_those_with_a_row_in_it_and_never_all() {
        let mut h = History::default();
        h.add_month(ym("2025-05"), &[row("B", "2025-05", CHECKIN, Status::Info), row(ALL, "2025-05", CHECKIN, Status::Deviation)]);
        assert_eq!(h.suppliers_of(&ym("2025-04").quarter().months()), vec!["B".to_string()]);
        assert!(h.suppliers_of(&ym("2025-01").quarter().months()).is_empty());
        // A row with status info is no judged metric.
        assert!(h.metrics_of("B", &[ym("2025-05")]).is_empty());
    }
}

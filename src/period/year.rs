//! The year (SPEC §9): the committee's annual account from the year's stored months — which
//! suppliers were followed, how often each metric deviated, the areas with deviations, the
//! action plans per quarter and the suppliers proposed for a deeper follow-up.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;

use crate::config::EscalationConfig;
use crate::error::refused;
use crate::model::{Area, Metric, Quarter, YearMonth};
use crate::period::followup::{History, SupplierFollowup};
use crate::store::read::{month_exists, read_figures};

/// One row of `year.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRow {
    pub supplier: String,
    pub metric: Metric,
    /// Stored months in which the metric was judged (`ok` or `deviation`).
    pub months_stored: u32,
    pub months_deviating: u32,
}

/// One row of `areas.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRow {
    pub area: Area,
    /// Suppliers with at least one deviating month of a metric of the area.
    pub suppliers_deviating: u32,
    /// (supplier, month) pairs with at least one deviating metric of the area.
    pub months_deviating: u32,
}

/// One row of `quarters.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterRow {
    pub supplier: String,
    pub quarter: Quarter,
    /// A deviating metric in a stored month of the quarter.
    pub action_plan: bool,
}

/// The year's stored months and what follows from them.
pub struct YearData {
    pub year: i32,
    /// The year's stored months, in order.
    pub stored: Vec<YearMonth>,
    /// The year's months that were not run.
    pub missing: Vec<YearMonth>,
    /// Suppliers with a row in a stored month of the year, sorted.
    pub suppliers: Vec<String>,
    pub rules: EscalationConfig,
    history: History,
}

impl YearData {
    /// Reads the year's stored months (their figures only) and, for streaks reaching into the
    /// year, the months before it. `rules` overrides the escalation rules of the year's last
    /// stored month.
    pub fn load(out: &Path, year: i32, rules: Option<EscalationConfig>) -> Result<YearData> {
        let months = YearMonth::of_year(year);
        let (stored, missing): (Vec<YearMonth>, Vec<YearMonth>) = months.iter().partition(|m| month_exists(out, **m));
        if stored.is_empty() {
            return Err(refused(format!(
                "no month of {year} has been run in {}; make each month first with\n  tidkoll monthly --month {year}-MM --visits <besöksfil> --granted <fil> --addons <fil> --out {}",
                out.display(),
                out.display()
            )));
        }
        let mut history = History::default();
        let mut last_rules = EscalationConfig::default();
        for month in &stored {
            let figures = read_figures(out, *month)?;
            history.add_month(*month, &figures.figures);
            last_rules = figures.config.escalation;
        }
        history.load_back(out, months[0])?;
        history.load_rosters(out)?;
        let suppliers = history.suppliers_of(&stored);
        Ok(YearData { year, stored, missing, suppliers, rules: rules.unwrap_or(last_rules), history })
    }

    /// The quarters of the year with at least one stored month.
    pub fn quarters(&self) -> Vec<Quarter> {
        let set: BTreeSet<Quarter> = self.stored.iter().map(|m| m.quarter()).collect();
        set.into_iter().collect()
    }

    /// `year.csv`: per supplier and metric judged in a stored month, in registry order.
    pub fn year_rows(&self) -> Vec<YearRow> {
        let mut rows = Vec::new();
        for supplier in &self.suppliers {
            for metric in self.history.metrics_of(supplier, &self.stored) {
                let judged: Vec<bool> = self.stored.iter().filter_map(|m| self.history.judged(*m, supplier, metric)).collect();
                rows.push(YearRow {
                    supplier: supplier.clone(),
                    metric,
                    months_stored: judged.len() as u32,
                    months_deviating: judged.iter().filter(|d| **d).count() as u32,
                });
            }
        }
        rows
    }

    /// The areas of the account: the eight of SPEC §9's table, then `ovrigt` when some judged
    /// metric falls outside it.
    pub fn areas(&self) -> Vec<Area> {
        let mut areas = Area::ALL.to_vec();
        let outside = self.suppliers.iter().any(|s| self.history.metrics_of(s, &self.stored).iter().any(|m| m.area() == Area::Ovrigt));
        if outside {
            areas.push(Area::Ovrigt);
        }
        areas
    }

    /// Whether the supplier has a deviating metric of the area in the month.
    fn deviates_in(&self, supplier: &str, area: Area, month: YearMonth) -> bool {
        self.history.metrics_of(supplier, &[month]).into_iter().any(|m| m.area() == area && self.history.deviates(month, supplier, m))
    }

    /// `areas.csv`.
    pub fn area_rows(&self) -> Vec<AreaRow> {
        self.areas()
            .into_iter()
            .map(|area| {
                let mut suppliers_deviating = 0;
                let mut months_deviating = 0;
                for supplier in &self.suppliers {
                    let months = self.stored.iter().filter(|m| self.deviates_in(supplier, area, **m)).count() as u32;
                    suppliers_deviating += u32::from(months > 0);
                    months_deviating += months;
                }
                AreaRow { area, suppliers_deviating, months_deviating }
            })
            .collect()
    }

    /// Per area and month of the year: the number of suppliers deviating (`None` for a month
    /// not stored). The development over the year.
    pub fn area_by_month(&self) -> Vec<(Area, [Option<u32>; 12])> {
        let months = YearMonth::of_year(self.year);
        self.areas()
            .into_iter()
            .map(|area| {
                let counts = months.map(|m| {
                    self.history.is_stored(m).then(|| self.suppliers.iter().filter(|s| self.deviates_in(s, area, m)).count() as u32)
                });
                (area, counts)
            })
            .collect()
    }

    /// `quarters.csv`: every supplier of the year and every quarter with a stored month.
    pub fn quarter_rows(&self) -> Vec<QuarterRow> {
        let quarters = self.quarters();
        let mut rows = Vec::new();
        for supplier in &self.suppliers {
            for quarter in &quarters {
                let months: Vec<YearMonth> = quarter.months().into_iter().filter(|m| self.history.is_stored(*m)).collect();
                let action_plan = months.iter().any(|m| {
                    self.history.metrics_of(supplier, &[*m]).into_iter().any(|metric| self.history.deviates(*m, supplier, metric))
                });
                rows.push(QuarterRow { supplier: supplier.clone(), quarter: *quarter, action_plan });
            }
        }
        rows
    }

    /// Each quarter's follow-up (streaks ending at the quarter's last month), for the quarters
    /// with a stored month.
    pub fn followups(&self) -> Vec<(Quarter, Vec<SupplierFollowup>)> {
        self.quarters().into_iter().map(|q| (q, self.history.followup(&q.months(), &self.rules))).collect()
    }

    /// The stored history, for a supplier's streaks.
    pub fn history(&self) -> &History {
        &self.history
    }
}

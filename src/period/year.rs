//! The year (SPEC §9): the committee's annual account from the year's stored months — which
//! suppliers were followed, how often each metric deviated, the areas with deviations, the
//! action plans per quarter, the suppliers proposed for a deeper follow-up, and the year's
//! payment basis (SPEC §10).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;

use crate::config::{Config, EscalationConfig, MunicipalityConfig};
use crate::error::refused;
use crate::model::{Area, Bound, Figure, Flag, Metric, Quarter, Status, Tally, YearMonth, ALL};
use crate::month::figures::tally::Member;
use crate::month::figures::{figure_value, Scope};
use crate::month::payment::PaymentRow;
use crate::period::followup::{History, SupplierFollowup};
use crate::period::payment_sum::PaymentSum;
use crate::store::read::{month_exists, monthly_command, read_month, StoredMonth};

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

/// The municipality's value of a metric over the year's stored months, judged against the
/// requirement in force in the year's last stored month.
#[derive(Debug, Clone, PartialEq)]
pub struct YearValue {
    pub metric: Metric,
    pub value: Option<f64>,
    pub requirement: Option<Bound>,
    pub status: Status,
    /// Stored months in which the municipality's value was judged, and in which it deviated.
    pub months_judged: u32,
    pub months_deviating: u32,
}

/// Raw counts per (supplier, staff member or client).
type MemberCounts = Vec<((String, String), Tally)>;

/// What one stored month adds to the municipality's values of the year: the status of each of
/// its metrics and the raw counts of every staff member and client (per supplier).
struct MonthCounts {
    status: Vec<(Metric, Status)>,
    /// The municipality's flag counts (`flag.<name>`): the stored members do not keep them.
    flag_counts: Vec<(Flag, u32)>,
    staff: MemberCounts,
    clients: MemberCounts,
}

impl MonthCounts {
    fn of(month: &StoredMonth) -> MonthCounts {
        let members = |rows: &[crate::month::analysis::MemberRow]| {
            rows.iter().map(|r| ((r.supplier_id.clone(), r.member_id.clone()), r.tally)).collect()
        };
        MonthCounts {
            status: month.figures.iter().filter(|f| f.supplier_id == ALL).map(|f| (f.metric, f.status)).collect(),
            flag_counts: month
                .figures
                .iter()
                .filter(|f| f.supplier_id == ALL)
                .filter_map(|f| Some((f.metric.counted_flag()?, f.value.unwrap_or(0.0) as u32)))
                .collect(),
            staff: members(&month.staff),
            clients: members(&month.clients),
        }
    }

    fn status(&self, metric: Metric) -> Option<Status> {
        self.status.iter().find(|(m, _)| *m == metric).map(|(_, s)| *s)
    }
}

/// Whether the stored months keep the counts a metric's value for the year is made of: the
/// staff and client tables keep no add-on or status counts, and a median is not a sum of months.
pub fn has_year_value(metric: Metric) -> bool {
    match metric {
        Metric::Figure(Figure::AddonReportingRate | Figure::AddonLateShare | Figure::VisitMinutesMedian | Figure::DeclinedShare) => false,
        Metric::Figure(
            Figure::CheckinRate
            | Figure::CheckinStaffShare
            | Figure::CheckinClientShare
            | Figure::VisitMinutesMean
            | Figure::ShortVisitShare
            | Figure::CompletionRate
            | Figure::CompletionClientShare
            | Figure::UnservedClients
            | Figure::ManualReasonShare
            | Figure::ContinuityMean
            | Figure::QuestionedShare
            | Figure::InvoiceExcessShare,
        )
        | Metric::FlagCount(_)
        | Metric::FlagRate(_) => true,
    }
}

/// The year's staff and clients.
type YearMembers = (Vec<Member>, Vec<Member>);

/// The year's staff and clients over `months`: each member's counts added up over the months.
fn year_members(months: &[&MonthCounts]) -> YearMembers {
    let members = |of: fn(&MonthCounts) -> &MemberCounts| -> Vec<Member> {
        let mut sums: std::collections::BTreeMap<&(String, String), Tally> = std::collections::BTreeMap::new();
        for (key, tally) in months.iter().flat_map(|m| of(m)) {
            *sums.entry(key).or_default() += tally;
        }
        sums.into_values().enumerate().map(|(k, tally)| Member::of_tally(k as u64, tally)).collect()
    };
    (members(|m| &m.staff), members(|m| &m.clients))
}

/// The municipality's value of `metric` over `months`: the months' counts added up per staff
/// member and client (`year_members`) and folded as a month is (`figures::figure_value`), so
/// that a share of the year is the share of all its visits, not a mean of monthly shares. Only
/// for a metric with a year value (`has_year_value`; the caller asks before adding up members).
fn year_value(metric: Metric, months: &[&MonthCounts], (staff, clients): &YearMembers, config: &Config) -> Option<f64> {
    let mut scope = Scope::new(staff, clients, None);
    for (flag, count) in months.iter().flat_map(|m| &m.flag_counts) {
        scope.total.per_flag[*flag as usize] += count;
    }
    match metric {
        Metric::Figure(figure) => figure_value(figure, &scope, config),
        Metric::FlagCount(flag) => Some(f64::from(scope.total.flag_count(flag))),
        Metric::FlagRate(flag) => scope.total.flag_rate(flag),
    }
}

/// The municipality's values of the year for every metric with a requirement: over the stored
/// months in which the municipality's value was judged (a month without the input a figure
/// needs adds nothing to it).
fn municipality_values(months: &[MonthCounts], config: &Config) -> Vec<YearValue> {
    // Most metrics are judged in the same months: their members are added up once per set of
    // months, not once per metric.
    let mut members_of: Vec<(Vec<usize>, YearMembers)> = Vec::new();
    Metric::matrix()
        .filter_map(|metric| {
            let requirement = config.requirement(metric).filter(Bound::is_set)?;
            let which: Vec<usize> = (0..months.len()).filter(|&i| months[i].status(metric).is_some_and(Status::is_judged)).collect();
            let judged: Vec<&MonthCounts> = which.iter().map(|&i| &months[i]).collect();
            let deviating = judged.iter().filter(|m| m.status(metric) == Some(Status::Deviation)).count() as u32;
            let value = if judged.is_empty() || !has_year_value(metric) {
                None
            } else {
                let at = match members_of.iter().position(|(w, _)| *w == which) {
                    Some(at) => at,
                    None => {
                        members_of.push((which, year_members(&judged)));
                        members_of.len() - 1
                    }
                };
                year_value(metric, &judged, &members_of[at].1, config)
            };
            Some(YearValue {
                metric,
                value,
                requirement: Some(requirement),
                status: Status::judge(value, Some(requirement)),
                months_judged: judged.len() as u32,
                months_deviating: deviating,
            })
        })
        .collect()
}

/// The year's payment basis (SPEC §10): the sums of the values the stored months reported in
/// `payment.csv`, per supplier and for the municipality (the months' `ALL` rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearPayment {
    /// Every supplier with a payment row in a stored month of the year, sorted by id.
    pub suppliers: Vec<(String, PaymentSum)>,
    /// The municipality: the months' `ALL` rows added up.
    pub total: PaymentSum,
    /// Stored months without a payment basis (stored before it).
    pub without_basis: Vec<YearMonth>,
    /// Months with a payment basis but without an invoices input.
    pub without_invoices: Vec<YearMonth>,
    /// Months with a payment basis but without an hourly rate.
    pub without_rate: Vec<YearMonth>,
}

impl YearPayment {
    /// The sums of the months' rows; `months` holds each stored month with its rows (none in a
    /// month stored before the payment basis).
    fn of(months: &[(YearMonth, Vec<PaymentRow>)]) -> YearPayment {
        let mut suppliers: std::collections::BTreeMap<&str, PaymentSum> = std::collections::BTreeMap::new();
        let mut year = YearPayment::default();
        for (month, rows) in months {
            let Some(all) = rows.iter().find(|r| r.supplier_id == ALL) else {
                year.without_basis.push(*month);
                continue;
            };
            year.total.add(all);
            if all.invoiced.is_none() {
                year.without_invoices.push(*month);
            }
            if all.questioned_kronor.is_none() {
                year.without_rate.push(*month);
            }
            for row in rows.iter().filter(|r| r.supplier_id != ALL) {
                suppliers.entry(&row.supplier_id).or_default().add(row);
            }
        }
        year.suppliers = suppliers.into_iter().map(|(s, sum)| (s.to_string(), sum)).collect();
        year
    }

    /// Whether some stored month of the year has a payment basis.
    pub fn is_stored(&self) -> bool {
        self.total.months > 0
    }
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
    /// The municipality's values of the year against the requirements, for the summary.
    pub municipality: Vec<YearValue>,
    /// The sender of the report (`[municipality]` of the year's last stored month).
    pub sender: MunicipalityConfig,
    pub payment: YearPayment,
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
                "ingen månad av {year} har körts i {}; kör först varje månad, till exempel\n  {}",
                out.display(),
                monthly_command(out, months[0])
            )));
        }
        let mut history = History::default();
        let mut last_config = Config::default();
        let mut counts = Vec::with_capacity(stored.len());
        let mut payments = Vec::with_capacity(stored.len());
        for month in &stored {
            let read = read_month(out, *month)?;
            history.add_month(*month, &read.figures);
            counts.push(MonthCounts::of(&read));
            payments.push((*month, read.payment));
            last_config = read.config;
        }
        let payment = YearPayment::of(&payments);
        history.load_back(out, months[0])?;
        history.load_rosters(out)?;
        let suppliers = history.suppliers_of(&stored);
        let municipality = municipality_values(&counts, &last_config);
        let rules = rules.unwrap_or(last_config.escalation);
        let sender = last_config.municipality;
        Ok(YearData { year, stored, missing, suppliers, rules, municipality, sender, payment, history })
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

    /// The suppliers with a deviating month in the area, with the number of such months, the
    /// most first (then by name).
    pub fn area_suppliers(&self, area: Area) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = self
            .suppliers
            .iter()
            .map(|s| (s.clone(), self.stored.iter().filter(|m| self.deviates_in(s, area, **m)).count() as u32))
            .filter(|(_, n)| *n > 0)
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Per supplier with a deviating month in the area (in `area_suppliers` order): whether it
    /// deviated in each stored month of the year.
    pub fn area_supplier_months(&self, area: Area) -> Vec<(String, Vec<bool>)> {
        self.area_suppliers(area)
            .into_iter()
            .map(|(s, _)| {
                let months = self.stored.iter().map(|m| self.deviates_in(&s, area, *m)).collect();
                (s, months)
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

    /// The number of stored months of the year in which `supplier` has figures.
    pub fn months_with_data(&self, supplier: &str) -> usize {
        self.stored.iter().filter(|m| self.history.has_supplier(**m, supplier)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::month::analysis::FigureRow;
    use std::collections::BTreeMap;

    fn month(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    /// A year of suppliers A, B and C stored in January, February and April: `deviating` lists
    /// (supplier, month, metric) deviations; every other metric given is `ok`.
    fn year_of(deviating: &[(&str, &str, Metric)], judged: &[Metric]) -> YearData {
        let stored = vec![month("2025-01"), month("2025-02"), month("2025-04")];
        let mut history = History::default();
        for m in &stored {
            let rows: Vec<FigureRow> = ["A", "B", "C"]
                .iter()
                .flat_map(|s| judged.iter().map(move |metric| (*s, *metric)))
                .map(|(s, metric)| {
                    let deviates = deviating.iter().any(|(ds, dm, dmetric)| *ds == s && month(dm) == *m && *dmetric == metric);
                    let status = if deviates { Status::Deviation } else { Status::Ok };
                    FigureRow { supplier_id: s.to_string(), month: *m, metric, value: Some(0.5), status }
                })
                .collect();
            history.add_month(*m, &rows);
        }
        let missing = YearMonth::of_year(2025).into_iter().filter(|m| !stored.contains(m)).collect();
        YearData {
            year: 2025,
            suppliers: history.suppliers_of(&stored),
            stored,
            missing,
            rules: EscalationConfig::default(),
            municipality: Vec::new(),
            sender: MunicipalityConfig::default(),
            payment: YearPayment::default(),
            history,
        }
    }

    #[test]
    fn a_months_flag_counts_are_the_municipalitys_row_not_one_per_supplier() {
        let flag = Flag::ALL[0];
        let row = |supplier: &str, count: f64| FigureRow {
            supplier_id: supplier.to_string(),
            month: month("2025-01"),
            metric: Metric::FlagCount(flag),
            value: Some(count),
            status: Status::Ok,
        };
        let figures = vec![row("A", 2.0), row(ALL, 3.0), row("B", 1.0)];
        let counts = MonthCounts::of(&StoredMonth { figures, ..StoredMonth::empty(month("2025-01"), Config::default()) });
        assert_eq!(counts.flag_counts, vec![(flag, 3)]);
    }

    #[test]
    fn a_share_the_stored_members_keep_no_counts_of_has_no_value_for_the_year() {
        // The staff and client tables keep no status counts: the declined visits of the year
        // cannot be added up, even where every month judged its declined share.
        let declined = Metric::Figure(Figure::DeclinedShare);
        let visited = Tally { visits: 10, ..Tally::default() };
        let month = || MonthCounts {
            status: vec![(declined, Status::Deviation)],
            flag_counts: Vec::new(),
            staff: vec![(("A".to_string(), "s1".to_string()), visited)],
            clients: vec![(("A".to_string(), "k1".to_string()), visited)],
        };
        let values = municipality_values(&[month(), month()], &Config::default());
        let value = values.iter().find(|v| v.metric == declined).expect("the declined share has a default requirement");
        assert_eq!((value.value, value.months_judged, value.months_deviating), (None, 2, 2));
    }

    #[test]
    fn each_metric_adds_up_the_members_of_the_months_it_was_judged_in() {
        let (checkin, short) = (Metric::Figure(Figure::CheckinRate), Metric::Figure(Figure::ShortVisitShare));
        let month = |tally: Tally, status: Vec<(Metric, Status)>| MonthCounts {
            status,
            flag_counts: Vec::new(),
            staff: vec![(("A".to_string(), "s1".to_string()), tally)],
            clients: vec![(("A".to_string(), "k1".to_string()), tally)],
        };
        // January: every visit checked in and short; the short share was not judged.
        let january = month(Tally { visits: 10, checked_in: 10, valid: 10, short: 10, ..Tally::default() }, vec![(checkin, Status::Ok)]);
        // February: no visit checked in or short; both judged.
        let february = month(Tally { visits: 10, valid: 10, ..Tally::default() }, vec![(checkin, Status::Deviation), (short, Status::Ok)]);
        let values = municipality_values(&[january, february], &Config::default());
        let value = |metric| values.iter().find(|v| v.metric == metric).map(|v| (v.value, v.months_judged));
        assert_eq!(value(checkin), Some((Some(0.5), 2)), "10 of the 20 visits of both months");
        assert_eq!(value(short), Some((Some(0.0), 1)), "February's visits only");
    }

    #[test]
    fn a_suppliers_months_with_data_are_the_stored_months_it_has_figures_in() {
        let mut y = year_of(&[], &[CHECKIN]);
        // April again, with D beside A, B and C; D's one metric was not judged.
        let row = |s: &str, status| FigureRow { supplier_id: s.to_string(), month: month("2025-04"), metric: CHECKIN, value: None, status };
        let april = [row("A", Status::Ok), row("B", Status::Ok), row("C", Status::Ok), row("D", Status::Missing)];
        y.history.add_month(month("2025-04"), &april);
        let months = |s| y.months_with_data(s);
        assert_eq!([months("A"), months("D"), months("E")], [3, 1, 0]);
    }

    const CHECKIN: Metric = Metric::Figure(Figure::CheckinRate);
    const COMPLETION: Metric = Metric::Figure(Figure::CompletionRate);

    #[test]
    fn the_areas_count_the_suppliers_and_months_that_deviate_in_them() {
        assert_ne!(CHECKIN.area(), COMPLETION.area());
        let deviating = [
            ("A", "2025-01", CHECKIN),
            ("A", "2025-02", CHECKIN),
            ("B", "2025-04", CHECKIN),
            ("C", "2025-02", CHECKIN),
            ("C", "2025-02", COMPLETION),
            ("B", "2025-01", COMPLETION),
        ];
        let y = year_of(&deviating, &[CHECKIN, COMPLETION]);
        let (checkin, completion) = (CHECKIN.area(), COMPLETION.area());
        assert_eq!(y.areas(), Area::ALL.to_vec(), "no metric outside the areas of SPEC §9");
        assert_eq!(y.area_suppliers(checkin), [("A".to_string(), 2), ("B".to_string(), 1), ("C".to_string(), 1)]);
        assert_eq!(y.area_suppliers(completion), [("B".to_string(), 1), ("C".to_string(), 1)], "A never deviates in it");
        assert_eq!(
            y.area_supplier_months(checkin),
            [
                ("A".to_string(), vec![true, true, false]),
                ("B".to_string(), vec![false, false, true]),
                ("C".to_string(), vec![false, true, false])
            ]
        );
        let by_month: BTreeMap<Area, [Option<u32>; 12]> = y.area_by_month().into_iter().collect();
        let (n, none) = (Some, None);
        assert_eq!(by_month[&checkin], [n(1), n(2), none, n(1), none, none, none, none, none, none, none, none]);
        assert_eq!(by_month[&completion], [n(1), n(1), none, n(0), none, none, none, none, none, none, none, none]);
        let rows: BTreeMap<Area, (u32, u32)> =
            y.area_rows().into_iter().map(|r| (r.area, (r.suppliers_deviating, r.months_deviating))).collect();
        assert_eq!(rows[&checkin], (3, 4));
        assert_eq!(rows[&completion], (2, 2));
        assert!(rows.iter().filter(|(a, _)| **a != checkin && **a != completion).all(|(_, r)| *r == (0, 0)), "{rows:?}");
        let quarters: Vec<(String, Quarter, bool)> = y.quarter_rows().into_iter().map(|r| (r.supplier, r.quarter, r.action_plan)).collect();
        let (q1, q2) = ("2025-Q1".parse().unwrap(), "2025-Q2".parse().unwrap());
        assert_eq!(
            quarters,
            [
                ("A".to_string(), q1, true),
                ("A".to_string(), q2, false),
                ("B".to_string(), q1, true),
                ("B".to_string(), q2, true),
                ("C".to_string(), q1, true),
                ("C".to_string(), q2, false)
            ]
        );
        let a: Vec<(Metric, u32, u32)> =
            y.year_rows().into_iter().filter(|r| r.supplier == "A").map(|r| (r.metric, r.months_stored, r.months_deviating)).collect();
        assert_eq!(a, [(CHECKIN, 3, 2), (COMPLETION, 3, 0)]);
    }

    fn payment_row(supplier: &str, m: &str, registered: i64, invoiced: Option<i64>, kronor: Option<i64>) -> PaymentRow {
        PaymentRow {
            supplier_id: supplier.to_string(),
            month: month(m),
            registered,
            questioned: 0,
            per_reason: [0; crate::model::Questioned::COUNT],
            over_granted: None,
            invoiced,
            invoice_excess: invoiced.map(|_| 0),
            questioned_kronor: kronor,
            invoice_excess_kronor: None,
        }
    }

    #[test]
    fn the_years_payment_basis_adds_up_the_months_and_names_what_each_lacks() {
        let months = [
            (month("2025-01"), Vec::new()),
            (month("2025-02"), vec![payment_row(ALL, "2025-02", 900, None, Some(10)), payment_row("S1", "2025-02", 900, None, Some(10))]),
            (
                month("2025-03"),
                vec![
                    payment_row("S2", "2025-03", 300, Some(300), None),
                    payment_row(ALL, "2025-03", 700, Some(700), None),
                    payment_row("S1", "2025-03", 400, Some(400), None),
                ],
            ),
        ];
        let year = YearPayment::of(&months);
        assert!(year.is_stored());
        assert_eq!((year.total.months, year.total.registered), (2, 1600));
        let suppliers: Vec<(&str, u32, i64)> = year.suppliers.iter().map(|(s, sum)| (s.as_str(), sum.months, sum.registered)).collect();
        assert_eq!(suppliers, [("S1", 2, 1300), ("S2", 1, 300)]);
        assert_eq!(year.without_basis, [month("2025-01")]);
        assert_eq!(year.without_invoices, [month("2025-02")]);
        assert_eq!(year.without_rate, [month("2025-03")]);
        assert!(!YearPayment::of(&months[..1]).is_stored());
    }
}

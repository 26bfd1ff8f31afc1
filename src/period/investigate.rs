//! The investigation of one supplier over a month or a quarter: its figures beside the
//! municipality's, its staff and clients ranked by what is wrong, its flagged visits, and the
//! distributions behind the charts (visit lengths, gaps at the same client, visits per day),
//! and its payment basis (SPEC §10): the questioned visits and the invoiced time without
//! support. Everything is read from the stored months; nothing is recomputed from the exports.

use crate::bytes_map::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, NaiveDate};

use crate::error::{refused, usage};
use crate::model::ALL;
use crate::model::{consecutive_order, Bound, Figure, Metric, Tally};
use crate::model::{Flag, Questioned};
use crate::model::{Quarter, YearMonth};
use crate::month::analysis::{FigureRow, FlagRow};
use crate::month::payment::{InvoiceCheckRow, PaymentRow, QuestionedRow};
use crate::period::followup::{History, SupplierFollowup};
use crate::period::payment_sum::PaymentSum;
use crate::store::read::{check_same_key, month_exists, monthly_command, read_flags, read_month_of, read_visits, StoredMonth, StoredVisit};

/// The period investigated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month(YearMonth),
    Quarter(Quarter),
    Year(i32),
}

impl Period {
    pub fn months(self) -> Vec<YearMonth> {
        match self {
            Period::Month(m) => vec![m],
            Period::Quarter(q) => q.months().to_vec(),
            Period::Year(y) => YearMonth::of_year(y).to_vec(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => write!(f, "{m}"),
            Period::Quarter(q) => write!(f, "{q}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

/// Width of the gap histogram: gaps of 0 to `GAP_MINUTES` minutes, one bin per minute.
pub const GAP_MINUTES: usize = 10;

/// A staff member's figures over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRow {
    pub staff_id: String,
    pub visits: u32,
    pub checked_in: u32,
    pub checkin_rate: f64,
    /// Enough visits (`min_visits`) to be judged against the check-in requirement.
    pub judged: bool,
    pub below_requirement: bool,
    pub flagged_visits: u32,
    /// Distinct flagged visits per flag.
    pub flags: BTreeMap<Flag, u32>,
}

/// A client's figures over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow {
    pub client_id: String,
    pub visits: u32,
    /// None for a client with granted time but no visit in the period.
    pub checkin_rate: Option<f64>,
    pub distinct_staff: u32,
    /// Share of the client's visits with valid duration made by its most frequent staff member.
    pub top_staff_share: Option<f64>,
    pub granted_minutes: Option<f64>,
    pub completion_rate: Option<f64>,
    pub completion_outside: bool,
    pub single_staff: bool,
    pub flagged_visits: u32,
}

impl ClientRow {
    /// How many kinds of problem the client shows (completion outside, single staff, flags).
    pub fn problems(&self) -> u32 {
        u32::from(self.completion_outside) + u32::from(self.single_staff) + u32::from(self.flagged_visits > 0)
    }
}

/// One flagged visit with what the investigation shows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggedVisit {
    pub month: YearMonth,
    pub visit_id: String,
    pub flag: Flag,
    pub related_visit_id: Option<String>,
    pub client_id: String,
    pub staff_id: String,
    pub check_in_local: String,
    pub minutes: Option<f64>,
}

/// One questioned visit (SPEC §10) with what the investigation shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionedVisit {
    pub month: YearMonth,
    pub reason: Questioned,
    pub visit_id: String,
    pub client_id: String,
    pub staff_id: String,
    pub check_in_local: String,
    /// The visit's valid duration in hundredths of a minute, as `questioned.csv` holds it.
    pub minutes: i64,
}

/// The supplier's payment basis over the period, from the stored months.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payment {
    /// Per stored month (in order), the supplier's row of `payment.csv`; `None` in a month
    /// stored before the payment basis.
    pub months: Vec<Option<PaymentRow>>,
    /// The months' rows added up.
    pub total: PaymentSum,
    /// The questioned visits, month by month in `questioned.csv`'s order (reason, visit id).
    pub questioned: Vec<QuestionedVisit>,
    /// The clients invoiced beyond their supported time: those without supported time first,
    /// then month by month, the largest excess first.
    pub unsupported: Vec<InvoiceCheckRow>,
}

impl Payment {
    fn of(stored: &[StoredMonth], supplier: &str, questioned: Vec<QuestionedVisit>) -> Payment {
        let months: Vec<Option<PaymentRow>> =
            stored.iter().map(|m| m.payment.iter().find(|p| p.supplier_id == supplier).cloned()).collect();
        let total = PaymentSum::of(months.iter().flatten());
        let mut unsupported: Vec<InvoiceCheckRow> =
            stored.iter().flat_map(|m| &m.invoice_check).filter(|r| r.supplier_id == supplier && r.excess > 0).cloned().collect();
        unsupported.sort_by(|a, b| {
            (a.supported > 0, a.month, std::cmp::Reverse(a.excess), &a.client_id).cmp(&(
                b.supported > 0,
                b.month,
                std::cmp::Reverse(b.excess),
                &b.client_id,
            ))
        });
        Payment { months, total, questioned, unsupported }
    }

    /// Whether some stored month of the period has the supplier's payment basis.
    pub fn is_stored(&self) -> bool {
        self.months.iter().any(Option::is_some)
    }

    /// Of the clients and months invoiced beyond their supported time: how many have no
    /// supported time at all, and the minutes without support summed over all of them.
    pub fn unsupported_sum(&self) -> (usize, i64) {
        (self.unsupported.iter().filter(|r| r.supported == 0).count(), self.unsupported.iter().map(|r| r.excess).sum())
    }

    /// The questioned visits and their minutes per reason, in SPEC §10's order.
    pub fn per_reason(&self) -> Vec<(Questioned, usize, i64)> {
        Questioned::ALL
            .into_iter()
            .map(|q| {
                let visits = self.questioned.iter().filter(|v| v.reason == q);
                let (n, minutes) = visits.fold((0, 0), |(n, m), v| (n + 1, m + v.minutes));
                (q, n, minutes)
            })
            .collect()
    }
}

/// A staff member's working day over the limit (`long_day`).
#[derive(Debug, Clone, PartialEq)]
pub struct LongDay {
    pub staff_id: String,
    pub date: String,
    pub visits: u32,
    pub minutes: f64,
}

/// Registrations that cannot all be true, gathered for the officer (SPEC §4 `long_day`,
/// `no_day_off`, `during_absence`, and `unserved_clients`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Implausible {
    pub long_days: Vec<LongDay>,
    /// Per staff member, the days worked without rest (the 11th day in a row and later).
    pub days_without_rest: Vec<(String, Vec<String>)>,
    /// Per month, the absences the supplier's visits were registered during, with how many.
    pub absences: Vec<(YearMonth, String, u32)>,
    /// Per month, the clients with granted time whom nobody visited, with their granted minutes.
    pub unserved: Vec<(YearMonth, String, f64)>,
}

impl Implausible {
    fn gather(flagged: &[FlaggedVisit], stored: &[StoredMonth], supplier: &str) -> Implausible {
        let mut days: BTreeMap<(&str, &str), (u32, f64)> = BTreeMap::new();
        let mut rest: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for f in flagged {
            let date = f.check_in_local.get(..10).unwrap_or("");
            match f.flag {
                Flag::LongDay => {
                    let day = days.entry((&f.staff_id, date)).or_default();
                    day.0 += 1;
                    day.1 += f.minutes.unwrap_or(0.0);
                }
                Flag::NoDayOff => {
                    rest.entry(&f.staff_id).or_default().insert(date);
                }
                // Implausible days are the staff members' long days and days without rest;
                // the other flags are listed with the flagged visits.
                Flag::Duplicate
                | Flag::RepeatedService
                | Flag::Adjacent
                | Flag::StaffOverlap
                | Flag::SingleStaff
                | Flag::MissingCheckout
                | Flag::NegativeDuration
                | Flag::Overlong
                | Flag::DuringAbsence
                | Flag::ShortTravel
                | Flag::DeclinedRemainder => {}
            }
        }
        let long_days = days
            .into_iter()
            .map(|((staff, date), (visits, minutes))| LongDay { staff_id: staff.to_string(), date: date.to_string(), visits, minutes })
            .collect();
        let days_without_rest =
            rest.into_iter().map(|(staff, dates)| (staff.to_string(), dates.into_iter().map(str::to_string).collect())).collect();
        let mut absences = Vec::new();
        let mut unserved = Vec::new();
        for m in stored {
            let periods = m.evidence.iter().filter(|e| e.supplier_id == supplier && e.kind == crate::month::evidence::Kind::Absence);
            absences.extend(periods.map(|e| (m.month, e.id.clone(), e.value.unwrap_or(0.0) as u32)));
            let clients = m.clients.iter().filter(|c| c.supplier_id == supplier && c.tally.unserved > 0);
            unserved.extend(clients.map(|c| (m.month, c.member_id.clone(), c.tally.granted.map_or(0.0, |g| g.minutes()))));
        }
        Implausible { long_days, days_without_rest, absences, unserved }
    }

    pub fn is_empty(&self) -> bool {
        self.long_days.is_empty() && self.days_without_rest.is_empty() && self.absences.is_empty() && self.unserved.is_empty()
    }
}

pub struct Investigation {
    pub supplier: String,
    pub period: Period,
    /// The period's months that were run, with their stored results.
    pub stored: Vec<StoredMonth>,
    /// The period's months that were not run.
    pub missing: Vec<YearMonth>,
    /// Staff ranked by check-in rate (lowest first; judged before unjudged).
    pub staff: Vec<StaffRow>,
    /// Clients ranked by problems, then flagged visits, then distance of completion from range.
    pub clients: Vec<ClientRow>,
    pub flagged: Vec<FlaggedVisit>,
    /// Valid visit lengths in minutes.
    pub durations: Vec<f64>,
    /// Gaps between consecutive visits at the same client, counted per whole minute 0..=10.
    pub gap_bins: [u64; GAP_MINUTES + 1],
    /// All gaps measured (also those over 10 minutes or negative).
    pub gaps_measured: u64,
    pub per_day: BTreeMap<NaiveDate, u64>,
    pub implausible: Implausible,
    /// The supplier's deviating metrics with how many months in a row each has lasted, up to
    /// the period's last stored month (SPEC §9; months before the period count).
    pub followup: Option<SupplierFollowup>,
    pub payment: Payment,
}

fn ms_to_minutes(ms: i64) -> f64 {
    ms as f64 / 60_000.0
}

/// A visit's valid duration in minutes (SPEC §3): checked out, not before its check-in, and at
/// most `max_valid` minutes long.
fn valid_minutes(v: &StoredVisit, max_valid: f64) -> Option<f64> {
    v.check_out_ms.map(|out| ms_to_minutes(out - v.check_in_ms)).filter(|d| *d >= 0.0 && *d <= max_valid)
}

fn local_string(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

impl Investigation {
    /// Loads the period for `supplier`. An unknown supplier lists the known ones (exit 2); a
    /// period without any stored month is refused (exit 3) naming the command that makes it.
    pub fn load(out: &Path, supplier: &str, period: Period) -> Result<Investigation> {
        let (present, missing): (Vec<YearMonth>, Vec<YearMonth>) = period.months().into_iter().partition(|m| month_exists(out, *m));
        if present.is_empty() {
            let first = period.months()[0];
            return Err(refused(format!("{period}: ingen sparad månad i {}; kör först\n  {}", out.display(), monthly_command(out, first))));
        }
        let stored: Vec<StoredMonth> = present.iter().map(|m| read_month_of(out, *m, Some(supplier))).collect::<Result<_>>()?;
        check_same_key(&stored)?;
        check_supplier(&stored, supplier, period)?;
        let mut seen = Collected::default();
        for month in &stored {
            let visits = read_visits(out, month.month, supplier)?;
            let max_valid = month.config.parameters.max_valid_minutes;
            let valid = |v: &StoredVisit| valid_minutes(v, max_valid);
            seen.add_visits(&visits, &valid);
            seen.add_gaps(&visits, &valid);
            let flags = read_flags(out, month.month, Some(supplier))?.into_iter();
            seen.add_flags(month.month, flags, &visits);
            seen.add_questioned(month.month, &month.questioned, supplier, &visits);
        }
        let latest = stored.last().expect("at least one month");
        let checkin_req = latest.config.requirement(Metric::Figure(Figure::CheckinRate)).unwrap_or_default();
        let completion_req = latest.config.requirement(Metric::Figure(Figure::CompletionRate)).unwrap_or_default();
        let min_visits = latest.config.parameters.min_visits;
        let staff = rank_staff(&stored, supplier, checkin_req, min_visits, &seen.staff_flags);
        let clients =
            rank_clients(&stored, supplier, completion_req, &seen.client_staff, &seen.client_all_staff, &seen.single_staff_clients);
        let implausible = Implausible::gather(&seen.flagged, &stored, supplier);
        let followup = followup_of(out, &stored, supplier, period)?;
        let payment = Payment::of(&stored, supplier, seen.questioned);
        Ok(Investigation {
            supplier: supplier.to_string(),
            period,
            stored,
            missing,
            staff,
            clients,
            flagged: seen.flagged,
            durations: seen.durations,
            gap_bins: seen.gap_bins,
            gaps_measured: seen.gaps_measured,
            per_day: seen.per_day,
            implausible,
            followup,
            payment,
        })
    }

    /// The supplier's (or `ALL`'s) value and status of a figure, per stored month.
    pub fn series(&self, supplier: &str, metric: Metric) -> Vec<Option<&FigureRow>> {
        self.stored.iter().map(|m| m.figures.iter().find(|f| f.supplier_id == supplier && f.metric == metric)).collect()
    }

    /// Distinct flagged visits per flag over the period.
    pub fn flag_counts(&self) -> BTreeMap<Flag, usize> {
        let mut seen: BTreeMap<Flag, BTreeSet<(YearMonth, &str)>> = BTreeMap::new();
        for f in &self.flagged {
            seen.entry(f.flag).or_default().insert((f.month, &f.visit_id));
        }
        seen.into_iter().map(|(flag, set)| (flag, set.len())).collect()
    }
}

/// The supplier's follow-up over the period up to its last stored month, with the stored
/// months before the period that its streaks reach into.
fn followup_of(out: &Path, stored: &[StoredMonth], supplier: &str, period: Period) -> Result<Option<SupplierFollowup>> {
    let mut history = History::default();
    for month in stored {
        history.add_month(month.month, &month.figures);
    }
    let months = period.months();
    history.load_back(out, months[0])?;
    history.load_rosters(out)?;
    let latest = stored.last().expect("at least one month");
    let span: Vec<YearMonth> = months.into_iter().filter(|m| *m <= latest.month).collect();
    Ok(history.followup(&span, &latest.config.escalation).into_iter().find(|f| f.supplier == supplier))
}

/// Each member's tally summed over the stored months.
fn tallies_over<'a>(rows: impl Iterator<Item = &'a crate::month::analysis::MemberRow>) -> BTreeMap<&'a str, Tally> {
    let mut sums: BTreeMap<&str, Tally> = BTreeMap::new();
    for r in rows {
        *sums.entry(&r.member_id).or_default() += &r.tally;
    }
    sums
}

/// An unknown supplier is a usage error that lists the suppliers of the period.
fn check_supplier(stored: &[StoredMonth], supplier: &str, period: Period) -> Result<()> {
    let known: BTreeSet<&str> =
        stored.iter().flat_map(|m| m.figures.iter().map(|f| f.supplier_id.as_str())).filter(|s| *s != ALL).collect();
    if known.contains(supplier) {
        return Ok(());
    }
    let list: Vec<&str> = known.into_iter().collect();
    // What the user typed is shown without a personnummer it may hold (stored names hold none).
    let typed = crate::ingest::source::one_line(&crate::privacy::mask(supplier));
    Err(usage(format!(
        "utföraren '{typed}' finns inte bland utförarna för {period} (inga besök, ingen beviljad tid och inga tilläggsrapporter); utförarna för {period} är: {}",
        list.join(", ")
    )))
}

/// What the investigation gathers from the stored visits and flags, month by month.
#[derive(Default)]
struct Collected {
    flagged: Vec<FlaggedVisit>,
    durations: Vec<f64>,
    gap_bins: [u64; GAP_MINUTES + 1],
    gaps_measured: u64,
    per_day: BTreeMap<NaiveDate, u64>,
    /// Per client: valid visits per staff member.
    client_staff: HashMap<String, HashMap<String, u32>>,
    client_all_staff: HashMap<String, BTreeSet<String>>,
    /// Per staff member: distinct flagged visits (`month/visit`) per flag.
    staff_flags: HashMap<String, BTreeMap<Flag, BTreeSet<String>>>,
    single_staff_clients: BTreeSet<String>,
    questioned: Vec<QuestionedVisit>,
}

impl Collected {
    /// The distributions of the performed visits (the flagged list names any registration).
    fn add_visits(&mut self, visits: &[StoredVisit], valid: &dyn Fn(&StoredVisit) -> Option<f64>) {
        for v in visits.iter().filter(|v| v.status.is_performed()) {
            *self.per_day.entry(DateTime::from_timestamp_millis(v.local_in_ms).map_or(NaiveDate::MIN, |t| t.date_naive())).or_default() +=
                1;
            self.client_all_staff.entry(v.client_id.clone()).or_default().insert(v.staff_id.clone());
            if let Some(d) = valid(v) {
                self.durations.push(d);
                *self.client_staff.entry(v.client_id.clone()).or_default().entry(v.staff_id.clone()).or_default() += 1;
            }
        }
    }

    /// Gaps: consecutive visits with valid duration at the same client, ordered by check-in
    /// then visit id, as the adjacency flags order them.
    fn add_gaps(&mut self, visits: &[StoredVisit], valid: &dyn Fn(&StoredVisit) -> Option<f64>) {
        let mut per_client: HashMap<&str, Vec<&StoredVisit>> = HashMap::default();
        for v in visits.iter().filter(|v| v.status.is_performed() && valid(v).is_some()) {
            per_client.entry(v.client_id.as_str()).or_default().push(v);
        }
        for list in per_client.values_mut() {
            list.sort_by(|a, b| consecutive_order((a.check_in_ms, &a.visit_id), (b.check_in_ms, &b.visit_id)));
            for pair in list.windows(2) {
                let gap = ms_to_minutes(pair[1].check_in_ms - pair[0].check_out_ms.expect("valid duration"));
                self.gaps_measured += 1;
                if (0.0..(GAP_MINUTES + 1) as f64).contains(&gap) {
                    self.gap_bins[gap.floor() as usize] += 1;
                }
            }
        }
    }

    fn add_flags(&mut self, month: YearMonth, rows: impl Iterator<Item = FlagRow>, visits: &[StoredVisit]) {
        let by_id: HashMap<&str, &StoredVisit> = visits.iter().map(|v| (v.visit_id.as_str(), v)).collect();
        for row in rows {
            let visit = by_id.get(row.visit_id.as_str());
            if let Some(v) = visit {
                let per_flag = self.staff_flags.entry(v.staff_id.clone()).or_default();
                per_flag.entry(row.flag).or_default().insert(format!("{month}/{}", row.visit_id));
                if row.flag == Flag::SingleStaff {
                    self.single_staff_clients.insert(v.client_id.clone());
                }
            }
            self.flagged.push(FlaggedVisit {
                month,
                visit_id: row.visit_id,
                flag: row.flag,
                related_visit_id: row.related_visit_id,
                client_id: visit.map(|v| v.client_id.clone()).unwrap_or_default(),
                staff_id: visit.map(|v| v.staff_id.clone()).unwrap_or_default(),
                check_in_local: visit.map(|v| local_string(v.local_in_ms)).unwrap_or_default(),
                minutes: visit.and_then(|v| v.check_out_ms.map(|o| ms_to_minutes(o - v.check_in_ms))),
            });
        }
    }
}

impl Collected {
    /// The supplier's questioned visits of a month, joined with its stored visits for the
    /// client, the staff member and the local check-in time.
    fn add_questioned(&mut self, month: YearMonth, rows: &[QuestionedRow], supplier: &str, visits: &[StoredVisit]) {
        let by_id: HashMap<&str, &StoredVisit> = visits.iter().map(|v| (v.visit_id.as_str(), v)).collect();
        for row in rows.iter().filter(|r| r.supplier_id == supplier) {
            let visit = by_id.get(row.visit_id.as_str());
            self.questioned.push(QuestionedVisit {
                month,
                reason: row.reason,
                visit_id: row.visit_id.clone(),
                client_id: visit.map(|v| v.client_id.clone()).unwrap_or_default(),
                staff_id: visit.map(|v| v.staff_id.clone()).unwrap_or_default(),
                check_in_local: visit.map(|v| local_string(v.local_in_ms)).unwrap_or_default(),
                minutes: row.minutes,
            });
        }
    }
}

fn rank_staff(
    stored: &[StoredMonth],
    supplier: &str,
    requirement: Bound,
    min_visits: u32,
    flags: &HashMap<String, BTreeMap<Flag, BTreeSet<String>>>,
) -> Vec<StaffRow> {
    let sums = tallies_over(stored.iter().flat_map(|m| &m.staff).filter(|s| s.supplier_id == supplier));
    let mut rows: Vec<StaffRow> = sums
        .into_iter()
        .map(|(id, t)| {
            let checkin_rate = t.checkin_rate().unwrap_or(0.0);
            let judgement = t.meets_checkin(min_visits, requirement);
            let judged = judgement.is_some();
            StaffRow {
                staff_id: id.to_string(),
                visits: t.visits,
                checked_in: t.checked_in,
                checkin_rate,
                judged,
                below_requirement: judgement == Some(false),
                flagged_visits: t.flagged,
                flags: flags.get(id).map(|m| m.iter().map(|(f, set)| (*f, set.len() as u32)).collect()).unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.judged
            .cmp(&a.judged)
            .then(a.checkin_rate.total_cmp(&b.checkin_rate))
            .then(b.flagged_visits.cmp(&a.flagged_visits))
            .then_with(|| a.staff_id.cmp(&b.staff_id))
    });
    rows
}

fn rank_clients(
    stored: &[StoredMonth],
    supplier: &str,
    range: Bound,
    client_staff: &HashMap<String, HashMap<String, u32>>,
    client_all_staff: &HashMap<String, BTreeSet<String>>,
    single_staff: &BTreeSet<String>,
) -> Vec<ClientRow> {
    let sums = tallies_over(stored.iter().flat_map(|m| &m.clients).filter(|c| c.supplier_id == supplier));
    let distance = |rate: f64| range.distance(rate);
    let mut rows: Vec<ClientRow> = sums
        .into_iter()
        .map(|(id, t)| {
            let completion_rate = t.completion();
            let top_staff_share = client_staff.get(id).and_then(|per_staff| {
                let total: u32 = per_staff.values().sum();
                per_staff.values().max().map(|top| f64::from(*top) / f64::from(total))
            });
            ClientRow {
                client_id: id.to_string(),
                visits: t.visits,
                checkin_rate: t.checkin_rate(),
                distinct_staff: client_all_staff.get(id).map_or(0, |s| s.len() as u32),
                top_staff_share,
                granted_minutes: t.granted.map(|g| g.minutes()),
                completion_rate,
                completion_outside: t.completion_within(range) == Some(false),
                single_staff: single_staff.contains(id),
                flagged_visits: t.flagged,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.problems()
            .cmp(&a.problems())
            .then(b.flagged_visits.cmp(&a.flagged_visits))
            .then(b.completion_rate.map_or(0.0, distance).total_cmp(&a.completion_rate.map_or(0.0, distance)))
            .then_with(|| a.client_id.cmp(&b.client_id))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn month(m: u32) -> YearMonth {
        YearMonth::new(2025, m).unwrap()
    }

    /// A stored month with only the tables a test gives it.
    fn stored(m: u32, payment: Vec<PaymentRow>, invoice_check: Vec<InvoiceCheckRow>) -> StoredMonth {
        StoredMonth { payment, invoice_check, ..StoredMonth::empty(month(m), Config::default()) }
    }

    fn payment_row(supplier: &str, m: u32, registered: i64) -> PaymentRow {
        PaymentRow {
            supplier_id: supplier.to_string(),
            month: month(m),
            registered,
            questioned: 0,
            per_reason: [0; Questioned::COUNT],
            over_granted: None,
            invoiced: None,
            invoice_excess: None,
            questioned_kronor: None,
            invoice_excess_kronor: None,
        }
    }

    fn check(supplier: &str, client: &str, m: u32, supported: i64, excess: i64) -> InvoiceCheckRow {
        InvoiceCheckRow {
            supplier_id: supplier.to_string(),
            client_id: client.to_string(),
            month: month(m),
            invoiced: supported + excess,
            supported,
            excess,
        }
    }

    #[test]
    fn the_payment_basis_is_the_suppliers_own_rows_with_the_clients_without_support_first() {
        let months = [
            stored(
                3,
                vec![payment_row("S2", 3, 900), payment_row("S1", 3, 600)],
                vec![
                    check("S1", "a", 3, 1000, 500),
                    check("S1", "b", 3, 0, 300),
                    check("S1", "c", 3, 2000, 900),
                    check("S1", "f", 3, 800, 0),
                    check("S2", "g", 3, 0, 4000),
                ],
            ),
            stored(4, Vec::new(), vec![check("S1", "d", 4, 0, 700), check("S1", "e", 4, 500, 100)]),
        ];
        let p = Payment::of(&months, "S1", Vec::new());
        assert_eq!(p.months, [Some(payment_row("S1", 3, 600)), None]);
        assert_eq!((p.total.months, p.total.registered), (1, 600));
        assert!(p.is_stored());
        let order: Vec<(YearMonth, &str)> = p.unsupported.iter().map(|r| (r.month, r.client_id.as_str())).collect();
        assert_eq!(
            order,
            [(month(3), "b"), (month(4), "d"), (month(3), "c"), (month(3), "a"), (month(4), "e")],
            "without supported time first, then month by month, the largest excess first; no excess of 0, no other supplier"
        );
        assert_eq!(p.unsupported_sum(), (2, 300 + 700 + 900 + 500 + 100));
        assert!(!Payment::of(&months[1..], "S1", Vec::new()).is_stored(), "April has no payment row");
    }

    fn questioned(reason: Questioned, visit: &str, minutes: i64) -> QuestionedVisit {
        QuestionedVisit {
            month: month(3),
            reason,
            visit_id: visit.to_string(),
            client_id: String::new(),
            staff_id: String::new(),
            check_in_local: String::new(),
            minutes,
        }
    }

    #[test]
    fn questioned_visits_are_counted_and_their_minutes_added_per_reason() {
        let visits = vec![
            questioned(Questioned::Duplicate, "v1", 1500),
            questioned(Questioned::ManualWithoutReason, "v2", 2000),
            questioned(Questioned::Duplicate, "v3", 250),
        ];
        let p = Payment { questioned: visits, ..Payment::default() };
        assert_eq!(
            p.per_reason(),
            [
                (Questioned::DuringAbsence, 0, 0),
                (Questioned::Duplicate, 2, 1750),
                (Questioned::StaffOverlap, 0, 0),
                (Questioned::ManualWithoutReason, 1, 2000),
            ]
        );
    }

    #[test]
    fn implausible_registrations_are_empty_only_without_any_of_the_four_kinds() {
        assert!(Implausible::default().is_empty());
        let day = LongDay { staff_id: "p1".to_string(), date: "2025-03-03".to_string(), visits: 9, minutes: 800.0 };
        let only = [
            Implausible { long_days: vec![day], ..Implausible::default() },
            Implausible { days_without_rest: vec![("p1".to_string(), vec!["2025-03-14".to_string()])], ..Implausible::default() },
            Implausible { absences: vec![(month(3), "K-1: sjukhus".to_string(), 2)], ..Implausible::default() },
            Implausible { unserved: vec![(month(3), "K-2".to_string(), 120.0)], ..Implausible::default() },
        ];
        for im in only {
            assert!(!im.is_empty(), "{im:?}");
        }
    }

    fn member(supplier: &str, id: &str, tally: Tally) -> crate::month::analysis::MemberRow {
        crate::month::analysis::MemberRow::with_tally(supplier, id, tally)
    }

    fn staff_tally(visits: u32, checked_in: u32, flagged: u32) -> Tally {
        Tally { visits, checked_in, flagged, ..Tally::default() }
    }

    /// A client with `visits` visits, `flagged` of them flagged, `performed` valid minutes and
    /// `granted` minutes granted (none: no granted row).
    fn client_tally(visits: u32, flagged: u32, performed: i64, granted: Option<f64>) -> Tally {
        let mut t = Tally { visits, valid: visits, valid_seconds: performed * 60, flagged, ..Tally::default() };
        t.grant(granted.map(crate::model::ExactMinutes::from_minutes));
        t
    }

    #[test]
    fn staff_are_ranked_judged_first_by_check_in_rate_then_flagged_visits() {
        let mut march = stored(3, Vec::new(), Vec::new());
        march.staff = vec![
            member("S1", "p1", staff_tally(6, 5, 1)),
            member("S1", "p2", staff_tally(10, 5, 0)),
            member("S1", "p3", staff_tally(2, 0, 0)),
            member("S1", "p4", staff_tally(10, 5, 3)),
            member("S2", "p9", staff_tally(10, 0, 0)),
        ];
        let mut april = stored(4, Vec::new(), Vec::new());
        april.staff = vec![member("S1", "p1", staff_tally(4, 4, 0))];
        let mut flags: HashMap<String, BTreeMap<Flag, BTreeSet<String>>> = HashMap::default();
        let visits = ["2025-03/v1", "2025-03/v2"].map(str::to_string).into_iter().collect();
        flags.entry("p4".to_string()).or_default().insert(Flag::Duplicate, visits);
        let requirement = Bound { min: Some(0.9), max: None };
        let rows = rank_staff(&[march, april], "S1", requirement, 5, &flags);
        let got: Vec<(&str, u32, u32, bool, bool)> =
            rows.iter().map(|r| (r.staff_id.as_str(), r.visits, r.checked_in, r.judged, r.below_requirement)).collect();
        assert_eq!(
            got,
            [("p4", 10, 5, true, true), ("p2", 10, 5, true, true), ("p1", 10, 9, true, false), ("p3", 2, 0, false, false)],
            "p1's months added up; p3 has too few visits to be judged; no other supplier's staff"
        );
        assert_eq!(rows[0].flags, BTreeMap::from([(Flag::Duplicate, 2)]));
        assert!(rows[1].flags.is_empty());
    }

    #[test]
    fn clients_are_ranked_by_problems_then_flagged_visits_then_distance_from_the_range() {
        let mut march = stored(3, Vec::new(), Vec::new());
        march.clients = vec![
            member("S1", "k1", client_tally(4, 0, 60, Some(100.0))),
            member("S1", "k2", client_tally(2, 2, 60, Some(60.0))),
            member("S1", "k3", client_tally(3, 1, 45, None)),
            member("S1", "k4", client_tally(1, 0, 20, Some(100.0))),
            member("S2", "k9", client_tally(5, 5, 10, Some(100.0))),
        ];
        let per_staff = |pairs: &[(&str, u32)]| pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect::<HashMap<String, u32>>();
        let client_staff: HashMap<String, HashMap<String, u32>> =
            [("k1", per_staff(&[("p1", 3), ("p2", 1)])), ("k2", per_staff(&[("p1", 2)])), ("k3", per_staff(&[("p2", 3)]))]
                .into_iter()
                .map(|(c, m)| (c.to_string(), m))
                .collect();
        let all_staff: HashMap<String, BTreeSet<String>> =
            [("k1", vec!["p1", "p2"]), ("k2", vec!["p1"]), ("k3", vec!["p2"]), ("k4", vec!["p3"])]
                .into_iter()
                .map(|(c, s)| (c.to_string(), s.into_iter().map(str::to_string).collect()))
                .collect();
        let single: BTreeSet<String> = BTreeSet::from(["k3".to_string()]);
        let range = Bound { min: Some(0.75), max: Some(1.0) };
        let rows = rank_clients(&[march], "S1", range, &client_staff, &all_staff, &single);
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.client_id.as_str(), r.problems(), r.completion_rate, r.completion_outside, r.top_staff_share, r.distinct_staff))
            .collect();
        assert_eq!(
            got,
            [
                ("k3", 2, None, false, Some(1.0), 1),
                ("k2", 1, Some(1.0), false, Some(1.0), 1),
                ("k4", 1, Some(0.2), true, None, 1),
                ("k1", 1, Some(0.6), true, Some(0.75), 2),
            ],
            "k3 is single-staffed and flagged; k2 has more flagged visits than k4 and k1; k4 lies farther outside than k1"
        );
    }

    #[test]
    fn a_clients_problems_are_its_kinds_of_problem() {
        let client = |completion_outside, single_staff, flagged_visits| ClientRow {
            client_id: "k1".to_string(),
            visits: 3,
            checkin_rate: Some(1.0),
            distinct_staff: 1,
            top_staff_share: Some(1.0),
            granted_minutes: Some(60.0),
            completion_rate: Some(0.5),
            completion_outside,
            single_staff,
            flagged_visits,
        };
        let problems = [(false, false, 0), (false, false, 1), (false, true, 0), (true, false, 0), (true, true, 2), (false, true, 1)]
            .map(|(outside, single, flagged)| client(outside, single, flagged).problems());
        assert_eq!(problems, [0, 1, 1, 1, 3, 2]);
    }

    fn flagged(flag: Flag, visit: &str, staff: &str, check_in: &str, minutes: f64) -> FlaggedVisit {
        FlaggedVisit {
            month: month(3),
            visit_id: visit.to_string(),
            flag,
            related_visit_id: None,
            client_id: "k1".to_string(),
            staff_id: staff.to_string(),
            check_in_local: check_in.to_string(),
            minutes: Some(minutes),
        }
    }

    fn evidence_row(supplier: &str, kind: crate::month::evidence::Kind, id: &str, value: f64) -> crate::month::evidence::EvidenceRow {
        crate::month::evidence::EvidenceRow {
            supplier_id: supplier.to_string(),
            evidence: crate::model::Evidence::Flagged(Flag::DuringAbsence),
            kind,
            id: id.to_string(),
            value: Some(value),
            detail: None,
        }
    }

    #[test]
    fn implausible_registrations_gather_long_days_days_without_rest_absences_and_unserved_clients() {
        use crate::month::evidence::Kind;
        let flagged = [
            flagged(Flag::LongDay, "v1", "p1", "2025-03-03 07:00", 300.0),
            flagged(Flag::Duplicate, "v1", "p1", "2025-03-03 07:00", 300.0),
            flagged(Flag::LongDay, "v2", "p1", "2025-03-03 13:00", 250.0),
            flagged(Flag::NoDayOff, "v3", "p2", "2025-03-15 08:00", 30.0),
            flagged(Flag::NoDayOff, "v4", "p2", "2025-03-14 08:00", 30.0),
            flagged(Flag::NoDayOff, "v5", "p2", "2025-03-14 12:00", 30.0),
        ];
        let mut march = stored(3, Vec::new(), Vec::new());
        march.evidence = vec![
            evidence_row("S1", Kind::Absence, "K-1: sjukhus, 2025-03-10 – 2025-03-14", 2.0),
            evidence_row("S1", Kind::Visit, "v9", 0.0),
            evidence_row("S2", Kind::Absence, "K-2: sjukhus, 2025-03-01 – 2025-03-02", 5.0),
        ];
        march.clients = vec![
            member("S1", "k3", client_tally(0, 0, 0, Some(30.0))),
            member("S1", "k4", client_tally(2, 0, 40, Some(30.0))),
            member("S2", "k9", client_tally(0, 0, 0, Some(90.0))),
        ];
        let im = Implausible::gather(&flagged, &[march], "S1");
        let day = LongDay { staff_id: "p1".to_string(), date: "2025-03-03".to_string(), visits: 2, minutes: 550.0 };
        assert_eq!(im.long_days, [day]);
        assert_eq!(im.days_without_rest, [("p2".to_string(), vec!["2025-03-14".to_string(), "2025-03-15".to_string()])]);
        assert_eq!(im.absences, [(month(3), "K-1: sjukhus, 2025-03-10 – 2025-03-14".to_string(), 2)]);
        assert_eq!(im.unserved, [(month(3), "k3".to_string(), 30.0)], "k4 was visited; k9 is another supplier's");
    }

    fn stored_visit(id: &str, client: &str, staff: &str, minutes: i64) -> StoredVisit {
        // 2025-03-03 08:00 UTC, 09:00 in Stockholm.
        let check_in_ms = 1_740_988_800_000;
        StoredVisit {
            visit_id: id.to_string(),
            client_id: client.to_string(),
            staff_id: staff.to_string(),
            check_in_ms,
            check_out_ms: Some(check_in_ms + minutes * 60_000),
            local_in_ms: check_in_ms + 3_600_000,
            status: crate::model::VisitStatus::Performed,
        }
    }

    #[test]
    fn gaps_between_a_clients_visits_are_counted_and_binned_by_whole_minutes_up_to_the_histograms_width() {
        // One client's visits of 10 minutes each, started so that the gaps after them are 0,
        // 4, GAP_MINUTES and GAP_MINUTES + 1 minutes; another client's visit in between counts
        // for no gap of the first.
        let mut start = 0;
        let mut visits = Vec::new();
        for (k, gap) in [0, 4, GAP_MINUTES as i64, GAP_MINUTES as i64 + 1, 0].into_iter().enumerate() {
            let v = stored_visit(&format!("v{k}"), "k1", "p1", 10);
            let shift = start * 60_000;
            visits.push(StoredVisit { check_in_ms: v.check_in_ms + shift, check_out_ms: v.check_out_ms.map(|o| o + shift), ..v });
            start += 10 + gap;
        }
        visits.push(stored_visit("w1", "k2", "p1", 10));
        let mut seen = Collected::default();
        seen.add_gaps(&visits, &|v: &StoredVisit| valid_minutes(v, 720.0));
        assert_eq!(seen.gaps_measured, 4, "four gaps between k1's five visits, none for k2's one");
        let mut bins = [0; GAP_MINUTES + 1];
        bins[0] = 1;
        bins[4] = 1;
        bins[GAP_MINUTES] = 1;
        assert_eq!(seen.gap_bins, bins, "a gap of GAP_MINUTES + 1 minutes lies outside the histogram");
    }

    #[test]
    fn a_valid_duration_is_checked_out_not_negative_and_at_most_the_limit() {
        let valid = |minutes| valid_minutes(&stored_visit("v1", "k1", "p1", minutes), 720.0);
        assert_eq!([valid(45), valid(0), valid(720)], [Some(45.0), Some(0.0), Some(720.0)]);
        assert_eq!([valid(-5), valid(721)], [None, None], "out before in, or longer than max_valid_minutes");
        let open = StoredVisit { check_out_ms: None, ..stored_visit("v2", "k1", "p1", 30) };
        assert_eq!(valid_minutes(&open, 720.0), None, "never checked out");
    }

    #[test]
    fn flag_rows_are_joined_with_their_visits_and_only_single_staff_names_a_single_staffed_client() {
        let visits = [stored_visit("v1", "k1", "p1", 45), stored_visit("v2", "k2", "p2", 30)];
        let row = |flag, visit: &str, related: Option<&str>| FlagRow {
            supplier_id: "S1".to_string(),
            flag,
            visit_id: visit.to_string(),
            related_visit_id: related.map(str::to_string),
        };
        let rows = vec![
            row(Flag::Duplicate, "v1", Some("v2")),
            row(Flag::SingleStaff, "v2", None),
            row(Flag::Duplicate, "v2", Some("v1")),
            row(Flag::Adjacent, "gone", None),
        ];
        let mut seen = Collected::default();
        seen.add_flags(month(3), rows.into_iter(), &visits);
        assert_eq!(seen.single_staff_clients, BTreeSet::from(["k2".to_string()]), "only the single_staff flag names a client");
        let per_staff: BTreeMap<&str, Vec<(Flag, usize)>> = seen
            .staff_flags
            .iter()
            .map(|(staff, flags)| (staff.as_str(), flags.iter().map(|(f, set)| (*f, set.len())).collect()))
            .collect();
        assert_eq!(
            per_staff,
            BTreeMap::from([("p1", vec![(Flag::Duplicate, 1)]), ("p2", vec![(Flag::Duplicate, 1), (Flag::SingleStaff, 1)])])
        );
        let first = &seen.flagged[0];
        assert_eq!(
            (first.client_id.as_str(), first.staff_id.as_str(), first.check_in_local.as_str(), first.minutes),
            ("k1", "p1", "2025-03-03 09:00", Some(45.0))
        );
        assert_eq!(first.related_visit_id.as_deref(), Some("v2"));
        let unknown = &seen.flagged[3];
        assert_eq!(
            (unknown.visit_id.as_str(), unknown.client_id.as_str(), unknown.minutes),
            ("gone", "", None),
            "a flag row without its visit"
        );
    }
}

//! One tally of raw counts per staff member, client, supplier and the municipality. Every key
//! figure but the median is a quotient of these counts, and the tally of a supplier is the sum
//! of its clients' tallies, so a figure is computed by one fold wherever it is shown: in the
//! month's figures, the drill-down, the evidence, the plans and the investigation. Sums are of
//! whole numbers (seconds, visits, fixed-point minutes), the same in any order.

use super::metric::Flag;
use super::payment::{Questioned, MICROS_PER_SECOND};
use super::rows::ExactMinutes;
use super::status::Bound;

/// Raw counts of a set of visits, granted rows and add-on reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub visits: u32,
    /// Checked in and out with verified methods.
    pub checked_in: u32,
    /// Visits with a valid duration.
    pub valid: u32,
    /// Σ valid durations in seconds.
    pub valid_seconds: i64,
    /// Valid durations under `short_visit_minutes`.
    pub short: u32,
    /// Distinct visits carrying any flag.
    pub flagged: u32,
    /// Distinct visits per flag, indexed by `Flag as usize`.
    pub per_flag: [u32; Flag::COUNT],
    /// Σ granted minutes of the clients that have a granted row (none without such a client).
    pub granted: Option<ExactMinutes>,
    /// Σ valid durations in seconds of visits to clients that have a granted row.
    pub performed_seconds: i64,
    /// Delivered (client, add-on) pairs, and of them those with a report of quantity > 0.
    pub addons_delivered: u32,
    pub addons_reported: u32,
    /// Add-on report rows, and of them those received after the deadline.
    pub reports: u32,
    pub late_reports: u32,
    /// Clients with granted minutes > 0 and no visit.
    pub unserved: u32,
    /// Visits with a manual method (from exports with a `manual_reason` column), and of them
    /// those with a reason.
    pub manual: u32,
    pub manual_with_reason: u32,
    /// Clients in the continuity measurement, and Σ their numbers of distinct staff.
    pub continuity_clients: u32,
    pub continuity_staff: u64,
    /// Registrations that are not performed visits (declined, not at home, cancelled); none
    /// in an export without a status column.
    pub not_performed: u32,
    /// Of them, those where the client declined or was not at home.
    pub declined: u32,
    /// Σ valid durations in seconds of the visits questioned for each reason (SPEC §10),
    /// indexed by `Questioned as usize`.
    pub questioned_seconds: [i64; Questioned::COUNT],
    /// Σ over the clients with granted minutes > 0 of their unquestioned time beyond the
    /// granted, in microseconds.
    pub over_granted_micros: i64,
    /// Σ invoiced minutes of the clients that have an invoice row (none without such a client).
    pub invoiced: Option<ExactMinutes>,
    /// Σ over the clients with an invoice row of their invoiced time beyond the supported
    /// (unquestioned) time, in microseconds.
    pub invoice_excess_micros: i64,
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

impl Tally {
    /// Gives a staff member or client its granted time, and with it the counts that follow
    /// from it: the valid seconds that count toward completion, and whether a client with
    /// granted time was left without a visit.
    pub fn grant(&mut self, granted: Option<ExactMinutes>) {
        self.granted = granted;
        self.performed_seconds = if granted.is_some() { self.valid_seconds } else { 0 };
        self.unserved = u32::from(granted.is_some_and(|g| g.is_positive()) && self.visits == 0);
        let granted = granted.filter(|g| g.is_positive());
        self.over_granted_micros = granted.map_or(0, |g| (self.unquestioned_micros() - g.micros()).max(0));
    }

    /// Gives a client its invoiced minutes, and with them the invoiced time its unquestioned
    /// visits do not support (SPEC §10). Called after the client's visits are counted.
    pub fn invoice(&mut self, invoiced: Option<ExactMinutes>) {
        self.invoiced = invoiced;
        self.invoice_excess_micros = invoiced.map_or(0, |i| (i.micros() - self.unquestioned_micros()).max(0));
    }

    /// Σ valid durations of the questioned visits, in seconds.
    pub fn questioned_total_seconds(&self) -> i64 {
        self.questioned_seconds.iter().sum()
    }

    /// Σ valid durations of the visits not questioned, in microseconds: the time the
    /// registrations support.
    pub fn unquestioned_micros(&self) -> i64 {
        (self.valid_seconds - self.questioned_total_seconds()) * MICROS_PER_SECOND
    }

    /// `over_granted_minutes` of SPEC §10 in microseconds; missing without a granted row.
    pub fn over_granted(&self) -> Option<i64> {
        self.granted.map(|_| self.over_granted_micros)
    }

    /// `questioned_share`: questioned over registered time; missing without registered time.
    pub fn questioned_share(&self) -> Option<f64> {
        (self.valid_seconds > 0).then(|| self.questioned_total_seconds() as f64 / self.valid_seconds as f64)
    }

    /// `invoice_excess_share`: invoiced time without support over invoiced time; missing
    /// without an invoice row or when the invoiced minutes sum to 0.
    pub fn invoice_excess_share(&self) -> Option<f64> {
        let invoiced = self.invoiced.filter(|i| i.is_positive())?;
        Some(self.invoice_excess_micros as f64 / invoiced.micros() as f64)
    }

    /// `checkin_rate`: verified check-in and check-out over all visits.
    pub fn checkin_rate(&self) -> Option<f64> {
        share(self.checked_in, self.visits)
    }

    /// Visits without verified check-in and check-out.
    pub fn unverified(&self) -> u32 {
        self.visits - self.checked_in
    }

    /// `visit_minutes_mean`: Σ valid seconds / 60 / valid visits.
    pub fn minutes_mean(&self) -> Option<f64> {
        (self.valid > 0).then(|| self.valid_seconds as f64 / 60.0 / f64::from(self.valid))
    }

    /// `short_visit_share`: short valid durations over all valid durations.
    pub fn short_share(&self) -> Option<f64> {
        share(self.short, self.valid)
    }

    /// `completion_rate`: performed minutes over granted minutes; missing without a granted
    /// row or when the granted minutes sum to 0.
    pub fn completion(&self) -> Option<f64> {
        let granted = self.granted.filter(|g| g.is_positive())?;
        Some(self.performed_seconds as f64 / 60.0 / granted.minutes())
    }

    /// `addon_reporting_rate`: delivered pairs with a report over delivered pairs.
    pub fn addon_reporting_rate(&self) -> Option<f64> {
        share(self.addons_reported, self.addons_delivered)
    }

    /// Delivered add-on pairs without a report.
    pub fn addons_unreported(&self) -> u32 {
        self.addons_delivered - self.addons_reported
    }

    /// `addon_late_share`: late report rows over all report rows.
    pub fn addon_late_share(&self) -> Option<f64> {
        share(self.late_reports, self.reports)
    }

    /// `unserved_clients`: clients with granted time and no visit; missing without a granted
    /// row.
    pub fn unserved_clients(&self) -> Option<f64> {
        self.granted.map(|_| f64::from(self.unserved))
    }

    /// `manual_reason_share`: manual registrations with a reason over all manual ones.
    pub fn manual_reason_share(&self) -> Option<f64> {
        share(self.manual_with_reason, self.manual)
    }

    /// Manual registrations without a reason.
    pub fn manual_without_reason(&self) -> u32 {
        self.manual - self.manual_with_reason
    }

    /// `continuity_mean`: the mean number of distinct staff over qualifying clients.
    pub fn continuity_mean(&self) -> Option<f64> {
        (self.continuity_clients > 0).then(|| self.continuity_staff as f64 / f64::from(self.continuity_clients))
    }

    /// `declined_share`: declined and not-at-home registrations over every registration of
    /// any status; missing without a registration.
    pub fn declined_share(&self) -> Option<f64> {
        share(self.declined, self.visits + self.not_performed)
    }

    /// Distinct visits carrying `flag`.
    pub fn flag_count(&self, flag: Flag) -> u32 {
        self.per_flag[flag as usize]
    }

    /// `flag_rate.<name>`: flagged visits per 1,000 visits; missing without visits.
    pub fn flag_rate(&self, flag: Flag) -> Option<f64> {
        (self.visits > 0).then(|| f64::from(self.flag_count(flag)) * 1000.0 / f64::from(self.visits))
    }
}

impl std::ops::AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, o: &Tally) {
        // Every count is named: a count added to `Tally` does not compile here until it is
        // summed.
        let Tally {
            visits,
            checked_in,
            valid,
            valid_seconds,
            short,
            flagged,
            per_flag,
            granted,
            performed_seconds,
            addons_delivered,
            addons_reported,
            reports,
            late_reports,
            unserved,
            manual,
            manual_with_reason,
            continuity_clients,
            continuity_staff,
            not_performed,
            declined,
            questioned_seconds,
            over_granted_micros,
            invoiced,
            invoice_excess_micros,
        } = *o;
        self.visits += visits;
        self.checked_in += checked_in;
        self.valid += valid;
        self.valid_seconds += valid_seconds;
        self.short += short;
        self.flagged += flagged;
        for (a, b) in self.per_flag.iter_mut().zip(per_flag) {
            *a += b;
        }
        let add = |a: Option<ExactMinutes>, b: Option<ExactMinutes>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.granted = add(self.granted, granted);
        self.invoiced = add(self.invoiced, invoiced);
        for (a, b) in self.questioned_seconds.iter_mut().zip(questioned_seconds) {
            *a += b;
        }
        self.over_granted_micros += over_granted_micros;
        self.invoice_excess_micros += invoice_excess_micros;
        self.performed_seconds += performed_seconds;
        self.addons_delivered += addons_delivered;
        self.addons_reported += addons_reported;
        self.reports += reports;
        self.late_reports += late_reports;
        self.unserved += unserved;
        self.manual += manual;
        self.manual_with_reason += manual_with_reason;
        self.continuity_clients += continuity_clients;
        self.continuity_staff += continuity_staff;
        self.not_performed += not_performed;
        self.declined += declined;
    }
}

impl<'a> std::iter::Sum<&'a Tally> for Tally {
    fn sum<I: Iterator<Item = &'a Tally>>(iter: I) -> Tally {
        iter.fold(Tally::default(), |mut sum, t| {
            sum += t;
            sum
        })
    }
}

impl Tally {
    /// A client's own completion judgement: whether its completion lies in `range`, or `None`
    /// without granted minutes > 0 (not judged).
    pub fn completion_within(&self, range: Bound) -> Option<bool> {
        self.completion().map(|rate| range.contains(rate))
    }

    /// A staff member's or client's own check-in judgement: whether its check-in rate meets
    /// `requirement`, or `None` with fewer than `min_visits` visits or none at all (not judged).
    pub fn meets_checkin(&self, min_visits: u32, requirement: Bound) -> Option<bool> {
        (self.visits >= min_visits && self.visits > 0).then(|| self.checkin_rate().is_some_and(|r| requirement.contains(r)))
    }
}

/// `checkin_staff_share` / `checkin_client_share`: among members with at least `min_visits`
/// visits, the share whose own check-in rate meets `requirement`; missing when none has enough.
pub fn checkin_member_share<'a>(members: impl Iterator<Item = &'a Tally>, min_visits: u32, requirement: Bound) -> Option<f64> {
    let (mut judged, mut passed) = (0u32, 0u32);
    for meets in members.filter_map(|m| m.meets_checkin(min_visits, requirement)) {
        judged += 1;
        passed += u32::from(meets);
    }
    share(passed, judged)
}

/// `completion_client_share`: among clients with granted minutes > 0, the share whose own
/// completion lies within `range`; missing without such a client.
pub fn completion_client_share<'a>(clients: impl Iterator<Item = &'a Tally>, range: Bound) -> Option<f64> {
    let (mut judged, mut within) = (0u32, 0u32);
    for inside in clients.filter_map(|c| c.completion_within(range)) {
        judged += 1;
        within += u32::from(inside);
    }
    share(within, judged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(visits: u32, checked_in: u32, valid_seconds: i64, granted: Option<f64>) -> Tally {
        let granted = granted.map(ExactMinutes::from_minutes);
        Tally {
            visits,
            checked_in,
            valid: visits,
            valid_seconds,
            granted,
            performed_seconds: if granted.is_some() { valid_seconds } else { 0 },
            ..Tally::default()
        }
    }

    #[test]
    fn a_supplier_is_the_sum_of_its_clients() {
        let clients = [client(10, 9, 6000, Some(100.0)), client(4, 0, 2400, None), client(0, 0, 0, Some(60.0))];
        let supplier: Tally = clients.iter().sum();
        assert_eq!(supplier.visits, 14);
        assert_eq!(supplier.checkin_rate(), Some(9.0 / 14.0));
        assert_eq!(supplier.minutes_mean(), Some(8400.0 / 60.0 / 14.0));
        // Only visits to clients with granted time count: 100 of 160 granted minutes.
        assert_eq!(supplier.completion(), Some(100.0 / 160.0));
        let range = Bound { min: Some(0.75), max: Some(1.0) };
        assert_eq!(completion_client_share(clients.iter(), range), Some(0.5), "1.0 within, 0 outside");
    }

    #[test]
    fn the_declined_share_counts_every_status_in_its_denominator() {
        // 6 performed visits; 2 declined, 1 not at home and 1 cancelled registration.
        let t = Tally { visits: 6, not_performed: 4, declined: 3, ..Tally::default() };
        assert_eq!(t.declined_share(), Some(3.0 / 10.0));
        let only_declined = Tally { not_performed: 2, declined: 2, ..Tally::default() };
        assert_eq!(only_declined.declined_share(), Some(1.0));
        assert_eq!(only_declined.flag_rate(Flag::DeclinedRemainder), None, "no performed visit: no rate");
        assert_eq!(Tally::default().declined_share(), None);
    }

    #[test]
    fn missing_rather_than_zero() {
        let empty = Tally::default();
        assert_eq!(empty.checkin_rate(), None);
        assert_eq!(empty.completion(), None);
        assert_eq!(empty.flag_rate(Flag::Adjacent), None);
        assert_eq!(empty.addon_reporting_rate(), None);
        let zero_granted = client(3, 3, 600, Some(0.0));
        assert_eq!(zero_granted.completion(), None, "granted minutes summing to 0");
        assert_eq!(completion_client_share([zero_granted].iter(), Bound::default()), None);
    }

    #[test]
    fn member_share_judges_only_members_with_enough_visits_inclusive_bounds() {
        let req = Bound { min: Some(0.9), max: None };
        let members = [client(10, 9, 0, None), client(10, 8, 0, None), client(9, 0, 0, None)];
        assert_eq!(checkin_member_share(members.iter(), 10, req), Some(0.5));
        assert_eq!(checkin_member_share(members.iter(), 11, req), None);
    }
}

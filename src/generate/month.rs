//! One generated month: per supplier its clients (the same every month), each day's visits
//! with staff who are never planned at two clients at once, the planted anomalies, and the
//! granted-time and add-on files. The random draws come in a fixed order, so a seed gives the
//! same files every time.

use std::path::Path;

use anyhow::Result;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::headers::header;
use super::{
    absence_stamp, existing, fake_personnummer, local_stamp, method, short_form, stamp, status_word, Client, Dialect, GenVisit, MonthFiles,
    Plant, Profile, Shape,
};
use super::{Rng, Writer, AREAS, MANUAL_REASONS, NEW_SUPPLIER, PROFILES, SERVICES};
use crate::model::{InputKind, VisitStatus, YearMonth};

/// The files of one month being written.
struct Outputs {
    visits: Writer,
    granted: Option<Writer>,
    addons: Option<Writer>,
    absences: Option<Writer>,
    invoices: Option<Writer>,
}

impl Outputs {
    fn open(dir: &Path, month: YearMonth, dialect: Dialect, extras: bool) -> Result<Outputs> {
        let file = |kind: InputKind| Writer::create(&dir.join(format!("{kind}-{month}.csv")), dialect, &header(kind, dialect));
        let visits = file(InputKind::Visits)?;
        let granted = extras.then(|| file(InputKind::Granted)).transpose()?;
        let addons = extras.then(|| file(InputKind::Addons)).transpose()?;
        let absences = extras.then(|| file(InputKind::Absences)).transpose()?;
        let invoices = extras.then(|| file(InputKind::Invoices)).transpose()?;
        Ok(Outputs { visits, granted, addons, absences, invoices })
    }
}

/// One supplier of the month and what is tallied over its days.
struct Supplier {
    index: usize,
    name: String,
    profile: Profile,
    /// Staff members to choose from.
    pool: usize,
    /// The regular clients, then the clients of planted scenarios.
    clients: Vec<Client>,
    regular_clients: usize,
    /// The staff member who serves a single-staff client every day of the month.
    single_staff: Vec<usize>,
    /// On day 20, the end of a client's first visit and the start of its second (for an
    /// absence just between them).
    absence_gap: Option<(usize, NaiveDateTime, NaiveDateTime)>,
    planned_total: Vec<f64>,
    /// Add-on services delivered per client.
    delivered: Vec<Vec<&'static str>>,
    /// Minutes of performed visits with a check-out per client.
    performed: Vec<f64>,
    /// Written as a municipality exports (`Shape::Municipality`).
    municipal: bool,
}

/// The supplier's clients, drawn from a generator seeded by supplier, not month, so that the
/// clients are the same every month and trends can be followed.
fn make_clients(index: usize, pool: usize, count: usize, profile: &Profile, seed: u64, personnummer_share: f64) -> Vec<Client> {
    let mut client_rng = Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    (0..count)
        .map(|c| {
            let id = if personnummer_share > 0.0 && client_rng.chance(personnummer_share) {
                fake_personnummer(&mut client_rng)
            } else {
                format!("K{:02}{:05}", index + 1, c + 1)
            };
            let start = client_rng.below(pool as u64) as usize;
            let team: Vec<usize> = (0..3 + client_rng.below(3) as usize).map(|k| (start + k) % pool).collect();
            let single = client_rng.chance(profile.single_staff_clients).then_some(team[0]);
            let visits_per_day = 2 + client_rng.below(2) as u32;
            let windows: &[(u32, u32)] =
                if visits_per_day == 2 { &[(420, 630), (960, 1200)] } else { &[(420, 600), (660, 810), (1020, 1260)] };
            let times = windows.iter().map(|&(from, to)| from + client_rng.below(u64::from(to - from)) as u32).collect();
            Client {
                id,
                area: AREAS[c % AREAS.len()],
                unserved: count > profile.unserved_clients + 1 && c >= count - profile.unserved_clients,
                team,
                single,
                times,
                meals: client_rng.chance(0.5),
                laundry: client_rng.chance(0.3),
                alarm: client_rng.chance(0.2),
            }
        })
        .collect()
}

/// A visit a client wants on a day: its start, the client and its services.
type Wanted = (NaiveDateTime, usize, Vec<&'static str>);

/// Every visit the clients want on `date`, in order of start.
fn wanted_visits(clients: &[Client], date: NaiveDate, rng: &mut Rng) -> Vec<Wanted> {
    let day = chrono::Datelike::day(&date);
    let mut wanted: Vec<Wanted> = Vec::new();
    for (ci, client) in clients.iter().enumerate().filter(|(_, c)| !c.unserved && !c.times.is_empty()) {
        let last = client.times.len() - 1;
        for (k, &minute) in client.times.iter().enumerate() {
            let jitter = rng.below(31) as i64 - 15;
            let t = date.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(minute) + jitter);
            let mut services = vec![if k == 0 && day % 3 == 0 { "DUSCH" } else { "OMV" }];
            if k == 1 && client.meals {
                services.push("MATD");
            }
            if k == 0 && day % 7 == 2 {
                services.push("SERV");
            }
            if k == 0 && day % 7 == 4 {
                services.push("INK");
            }
            if k == last && client.laundry && day % 7 == 5 {
                services.push("TVATT");
            }
            wanted.push((existing(t), ci, services));
        }
        if client.alarm && rng.chance(0.1) {
            wanted.push((existing(date.and_hms_opt(2, 30, 0).unwrap()), ci, vec!["LARM"]));
        }
    }
    wanted.sort_by_key(|(t, ci, _)| (*t, *ci));
    wanted
}

/// Clients of the planted scenarios (no granted time, visited only by the scenarios), one
/// per district and then again, so that two of them share a district.
const PLANTED_CLIENTS: usize = 8;

impl Supplier {
    fn new(index: usize, name: String, profile: Profile, pool: usize, mut clients: Vec<Client>) -> Supplier {
        let regular_clients = clients.len();
        // The carer of the first single-staff client never has a day off (`no_day_off`).
        let single_staff: Vec<usize> = clients.iter().find_map(|c| c.single).into_iter().collect();
        clients.extend((0..PLANTED_CLIENTS).map(|k| Client {
            id: format!("K{:02}P{k:03}", index + 1),
            area: AREAS[k % AREAS.len()],
            unserved: false,
            team: Vec::new(),
            single: None,
            times: Vec::new(),
            meals: false,
            laundry: false,
            alarm: false,
        }));
        let (planned_total, delivered, performed) = (vec![0.0; clients.len()], vec![Vec::new(); clients.len()], vec![0.0; clients.len()]);
        Supplier {
            index,
            name,
            profile,
            pool,
            clients,
            regular_clients,
            single_staff,
            absence_gap: None,
            planned_total,
            delivered,
            performed,
            municipal: false,
        }
    }

    /// For the near-miss absence: client 2's first two visits with a check-out on the day.
    fn note_absence_gap(&mut self, generated: &[GenVisit]) {
        if !self.profile.plants.contains(&Plant::NearMisses) || self.regular_clients < 3 {
            return;
        }
        let mut visits: Vec<&GenVisit> = generated.iter().filter(|g| g.client == 2 && g.minutes.is_some()).collect();
        visits.sort_by_key(|g| g.start);
        if let [first, second, ..] = visits[..] {
            let end = first.start + Duration::minutes(first.minutes.expect("checked out") as i64);
            if end < second.start {
                self.absence_gap = Some((2, end, second.start));
            }
        }
    }

    /// The visits of the planted scenarios, at clients of their own and by staff of their own.
    fn planted_visits(&self, month: YearMonth) -> Vec<GenVisit> {
        let at = |day: u32, h: u32, m: u32| month.day_clamped(day).and_hms_opt(h, m, 0).expect("a time of day");
        let (client, staff) = (|k: usize| self.regular_clients + k, |k: usize| self.pool + k);
        let visit = |k: usize, st: usize, start: NaiveDateTime, minutes: f64| GenVisit {
            client: client(k),
            staff: staff(st),
            start,
            minutes: Some(minutes),
            services: vec!["OMV"],
            planned: 30.0,
            verified: true,
            status: VisitStatus::Performed,
        };
        let mut out = Vec::new();
        for plant in self.profile.plants {
            match plant {
                // Five visits of 125 minutes on day 3: 625 minutes, more than 600.
                Plant::LongDay => out.extend((0..5).map(|k| visit(k, 0, at(3, 7, 0) + Duration::minutes(135 * k as i64), 125.0))),
                // Centrum until 22:45, Norr from 22:49: four minutes between two districts.
                Plant::ShortTravel => out.extend([visit(0, 1, at(5, 22, 30), 15.0), visit(1, 1, at(5, 22, 49), 15.0)]),
                Plant::NearMisses => {
                    // Five visits of 120 minutes on day 4: exactly 600 minutes.
                    out.extend((0..5).map(|k| visit(k, 2, at(4, 7, 0) + Duration::minutes(130 * k as i64), 120.0)));
                    // Exactly 5 minutes from Centrum to Norr, then exactly 1 minute within Norr.
                    out.extend([visit(0, 3, at(6, 22, 30), 15.0), visit(1, 3, at(6, 22, 50), 15.0), visit(6, 3, at(6, 23, 6), 15.0)]);
                }
                Plant::VisitsDuringAbsence => {}
                Plant::DeclinedAfterShortVisits => {
                    // Visits of 3 minutes; the rest registered as declined 0, 1 and 2 minutes
                    // after by the same staff member, and 0 minutes after by another.
                    let declined =
                        |k: usize, st: usize, start: NaiveDateTime, status| GenVisit { minutes: None, status, ..visit(k, st, start, 0.0) };
                    for (k, gap, other) in [(0, 0, 0), (1, 1, 0), (2, 2, 0), (3, 0, 1)] {
                        let start = at(7, 9 + k as u32, 0);
                        out.push(visit(k, 4, start, 3.0));
                        let status = if k == 1 { VisitStatus::NotHome } else { VisitStatus::Declined };
                        out.push(declined(k, 4 + other, start + Duration::minutes(3 + gap), status));
                    }
                }
            }
        }
        out
    }

    /// The absences the municipality knows of for this supplier's clients.
    fn write_absences(&self, w: &mut Writer, month: YearMonth) -> Result<()> {
        let dialect = w.dialect;
        let id = |c: usize| if dialect == Dialect::Swedish { short_form(&self.clients[c].id) } else { self.clients[c].id.clone() };
        let date = |m: YearMonth, day: u32| m.day_clamped(day).format("%Y-%m-%d").to_string();
        let mut rows: Vec<[String; 4]> = Vec::new();
        if self.profile.plants.contains(&Plant::VisitsDuringAbsence) && self.regular_clients >= 3 {
            // In hospital days 10–14 while the visits went on; in short-term care from day 25 at 08:00,
            // with no end given yet.
            rows.push([id(0), date(month, 10), date(month, 14), "sjukhus".into()]);
            let care = month.day_clamped(25).and_hms_opt(8, 0, 0).expect("08:00");
            rows.push([id(1), absence_stamp(dialect, care), String::new(), "korttidsboende".into()]);
            // Short-term care in the month before: outside this month.
            let before = YearMonth::of(month.first_day() - Duration::days(1));
            rows.push([id(2), date(before, 5), date(before, 9), "korttidsboende".into()]);
        }
        if let Some((c, from, to)) = self.absence_gap {
            // Away between two visits: the second begins as the absence ends, and is not flagged.
            rows.push([id(c), absence_stamp(dialect, from), absence_stamp(dialect, to), "sjukhus".into()]);
        }
        for row in rows {
            for field in &row {
                w.field(field);
            }
            w.end_line()?;
        }
        Ok(())
    }

    /// A free staff member for a visit starting at `start` (moving the start when nobody is).
    /// Whether a staff member works on `day`: ten days on, two off, shifted per staff member,
    /// so nobody works more than ten days in a row (the planted carer excepted).
    fn works(&self, st: usize, day: u32) -> bool {
        self.single_staff.contains(&st) || (day as usize + st) % 12 < 10
    }

    fn pick_staff(&self, client: &Client, start: &mut NaiveDateTime, busy_until: &[NaiveDateTime], rng: &mut Rng) -> usize {
        let day = chrono::Datelike::day(start);
        let free = |st: &usize| busy_until[*st] <= *start && self.works(*st, day);
        let preferred: Vec<usize> = match client.single {
            Some(st) if rng.chance(0.95) => vec![st],
            _ if self.profile.random_staff => (0..self.pool).collect(),
            _ => client.team.clone(),
        };
        let candidates: Vec<usize> = preferred.iter().copied().filter(free).collect();
        if !candidates.is_empty() {
            return candidates[rng.below(candidates.len() as u64) as usize];
        }
        let any: Vec<usize> = (0..self.pool).filter(free).collect();
        if any.is_empty() {
            let st = (0..self.pool).filter(|st| self.works(*st, day)).min_by_key(|st| busy_until[*st]).unwrap();
            *start = busy_until[st] + Duration::minutes(2);
            st
        } else {
            any[rng.below(any.len() as u64) as usize]
        }
    }

    /// The day's regular visits. Staff are busy until their visit ends, so nobody is planned
    /// at two clients at once.
    fn schedule(&mut self, wanted: Vec<Wanted>, date: NaiveDate, rng: &mut Rng) -> Vec<GenVisit> {
        let mut busy_until = vec![date.and_hms_opt(0, 0, 0).unwrap(); self.pool];
        let mut generated: Vec<GenVisit> = Vec::new();
        for (mut start, ci, services) in wanted {
            let planned: f64 = services.iter().map(|s| SERVICES.iter().find(|(c, _)| c == s).unwrap().1).sum();
            self.planned_total[ci] += planned;
            let staff = self.pick_staff(&self.clients[ci], &mut start, &busy_until, rng);
            let mut minutes = planned * self.profile.length_factor * (0.8 + 0.4 * rng.unit());
            if rng.chance(self.profile.short_visits) {
                minutes = 1.0 + 3.0 * rng.unit();
            }
            let minutes = minutes.round().max(1.0);
            busy_until[staff] = start + Duration::minutes(minutes as i64 + 5);
            // The client declined at the door or was not at home: registered, no care given.
            let status = match rng.chance(self.profile.declined) {
                false => VisitStatus::Performed,
                true if rng.chance(0.5) => VisitStatus::Declined,
                true => VisitStatus::NotHome,
            };
            for s in &services {
                if (*s == "MATD" || *s == "TVATT") && !self.delivered[ci].contains(s) {
                    self.delivered[ci].push(s);
                }
            }
            generated.push(GenVisit {
                client: ci,
                staff,
                start,
                minutes: (status == VisitStatus::Performed && !rng.chance(self.profile.missing_checkout)).then_some(minutes),
                services,
                planned,
                verified: !rng.chance(self.profile.unverified),
                status,
            });
        }
        generated
    }

    /// Planted anomalies, each a copy or follow-on of a regular visit of the day.
    fn plant_anomalies(&self, generated: &mut Vec<GenVisit>, rng: &mut Rng) {
        let profile = &self.profile;
        for i in 0..generated.len() {
            let Some(minutes) = generated[i].minutes else { continue };
            if rng.chance(profile.declined_remainder) {
                // Cut short at a third, the rest registered as declined right after.
                let short = (minutes / 3.0).round().max(1.0);
                generated[i].minutes = Some(short);
                let declined = GenVisit {
                    start: generated[i].start + Duration::minutes(short as i64 + rng.below(2) as i64),
                    minutes: None,
                    status: VisitStatus::Declined,
                    services: generated[i].services.clone(),
                    ..generated[i]
                };
                generated.push(declined);
                continue;
            }
            let end = generated[i].start + Duration::minutes(minutes as i64);
            let copy = |g: &GenVisit| GenVisit { services: g.services.clone(), ..*g };
            let follow_on = |g: &GenVisit, service| GenVisit {
                start: end + Duration::minutes(1),
                minutes: Some(10.0),
                services: vec![service],
                planned: 10.0,
                ..copy(g)
            };
            if rng.chance(profile.duplicates) {
                let mut dup = copy(&generated[i]);
                dup.start += Duration::minutes(2);
                generated.push(dup);
            } else if rng.chance(profile.repeated) {
                let first = generated[i].services[0];
                generated.push(follow_on(&generated[i], first));
            } else if rng.chance(profile.adjacent) {
                generated.push(follow_on(&generated[i], "TILLSYN"));
            } else if rng.chance(profile.staff_overlap) && self.regular_clients > 1 {
                let other = (generated[i].client + 1) % self.regular_clients;
                generated.push(GenVisit { client: other, ..copy(&generated[i]) });
            }
        }
    }

    /// Writes the day's visits, numbering them on from `visit_no`.
    fn write_visits(&self, w: &mut Writer, generated: &[GenVisit], month: YearMonth, visit_no: &mut u64, rng: &mut Rng) -> Result<()> {
        let dialect = w.dialect;
        for g in generated {
            *visit_no += 1;
            let in_method = method(dialect, g.verified, rng);
            let out_method = if g.minutes.is_some() { method(dialect, g.verified, rng) } else { "" };
            if self.municipal {
                // To the second, the client's personnummer on one row in ten without century.
                let start = existing(g.start + Duration::seconds(rng.below(60) as i64));
                let end = g.minutes.map(|m| local_stamp(existing(start + Duration::seconds((m * 60.0) as i64 + rng.below(60) as i64))));
                let id = &self.clients[g.client].id;
                let short = id.len() == 13 && rng.chance(0.1);
                w.field(&format!("{:02}{:02}{:08}", month.year % 100, month.month, *visit_no));
                w.field(&self.name);
                w.field(&if short { short_form(id) } else { id.clone() });
                w.field(&format!("P{:02}{:04}", self.index + 1, g.staff + 1));
                w.field(&local_stamp(start));
                w.field(end.as_deref().unwrap_or(""));
            } else {
                let end = g.minutes.map(|m| stamp(dialect, existing(g.start + Duration::minutes(m as i64))));
                w.field(&format!("V{}{:02}-{:08}", month.year, month.month, *visit_no));
                w.field(&self.name);
                w.field(&self.clients[g.client].id);
                w.field(&format!("P{:02}{:04}", self.index + 1, g.staff + 1));
                w.field(&stamp(dialect, g.start));
                w.field(end.as_deref().unwrap_or(""));
            }
            w.field(in_method);
            w.field(out_method);
            w.field(&g.services.join("|"));
            w.number(g.planned);
            w.field(self.clients[g.client].area);
            let manual = [in_method, out_method].iter().any(|m| *m == "manual" || *m == "Efterregistrering");
            let reason = match manual {
                true if !rng.chance(self.profile.manual_reason_missing) => MANUAL_REASONS[rng.below(3) as usize],
                _ => "",
            };
            w.field(reason);
            w.field(status_word(dialect, g.status));
            w.end_line()?;
        }
        Ok(())
    }

    /// Counts the performed visits' minutes per client, for the invoices.
    fn count_performed(&mut self, generated: &[GenVisit]) {
        for g in generated.iter().filter(|g| g.status == VisitStatus::Performed) {
            self.performed[g.client] += g.minutes.map_or(0.0, f64::trunc);
        }
    }

    /// The month's invoices per regular client: the performed minutes rounded down (at or
    /// under the supported time, unless visits are questioned), the granted time for a share
    /// of the clients of a supplier that invoices what was granted, and the granted time of a
    /// client nobody visited. A generator of its own, so that the other files stay as they are.
    fn write_invoices(&self, w: &mut Writer, month: YearMonth, seed: u64) -> Result<()> {
        let mut rng = Rng::new(seed ^ 0x1f0_1ce5 ^ ((self.index as u64) << 20) ^ ((month.year as u64) * 12 + u64::from(month.month)));
        let dialect = w.dialect;
        for (ci, client) in self.clients[..self.regular_clients].iter().enumerate() {
            let granted = if client.unserved { 1200.0 } else { self.planned_total[ci].round() };
            let invoiced = if client.unserved || rng.chance(self.profile.over_invoiced) { granted } else { self.performed[ci].floor() };
            w.field(&self.name);
            // The Swedish dialect writes personnummer without century, as an invoice system may.
            w.field(&if dialect == Dialect::Swedish { short_form(&client.id) } else { client.id.clone() });
            w.field(&month.to_string());
            w.number(invoiced);
            w.end_line()?;
        }
        Ok(())
    }

    /// The month's granted time per client and the add-on reports (some missing or late, as
    /// the profile says).
    fn write_client_rows(&self, out: &mut Outputs, month: YearMonth, rng: &mut Rng) -> Result<()> {
        for (ci, client) in self.clients[..self.regular_clients].iter().enumerate() {
            if let Some(w) = out.granted.as_mut() {
                w.field(&self.name);
                w.field(&client.id);
                w.field(&month.to_string());
                // An unserved client was granted time that nobody came to perform.
                w.number(if client.unserved { 1200.0 } else { self.planned_total[ci].round() });
                w.end_line()?;
            }
            let Some(w) = out.addons.as_mut() else { continue };
            for addon in &self.delivered[ci] {
                if rng.chance(self.profile.addon_unreported) {
                    continue;
                }
                let day = if rng.chance(self.profile.addon_late) { 8 + rng.below(8) as u32 } else { 1 + rng.below(5) as u32 };
                w.field(&self.name);
                w.field(&client.id);
                w.field(&month.to_string());
                w.field(if *addon == "MATD" { "meal" } else { "laundry" });
                w.number(if *addon == "MATD" { f64::from(month.days()) } else { 4.0 });
                w.field(&month.next().day_clamped(day).format("%Y-%m-%d").to_string());
                w.end_line()?;
            }
        }
        Ok(())
    }
}

/// Writes the month's export files into `dir`: about `target_visits` visits over suppliers of
/// the built-in profiles (as many as `shape` says), and without `extras` only the visits file.
/// `first` is the first month of the run, before which the newly established supplier has no
/// rows.
#[allow(clippy::too_many_arguments)]
pub fn generate_month(
    dir: &Path,
    month: YearMonth,
    dialect: Dialect,
    shape: Shape,
    target_visits: u64,
    seed: u64,
    extras: bool,
    first: YearMonth,
) -> Result<MonthFiles> {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add((month.year as u64) * 12 + u64::from(month.month)));
    let days = month.days();
    let suppliers = shape.suppliers(target_visits);
    let groups = suppliers.div_ceil(PROFILES.len());
    // About 2.6 visits a day per client.
    let clients_per_supplier = ((target_visits as f64 / suppliers as f64) / (2.6 * f64::from(days))).ceil().max(2.0) as usize;
    let personnummer_share = match (shape, dialect) {
        (Shape::National, _) => 1.0,
        (Shape::Municipality, _) => 0.6,
        (Shape::Example, Dialect::Swedish) => 0.4,
        (Shape::Example, Dialect::Canonical) => 0.0,
    };
    let mut out = Outputs::open(dir, month, dialect, extras)?;
    let mut visit_no = 0u64;
    for index in 0..suppliers {
        let profile = PROFILES[index % PROFILES.len()];
        let name = match (shape, index % 50) {
            (Shape::Municipality, 2) => format!("Vårdbolaget Väst {}, Hemtjänst AB", index / 50 + 1),
            _ if groups == 1 => profile.name.to_string(),
            _ => format!("{} {}", profile.name, index / PROFILES.len() + 1),
        };
        let staff = match shape {
            Shape::Example => clients_per_supplier / 2,
            Shape::National | Shape::Municipality => clients_per_supplier * 5 / 8,
        };
        let pool = staff.max(if profile.random_staff { 40 } else { 6 }) + 4;
        let mut supplier =
            Supplier::new(index, name, profile, pool, make_clients(index, pool, clients_per_supplier, &profile, seed, personnummer_share));
        supplier.municipal = shape == Shape::Municipality;
        for day in 1..=days {
            let date = NaiveDate::from_ymd_opt(month.year, month.month, day).expect("day in month");
            let wanted = wanted_visits(&supplier.clients, date, &mut rng);
            let mut generated = supplier.schedule(wanted, date, &mut rng);
            supplier.plant_anomalies(&mut generated, &mut rng);
            if day == 20 {
                supplier.note_absence_gap(&generated);
            }
            supplier.write_visits(&mut out.visits, &generated, month, &mut visit_no, &mut rng)?;
            supplier.count_performed(&generated);
        }
        let planted = supplier.planted_visits(month);
        supplier.write_visits(&mut out.visits, &planted, month, &mut visit_no, &mut rng)?;
        supplier.count_performed(&planted);
        supplier.write_client_rows(&mut out, month, &mut rng)?;
        if let Some(w) = out.absences.as_mut() {
            supplier.write_absences(w, month)?;
        }
        if let Some(w) = out.invoices.as_mut() {
            supplier.write_invoices(w, month, seed)?;
        }
    }
    // The example's newly established supplier: no rows before the second month generated.
    if shape == Shape::Example && month > first {
        let pool = (clients_per_supplier / 2).max(6) + 4;
        let clients = make_clients(suppliers, pool, clients_per_supplier, &NEW_SUPPLIER, seed, personnummer_share);
        let mut supplier = Supplier::new(suppliers, NEW_SUPPLIER.name.to_string(), NEW_SUPPLIER, pool, clients);
        for day in 1..=days {
            let date = NaiveDate::from_ymd_opt(month.year, month.month, day).expect("day in month");
            let wanted = wanted_visits(&supplier.clients, date, &mut rng);
            let generated = supplier.schedule(wanted, date, &mut rng);
            supplier.write_visits(&mut out.visits, &generated, month, &mut visit_no, &mut rng)?;
            supplier.count_performed(&generated);
        }
        supplier.write_client_rows(&mut out, month, &mut rng)?;
        if let Some(w) = out.invoices.as_mut() {
            supplier.write_invoices(w, month, seed)?;
        }
    }
    out.visits.finish()?;
    let granted = out.granted.map(|w| w.finish().map(|_| dir.join(format!("granted-{month}.csv")))).transpose()?;
    let addons = out.addons.map(|w| w.finish().map(|_| dir.join(format!("addons-{month}.csv")))).transpose()?;
    let absences = out.absences.map(|w| w.finish().map(|_| dir.join(format!("absences-{month}.csv")))).transpose()?;
    let invoices = out.invoices.map(|w| w.finish().map(|_| dir.join(format!("invoices-{month}.csv")))).transpose()?;
    Ok(MonthFiles { visits: dir.join(format!("visits-{month}.csv")), granted, addons, absences, invoices, visit_count: visit_no })
}

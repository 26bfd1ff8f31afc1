//! One generated month: per supplier its clients (the same every month), each day's visits
//! with staff who are never planned at two clients at once, the planted anomalies, and the
//! granted-time and add-on files. The random draws come in a fixed order, so a seed gives the
//! same files every time.

use std::path::Path;

use anyhow::Result;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::{existing, fake_personnummer, method, stamp, Client, Dialect, GenVisit, MonthFiles, Profile, Rng, Writer};
use super::{CANONICAL_VISITS, PROFILES, SERVICES, SWEDISH_VISITS};
use crate::model::YearMonth;

/// The files of one month being written.
struct Outputs {
    visits: Writer,
    granted: Option<Writer>,
    addons: Option<Writer>,
}

impl Outputs {
    fn open(dir: &Path, month: YearMonth, dialect: Dialect, extras: bool) -> Result<Outputs> {
        let swedish = dialect == Dialect::Swedish;
        let visits =
            Writer::create(&dir.join(format!("visits-{month}.csv")), dialect, if swedish { SWEDISH_VISITS } else { CANONICAL_VISITS })?;
        let granted_header =
            if swedish { "Utförare;Kund;Månad;Beviljad tid (min)" } else { "supplier_id,client_id,month,granted_minutes" };
        let addons_header = if swedish {
            "Utförare;Kund;Månad;Tilläggstjänst;Antal;Rapporterad"
        } else {
            "supplier_id,client_id,month,addon,quantity,reported_on"
        };
        let granted = extras.then(|| Writer::create(&dir.join(format!("granted-{month}.csv")), dialect, granted_header)).transpose()?;
        let addons = extras.then(|| Writer::create(&dir.join(format!("addons-{month}.csv")), dialect, addons_header)).transpose()?;
        Ok(Outputs { visits, granted, addons })
    }
}

/// One supplier of the month and what is tallied over its days.
struct Supplier {
    index: usize,
    name: String,
    profile: Profile,
    /// Staff members to choose from.
    pool: usize,
    clients: Vec<Client>,
    planned_total: Vec<f64>,
    /// Add-on services delivered per client.
    delivered: Vec<Vec<&'static str>>,
}

/// The supplier's clients, drawn from a generator seeded by supplier, not month, so that the
/// clients are the same every month and trends can be followed.
fn make_clients(index: usize, pool: usize, count: usize, profile: &Profile, seed: u64, swedish: bool) -> Vec<Client> {
    let mut client_rng = Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    (0..count)
        .map(|c| {
            let id = if swedish && client_rng.chance(0.4) {
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
    for (ci, client) in clients.iter().enumerate() {
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

impl Supplier {
    /// A free staff member for a visit starting at `start` (moving the start when nobody is).
    fn pick_staff(&self, client: &Client, start: &mut NaiveDateTime, busy_until: &[NaiveDateTime], rng: &mut Rng) -> usize {
        let free = |st: &usize| busy_until[*st] <= *start;
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
            let st = (0..self.pool).min_by_key(|st| busy_until[*st]).unwrap();
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
            for s in &services {
                if (*s == "MATD" || *s == "TVATT") && !self.delivered[ci].contains(s) {
                    self.delivered[ci].push(s);
                }
            }
            generated.push(GenVisit {
                client: ci,
                staff,
                start,
                minutes: (!rng.chance(self.profile.missing_checkout)).then_some(minutes),
                services,
                planned,
                verified: !rng.chance(self.profile.unverified),
            });
        }
        generated
    }

    /// Planted anomalies, each a copy or follow-on of a regular visit of the day.
    fn plant_anomalies(&self, generated: &mut Vec<GenVisit>, rng: &mut Rng) {
        let profile = &self.profile;
        for i in 0..generated.len() {
            let Some(minutes) = generated[i].minutes else { continue };
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
            } else if rng.chance(profile.staff_overlap) && self.clients.len() > 1 {
                let other = (generated[i].client + 1) % self.clients.len();
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
            let end = g.minutes.map(|m| stamp(dialect, existing(g.start + Duration::minutes(m as i64))));
            w.field(&format!("V{}{:02}-{:08}", month.year, month.month, *visit_no));
            w.field(&self.name);
            w.field(&self.clients[g.client].id);
            w.field(&format!("P{:02}{:04}", self.index + 1, g.staff + 1));
            w.field(&stamp(dialect, g.start));
            w.field(end.as_deref().unwrap_or(""));
            w.field(in_method);
            w.field(out_method);
            w.field(&g.services.join("|"));
            w.number(g.planned);
            w.end_line()?;
        }
        Ok(())
    }

    /// The month's granted time per client and the add-on reports (some missing or late, as
    /// the profile says).
    fn write_client_rows(&self, out: &mut Outputs, month: YearMonth, rng: &mut Rng) -> Result<()> {
        for (ci, client) in self.clients.iter().enumerate() {
            if let Some(w) = out.granted.as_mut() {
                w.field(&self.name);
                w.field(&client.id);
                w.field(&month.to_string());
                w.number(self.planned_total[ci].round());
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
/// the built-in profiles (in groups of five per 500,000 visits), and without `extras` only the
/// visits file.
pub fn generate_month(dir: &Path, month: YearMonth, dialect: Dialect, target_visits: u64, seed: u64, extras: bool) -> Result<MonthFiles> {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add((month.year as u64) * 12 + u64::from(month.month)));
    let days = month.days();
    let groups = target_visits.div_ceil(500_000).max(1) as usize;
    let suppliers = PROFILES.len() * groups;
    // About 2.6 visits a day per client.
    let clients_per_supplier = ((target_visits as f64 / suppliers as f64) / (2.6 * f64::from(days))).ceil().max(2.0) as usize;
    let mut out = Outputs::open(dir, month, dialect, extras)?;
    let mut visit_no = 0u64;
    for index in 0..suppliers {
        let profile = PROFILES[index % PROFILES.len()];
        let name = if groups == 1 { profile.name.to_string() } else { format!("{} {}", profile.name, index / PROFILES.len() + 1) };
        let pool = (clients_per_supplier / 2).max(if profile.random_staff { 40 } else { 6 }) + 4;
        let clients = make_clients(index, pool, clients_per_supplier, &profile, seed, dialect == Dialect::Swedish);
        let (planned_total, delivered) = (vec![0.0; clients.len()], vec![Vec::new(); clients.len()]);
        let mut supplier = Supplier { index, name, profile, pool, clients, planned_total, delivered };
        for day in 1..=days {
            let date = NaiveDate::from_ymd_opt(month.year, month.month, day).expect("day in month");
            let wanted = wanted_visits(&supplier.clients, date, &mut rng);
            let mut generated = supplier.schedule(wanted, date, &mut rng);
            supplier.plant_anomalies(&mut generated, &mut rng);
            supplier.write_visits(&mut out.visits, &generated, month, &mut visit_no, &mut rng)?;
        }
        supplier.write_client_rows(&mut out, month, &mut rng)?;
    }
    out.visits.finish()?;
    let granted = out.granted.map(|w| w.finish().map(|_| dir.join(format!("granted-{month}.csv")))).transpose()?;
    let addons = out.addons.map(|w| w.finish().map(|_| dir.join(format!("addons-{month}.csv")))).transpose()?;
    Ok(MonthFiles { visits: dir.join(format!("visits-{month}.csv")), granted, addons, visit_count: visit_no })
}

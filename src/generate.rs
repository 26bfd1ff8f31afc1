//! Example exports with known deviations, deterministic by seed and streamed to disk, in the
//! canonical or the Swedish dialect (`tidkoll generate`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Europe::Stockholm;

use crate::model::YearMonth;

/// The export dialect of the generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// UTF-8, `,`, canonical column names, timestamps with offset, decimal point.
    Canonical,
    /// Windows-1252, `;`, Swedish column names, local times, decimal comma, personnummer.
    Swedish,
}

/// SplitMix64: small, fast and the same on every platform and crate version.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// What each supplier profile does wrong (the first does nothing wrong).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    /// Share of visits checked in with a non-verified method.
    pub unverified: f64,
    pub short_visits: f64,
    /// Visit length as a share of planned (and so of granted) time.
    pub length_factor: f64,
    pub duplicates: f64,
    pub repeated: f64,
    pub adjacent: f64,
    /// Staff chosen from the whole pool instead of the client's team.
    pub random_staff: bool,
    /// Share of clients served by one staff member.
    pub single_staff_clients: f64,
    pub missing_checkout: f64,
    pub staff_overlap: f64,
    pub addon_unreported: f64,
    pub addon_late: f64,
}

const GOOD: Profile = Profile {
    name: "Omsorg Norr AB",
    unverified: 0.03,
    short_visits: 0.02,
    length_factor: 0.9,
    duplicates: 0.0,
    repeated: 0.0,
    adjacent: 0.0,
    random_staff: false,
    single_staff_clients: 0.0,
    missing_checkout: 0.002,
    staff_overlap: 0.0,
    addon_unreported: 0.0,
    addon_late: 0.0,
};

/// The five profiles; larger runs repeat them with a number.
pub const PROFILES: [Profile; 5] = [
    GOOD,
    Profile { name: "Hemtjänst Syd AB", unverified: 0.35, short_visits: 0.15, ..GOOD },
    Profile { name: "Trygg Vård AB", length_factor: 1.15, duplicates: 0.015, repeated: 0.02, adjacent: 0.03, ..GOOD },
    Profile { name: "Vardag Omsorg AB", random_staff: true, missing_checkout: 0.03, staff_overlap: 0.01, ..GOOD },
    Profile { name: "Nära Hemtjänst AB", length_factor: 0.55, single_staff_clients: 0.4, addon_unreported: 0.3, addon_late: 0.4, ..GOOD },
];

/// Planned minutes per service code.
const SERVICES: [(&str, f64); 8] =
    [("OMV", 30.0), ("DUSCH", 45.0), ("TILLSYN", 10.0), ("SERV", 60.0), ("INK", 45.0), ("MATD", 5.0), ("TVATT", 30.0), ("LARM", 20.0)];

const CANONICAL_VISITS: &str =
    "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes";
const SWEDISH_VISITS: &str = "Besöks-ID;Utförare;Kund;Personal;Start;Slut;Kvittens in;Kvittens ut;Insatser;Planerad tid (min)";

/// The configuration that reads the Swedish dialect.
pub const SWEDISH_CONFIG: &str = r#"# Configuration for the Swedish-dialect example export (tidkoll generate --dialect swedish).
[input]
encoding = "windows-1252"
delimiter = ";"

[columns.visits]
visit_id = "Besöks-ID"
supplier_id = "Utförare"
client_id = "Kund"
staff_id = "Personal"
check_in = "Start"
check_out = "Slut"
check_in_method = "Kvittens in"
check_out_method = "Kvittens ut"
services = "Insatser"
planned_minutes = "Planerad tid (min)"

[columns.granted]
supplier_id = "Utförare"
client_id = "Kund"
month = "Månad"
granted_minutes = "Beviljad tid (min)"

[columns.addons]
supplier_id = "Utförare"
client_id = "Kund"
month = "Månad"
addon = "Tilläggstjänst"
quantity = "Antal"
reported_on = "Rapporterad"
"#;

struct Writer {
    out: BufWriter<File>,
    dialect: Dialect,
    line: String,
}

impl Writer {
    fn create(path: &Path, dialect: Dialect, header: &str) -> Result<Writer> {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = Writer { out: BufWriter::with_capacity(1 << 20, file), dialect, line: String::new() };
        w.line.push_str(header);
        w.end_line()?;
        Ok(w)
    }

    fn sep(&self) -> char {
        if self.dialect == Dialect::Swedish {
            ';'
        } else {
            ','
        }
    }

    fn field(&mut self, value: &str) {
        if !self.line.is_empty() {
            let sep = self.sep();
            self.line.push(sep);
        }
        self.line.push_str(value);
    }

    fn number(&mut self, value: f64) {
        let text = format!("{value:.1}");
        self.field(&if self.dialect == Dialect::Swedish { text.replace('.', ",") } else { text });
    }

    fn end_line(&mut self) -> Result<()> {
        self.line.push('\n');
        if self.dialect == Dialect::Swedish {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&self.line);
            self.out.write_all(&bytes)?;
        } else {
            self.out.write_all(self.line.as_bytes())?;
        }
        self.line.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// A generated visit before it is written.
struct GenVisit {
    client: usize,
    staff: usize,
    start: NaiveDateTime,
    minutes: Option<f64>,
    services: Vec<&'static str>,
    planned: f64,
    verified: bool,
}

struct Client {
    id: String,
    team: Vec<usize>,
    single: Option<usize>,
    /// Minute of the day of each daily visit.
    times: Vec<u32>,
    meals: bool,
    laundry: bool,
    alarm: bool,
}

/// A fake personnummer with an invalid check digit, so it can never be a real person's.
fn fake_personnummer(rng: &mut Rng) -> String {
    let year = 1925 + rng.below(25);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let serial = rng.below(1000);
    let digits = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    let valid = (10 - sum % 10) % 10;
    format!("{year}{month:02}{day:02}-{serial:03}{}", (valid + 1) % 10)
}

fn stamp(dialect: Dialect, t: NaiveDateTime) -> String {
    match dialect {
        Dialect::Swedish => t.format("%Y-%m-%d %H:%M").to_string(),
        Dialect::Canonical => match Stockholm.from_local_datetime(&t) {
            LocalResult::Single(z) | LocalResult::Ambiguous(z, _) => z.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            LocalResult::None => unreachable!("generated times avoid the DST gap"),
        },
    }
}

/// Moves a local time out of the spring DST gap.
fn existing(t: NaiveDateTime) -> NaiveDateTime {
    match Stockholm.from_local_datetime(&t) {
        LocalResult::None => t + Duration::hours(1),
        _ => t,
    }
}

fn method(dialect: Dialect, verified: bool, rng: &mut Rng) -> &'static str {
    let canonical = match (verified, rng.below(10)) {
        (true, 0) => "lock",
        (true, _) => "nfc",
        (false, 0..=2) => "mobile",
        (false, _) => "manual",
    };
    match (dialect, canonical) {
        (Dialect::Canonical, m) => m,
        (Dialect::Swedish, "nfc") => "Tagg",
        (Dialect::Swedish, "lock") => "Digitalt lås",
        (Dialect::Swedish, "mobile") => "Mobil",
        (Dialect::Swedish, _) => "Efterregistrering",
    }
}

/// Files written for one month.
pub struct MonthFiles {
    pub visits: PathBuf,
    pub granted: Option<PathBuf>,
    pub addons: Option<PathBuf>,
    pub visit_count: u64,
}

/// Generates one month of exports into `dir`.
pub fn generate_month(dir: &Path, month: YearMonth, dialect: Dialect, target_visits: u64, seed: u64, extras: bool) -> Result<MonthFiles> {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add((month.year as u64) * 12 + u64::from(month.month)));
    let days = month.days();
    let groups = target_visits.div_ceil(500_000).max(1) as usize;
    let suppliers = PROFILES.len() * groups;
    // About 2.6 visits a day per client.
    let clients_per_supplier = ((target_visits as f64 / suppliers as f64) / (2.6 * f64::from(days))).ceil().max(2.0) as usize;
    let swedish = dialect == Dialect::Swedish;
    let visits_path = dir.join(format!("visits-{month}.csv"));
    let mut visits_out = Writer::create(&visits_path, dialect, if swedish { SWEDISH_VISITS } else { CANONICAL_VISITS })?;
    let mut granted_out = extras
        .then(|| {
            Writer::create(
                &dir.join(format!("granted-{month}.csv")),
                dialect,
                if swedish { "Utförare;Kund;Månad;Beviljad tid (min)" } else { "supplier_id,client_id,month,granted_minutes" },
            )
        })
        .transpose()?;
    let mut addons_out = extras
        .then(|| {
            Writer::create(
                &dir.join(format!("addons-{month}.csv")),
                dialect,
                if swedish {
                    "Utförare;Kund;Månad;Tilläggstjänst;Antal;Rapporterad"
                } else {
                    "supplier_id,client_id,month,addon,quantity,reported_on"
                },
            )
        })
        .transpose()?;

    let mut visit_no = 0u64;
    for s in 0..suppliers {
        let profile = PROFILES[s % PROFILES.len()];
        let supplier = if groups == 1 { profile.name.to_string() } else { format!("{} {}", profile.name, s / PROFILES.len() + 1) };
        let pool = (clients_per_supplier / 2).max(if profile.random_staff { 40 } else { 6 }) + 4;
        // Clients are the same every month (seeded by supplier, not month) so trends can be followed.
        let mut client_rng = Rng::new(seed ^ (s as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
        let clients: Vec<Client> = (0..clients_per_supplier)
            .map(|c| {
                let id = if swedish && client_rng.chance(0.4) {
                    fake_personnummer(&mut client_rng)
                } else {
                    format!("K{:02}{:05}", s + 1, c + 1)
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
            .collect();
        let mut planned_total = vec![0.0; clients.len()];
        let mut delivered: Vec<Vec<&str>> = vec![Vec::new(); clients.len()];
        for day in 1..=days {
            let date = NaiveDate::from_ymd_opt(month.year, month.month, day).expect("day in month");
            let mut wanted: Vec<(NaiveDateTime, usize, Vec<&'static str>)> = Vec::new();
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
            // Staff are busy until their visit ends, so nobody is planned at two clients at once.
            let mut busy_until = vec![date.and_hms_opt(0, 0, 0).unwrap(); pool];
            let mut generated: Vec<GenVisit> = Vec::new();
            for (mut start, ci, services) in wanted {
                let client = &clients[ci];
                let planned: f64 = services.iter().map(|s| SERVICES.iter().find(|(c, _)| c == s).unwrap().1).sum();
                planned_total[ci] += planned;
                let free = |st: &usize| busy_until[*st] <= start;
                let preferred: Vec<usize> = match client.single {
                    Some(st) if rng.chance(0.95) => vec![st],
                    _ if profile.random_staff => (0..pool).collect(),
                    _ => client.team.clone(),
                };
                let candidates: Vec<usize> = preferred.iter().copied().filter(free).collect();
                let staff = if !candidates.is_empty() {
                    candidates[rng.below(candidates.len() as u64) as usize]
                } else {
                    let any: Vec<usize> = (0..pool).filter(free).collect();
                    if any.is_empty() {
                        let st = (0..pool).min_by_key(|st| busy_until[*st]).unwrap();
                        start = busy_until[st] + Duration::minutes(2);
                        st
                    } else {
                        any[rng.below(any.len() as u64) as usize]
                    }
                };
                let mut minutes = planned * profile.length_factor * (0.8 + 0.4 * rng.unit());
                if rng.chance(profile.short_visits) {
                    minutes = 1.0 + 3.0 * rng.unit();
                }
                let minutes = minutes.round().max(1.0);
                busy_until[staff] = start + Duration::minutes(minutes as i64 + 5);
                for s in &services {
                    if (*s == "MATD" || *s == "TVATT") && !delivered[ci].contains(s) {
                        delivered[ci].push(s);
                    }
                }
                generated.push(GenVisit {
                    client: ci,
                    staff,
                    start,
                    minutes: (!rng.chance(profile.missing_checkout)).then_some(minutes),
                    services,
                    planned,
                    verified: !rng.chance(profile.unverified),
                });
            }
            // Planted anomalies, each a copy or follow-on of a regular visit.
            let base = generated.len();
            for i in 0..base {
                let Some(minutes) = generated[i].minutes else { continue };
                let end = generated[i].start + Duration::minutes(minutes as i64);
                let copy = |g: &GenVisit| GenVisit { services: g.services.clone(), ..*g };
                if rng.chance(profile.duplicates) {
                    let mut dup = copy(&generated[i]);
                    dup.start += Duration::minutes(2);
                    generated.push(dup);
                } else if rng.chance(profile.repeated) {
                    let first = generated[i].services[0];
                    generated.push(GenVisit {
                        start: end + Duration::minutes(1),
                        minutes: Some(10.0),
                        services: vec![first],
                        planned: 10.0,
                        ..copy(&generated[i])
                    });
                } else if rng.chance(profile.adjacent) {
                    generated.push(GenVisit {
                        start: end + Duration::minutes(1),
                        minutes: Some(10.0),
                        services: vec!["TILLSYN"],
                        planned: 10.0,
                        ..copy(&generated[i])
                    });
                } else if rng.chance(profile.staff_overlap) && clients.len() > 1 {
                    let other = (generated[i].client + 1) % clients.len();
                    generated.push(GenVisit { client: other, ..copy(&generated[i]) });
                }
            }
            for g in &generated {
                visit_no += 1;
                let client_id = &clients[g.client].id;
                let staff_id = format!("P{:02}{:04}", s + 1, g.staff + 1);
                let in_method = method(dialect, g.verified, &mut rng);
                let out_method = if g.minutes.is_some() { method(dialect, g.verified, &mut rng) } else { "" };
                let end = g.minutes.map(|m| stamp(dialect, existing(g.start + Duration::minutes(m as i64))));
                let w = &mut visits_out;
                w.field(&format!("V{}{:02}-{visit_no:08}", month.year, month.month));
                w.field(&supplier);
                w.field(client_id);
                w.field(&staff_id);
                w.field(&stamp(dialect, g.start));
                w.field(end.as_deref().unwrap_or(""));
                w.field(in_method);
                w.field(out_method);
                w.field(&g.services.join("|"));
                w.number(g.planned);
                w.end_line()?;
            }
        }
        for (ci, client) in clients.iter().enumerate() {
            if let Some(w) = granted_out.as_mut() {
                w.field(&supplier);
                w.field(&client.id);
                w.field(&month.to_string());
                w.number(planned_total[ci].round());
                w.end_line()?;
            }
            if let Some(w) = addons_out.as_mut() {
                for addon in &delivered[ci] {
                    if rng.chance(profile.addon_unreported) {
                        continue;
                    }
                    let day = if rng.chance(profile.addon_late) { 8 + rng.below(8) as u32 } else { 1 + rng.below(5) as u32 };
                    let reported = month.next().day_clamped(day);
                    w.field(&supplier);
                    w.field(&client.id);
                    w.field(&month.to_string());
                    w.field(if *addon == "MATD" { "meal" } else { "laundry" });
                    w.number(if *addon == "MATD" { f64::from(days) } else { 4.0 });
                    w.field(&reported.format("%Y-%m-%d").to_string());
                    w.end_line()?;
                }
            }
        }
    }
    visits_out.finish()?;
    let granted = granted_out.map(|w| w.finish().map(|_| dir.join(format!("granted-{month}.csv")))).transpose()?;
    let addons = addons_out.map(|w| w.finish().map(|_| dir.join(format!("addons-{month}.csv")))).transpose()?;
    Ok(MonthFiles { visits: visits_path, granted, addons, visit_count: visit_no })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::personnummer_spans;

    #[test]
    fn fake_personnummer_is_shaped_right_but_fails_the_check_digit() {
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            let p = fake_personnummer(&mut rng);
            assert_eq!(personnummer_spans(p.as_bytes()), vec![(0, 13)], "{p}");
            let digits: Vec<u32> = p[2..].bytes().filter(u8::is_ascii_digit).map(|b| u32::from(b - b'0')).collect();
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let x = d * if i % 2 == 0 { 2 } else { 1 };
                    x / 10 + x % 10
                })
                .sum();
            assert_ne!(sum % 10, 0, "{p} must not pass the Luhn check");
        }
    }

    #[test]
    fn rng_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert!((0..10).all(|_| a.next_u64() == b.next_u64()));
    }
}

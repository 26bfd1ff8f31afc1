//! Every key figure and every flag row checked against a plain re-reading of SPEC §3–4 on
//! generated months: a few suppliers, clients and staff (the same names at several suppliers),
//! chains of visits 0–2 minutes apart, copies, overlaps, missing and negative check-outs,
//! visits at 06:59 and 22:00, granted rows of 0 minutes and add-on reports around the
//! deadline, registrations of every status (declined and not-at-home ones right after a
//! performed visit, by its staff member or another), with and without a status column. The
//! reference below is written for clarity (every pair, no sorting tricks), so a
//! difference points at the engine or at a reading of the SPEC to settle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use tidkoll::config::Config;
use tidkoll::ingest::{read_all, select_month, InputPaths};
use tidkoll::month::analysis::analyse;
use tidkoll::privacy::Pseudonymizer;

/// Small limits so that a few generated visits reach them: a long day is over 60 minutes, and
/// the second day in a row is a day without rest.
const CONFIG: &str = "[parameters]\nmin_visits = 3\ncontinuity_window = [1, 2]\nsingle_staff_min_visits = 4\nlong_day_minutes = 60\nmax_days_in_row = 1\n[status.aliases]\n\"Avböjd av kund\" = \"declined\"\n[payment]\nhourly_rate = 450\n";
const HOURLY_RATE: f64 = 450.0;
const LONG_DAY_SECONDS: i64 = 60 * 60;
const MAX_DAYS_IN_ROW: u32 = 1;
const AREAS: [&str; 3] = ["Norr", "Söder", ""];
const MIN_VISITS: usize = 3;
const WINDOW: [u32; 2] = [1, 2];
const SINGLE_STAFF_MIN_VISITS: usize = 4;
const METHODS: [&str; 4] = ["nfc", "lock", "mobile", "manual"];
const SERVICES: [&str; 4] = ["OMV", "MATD", "LARM", "TVATT"];
const GRANTED_MINUTES: [f64; 6] = [0.0, 20.0, 45.0, 90.0, 200.0, 37.5];
/// A status as an export writes it (the built-in Swedish words, canonical names in any case,
/// an empty cell, a configured alias) and the canonical status it stands for.
const STATUSES: [(&str, &str); 9] = [
    ("", "performed"),
    ("Utförd", "performed"),
    ("genomförd", "performed"),
    ("avböjt", "declined"),
    ("Avböjd av kund", "declined"),
    ("Ej hemma", "not_home"),
    ("BOMBESÖK", "not_home"),
    ("Inställd", "cancelled"),
    ("cancelled", "cancelled"),
];

/// One generated visit before it is written: where it starts and how it ends.
#[derive(Debug, Clone)]
struct Spec {
    supplier: usize,
    client: usize,
    staff: usize,
    start: (u32, u32, u32, u32),
    /// 0 no check-out, 1 five minutes negative, 2 zero length, 3 overlong, else `minutes`.
    ending: u8,
    minutes: i64,
    in_method: usize,
    /// 4: empty.
    out_method: usize,
    services: u8,
    /// Follow an earlier visit at its client: (which, gap in seconds), or copy it whole.
    follow: Option<(usize, i64)>,
    /// When following: keep the earlier visit's staff member, go to this visit's own client.
    same_staff: bool,
    copy: bool,
    /// Index into `AREAS` (the last is none).
    area: usize,
    manual_reason: bool,
    /// Index into `STATUSES`.
    status: usize,
    /// When following: keep both the earlier visit's client and staff member (the rest of its
    /// time registered as declined).
    same_both: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (0usize..3, 0usize..4, 0usize..3),
        (
            1u32..=3,
            prop_oneof![Just(6u32), Just(7), 8u32..21, Just(21), Just(22)],
            prop_oneof![Just(0u32), Just(59), 0u32..60],
            prop_oneof![Just(0u32), Just(1), Just(30), Just(59)],
        ),
        (0u8..9, prop_oneof![Just(60i64), Just(30), 0i64..61]),
        (prop_oneof![3 => 0usize..2, 1 => 2usize..4], prop_oneof![3 => 0usize..2, 1 => 2usize..5], 0u8..16),
        prop::option::of((
            0usize..80,
            prop_oneof![
                Just(-61i64),
                Just(-60),
                Just(0),
                Just(30),
                Just(59),
                Just(60),
                Just(61),
                Just(120),
                Just(299),
                Just(300),
                Just(301)
            ],
        )),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.08),
        (0usize..3, prop::bool::weighted(0.7)),
        (prop_oneof![3 => 0usize..3, 1 => 3usize..STATUSES.len()], prop::bool::weighted(0.3)),
    )
        .prop_map(
            |(
                (supplier, client, staff),
                start,
                (ending, minutes),
                (in_method, out_method, services),
                follow,
                same_staff,
                copy,
                (area, manual_reason),
                (status, same_both),
            )| Spec {
                supplier,
                client,
                staff,
                start,
                ending,
                minutes,
                in_method,
                out_method,
                services,
                follow,
                same_staff,
                copy,
                area,
                manual_reason,
                status,
                same_both,
            },
        )
}

/// An absence: client, start (day, hour, minute; hour 24 = a date alone), end likewise after
/// it, or open-ended; or anchored at a visit: (which visit, whether the absence ends as the
/// visit begins rather than starts then).
type AbsenceSpec = (usize, (u32, u32, u32), Option<(u32, u32, u32)>, Option<(usize, bool)>);

fn absence_spec() -> impl Strategy<Value = AbsenceSpec> {
    let at = (1u32..=3, prop_oneof![Just(24u32), 0u32..24], prop_oneof![Just(0u32), 0u32..60]);
    (0usize..4, at.clone(), prop::option::of(at), prop::option::weighted(0.4, (0usize..80, any::<bool>())))
}

/// A visit as the reference sees it.
#[derive(Debug, Clone)]
struct V {
    id: String,
    supplier: String,
    client: String,
    staff: String,
    check_in: NaiveDateTime,
    check_out: Option<NaiveDateTime>,
    in_method: &'static str,
    out_method: Option<&'static str>,
    services: Vec<&'static str>,
    area: &'static str,
    manual_reason: bool,
    /// As written in the export, and its canonical status.
    status_word: &'static str,
    status: &'static str,
}

impl V {
    fn performed(&self) -> bool {
        self.status == "performed"
    }
    fn declined(&self) -> bool {
        self.status == "declined" || self.status == "not_home"
    }
    fn is_manual(&self) -> bool {
        self.in_method == "manual" || self.out_method == Some("manual")
    }
    fn day(&self) -> u32 {
        chrono::Datelike::day(&self.check_in)
    }
    fn seconds(&self) -> Option<i64> {
        self.check_out.map(|out| (out - self.check_in).num_seconds())
    }
    fn valid(&self) -> bool {
        self.seconds().is_some_and(|s| (0..=720 * 60).contains(&s))
    }
    fn verified(&self) -> bool {
        let ok = |m: &str| m == "nfc" || m == "lock";
        ok(self.in_method) && self.check_out.is_some() && self.out_method.is_some_and(ok)
    }
    fn shares_service(&self, other: &V) -> bool {
        self.services.iter().any(|s| other.services.contains(s))
    }
}

/// The visits of `specs`; without a status column every one is performed.
fn build(specs: &[Spec], status_column: bool) -> Vec<V> {
    let mut out: Vec<V> = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let id = format!("v{i:03}");
        if s.copy && !out.is_empty() {
            let mut v = out[i % out.len()].clone();
            v.id = id;
            out.push(v);
            continue;
        }
        let (day, hour, minute, second) = s.start;
        let mut supplier = format!("S{}", s.supplier + 1);
        let mut client = format!("c{}", s.client + 1);
        let mut staff = format!("p{}", s.staff + 1);
        let mut check_in = NaiveDate::from_ymd_opt(2025, 3, day).unwrap().and_hms_opt(hour, minute, second).unwrap();
        if let Some((j, gap)) = s.follow {
            if let Some(prev) = out.get(j).filter(|p| p.check_out.is_some()) {
                supplier = prev.supplier.clone();
                if s.same_staff || s.same_both {
                    staff = prev.staff.clone();
                }
                if !s.same_staff || s.same_both {
                    client = prev.client.clone();
                }
                check_in = prev.check_out.unwrap() + Duration::seconds(gap);
            }
        }
        let length = match s.ending {
            0 => None,
            1 => Some(-5),
            2 => Some(0),
            3 => Some(800),
            _ => Some(s.minutes),
        };
        let check_out = length.map(|m| check_in + Duration::minutes(m));
        out.push(V {
            id,
            supplier,
            client,
            staff,
            check_in,
            check_out,
            in_method: METHODS[s.in_method],
            out_method: check_out.and(METHODS.get(s.out_method).copied()),
            services: SERVICES.iter().enumerate().filter(|(k, _)| s.services & (1 << k) != 0).map(|(_, c)| *c).collect(),
            area: AREAS[s.area],
            manual_reason: s.manual_reason,
            status_word: if status_column { STATUSES[s.status].0 } else { "" },
            status: if status_column { STATUSES[s.status].1 } else { "performed" },
        });
    }
    // Every visit belongs to March.
    out.retain(|v| v.check_in.format("%Y-%m").to_string() == "2025-03");
    out
}

/// An absence as the reference sees it: client, [from, to).
type Absences = Vec<(String, NaiveDateTime, Option<NaiveDateTime>)>;

fn absences_of(specs: &[AbsenceSpec], visits: &[V]) -> Absences {
    // A date alone is 00:00 of that day; as an end, 00:00 of the next day.
    let instant = |(day, hour, minute): (u32, u32, u32), end: bool| {
        let date = NaiveDate::from_ymd_opt(2025, 3, day).unwrap();
        match hour {
            24 => (date + Duration::days(i64::from(end))).and_hms_opt(0, 0, 0).unwrap(),
            h => date.and_hms_opt(h, minute, 0).unwrap(),
        }
    };
    specs
        .iter()
        .map(|(c, from, to, anchor)| {
            if let Some(v) = anchor.and_then(|(j, _)| visits.get(j)) {
                let ends_here = anchor.is_some_and(|(_, end)| end);
                let (start, end) = if ends_here { (v.check_in - Duration::hours(2), Some(v.check_in)) } else { (v.check_in, None) };
                return (v.client.clone(), start, end);
            }
            let start = instant(*from, false);
            // An end before the start would be rejected; the generated ones end after it.
            let end = to.map(|t| instant(t, true).max(start));
            (format!("c{}", c + 1), start, end)
        })
        .collect()
}

type Granted = Vec<(String, String, f64)>;
/// supplier, client, add-on, quantity, day of April reported.
type Addons = Vec<(String, String, &'static str, u32, u32)>;

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 })
}

fn share(hits: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| hits as f64 / of as f64)
}

/// Share of members with at least `MIN_VISITS` visits whose own check-in rate is at least 0.90.
fn member_share<'a>(visits: &[&'a V], member: impl Fn(&'a V) -> (String, String)) -> Option<f64> {
    let mut per: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for v in visits {
        let e = per.entry(member(v)).or_default();
        e.0 += 1;
        e.1 += usize::from(v.verified());
    }
    let judged: Vec<&(usize, usize)> = per.values().filter(|(n, _)| *n >= MIN_VISITS).collect();
    share(judged.iter().filter(|(n, ok)| *ok as f64 / *n as f64 >= 0.90).count(), judged.len())
}

/// The key figures of SPEC §3 over `visits`, `granted` and `addons` (all of one scope).
fn key_figures(visits: &[&V], granted: &Granted, addons: &Addons) -> BTreeMap<&'static str, Option<f64>> {
    let mut f = BTreeMap::new();
    f.insert("checkin_rate", share(visits.iter().filter(|v| v.verified()).count(), visits.len()));
    f.insert("checkin_staff_share", member_share(visits, |v| (v.supplier.clone(), v.staff.clone())));
    f.insert("checkin_client_share", member_share(visits, |v| (v.supplier.clone(), v.client.clone())));
    let minutes: Vec<f64> = visits.iter().filter(|v| v.valid()).map(|v| v.seconds().unwrap() as f64 / 60.0).collect();
    f.insert("visit_minutes_mean", (!minutes.is_empty()).then(|| minutes.iter().sum::<f64>() / minutes.len() as f64));
    f.insert("visit_minutes_median", median(minutes.clone()));
    f.insert("short_visit_share", share(minutes.iter().filter(|m| **m < 5.0).count(), minutes.len()));

    let mut per_client: BTreeMap<(String, String), f64> = BTreeMap::new();
    for (s, c, m) in granted {
        *per_client.entry((s.clone(), c.clone())).or_default() += m;
    }
    let performed = |key: &(String, String)| -> f64 {
        visits
            .iter()
            .filter(|v| v.valid() && (&v.supplier, &v.client) == (&key.0, &key.1))
            .map(|v| v.seconds().unwrap() as f64 / 60.0)
            .sum()
    };
    let total: f64 = per_client.values().sum();
    let done: f64 = per_client.keys().map(performed).sum();
    f.insert("completion_rate", (!granted.is_empty() && total > 0.0).then(|| done / total));
    let positive: Vec<(&(String, String), &f64)> = per_client.iter().filter(|(_, m)| **m > 0.0).collect();
    let inside = positive.iter().filter(|(k, m)| (0.75..=1.0).contains(&(performed(k) / **m))).count();
    f.insert("completion_client_share", share(inside, positive.len()));

    let addon_of = |service: &str| match service {
        "MATD" => Some("meal"),
        "TVATT" => Some("laundry"),
        _ => None,
    };
    let delivered: BTreeSet<(String, String, &str)> = visits
        .iter()
        .flat_map(|v| v.services.iter().filter_map(|s| addon_of(s)).map(|a| (v.supplier.clone(), v.client.clone(), a)))
        .collect();
    let reported: BTreeSet<(String, String, &str)> = addons.iter().filter(|r| r.3 > 0).map(|r| (r.0.clone(), r.1.clone(), r.2)).collect();
    f.insert("addon_reporting_rate", share(delivered.intersection(&reported).count(), delivered.len()));
    f.insert("addon_late_share", share(addons.iter().filter(|r| r.4 > 5).count(), addons.len()));
    let unserved = positive.iter().filter(|(k, _)| !visits.iter().any(|v| (&v.supplier, &v.client) == (&k.0, &k.1))).count();
    f.insert("unserved_clients", (!granted.is_empty()).then_some(unserved as f64));
    let manual: Vec<&&V> = visits.iter().filter(|v| v.is_manual()).collect();
    f.insert("manual_reason_share", share(manual.iter().filter(|v| v.manual_reason).count(), manual.len()));

    // Continuity: counted visits in the window, clients with two on every day.
    let counted = |v: &V| {
        let day = v.check_in.format("%d").to_string().parse::<u32>().unwrap();
        let time = v.check_in.time();
        (WINDOW[0]..=WINDOW[1]).contains(&day)
            && time >= chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap()
            && time < chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap()
            && (v.services.is_empty() || v.services.iter().any(|s| *s != "MATD" && *s != "LARM"))
    };
    let mut by_client: BTreeMap<(String, String), Vec<&V>> = BTreeMap::new();
    for v in visits.iter().filter(|v| counted(v)) {
        by_client.entry((v.supplier.clone(), v.client.clone())).or_default().push(v);
    }
    let staff_counts: Vec<f64> = by_client
        .values()
        .filter(|vs| {
            (WINDOW[0]..=WINDOW[1])
                .all(|d| vs.iter().filter(|v| v.check_in.format("%d").to_string().parse::<u32>().unwrap() == d).count() >= 2)
        })
        .map(|vs| vs.iter().map(|v| &v.staff).collect::<BTreeSet<_>>().len() as f64)
        .collect();
    f.insert("continuity_mean", (!staff_counts.is_empty()).then(|| staff_counts.iter().sum::<f64>() / staff_counts.len() as f64));
    f
}

/// Flag rows of SPEC §4 (supplier, flag, visit, related visit), by every pair: `visits` are the
/// performed visits, `declined` the declined and not-at-home registrations.
fn flag_rows(visits: &[V], declined: &[&V], absences: &Absences) -> BTreeSet<(String, String, String, Option<String>)> {
    let mut rows = BTreeSet::new();
    let mut add = |v: &V, flag: &str, related: Option<&V>| {
        rows.insert((v.supplier.clone(), flag.to_string(), v.id.clone(), related.map(|r| r.id.clone())));
    };
    for v in visits {
        match v.seconds() {
            None => add(v, "missing_checkout", None),
            Some(s) if s < 0 => add(v, "negative_duration", None),
            Some(s) if s > 720 * 60 => add(v, "overlong", None),
            _ => {}
        }
    }
    for v in visits {
        if absences.iter().any(|(c, from, to)| *c == v.client && *from <= v.check_in && to.is_none_or(|to| v.check_in < to)) {
            add(v, "during_absence", None);
        }
        // The days in a row up to this visit's day on which its staff member has a visit.
        let works = |day: u32| visits.iter().any(|w| (&w.supplier, &w.staff) == (&v.supplier, &v.staff) && w.day() == day);
        let run = (1..=v.day()).rev().take_while(|d| works(*d)).count() as u32;
        if run > MAX_DAYS_IN_ROW {
            add(v, "no_day_off", None);
        }
    }
    // `declined_remainder`: a declined or not-at-home registration 0–60 seconds after the
    // check-out of a performed visit with valid duration at its client by its staff member.
    for d in declined {
        for p in visits.iter().filter(|p| p.valid() && (&p.supplier, &p.client, &p.staff) == (&d.supplier, &d.client, &d.staff)) {
            if (0..=60).contains(&(d.check_in - p.check_out.unwrap()).num_seconds()) {
                add(d, "declined_remainder", Some(p));
            }
        }
    }
    let valid: Vec<&V> = visits.iter().filter(|v| v.valid()).collect();
    for v in &valid {
        let day: i64 = valid
            .iter()
            .filter(|w| (&w.supplier, &w.staff) == (&v.supplier, &v.staff) && w.check_in.date() == v.check_in.date())
            .map(|w| w.seconds().unwrap())
            .sum();
        if day > LONG_DAY_SECONDS {
            add(v, "long_day", None);
        }
    }
    let mut by_staff: BTreeMap<(&str, &str), Vec<&V>> = BTreeMap::new();
    for v in &valid {
        by_staff.entry((&v.supplier, &v.staff)).or_default().push(v);
    }
    for vs in by_staff.values_mut() {
        vs.sort_by(|a, b| a.check_in.cmp(&b.check_in).then_with(|| a.id.as_bytes().cmp(b.id.as_bytes())));
        for pair in vs.windows(2) {
            let gap = (pair[1].check_in - pair[0].check_out.unwrap()).num_seconds();
            let other_area = !pair[0].area.is_empty() && !pair[1].area.is_empty() && pair[0].area != pair[1].area;
            let travel = if other_area { 300 } else { 60 };
            if pair[0].client != pair[1].client && (0..travel).contains(&gap) {
                add(pair[0], "short_travel", Some(pair[1]));
                add(pair[1], "short_travel", Some(pair[0]));
            }
        }
    }
    for (i, a) in valid.iter().enumerate() {
        for b in &valid[i + 1..] {
            if a.supplier != b.supplier {
                continue;
            }
            let (a_out, b_out) = (a.check_out.unwrap(), b.check_out.unwrap());
            let overlaps = a.check_in < b_out && b.check_in < a_out;
            let identical = a.check_in == b.check_in && a_out == b_out;
            if a.staff == b.staff && a.client == b.client && a.shares_service(b) && (overlaps || identical) {
                add(a, "duplicate", Some(b));
                add(b, "duplicate", Some(a));
            }
            let overlap = (a_out.min(b_out) - a.check_in.max(b.check_in)).num_seconds();
            if a.staff == b.staff && a.client != b.client && overlap > 60 {
                add(a, "staff_overlap", Some(b));
                add(b, "staff_overlap", Some(a));
            }
        }
    }
    let mut by_client: BTreeMap<(&str, &str), Vec<&V>> = BTreeMap::new();
    for v in &valid {
        by_client.entry((&v.supplier, &v.client)).or_default().push(v);
    }
    for vs in by_client.values_mut() {
        vs.sort_by(|a, b| a.check_in.cmp(&b.check_in).then_with(|| a.id.as_bytes().cmp(b.id.as_bytes())));
        for pair in vs.windows(2) {
            let gap = (pair[1].check_in - pair[0].check_out.unwrap()).num_seconds();
            if (0..=60).contains(&gap) {
                let flag = if pair[0].shares_service(pair[1]) { "repeated_service" } else { "adjacent" };
                add(pair[0], flag, Some(pair[1]));
                add(pair[1], flag, Some(pair[0]));
            }
        }
        if vs.len() >= SINGLE_STAFF_MIN_VISITS {
            let mut per_staff: BTreeMap<&str, usize> = BTreeMap::new();
            for v in vs.iter() {
                *per_staff.entry(&v.staff).or_default() += 1;
            }
            if let Some((staff, n)) = per_staff.iter().max_by_key(|(_, n)| **n) {
                if *n as f64 / vs.len() as f64 >= 0.90 {
                    for v in vs.iter().filter(|v| v.staff == *staff) {
                        add(v, "single_staff", None);
                    }
                }
            }
        }
    }
    rows
}

fn write_inputs(
    dir: &std::path::Path,
    visits: &[V],
    status_column: bool,
    granted: &Granted,
    addons: &Addons,
    absences: &Absences,
    invoices: &Granted,
) -> [PathBuf; 5] {
    let time = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut text = String::from(
        "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,area,manual_reason",
    );
    text.push_str(if status_column { ",status\n" } else { "\n" });
    for v in visits {
        let status = if status_column { format!(",{}", v.status_word) } else { String::new() };
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}{status}\n",
            v.id,
            v.supplier,
            v.client,
            v.staff,
            time(v.check_in),
            v.check_out.map(time).unwrap_or_default(),
            v.in_method,
            v.out_method.unwrap_or(""),
            v.services.join("|"),
            v.area,
            if v.manual_reason { "Glömde kvittera" } else { "" }
        ));
    }
    let paths =
        [dir.join("visits.csv"), dir.join("granted.csv"), dir.join("addons.csv"), dir.join("absences.csv"), dir.join("invoices.csv")];
    std::fs::write(&paths[0], text).unwrap();
    let mut text = String::from("supplier_id,client_id,month,granted_minutes\n");
    for (s, c, m) in granted {
        text.push_str(&format!("{s},{c},2025-03,{m}\n"));
    }
    std::fs::write(&paths[1], text).unwrap();
    let mut text = String::from("supplier_id,client_id,month,addon,quantity,reported_on\n");
    for (s, c, a, q, day) in addons {
        text.push_str(&format!("{s},{c},2025-03,{a},{q},2025-04-{day:02}\n"));
    }
    std::fs::write(&paths[2], text).unwrap();
    // Swedish column names, dates alone where the time is midnight.
    let mut text = String::from("Personnummer,Från,Till,Orsak\n");
    let bound = |t: NaiveDateTime, end: bool| match (t.time() == chrono::NaiveTime::MIN, end) {
        (true, false) => t.format("%Y-%m-%d").to_string(),
        (true, true) => (t.date() - Duration::days(1)).format("%Y-%m-%d").to_string(),
        _ => time(t),
    };
    for (c, from, to) in absences {
        text.push_str(&format!("{c},{},{},sjukhus\n", bound(*from, false), to.map(|t| bound(t, true)).unwrap_or_default()));
    }
    std::fs::write(&paths[3], text).unwrap();
    let mut text = String::from("supplier_id,client_id,month,invoiced_minutes\n");
    for (s, c, m) in invoices {
        text.push_str(&format!("{s},{c},2025-03,{m}\n"));
    }
    std::fs::write(&paths[4], text).unwrap();
    paths
}

/// SPEC §10's reason for a performed visit with valid duration, read from the expected flag
/// rows: the first of during an absence, the later copy of a duplicate, the later of a staff
/// member's overlapping visits, manual without a reason.
fn questioned_reason(
    v: &V,
    flags: &BTreeSet<(String, String, String, Option<String>)>,
    by_id: &BTreeMap<&str, &V>,
) -> Option<&'static str> {
    let has = |flag: &str| flags.iter().any(|r| r.1 == flag && r.2 == v.id);
    let partner_before = |flag: &str| {
        flags.iter().filter(|r| r.1 == flag && r.2 == v.id).filter_map(|r| r.3.as_deref()).any(|p| {
            let p = by_id[p];
            (p.check_in, p.id.as_bytes()) < (v.check_in, v.id.as_bytes())
        })
    };
    if has("during_absence") {
        Some("during_absence")
    } else if partner_before("duplicate") {
        Some("duplicate")
    } else if partner_before("staff_overlap") {
        Some("staff_overlap")
    } else if v.is_manual() && !v.manual_reason {
        Some("manual_without_reason")
    } else {
        None
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
        _ => false,
    }
}

fn check(
    specs: &[Spec],
    granted_specs: &[(usize, usize, usize)],
    addon_specs: &[(usize, usize, bool, u32, u32)],
    absence_specs: &[AbsenceSpec],
    invoice_specs: &[(usize, usize, usize)],
    status_column: bool,
) -> Result<(), TestCaseError> {
    let all = build(specs, status_column);
    // The figures and flags count performed visits; `declined_share` and `declined_remainder`
    // the others too.
    let visits: Vec<V> = all.iter().filter(|v| v.performed()).cloned().collect();
    let declined: Vec<&V> = all.iter().filter(|v| v.declined()).collect();
    let absences = absences_of(absence_specs, &visits);
    let granted: Granted =
        granted_specs.iter().map(|(s, c, m)| (format!("S{}", s + 1), format!("c{}", c + 1), GRANTED_MINUTES[*m])).collect();
    let addons: Addons = addon_specs
        .iter()
        .map(|(s, c, laundry, q, day)| (format!("S{}", s + 1), format!("c{}", c + 1), if *laundry { "laundry" } else { "meal" }, *q, *day))
        .collect();
    // Clients c5 and c6 have no visit.
    let invoices: Granted =
        invoice_specs.iter().map(|(s, c, m)| (format!("S{}", s + 1), format!("c{}", c + 1), GRANTED_MINUTES[*m])).collect();
    let dir = tempfile::tempdir().unwrap();
    let [v, g, a, ab, inv] = write_inputs(dir.path(), &all, status_column, &granted, &addons, &absences, &invoices);
    let config = Config::from_toml_str(CONFIG).unwrap();
    let paths = vec![v];
    let inputs = InputPaths { visits: &paths, granted: Some(&g), addons: Some(&a), absences: Some(&ab), invoices: Some(&inv) };
    let ingested = read_all(&inputs, &config, &Pseudonymizer::new(b"oracle")).unwrap();
    prop_assert!(ingested.rejects.is_empty(), "every generated row is valid: {:?}", ingested.rejects.first().map(|r| &r.reason));
    let (data, _, _) = select_month(ingested, "2025-03".parse().unwrap());
    let analysis = analyse(&data, &config);

    let got: BTreeMap<(String, String), Option<f64>> =
        analysis.figures.iter().map(|f| ((f.supplier_id.clone(), f.metric.id().to_string()), f.value)).collect();
    let expected_flags = flag_rows(&visits, &declined, &absences);
    let by_id: BTreeMap<&str, &V> = all.iter().map(|v| (v.id.as_str(), v)).collect();
    // One row of questioned.csv per questioned visit, with its reason.
    let expected_questioned: BTreeSet<(String, String, &str)> = visits
        .iter()
        .filter(|v| v.valid())
        .filter_map(|v| Some((v.supplier.clone(), v.id.clone(), questioned_reason(v, &expected_flags, &by_id)?)))
        .collect();
    let got_questioned: BTreeSet<(String, String, &str)> =
        analysis.questioned.iter().map(|q| (q.supplier_id.clone(), q.visit_id.clone(), q.reason.name())).collect();
    prop_assert_eq!(analysis.questioned.len(), got_questioned.len(), "no questioned row twice");
    prop_assert_eq!(&got_questioned, &expected_questioned);

    // Suppliers with registrations of any status, granted time or add-on reports, and the
    // municipality.
    let mut suppliers: BTreeSet<String> = all.iter().map(|v| v.supplier.clone()).collect();
    suppliers.extend(granted.iter().map(|g| g.0.clone()));
    suppliers.extend(addons.iter().map(|a| a.0.clone()));
    suppliers.extend(invoices.iter().map(|i| i.0.clone()));
    let got_suppliers: BTreeSet<String> = got.keys().map(|k| k.0.clone()).filter(|s| s != "ALL").collect();
    prop_assert_eq!(&got_suppliers, &suppliers);
    for supplier in suppliers.iter().map(String::as_str).chain(["ALL"]) {
        let mine = |s: &str| supplier == "ALL" || s == supplier;
        let scope: Vec<&V> = visits.iter().filter(|v| mine(&v.supplier)).collect();
        let g: Granted = granted.iter().filter(|r| mine(&r.0)).cloned().collect();
        let a: Addons = addons.iter().filter(|r| mine(&r.0)).cloned().collect();
        let mut figures = key_figures(&scope, &g, &a);
        // Every registration of the scope, of any status, is the denominator.
        let registrations: Vec<&V> = all.iter().filter(|v| mine(&v.supplier)).collect();
        let declined_share = share(registrations.iter().filter(|v| v.declined()).count(), registrations.len());
        figures.insert("declined_share", declined_share.filter(|_| status_column));
        let payment = expected_payment(&scope, &g, &invoices.iter().filter(|r| mine(&r.0)).cloned().collect(), &expected_flags, &by_id);
        figures.insert("questioned_share", (payment.registered > 0.0).then(|| payment.questioned.iter().sum::<f64>() / payment.registered));
        figures.insert("invoice_excess_share", (payment.invoiced > 0.0).then(|| payment.excess / payment.invoiced));
        let row = analysis.payment.iter().find(|p| p.supplier_id == supplier).expect("a payment row per supplier");
        let near = |have: i64, want: f64| (have as f64 / 100.0 - want).abs() <= 0.006;
        prop_assert!(near(row.registered, payment.registered), "{} registered {} vs {}", supplier, row.registered, payment.registered);
        for (i, want) in payment.questioned.iter().enumerate() {
            prop_assert!(near(row.per_reason[i], *want), "{} reason {} {} vs {}", supplier, i, row.per_reason[i], want);
        }
        let total: f64 = payment.questioned.iter().sum();
        prop_assert!(near(row.questioned, total), "{} questioned {} vs {}", supplier, row.questioned, total);
        let kronor = (total * HOURLY_RATE / 60.0).round();
        prop_assert!(
            row.questioned_kronor.is_some_and(|k| (k as f64 - kronor).abs() <= 1.0),
            "{} kronor {:?} vs {}",
            supplier,
            row.questioned_kronor,
            kronor
        );
        // A supplier without a granted row has no over-granted time; the municipality has it.
        let over = (supplier == "ALL" || !g.is_empty()).then_some(payment.over_granted);
        prop_assert!(
            row.over_granted
                .map(|h| h as f64 / 100.0)
                .zip(over)
                .map_or(row.over_granted.is_none() && over.is_none(), |(h, w)| (h - w).abs() <= 0.006),
            "{} over_granted {:?} vs {:?}",
            supplier,
            row.over_granted,
            over
        );
        prop_assert!(
            row.invoiced.is_some_and(|h| near(h, payment.invoiced)),
            "{} invoiced {:?} vs {}",
            supplier,
            row.invoiced,
            payment.invoiced
        );
        prop_assert!(
            row.invoice_excess.is_some_and(|h| near(h, payment.excess)),
            "{} excess {:?} vs {}",
            supplier,
            row.invoice_excess,
            payment.excess
        );
        for (figure, want) in figures {
            let have = got.get(&(supplier.to_string(), figure.to_string())).copied().flatten();
            prop_assert!(close(have, want), "{} {}: engine {:?}, reference {:?}", supplier, figure, have, want);
        }
        for flag in tidkoll::model::Flag::ALL.map(|f| f.name()) {
            let count = expected_flags.iter().filter(|r| mine(&r.0) && r.1 == flag).map(|r| &r.2).collect::<BTreeSet<_>>().len();
            let missing = flag == "declined_remainder" && !status_column;
            let have = got.get(&(supplier.to_string(), format!("flag.{flag}"))).copied().flatten();
            let want = Some(count as f64).filter(|_| !missing);
            prop_assert!(close(have, want), "{} flag.{}: engine {:?}, reference {:?}", supplier, flag, have, want);
            // Per 1,000 performed visits.
            let rate = share(count * 1000, scope.len()).filter(|_| !missing);
            let have = got.get(&(supplier.to_string(), format!("flag_rate.{flag}"))).copied().flatten();
            prop_assert!(close(have, rate), "{} flag_rate.{}: engine {:?}, reference {:?}", supplier, flag, have, rate);
        }
    }
    let got_flags: BTreeSet<(String, String, String, Option<String>)> = analysis
        .flags
        .iter()
        .map(|f| (f.supplier_id.clone(), f.flag.name().to_string(), f.visit_id.clone(), f.related_visit_id.clone()))
        .collect();
    prop_assert_eq!(analysis.flags.len(), got_flags.len(), "no flag row twice");
    let missing: Vec<_> = expected_flags.difference(&got_flags).collect();
    let extra: Vec<_> = got_flags.difference(&expected_flags).collect();
    prop_assert!(missing.is_empty() && extra.is_empty(), "flag rows missing {:?}, extra {:?}", missing, extra);

    // The drill-down: the same figures per staff member and per client (SPEC §3, last line).
    let pseudonyms = Pseudonymizer::new(b"oracle");
    let flagged: BTreeSet<&str> = expected_flags.iter().map(|r| r.2.as_str()).collect();
    for (table, is_client) in [(&analysis.staff, false), (&analysis.clients, true)] {
        // A member of any registration has a row; its counts are of its performed visits, its
        // flagged registrations of any status.
        let mut expected: BTreeMap<(String, String), Vec<&V>> = BTreeMap::new();
        let mut flagged_of: BTreeMap<(String, String), usize> = BTreeMap::new();
        for v in &all {
            let member = if is_client { pseudonyms.pseudonym(&v.client) } else { v.staff.clone() };
            let entry = expected.entry((v.supplier.clone(), member.clone())).or_default();
            if v.performed() {
                entry.push(v);
            }
            *flagged_of.entry((v.supplier.clone(), member)).or_default() += usize::from(flagged.contains(v.id.as_str()));
        }
        let mut granted_of: BTreeMap<(String, String), f64> = BTreeMap::new();
        if is_client {
            for (s, c, m) in &granted {
                *granted_of.entry((s.clone(), pseudonyms.pseudonym(c))).or_default() += m;
                expected.entry((s.clone(), pseudonyms.pseudonym(c))).or_default();
            }
        }
        let keys: Vec<(String, String)> = table.iter().map(|m| (m.supplier_id.clone(), m.member_id.clone())).collect();
        prop_assert_eq!(keys, expected.keys().cloned().collect::<Vec<_>>(), "one row per member, sorted");
        for (m, ((_, _), vs)) in table.iter().zip(&expected) {
            let minutes: Vec<f64> = vs.iter().filter(|v| v.valid()).map(|v| v.seconds().unwrap() as f64 / 60.0).collect();
            let checked_in = vs.iter().filter(|v| v.verified()).count();
            let t = &m.tally;
            prop_assert_eq!(t.visits as usize, vs.len());
            prop_assert_eq!(t.checked_in as usize, checked_in);
            prop_assert!(close(t.checkin_rate(), share(checked_in, vs.len())), "{} checkin_rate {:?}", m.member_id, t.checkin_rate());
            prop_assert_eq!(t.valid as usize, minutes.len());
            prop_assert!(close(t.minutes_mean(), (!minutes.is_empty()).then(|| minutes.iter().sum::<f64>() / minutes.len() as f64)));
            prop_assert!(close(m.median, median(minutes.clone())));
            prop_assert!(close(t.short_share(), share(minutes.iter().filter(|x| **x < 5.0).count(), minutes.len())));
            prop_assert_eq!(t.flagged as usize, flagged_of.get(&(m.supplier_id.clone(), m.member_id.clone())).copied().unwrap_or(0));
            if is_client {
                prop_assert_eq!(m.distinct_staff, Some(vs.iter().map(|v| &v.staff).collect::<BTreeSet<_>>().len() as u32));
                let g = granted_of.get(&(m.supplier_id.clone(), m.member_id.clone())).copied();
                prop_assert!(close(t.granted.map(|g| g.minutes()), g));
                let rate = g.filter(|g| *g > 0.0).map(|g| minutes.iter().sum::<f64>() / g);
                prop_assert!(close(t.completion(), rate), "{} completion {:?} vs {:?}", m.member_id, t.completion(), rate);
            }
        }
    }
    Ok(())
}

/// SPEC §10 for one scope, in minutes.
struct Payment {
    registered: f64,
    /// Per reason, in SPEC order.
    questioned: [f64; 4],
    over_granted: f64,
    invoiced: f64,
    excess: f64,
}

fn expected_payment(
    scope: &[&V],
    granted: &Granted,
    invoices: &Granted,
    flags: &BTreeSet<(String, String, String, Option<String>)>,
    by_id: &BTreeMap<&str, &V>,
) -> Payment {
    const REASONS: [&str; 4] = ["during_absence", "duplicate", "staff_overlap", "manual_without_reason"];
    let minutes = |v: &V| v.seconds().unwrap() as f64 / 60.0;
    let mut p = Payment { registered: 0.0, questioned: [0.0; 4], over_granted: 0.0, invoiced: 0.0, excess: 0.0 };
    // Unquestioned minutes per (supplier, client).
    let mut supported: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for v in scope.iter().filter(|v| v.valid()) {
        p.registered += minutes(v);
        match questioned_reason(v, flags, by_id) {
            Some(reason) => p.questioned[REASONS.iter().position(|r| *r == reason).unwrap()] += minutes(v),
            None => *supported.entry((v.supplier.as_str(), v.client.as_str())).or_default() += minutes(v),
        }
    }
    let sum_by_client = |rows: &Granted| {
        let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
        for (s, c, m) in rows {
            *sums.entry((s.clone(), c.clone())).or_default() += m;
        }
        sums
    };
    for ((s, c), g) in sum_by_client(granted).into_iter().filter(|(_, g)| *g > 0.0) {
        p.over_granted += (supported.get(&(s.as_str(), c.as_str())).copied().unwrap_or(0.0) - g).max(0.0);
    }
    for ((s, c), i) in sum_by_client(invoices) {
        p.invoiced += i;
        p.excess += (i - supported.get(&(s.as_str(), c.as_str())).copied().unwrap_or(0.0)).max(0.0);
    }
    p
}

/// Cases per run: 64 in CI, more with `PROPTEST_CASES`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn figures_and_flags_match_a_plain_reading_of_the_spec(
        specs in prop::collection::vec(spec(), 1..80),
        granted in prop::collection::vec((0usize..3, 0usize..4, 0usize..6), 0..8),
        addons in prop::collection::vec((0usize..3, 0usize..4, any::<bool>(), 0u32..3, 1u32..9), 0..8),
        absences in prop::collection::vec(absence_spec(), 0..4),
        invoices in prop::collection::vec((0usize..3, 0usize..6, 0usize..6), 0..8),
        status_column in prop::bool::weighted(0.75),
    ) {
        check(&specs, &granted, &addons, &absences, &invoices, status_column)?;
    }
}

//! Example exports with known deviations, deterministic by seed and streamed to disk, in the
//! canonical or the Swedish dialect (`tidkoll generate`).

mod headers;
mod month;
pub use headers::swedish_config;
pub use month::generate_month;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::model::VisitStatus;
use anyhow::{Context, Result};
use chrono::{Duration, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Europe::Stockholm;

/// The export dialect of the generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// UTF-8, `,`, canonical column names, timestamps with offset, decimal point.
    Canonical,
    /// Windows-1252, `;`, Swedish column names, local times, decimal comma, personnummer.
    Swedish,
}

/// The shape of a generated month: how many suppliers, and what the client ids look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The five built-in profiles (repeated in groups per 500,000 visits); in the Swedish dialect
    /// 40 % of the clients are personnummer, otherwise `K` numbers.
    Example,
    /// A national month as real exports give it: about 60 suppliers per million visits (750
    /// for 12.5 M), about 200 clients and 125 staff members each, every client id a personnummer
    /// (with a failing check digit), timestamps with offsets in the canonical dialect.
    National,
    /// A national month as a municipality's time-registration system exports it: the national
    /// suppliers, client ids of two kinds (six in ten a personnummer, written without century
    /// on one row in ten, the others short ids), local times to the second without offset,
    /// 12-digit visit ids, and one supplier in fifty named with a comma (`"Vårdbolaget Väst 3,
    /// Hemtjänst AB"`, quoted in the canonical dialect).
    Municipality,
}

impl Shape {
    /// Suppliers for about `visits` visits a month.
    fn suppliers(self, visits: u64) -> usize {
        match self {
            Shape::Example => PROFILES.len() * visits.div_ceil(500_000).max(1) as usize,
            Shape::National | Shape::Municipality => visits.div_ceil(16_667).max(PROFILES.len() as u64) as usize,
        }
    }
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
    /// Share of manual registrations written without a reason.
    pub manual_reason_missing: f64,
    /// Clients with granted time whom nobody visits.
    pub unserved_clients: usize,
    /// Share of regular visits registered as declined or not at home instead (no care given,
    /// no check-out).
    pub declined: f64,
    /// Share of visits cut short, with the rest of the ordered time registered as declined
    /// right after by the same staff member (`declined_remainder`).
    pub declined_remainder: f64,
    /// Share of clients invoiced their granted time instead of the time performed.
    pub over_invoiced: f64,
    /// Registrations that cannot be true, and near misses just inside every limit.
    pub plants: &'static [Plant],
}

/// A scenario planted in a supplier's month with visits of its own (and absences).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// A staff member with 625 minutes in clients' homes on day 3.
    LongDay,
    /// A staff member checked in at another client's home (in another area) four minutes after
    /// checking out.
    ShortTravel,
    /// Visits registered while two clients were in hospital or deceased.
    VisitsDuringAbsence,
    /// Just inside every limit: exactly 600 minutes on a day, a gap of exactly 1 minute in the
    /// same area and exactly 5 between areas, an absence that ends as a visit begins.
    NearMisses,
    /// Short visits on day 7 followed by a declined registration 0 and 1 minute after (flagged
    /// `declined_remainder`), 2 minutes after and by another staff member (not flagged).
    DeclinedAfterShortVisits,
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
    manual_reason_missing: 0.0,
    unserved_clients: 0,
    declined: 0.005,
    declined_remainder: 0.0,
    over_invoiced: 0.0,
    plants: &[Plant::NearMisses],
};

/// A supplier that starts in the second month generated (`tidkoll generate --months` with
/// several), for the seeds' rule on newly established suppliers (SPEC §9).
pub const NEW_SUPPLIER: Profile = Profile { name: "Ny Omsorg AB", plants: &[], ..GOOD };

/// The five profiles; larger runs repeat them with a number.
pub const PROFILES: [Profile; 5] = [
    GOOD,
    Profile {
        name: "Hemtjänst Syd AB",
        unverified: 0.35,
        short_visits: 0.15,
        manual_reason_missing: 0.4,
        declined: 0.06,
        declined_remainder: 0.01,
        plants: &[Plant::DeclinedAfterShortVisits],
        ..GOOD
    },
    Profile {
        name: "Trygg Vård AB",
        length_factor: 1.15,
        duplicates: 0.015,
        repeated: 0.02,
        adjacent: 0.03,
        plants: &[Plant::ShortTravel, Plant::VisitsDuringAbsence],
        ..GOOD
    },
    Profile {
        name: "Vardag Omsorg AB",
        random_staff: true,
        missing_checkout: 0.03,
        staff_overlap: 0.01,
        plants: &[Plant::LongDay],
        ..GOOD
    },
    Profile {
        name: "Nära Hemtjänst AB",
        length_factor: 0.55,
        single_staff_clients: 0.4,
        addon_unreported: 0.3,
        addon_late: 0.4,
        unserved_clients: 2,
        over_invoiced: 0.3,
        plants: &[],
        ..GOOD
    },
];

/// Planned minutes per service code.
const SERVICES: [(&str, f64); 8] =
    [("OMV", 30.0), ("DUSCH", 45.0), ("TILLSYN", 10.0), ("SERV", 60.0), ("INK", 45.0), ("MATD", 5.0), ("TVATT", 30.0), ("LARM", 20.0)];

/// The districts clients live in, by client number.
const AREAS: [&str; 5] = ["Centrum", "Norr", "Söder", "Väster", "Öster"];

/// Reasons given for a registration made afterwards.
const MANUAL_REASONS: [&str; 3] = ["Glömde kvittera", "Taggen saknas", "Mobilen fungerade inte"];

struct Writer {
    out: BufWriter<File>,
    dialect: Dialect,
    line: String,
}

impl Writer {
    fn create(path: &Path, dialect: Dialect, header: &str) -> Result<Writer> {
        let file = File::create(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
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

    /// Appends a field, quoted (as a CSV writer quotes) when it holds the separator, a quote or
    /// a line break.
    fn field(&mut self, value: &str) {
        let sep = self.sep();
        if !self.line.is_empty() {
            self.line.push(sep);
        }
        if value.contains([sep, '"', '\n', '\r']) {
            self.line.push('"');
            self.line.push_str(&value.replace('"', "\"\""));
            self.line.push('"');
        } else {
            self.line.push_str(value);
        }
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
    status: VisitStatus,
}

struct Client {
    id: String,
    area: &'static str,
    /// Granted time but never visited.
    unserved: bool,
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

/// A local time to the second without offset, as a municipality's export writes it.
fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Moves a local time out of the spring DST gap.
fn existing(t: NaiveDateTime) -> NaiveDateTime {
    match Stockholm.from_local_datetime(&t) {
        LocalResult::None => t + Duration::hours(1),
        _ => t,
    }
}

/// An instant as the dialect writes it: with an offset, or as local time.
fn absence_stamp(dialect: Dialect, t: NaiveDateTime) -> String {
    match dialect {
        Dialect::Swedish => t.format("%Y-%m-%d %H:%M").to_string(),
        Dialect::Canonical => stamp(dialect, t),
    }
}

/// A personnummer as a case system might write it: without century (`YYMMDD-NNNN`).
fn short_form(id: &str) -> String {
    if id.len() == 13 && id.as_bytes()[8] == b'-' {
        id[2..].to_string()
    } else {
        id.to_string()
    }
}

/// The status word of a registration in the dialect: the canonical name, or the Swedish word a
/// time-registration system writes.
fn status_word(dialect: Dialect, status: VisitStatus) -> &'static str {
    match (dialect, status) {
        (Dialect::Canonical, s) => s.as_str(),
        (Dialect::Swedish, VisitStatus::Performed) => "Utförd",
        (Dialect::Swedish, VisitStatus::Declined) => "Avböjd",
        (Dialect::Swedish, VisitStatus::NotHome) => "Ej hemma",
        (Dialect::Swedish, VisitStatus::Cancelled) => "Inställd",
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
    pub absences: Option<PathBuf>,
    pub invoices: Option<PathBuf>,
    pub visit_count: u64,
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

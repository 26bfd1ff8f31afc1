//! Timestamps of SPEC §2: the accepted forms, Europe/Stockholm local time and its DST rules.

use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Timelike};
use chrono_tz::Europe::Stockholm;

pub use crate::model::time::{local_time, minute_of_day};

/// A timestamp as written: local wall-clock time, or an instant when an offset was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Local(NaiveDateTime),
    Instant(i64),
}

const FORMS: &str = "ÅÅÅÅ-MM-DD TT:MM eller TT:MM:SS, eventuellt med T i stället för mellanslaget och med en tidszon som +01:00 eller Z";

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let b = s.trim().as_bytes();
    let date = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((digits(&b[..4])?, digits(&b[5..7])?, digits(&b[8..10])?)))
        .flatten()
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y as i32, m, d));
    date.ok_or_else(|| format!("'{}' är inget datum (skriv ÅÅÅÅ-MM-DD)", s.trim()))
}

/// Parses one of the accepted timestamp forms.
pub fn parse_stamp(s: &str) -> Result<Stamp, String> {
    Ok(match parse_stamp_with(s, |date| parse_date(date).ok())? {
        (naive, None) => Stamp::Local(naive),
        (naive, Some(offset)) => Stamp::Instant(naive.and_utc().timestamp() - offset),
    })
}

/// What a reader of many timestamps remembers between them (one per chunk of a visits file):
/// the last date written and what it parsed to, and Stockholm's wall clock at the start of the
/// last hour asked for. An export lists a supplier's visits by time, so row after row has the
/// same date and hour. Each answer is exactly what `parse_stamp` and `local_time` give.
#[derive(Default)]
pub struct Clock {
    date: Option<([u8; 10], Option<NaiveDate>)>,
    /// The last UTC hour asked for (its first second) and Stockholm's wall clock then (date
    /// and second of the day), when the clocks are not changed within it.
    hour: Option<(i64, Option<(NaiveDate, u32)>)>,
    /// The last wall-clock hours of a check-in and of a check-out resolved (the hour's first
    /// second since 1970-01-01 00:00 on the wall clock), with Stockholm's offset from UTC
    /// through all of the hour when it has one.
    in_hour: Option<(i64, Option<i64>)>,
    out_hour: Option<(i64, Option<i64>)>,
    /// The last wall-clock date resolved and its midnight in seconds since 1970-01-01 00:00
    /// on the wall clock.
    midnight: Option<(NaiveDate, i64)>,
}

impl Clock {
    /// As `parse_stamp`.
    pub fn parse_stamp(&mut self, s: &str) -> Result<Stamp, String> {
        let parsed = parse_stamp_with(s, |date| {
            let key: [u8; 10] = date.as_bytes().try_into().ok()?;
            match self.date {
                Some((bytes, parsed)) if bytes == key => parsed,
                _ => {
                    let parsed = parse_date(date).ok();
                    self.date = Some((key, parsed));
                    parsed
                }
            }
        })?;
        Ok(match parsed {
            (naive, None) => Stamp::Local(naive),
            (naive, Some(offset)) => Stamp::Instant(self.wall_seconds(naive) - offset),
        })
    }

    /// The local wall-clock time of a check-in: as written when it had no offset, else as
    /// `local_time` gives it.
    pub fn local_of(&mut self, stamp: Stamp, instant: i64) -> NaiveDateTime {
        match stamp {
            Stamp::Local(naive) => naive,
            Stamp::Instant(_) => self.local_time(instant),
        }
    }

    /// As `resolve_check_in`.
    pub fn resolve_check_in(&mut self, stamp: Stamp) -> Result<i64, String> {
        match stamp {
            Stamp::Local(naive) => {
                let wall = self.wall_seconds(naive);
                match steady_instant(&mut self.in_hour, wall) {
                    Some(instant) => Ok(instant),
                    None => resolve_check_in(stamp),
                }
            }
            Stamp::Instant(t) => Ok(t),
        }
    }

    /// As `resolve_check_out`.
    pub fn resolve_check_out(&mut self, stamp: Stamp, check_in: i64) -> Result<i64, String> {
        match stamp {
            Stamp::Local(naive) => {
                let wall = self.wall_seconds(naive);
                match steady_instant(&mut self.out_hour, wall) {
                    Some(instant) => Ok(instant),
                    None => resolve_check_out(stamp, check_in),
                }
            }
            Stamp::Instant(t) => Ok(t),
        }
    }

    /// `naive` in seconds since 1970-01-01 00:00 on the wall clock: its date's midnight, kept
    /// from the timestamp before when it has the same date, plus its time of day.
    fn wall_seconds(&mut self, naive: NaiveDateTime) -> i64 {
        let date = naive.date();
        let midnight = match self.midnight {
            Some((kept, midnight)) if kept == date => midnight,
            _ => {
                let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
                self.midnight = Some((date, midnight));
                midnight
            }
        };
        midnight + i64::from(naive.time().num_seconds_from_midnight())
    }

    /// As `local_time`: the wall clock at the start of the instant's hour, plus the seconds
    /// since, when the clocks are not changed within that hour.
    pub fn local_time(&mut self, instant: i64) -> NaiveDateTime {
        let (first, start) = match self.hour {
            Some((first, start)) if (0..3600).contains(&(instant - first)) => (first, start),
            _ => {
                let first = instant.div_euclid(3600) * 3600;
                let start = steady_hour_start(first).map(|start| (start.date(), start.time().num_seconds_from_midnight()));
                self.hour = Some((first, start));
                (first, start)
            }
        };
        // Within the hour's date; an hour that runs past local midnight is read in full.
        let within = |(date, second): (NaiveDate, u32)| {
            NaiveTime::from_num_seconds_from_midnight_opt(second + (instant - first) as u32, 0).map(|time| date.and_time(time))
        };
        start.and_then(within).unwrap_or_else(|| local_time(instant))
    }
}

/// Stockholm's wall clock at `first`, the first second of a UTC hour, when the hour's last
/// second is 3,599 seconds later on the wall clock as well (the clocks are not changed within
/// the hour; the time zone never changes them twice within an hour).
fn steady_hour_start(first: i64) -> Option<NaiveDateTime> {
    let start = local_time(first);
    (local_time(first + 3599) - start == TimeDelta::seconds(3599)).then_some(start)
}

/// The instant of wall-clock time `wall` (seconds since 1970-01-01 00:00 on the wall clock)
/// when all of its hour has one reading, by the offset kept in `kept` for the hour; `None` in
/// an hour the clocks are changed in (resolved in full). The time zone's rules are looked up
/// once per hour, not for every timestamp.
fn steady_instant(kept: &mut Option<(i64, Option<i64>)>, wall: i64) -> Option<i64> {
    let offset = match *kept {
        Some((start, offset)) if (0..3600).contains(&(wall - start)) => offset,
        _ => {
            let hour = wall.div_euclid(3600);
            let offset = steady_offset(hour);
            *kept = Some((hour * 3600, offset));
            offset
        }
    };
    offset.map(|offset| wall - offset)
}

/// Stockholm's offset from UTC, in seconds, through all of wall-clock hour `hour`: when its
/// first and last second each have one reading, at the same offset (the time zone never
/// changes the clocks twice within an hour).
fn steady_offset(hour: i64) -> Option<i64> {
    let first = chrono::DateTime::from_timestamp(hour * 3600, 0)?.naive_utc();
    let last = first + TimeDelta::seconds(3599);
    match (Stockholm.from_local_datetime(&first), Stockholm.from_local_datetime(&last)) {
        (LocalResult::Single(a), LocalResult::Single(b)) => {
            let (a, b) = (a.offset().fix().local_minus_utc(), b.offset().fix().local_minus_utc());
            (a == b).then_some(i64::from(a))
        }
        _ => None,
    }
}

/// Parses a timestamp, its date (the first ten characters) by `date_of`: the wall-clock time
/// written and its offset from UTC in seconds, if one was written.
fn parse_stamp_with(s: &str, date_of: impl FnOnce(&str) -> Option<NaiveDate>) -> Result<(NaiveDateTime, Option<i64>), String> {
    let t = s.trim();
    let fail = || format!("'{t}' är ingen tidpunkt (skriv {FORMS})");
    let b = t.as_bytes();
    if b.len() < 16 || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' {
        return Err(fail());
    }
    let date = date_of(&t[..10]).ok_or_else(fail)?;
    let hour = digits(&b[11..13]).ok_or_else(fail)?;
    let minute = digits(&b[14..16]).ok_or_else(fail)?;
    let mut rest = &b[16..];
    let mut second = 0;
    if rest.first() == Some(&b':') {
        if rest.len() < 3 {
            return Err(fail());
        }
        second = digits(&rest[1..3]).ok_or_else(fail)?;
        rest = &rest[3..];
        // Fractions of a second are accepted and dropped: durations have seconds precision.
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(fail());
            }
            rest = &rest[1 + n..];
        }
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(fail)?;
    let naive = date.and_time(time);
    let offset_secs = match rest {
        [] => return Ok((naive, None)),
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let h = digits(&[*h1, *h2]).ok_or_else(fail)?;
            let m = digits(&[*m1, *m2]).ok_or_else(fail)?;
            if h > 23 || m > 59 {
                return Err(fail());
            }
            let secs = (h * 3600 + m * 60) as i64;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        [sign @ (b'+' | b'-'), h1, h2] => {
            let h = digits(&[*h1, *h2]).ok_or_else(fail)?;
            if h > 23 {
                return Err(fail());
            }
            let secs = (h * 3600) as i64;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return Err(fail()),
    };
    Ok((naive, Some(offset_secs)))
}

fn gap_error(naive: NaiveDateTime) -> String {
    format!("klockslaget {} finns inte i svensk tid (klockan ställs fram en timme den natten)", naive.format("%Y-%m-%d %H:%M"))
}

/// The instant of a check-in: an ambiguous local time (autumn) takes the earlier instant.
pub fn resolve_check_in(stamp: Stamp) -> Result<i64, String> {
    match stamp {
        Stamp::Instant(t) => Ok(t),
        Stamp::Local(naive) => match Stockholm.from_local_datetime(&naive) {
            LocalResult::Single(t) => Ok(t.timestamp()),
            LocalResult::Ambiguous(early, late) => Ok(early.timestamp().min(late.timestamp())),
            LocalResult::None => Err(gap_error(naive)),
        },
    }
}

/// The instant of a check-out: an ambiguous local time takes the earliest reading not before
/// `check_in`, or the earlier reading when neither is.
pub fn resolve_check_out(stamp: Stamp, check_in: i64) -> Result<i64, String> {
    match stamp {
        Stamp::Instant(t) => Ok(t),
        Stamp::Local(naive) => match Stockholm.from_local_datetime(&naive) {
            LocalResult::Single(t) => Ok(t.timestamp()),
            LocalResult::Ambiguous(a, b) => {
                let (early, late) = (a.timestamp().min(b.timestamp()), a.timestamp().max(b.timestamp()));
                Ok(if early >= check_in {
                    early
                } else if late >= check_in {
                    late
                } else {
                    early
                })
            }
            LocalResult::None => Err(gap_error(naive)),
        },
    }
}

/// The instant the month begins: 00:00 local time on its first day.
pub fn month_start(month: crate::model::YearMonth) -> i64 {
    resolve_check_in(Stamp::Local(month.first_day().and_hms_opt(0, 0, 0).expect("midnight"))).expect("midnight exists in Stockholm")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn accepted_forms() {
        let local = Stamp::Local(naive("2025-03-04 08:15:00"));
        assert_eq!(parse_stamp("2025-03-04 08:15").unwrap(), local);
        assert_eq!(parse_stamp("2025-03-04 08:15:00").unwrap(), local);
        assert_eq!(parse_stamp("2025-03-04T08:15").unwrap(), local);
        assert_eq!(parse_stamp(" 2025-03-04T08:15:00 ").unwrap(), local);
        let utc = naive("2025-03-04 07:15:00").and_utc().timestamp();
        assert_eq!(parse_stamp("2025-03-04T08:15:00+01:00").unwrap(), Stamp::Instant(utc));
        assert_eq!(parse_stamp("2025-03-04 07:15Z").unwrap(), Stamp::Instant(utc));
        assert_eq!(parse_stamp("2025-03-04T08:15+0100").unwrap(), Stamp::Instant(utc));
        for bad in ["2025-13-01 08:00", "2025-03-04", "04/03/2025 08:15", "2025-03-04 25:00", "2025-03-04 08:15+1:00", ""] {
            assert!(parse_stamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spring_gap_is_an_error() {
        let s = parse_stamp("2025-03-30 02:30").unwrap();
        assert!(resolve_check_in(s).unwrap_err().contains("finns inte i svensk tid"));
    }

    #[test]
    fn autumn_visit_lasts_its_true_elapsed_time() {
        // 2025-10-26 03:00 CEST becomes 02:00 CET: 02:30 happens twice.
        let cin = resolve_check_in(parse_stamp("2025-10-26 02:10").unwrap()).unwrap();
        assert_eq!(cin, naive("2025-10-26 00:10:00").and_utc().timestamp(), "earlier instant (CEST)");
        // Check-out 02:05 local: the first 02:05 is before check-in, so the second (CET) is taken.
        let cout = resolve_check_out(parse_stamp("2025-10-26 02:05").unwrap(), cin).unwrap();
        assert_eq!((cout - cin) / 60, 55);
        // Check-out 02:40: the earliest reading not before check-in is the CEST one, 30 minutes.
        let cout = resolve_check_out(parse_stamp("2025-10-26 02:40").unwrap(), cin).unwrap();
        assert_eq!((cout - cin) / 60, 30);
        // A visit 01:30–03:30 local across the change lasts 3 hours.
        let cin = resolve_check_in(parse_stamp("2025-10-26 01:30").unwrap()).unwrap();
        let cout = resolve_check_out(parse_stamp("2025-10-26 03:30").unwrap(), cin).unwrap();
        assert_eq!((cout - cin) / 60, 180);
    }

    #[test]
    fn ambiguous_check_out_before_check_in_takes_the_earlier() {
        let cin = resolve_check_in(parse_stamp("2025-10-26T01:00:00Z").unwrap()).unwrap();
        // 02:10 local: readings 00:10Z and 01:10Z, both before 01:00Z? 01:10Z is after: take it.
        let cout = resolve_check_out(parse_stamp("2025-10-26 02:10").unwrap(), cin).unwrap();
        assert_eq!(cout, cin + 600);
        let cin = resolve_check_in(parse_stamp("2025-10-26T05:00:00Z").unwrap()).unwrap();
        let cout = resolve_check_out(parse_stamp("2025-10-26 02:10").unwrap(), cin).unwrap();
        assert_eq!(cout, naive("2025-10-26 00:10:00").and_utc().timestamp());
    }

    #[test]
    fn local_time_of_offset_instant() {
        let s = parse_stamp("2025-01-31T23:30:00Z").unwrap();
        let Stamp::Instant(t) = s else { panic!() };
        assert_eq!(Clock::default().local_of(s, t), naive("2025-02-01 00:30:00"));
    }

    #[test]
    fn a_clock_gives_what_parse_stamp_and_local_time_give() {
        // Every hour of years with changes of clocks (the first summer time of 1916, the war
        // years, 1980 when it came back, today), at its first, middle and last second, read
        // in order through one clock and again each through a new one.
        let years = [1879, 1893, 1900, 1916, 1917, 1940, 1945, 1949, 1979, 1980, 1981, 2024, 2025];
        let mut clock = Clock::default();
        for year in years {
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
            let end = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
            for instant in (start..end).step_by(3600).flat_map(|h| [h, h + 1, h + 1800, h + 3599]) {
                assert_eq!(clock.local_time(instant), local_time(instant), "{instant}");
            }
            for instant in (start..end).step_by(7 * 3600 + 17) {
                assert_eq!(Clock::default().local_time(instant), local_time(instant), "{instant}");
            }
        }
        // Every wall-clock hour of the same years, at its first, middle and last second,
        // resolved as a check-in and as a check-out (after a check-in at the hour's start)
        // through one clock and through the time zone's rules.
        for year in years {
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            for hour in 0..(366 * 24) {
                for second in [0, 1, 1800, 3599] {
                    let stamp = Stamp::Local(start + TimeDelta::seconds(hour * 3600 + second));
                    let check_in = clock.resolve_check_in(stamp);
                    assert_eq!(check_in, resolve_check_in(stamp), "{stamp:?}");
                    let earlier = resolve_check_in(Stamp::Local(start + TimeDelta::seconds(hour * 3600))).unwrap_or(0);
                    assert_eq!(clock.resolve_check_out(stamp, earlier), resolve_check_out(stamp, earlier), "{stamp:?}");
                }
            }
            // Backwards through the same clock, and to the hour and day before and after: a
            // clock keeps the hour and date of the timestamp before, whichever way the next lies.
            for hour in (0..(366 * 24)).rev() {
                for second in [3599, 0, -1, 3600, 86_400, -86_400, 1] {
                    let stamp = Stamp::Local(start + TimeDelta::seconds(hour * 3600 + second));
                    assert_eq!(clock.resolve_check_in(stamp), resolve_check_in(stamp), "{stamp:?}");
                }
            }
        }
        // Timestamps with offsets, forwards and backwards over days, through one clock.
        let mut clock = Clock::default();
        for year in [1900, 1969, 1970, 2025] {
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let seconds: Vec<i64> = (0..2000).map(|i| i * (5 * 3600 + 1237)).collect();
            for s in seconds.iter().chain(seconds.iter().rev()) {
                for offset in ["Z", "+01:00", "-05:30", "+14"] {
                    let text = format!("{}{offset}", (start + TimeDelta::seconds(*s)).format("%Y-%m-%dT%H:%M:%S"));
                    let (cached, plain) = (clock.parse_stamp(&text), parse_stamp(&text));
                    assert_eq!(cached, plain, "{text}");
                    if let Ok(stamp @ Stamp::Instant(t)) = plain {
                        assert_eq!(clock.local_of(stamp, t), local_time(t), "{text}");
                    }
                }
            }
        }
        let stamps = [
            "2025-03-30T01:59:59+01:00",
            "2025-03-30T03:00:00+02:00",
            "2025-03-30 02:30",
            "2025-03-30 02:30",
            "2025-02-30 08:00",
            "2025-02-30 08:00",
            "2025-03-01T08:00:00Z",
            " 2025-03-01 08:00 ",
            "2025-03-02 08:00",
            "2025-3-01 08:00",
            "2025-03-01X08:00",
            "2025-10-26 02:30",
            "2025-10-26T02:30:00+01:00",
            "2025-10-26T02:30:00+02:00",
        ];
        let mut clock = Clock::default();
        for s in stamps.iter().chain(stamps.iter().rev()) {
            let (cached, plain) = (clock.parse_stamp(s), parse_stamp(s));
            assert_eq!(cached, plain, "{s}");
            if let Ok(stamp @ Stamp::Instant(t)) = plain {
                assert_eq!(clock.local_of(stamp, t), local_time(t), "{s}");
            }
        }
    }
}

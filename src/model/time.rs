//! Local (Europe/Stockholm) wall-clock time of an instant, as the figures and the evidence
//! read it.

use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Stockholm;

/// The local (Europe/Stockholm) wall-clock time of an instant.
pub fn local_time(instant: i64) -> NaiveDateTime {
    let utc = DateTime::<Utc>::from_timestamp(instant, 0).expect("instant in range");
    Stockholm.from_utc_datetime(&utc.naive_utc()).naive_local()
}

/// Minutes since local midnight.
pub fn minute_of_day(t: NaiveDateTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

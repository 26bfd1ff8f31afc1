//! The payment basis of SPEC §10: why a visit's time is questioned, and the exact sums it is
//! written from. Durations are summed in whole seconds and times beside granted or invoiced
//! minutes in microseconds (a millionth of a minute is 60 µs), so that every sum is exact and
//! the same in any order; rounding happens only where a value is written.

/// Why a performed visit's time is questioned, in SPEC §10's order: a visit is questioned for
/// the first reason that applies, and only once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Questioned {
    DuringAbsence,
    Duplicate,
    StaffOverlap,
    ManualWithoutReason,
}

impl Questioned {
    pub const COUNT: usize = 4;

    /// Every reason in SPEC §10's order.
    pub const ALL: [Questioned; Questioned::COUNT] =
        [Questioned::DuringAbsence, Questioned::Duplicate, Questioned::StaffOverlap, Questioned::ManualWithoutReason];

    /// The reason's id in `questioned.csv` and in the names of `payment.csv`'s columns.
    pub fn name(self) -> &'static str {
        match self {
            Questioned::DuringAbsence => "during_absence",
            Questioned::Duplicate => "duplicate",
            Questioned::StaffOverlap => "staff_overlap",
            Questioned::ManualWithoutReason => "manual_without_reason",
        }
    }

    pub fn parse(name: &str) -> Option<Questioned> {
        Questioned::ALL.into_iter().find(|q| q.name() == name)
    }

    /// The reason in a few words, for a column heading.
    pub fn short_label(self) -> &'static str {
        match self {
            Questioned::DuringAbsence => "Under frånvaro",
            Questioned::Duplicate => "Dubbelregistrering",
            Questioned::StaffOverlap => "Samtidigt hos annan kund",
            Questioned::ManualWithoutReason => "Manuell utan orsak",
        }
    }

    /// The reason as a follow-up officer reads it.
    pub fn label(self) -> &'static str {
        match self {
            Questioned::DuringAbsence => "Besök under kundens frånvaro",
            Questioned::Duplicate => "Senare kopia av en dubbelregistrering",
            Questioned::StaffOverlap => "Samma personal hos två kunder samtidigt (det senare besöket)",
            Questioned::ManualWithoutReason => "Manuell registrering utan orsak",
        }
    }
}

/// Microseconds in a second, a minute and a hundredth of a minute.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HUNDREDTH: i64 = MICROS_PER_MINUTE / 100;

/// `value / divisor` rounded half away from zero (`divisor > 0`).
fn div_round(value: i128, divisor: i128) -> i128 {
    let (q, r) = (value / divisor, value % divisor);
    if 2 * r.abs() >= divisor {
        q + value.signum()
    } else {
        q
    }
}

/// Microseconds as minutes rounded to two decimals (half away from zero), in hundredths of a
/// minute.
pub fn centiminutes(micros: i64) -> i64 {
    div_round(i128::from(micros), i128::from(MICROS_PER_HUNDREDTH)) as i64
}

/// Whole seconds as minutes rounded to two decimals (half away from zero), in hundredths.
pub fn seconds_in_hundredths(seconds: i64) -> i64 {
    centiminutes(seconds * MICROS_PER_SECOND)
}

/// Hundredths as the text `12.35` (`-0.50`), exact.
pub fn hundredths_text(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", value.unsigned_abs() / 100, value.unsigned_abs() % 100)
}

/// An hourly rate in öre (hundredths of a krona), the precision it is applied at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourlyRate(pub i64);

impl HourlyRate {
    /// The rate of `[payment] hourly_rate`, to the öre.
    pub fn from_kronor(kronor: f64) -> HourlyRate {
        HourlyRate((kronor * 100.0).round() as i64)
    }

    /// Kronor are written only with a rate above 0.
    pub fn is_set(self) -> bool {
        self.0 > 0
    }

    /// `micros × hourly_rate / 3600` seconds, rounded to whole kronor (half away from zero),
    /// or `None` without a rate.
    pub fn kronor(self, micros: i64) -> Option<i64> {
        let per_hour = i128::from(3600 * MICROS_PER_SECOND) * 100;
        self.is_set().then(|| div_round(i128::from(micros) * i128::from(self.0), per_hour) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_round_to_two_decimals_half_away_from_zero() {
        // 0.005 minutes is 0.3 s: exactly half a hundredth rounds up, just below it down.
        assert_eq!(centiminutes(300_000), 1);
        assert_eq!(centiminutes(299_999), 0);
        assert_eq!(centiminutes(-300_000), -1);
        assert_eq!(centiminutes(90 * MICROS_PER_SECOND), 150);
        assert_eq!(hundredths_text(150), "1.50");
        assert_eq!(hundredths_text(7), "0.07");
        assert_eq!(hundredths_text(-50), "-0.50");
        assert_eq!(hundredths_text(123_456), "1234.56");
    }

    #[test]
    fn kronor_round_to_whole_kronor_half_away_from_zero() {
        let rate = HourlyRate::from_kronor(450.0);
        // 4 s at 450 kr/h is 0.5 kr exactly: rounds up; 3 s is 0.375 kr: down.
        assert_eq!(rate.kronor(4 * MICROS_PER_SECOND), Some(1));
        assert_eq!(rate.kronor(3 * MICROS_PER_SECOND), Some(0));
        assert_eq!(rate.kronor(3600 * MICROS_PER_SECOND), Some(450));
        assert_eq!(HourlyRate::from_kronor(412.5).kronor(3600 * MICROS_PER_SECOND), Some(413));
        assert_eq!(HourlyRate::default().kronor(3600 * MICROS_PER_SECOND), None, "no rate, no kronor");
    }

    #[test]
    fn reasons_parse_back_in_spec_order() {
        for (i, q) in Questioned::ALL.into_iter().enumerate() {
            assert_eq!(q as usize, i);
            assert_eq!(Questioned::parse(q.name()), Some(q));
        }
    }
}

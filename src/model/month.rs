//! Calendar months (`YYYY-MM`) and quarters (`YYYY-Qn`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        (1..=12).contains(&month).then_some(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth { year: date.year(), month: date.month() }
    }

    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth { year: self.year + 1, month: 1 }
        } else {
            YearMonth { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> YearMonth {
        if self.month == 1 {
            YearMonth { year: self.year - 1, month: 12 }
        } else {
            YearMonth { year: self.year, month: self.month - 1 }
        }
    }

    /// The twelve months of a year, in order.
    pub fn of_year(year: i32) -> [YearMonth; 12] {
        std::array::from_fn(|i| YearMonth { year, month: i as u32 + 1 })
    }

    /// The quarter this month belongs to.
    pub fn quarter(self) -> Quarter {
        Quarter { year: self.year, quarter: (self.month - 1) / 3 + 1 }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    pub fn days(self) -> u32 {
        let next = self.next().first_day();
        (next - self.first_day()).num_days() as u32
    }

    /// Day `day` of this month, clamped to the month's length.
    pub fn day_clamped(self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, day.clamp(1, self.days())).expect("clamped day")
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The years a home-care visit or a month of follow-up can lie in: from 2000 to the year after
/// this one. A year outside is a typing or export error (`0001`, `2099`), not a visit.
pub fn plausible_years() -> std::ops::RangeInclusive<i32> {
    2000..=chrono::Utc::now().year() + 1
}

impl FromStr for YearMonth {
    type Err = String;

    /// `YYYY-MM`; also `YYYY-MM-DD` style prefixes are not accepted, to keep months unambiguous.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let b = s.as_bytes();
        let ok = b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit);
        let parsed = ok.then(|| YearMonth::new(s[..4].parse().unwrap(), s[5..].parse().unwrap())).flatten();
        parsed.ok_or_else(|| format!("'{s}' är ingen månad (skriv ÅÅÅÅ-MM, till exempel 2025-03)"))
    }
}

/// A calendar quarter, `YYYY-Qn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub quarter: u32,
}

impl Quarter {
    /// Its three months, in order.
    pub fn months(self) -> [YearMonth; 3] {
        let first = (self.quarter - 1) * 3 + 1;
        [0, 1, 2].map(|i| YearMonth { year: self.year, month: first + i })
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for Quarter {
    type Err = String;

    /// `YYYY-Qn` (`q` in either case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let b = s.as_bytes();
        let ok = b.len() == 7 && b[4] == b'-' && (b[5] == b'Q' || b[5] == b'q') && b[..4].iter().all(u8::is_ascii_digit);
        let quarter = if ok { (b[6] as char).to_digit(10).filter(|q| (1..=4).contains(q)) } else { None };
        quarter
            .map(|quarter| Quarter { year: s[..4].parse().unwrap(), quarter })
            .ok_or_else(|| format!("'{s}' är inget kvartal (skriv ÅÅÅÅ-Qn, till exempel 2025-Q1)"))
    }
}

/// Visits per month, counted while the visits are walked for another reason: a month's
/// exports hold one month or a few, so a short list searched from its last hit.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MonthCounts {
    counts: Vec<(YearMonth, u64)>,
    last: usize,
}

impl MonthCounts {
    pub fn add(&mut self, month: YearMonth, n: u64) {
        if self.counts.get(self.last).is_some_and(|(m, _)| *m == month) {
            self.counts[self.last].1 += n;
            return;
        }
        match self.counts.iter().position(|(m, _)| *m == month) {
            Some(at) => {
                self.counts[at].1 += n;
                self.last = at;
            }
            None => {
                self.counts.push((month, n));
                self.last = self.counts.len() - 1;
            }
        }
    }

    pub fn merge(&mut self, other: &MonthCounts) {
        for &(month, n) in &other.counts {
            self.add(month, n);
        }
    }

    /// The counts by month.
    pub fn by_month(&self) -> BTreeMap<YearMonth, u64> {
        self.counts.iter().copied().collect()
    }

    /// All visits counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_counts_add_and_merge_in_any_order() {
        let (feb, mar) = ("2025-02".parse::<YearMonth>().unwrap(), "2025-03".parse::<YearMonth>().unwrap());
        let mut a = MonthCounts::default();
        a.add(mar, 2);
        a.add(feb, 1);
        a.add(mar, 3);
        let mut b = MonthCounts::default();
        b.add(feb, 4);
        b.merge(&a);
        assert_eq!(b.by_month(), BTreeMap::from([(feb, 5), (mar, 5)]));
        assert_eq!((a.total(), b.total(), MonthCounts::default().total()), (6, 10, 0));
    }

    #[test]
    fn quarters() {
        let q: Quarter = "2025-q4".parse().unwrap();
        assert_eq!(q.to_string(), "2025-Q4");
        assert_eq!(q.months().map(|m| m.to_string()), ["2025-10", "2025-11", "2025-12"]);
        assert!("2025-Q5".parse::<Quarter>().is_err());
        assert!("2025Q1".parse::<Quarter>().is_err());
    }

    #[test]
    fn lengths_and_clamping() {
        let feb: YearMonth = "2024-02".parse().unwrap();
        assert_eq!(feb.days(), 29);
        assert_eq!(feb.day_clamped(31), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!("2025-12".parse::<YearMonth>().unwrap().next().to_string(), "2026-01");
        assert!("2025-13".parse::<YearMonth>().is_err());
        assert_eq!("2025-01".parse::<YearMonth>().unwrap().prev().to_string(), "2024-12");
        assert_eq!("2025-07".parse::<YearMonth>().unwrap().prev().to_string(), "2025-06");
        assert_eq!("2025-03".parse::<YearMonth>().unwrap().quarter().to_string(), "2025-Q1");
        assert_eq!("2025-10".parse::<YearMonth>().unwrap().quarter().to_string(), "2025-Q4");
        assert_eq!(YearMonth::of_year(2025)[11].to_string(), "2025-12");
        assert!("2025-1".parse::<YearMonth>().is_err());
    }
}

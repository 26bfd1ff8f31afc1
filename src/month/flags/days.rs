//! Flags over every accepted visit of the month, whether its duration is valid or not:
//! `during_absence` (help registered while the client was away), and the runs of working days
//! behind `no_day_off`.

use rayon::prelude::*;

use super::FlagHit;
use crate::model::{Absence, Flag, Visit};

/// The days that are the (`max_days_in_row` + 1)-th or later of an unbroken run of days in
/// `days` (bit `day − 1`).
pub fn days_without_rest(days: u32, max_days_in_row: u32) -> u32 {
    let (mut run, mut flagged) = (0, 0u32);
    for bit in 0..31 {
        run = if days & (1 << bit) != 0 { run + 1 } else { 0 };
        if run > max_days_in_row {
            flagged |= 1 << bit;
        }
    }
    flagged
}

/// `during_absence`: every visit whose check-in lies in an absence of its client.
pub fn during_absence(visits: &[Visit], absences: &[Absence]) -> rayon::vec::IntoIter<FlagHit> {
    if absences.is_empty() {
        return Vec::new().into_par_iter();
    }
    // Client ids are dense: a table by id, so that a visit of a client never away costs one read.
    let clients = absences.iter().map(|a| a.client as usize + 1).max().unwrap_or(0);
    let mut of_client: Vec<Vec<&Absence>> = vec![Vec::new(); clients];
    for a in absences {
        of_client[a.client as usize].push(a);
    }
    let hits: Vec<FlagHit> = (0..visits.len() as u32)
        .into_par_iter()
        .filter(|&i| {
            let v = &visits[i as usize];
            of_client.get(v.client as usize).is_some_and(|list| list.iter().any(|a| a.contains(v.check_in)))
        })
        .map(|visit| FlagHit { visit, flag: Flag::DuringAbsence, related: None })
        .collect();
    hits.into_par_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_day_in_a_row_and_later_are_flagged() {
        let ten = (1u32 << 10) - 1; // days 1–10
        assert_eq!(days_without_rest(ten, 10), 0, "ten days in a row are allowed");
        let eleven = (1u32 << 11) - 1;
        assert_eq!(days_without_rest(eleven, 10), 1 << 10, "day 11");
        // Days 1–5, a day off, days 7–18: days 17 and 18 are the 11th and 12th in a row.
        let broken = 0b11111 | (((1u32 << 12) - 1) << 6);
        assert_eq!(days_without_rest(broken, 10), (1 << 16) | (1 << 17));
        assert_eq!(days_without_rest(u32::MAX >> 1, 30), 1 << 30, "day 31 of 31");
    }
}

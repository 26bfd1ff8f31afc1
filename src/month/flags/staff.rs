//! Flags over one staff member's visits sorted by check-in: `duplicate` (same client, shared
//! service, overlapping), `staff_overlap` (different clients, overlapping > limit),
//! `long_day` (more time in clients' homes on one day than one person can work) and
//! `short_travel` (at the next client sooner than anyone can get there).

use chrono::Datelike;

use super::days::days_without_rest;
use super::{pair, FlagHit, FlagParams};
use crate::model::{Flag, Visit, NO_AREA};

/// `all`: one staff member's visits, sorted by check-in; every flag but `no_day_off` looks at
/// those with valid duration. Every pair that can overlap is looked at, not only neighbours.
pub fn flags(all: &[u32], visits: &[Visit], is_valid: &[bool], params: &FlagParams) -> Vec<FlagHit> {
    let mut hits = Vec::new();
    no_day_off(all, visits, params, &mut hits);
    let group: Vec<u32> = all.iter().copied().filter(|&i| is_valid[i as usize]).collect();
    let group = &group[..];
    long_days(group, visits, params, &mut hits);
    short_travel(group, visits, params, &mut hits);
    for (k, &ai) in group.iter().enumerate() {
        let a = &visits[ai as usize];
        let a_out = a.check_out.expect("valid visits are checked out");
        for &bi in &group[k + 1..] {
            let b = &visits[bi as usize];
            // Sorted by check_in: a later visit can only overlap while it starts before a ends,
            // or share a's (possibly zero-length) interval exactly.
            if b.check_in >= a_out && b.check_in != a.check_in {
                break;
            }
            let b_out = b.check_out.expect("valid visits are checked out");
            if a.client == b.client {
                let overlap = a.check_in < b_out && b.check_in < a_out;
                let identical = a.check_in == b.check_in && a_out == b_out;
                if (overlap || identical) && a.shares_service(b) {
                    pair(&mut hits, Flag::Duplicate, ai, bi);
                }
            } else if a_out.min(b_out) - b.check_in > params.staff_overlap {
                pair(&mut hits, Flag::StaffOverlap, ai, bi);
            }
        }
    }
    hits
}

/// `no_day_off`: every visit on a day that is the (`max_days_in_row` + 1)-th or later day of an
/// unbroken run of days on which the staff member has a visit in the month.
fn no_day_off(all: &[u32], visits: &[Visit], params: &FlagParams, hits: &mut Vec<FlagHit>) {
    let bit = |i: u32| 1u32 << (visits[i as usize].local_in.day() - 1);
    let days = all.iter().fold(0, |days, &i| days | bit(i));
    let flagged = days_without_rest(days, params.max_days_in_row);
    if flagged != 0 {
        hits.extend(all.iter().filter(|&&i| flagged & bit(i) != 0).map(|&visit| FlagHit { visit, flag: Flag::NoDayOff, related: None }));
    }
}

/// `long_day`: every visit on a local day whose valid durations sum to more than the limit.
fn long_days(group: &[u32], visits: &[Visit], params: &FlagParams, hits: &mut Vec<FlagHit>) {
    // Sorted by check-in instant, so each local date is one run.
    for day in group.chunk_by(|a, b| visits[*a as usize].local_in.date() == visits[*b as usize].local_in.date()) {
        let seconds: i64 =
            day.iter().map(|&i| visits[i as usize].check_out.expect("valid visits are checked out") - visits[i as usize].check_in).sum();
        if seconds > params.long_day {
            hits.extend(day.iter().map(|&visit| FlagHit { visit, flag: Flag::LongDay, related: None }));
        }
    }
}

/// `short_travel`: consecutive visits at different clients with `0 ≤ gap < travel`, where the
/// travel time is the one between areas when both visits have an area and they differ.
fn short_travel(group: &[u32], visits: &[Visit], params: &FlagParams, hits: &mut Vec<FlagHit>) {
    for w in group.windows(2) {
        let (prev, next) = (&visits[w[0] as usize], &visits[w[1] as usize]);
        if prev.client == next.client {
            continue;
        }
        let gap = next.check_in - prev.check_out.expect("valid visits are checked out");
        let other_area = prev.area != NO_AREA && next.area != NO_AREA && prev.area != next.area;
        let travel = if other_area { params.travel_other_area } else { params.travel_same_area };
        if (0..travel).contains(&gap) {
            pair(hits, Flag::ShortTravel, w[0], w[1]);
        }
    }
}

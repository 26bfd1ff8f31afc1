//! Flags over one staff member's visits sorted by check-in: `duplicate` (same client, shared
//! service, overlapping) and `staff_overlap` (different clients, overlapping > limit).

use super::{pair, FlagHit, FlagParams};
use crate::model::{Flag, Visit};

/// `group`: one staff member's visits with valid duration, sorted by check_in. Every pair
/// that can overlap is looked at, not only neighbours.
pub fn flags(group: &[u32], visits: &[Visit], params: &FlagParams) -> Vec<FlagHit> {
    let mut hits = Vec::new();
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

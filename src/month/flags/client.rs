//! Flags over one client's visits sorted by check-in: `repeated_service`, `adjacent`,
//! `single_staff`.

use crate::bytes_map::HashMap;

use super::{pair, FlagHit, FlagParams};
use crate::model::{Flag, Visit};

/// `group`: one client's visits with valid duration, sorted by (check_in, visit_id).
pub fn flags(group: &[u32], visits: &[Visit], params: &FlagParams) -> Vec<FlagHit> {
    let mut hits = Vec::new();
    for w in group.windows(2) {
        let (prev, next) = (&visits[w[0] as usize], &visits[w[1] as usize]);
        let gap = next.check_in - prev.check_out.expect("valid visits are checked out");
        if (0..=params.adjacent_max_gap).contains(&gap) {
            let flag = if prev.shares_service(next) { Flag::RepeatedService } else { Flag::Adjacent };
            pair(&mut hits, flag, w[0], w[1]);
        }
    }
    single_staff(group, visits, params, &mut hits);
    hits
}

/// A client with ≥ `single_staff_min_visits` valid visits of which one staff member made
/// ≥ `single_staff_share`: every valid visit of that client by that staff member is flagged.
fn single_staff(group: &[u32], visits: &[Visit], params: &FlagParams, hits: &mut Vec<FlagHit>) {
    if group.len() < params.single_staff_min_visits {
        return;
    }
    let mut per_staff: HashMap<u32, usize> = HashMap::default();
    for &i in group {
        *per_staff.entry(visits[i as usize].staff).or_default() += 1;
    }
    let (&staff, &count) = per_staff.iter().max_by_key(|(staff, n)| (**n, std::cmp::Reverse(**staff))).expect("non-empty group");
    if count as f64 >= params.single_staff_share * group.len() as f64 {
        hits.extend(group.iter().filter(|&&i| visits[i as usize].staff == staff).map(|&i| FlagHit {
            visit: i,
            flag: Flag::SingleStaff,
            related: None,
        }));
    }
}

//! The month's visits grouped by supplier and member (client or staff), each member's visits
//! in check-in order. Sorted once per kind of member and shared: the flags walk the groups,
//! the tallies count them, and `visits.parquet` stores the client groups in name order.

use rayon::prelude::*;

use super::by_supplier::sorted_by_supplier;
use super::{consecutive_order, member_key, split_key, Visit};

/// One member's visits: a run of `Groups::visits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// `member_key(supplier, member)`.
    pub key: u64,
    start: u32,
    end: u32,
}

impl Group {
    pub fn supplier(&self) -> u32 {
        split_key(self.key).0
    }
}

/// Visit indices sorted by (supplier, member) key, then check-in, then visit id, and the runs
/// of them that share a key.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Groups {
    visits: Vec<u32>,
    /// In key order; none is empty.
    pub groups: Vec<Group>,
}

impl Groups {
    /// Every visit, grouped by its supplier and `member`.
    pub fn by(visits: &[Visit], member: impl Fn(&Visit) -> u32) -> Groups {
        // Sorting plain keys is several times faster than comparing through the visits; the
        // visit id is looked at only on a tie.
        let keys: Vec<(u64, i64, u32)> = sorted_by_supplier(
            visits.iter().enumerate().map(|(i, v)| (member_key(v.supplier, member(v)), v.check_in, i as u32)),
            |k| (k.0 >> 32) as u32,
            |a, b| {
                a.0.cmp(&b.0).then_with(|| consecutive_order((a.1, &visits[a.2 as usize].visit_id), (b.1, &visits[b.2 as usize].visit_id)))
            },
        );
        // The runs come from the sorted keys themselves, not through the visits.
        let mut groups = Vec::new();
        let mut start = 0;
        for i in 1..=keys.len() {
            if i == keys.len() || keys[i].0 != keys[start].0 {
                groups.push(Group { key: keys[start].0, start: start as u32, end: i as u32 });
                start = i;
            }
        }
        Groups { visits: keys.into_par_iter().map(|k| k.2).collect(), groups }
    }

    /// The visits of `group`, in order.
    pub fn visits(&self, group: &Group) -> &[u32] {
        &self.visits[group.start as usize..group.end as usize]
    }

    /// Every group's visits, in key order.
    pub fn slices(&self) -> Vec<&[u32]> {
        self.groups.iter().map(|g| self.visits(g)).collect()
    }

    /// The groups of `supplier`.
    pub fn of_supplier(&self, supplier: u32) -> &[Group] {
        let start = self.groups.partition_point(|g| g.supplier() < supplier);
        let end = self.groups.partition_point(|g| g.supplier() <= supplier);
        &self.groups[start..end]
    }

    /// The visits of `supplier`, member by member: one range.
    pub fn visits_of(&self, supplier: u32) -> &[u32] {
        match self.of_supplier(supplier) {
            [] => &[],
            [first, .., last] => &self.visits[first.start as usize..last.end as usize],
            [only] => self.visits(only),
        }
    }

    /// The same groups with only the visits `keep` holds, in the same order; groups left
    /// without visits are dropped.
    pub fn only(&self, keep: &[bool]) -> Groups {
        let mut visits = Vec::with_capacity(self.visits.len());
        let mut groups = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let start = visits.len() as u32;
            visits.extend(self.visits(g).iter().filter(|&&i| keep[i as usize]));
            if visits.len() as u32 > start {
                groups.push(Group { key: g.key, start, end: visits.len() as u32 });
            }
        }
        Groups { visits, groups }
    }
}

/// How many visits ahead a walk over scattered visits asks for the one it will reach
/// (`prefetch`): far enough for memory to answer, near enough to stay in the cache.
pub const AHEAD: usize = 16;

/// Asks the processor to start loading the visits `indices` names into its cache, before a
/// group's visits are read one after the other: they lie scattered over the month's visits,
/// and loading them together instead of each when it is reached hides most of the wait for
/// memory, which is most of what walking a group costs. A hint only; nothing is read.
#[inline]
pub fn prefetch(visits: &[Visit], indices: &[u32]) {
    #[cfg(target_arch = "x86_64")]
    for &i in indices {
        let Some(v) = visits.get(i as usize) else { continue };
        let start = (v as *const Visit).cast::<i8>();
        for offset in (0..std::mem::size_of::<Visit>()).step_by(64) {
            // SAFETY: a prefetch loads nothing into the program and cannot fault; the
            // addresses lie inside the visit.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(start.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (visits, indices);
}

/// The month's visits grouped by client and by staff member.
#[derive(Debug, Default)]
pub struct MonthGroups {
    pub clients: Groups,
    pub staff: Groups,
}

impl MonthGroups {
    /// Both groupings, sorted at once.
    pub fn new(visits: &[Visit]) -> MonthGroups {
        let (clients, staff) = rayon::join(|| Groups::by(visits, |v| v.client), || Groups::by(visits, |v| v.staff));
        MonthGroups { clients, staff }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Method, Services, NO_AREA};

    fn visit(id: &str, supplier: u32, client: u32, check_in: i64) -> Visit {
        Visit {
            visit_id: id.into(),
            supplier,
            client,
            staff: 0,
            check_in,
            check_out: Some(check_in + 600),
            local_in: chrono::DateTime::from_timestamp(check_in, 0).unwrap().naive_utc(),
            in_method: Method::Nfc,
            out_method: Some(Method::Nfc),
            services: Services::new(),
            planned_minutes: None,
            area: NO_AREA,
            manual_reason: None,
            file: 0,
        }
    }

    #[test]
    fn groups_by_supplier_and_member_then_check_in_then_visit_id() {
        let visits = vec![
            visit("c", 1, 7, 300),
            visit("a", 0, 7, 500),
            visit("b", 1, 7, 100),
            visit("z", 1, 2, 900),
            visit("y", 1, 7, 300),
            visit("x", 0, 7, 200),
        ];
        let groups = Groups::by(&visits, |v| v.client);
        let ids = |slice: &[u32]| slice.iter().map(|&i| visits[i as usize].visit_id.as_str()).collect::<Vec<_>>();
        let keys: Vec<u64> = groups.groups.iter().map(|g| g.key).collect();
        assert_eq!(keys, [member_key(0, 7), member_key(1, 2), member_key(1, 7)]);
        assert_eq!(groups.slices().into_iter().map(ids).collect::<Vec<_>>(), [vec!["x", "a"], vec!["z"], vec!["b", "c", "y"]]);
        assert_eq!(ids(groups.visits_of(1)), ["z", "b", "c", "y"], "supplier 1's visits, client by client");
        assert_eq!(ids(groups.visits_of(0)), ["x", "a"]);
        assert!(groups.visits_of(5).is_empty());
        let kept = groups.only(&[true, false, true, false, false, true]);
        assert_eq!(kept.slices().into_iter().map(ids).collect::<Vec<_>>(), [vec!["x"], vec!["b", "c"]], "client 2 of supplier 1 left out");
        assert_eq!(Groups::by(&[], |v| v.client), Groups::default());
    }
}

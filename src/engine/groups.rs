//! The month's visits grouped by supplier and member (client or staff), each member's visits
//! in check-in order. Sorted once per kind of member and shared: the flags walk the groups,
//! the tallies count them, and `visits.parquet` stores the client groups in name order.

use std::sync::Arc;

use rayon::prelude::*;

use super::by_supplier::{placed_by_supplier, placed_by_supplier_twice, supplier_range};
use super::split_parts;
use crate::model::{consecutive_order, member_key, Visit, VISIT_HOT_BYTES};

/// One member's visits: a run of `Groups::visits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// `member_key(supplier, member)`.
    pub key: u64,
    start: u32,
    end: u32,
}

impl Group {
    /// How many visits the group holds.
    pub fn size(&self) -> usize {
        (self.end - self.start) as usize
    }
}

/// A visit's place in its grouping: its `member_key`, its check-in in the seconds of a window
/// of 136 years around the grouping's first visit (`Key::when`), and its index: sixteen bytes,
/// where the check-in itself would make twenty-four. A national month holds two lists of 12 M
/// keys at once while its visits are grouped.
#[derive(Debug, Clone, Copy, Default)]
struct Key {
    member: u64,
    when: u32,
    index: u32,
}

impl Key {
    fn new(member: u64, check_in: i64, base: i64, index: u32) -> Key {
        Key { member, when: Key::when(check_in, base), index }
    }

    /// `check_in` as seconds from 2^31 seconds before `base`, held within `u32`: keys of
    /// different times compare as their times do, and times outside the window (never in one
    /// month, whose visits lie days apart) tie at its ends, where the visits are compared.
    fn when(check_in: i64, base: i64) -> u32 {
        (check_in.saturating_sub(base).saturating_add(1 << 31)).clamp(0, i64::from(u32::MAX)) as u32
    }
}

/// The base of a grouping's `Key::when`: the check-in of its first visit.
fn base_of(visits: &[Visit]) -> i64 {
    visits.first().map_or(0, |v| v.check_in)
}

/// Sorts one supplier's keys by member, then check-in, then visit id. A stable radix sort by
/// member keeps each member's visits in the order they came in, which in an export is nearly
/// always check-in order: a member's run is then only checked, and sorted only when it is not
/// in order. The same order as one sort by the whole key, whatever the input's order.
fn sort_part(part: &mut [Key], visits: &[Visit]) {
    let in_order = |a: &Key, b: &Key| {
        a.when.cmp(&b.when).then_with(|| {
            let (a, b) = (&visits[a.index as usize], &visits[b.index as usize]);
            consecutive_order((a.check_in, &a.visit_id), (b.check_in, &b.visit_id))
        })
    };
    if part.len() < 64 {
        part.sort_unstable_by(|a, b| a.member.cmp(&b.member).then_with(|| in_order(a, b)));
        return;
    }
    radix_by_member(part);
    for run in part.chunk_by_mut(|a, b| a.member == b.member) {
        if !run.is_sorted_by(|a, b| in_order(a, b).is_le()) {
            run.sort_unstable_by(in_order);
        }
    }
}

/// Sorts one supplier's keys by member (the key's low half), keeping the order of keys of the
/// same member: a byte of the member's distance from the smallest at a time.
fn radix_by_member(part: &mut [Key]) {
    let member = |k: &Key| k.member as u32;
    let least = part.iter().map(member).min().unwrap_or(0);
    let span = part.iter().map(member).max().unwrap_or(0) - least;
    let mut from = part.to_vec();
    let mut to = from.clone();
    let mut shift = 0;
    loop {
        let digit = |k: &Key| ((member(k) - least) >> shift & 0xff) as usize;
        let mut starts = [0usize; 257];
        for k in &from {
            starts[digit(k) + 1] += 1;
        }
        for d in 1..starts.len() {
            starts[d] += starts[d - 1];
        }
        for k in &from {
            let at = &mut starts[digit(k)];
            to[*at] = *k;
            *at += 1;
        }
        std::mem::swap(&mut from, &mut to);
        shift += 8;
        if shift >= 32 || span >> shift == 0 {
            break;
        }
    }
    part.copy_from_slice(&from);
}

/// Visit indices sorted by (supplier, member) key, then check-in, then visit id, and the runs
/// of them that share a key.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Groups {
    visits: Vec<u32>,
    /// In key order; none is empty.
    pub groups: Vec<Group>,
    /// How much of each visit the walks over these groups read, and so ask for ahead.
    lines: Lines,
}

impl Groups {
    /// Every visit, grouped by its supplier and `member`.
    pub fn by(visits: &[Visit], member: impl Fn(&Visit) -> u32) -> Groups {
        Groups::by_from(visits, 0, member)
    }

    /// The visits from `from` on, grouped by their supplier and `member` (indices into all of
    /// `visits`).
    fn by_from(visits: &[Visit], from: usize, member: impl Fn(&Visit) -> u32) -> Groups {
        // Sorting plain keys is several times faster than comparing through the visits; the
        // visit id is looked at only on a tie.
        let base = base_of(&visits[from..]);
        let keys: Vec<Key> = placed_by_supplier(
            visits[from..]
                .iter()
                .enumerate()
                .map(|(i, v)| Key::new(member_key(v.supplier, member(v)), v.check_in, base, (from + i) as u32)),
            |k| (k.member >> 32) as u32,
            |part| sort_part(part, visits),
        );
        Groups::of_sorted(keys, Lines::All)
    }

    /// The groups of keys sorted by `sort_part` within each supplier.
    fn of_sorted(keys: Vec<Key>, lines: Lines) -> Groups {
        // The runs come from the sorted keys themselves, not through the visits.
        let mut end = 0;
        let groups = keys
            .chunk_by(|a, b| a.member == b.member)
            .map(|run| {
                let start = end;
                end += run.len() as u32;
                Group { key: run[0].member, start, end }
            })
            .collect();
        Groups { visits: keys.into_par_iter().map(|k| k.index).collect(), groups, lines }
    }

    /// The visits of `group`, in order.
    pub fn visits(&self, group: &Group) -> &[u32] {
        &self.visits[group.start as usize..group.end as usize]
    }

    /// Every group as its key and its visits in order, on all threads. Each group's visits
    /// (and `beside[i]` for each visit `i`: values kept beside the visits and indexed like
    /// them) are brought into the cache before the caller reads them, asking on into the
    /// groups after it, which the walk reads next.
    pub fn par_walk<'a, T: Sync>(
        &'a self,
        visits: &'a [Visit],
        beside: Option<&'a [T]>,
    ) -> impl IndexedParallelIterator<Item = (u64, &'a [u32])> + 'a {
        self.groups.par_iter().map(move |g| {
            warm(visits, &self.visits[g.start as usize..], (g.end - g.start) as usize, self.lines, beside);
            (g.key, self.visits(g))
        })
    }

    /// `par_walk` with a part of `slots` (one slot per visit of these groups) for each group,
    /// as long as the group: for what a walk keeps of each visit past the group, gathered in
    /// one list instead of one of its own per group.
    pub fn par_walk_with<'a, T: Sync, U: Send>(
        &'a self,
        visits: &'a [Visit],
        beside: Option<&'a [T]>,
        slots: &'a mut [U],
    ) -> impl IndexedParallelIterator<Item = (u64, &'a [u32], &'a mut [U])> + 'a {
        assert_eq!(slots.len(), self.visits.len(), "one slot per visit");
        let parts = split_parts(slots, self.groups.iter().map(Group::size));
        self.par_walk(visits, beside).zip(parts).map(|((key, group), part)| (key, group, part))
    }

    /// How many visits these groups hold.
    pub fn visit_count(&self) -> usize {
        self.visits.len()
    }

    /// The visits of `supplier`, member by member, each asked for a few visits ahead of the
    /// caller reading it (with `beside[i]`, as in `par_walk`).
    pub fn walk_supplier<'a, T>(&'a self, supplier: u32, visits: &'a [Visit], beside: Option<&'a [T]>) -> impl Iterator<Item = u32> + 'a {
        let order = self.visits_of(supplier);
        let lines = self.lines;
        order.iter().enumerate().map(move |(n, &i)| {
            prefetch_ahead(visits, order, n, lines, beside);
            i
        })
    }

    /// Every group's visits, in key order.
    #[cfg(test)]
    fn slices(&self) -> Vec<&[u32]> {
        self.groups.iter().map(|g| self.visits(g)).collect()
    }

    /// The groups of `supplier`.
    pub fn of_supplier(&self, supplier: u32) -> &[Group] {
        &self.groups[supplier_range(&self.groups, supplier, |g| g.key)]
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
        Groups { visits, groups, lines: self.lines }
    }
}

/// How many visits ahead a walk over scattered visits asks for the one it will reach
/// (`prefetch_ahead`): far enough for memory to answer, near enough to stay in the cache.
pub const AHEAD: usize = 16;

/// Asks the processor to start loading visit `i` (the lines `lines` says) and `beside[i]`
/// when given (values kept beside the visits and indexed like them: a visit's flags, whether
/// it is valid). A hint only; nothing is read, and an index past the end asks for nothing.
#[inline]
fn prefetch<T>(visits: &[Visit], i: u32, lines: Lines, beside: Option<&[T]>) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        for line in visits.get(i as usize).into_iter().flat_map(|v| lines.of(v)) {
            // SAFETY: a prefetch loads nothing into the program and cannot fault; the address
            // lies inside the visit.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line.cast::<i8>()) };
        }
        if let Some(value) = beside.and_then(|b| b.get(i as usize)) {
            // SAFETY: as above, inside the value.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (visits, i, lines, beside);
}

/// While walking `order` (indices into `visits`) at place `at`, asks for the visit `AHEAD`
/// places further on, and for what lies beside it when given (`prefetch`). The visits of a
/// walk by client or staff member lie scattered over the month's visits, so each is a wait
/// for memory; asked for this far ahead, a steady number of them is on its way at any time,
/// never more than the processor keeps track of (which a whole group at once would be).
#[inline]
fn prefetch_ahead<T>(visits: &[Visit], order: &[u32], at: usize, lines: Lines, beside: Option<&[T]>) {
    if let Some(&next) = order.get(at + AHEAD) {
        prefetch(visits, next, lines, beside);
    }
}

/// A walk with nothing beside the visits.
pub const NOTHING_BESIDE: Option<&[u8]> = None;

/// The visits `order` names, in order, each whole visit asked for a few visits ahead of the
/// caller reading it: for a walk over visits that lie scattered over the month.
pub fn ahead<'a>(visits: &'a [Visit], order: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    order.iter().enumerate().map(move |(n, &i)| {
        prefetch_ahead(visits, order, n, Lines::All, NOTHING_BESIDE);
        i
    })
}

/// Brings the first `n` visits `following` names into the cache (the lines `lines` says of
/// each, and `beside[i]` for each visit `i` when given), before a walk that reads them more
/// than once or does little with each: `prefetch_ahead` for each while each is read, so the
/// last ones asked for are the first of what `following` holds after them (the next group's,
/// `Groups::warm`).
fn warm<T>(visits: &[Visit], following: &[u32], n: usize, lines: Lines, beside: Option<&[T]>) {
    for (k, &i) in following[..n].iter().enumerate() {
        prefetch_ahead(visits, following, k, lines, beside);
        for line in visits.get(i as usize).into_iter().flat_map(|v| lines.of(v)) {
            // SAFETY: the byte lies inside the visit; read only to have its line loaded.
            unsafe { std::ptr::read_volatile(line) };
        }
        if let Some(value) = beside.and_then(|b| b.get(i as usize)) {
            // SAFETY: a valid reference.
            unsafe { std::ptr::read_volatile(value) };
        }
    }
}

/// How much of each visit a walk asks for ahead (`prefetch_ahead`, `warm`): chosen here, per
/// grouping, so that no walk names a cache line. The walks by staff member (tallies, flags)
/// read only what the first line holds; the walks by client read services and ids too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Lines {
    /// The first cache line: times, members, area, methods (`VISIT_HOT_BYTES`).
    Hot,
    /// The whole visit, with its id, services and planned minutes.
    #[default]
    All,
}

impl Lines {
    fn bytes(self) -> usize {
        match self {
            Lines::Hot => VISIT_HOT_BYTES,
            Lines::All => std::mem::size_of::<Visit>(),
        }
    }

    /// The first byte of each of these lines of `v` (a visit begins a line: it is aligned to one).
    fn of(self, v: &Visit) -> impl Iterator<Item = *const u8> {
        let start = (v as *const Visit).cast::<u8>();
        (0..self.bytes()).step_by(64).map(move |offset| start.wrapping_add(offset))
    }
}

/// The month's performed visits grouped by client and by staff member, and the other
/// registrations (declined, not at home, cancelled) by client. The groupings by client are
/// shared (`Arc`) with `visits.parquet`, written beside the figures; the grouping by staff
/// serves the flags and tallies alone, which let go of it when done (`analyse_grouped`).
#[derive(Debug, Default)]
pub struct MonthGroups {
    pub clients: Arc<Groups>,
    pub staff: Groups,
    /// The registrations that are not performed visits, by client: few, and only in exports
    /// with a status column.
    pub others: Arc<Groups>,
}

impl MonthGroups {
    /// `visits[..performed]` are the performed visits, the rest the other registrations. The
    /// performed visits' two groupings are placed by supplier in one walk and sorted at once,
    /// each as `Groups::by` groups it; the others are grouped apart, so no walk of the figures
    /// or flags meets a visit that is not performed.
    pub fn new(visits: &[Visit], performed: usize) -> MonthGroups {
        let others = Groups::by_from(visits, performed, |v| v.client);
        let visits = &visits[..performed];
        let base = base_of(visits);
        let (clients, staff) = placed_by_supplier_twice(
            visits.len(),
            |i| visits[i].supplier,
            |i| {
                let v = &visits[i];
                let key = |member| Key::new(member_key(v.supplier, member), v.check_in, base, i as u32);
                (key(v.client), key(v.staff))
            },
            |part| sort_part(part, visits),
        );
        let (clients, staff) = rayon::join(|| Groups::of_sorted(clients, Lines::All), || Groups::of_sorted(staff, Lines::Hot));
        MonthGroups { clients: Arc::new(clients), staff, others: Arc::new(others) }
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
            status: crate::model::VisitStatus::Performed,
            file: 0,
        }
    }

    /// Numbers below the one asked for, from a xorshift generator seeded with `state`.
    fn below(mut state: u64) -> impl FnMut(u64) -> u64 {
        move |below| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        }
    }

    #[test]
    fn a_walk_with_slots_gives_each_group_the_slots_of_its_own_visits() {
        let visits: Vec<Visit> =
            (0..500u32).map(|i| visit(&format!("v{i}"), i % 3, (i * 7919) % 41, i64::from((i * 104_729) % 997))).collect();
        let groups = Groups::by(&visits, |v| v.client);
        let mut slots = vec![u32::MAX; groups.visit_count()];
        let keys: Vec<u64> = groups
            .par_walk_with(&visits, NOTHING_BESIDE, &mut slots)
            .map(|(key, group, slots)| {
                assert_eq!(group.len(), slots.len());
                slots.copy_from_slice(group);
                key
            })
            .collect();
        assert_eq!(keys, groups.groups.iter().map(|g| g.key).collect::<Vec<_>>());
        assert_eq!(slots, groups.slices().concat(), "each group's slots lie where its visits lie in the grouping");
        assert_eq!(groups.visit_count(), 500);
    }

    #[test]
    fn check_ins_far_from_the_first_visits_are_in_order_all_the_same() {
        // Check-ins more than 2^31 seconds before and after the first visit's tie at the ends of
        // the keys' window and are put in order by the visits themselves.
        assert_eq!(std::mem::size_of::<Key>(), 16);
        let far = 1i64 << 33;
        let times = [0, far, -far, far + 1, -far - 1, 5, 1 << 40, -(1 << 40), far, (1 << 31) - 1, 1 << 31, -(1 << 31), -(1 << 31) - 1];
        let mut visits = Vec::new();
        for round in 0..12 {
            for (n, &t) in times.iter().enumerate() {
                visits.push(visit(&format!("v{:02}-{round:02}", (n * 7 + round) % 13), round as u32 % 2, n as u32 % 3, t));
            }
        }
        let mut expected: Vec<u32> = (0..visits.len() as u32).collect();
        let key = |i: &u32| {
            let v = &visits[*i as usize];
            (member_key(v.supplier, v.client), v.check_in, v.visit_id.as_str())
        };
        expected.sort_by(|a, b| key(a).cmp(&key(b)));
        assert_eq!(Groups::by(&visits, |v| v.client).slices().concat(), expected);
        assert_eq!(MonthGroups::new(&visits, visits.len()).clients.slices().concat(), expected);
    }

    #[test]
    fn the_radix_and_the_checked_runs_give_the_order_of_one_sort_of_the_whole_key() {
        let mut next = below(0x9e37_79b9_7f4a_7c15);
        // Members over spans of one, two and three bytes; check-ins with ties, in order for
        // some members and not for others; parts below and above the radix threshold.
        let mut visits = Vec::new();
        for (supplier, members, span) in [(0, 40, 200), (1, 3000, 70_000), (2, 10, 300_000), (3, 1, 5)] {
            let chosen: Vec<u32> = (0..members.min(span)).map(|_| next(span) as u32).collect();
            for n in 0..members * 4 {
                let member = chosen[next(chosen.len() as u64) as usize];
                let check_in = if member % 2 == 0 { n as i64 / 3 } else { next(50) as i64 };
                let id = format!("v{:06}-{}", next(1_000_000), visits.len());
                visits.push(visit(&id, supplier, member, check_in));
            }
        }
        let mut expected: Vec<u32> = (0..visits.len() as u32).collect();
        let key = |i: &u32| {
            let v = &visits[*i as usize];
            (member_key(v.supplier, v.client), v.check_in, v.visit_id.as_str(), *i)
        };
        expected.sort_by(|a, b| key(a).cmp(&key(b)));
        let groups = Groups::by(&visits, |v| v.client);
        assert_eq!(groups.slices().concat(), expected);
        assert!(groups.groups.windows(2).all(|w| w[0].key < w[1].key));
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

    #[test]
    fn the_month_groups_are_each_grouping_as_made_alone() {
        let mut next = below(0x2545_f491_4f6c_dd1d);
        // More visits than one block (2^14), suppliers with many and few visits, ties in
        // check-in broken by visit id.
        let visits: Vec<Visit> = (0..40_000)
            .map(|n| {
                let supplier = if n % 5 == 0 { 30 } else { next(12) as u32 };
                let mut v = visit(&format!("v{}", next(100_000)), supplier, next(900) as u32, next(400) as i64);
                v.staff = next(60) as u32;
                v
            })
            .collect();
        let month = MonthGroups::new(&visits, visits.len());
        let runs = |g: &Groups| (g.groups.clone(), g.visits.clone());
        assert_eq!(runs(&month.clients), runs(&Groups::by(&visits, |v| v.client)));
        assert_eq!(runs(&month.staff), runs(&Groups::by(&visits, |v| v.staff)));
        assert_eq!(runs(&MonthGroups::new(&[], 0).staff), runs(&Groups::default()));
        assert_eq!(runs(&month.others), runs(&Groups::default()));
        // The visits past `performed` are grouped by client apart, with their own indices.
        let split = MonthGroups::new(&visits, 30_000);
        assert_eq!(runs(&split.staff), runs(&Groups::by(&visits[..30_000], |v| v.staff)));
        let tail: Vec<u32> = split.others.groups.iter().flat_map(|g| split.others.visits(g).iter().copied()).collect();
        let order = |i: &u32| (member_key(visits[*i as usize].supplier, visits[*i as usize].client), visits[*i as usize].check_in);
        assert!(tail.windows(2).all(|w| order(&w[0]) <= order(&w[1])));
        let mut sorted = tail.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (30_000..40_000).collect::<Vec<u32>>());
        // The walks by staff member ask for the first line of each visit, those by client
        // for the whole visit (they read services and ids).
        assert_eq!((month.staff.lines, month.clients.lines), (Lines::Hot, Lines::All));
    }
}

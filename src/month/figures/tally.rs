//! Building the month's tallies: every staff member's and every client's visits, grouped once
//! for the whole month (`engine::groups`, shared with the flags), are counted once; a client's
//! granted time, add-on reports and continuity are counted with its visits. Supplier and
//! municipal figures, the drill-down and the evidence are folds over these members.

use rayon::prelude::*;

use super::continuity;
use super::FigureContext;
use crate::bytes_map::HashMap;
use crate::engine::by_supplier::supplier_range;
use crate::engine::groups::{Group, Groups, MonthGroups};
use crate::engine::split_parts;
use crate::model::{member_key, split_key, AddonRow, ExactMinutes, Flag, GrantedRow, InvoiceRow, Questioned, Tally, Visit};
use crate::month::payment::questioned;

/// One staff member or client of a supplier with its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// `member_key(supplier, member)`.
    pub key: u64,
    pub tally: Tally,
    /// Median valid duration in minutes.
    pub median: Option<f64>,
    /// Clients only: distinct staff over all the client's visits.
    pub distinct_staff: u32,
    /// Clients only: distinct staff in the continuity window, when the client qualifies.
    pub continuity_staff: Option<u32>,
}

impl Member {
    /// A member known by its tally alone: no visit of its own to take a median or count
    /// staff from.
    pub fn of_tally(key: u64, tally: Tally) -> Member {
        Member { key, tally, median: None, distinct_staff: 0, continuity_staff: None }
    }

    pub fn supplier(&self) -> u32 {
        split_key(self.key).0
    }

    pub fn member(&self) -> u32 {
        split_key(self.key).1
    }
}

/// Flags of each visit as a bit set (`Flag::bit`, and the bits `mark_later_partners` sets),
/// indexed like the month's visits. Sixteen bits hold them all (asserted there), and a
/// national month's masks take 25 MB instead of 49 while its figures are made.
pub type FlagMasks = [u16];

/// The month's members. Both lists are sorted by key, so one supplier's members are one range.
pub struct MonthTally {
    pub staff: Vec<Member>,
    /// Clients with visits, granted time, add-on reports or invoices.
    pub clients: Vec<Member>,
    /// The questioned visits (SPEC §10) with their reasons and valid durations, in staff order.
    pub questioned: Vec<QuestionedVisit>,
    /// The median valid duration of each supplier's visits and of all, in minutes.
    pub medians: Medians,
    extras: ClientExtras,
}

/// Median valid durations in minutes: per supplier (sorted by supplier id) and of every
/// visit of the month.
#[derive(Debug, Default)]
pub struct Medians {
    per_supplier: Vec<(u32, f64)>,
    pub all: Option<f64>,
}

impl Medians {
    /// The median of the valid durations of the month's visits, per supplier and of them all.
    /// Every performed visit has one staff member, so the staff's durations are the month's:
    /// `durations` holds each staff member's part of the grouping by staff (`sizes`, in the
    /// order of `staff`), its valid durations in seconds at the part's start
    /// (`StaffCount::valid`). They are moved together in place, each supplier's after the one
    /// before, and selected from there: no second list of the month's durations is made.
    fn of(staff: &[StaffCount], sizes: impl Iterator<Item = usize>, durations: &mut [i64]) -> Medians {
        let (mut from, mut to) = (0, 0);
        let mut suppliers: Vec<(u32, usize)> = Vec::new();
        for (count, size) in staff.iter().zip(sizes) {
            durations.copy_within(from..from + count.valid, to);
            from += size;
            to += count.valid;
            match suppliers.last_mut() {
                Some((s, n)) if *s == count.member.supplier() => *n += count.valid,
                _ => suppliers.push((count.member.supplier(), count.valid)),
            }
        }
        let kept = &mut durations[..to];
        let parts = split_parts(kept, suppliers.iter().map(|(_, n)| *n));
        let per_supplier =
            suppliers.par_iter().zip(parts).filter_map(|(&(supplier, _), part)| Some((supplier, median_minutes(part)?))).collect();
        Medians { per_supplier, all: median_minutes(kept) }
    }

    pub fn of_supplier(&self, supplier: u32) -> Option<f64> {
        let at = self.per_supplier.binary_search_by_key(&supplier, |(s, _)| *s).ok()?;
        Some(self.per_supplier[at].1)
    }
}

impl MonthTally {
    pub fn staff_of(&self, supplier: u32) -> &[Member] {
        &self.staff[supplier_range(&self.staff, supplier, |m| m.key)]
    }

    pub fn clients_of(&self, supplier: u32) -> &[Member] {
        &self.clients[supplier_range(&self.clients, supplier, |m| m.key)]
    }

    /// The month's tallies. `masks[i]` holds the flags of `visits[i]`; `groups` are the
    /// month's visits grouped by client and by staff (`MonthGroups::new`).
    pub fn build(visits: &[Visit], groups: &MonthGroups, rows: ClientRows, masks: &FlagMasks, ctx: &FigureContext) -> MonthTally {
        let extras = ClientExtras::new(rows, ctx);
        let ((staff, questioned, medians), clients) = rayon::join(
            || {
                // The valid durations of every staff member's visits, gathered in one list
                // (100 MB on a national month, given back when the medians are taken).
                let mut durations = vec![0i64; groups.staff.visit_count()];
                let staff: Vec<StaffCount> = groups
                    .staff
                    .par_walk_with(visits, Some(masks), &mut durations)
                    .map(|(key, group, slots)| staff_member(key, group, visits, masks, ctx, slots))
                    .collect();
                let medians = Medians::of(&staff, groups.staff.groups.iter().map(Group::size), &mut durations);
                let questioned = staff.iter().flat_map(|c| c.questioned.iter().copied()).collect();
                (staff.into_iter().map(|c| c.member).collect::<Vec<_>>(), questioned, medians)
            },
            || {
                groups
                    .clients
                    .par_walk(visits, Some(masks))
                    .map(|(key, group)| client_member(key, group, visits, masks, ctx, &extras))
                    .collect::<Vec<_>>()
            },
        );
        let clients = extras.add_clients_without_visits(clients);
        let clients = add_others(clients, &groups.others, visits, masks, |v| v.client);
        let staff = add_others(staff, &groups.others, visits, masks, |v| v.staff);
        MonthTally { staff, clients, questioned, medians, extras }
    }

    /// Whether the client (a `member_key`) reported the add-on with quantity > 0.
    pub fn is_reported(&self, key: u64, addon: u32) -> bool {
        self.extras.reports.get(&key).is_some_and(|(reported, _, _)| reported.binary_search(&addon).is_ok())
    }
}

/// Counts the registrations that are not performed visits (`others`) into the members
/// (sorted by key) that `member` names, adding a member for those who have only such
/// registrations. They are few, and none without a status column.
fn add_others(mut members: Vec<Member>, others: &Groups, visits: &[Visit], masks: &FlagMasks, member: fn(&Visit) -> u32) -> Vec<Member> {
    let mut keyed: Vec<(u64, u32)> = others
        .groups
        .iter()
        .flat_map(|g| others.visits(g))
        .map(|&i| {
            let v = &visits[i as usize];
            (member_key(v.supplier, member(v)), i)
        })
        .collect();
    keyed.sort_unstable();
    let mut added = Vec::new();
    let mut at = 0;
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        let key = run[0].0;
        let tally = if walk_to(&members, &mut at, key) {
            &mut members[at].tally
        } else {
            added.push(Member::of_tally(key, Tally::default()));
            &mut added.last_mut().expect("just added").tally
        };
        for &(_, i) in run {
            count_other(tally, &visits[i as usize], masks[i as usize].into());
        }
    }
    merged(members, added)
}

/// Moves `at` on through `members` (sorted by key) to the first member whose key is not below
/// `key`, and tells whether it is `key`'s: asked for keys in ascending order, the members are
/// met in one walk, not each looked up among them all.
fn walk_to(members: &[Member], at: &mut usize, key: u64) -> bool {
    while members.get(*at).is_some_and(|m| m.key < key) {
        *at += 1;
    }
    members.get(*at).is_some_and(|m| m.key == key)
}

/// Two lists of members sorted by key, and of no key in common, as one sorted list.
fn merged(mut members: Vec<Member>, added: Vec<Member>) -> Vec<Member> {
    if !added.is_empty() {
        members.extend(added);
        // A stable sort finds the two sorted runs and merges them.
        members.sort_by_key(|m| m.key);
    }
    members
}

/// Counts one registration that is not a performed visit into `t`: as such, as declined when
/// it is, and its flags (`declined_remainder`).
fn count_other(t: &mut Tally, v: &Visit, mask: u32) {
    t.not_performed += 1;
    t.declined += u32::from(v.status.is_declined());
    if mask != 0 {
        t.flagged += 1;
        for flag in Flag::ALL.into_iter().filter(|f| mask & f.bit() != 0) {
            t.per_flag[flag as usize] += 1;
        }
    }
}

/// A questioned visit (an index into the month's visits), why, and its valid duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionedVisit {
    pub visit: u32,
    pub reason: Questioned,
    pub seconds: i64,
}

/// Counts one visit into `t`; returns its valid duration in seconds and why its time is
/// questioned, if it is (SPEC §10).
fn count_visit(t: &mut Tally, v: &Visit, mask: u32, ctx: &FigureContext) -> Option<(i64, Option<Questioned>)> {
    t.visits += 1;
    t.checked_in += u32::from(ctx.is_checked_in(v));
    if let (true, Some(reason)) = (v.is_manual(), v.manual_reason) {
        t.manual += 1;
        t.manual_with_reason += u32::from(reason);
    }
    if mask != 0 {
        t.flagged += 1;
        for flag in Flag::ALL.into_iter().filter(|f| mask & f.bit() != 0) {
            t.per_flag[flag as usize] += 1;
        }
    }
    let minutes = ctx.valid_minutes(v)?;
    let seconds = v.check_out? - v.check_in;
    t.valid += 1;
    t.valid_seconds += seconds;
    t.short += u32::from(ctx.is_short_minutes(minutes));
    let reason = questioned(v, mask);
    if let Some(reason) = reason {
        t.questioned_seconds[reason as usize] += seconds;
    }
    Some((seconds, reason))
}

/// The median of durations in seconds, in minutes (of an even count, the mean of the two
/// middle values). Reorders `seconds`.
pub fn median_minutes(seconds: &mut [i64]) -> Option<f64> {
    let n = seconds.len();
    if n == 0 {
        return None;
    }
    let (below, &mut upper, _) = seconds.select_nth_unstable(n / 2);
    let upper = upper as f64 / 60.0;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = *below.iter().max().expect("an even count has a lower half") as f64 / 60.0;
    Some((lower + upper) / 2.0)
}

/// A staff member's tally, its questioned visits, and how many of its visits have a valid
/// duration: their durations in seconds (in no order), of which the month's medians are
/// taken, lie at the start of its slots (`staff_member`).
struct StaffCount {
    member: Member,
    questioned: Vec<QuestionedVisit>,
    valid: usize,
}

/// Counts one staff member's visits (`StaffCount`), the valid durations written into
/// `slots` (one per visit of the group).
fn staff_member(key: u64, group: &[u32], visits: &[Visit], masks: &FlagMasks, ctx: &FigureContext, slots: &mut [i64]) -> StaffCount {
    let mut tally = Tally::default();
    let mut questioned = Vec::new();
    let mut valid = 0;
    for &i in group {
        if let Some((seconds, reason)) = count_visit(&mut tally, &visits[i as usize], masks[i as usize].into(), ctx) {
            if let Some(reason) = reason {
                questioned.push(QuestionedVisit { visit: i, reason, seconds });
            }
            slots[valid] = seconds;
            valid += 1;
        }
    }
    let member = Member { key, tally, median: median_minutes(&mut slots[..valid]), distinct_staff: 0, continuity_staff: None };
    StaffCount { member, questioned, valid }
}

fn client_member(key: u64, group: &[u32], visits: &[Visit], masks: &FlagMasks, ctx: &FigureContext, extras: &ClientExtras) -> Member {
    let mut tally = Tally::default();
    let mut seconds: Vec<i64> =
        group.iter().filter_map(|&i| Some(count_visit(&mut tally, &visits[i as usize], masks[i as usize].into(), ctx)?.0)).collect();
    let client_visits: Vec<&Visit> = group.iter().map(|&i| &visits[i as usize]).collect();
    extras.count_into(key, &mut tally, &client_visits, ctx);
    let continuity_staff = continuity::qualifying_staff(&client_visits, ctx);
    if let Some(n) = continuity_staff {
        tally.continuity_clients = 1;
        tally.continuity_staff = u64::from(n);
    }
    let mut staff: Vec<u32> = client_visits.iter().map(|v| v.staff).collect();
    staff.sort_unstable();
    staff.dedup();
    Member { key, tally, median: median_minutes(&mut seconds), distinct_staff: staff.len() as u32, continuity_staff }
}

/// The month's rows per client besides its visits.
#[derive(Clone, Copy)]
pub struct ClientRows<'a> {
    pub granted: &'a [GrantedRow],
    pub addons: &'a [AddonRow],
    pub invoices: &'a [InvoiceRow],
}

/// What a client has besides its visits: granted minutes, add-on reports, invoiced minutes.
struct ClientExtras {
    granted: HashMap<u64, ExactMinutes>,
    invoiced: HashMap<u64, ExactMinutes>,
    /// Add-ons reported with quantity > 0 (sorted), report rows and late report rows.
    reports: HashMap<u64, (Vec<u32>, u32, u32)>,
}

impl ClientExtras {
    fn new(rows: ClientRows, ctx: &FigureContext) -> ClientExtras {
        let mut granted_of: HashMap<u64, ExactMinutes> = HashMap::default();
        for g in rows.granted {
            *granted_of.entry(member_key(g.supplier, g.client)).or_default() += g.minutes;
        }
        // Several rows of one supplier, client and month are summed (SPEC §2.6).
        let mut invoiced: HashMap<u64, ExactMinutes> = HashMap::default();
        for i in rows.invoices {
            *invoiced.entry(member_key(i.supplier, i.client)).or_default() += i.minutes;
        }
        let deadline = ctx.month.next().day_clamped(ctx.config.parameters.addon_deadline_day);
        let mut reports: HashMap<u64, (Vec<u32>, u32, u32)> = HashMap::default();
        for a in rows.addons {
            let entry = reports.entry(member_key(a.supplier, a.client)).or_default();
            if a.quantity > 0.0 {
                entry.0.push(a.addon);
            }
            entry.1 += 1;
            entry.2 += u32::from(a.reported_on > deadline);
        }
        for entry in reports.values_mut() {
            entry.0.sort_unstable();
            entry.0.dedup();
        }
        ClientExtras { granted: granted_of, invoiced, reports }
    }

    /// Counts the client's granted and invoiced time, delivered and reported add-ons and
    /// reports.
    fn count_into(&self, key: u64, tally: &mut Tally, visits: &[&Visit], ctx: &FigureContext) {
        tally.grant(self.granted.get(&key).copied());
        tally.invoice(self.invoiced.get(&key).copied());
        let mut delivered: Vec<u32> =
            visits.iter().flat_map(|v| v.services.iter()).filter_map(|s| ctx.addon_of_service.get(s).copied()).collect();
        delivered.sort_unstable();
        delivered.dedup();
        tally.addons_delivered = delivered.len() as u32;
        if let Some((reported, rows, late)) = self.reports.get(&key) {
            tally.addons_reported = delivered.iter().filter(|a| reported.binary_search(a).is_ok()).count() as u32;
            tally.reports = *rows;
            tally.late_reports = *late;
        }
    }

    /// Adds the clients that have granted time, add-on reports or invoices but no visit, in
    /// key order.
    fn add_clients_without_visits(&self, clients: Vec<Member>) -> Vec<Member> {
        let mut keys: Vec<u64> = self.granted.keys().chain(self.reports.keys()).chain(self.invoiced.keys()).copied().collect();
        keys.par_sort_unstable();
        keys.dedup();
        let mut at = 0;
        keys.retain(|&key| !walk_to(&clients, &mut at, key));
        let without_visits = keys.into_iter().map(|key| {
            let mut tally = Tally::default();
            tally.grant(self.granted.get(&key).copied());
            tally.invoice(self.invoiced.get(&key).copied());
            if let Some((_, rows, late)) = self.reports.get(&key) {
                tally.reports = *rows;
                tally.late_reports = *late;
            }
            Member::of_tally(key, tally)
        });
        merged(clients, without_visits.collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median_minutes(&mut []), None);
        assert_eq!(median_minutes(&mut [600]), Some(10.0));
        assert_eq!(median_minutes(&mut [1800, 60, 600]), Some(10.0));
        assert_eq!(median_minutes(&mut [1800, 60, 600, 1200]), Some(15.0));
    }
}

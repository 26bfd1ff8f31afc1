//! One chunk of a visits file as its thread reads it: the chunk's visits written straight
//! into their slots of the file's vector, with chunk-local name ids, where each came from, and
//! the rejects; then remapped to the file's global ids and closed up.

use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::duplicates::ShardedIds;
use super::names::{intern_staff, intern_supplier};
use super::rows::Reason;
use super::time::Clock;
use crate::bytes_map::{BytesMap, HashMap};
use crate::engine::split_parts;
use crate::model::{Ids, Method, MonthCounts, Reject, Services, Visit, VisitStatus, NO_AREA};
use crate::privacy::{identity_key, Pseudonymizer};

#[derive(Default)]
pub(super) struct LocalNames {
    pub(super) map: HashMap<String, u32>,
    pub(super) names: Vec<String>,
}

impl LocalNames {
    pub(super) fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.map.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.map.insert(name.to_string(), id);
        id
    }

    /// Global ids for the local ones, interning in local order.
    pub(super) fn to_global(&self, mut intern: impl FnMut(&str) -> u32) -> Vec<u32> {
        self.names.iter().map(|n| intern(n)).collect()
    }
}

/// What a chunk's rows have shown so far, by the raw bytes of a field: an export repeats a
/// client, a method or a district row after row, so each spelling is checked, normalised and
/// numbered once per chunk. Only values that passed their checks are kept, and a value's checks
/// depend on its bytes alone, so a row reads the same with or without them. Names are kept
/// once numbered, at the point of the row where they always were, so that the chunk's names
/// are numbered exactly as before. Dropped when the chunk has been read.
#[derive(Default)]
pub(super) struct Recent {
    pub(super) suppliers: Kept<u32>,
    pub(super) clients: Kept<u32>,
    pub(super) staff: Kept<u32>,
    pub(super) areas: Kept<u32>,
    pub(super) methods: Kept<Option<Method>>,
    pub(super) numbers: Kept<Option<f64>>,
    pub(super) services: Kept<Services>,
    pub(super) reasons: Kept<bool>,
    pub(super) statuses: Kept<VisitStatus>,
    /// The last date and hour of the timestamps read.
    pub(super) clock: Clock,
}

/// Values kept by a field's raw bytes. Ten fields of every row are looked up here; most
/// are short (a personnummer is 13 bytes, a method 3), and a short field is kept under a key
/// of two words and its length, hashed and compared as numbers, instead of under its bytes
/// (a hash of a byte string and a `memcmp` call were 15 % of the parse's CPU).
pub(super) type Kept<T> = BytesMap<T>;

/// The value of a field: as kept for its raw bytes, or computed (and kept when it passes).
/// `raw` is `None` when the file lacks the column.
pub(super) fn remembered<T: Clone>(
    kept: &mut Kept<T>,
    raw: Option<&[u8]>,
    compute: impl FnOnce() -> Result<T, Reason>,
) -> Result<T, Reason> {
    // An empty field is checked at once; hashing it costs more.
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return compute() };
    if let Some(value) = kept.get_again(raw) {
        return Ok(value);
    }
    let value = compute()?;
    kept.insert(raw, value.clone());
    Ok(value)
}

/// A name field of a row: numbered before in this chunk (found by its raw bytes), or checked
/// text still to be numbered.
pub(super) enum Name<'a> {
    Numbered(u32),
    Checked(Option<&'a [u8]>, Cow<'a, str>),
}

impl<'a> Name<'a> {
    /// The name in field bytes `raw`: its number when these bytes were numbered, else `check`ed.
    pub(super) fn of(
        numbered: &Kept<u32>,
        raw: Option<&'a [u8]>,
        check: impl FnOnce() -> Result<Cow<'a, str>, Reason>,
    ) -> Result<Name<'a>, Reason> {
        match raw.and_then(|r| numbered.get(r)) {
            Some(&id) => Ok(Name::Numbered(id)),
            None => Ok(Name::Checked(raw, check()?)),
        }
    }

    /// As `of`, for a field that mostly repeats the row before's (a supplier): found without
    /// hashing when it does (`BytesMap::get_again`).
    pub(super) fn of_repeated(
        numbered: &mut Kept<u32>,
        raw: Option<&'a [u8]>,
        check: impl FnOnce() -> Result<Cow<'a, str>, Reason>,
    ) -> Result<Name<'a>, Reason> {
        match raw.and_then(|r| numbered.get_again(r)) {
            Some(id) => Ok(Name::Numbered(id)),
            None => Ok(Name::Checked(raw, check()?)),
        }
    }

    /// As `of_repeated`, for a field that may be empty (`None`).
    pub(super) fn of_optional(
        numbered: &mut Kept<u32>,
        raw: Option<&'a [u8]>,
        check: impl FnOnce() -> Result<Option<Cow<'a, str>>, Reason>,
    ) -> Result<Option<Name<'a>>, Reason> {
        match raw.and_then(|r| numbered.get_again(r)) {
            Some(id) => Ok(Some(Name::Numbered(id))),
            None => Ok(check()?.map(|text| Name::Checked(raw, text))),
        }
    }

    /// Its chunk-local number, numbering it (and keeping its raw bytes) when new.
    pub(super) fn number(self, names: &mut LocalNames, numbered: &mut Kept<u32>) -> u32 {
        self.number_with(numbered, |text| names.id(text))
    }

    /// Its number: as kept, or given by `intern` when new, kept then under its raw bytes.
    pub(super) fn number_with(self, numbered: &mut Kept<u32>, intern: impl FnOnce(&str) -> u32) -> u32 {
        match self {
            Name::Numbered(id) => id,
            Name::Checked(raw, text) => {
                let id = intern(&text);
                if let Some(raw) = raw {
                    numbered.insert(raw, id);
                }
                id
            }
        }
    }
}

/// Where a visit checked within its chunk came from, beside it in `ChunkResult::meta`
/// (16 bytes a visit: a national month holds 12 M of them until its later copies are found).
pub(super) struct Parsed {
    pub(super) start: u64,
    /// Lines after the chunk's first line (`ChunkResult::first_line`).
    pub(super) line: u32,
    pub(super) len: u32,
}

#[derive(Default)]
pub(super) struct ChunkResult<'s> {
    /// The chunk's part of the file's visit slots, filled from the front with the chunk's
    /// visits (chunk-local ids), so that they are written once, where they end up.
    pub(super) part: Part<'s>,
    /// Visits beyond the slots; only a file whose lines end in a bare `\r` has more records
    /// than line breaks.
    pub(super) overflow: Vec<Option<Visit>>,
    /// Where each visit came from, in the same order.
    pub(super) meta: Vec<Parsed>,
    /// The line the chunk begins on.
    pub(super) first_line: u64,
    /// The hashes of the export's own visit ids, tagged with their index in `meta`, while the
    /// chunk is read; then sorted into shards (`ids`).
    pub(super) tagged_ids: Vec<u128>,
    pub(super) ids: ShardedIds,
    pub(super) rejects: Vec<Reject>,
    pub(super) read: u64,
    pub(super) rejected: u64,
    pub(super) suppliers: LocalNames,
    pub(super) clients: LocalNames,
    pub(super) staff: LocalNames,
    pub(super) services: LocalNames,
    pub(super) areas: LocalNames,
    pub(super) recent: Recent,
    /// Each client name's identity key and pseudonym, made on the chunk's thread so that the
    /// names are numbered in file order without computing a pseudonym on one thread.
    pub(super) client_keys: Vec<(String, String)>,
    /// The chunk's bytes are not UTF-8 in a file taken for UTF-8 unchecked (it was not read).
    pub(super) not_utf8: bool,
}

impl ChunkResult<'_> {
    pub(super) fn push(&mut self, visit: Visit) {
        if let Some(visit) = self.part.push(visit) {
            self.overflow.push(Some(visit));
        }
    }

    /// The chunk's `i`th visit.
    pub(super) fn visit(&self, i: usize) -> Option<&Visit> {
        let filled = self.part.filled();
        match filled.get(i) {
            Some(slot) => slot.as_ref(),
            None => self.overflow.get(i - filled.len()).and_then(Option::as_ref),
        }
    }

    /// The line of the chunk's `i`th visit.
    pub(super) fn line(&self, i: usize) -> u64 {
        self.first_line + u64::from(self.meta[i].line)
    }

    /// Removes the chunk's `i`th visit (a later copy of an id already read).
    pub(super) fn remove(&mut self, i: usize) {
        let in_part = self.part.filled;
        if i < in_part {
            self.part.remove(i);
        } else {
            self.overflow[i - in_part] = None;
        }
    }

    pub(super) fn visits_mut(&mut self) -> impl Iterator<Item = &mut Visit> {
        self.part.filled_mut().iter_mut().chain(self.overflow.iter_mut()).flatten()
    }
}

/// The visit slots of one file: one allocation sized from its line count, handed to its chunks
/// as parts that each fill from the front, so that a visit is written once, where it ends up.
/// No slot is written before its chunk writes it: emptying 1.5 GB of slots up front (a
/// national month) touched every new page on one thread for a second before any chunk began,
/// where now each page is first touched by the chunk that fills it.
#[derive(Default)]
pub(super) struct Slots {
    vec: Vec<Option<Visit>>,
    /// How many slots were handed out as parts.
    parted: usize,
    /// How many slots the parts gone so far have written (each writes all of its own).
    written: AtomicUsize,
    /// How many of those hold no visit (a part's unfilled slots and visits removed).
    holes: AtomicUsize,
}

impl Slots {
    /// Parts of `sizes` slots each, in order, covering new slots (a second call starts over).
    pub(super) fn parts(&mut self, sizes: &[usize]) -> Vec<Part<'_>> {
        drop(self.take());
        let total = sizes.iter().sum();
        self.vec = Vec::with_capacity(total);
        self.parted = total;
        *self.written.get_mut() = 0;
        *self.holes.get_mut() = 0;
        let (written, holes) = (&self.written, &self.holes);
        split_parts(&mut self.vec.spare_capacity_mut()[..total], sizes.iter().copied())
            .into_iter()
            .map(|slots| Part { slots, filled: 0, removed: 0, written, holes })
            .collect()
    }

    /// Every slot, in order, once the parts are gone; empty when a part was not (forgotten
    /// parts leave slots unwritten).
    fn take(&mut self) -> Vec<Option<Visit>> {
        let mut vec = std::mem::take(&mut self.vec);
        if *self.written.get_mut() == std::mem::take(&mut self.parted) {
            // SAFETY: the parts borrowed `self` and are gone; between them they wrote every one
            // of the first `parted` slots, the ones they covered (`Part`'s drop).
            unsafe { vec.set_len(*self.written.get_mut()) };
        }
        vec
    }

    /// The visits, in order, with the empty slots closed up, in the same allocation. When
    /// every slot holds a visit (each chunk had as many visits as lines, and none was a later
    /// copy) they stay where they are: closing up walked every visit of a national month on
    /// one thread at the end of the read.
    pub(super) fn close_up(mut self) -> Vec<Visit> {
        let parted = self.parted;
        let holes = *self.holes.get_mut();
        let slots = self.take();
        if holes == 0 && slots.len() == parted {
            // `Option<Visit>` keeps its `None` in a niche of `Visit`: the same size and
            // alignment, so the allocation of `len` slots is one of `len` visits.
            const _: () = assert!(
                std::mem::size_of::<Option<Visit>>() == std::mem::size_of::<Visit>()
                    && std::mem::align_of::<Option<Visit>>() == std::mem::align_of::<Visit>()
            );
            let mut slots = std::mem::ManuallyDrop::new(slots);
            // SAFETY: every slot holds `Some(visit)`, and `Option<Visit>` is laid out as
            // `Visit` (asserted above), so the allocation holds `len` visits; it is handed on
            // whole, never freed twice.
            return unsafe { Vec::from_raw_parts(slots.as_mut_ptr().cast::<Visit>(), slots.len(), slots.capacity()) };
        }
        close_up(slots)
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        // The visits written are dropped with the vector (their ids may have allocated).
        drop(self.take());
    }
}

/// A chunk's slots: the first `filled` written with its visits, the rest not yet written.
pub(super) struct Part<'s> {
    slots: &'s mut [MaybeUninit<Option<Visit>>],
    filled: usize,
    /// Filled slots emptied again (`remove`).
    removed: usize,
    written: &'s AtomicUsize,
    holes: &'s AtomicUsize,
}

impl Default for Part<'_> {
    fn default() -> Self {
        static NONE: AtomicUsize = AtomicUsize::new(0);
        static NO_HOLES: AtomicUsize = AtomicUsize::new(0);
        Part { slots: &mut [], filled: 0, removed: 0, written: &NONE, holes: &NO_HOLES }
    }
}

impl Part<'_> {
    /// Writes the visit into the next slot; gives it back when every slot is filled.
    fn push(&mut self, visit: Visit) -> Option<Visit> {
        match self.slots.get_mut(self.filled) {
            Some(slot) => {
                slot.write(Some(visit));
                self.filled += 1;
                None
            }
            None => Some(visit),
        }
    }

    /// Empties the `i`th filled slot (its visit is dropped).
    fn remove(&mut self, i: usize) {
        if self.filled_mut()[i].take().is_some() {
            self.removed += 1;
        }
    }

    pub(super) fn filled(&self) -> &[Option<Visit>] {
        // SAFETY: the first `filled` slots are written (`push`), and MaybeUninit<T> has T's layout.
        unsafe { std::slice::from_raw_parts(self.slots.as_ptr().cast(), self.filled) }
    }

    pub(super) fn filled_mut(&mut self) -> &mut [Option<Visit>] {
        // SAFETY: as in `filled`.
        unsafe { std::slice::from_raw_parts_mut(self.slots.as_mut_ptr().cast(), self.filled) }
    }
}

impl Drop for Part<'_> {
    fn drop(&mut self) {
        for slot in &mut self.slots[self.filled..] {
            slot.write(None);
        }
        self.written.fetch_add(self.slots.len(), Ordering::Release);
        self.holes.fetch_add(self.slots.len() - self.filled + self.removed, Ordering::Release);
    }
}

/// Each client name's identity key and pseudonym, as `intern_client` makes them.
pub(super) fn client_keys(names: &LocalNames, pseudonyms: &Pseudonymizer) -> Vec<(String, String)> {
    names
        .names
        .iter()
        .map(|raw| {
            let key = identity_key(raw).into_owned();
            let pseudonym = pseudonyms.pseudonym(&key);
            (key, pseudonym)
        })
        .collect()
}

/// Global ids of one chunk's names.
pub(super) struct Remap {
    pub(super) suppliers: Vec<u32>,
    pub(super) clients: Vec<u32>,
    pub(super) staff: Vec<u32>,
    pub(super) services: Vec<u32>,
    pub(super) areas: Vec<u32>,
}

impl Remap {
    /// Chunk names to global ids, in file order so ids are numbered by first appearance. Each
    /// kind of name has its own numbering, so clients are numbered on one thread while staff
    /// and the rest are on another.
    pub(super) fn of_chunks(results: &[ChunkResult], ids: &mut Ids, pseudonyms: &Pseudonymizer) -> Vec<Remap> {
        let Ids { suppliers, clients, staff, services, areas, .. } = ids;
        let each = |numbered: &mut dyn FnMut(&ChunkResult) -> Vec<u32>| results.iter().map(numbered).collect::<Vec<_>>();
        let (clients, (staff, (suppliers, services, areas))) = rayon::join(
            // As `intern_client` numbers them, with the keys and pseudonyms made beforehand.
            || {
                each(&mut |chunk| {
                    chunk.client_keys.iter().map(|(key, pseudonym)| clients.intern_with(key, |_| pseudonym.clone())).collect()
                })
            },
            || {
                let staff = each(&mut |chunk| chunk.staff.to_global(|s| intern_staff(staff, pseudonyms, s)));
                let suppliers = each(&mut |chunk| chunk.suppliers.to_global(|s| intern_supplier(suppliers, pseudonyms, s)));
                let services = each(&mut |chunk| chunk.services.to_global(|s| services.intern_with(s, |s| pseudonyms.scrub(s))));
                let areas = each(&mut |chunk| chunk.areas.to_global(|a| areas.intern_with(a, |a| pseudonyms.scrub(a))));
                (staff, (suppliers, services, areas))
            },
        );
        let kinds = clients.into_iter().zip(staff).zip(suppliers).zip(services).zip(areas);
        kinds.map(|((((clients, staff), suppliers), services), areas)| Remap { suppliers, clients, staff, services, areas }).collect()
    }

    /// Gives a chunk's visits their global ids; returns how many of them each month has.
    pub(super) fn apply(&self, chunk: &mut ChunkResult) -> MonthCounts {
        let mut months = MonthCounts::default();
        for v in chunk.visits_mut() {
            months.add(v.month(), 1);
            v.supplier = self.suppliers[v.supplier as usize];
            v.client = self.clients[v.client as usize];
            v.staff = self.staff[v.staff as usize];
            for s in v.services.iter_mut() {
                *s = self.services[*s as usize];
            }
            v.services.sort_unstable();
            if v.area != NO_AREA {
                v.area = self.areas[v.area as usize];
            }
        }
        months
    }
}

/// The file's visits in order, with the chunks' overflow.
pub(super) fn gather_overflowing(mut results: Vec<ChunkResult>) -> Vec<Visit> {
    results.iter_mut().flat_map(|c| c.part.filled_mut().iter_mut().filter_map(Option::take).chain(c.overflow.drain(..).flatten())).collect()
}

/// The filled slots as visits, in order, in the same allocation: `filter_map` over a vector's
/// own iterator is collected in place when the item sizes match (`Option<Visit>` uses a niche
/// of `Visit`), so a national file's visits are not copied to a second vector.
#[allow(clippy::filter_map_identity)] // `flatten` is not collected in place
pub(super) fn close_up(slots: Vec<Option<Visit>>) -> Vec<Visit> {
    slots.into_iter().filter_map(|slot| slot).collect()
}

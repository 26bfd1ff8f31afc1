//! How each kind of name is interned into the month's ids: the visits' chunks and the other
//! tables number their names the same way.

use crate::model::{Ids, Interner};
use crate::privacy::{identity_key, personnummer_spans, Pseudonymizer};

/// Clients are told apart by `identity_key`, so every form of one personnummer is one client.
pub(super) fn intern_client(ids: &mut Ids, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    ids.clients.intern_with(&identity_key(raw), |id| pseudonyms.pseudonym(id))
}

/// The id `intern_client` gave `raw`, when it has given one.
pub(super) fn client_id(ids: &Ids, raw: &str) -> Option<u32> {
    ids.clients.get(&identity_key(raw))
}

/// Supplier ids are kept as they are, with any personnummer in them replaced.
pub(super) fn intern_supplier(suppliers: &mut Interner, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    suppliers.intern_with(raw, |id| pseudonyms.scrub(id))
}

/// The id `intern_supplier` gave `raw`, when it has given one.
pub(super) fn supplier_id(suppliers: &Interner, raw: &str) -> Option<u32> {
    suppliers.get(raw)
}

/// Add-on codes are kept as they are, with any personnummer in them replaced.
pub(super) fn intern_addon(addons: &mut Interner, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    addons.intern_with(raw, |code| pseudonyms.scrub(code))
}

/// The id `intern_addon` gave `raw`, when it has given one.
pub(super) fn addon_id(addons: &Interner, raw: &str) -> Option<u32> {
    addons.get(raw)
}

/// Staff ids are kept as they are, unless one is shaped like a personnummer.
pub(super) fn intern_staff(staff: &mut Interner, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    staff.intern_with(&identity_key(raw), |id| {
        if personnummer_spans(id.as_bytes()).is_empty() {
            id.to_string()
        } else {
            pseudonyms.pseudonym(id)
        }
    })
}

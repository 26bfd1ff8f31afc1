//! How each kind of name is interned into the month's ids: the visits' chunks and the other
//! tables number their names the same way.

use crate::model::{Ids, Interner};
use crate::privacy::{identity_key, personnummer_spans, Pseudonymizer};

/// Clients are told apart by `identity_key`, so every form of one personnummer is one client.
pub(super) fn intern_client(ids: &mut Ids, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    ids.clients.intern_with(&identity_key(raw), |id| pseudonyms.pseudonym(id))
}

/// Supplier ids are kept as they are, with any personnummer in them replaced.
pub(super) fn intern_supplier(suppliers: &mut Interner, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    suppliers.intern_with(raw, |id| pseudonyms.scrub(id))
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

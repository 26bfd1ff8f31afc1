//! Interned names: suppliers, clients, staff, services and add-ons are numbered once at ingest
//! and carried as `u32` ids through every stage.

use crate::bytes_map::BytesMap;

/// Interned names: ids are indices into `names`. Keys of up to 16 bytes (most ids) are found
/// without reading a key on the heap (`BytesMap`).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    map: BytesMap<u32>,
    pub names: Vec<String>,
}

impl Interner {
    /// The id of `key`, adding it under the name `make_name(key)` when new.
    pub fn intern_with(&mut self, key: &str, make_name: impl FnOnce(&str) -> String) -> u32 {
        if let Some(&id) = self.map.get(key.as_bytes()) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(make_name(key));
        self.map.insert(key.as_bytes(), id);
        id
    }

    pub fn intern(&mut self, key: &str) -> u32 {
        self.intern_with(key, str::to_string)
    }

    pub fn get(&self, key: &str) -> Option<u32> {
        self.map.get(key.as_bytes()).copied()
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// Each id's place among the names sorted: comparing two ids' ranks compares their names.
    pub fn ranks(&self) -> Vec<u32> {
        let mut by_name: Vec<u32> = (0..self.names.len() as u32).collect();
        by_name.sort_unstable_by(|a, b| self.name(*a).cmp(self.name(*b)).then(a.cmp(b)));
        let mut rank = vec![0; by_name.len()];
        for (place, id) in by_name.into_iter().enumerate() {
            rank[id as usize] = place as u32;
        }
        rank
    }
}

/// Names shared by all input files. Clients are interned by their raw id (kept in memory
/// only) and named by their pseudonym.
#[derive(Debug, Default, Clone)]
pub struct Ids {
    pub suppliers: Interner,
    pub clients: Interner,
    pub staff: Interner,
    pub services: Interner,
    pub addons: Interner,
    /// Districts (`area`) of the clients' homes.
    pub areas: Interner,
}

/// Key (supplier, member) for staff and clients, who are identified per supplier.
pub fn member_key(supplier: u32, member: u32) -> u64 {
    (u64::from(supplier) << 32) | u64::from(member)
}

/// The supplier and member of a `member_key`.
pub fn split_key(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

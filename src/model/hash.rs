//! Hash maps and sets with a fast, per-process seeded hasher (foldhash): the ingest and the
//! figures hash tens of millions of ids, where the standard SipHash costs a tenth of the run.
//! No output depends on their iteration order.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

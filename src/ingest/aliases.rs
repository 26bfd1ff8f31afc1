//! Export values mapped onto canonical ones (methods, statuses): built-in aliases the
//! configuration adds to, matched trimmed and case-insensitively.

use std::collections::BTreeMap;

use crate::bytes_map::HashMap;

/// Maps export values (case-insensitive, trimmed) to canonical values of type `T`.
#[derive(Debug, Clone)]
pub struct AliasMap<T> {
    aliases: HashMap<String, T>,
}

impl<T: Copy> AliasMap<T> {
    /// The `built_in` aliases (lower case) and the `configured` ones (alias → canonical name,
    /// as `canonical` reads it; the configuration was checked, so every name reads).
    pub fn with(built_in: &[(&str, T)], configured: &BTreeMap<String, String>, canonical: impl Fn(&str) -> Option<T>) -> AliasMap<T> {
        let mut aliases: HashMap<String, T> = built_in.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        for (alias, target) in configured {
            if let Some(v) = canonical(target) {
                aliases.insert(alias.trim().to_lowercase(), v);
            }
        }
        AliasMap { aliases }
    }

    pub fn parse(&self, value: &str) -> Option<T> {
        let v = value.trim();
        if let Some(found) = self.aliases.get(v) {
            return Some(*found);
        }
        self.aliases.get(&v.to_lowercase()).copied()
    }

    /// The accepted values, for error messages.
    pub fn known_values(&self) -> Vec<String> {
        let mut v: Vec<String> = self.aliases.keys().cloned().collect();
        v.sort();
        v
    }
}

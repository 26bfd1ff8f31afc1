//! Registration statuses (SPEC §2.1): export values mapped onto the four canonical statuses.

use super::aliases::AliasMap;
use crate::config::Config;
use crate::model::VisitStatus;

/// Built-in aliases, lower case; `[status.aliases]` adds to them.
const BUILT_IN: [(&str, VisitStatus); 15] = [
    ("performed", VisitStatus::Performed),
    ("utförd", VisitStatus::Performed),
    ("utfört", VisitStatus::Performed),
    ("genomförd", VisitStatus::Performed),
    ("declined", VisitStatus::Declined),
    ("avböjd", VisitStatus::Declined),
    ("avböjt", VisitStatus::Declined),
    ("avbokad", VisitStatus::Declined),
    ("not_home", VisitStatus::NotHome),
    ("ej hemma", VisitStatus::NotHome),
    ("bomkörning", VisitStatus::NotHome),
    ("bombesök", VisitStatus::NotHome),
    ("cancelled", VisitStatus::Cancelled),
    ("inställd", VisitStatus::Cancelled),
    ("inställt", VisitStatus::Cancelled),
];

/// Maps export values (case-insensitive, trimmed) to statuses.
pub type StatusMap = AliasMap<VisitStatus>;

impl AliasMap<VisitStatus> {
    pub fn new(config: &Config) -> StatusMap {
        AliasMap::with(&BUILT_IN, &config.status.aliases, VisitStatus::from_canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_words_canonical_names_and_case() {
        let map = StatusMap::new(&Config::default());
        assert_eq!(map.parse("Utförd"), Some(VisitStatus::Performed));
        assert_eq!(map.parse(" AVBÖJT "), Some(VisitStatus::Declined));
        assert_eq!(map.parse("Avbokad"), Some(VisitStatus::Declined));
        assert_eq!(map.parse("Ej hemma"), Some(VisitStatus::NotHome));
        assert_eq!(map.parse("Bombesök"), Some(VisitStatus::NotHome));
        assert_eq!(map.parse("Inställt"), Some(VisitStatus::Cancelled));
        assert_eq!(map.parse("not_home"), Some(VisitStatus::NotHome));
        assert_eq!(map.parse("cancelled"), Some(VisitStatus::Cancelled));
        assert_eq!(map.parse("kanske"), None);
    }

    #[test]
    fn a_configured_alias_adds_to_the_built_in_ones() {
        let cfg = Config::from_toml_str("[status.aliases]\n\"Avböjt av kund\" = \"declined\"\n").unwrap();
        let map = StatusMap::new(&cfg);
        assert_eq!(map.parse("avböjt av KUND"), Some(VisitStatus::Declined));
        assert_eq!(map.parse("utförd"), Some(VisitStatus::Performed));
    }
}

//! Registration methods (SPEC §2.1): export values mapped onto the four canonical methods.

use super::aliases::AliasMap;
use crate::config::Config;
use crate::model::Method;

/// Built-in aliases, lower case; `[methods.aliases]` adds to them.
const BUILT_IN: [(&str, Method); 19] = [
    ("nfc", Method::Nfc),
    ("tagg", Method::Nfc),
    ("tag", Method::Nfc),
    ("nfc-tagg", Method::Nfc),
    ("lock", Method::Lock),
    ("lås", Method::Lock),
    ("digitalt lås", Method::Lock),
    ("digital lock", Method::Lock),
    ("mobile", Method::Mobile),
    ("mobil", Method::Mobile),
    ("app", Method::Mobile),
    ("manual", Method::Manual),
    ("manuell", Method::Manual),
    ("manuellt", Method::Manual),
    ("efterregistrering", Method::Manual),
    ("efterregistrerad", Method::Manual),
    ("efterregistrerat", Method::Manual),
    ("manuell registrering", Method::Manual),
    ("handpåläggning", Method::Manual),
];

/// Maps export values (case-insensitive, trimmed) to methods.
pub type MethodMap = AliasMap<Method>;

impl AliasMap<Method> {
    pub fn new(config: &Config) -> MethodMap {
        AliasMap::with(&BUILT_IN, &config.methods.aliases, Method::from_canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_words_and_case() {
        let map = MethodMap::new(&Config::default());
        assert_eq!(map.parse("Tagg"), Some(Method::Nfc));
        assert_eq!(map.parse(" LÅS "), Some(Method::Lock));
        assert_eq!(map.parse("Digitalt lås"), Some(Method::Lock));
        assert_eq!(map.parse("Efterregistrering"), Some(Method::Manual));
        assert_eq!(map.parse("App"), Some(Method::Mobile));
        assert_eq!(map.parse("fax"), None);
    }

    #[test]
    fn configured_alias_adds() {
        let cfg = Config::from_toml_str("[methods.aliases]\n\"Blipp\" = \"nfc\"\n").unwrap();
        let map = MethodMap::new(&cfg);
        assert_eq!(map.parse("blipp"), Some(Method::Nfc));
        assert_eq!(map.parse("tagg"), Some(Method::Nfc));
    }
}

//! Registration methods (SPEC §2.1): export values mapped onto the four canonical methods.

use crate::bytes_map::HashMap;

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
#[derive(Debug, Clone)]
pub struct MethodMap {
    aliases: HashMap<String, Method>,
}

impl MethodMap {
    pub fn new(config: &Config) -> MethodMap {
        let mut aliases: HashMap<String, Method> = BUILT_IN.iter().map(|(k, m)| (k.to_string(), *m)).collect();
        for (alias, target) in &config.methods.aliases {
            if let Some(m) = Method::from_canonical(target) {
                aliases.insert(alias.trim().to_lowercase(), m);
            }
        }
        MethodMap { aliases }
    }

    pub fn parse(&self, value: &str) -> Option<Method> {
        let v = value.trim();
        if let Some(m) = self.aliases.get(v) {
            return Some(*m);
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

//! The configuration file (SPEC §7): a municipality's contract and export dialect, checked once.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::error::usage;
use crate::model::{Bound, Figure, Flag, InputKind, Method, Metric, Unit, VisitStatus};

/// The complete default configuration, printed by `tidkoll config --print-defaults`.
/// A unit test keeps it equal to `Config::default()`.
pub const DEFAULT_TOML: &str = include_str!("default_config.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub input: InputConfig,
    pub columns: ColumnsConfig,
    pub methods: MethodsConfig,
    pub status: StatusConfig,
    pub requirements: BTreeMap<String, Bound>,
    pub flag_limits: BTreeMap<String, f64>,
    pub parameters: Parameters,
    pub escalation: EscalationConfig,
    pub plan: PlanConfig,
    pub municipality: MunicipalityConfig,
    pub sample: SampleConfig,
    pub payment: PaymentConfig,
    pub addons: BTreeMap<String, String>,
    pub privacy: PrivacyConfig,
}

/// The payment basis (SPEC §10).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentConfig {
    /// Kronor per hour of questioned or unsupported time; 0 gives minutes only.
    pub hourly_rate: f64,
}

/// When the follow-up proposes a deeper follow-up (fördjupad uppföljning, SPEC §9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationConfig {
    /// A metric deviating this many calendar months in a row.
    pub streak_months: u32,
    /// At least this many metrics deviating in the quarter.
    pub min_metrics: u32,
    /// A newly established supplier's month of activity that starts the deeper follow-up.
    pub new_supplier_months: u32,
}

/// The draft action plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanConfig {
    /// Days from the plan's date to the date the supplier is asked to reply by.
    pub reply_days: u32,
}

/// Who sends the action plans: the municipality, its unit (förvaltning) and the contact
/// person, as the letter's sender block, closing and document properties name them. Empty
/// values are left out of the letter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MunicipalityConfig {
    pub name: String,
    pub unit: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

/// The verification sample (SPEC §11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SampleConfig {
    /// Visits drawn per supplier: half by risk, half at random.
    pub size: u32,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig { size: 10 }
    }
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig { reply_days: 30 }
    }
}

impl Default for EscalationConfig {
    fn default() -> Self {
        EscalationConfig { streak_months: 6, min_metrics: 4, new_supplier_months: 6 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    pub delimiter: String,
    pub encoding: String,
    pub max_reject_rate: f64,
    /// The sheet of an Excel workbook input; empty for the first sheet.
    pub sheet: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ColumnsConfig {
    pub visits: BTreeMap<String, String>,
    pub granted: BTreeMap<String, String>,
    pub addons: BTreeMap<String, String>,
    pub absences: BTreeMap<String, String>,
    pub invoices: BTreeMap<String, String>,
}

impl ColumnsConfig {
    /// The renamings of one input kind: canonical name → the export's column name.
    pub fn of(&self, kind: InputKind) -> &BTreeMap<String, String> {
        match kind {
            InputKind::Visits => &self.visits,
            InputKind::Granted => &self.granted,
            InputKind::Addons => &self.addons,
            InputKind::Absences => &self.absences,
            InputKind::Invoices => &self.invoices,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MethodsConfig {
    pub verified: Vec<String>,
    pub aliases: BTreeMap<String, String>,
}

/// Registration statuses (SPEC §2.1): `[status.aliases]` adds to the built-in aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    pub aliases: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Parameters {
    pub min_visits: u32,
    pub short_visit_minutes: f64,
    pub max_valid_minutes: f64,
    pub adjacent_max_gap_minutes: f64,
    pub staff_overlap_minutes: f64,
    pub single_staff_min_visits: u32,
    pub single_staff_share: f64,
    pub continuity_window: [u32; 2],
    pub continuity_exclude_services: Vec<String>,
    pub addon_deadline_day: u32,
    pub long_day_minutes: f64,
    pub max_days_in_row: u32,
    pub travel_minutes_same_area: f64,
    pub travel_minutes_other_area: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    pub pseudonym_key_env: String,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig { delimiter: "auto".into(), encoding: "auto".into(), max_reject_rate: 0.01, sheet: String::new() }
    }
}

impl Default for MethodsConfig {
    fn default() -> Self {
        MethodsConfig { verified: vec!["nfc".into(), "lock".into()], aliases: BTreeMap::new() }
    }
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            min_visits: 10,
            short_visit_minutes: 5.0,
            max_valid_minutes: 720.0,
            adjacent_max_gap_minutes: 1.0,
            staff_overlap_minutes: 1.0,
            single_staff_min_visits: 20,
            single_staff_share: 0.90,
            continuity_window: [1, 14],
            continuity_exclude_services: vec!["MATD".into(), "LARM".into()],
            addon_deadline_day: 5,
            long_day_minutes: 600.0,
            max_days_in_row: 10,
            travel_minutes_same_area: 1.0,
            travel_minutes_other_area: 5.0,
        }
    }
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig { pseudonym_key_env: "TIDKOLL_PSEUDONYM_KEY".into() }
    }
}

/// The built-in requirements of the key figures, from the registry.
fn default_requirements() -> BTreeMap<String, Bound> {
    Figure::ALL.into_iter().filter_map(|f| Some((f.id().to_string(), f.def().default?))).collect()
}

/// The built-in limits of the flag rates, from the registry.
fn default_flag_limits() -> BTreeMap<String, f64> {
    Flag::ALL.into_iter().filter_map(|f| Some((f.name().to_string(), f.def().default_limit?))).collect()
}

fn default_addons() -> BTreeMap<String, String> {
    [("MATD", "meal"), ("TVATT", "laundry")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            input: InputConfig::default(),
            columns: ColumnsConfig::default(),
            methods: MethodsConfig::default(),
            status: StatusConfig::default(),
            requirements: default_requirements(),
            flag_limits: default_flag_limits(),
            parameters: Parameters::default(),
            escalation: EscalationConfig::default(),
            plan: PlanConfig::default(),
            municipality: MunicipalityConfig::default(),
            sample: SampleConfig::default(),
            payment: PaymentConfig::default(),
            addons: default_addons(),
            privacy: PrivacyConfig::default(),
        }
    }
}

/// A TOML reading error in Swedish: the line, and what is wrong in words a follow-up officer
/// knows (the TOML library's own words are English). Parts it does not know stay as they are.
fn toml_error_sv(text: &str, e: &toml::de::Error) -> String {
    let line = e.span().map(|s| {
        let n = text[..s.start.min(text.len())].matches('\n').count();
        (n + 1, text.lines().nth(n).unwrap_or("").trim())
    });
    let mut message = e.message().trim().to_string();
    for (en, sv) in [
        ("unknown field", "okänd nyckel"),
        ("expected one of", "möjliga nycklar är"),
        ("missing field", "nyckel saknas:"),
        ("invalid type:", "fel typ:"),
        ("invalid value:", "fel värde:"),
        ("duplicate key", "nyckeln finns redan:"),
        ("unclosed table", "tabellrubriken stängs inte"),
        ("invalid table header", "felaktig tabellrubrik"),
        ("floating point", "decimaltal"),
        ("a string", "text"),
        ("a sequence", "en lista"),
        ("a map", "en tabell"),
    ] {
        message = message.replace(en, sv);
    }
    // Single words only where they stand alone, so that a key's own name is never changed.
    let words: Vec<String> = message
        .split(' ')
        .map(|word| {
            let bare = word.trim_end_matches(',');
            let sv = match bare {
                "expected" => "väntade",
                "found" => "fick",
                "string" => "text",
                "integer" | "u32" | "u64" | "i64" => "heltal",
                "f64" => "decimaltal",
                "boolean" | "bool" => "sant/falskt",
                "sequence" => "lista",
                "map" => "tabell",
                _ => return word.to_string(),
            };
            format!("{sv}{}", &word[bare.len()..])
        })
        .collect();
    let message = words.join(" ");
    match line {
        Some((n, shown)) => format!("rad {n} ({shown}): {message}"),
        None => message,
    }
}

/// The largest sample per supplier: every sampled visit is a phone call to a client.
pub const MAX_SAMPLE_SIZE: u32 = 1000;

/// The error for an impossible value: the key, and why.
fn bad(key: &str, why: String) -> Result<()> {
    Err(anyhow::anyhow!("nyckeln `{key}`: {why}"))
}

/// A `[requirements]` entry: a known key figure, bounds in its unit's range, min ≤ max.
fn check_requirement(id: &str, bound: &Bound) -> Result<()> {
    let key = format!("requirements.{id}");
    let Some(figure) = Figure::parse(id) else {
        let ids: Vec<&str> = Figure::ALL.iter().map(|f| f.id()).collect();
        anyhow::bail!("nyckeln `{key}`: okänt nyckeltal; nyckeltalen är {}", ids.join(", "));
    };
    let is_share = figure.def().unit == Unit::Share;
    for v in [bound.min, bound.max].into_iter().flatten() {
        if !v.is_finite() || v < 0.0 || (is_share && v > 1.0) {
            let range = if is_share { "en andel mellan 0 och 1" } else { "ett tal ≥ 0" };
            anyhow::bail!("nyckeln `{key}`: {v} är inte {range}");
        }
    }
    if let (Some(min), Some(max)) = (bound.min, bound.max) {
        if min > max {
            anyhow::bail!("nyckeln `{key}`: min {min} är större än max {max}");
        }
    }
    Ok(())
}

/// The text of a configuration file as Notepad or Excel may have saved it: UTF-8 (with or
/// without a byte-order mark), UTF-16 with its byte-order mark ("Unicode"), or else Windows-1252
/// ("ANSI"), in which Swedish column names such as `Utförare` are spelt the same.
fn config_text(bytes: &[u8]) -> std::result::Result<String, String> {
    let utf16 = if bytes.starts_with(b"\xFF\xFE") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    };
    if let Some(encoding) = utf16 {
        let (text, malformed) = encoding.decode_with_bom_removal(bytes);
        return match malformed {
            true => Err("is marked as UTF-16 but is not UTF-16 text; save it again as UTF-8".to_string()),
            false => Ok(text.into_owned()),
        };
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(_) => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()),
    }
}

impl Config {
    /// Reads and checks a configuration file; every error names the key and exits 2.
    pub fn load(path: &Path) -> Result<Config> {
        // A pipe or device would block or never end, and no configuration is a megabyte long.
        const MAX_BYTES: u64 = 1 << 20;
        let meta = std::fs::metadata(path).map_err(|e| usage(format!("inställningsfilen {} kan inte läsas: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(usage(format!(
                "inställningsfilen {} är ingen vanlig fil (en mapp, ett rör eller en enhet); ange sökvägen till en .toml-fil",
                path.display()
            )));
        }
        if meta.len() > MAX_BYTES {
            return Err(usage(format!(
                "inställningsfilen {} är {} byte; en inställningsfil är några kilobyte TOML (`tidkoll config --print-defaults` visar en), så det här är ingen",
                path.display(),
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| usage(format!("inställningsfilen {} kan inte läsas: {e}", path.display())))?;
        let text = config_text(&bytes).map_err(|why| usage(format!("inställningsfilen {} {why}", path.display())))?;
        Config::from_toml_str(&text).map_err(|e| usage(format!("inställningsfilen {}: {e:#}", path.display())))
    }

    /// Parses TOML text over the defaults: `[requirements]` replaces a figure's bounds as a
    /// whole, `[flag_limits]` a flag's limit, `[methods.aliases]` adds to the built-in aliases.
    pub fn from_toml_str(text: &str) -> Result<Config> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", toml_error_sv(text, &e)))?;
        let table: toml::Table = toml::from_str(text)?;
        if table.contains_key("requirements") {
            let mut merged = default_requirements();
            merged.extend(std::mem::take(&mut cfg.requirements));
            cfg.requirements = merged;
        }
        if table.contains_key("flag_limits") {
            let mut merged = default_flag_limits();
            merged.extend(std::mem::take(&mut cfg.flag_limits));
            cfg.flag_limits = merged;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        self.validate_input()?;
        self.validate_methods()?;
        self.validate_limits()?;
        self.validate_parameters()
    }

    fn validate_input(&self) -> Result<()> {
        if !matches!(self.input.delimiter.as_str(), "auto" | "," | ";" | "\t") {
            return bad("input.delimiter", format!("'{}' is not one of \"auto\", \",\", \";\", \"\\t\"", self.input.delimiter));
        }
        if !matches!(
            self.input.encoding.to_ascii_lowercase().as_str(),
            "auto" | "utf-8" | "utf8" | "windows-1252" | "cp1252" | "iso-8859-1" | "latin1"
        ) {
            return bad("input.encoding", format!("'{}' is not one of \"auto\", \"utf-8\", \"windows-1252\"", self.input.encoding));
        }
        if !(0.0..=1.0).contains(&self.input.max_reject_rate) {
            return bad("input.max_reject_rate", format!("{} är inte en andel mellan 0 och 1", self.input.max_reject_rate));
        }
        for table in InputKind::ALL {
            let map = self.columns.of(table);
            for (canonical, source) in map {
                if table.column(canonical).is_none() {
                    let names: Vec<_> = table.columns().iter().map(|c| c.name).collect();
                    return bad(
                        &format!("columns.{table}.{canonical}"),
                        format!("okänd kolumn; kolumnerna under [columns.{table}] är {}", names.join(", ")),
                    );
                }
                if source.trim().is_empty() {
                    return bad(&format!("columns.{table}.{canonical}"), "kolumnens namn i exporten är tomt".into());
                }
                let same = |other: &String| other.trim().to_lowercase() == source.trim().to_lowercase();
                if let Some((first, _)) = map.iter().find(|(other, s)| *other != canonical && same(s)) {
                    return bad(
                        &format!("columns.{table}.{canonical}"),
                        format!("'{source}' är redan angiven för columns.{table}.{first}; varje kolumn behöver en egen kolumn i exporten"),
                    );
                }
            }
        }
        Ok(())
    }

    fn validate_methods(&self) -> Result<()> {
        for name in &self.methods.verified {
            if Method::from_canonical(name).is_none() {
                return bad("methods.verified", format!("'{name}' är ingen metod; använd nfc, lock, mobile eller manual"));
            }
        }
        for (alias, target) in &self.methods.aliases {
            if Method::from_canonical(target).is_none() {
                return bad(
                    &format!("methods.aliases.\"{alias}\""),
                    format!("'{target}' är ingen metod; använd nfc, lock, mobile eller manual"),
                );
            }
        }
        for (alias, target) in &self.status.aliases {
            if VisitStatus::from_canonical(target).is_none() {
                return bad(
                    &format!("status.aliases.\"{alias}\""),
                    format!("'{target}' is not a status; use performed, declined, not_home or cancelled"),
                );
            }
        }
        Ok(())
    }

    fn validate_limits(&self) -> Result<()> {
        for (id, bound) in &self.requirements {
            check_requirement(id, bound)?;
        }
        for (name, limit) in &self.flag_limits {
            if Flag::parse(name).is_none() {
                let names: Vec<&str> = Flag::ALL.iter().map(|f| f.name()).collect();
                return bad(&format!("flag_limits.{name}"), format!("okänd flagga; flaggorna är {}", names.join(", ")));
            }
            if !limit.is_finite() || *limit < 0.0 {
                return bad(&format!("flag_limits.{name}"), format!("{limit} är inte ett antal ≥ 0 per 1 000 besök"));
            }
        }
        Ok(())
    }

    fn validate_parameters(&self) -> Result<()> {
        let p = &self.parameters;
        for (key, v) in [
            ("short_visit_minutes", p.short_visit_minutes),
            ("max_valid_minutes", p.max_valid_minutes),
            ("adjacent_max_gap_minutes", p.adjacent_max_gap_minutes),
            ("staff_overlap_minutes", p.staff_overlap_minutes),
            ("long_day_minutes", p.long_day_minutes),
            ("travel_minutes_same_area", p.travel_minutes_same_area),
            ("travel_minutes_other_area", p.travel_minutes_other_area),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(&format!("parameters.{key}"), format!("{v} är inte ett antal minuter ≥ 0"));
            }
        }
        if !(0.0..=1.0).contains(&p.single_staff_share) || p.single_staff_share == 0.0 {
            return bad("parameters.single_staff_share", format!("{} är inte en andel över 0 och högst 1", p.single_staff_share));
        }
        let [first, last] = p.continuity_window;
        if first < 1 || last > 31 || first > last {
            return bad(
                "parameters.continuity_window",
                format!("[{first}, {last}] är inte [första dag, sista dag] med 1 ≤ första ≤ sista ≤ 31"),
            );
        }
        if p.max_days_in_row < 1 {
            return bad("parameters.max_days_in_row", format!("{} är inte ett antal dagar ≥ 1", p.max_days_in_row));
        }
        if !(1..=31).contains(&p.addon_deadline_day) {
            return bad("parameters.addon_deadline_day", format!("{} är inte en dag i månaden 1–31", p.addon_deadline_day));
        }
        if self.escalation.streak_months < 1 {
            return bad("escalation.streak_months", format!("{} är inte ett antal månader ≥ 1", self.escalation.streak_months));
        }
        if self.escalation.new_supplier_months < 1 {
            return bad("escalation.new_supplier_months", format!("{} är inte ett antal månader ≥ 1", self.escalation.new_supplier_months));
        }
        if !(1..=365).contains(&self.plan.reply_days) {
            return bad("plan.reply_days", format!("{} är inte ett antal dagar 1–365", self.plan.reply_days));
        }
        if self.escalation.min_metrics < 1 {
            return bad("escalation.min_metrics", format!("{} är inte ett antal mått ≥ 1", self.escalation.min_metrics));
        }
        if !(1..=MAX_SAMPLE_SIZE).contains(&self.sample.size) {
            return bad("sample.size", format!("{} är inte ett antal besök per utförare 1–{MAX_SAMPLE_SIZE}", self.sample.size));
        }
        let rate = self.payment.hourly_rate;
        if !rate.is_finite() || !(0.0..=100_000.0).contains(&rate) {
            return bad("payment.hourly_rate", format!("{rate} är inte ett timpris i kronor 0–100 000"));
        }
        if self.privacy.pseudonym_key_env.trim().is_empty() {
            return bad("privacy.pseudonym_key_env", "miljövariabelns namn är tomt".into());
        }
        Ok(())
    }

    /// The requirement in force for a key figure or limit for a flag rate, if any.
    pub fn requirement(&self, metric: Metric) -> Option<Bound> {
        match metric {
            Metric::Figure(f) => self.requirements.get(f.id()).copied().filter(Bound::is_set),
            Metric::FlagRate(f) => self.flag_limits.get(f.name()).map(|&max| Bound { min: None, max: Some(max) }),
            Metric::FlagCount(_) => None,
        }
    }

    /// Verified methods as a lookup.
    pub fn is_verified(&self, method: Method) -> bool {
        self.methods.verified.iter().any(|m| Method::from_canonical(m) == Some(method))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_are_swedish_and_name_the_line() {
        let e = Config::from_toml_str("[input]\ndelimtier = \";\"\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "rad 2 (delimtier = \";\"): okänd nyckel `delimtier`, möjliga nycklar är `delimiter`, `encoding`, `max_reject_rate`, `sheet`"
        );
        let e = Config::from_toml_str("[parameters]\nmin_visits = \"tio\"\n").unwrap_err().to_string();
        assert_eq!(e, "rad 2 (min_visits = \"tio\"): fel typ: text \"tio\", väntade heltal");
        let e = Config::from_toml_str("[input]\nmapping = 5\n").unwrap_err().to_string();
        assert!(e.starts_with("rad 2 (mapping = 5): okänd nyckel `mapping`,"), "a key's own name is kept: {e}");
    }

    #[test]
    fn printed_defaults_parse_to_the_built_in_defaults() {
        let parsed = Config::from_toml_str(DEFAULT_TOML).unwrap();
        assert_eq!(parsed, Config::default());
        // Every requirement and limit of the registry is printed, not only merged in.
        for id in Figure::ALL.into_iter().filter(|f| f.def().default.is_some()).map(Figure::id) {
            assert!(DEFAULT_TOML.contains(&format!("\n{id} = ")), "{id}");
        }
        for name in Flag::ALL.into_iter().filter(|f| f.def().default_limit.is_some()).map(Flag::name) {
            assert!(DEFAULT_TOML.contains(&format!("\n{name} = ")), "{name}");
        }
        // Tables whose defaults are empty are printed too, so that a municipality sees them.
        for key in ["[municipality]", "name = \"\"", "unit = \"\"", "contact_name = \"\"", "contact_email = \"\"", "contact_phone = \"\""] {
            assert!(DEFAULT_TOML.contains(key), "{key}");
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(Config::from_toml_str("").unwrap(), Config::default());
    }

    #[test]
    fn a_requirement_replaces_that_figure_only() {
        let cfg = Config::from_toml_str("[requirements]\ncompletion_rate = { min = 0.8 }\n").unwrap();
        assert_eq!(cfg.requirements[Figure::CompletionRate.id()], Bound { min: Some(0.8), max: None });
        assert_eq!(cfg.requirements[Figure::CheckinRate.id()], Bound { min: Some(0.9), max: None });
    }

    #[test]
    fn aliases_add_to_the_built_in_ones() {
        use crate::ingest::method::MethodMap;
        let cfg = Config::from_toml_str("[methods.aliases]\n\"Tagg2\" = \"nfc\"\n\"App\" = \"manual\"\n").unwrap();
        assert_eq!(cfg.methods.aliases.get("Tagg2").map(String::as_str), Some("nfc"));
        let map = MethodMap::new(&cfg);
        let built_in = MethodMap::new(&Config::default());
        // The new alias is added, case-insensitively; a configured one replaces a built-in one
        // of the same name; every other built-in alias is still there.
        assert_eq!(map.parse("tagg2"), Some(Method::Nfc));
        assert_eq!(built_in.parse("App"), Some(Method::Mobile));
        assert_eq!(map.parse("app"), Some(Method::Manual));
        let mut expected = built_in.known_values();
        expected.push("tagg2".to_string());
        expected.sort();
        assert_eq!(map.known_values(), expected);
        assert_eq!(map.parse("Tagg"), Some(Method::Nfc));
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml_str("[parameters]\nmin_visit = 3\n").unwrap_err();
        assert!(format!("{err:#}").contains("min_visit"), "{err:#}");
    }

    #[test]
    fn wrong_type_is_named() {
        let err = Config::from_toml_str("[parameters]\nmin_visits = \"ten\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("min_visits"), "{err:#}");
    }

    #[test]
    fn impossible_values_are_named() {
        for (text, key) in [
            ("[requirements]\ncompletion_rate = { min = 1.0, max = 0.5 }\n", "requirements.completion_rate"),
            ("[requirements]\ncheckin_rate = { min = 1.5 }\n", "requirements.checkin_rate"),
            ("[requirements]\nfoo = { min = 0.5 }\n", "requirements.foo"),
            ("[parameters]\nsingle_staff_share = 1.2\n", "parameters.single_staff_share"),
            ("[parameters]\ncontinuity_window = [14, 1]\n", "parameters.continuity_window"),
            ("[input]\nmax_reject_rate = 2\n", "input.max_reject_rate"),
            ("[columns.visits]\nkund = \"Kund\"\n", "columns.visits.kund"),
            ("[methods]\nverified = [\"tagg\"]\n", "methods.verified"),
            ("[flag_limits]\nduplicat = 1\n", "flag_limits.duplicat"),
            ("[escalation]\nstreak_months = 0\n", "escalation.streak_months"),
            ("[escalation]\nmin_metric = 3\n", "min_metric"),
            ("[escalation]\nnew_supplier_months = 0\n", "escalation.new_supplier_months"),
            ("[sample]\nsize = 0\n", "sample.size"),
            ("[sample]\nsise = 5\n", "sise"),
            ("[payment]\nhourly_rate = -1\n", "payment.hourly_rate"),
            ("[payment]\nhourly_rate = \"450\"\n", "hourly_rate"),
            ("[columns.invoices]\ninvoice_minutes = \"Tid\"\n", "invoice_minutes"),
            ("[status.aliases]\n\"Avböjt av kund\" = \"refused\"\n", "status.aliases.\"Avböjt av kund\""),
            ("[columns.visits]\nsupplier_id = \"X\"\nstaff_id = \"x \"\n", "columns.visits.staff_id"),
        ] {
            let err = Config::from_toml_str(text).unwrap_err();
            assert!(format!("{err:#}").contains(key), "{text}: {err:#}");
        }
    }
}

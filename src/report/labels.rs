//! Swedish names of key figures and flags, as a follow-up officer knows them (SPEC §3–4).

/// The Swedish label of a figure id (`checkin_rate`, `flag.duplicate`, `flag_rate.adjacent`).
pub fn figure_label(id: &str) -> String {
    if let Some(flag) = id.strip_prefix("flag_rate.") {
        return format!("{} per 1 000 besök", flag_label(flag));
    }
    if let Some(flag) = id.strip_prefix("flag.") {
        return format!("{} (antal besök)", flag_label(flag));
    }
    match id {
        "checkin_rate" => "Andel kvitterade besök",
        "checkin_staff_share" => "Andel personal med godkänd kvittensgrad",
        "checkin_client_share" => "Andel kunder med godkänd kvittensgrad",
        "visit_minutes_mean" => "Besökslängd, medel (min)",
        "visit_minutes_median" => "Besökslängd, median (min)",
        "short_visit_share" => "Andel korta besök",
        "completion_rate" => "Utförandegrad",
        "completion_client_share" => "Andel kunder inom intervall",
        "addon_reporting_rate" => "Tilläggsrapportering",
        "addon_late_share" => "Sena tilläggsrapporter",
        "continuity_mean" => "Personalkontinuitet",
        other => other,
    }
    .to_string()
}

pub fn flag_label(flag: &str) -> &str {
    match flag {
        "duplicate" => "Dubbelregistrering",
        "repeated_service" => "Upprepad insats",
        "adjacent" => "Besök med högst en minuts mellanrum",
        "staff_overlap" => "Överlappande besök för samma personal",
        "single_staff" => "Samma personal under lång tid",
        "missing_checkout" => "Saknar utkvittering",
        "negative_duration" => "Utkvittering före inkvittering",
        "overlong" => "Orimligt långt besök",
        other => other,
    }
}

/// Whether a figure's value is a share, shown as a percentage.
pub fn is_share(id: &str) -> bool {
    !(id.starts_with("flag") || matches!(id, "visit_minutes_mean" | "visit_minutes_median" | "continuity_mean"))
}

/// A value as a Swedish reader expects it: decimal comma, percentages for shares.
pub fn format_sv(id: &str, value: Option<f64>) -> String {
    match value {
        None => "–".to_string(),
        Some(v) if is_share(id) => format!("{:.1} %", v * 100.0).replace('.', ","),
        Some(v) if id.starts_with("flag.") => format!("{v:.0}"),
        Some(v) => format!("{v:.1}").replace('.', ","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_formatting() {
        assert_eq!(format_sv("checkin_rate", Some(0.9234)), "92,3 %");
        assert_eq!(format_sv("visit_minutes_median", Some(27.25)), "27,2");
        assert_eq!(format_sv("completion_rate", None), "–");
        assert_eq!(figure_label("flag_rate.adjacent"), "Besök med högst en minuts mellanrum per 1 000 besök");
    }
}

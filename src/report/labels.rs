//! Swedish names of key figures and flags, as a follow-up officer knows them (SPEC §3–4).

use crate::config::Bound;
use crate::figures::Status;

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

/// A status in Swedish.
pub fn status_sv(status: Status) -> &'static str {
    match status {
        Status::Ok => "uppfyllt",
        Status::Deviation => "avvikelse",
        Status::Missing => "saknas",
        Status::Info => "information",
    }
}

/// A number with a decimal comma and at most `decimals` decimals, trailing zeros dropped.
fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    s.replace('.', ",")
}

/// A requirement as a Swedish reader expects it: "minst 90 %", "75–100 %", "högst 15",
/// "högst 1 per 1 000 besök".
pub fn requirement_sv(figure: &str, bound: Option<Bound>) -> String {
    let Some(bound) = bound.filter(Bound::is_set) else { return "inget krav (information)".to_string() };
    let (scale, unit) = if figure.starts_with("flag_rate.") {
        (1.0, " per 1 000 besök")
    } else if is_share(figure) {
        (100.0, " %")
    } else {
        (1.0, "")
    };
    let n = |v: f64| trimmed(v * scale, 2);
    match (bound.min, bound.max) {
        (Some(min), Some(max)) => format!("{}–{}{unit}", n(min), n(max)),
        (Some(min), None) => format!("minst {}{unit}", n(min)),
        (None, Some(max)) => format!("högst {}{unit}", n(max)),
        (None, None) => unreachable!("filtered above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_in_swedish() {
        let b = |min, max| Some(Bound { min, max });
        assert_eq!(requirement_sv("checkin_rate", b(Some(0.9), None)), "minst 90 %");
        assert_eq!(requirement_sv("completion_rate", b(Some(0.75), Some(1.0))), "75–100 %");
        assert_eq!(requirement_sv("continuity_mean", b(None, Some(15.0))), "högst 15");
        assert_eq!(requirement_sv("flag_rate.adjacent", b(None, Some(2.5))), "högst 2,5 per 1 000 besök");
        assert_eq!(requirement_sv("addon_late_share", b(None, Some(0.055))), "högst 5,5 %");
        assert_eq!(requirement_sv("visit_minutes_mean", None), "inget krav (information)");
    }

    #[test]
    fn swedish_formatting() {
        assert_eq!(format_sv("checkin_rate", Some(0.9234)), "92,3 %");
        assert_eq!(format_sv("visit_minutes_median", Some(27.25)), "27,2");
        assert_eq!(format_sv("completion_rate", None), "–");
        assert_eq!(figure_label("flag_rate.adjacent"), "Besök med högst en minuts mellanrum per 1 000 besök");
    }
}

//! Swedish names of key figures and flags, as a follow-up officer knows them (SPEC §3–4).

use crate::model::{Bound, Metric, Status, Unit};
use crate::period::followup::{Recommendation, SupplierFollowup};

/// The Swedish label of a metric.
pub fn figure_label(metric: Metric) -> String {
    metric.label()
}

/// A whole number with a space between thousands, as Swedish text writes it (`12 345`).
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Minutes kept in hundredths, shown in whole minutes (half away from zero): `1 917 min`.
pub fn minutes_sv(hundredths: i64) -> String {
    let whole = (hundredths + if hundredths < 0 { -50 } else { 50 }) / 100;
    format!("{} min", thousands(whole))
}

/// Whole kronor: `14 378 kr`.
pub fn kronor_sv(kronor: i64) -> String {
    format!("{} kr", thousands(kronor))
}

/// A part of a whole as a Swedish percentage with one decimal (`11,7 %`), or `–` without a
/// whole.
pub fn percent_sv(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "–".to_string();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64).replace('.', ",")
}

/// Whether a metric's value is shown as a percentage.
pub fn is_share(metric: Metric) -> bool {
    match metric.unit() {
        Unit::Share | Unit::Ratio => true,
        Unit::Minutes | Unit::Mean | Unit::Count | Unit::PerThousand => false,
    }
}

/// A value as a Swedish reader expects it: decimal comma, percentages for shares.
pub fn format_sv(metric: Metric, value: Option<f64>) -> String {
    let Some(v) = value else { return "–".to_string() };
    match metric.unit() {
        Unit::Share | Unit::Ratio => format!("{:.1} %", v * 100.0).replace('.', ","),
        Unit::Count => format!("{v:.0}"),
        Unit::Minutes | Unit::Mean | Unit::PerThousand => format!("{v:.1}").replace('.', ","),
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
pub fn requirement_sv(metric: Metric, bound: Option<Bound>) -> String {
    let Some(bound) = bound.filter(Bound::is_set) else { return "inget krav (information)".to_string() };
    let (scale, unit) = match metric.unit() {
        Unit::PerThousand => (1.0, " per 1 000 besök"),
        Unit::Share | Unit::Ratio => (100.0, " %"),
        Unit::Minutes | Unit::Mean | Unit::Count => (1.0, ""),
    };
    let n = |v: f64| trimmed(v * scale, 2);
    match (bound.min, bound.max) {
        (Some(min), Some(max)) => format!("{}–{}{unit}", n(min), n(max)),
        (Some(min), None) => format!("minst {}{unit}", n(min)),
        (None, Some(max)) => format!("högst {}{unit}", n(max)),
        (None, None) => unreachable!("filtered above"),
    }
}

/// Words joined as a Swedish list: "a", "a och b", "a, b och c".
pub fn join_sv(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} och {last}", rest.join(", ")),
    }
}

/// Why a deeper follow-up is proposed, one short line per reason: "Utförandegrad: 6 månader i
/// följd" for each metric whose streak reached `[escalation] streak_months`, and "7 mått
/// avviker under kvartalet" when at least `min_metrics` do. Empty when none is proposed. The
/// plan, the matrix, the year report and the terminal all give these lines.
pub fn escalation_reasons_sv(f: &SupplierFollowup) -> Vec<String> {
    if f.recommendation != Recommendation::DeeperFollowup {
        return Vec::new();
    }
    let mut why: Vec<String> = f
        .long_streaks
        .iter()
        .filter_map(|m| f.metric(*m))
        .map(|m| format!("{}: {} månader i följd", m.metric.label(), m.streak_months))
        .collect();
    if f.many_deviations {
        why.push(format!("{} mått avviker under kvartalet", f.metrics.len()));
    }
    if f.new_supplier {
        why.push(format!(
            "Nyetablerad utförare: {}:e månaden med brukare (kommunens rutin efter ett halvår, inte ett fynd mot utföraren)",
            f.rules.new_supplier_months
        ));
    }
    why
}

/// The rules a deeper follow-up is proposed by, as the lead-in of the reasons: "en avvikelse
/// i minst 6 månader i följd, minst 4 mått som avviker under kvartalet eller en nyetablerad
/// utförares 6:e månad".
pub fn escalation_rules_sv(f: &SupplierFollowup) -> String {
    format!(
        "en avvikelse i minst {} månader i följd, minst {} mått som avviker under kvartalet eller en nyetablerad utförares {}:e månad med brukare",
        f.rules.streak_months, f.rules.min_metrics, f.rules.new_supplier_months
    )
}

/// The reasons of `escalation_reasons_sv` on one line (a table cell, a line of the terminal),
/// or `None` when no deeper follow-up is proposed.
pub fn escalation_reason_sv(f: &SupplierFollowup) -> Option<String> {
    let why = escalation_reasons_sv(f);
    (!why.is_empty()).then(|| why.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Figure, Flag};

    const CHECKIN: Metric = Metric::Figure(Figure::CheckinRate);
    const COMPLETION: Metric = Metric::Figure(Figure::CompletionRate);
    const ADJACENT: Metric = Metric::FlagRate(Flag::Adjacent);

    #[test]
    fn requirements_in_swedish() {
        let b = |min, max| Some(Bound { min, max });
        assert_eq!(requirement_sv(CHECKIN, b(Some(0.9), None)), "minst 90 %");
        assert_eq!(requirement_sv(COMPLETION, b(Some(0.75), Some(1.0))), "75–100 %");
        assert_eq!(requirement_sv(Metric::Figure(Figure::ContinuityMean), b(None, Some(15.0))), "högst 15");
        assert_eq!(requirement_sv(ADJACENT, b(None, Some(2.5))), "högst 2,5 per 1 000 besök");
        assert_eq!(requirement_sv(Metric::Figure(Figure::AddonLateShare), b(None, Some(0.055))), "högst 5,5 %");
        assert_eq!(requirement_sv(Metric::Figure(Figure::VisitMinutesMean), None), "inget krav (information)");
    }

    #[test]
    fn swedish_formatting() {
        assert_eq!(format_sv(CHECKIN, Some(0.9234)), "92,3 %");
        assert_eq!(format_sv(Metric::Figure(Figure::VisitMinutesMedian), Some(27.25)), "27,2");
        assert_eq!(format_sv(COMPLETION, None), "–");
        assert_eq!(figure_label(ADJACENT), "Besök med högst en minuts mellanrum per 1 000 besök");
        assert_eq!(format_sv(Metric::FlagCount(Flag::Adjacent), Some(12.0)), "12");
        assert_eq!(format_sv(ADJACENT, Some(2.26)), "2,3");
        assert_eq!(format_sv(COMPLETION, Some(1.125)), "112,5 %");
    }
}

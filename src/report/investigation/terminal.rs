//! The investigation as text for the terminal, in Swedish.

use std::fmt::Write as _;
use std::path::Path;

use super::{flag_summary, hundredths_sv, payment_gaps, payment_rows, pct, questioned_counts, truncate, FLAGGED_SHOWN, TOP};
use crate::model::{Metric, Status, ALL};
use crate::period::investigate::{Investigation, Period, GAP_MINUTES};
use crate::report::labels::{escalation_reason_sv, figure_label, format_sv, minutes_sv, requirement_sv};

/// The report for the terminal.
pub fn terminal_report(inv: &Investigation, files: &Path) -> String {
    let mut s = String::new();
    let months: Vec<String> = inv.stored.iter().map(|m| m.month.to_string()).collect();
    writeln!(s, "Utredning av {}, {} (månader: {})", inv.supplier, inv.period, months.join(", ")).unwrap();
    if !inv.missing.is_empty() {
        let missing: Vec<String> = inv.missing.iter().map(|m| m.to_string()).collect();
        writeln!(s, "  {} saknas (ej körd) och ingår inte", missing.join(", ")).unwrap();
    }
    figures_table(&mut s, inv, &months);
    followup_list(&mut s, inv);
    payment_section(&mut s, inv);
    staff_lists(&mut s, inv);
    client_list(&mut s, inv);
    implausible_list(&mut s, inv);
    flagged_list(&mut s, inv);
    writeln!(s, "\nResultat i {}:\n  utredning.html  diagram och tabeller (öppnas i webbläsaren)\n  nyckeltal.csv, personal.csv, kunder.csv, flaggade_besok.csv, mellanrum.csv,\n  ersattning.csv, ifragasatta_besok.csv, fakturerat_utan_stod.csv  för Excel", files.display()).unwrap();
    s
}

/// The supplier's figures per month beside the municipality's, and the requirements.
fn figures_table(s: &mut String, inv: &Investigation, months: &[String]) {
    writeln!(s, "\nNyckeltal per månad; ! = avvikelse, inom parentes hela kommunen:").unwrap();
    write!(s, "{:<46}", "").unwrap();
    for m in months {
        write!(s, "{m:>26}").unwrap();
    }
    writeln!(s, "   Krav").unwrap();
    let latest = inv.stored.last().expect("a stored month");
    for figure in Metric::matrix() {
        write!(s, "{:<46}", truncate(&figure_label(figure), 45)).unwrap();
        for (own, all) in inv.series(&inv.supplier, figure).iter().zip(inv.series(ALL, figure)) {
            let value = own.map_or("–".to_string(), |r| format_sv(figure, r.value));
            let mark = if own.is_some_and(|r| r.status == Status::Deviation) { "!" } else { " " };
            let municipality = all.map_or("–".to_string(), |r| format_sv(figure, r.value));
            write!(s, "{:>26}", format!("{value} {mark} ({municipality})")).unwrap();
        }
        writeln!(s, "   {}", requirement_sv(figure, latest.config.requirement(figure))).unwrap();
    }
}

/// Each deviating metric with how long it has lasted, and the quarter's recommendation.
fn followup_list(s: &mut String, inv: &Investigation) {
    let latest = inv.stored.last().expect("a stored month").month;
    writeln!(s, "\nAvvikelser över tid (månader i följd till och med {latest}):").unwrap();
    let Some(f) = inv.followup.as_ref().filter(|f| !f.metrics.is_empty()) else {
        writeln!(s, "  inga avvikelser under perioden").unwrap();
        return;
    };
    for m in &f.metrics {
        writeln!(
            s,
            "  {:<46} avvikelse {} av {} månader, {} i följd",
            truncate(&figure_label(m.metric), 45),
            m.months_deviating,
            inv.stored.len(),
            m.streak_months
        )
        .unwrap();
    }
    if matches!(inv.period, Period::Quarter(_)) {
        writeln!(s, "  Rekommendation: {}", f.recommendation.label()).unwrap();
        if let Some(why) = escalation_reason_sv(f) {
            writeln!(s, "  Skäl: {why}").unwrap();
        }
    }
}

/// The payment basis per month, the questioned visits and the invoiced time without support.
fn payment_section(s: &mut String, inv: &Investigation) {
    writeln!(s, "\nErsättningsunderlag per månad:").unwrap();
    let p = &inv.payment;
    if !p.is_stored() {
        writeln!(s, "  periodens månader sparades utan ersättningsunderlag; kör månaderna igen för att få det").unwrap();
        return;
    }
    let (heads, rows) = payment_rows(inv);
    let width = rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0).min(70);
    // Each column as wide as its widest cell.
    let widths: Vec<usize> = (0..heads.len())
        .map(|c| rows.iter().map(|(_, cells)| &cells[c]).chain([&heads[c]]).map(|t| t.chars().count()).max().unwrap_or(0) + 3)
        .collect();
    write!(s, "  {:<width$}", "").unwrap();
    for (head, w) in heads.iter().zip(&widths) {
        write!(s, "{head:>w$}").unwrap();
    }
    writeln!(s).unwrap();
    for (label, cells) in &rows {
        write!(s, "  {:<width$}", truncate(label, width)).unwrap();
        for (cell, w) in cells.iter().zip(&widths) {
            write!(s, "{cell:>w$}").unwrap();
        }
        writeln!(s).unwrap();
    }
    for gap in payment_gaps(inv) {
        writeln!(s, "  {gap}").unwrap();
    }
    if p.questioned.is_empty() {
        writeln!(s, "\nIfrågasatta besök: inga").unwrap();
    } else {
        let counts = questioned_counts(p);
        writeln!(s, "\nIfrågasatta besök: {} ({}):", p.questioned.len(), counts.join("; ")).unwrap();
    }
    for v in p.questioned.iter().take(FLAGGED_SHOWN) {
        writeln!(
            s,
            "  {} {}  {}  (kund {}, personal {}, {}, {} min)",
            v.month,
            v.visit_id,
            v.reason.label(),
            v.client_id,
            v.staff_id,
            v.check_in_local,
            hundredths_sv(v.minutes)
        )
        .unwrap();
    }
    if p.questioned.len() > FLAGGED_SHOWN {
        writeln!(s, "  … och {} besök till i ifragasatta_besok.csv", p.questioned.len() - FLAGGED_SHOWN).unwrap();
    }
    if p.total.invoice_months == 0 {
        return;
    }
    let (without, minutes) = p.unsupported_sum();
    if p.unsupported.is_empty() {
        writeln!(s, "\nFakturerad tid utan stöd i registreringarna: ingen").unwrap();
        return;
    }
    writeln!(
        s,
        "\nFakturerad tid utan stöd i registreringarna: {} kunder och månader, {}; {without} utan någon besökstid med stöd:",
        p.unsupported.len(),
        minutes_sv(minutes)
    )
    .unwrap();
    for r in p.unsupported.iter().take(TOP) {
        writeln!(
            s,
            "  {} kund {}  fakturerad {} min, med stöd {} min, utan stöd {} min",
            r.month,
            r.client_id,
            hundredths_sv(r.invoiced),
            hundredths_sv(r.supported),
            hundredths_sv(r.excess)
        )
        .unwrap();
    }
    if p.unsupported.len() > TOP {
        writeln!(s, "  … och {} rader till i fakturerat_utan_stod.csv", p.unsupported.len() - TOP).unwrap();
    }
}

/// The staff with the lowest check-in rate and with the most flagged visits.
fn staff_lists(s: &mut String, inv: &Investigation) {
    let latest = inv.stored.last().expect("a stored month");
    let min_visits = latest.config.parameters.min_visits;
    writeln!(s, "\nPersonal med lägst kvittensgrad (minst {min_visits} besök under perioden):").unwrap();
    if !inv.staff.iter().any(|r| r.judged) {
        writeln!(s, "  inga").unwrap();
    }
    for r in inv.staff.iter().filter(|r| r.judged).take(TOP) {
        let below = if r.below_requirement { "  under kravet" } else { "" };
        writeln!(
            s,
            "  {:<20} {:>6} besök  kvittensgrad {:>8}{below}  flaggade besök {}",
            r.staff_id,
            r.visits,
            pct(r.checkin_rate),
            r.flagged_visits
        )
        .unwrap();
    }
    let mut by_flags: Vec<_> = inv.staff.iter().filter(|r| r.flagged_visits > 0).collect();
    by_flags.sort_by(|a, b| b.flagged_visits.cmp(&a.flagged_visits).then_with(|| a.staff_id.cmp(&b.staff_id)));
    writeln!(s, "\nPersonal med flest flaggade besök:").unwrap();
    if by_flags.is_empty() {
        writeln!(s, "  inga").unwrap();
    }
    for r in by_flags.iter().take(TOP) {
        writeln!(s, "  {:<20} {:>4} flaggade av {:>5} besök  ({})", r.staff_id, r.flagged_visits, r.visits, flag_summary(&r.flags))
            .unwrap();
    }
}

/// The clients with the most problems.
fn client_list(s: &mut String, inv: &Investigation) {
    writeln!(s, "\nKunder med flest problem (utförandegrad utanför intervallet, samma personal, flaggade besök):").unwrap();
    for c in inv.clients.iter().filter(|c| c.problems() > 0).take(TOP) {
        let completion =
            c.completion_rate.map_or("–".to_string(), |r| format!("{}{}", pct(r), if c.completion_outside { " (utanför)" } else { "" }));
        let single =
            c.top_staff_share.map_or("–".to_string(), |sh| format!("{}{}", pct(sh), if c.single_staff { " (flaggad)" } else { "" }));
        writeln!(
            s,
            "  {:<20} {:>5} besök  utförandegrad {completion}  samma personal {single}  flaggade besök {}",
            c.client_id, c.visits, c.flagged_visits
        )
        .unwrap();
    }
    if !inv.clients.iter().any(|c| c.problems() > 0) {
        writeln!(s, "  inga").unwrap();
    }
}

/// The flagged visits and the gaps at the same client.
fn flagged_list(s: &mut String, inv: &Investigation) {
    let counts = inv.flag_counts();
    writeln!(
        s,
        "\nFlaggade besök: {}",
        if counts.is_empty() {
            "inga".to_string()
        } else {
            counts.iter().map(|(f, n)| format!("{} {n}", f.label())).collect::<Vec<_>>().join(", ")
        }
    )
    .unwrap();
    for f in inv.flagged.iter().take(FLAGGED_SHOWN) {
        let related = f.related_visit_id.as_deref().map_or(String::new(), |r| format!(", hör ihop med {r}"));
        let minutes = f.minutes.map_or("ingen utkvittering".to_string(), |m| format!("{m:.0} min"));
        writeln!(
            s,
            "  {} {}  {}{related}  (kund {}, personal {}, {}, {minutes})",
            f.month,
            f.visit_id,
            f.flag.label(),
            f.client_id,
            f.staff_id,
            f.check_in_local
        )
        .unwrap();
    }
    if inv.flagged.len() > FLAGGED_SHOWN {
        writeln!(s, "  … och {} rader till i flaggade_besok.csv", inv.flagged.len() - FLAGGED_SHOWN).unwrap();
    }
    let gaps: u64 = inv.gap_bins.iter().sum();
    writeln!(
        s,
        "\nMellanrum mellan besök hos samma kund, 0–{GAP_MINUTES} minuter: {gaps} av {} (per minut: {})",
        inv.gaps_measured,
        inv.gap_bins.iter().enumerate().map(|(m, n)| format!("{m}: {n}")).collect::<Vec<_>>().join(", ")
    )
    .unwrap();
}

/// Registrations that cannot all be true: long days, days without rest, visits during
/// absences, clients nobody visited.
fn implausible_list(s: &mut String, inv: &Investigation) {
    let im = &inv.implausible;
    if im.is_empty() {
        return;
    }
    writeln!(s, "\nRegistreringar som inte kan stämma:").unwrap();
    for d in im.long_days.iter().take(TOP) {
        writeln!(s, "  {} arbetade {:.0} minuter hos kunder {} ({} besök)", d.staff_id, d.minutes, d.date, d.visits).unwrap();
    }
    for (staff, days) in im.days_without_rest.iter().take(TOP) {
        writeln!(s, "  {staff} utan ledig dag: {}", days.join(", ")).unwrap();
    }
    for (month, absence, visits) in im.absences.iter().take(TOP) {
        writeln!(s, "  {month}: {visits} besök under frånvaro – {absence}").unwrap();
    }
    for (month, client, granted) in im.unserved.iter().take(TOP) {
        writeln!(s, "  {month}: kund {client} beviljad {granted:.0} minuter, inget besök").unwrap();
    }
}

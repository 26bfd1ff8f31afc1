//! The terminal summary of a monthly run, in Swedish: accounting, one line per supplier with
//! its main figures and deviations, and where the files are.

use std::fmt::Write;
use std::path::Path;

use crate::model::FileAccount;
use crate::model::Status;
use crate::model::YearMonth;
use crate::model::{Figure, Metric, ALL};
use crate::month::analysis::FigureRow;
use crate::month::payment::PaymentRow;

use super::labels::{figure_label, format_sv, kronor_sv, minutes_sv, percent_sv, thousands};

pub fn accounting_table(files: &[FileAccount]) -> String {
    let mut out = String::new();
    let width = files.iter().map(|f| f.file.chars().count()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>10}  {:>10}  {:>9}  {:>10}  {:>15}",
        "fil", "lästa rader", "godkända", "avvisade", "dubbletter", "utanför månaden"
    );
    for f in files {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>10}  {:>9}  {:>10}  {:>15}",
            f.file,
            thousands(f.read as i64),
            thousands(f.accepted as i64),
            thousands(f.rejected as i64),
            thousands(f.duplicates as i64),
            thousands(f.outside_month as i64)
        );
    }
    out
}

/// The payment basis per supplier (SPEC §10): registered and questioned time, the kronor with
/// an hourly rate, and the invoiced time without support with invoices.
pub fn payment_table(payment: &[PaymentRow]) -> String {
    let mut out = String::new();
    let kronor = payment.iter().any(|p| p.questioned_kronor.is_some());
    let invoices = payment.iter().any(|p| p.invoiced.is_some());
    let name_width = payment.iter().map(|p| p.supplier_id.chars().count()).max().unwrap_or(8).max(13);
    let _ = writeln!(out, "\nErsättningsunderlag: registrerad tid och den tid registreringarna inte stöder");
    let mut head = format!("  {:<name_width$}  {:>16}  {:>14}  {:>8}", "utförare", "registrerad tid", "ifrågasatt tid", "andel");
    if kronor {
        head.push_str(&format!("  {:>14}", "ifrågasatt kr"));
    }
    if invoices {
        head.push_str(&format!("  {:>16}  {:>20}", "fakturerad tid", "fakturerat utan stöd"));
        if kronor {
            head.push_str(&format!("  {:>14}", "utan stöd kr"));
        }
    }
    let _ = writeln!(out, "{head}");
    for p in payment {
        let shown = if p.supplier_id == ALL { "Hela kommunen" } else { p.supplier_id.as_str() };
        let mut line = format!(
            "  {:<name_width$}  {:>16}  {:>14}  {:>8}",
            shown,
            minutes_sv(p.registered),
            minutes_sv(p.questioned),
            percent_sv(p.questioned, p.registered)
        );
        let money = |k: Option<i64>| k.map(kronor_sv).unwrap_or_else(|| "–".to_string());
        if kronor {
            line.push_str(&format!("  {:>14}", money(p.questioned_kronor)));
        }
        if invoices {
            let minutes = |m: Option<i64>| m.map(minutes_sv).unwrap_or_else(|| "–".to_string());
            line.push_str(&format!("  {:>16}  {:>20}", minutes(p.invoiced), minutes(p.invoice_excess)));
            if kronor {
                line.push_str(&format!("  {:>14}", money(p.invoice_excess_kronor)));
            }
        }
        let _ = writeln!(out, "{line}");
    }
    if !kronor {
        let _ = writeln!(out, "  (ange [payment] hourly_rate i inställningsfilen för att få beloppen i kronor)");
    }
    out
}

/// The summary printed after a monthly run.
pub fn monthly_summary(
    month: YearMonth,
    files: &[FileAccount],
    figures: &[FigureRow],
    payment: &[PaymentRow],
    visits_per_supplier: &[(String, usize)],
    result_dir: &Path,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "tidkoll – månadsuppföljning {month}\n");
    let _ = writeln!(out, "Inläsning (lästa rader = godkända + avvisade + dubbletter):");
    out.push_str(&accounting_table(files));
    let main = [Figure::CheckinRate, Figure::VisitMinutesMedian, Figure::ShortVisitShare, Figure::CompletionRate, Figure::ContinuityMean]
        .map(Metric::Figure);
    let name_width = visits_per_supplier.iter().map(|(s, _)| s.chars().count()).max().unwrap_or(8).max(9);
    let _ = writeln!(
        out,
        "\n  {:<name_width$}  {:>8}  {:>10}  {:>10}  {:>10}  {:>13}  {:>11}  avvikelser",
        "utförare", "besök", "kvitterade", "median min", "korta", "utförandegrad", "kontinuitet"
    );
    for (supplier, visits) in visits_per_supplier {
        let rows: Vec<&FigureRow> = figures.iter().filter(|r| &r.supplier_id == supplier).collect();
        let value = |m: Metric| rows.iter().find(|r| r.metric == m).map(|r| format_sv(m, r.value)).unwrap_or_default();
        let deviations: Vec<String> = rows.iter().filter(|r| r.status == Status::Deviation).map(|r| figure_label(r.metric)).collect();
        let marker = if deviations.is_empty() { "–".to_string() } else { format!("! {}", deviations.join("; ")) };
        let shown = if supplier == ALL { "Hela kommunen" } else { supplier.as_str() };
        let _ = writeln!(
            out,
            "  {:<name_width$}  {:>8}  {:>10}  {:>10}  {:>10}  {:>13}  {:>11}  {}",
            shown,
            thousands(*visits as i64),
            value(main[0]),
            value(main[1]),
            value(main[2]),
            value(main[3]),
            value(main[4]),
            if supplier == ALL { String::new() } else { marker }
        );
    }
    let deviating = visits_per_supplier
        .iter()
        .filter(|(s, _)| s != ALL && figures.iter().any(|r| &r.supplier_id == s && r.status == Status::Deviation))
        .count();
    let suppliers = visits_per_supplier.iter().filter(|(s, _)| s != ALL).count();
    let _ = writeln!(out, "\n{deviating} av {suppliers} utförare har minst en avvikelse.");
    out.push_str(&payment_table(payment));
    let _ = writeln!(out, "\nResultat: {}", result_dir.display());
    let _ = writeln!(out, "  figures.csv   nyckeltal och flaggor per utförare (status: ok = uppfyllt, deviation = avvikelse, missing = saknas, info = information)");
    let _ = writeln!(out, "  flags.csv     flaggade besök med orsak och relaterat besök");
    let _ = writeln!(out, "  staff.csv, clients.csv   samma nyckeltal per personal och per kund (pseudonym)");
    let _ = writeln!(out, "  payment.csv   ersättningsunderlaget per utförare: registrerad, ifrågasatt och fakturerad tid");
    let _ = writeln!(out, "  questioned.csv   de ifrågasatta besöken med orsak och minuter");
    if payment.iter().any(|p| p.invoiced.is_some()) {
        let _ = writeln!(out, "  invoice_check.csv   fakturerad och styrkt tid per kund (pseudonym), kunder utan styrkt tid först");
    }
    let _ = writeln!(out, "  rejects.csv   avvisade rader med fil, rad och orsak");
    let _ = writeln!(out, "  manifest.json indatafiler med SHA-256, radredovisning, konfiguration; samma tabeller även som Parquet");
    out
}

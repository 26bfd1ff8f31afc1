//! The terminal summary of a monthly run, in Swedish: accounting, one line per supplier with
//! its main figures and deviations, and where the files are.

use std::fmt::Write;
use std::path::Path;

use crate::model::FileAccount;
use crate::model::Status;
use crate::model::YearMonth;
use crate::model::{Figure, Metric, ALL};
use crate::month::analysis::FigureRow;

use super::labels::{figure_label, format_sv};

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

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
            thousands(f.read),
            thousands(f.accepted),
            thousands(f.rejected),
            thousands(f.duplicates),
            thousands(f.outside_month)
        );
    }
    out
}

/// The summary printed after a monthly run.
pub fn monthly_summary(
    month: YearMonth,
    files: &[FileAccount],
    figures: &[FigureRow],
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
            thousands(*visits as u64),
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
    let _ = writeln!(out, "\nResultat: {}", result_dir.display());
    let _ = writeln!(out, "  figures.csv   nyckeltal och flaggor per utförare (status: ok = uppfyllt, deviation = avvikelse, missing = saknas, info = information)");
    let _ = writeln!(out, "  flags.csv     flaggade besök med orsak och relaterat besök");
    let _ = writeln!(out, "  staff.csv, clients.csv   samma nyckeltal per personal och per kund (pseudonym)");
    let _ = writeln!(out, "  rejects.csv   avvisade rader med fil, rad och orsak");
    let _ = writeln!(out, "  manifest.json indatafiler med SHA-256, radredovisning, konfiguration; samma tabeller även som Parquet");
    out
}

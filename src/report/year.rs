//! The year's account for the committee (årsrapport) in Swedish: one `Document` written as
//! Markdown and Word, a workbook with its tables, and an HTML page with a chart per area.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::followup::{Recommendation, SupplierFollowup};
use crate::model::{Area, Metric, Quarter, YearMonth};
use crate::report::charts::bars_chart;
use crate::report::document::{to_html, Block, Document};
use crate::report::html::{escape, STYLE};
use crate::report::labels::{escalation_reason_sv, figure_label, join_sv};
use crate::year::{QuarterRow, YearData};

/// Swedish month abbreviations, January first.
const MONTHS_SV: [&str; 12] = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];

/// The suppliers proposed for a deeper follow-up, per quarter.
fn proposals(y: &YearData) -> Vec<(Quarter, SupplierFollowup)> {
    y.followups()
        .into_iter()
        .flat_map(|(q, list)| list.into_iter().filter(|f| f.recommendation == Recommendation::DeeperFollowup).map(move |f| (q, f)))
        .collect()
}

/// Per supplier proposed for a deeper follow-up: the quarters, and the latest quarter's reason.
fn proposals_by_supplier(proposals: &[(Quarter, SupplierFollowup)]) -> Vec<(&str, Vec<String>, String)> {
    let mut out: Vec<(&str, Vec<String>, String)> = Vec::new();
    let mut sorted: Vec<&(Quarter, SupplierFollowup)> = proposals.iter().collect();
    sorted.sort_by(|a, b| a.1.supplier.cmp(&b.1.supplier).then(a.0.cmp(&b.0)));
    for (q, f) in sorted {
        let why = escalation_reason_sv(f).unwrap_or_default();
        match out.last_mut() {
            Some((s, quarters, reason)) if *s == f.supplier => {
                quarters.push(q.to_string());
                *reason = why;
            }
            _ => out.push((&f.supplier, vec![q.to_string()], why)),
        }
    }
    out
}

/// The metrics of an area, as the registry places them.
fn area_metrics(area: Area) -> Vec<String> {
    Metric::matrix().filter(|m| m.area() == area).map(figure_label).collect()
}

fn missing_sv(y: &YearData) -> String {
    if y.missing.is_empty() {
        "Alla årets tolv månader finns.".to_string()
    } else {
        let months: Vec<String> = y.missing.iter().map(YearMonth::to_string).collect();
        format!("Månader som saknas (inte körda, ingår inte): {}.", join_sv(&months))
    }
}

/// The year's report as one document.
pub fn year_document(y: &YearData, made: &str) -> Document {
    let mut doc = Document::default();
    doc.heading(1, format!("Årsrapport {} – uppföljning av tidsregistrering i hemtjänsten", y.year));
    doc.paragraph(format!(
        "Upprättad {made}. Underlaget är de lagrade månadskörningarna för {}: {} av 12 månader. {}",
        y.year,
        y.stored.len(),
        missing_sv(y)
    ));
    let quarter_rows = y.quarter_rows();
    let proposals = proposals(y);
    suppliers_section(&mut doc, y, &quarter_rows, &proposals);
    quarters_section(&mut doc, y, &quarter_rows);
    areas_section(&mut doc, y);
    proposals_section(&mut doc, &proposals);
    development_section(&mut doc, y);
    doc.heading(2, "Om underlaget");
    doc.paragraph(format!(
        "Ett mått är ett nyckeltal med krav eller en flaggfrekvens med gränsvärde, bedömt i månadskörningen med de krav som gällde då. Fördjupad uppföljning föreslås när ett mått har avvikit minst {} kalendermånader i följd (räknat bakåt över lagrade månader; en månad som saknas bryter följden) eller när minst {} mått avviker under ett kvartal.",
        y.rules.streak_months, y.rules.min_metrics
    ));
    doc
}

/// Every supplier followed: its months, deviating metrics, action plans and proposals.
fn suppliers_section(doc: &mut Document, y: &YearData, quarter_rows: &[QuarterRow], proposals: &[(Quarter, SupplierFollowup)]) {
    let year_rows = y.year_rows();
    doc.heading(2, "Utförare som följts upp");
    doc.paragraph(format!("{} utförare har följts upp under året.", y.suppliers.len()));
    let rows = y
        .suppliers
        .iter()
        .map(|s| {
            let months = y.stored.iter().filter(|m| y.history().suppliers_of(&[**m]).contains(s)).count();
            let deviating = year_rows.iter().filter(|r| &r.supplier == s && r.months_deviating > 0).count();
            let plans: Vec<String> =
                quarter_rows.iter().filter(|r| &r.supplier == s && r.action_plan).map(|r| r.quarter.to_string()).collect();
            let deeper: Vec<String> = proposals.iter().filter(|(_, f)| &f.supplier == s).map(|(q, _)| q.to_string()).collect();
            vec![
                s.clone(),
                months.to_string(),
                deviating.to_string(),
                if plans.is_empty() { "–".into() } else { plans.join(", ") },
                if deeper.is_empty() { "–".into() } else { deeper.join(", ") },
            ]
        })
        .collect();
    doc.table(
        "Utförare",
        &["Utförare", "Månader med data", "Mått med avvikelse", "Åtgärdsplan (kvartal)", "Fördjupad uppföljning föreslås"],
        rows,
    );
}

/// Action plans and proposals per quarter.
fn quarters_section(doc: &mut Document, y: &YearData, quarter_rows: &[QuarterRow]) {
    doc.heading(2, "Åtgärdsplaner per kvartal");
    let rows = y
        .followups()
        .iter()
        .map(|(q, list)| {
            let stored = q.months().iter().filter(|m| y.stored.contains(m)).count();
            let plans = quarter_rows.iter().filter(|r| r.quarter == *q && r.action_plan).count();
            let deeper = list.iter().filter(|f| f.recommendation == Recommendation::DeeperFollowup).count();
            vec![q.to_string(), format!("{stored} av 3"), list.len().to_string(), plans.to_string(), deeper.to_string()]
        })
        .collect();
    doc.table("Kvartal", &["Kvartal", "Lagrade månader", "Utförare", "Åtgärdsplaner", "Fördjupad uppföljning föreslås"], rows);
}

/// The areas with deviations (`areas.csv` in words).
fn areas_section(doc: &mut Document, y: &YearData) {
    doc.heading(2, "Områden med avvikelser");
    doc.paragraph(
        "Per område: hur många utförare som haft minst en månad med avvikelse i något av områdets mått, och hur många utförarmånader som haft minst en sådan avvikelse.",
    );
    let rows = y
        .area_rows()
        .iter()
        .map(|r| {
            let metrics = if r.area == Area::Ovrigt {
                "mått som kommunen själv ställt krav på".to_string()
            } else {
                area_metrics(r.area).join("; ")
            };
            vec![r.area.label().to_string(), r.suppliers_deviating.to_string(), r.months_deviating.to_string(), metrics]
        })
        .collect();
    doc.table("Områden", &["Område", "Utförare med avvikelse", "Utförarmånader med avvikelse", "Mått"], rows);
}

/// The suppliers proposed for a deeper follow-up, with the quarters and the reason.
fn proposals_section(doc: &mut Document, proposals: &[(Quarter, SupplierFollowup)]) {
    doc.heading(2, "Utförare som föreslås för fördjupad uppföljning");
    let proposed = proposals_by_supplier(proposals);
    if proposed.is_empty() {
        doc.paragraph("Ingen utförare föreslås för fördjupad uppföljning under året.");
        return;
    }
    doc.paragraph(format!(
        "{} utförare föreslås för fördjupad uppföljning. Skälet gäller det senaste kvartalet med förslag.",
        proposed.len()
    ));
    let rows = proposed.iter().map(|(supplier, quarters, why)| vec![supplier.to_string(), quarters.join(", "), why.clone()]).collect();
    doc.table("Fördjupad uppföljning", &["Utförare", "Kvartal", "Skäl"], rows);
}

/// Each area's deviating suppliers month by month.
fn development_section(doc: &mut Document, y: &YearData) {
    doc.heading(2, "Utvecklingen under året per område");
    doc.paragraph("Antal utförare med minst en avvikelse i området, månad för månad (– = månaden saknas).");
    let mut header = vec!["Område"];
    header.extend(MONTHS_SV);
    let rows = y
        .area_by_month()
        .iter()
        .map(|(area, counts)| {
            let mut row = vec![area.label().to_string()];
            row.extend(counts.iter().map(|c| c.map_or("–".to_string(), |n| n.to_string())));
            row
        })
        .collect();
    doc.table("Utveckling", &header, rows);
}

fn header_format() -> Format {
    Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_border(FormatBorder::Thin)
}

/// A sheet of a header row and text or whole-number cells.
fn table_sheet(sheet: &mut Worksheet, name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let head = header_format();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
        // As wide as the column's longest cell or header word, within 8–60 characters.
        let longest_word = h.split(' ').map(|w| w.chars().count()).max().unwrap_or(0);
        let longest_cell = rows.iter().filter_map(|r| r.get(c)).map(|v| v.chars().count()).max().unwrap_or(0);
        sheet.set_column_width(c as u16, (longest_word.max(longest_cell) + 2).clamp(8, 60) as f64)?;
    }
    sheet.set_row_height(0, 45)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (1 + r as u32, c as u16);
            match cell.parse::<u32>() {
                Ok(n) if c > 0 => sheet.write_number(r, c, n)?,
                _ => sheet.write_string(r, c, cell.as_str())?,
            };
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    // Printed: landscape, one page wide, the header row on every page.
    sheet.set_landscape().set_print_fit_to_pages(1, 0).set_repeat_rows(0, 0)?;
    sheet.set_header(format!("&L{name}&R&D"));
    Ok(())
}

/// The year's tables as a workbook: every table of the report, and per supplier and metric
/// the stored and deviating months (`year.csv` with labels).
pub fn write_year_workbook(path: &Path, y: &YearData, doc: &Document) -> Result<()> {
    let mut book = Workbook::new();
    let build = |book: &mut Workbook| -> Result<(), XlsxError> {
        // What the workbook covers, first: the months stored and the months missing.
        let stored: Vec<String> = y.stored.iter().map(YearMonth::to_string).collect();
        let missing: Vec<String> = y.missing.iter().map(YearMonth::to_string).collect();
        let about = vec![
            vec!["År".to_string(), y.year.to_string()],
            vec!["Lagrade månader".to_string(), stored.join(", ")],
            vec!["Månader som saknas (ingår inte)".to_string(), if missing.is_empty() { "inga".to_string() } else { missing.join(", ") }],
            vec!["Utförare som följts upp".to_string(), y.suppliers.len().to_string()],
        ];
        table_sheet(book.add_worksheet(), "Om rapporten", &["Uppgift", "Värde"], &about)?;
        let rows: Vec<Vec<String>> = y
            .year_rows()
            .iter()
            .map(|r| {
                vec![
                    r.supplier.clone(),
                    figure_label(r.metric),
                    r.metric.area().label().to_string(),
                    r.months_stored.to_string(),
                    r.months_deviating.to_string(),
                ]
            })
            .collect();
        table_sheet(
            book.add_worksheet(),
            "Mått per utförare",
            &["Utförare", "Mått", "Område", "Bedömda månader", "Månader med avvikelse"],
            &rows,
        )?;
        // Every table of the report on a sheet of its own.
        for block in &doc.blocks {
            if let Block::Table { name, header, rows } = block {
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                table_sheet(book.add_worksheet(), name, &header, rows)?;
            }
        }
        Ok(())
    };
    build(&mut book).map_err(|e| anyhow::anyhow!("building {}: {e}", path.display()))?;
    // Built in memory and then written: a full disk is then one error of the file's own.
    let bytes = book.save_to_buffer().map_err(|e| anyhow::anyhow!("cannot build {}: {e}", path.display()))?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// The report as one self-contained HTML page with a chart per area: the deviating suppliers
/// month by month.
pub fn year_page(y: &YearData, doc: &Document) -> Result<String> {
    let mut html = String::new();
    let title = format!("Årsrapport {}", y.year);
    write!(html, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n")?;
    html.push_str(&to_html(doc));
    html.push_str("<h2>Utförare med avvikelse per område och månad</h2>\n");
    let labels: Vec<String> = YearMonth::of_year(y.year)
        .iter()
        .zip(MONTHS_SV)
        .map(|(m, short)| if y.stored.contains(m) { short.to_string() } else { format!("{short} (saknas)") })
        .collect();
    let (with, without): (Vec<_>, Vec<_>) = y.area_by_month().into_iter().partition(|(_, c)| c.iter().any(|n| n.unwrap_or(0) > 0));
    if !without.is_empty() {
        let names: Vec<String> = without.iter().map(|(a, _)| a.label().to_string()).collect();
        writeln!(html, "<p>Inga avvikelser under året i: {}.</p>", escape(&join_sv(&names)))?;
    }
    for (area, counts) in with {
        let bars: Vec<(String, f64)> = labels.iter().cloned().zip(counts.iter().map(|c| f64::from(c.unwrap_or(0)))).collect();
        let svg = bars_chart(area.label(), "Månad", "Utförare med avvikelse", &bars, &[], None, false)?;
        writeln!(html, "<figure>{svg}<figcaption>{}</figcaption></figure>", escape(area.label()))?;
    }
    html.push_str("</body>\n</html>\n");
    Ok(html)
}

/// What the terminal shows after `tidkoll year`.
pub fn year_summary(y: &YearData, result: &Path) -> String {
    let mut s = String::new();
    writeln!(s, "År {}: {} utförare, {} av 12 månader lagrade. {}", y.year, y.suppliers.len(), y.stored.len(), missing_sv(y)).ok();
    let areas: Vec<String> = y
        .area_rows()
        .iter()
        .filter(|r| r.suppliers_deviating > 0)
        .map(|r| format!("{} ({} utförare)", r.area.label(), r.suppliers_deviating))
        .collect();
    if areas.is_empty() {
        writeln!(s, "Inga avvikelser under året.").ok();
    } else {
        writeln!(s, "Områden med avvikelser: {}.", areas.join(", ")).ok();
    }
    let proposals = proposals(y);
    if proposals.is_empty() {
        writeln!(s, "Ingen utförare föreslås för fördjupad uppföljning.").ok();
    } else {
        writeln!(s, "Föreslås för fördjupad uppföljning:").ok();
        for (q, f) in &proposals {
            writeln!(s, "  {} ({q}): {}", f.supplier, escalation_reason_sv(f).unwrap_or_default()).ok();
        }
    }
    writeln!(
        s,
        "\nResultat i {}:\n  arsrapport.docx / .md   årsrapporten till nämnden\n  arsrapport.xlsx          rapportens tabeller\n  arsrapport.html          rapporten med diagram per område\n  year.csv, areas.csv, quarters.csv   tabellerna för andra verktyg",
        result.display()
    )
    .ok();
    s
}

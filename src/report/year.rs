//! The year's account for the committee (årsrapport) in Swedish: one `Document` written as
//! Markdown and Word, a workbook with its tables, and an HTML page with a chart per area.

use std::fmt::Write as _;
use std::path::Path;

use crate::report::spreadsheet::{Format, FormatAlign, FormatBorder, SheetError, Workbook, Worksheet};
use anyhow::Result;

use crate::model::Status;
use crate::model::{Area, Metric, Quarter, YearMonth};
use crate::period::followup::{Recommendation, SupplierFollowup};
use crate::period::year::{has_year_value, QuarterRow, YearData};
use crate::report::area_chart::{area_chart_png, area_chart_svg, AreaChart, SIZE};
use crate::report::document::{to_html, Block, Document, Properties};
use crate::report::html::{escape, STYLE};
use crate::report::labels::{escalation_reasons_sv, figure_label, format_sv, join_sv, requirement_sv, status_sv};
use crate::report::xlsx::wrapped_height;
use crate::report::year_payment::{payment_section, summary_points, terminal_line};

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
        let why = escalation_reasons_sv(f).join("\n");
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
pub fn year_document(y: &YearData, made: &str) -> Result<Document> {
    let mut doc = Document::default();
    let sender = if y.sender.name.trim().is_empty() { "Kommunen" } else { y.sender.name.trim() };
    doc.properties = Properties {
        title: format!("Årsrapport {} – uppföljning av tidsregistrering i hemtjänsten", y.year),
        author: sender.to_string(),
        created: made.to_string(),
        running_header: format!("{sender} · Årsrapport {}", y.year),
    };
    doc.heading(1, format!("Årsrapport {} – uppföljning av tidsregistrering i hemtjänsten", y.year));
    doc.paragraph(format!(
        "Upprättad {made}. Underlaget är de lagrade månadskörningarna för {}: {} av 12 månader. {}",
        y.year,
        y.stored.len(),
        missing_sv(y)
    ));
    let quarter_rows = y.quarter_rows();
    let proposals = proposals(y);
    summary_section(&mut doc, y, &quarter_rows, &proposals);
    payment_section(&mut doc, y);
    suppliers_section(&mut doc, y, &quarter_rows, &proposals);
    quarters_section(&mut doc, y, &quarter_rows);
    areas_section(&mut doc, y);
    proposals_section(&mut doc, &proposals);
    development_section(&mut doc, y)?;
    doc.heading(2, "Om underlaget");
    doc.paragraph(format!(
        "Ett mått är ett nyckeltal med krav eller en flaggfrekvens med gränsvärde, bedömt i månadskörningen med de krav som gällde då. Fördjupad uppföljning föreslås när ett mått har avvikit minst {} kalendermånader i följd (räknat bakåt över lagrade månader; en månad som saknas bryter följden) eller när minst {} mått avviker under ett kvartal.",
        y.rules.streak_months, y.rules.min_metrics
    ));
    Ok(doc)
}

/// What a committee reads first: the year's questioned time and kronor, how many suppliers
/// were followed, the action plans, the proposals for a deeper follow-up and the
/// municipality's values of the year against the requirements.
fn summary_section(doc: &mut Document, y: &YearData, quarter_rows: &[QuarterRow], proposals: &[(Quarter, SupplierFollowup)]) {
    doc.heading(2, "Sammanfattning");
    let with_plan: std::collections::BTreeSet<&str> = quarter_rows.iter().filter(|r| r.action_plan).map(|r| r.supplier.as_str()).collect();
    let plans = quarter_rows.iter().filter(|r| r.action_plan).count();
    let proposed: Vec<String> = proposals_by_supplier(proposals).into_iter().map(|(s, _, _)| s.to_string()).collect();
    let judged: Vec<_> = y.municipality.iter().filter(|v| v.status.is_judged()).collect();
    let deviating: Vec<String> = judged
        .iter()
        .filter(|v| v.status == Status::Deviation)
        .map(|v| format!("{} ({}, krav {})", figure_label(v.metric), format_sv(v.metric, v.value), requirement_sv(v.metric, v.requirement)))
        .collect();
    let mut points = summary_points(&y.payment);
    points.extend([
        format!("{} utförare har följts upp under {} av årets 12 månader.", y.suppliers.len(), y.stored.len()),
        format!(
            "{} av {} utförare har haft minst en åtgärdsplan under året; sammanlagt {plans} åtgärdsplaner räknat per utförare och kvartal.",
            with_plan.len(),
            y.suppliers.len()
        ),
        if proposed.is_empty() {
            "Ingen utförare föreslås för fördjupad uppföljning.".to_string()
        } else {
            format!("{} utförare föreslås för fördjupad uppföljning: {}.", proposed.len(), join_sv(&proposed))
        },
        format!("Hela kommunen uppfyller {} av {} krav räknat över året.", judged.len() - deviating.len(), judged.len()),
    ]);
    if !deviating.is_empty() {
        points.push(format!("Krav som hela kommunen inte uppfyller över året: {}.", join_sv(&deviating)));
    }
    doc.bullets(points);
    doc.paragraph(
        "Hela kommunens värden för året räknas på alla årets besök, kunder och personal tillsammans (inte som ett medelvärde av månaderna), mot de krav som gällde årets sista körda månad. Kunder utan besök räknas per kund och månad. Tilläggsrapporteringen bedöms bara per månad: månadskörningarna sparar inte de antal som ett värde för året skulle räknas på.",
    );
    let rows = y
        .municipality
        .iter()
        .map(|v| {
            vec![
                figure_label(v.metric),
                requirement_sv(v.metric, v.requirement),
                format_sv(v.metric, v.value),
                if has_year_value(v.metric) { status_sv(v.status).to_string() } else { "bedöms per månad".to_string() },
                format!("{} av {}", v.months_deviating, v.months_judged),
            ]
        })
        .collect();
    doc.table("Hela kommunen", &["Mått", "Krav", &format!("Hela kommunen {}", y.year), "Bedömning", "Månader med avvikelse"], rows);
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
            let months = y.months_with_data(s);
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
            vec![r.area.label().to_string(), r.suppliers_deviating.to_string(), r.months_deviating.to_string(), named(y, r.area), metrics]
        })
        .collect();
    doc.table(
        "Områden",
        &["Område", "Utförare med avvikelse", "Utförarmånader med avvikelse", "Vilka utförare (månader med avvikelse)", "Mått"],
        rows,
    );
}

/// The suppliers that deviated in an area, with their months: "Trygg Vård AB (6), Vardag
/// Omsorg AB (2)", or "–".
fn named(y: &YearData, area: Area) -> String {
    let list: Vec<String> = y.area_suppliers(area).into_iter().map(|(s, n)| format!("{s} ({n})")).collect();
    if list.is_empty() {
        "–".to_string()
    } else {
        list.join(", ")
    }
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

/// The month labels of the stored months ("jan", "feb", …), as the area charts show them.
fn stored_labels(y: &YearData) -> Vec<String> {
    y.stored.iter().map(|m| MONTHS_SV[m.month as usize - 1].to_string()).collect()
}

/// The chart of an area with deviations: the stored months, the suppliers that deviated.
fn area_chart<'a>(area: Area, labels: &'a [String], suppliers: &'a [(String, Vec<bool>)]) -> AreaChart<'a> {
    AreaChart { title: area.label(), months: labels, suppliers }
}

/// Each area's deviating suppliers month by month: a table of counts, then per area with
/// deviations a chart naming the suppliers (as PNG, written beside the report).
fn development_section(doc: &mut Document, y: &YearData) -> Result<()> {
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
    let labels = stored_labels(y);
    for area in y.areas() {
        let suppliers = y.area_supplier_months(area);
        if suppliers.is_empty() {
            continue;
        }
        let png = area_chart_png(&area_chart(area, &labels, &suppliers))?;
        doc.blocks.push(Block::Image {
            file: format!("diagram-{}.png", area.id()),
            png,
            width_px: SIZE.0,
            height_px: SIZE.1,
            caption: format!("{}: utförare med avvikelse per månad ({}).", area.label(), named(y, area)),
        });
    }
    Ok(())
}

fn header_format() -> Format {
    Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_border(FormatBorder::Thin)
}

/// The widest a column gets (in characters); longer text wraps within it.
const MAX_COLUMN_WIDTH: usize = 45;

/// Whether a cell is a whole number with a space between thousands (`12 345`, `-1 000`), as
/// `labels::thousands` writes it.
fn is_thousands(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let mut groups = digits.split(' ');
    let first = groups.next().unwrap_or("");
    digits.contains(' ')
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A percentage as `labels::percent_sv` and `format_sv` write it (`11,6 %`), as a share.
fn percent(cell: &str) -> Option<f64> {
    let number = cell.strip_suffix(" %")?;
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    number.replace(',', ".").parse::<f64>().ok().map(|v| v / 100.0)
}

/// A number with a decimal comma and digits on both sides (`8,9`, `-0,5`).
fn decimal(cell: &str) -> Option<f64> {
    let (whole, fraction) = cell.strip_prefix('-').unwrap_or(cell).split_once(',')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    (digits(whole) && digits(fraction)).then(|| cell.replace(',', ".").parse::<f64>().ok()).flatten()
}

/// A sheet of a header row and text or number cells (whole, with a decimal comma, percentages).
fn table_sheet(sheet: &mut Worksheet, name: &str, made: &str, header: &[&str], rows: &[Vec<String>]) -> Result<(), SheetError> {
    sheet.set_name(name)?;
    let head = header_format();
    // Every cell bordered like the header: on paper a right-aligned number would otherwise run
    // into the text of the column after it ("5Hemtjänst Syd AB").
    let cell = Format::new().set_align(FormatAlign::Top).set_border(FormatBorder::Thin);
    let text = cell.set_text_wrap();
    let number = cell;
    let grouped = cell.set_num_format("#,##0");
    let share = cell.set_num_format("0.0 %");
    let one_decimal = cell.set_num_format("0.0");
    let dash = cell.set_align(FormatAlign::Right);
    let mut widths = Vec::new();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
        // As wide as the column's longest cell or header word, within 8–45 characters.
        let longest_cell = rows.iter().filter_map(|r| r.get(c)).map(|v| v.chars().count()).max().unwrap_or(0);
        let width = (crate::report::longest_word(h).max(longest_cell) + 2).clamp(8, MAX_COLUMN_WIDTH) as f64;
        sheet.set_column_width(c as u16, width)?;
        widths.push(width);
    }
    // The header's bold words are wider than the cells' text, so they wrap at a narrower width.
    let heads: Vec<(&str, f64)> = header.iter().copied().zip(widths.iter().map(|w| w * 0.85)).collect();
    sheet.set_row_height(0, wrapped_height(&heads).max(45.0))?;
    for (r, row) in rows.iter().enumerate() {
        let r = 1 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell.parse::<u32>() {
                Ok(n) if c > 0 => sheet.write_number_with_format(r, c, n, &number)?,
                // A percentage as the report writes it (`11,6 %`) is a number shown as one.
                _ if c > 0 && percent(cell).is_some() => sheet.write_number_with_format(r, c, percent(cell).unwrap_or(0.0), &share)?,
                // A number with a decimal comma as `format_sv` writes it (`8,9`) is a number.
                _ if c > 0 && decimal(cell).is_some() => {
                    sheet.write_number_with_format(r, c, decimal(cell).unwrap_or(0.0), &one_decimal)?
                }
                // A whole number written with spaces between thousands (`12 345`) stays a number.
                _ if c > 0 && is_thousands(cell) => {
                    sheet.write_number_with_format(r, c, cell.replace(' ', "").parse::<f64>().unwrap_or(0.0), &grouped)?
                }
                // "No value" stands where the numbers stand.
                _ if c > 0 && cell == "–" => sheet.write_string_with_format(r, c, cell.as_str(), &dash)?,
                _ => sheet.write_string_with_format(r, c, cell.as_str(), &text)?,
            };
        }
        let cells: Vec<(&str, f64)> = row.iter().map(String::as_str).zip(widths.iter().copied()).collect();
        sheet.set_row_height(r, wrapped_height(&cells))?;
    }
    sheet.set_freeze_panes(1, 1)?;
    // Printed on A4 landscape, one page wide (the wrapped columns keep that at a legible scale),
    // the header row on every page, the sheet's name, the report's date and page numbers. The
    // date is written as text (ÅÅÅÅ-MM-DD): the header code for the printing date (`&D`) is
    // shown in the printing program's locale, e.g. 12/07/2026.
    sheet.set_paper_size(9).set_landscape().set_print_fit_to_pages(1, 0).set_repeat_rows(0, 0)?;
    sheet.set_header(format!("&L{}&R{}", name.replace('&', "&&"), made.replace('&', "&&")));
    sheet.set_footer("&CSida &P av &N");
    Ok(())
}

/// The year's tables as a workbook: every table of the report, and per supplier and metric
/// the stored and deviating months (`year.csv` with labels).
pub fn write_year_workbook(path: &Path, y: &YearData, doc: &Document) -> Result<()> {
    let made = doc.properties.created.as_str();
    let mut book = Workbook::new();
    let build = |book: &mut Workbook| -> Result<(), SheetError> {
        // What the workbook covers, first: the months stored and the months missing.
        let stored: Vec<String> = y.stored.iter().map(YearMonth::to_string).collect();
        let missing: Vec<String> = y.missing.iter().map(YearMonth::to_string).collect();
        let about = vec![
            vec!["År".to_string(), y.year.to_string()],
            vec!["Lagrade månader".to_string(), stored.join(", ")],
            vec!["Månader som saknas (ingår inte)".to_string(), if missing.is_empty() { "inga".to_string() } else { missing.join(", ") }],
            vec!["Utförare som följts upp".to_string(), y.suppliers.len().to_string()],
        ];
        table_sheet(book.add_worksheet(), "Om rapporten", made, &["Uppgift", "Värde"], &about)?;
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
            made,
            &["Utförare", "Mått", "Område", "Bedömda månader", "Månader med avvikelse"],
            &rows,
        )?;
        // Every table of the report on a sheet of its own.
        for block in &doc.blocks {
            if let Block::Table { name, header, rows } = block {
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                table_sheet(book.add_worksheet(), name, made, &header, rows)?;
            }
        }
        Ok(())
    };
    build(&mut book).map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
    book.save(path)
}

/// The report as one self-contained HTML page with a chart per area: the deviating suppliers
/// month by month.
pub fn year_page(y: &YearData, doc: &Document) -> Result<String> {
    let mut html = String::new();
    let title = format!("Årsrapport {}", y.year);
    write!(html, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n")?;
    html.push_str(&to_html(doc));
    html.push_str("<h2>Utförare med avvikelse per område och månad</h2>\n");
    let (with, without): (Vec<Area>, Vec<Area>) = y.areas().into_iter().partition(|a| !y.area_suppliers(*a).is_empty());
    if !without.is_empty() {
        let names: Vec<String> = without.iter().map(|a| a.label().to_string()).collect();
        writeln!(html, "<p>Inga avvikelser under året i: {}.</p>", escape(&join_sv(&names)))?;
    }
    let labels = stored_labels(y);
    for area in with {
        let suppliers = y.area_supplier_months(area);
        let svg = area_chart_svg(&area_chart(area, &labels, &suppliers))?;
        writeln!(html, "<figure>{svg}<figcaption>{}: {}</figcaption></figure>", escape(area.label()), escape(&named(y, area)))?;
    }
    html.push_str("</body>\n</html>\n");
    Ok(html)
}

/// What the terminal shows after `tidkoll year`.
pub fn year_summary(y: &YearData, result: &Path) -> String {
    let mut s = String::new();
    writeln!(s, "År {}: {} utförare, {} av 12 månader lagrade. {}", y.year, y.suppliers.len(), y.stored.len(), missing_sv(y)).ok();
    if let Some(line) = terminal_line(&y.payment) {
        writeln!(s, "{line}").ok();
    }
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
            writeln!(s, "  {} ({q}):", f.supplier).ok();
            for why in escalation_reasons_sv(f) {
                writeln!(s, "    {why}").ok();
            }
        }
    }
    let judged: Vec<_> = y.municipality.iter().filter(|v| v.status.is_judged()).collect();
    let deviating: Vec<String> = judged.iter().filter(|v| v.status == Status::Deviation).map(|v| figure_label(v.metric)).collect();
    writeln!(s, "Hela kommunen uppfyller {} av {} krav räknat över året.", judged.len() - deviating.len(), judged.len()).ok();
    writeln!(
        s,
        "\nResultat i {}:\n  arsrapport.docx / .md   årsrapporten till nämnden\n  arsrapport.xlsx          rapportens tabeller\n  arsrapport.html          rapporten med diagram per område\n  year.csv, areas.csv, quarters.csv   tabellerna för andra verktyg",
        result.display()
    )
    .ok();
    s
}

#[cfg(test)]
mod tests {
    use super::{decimal, is_thousands, percent};

    #[test]
    fn decimal_commas_are_numbers_and_other_text_is_not() {
        assert_eq!(decimal("8,9"), Some(8.9));
        assert_eq!(decimal("-0,5"), Some(-0.5));
        for text in ["8,", ",5", "8,9 %", "1 000,5", "2025-01, 2025-02", "8.9", "a,b"] {
            assert_eq!(decimal(text), None, "{text}");
        }
    }

    #[test]
    fn percentages_are_shares_and_requirements_are_text() {
        for (text, share) in [("11,6 %", 0.116), ("100 %", 1.0), ("-2,5 %", -0.025), ("0,0 %", 0.0)] {
            assert!(percent(text).is_some_and(|p| (p - share).abs() < 1e-12), "{text}: {:?}", percent(text));
        }
        for text in ["75–100 %", "minst 90 %", "%", " %", "11,6", "1 000 %"] {
            assert_eq!(percent(text), None, "{text}");
        }
    }

    #[test]
    fn whole_numbers_with_thousands_spaces_are_numbers_and_other_text_is_not() {
        for number in ["1 000", "12 345", "-1 234 567"] {
            assert!(is_thousands(number), "{number}");
        }
        for text in ["1000", "1 00", "12 34 5", "1 000 kr", "5,1 %", "2025-Q1, 2025-Q2", " 100", "1  000", "- 100"] {
            assert!(!is_thousands(text), "{text}");
        }
    }
}

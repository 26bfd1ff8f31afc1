//! The quarterly matrix as a workbook: values coloured by status, the statuses in words, the
//! requirements in force and the staff and client breakdowns. The internal workbook holds
//! every supplier; a supplier's copy only that supplier beside the municipality-wide row.

use crate::bytes_map::HashSet;
use std::path::Path;

use crate::report::spreadsheet::{header_text, Format, FormatAlign, FormatBorder, SheetError, Workbook, Worksheet};
use anyhow::Result;

use crate::model::Status;
use crate::model::ALL;
use crate::model::{Metric, Questioned, Unit};
use crate::month::analysis::MemberRow;
use crate::period::followup::MetricFollowup;
use crate::period::quarter::{Cell, QuarterData};
use crate::report::labels::{escalation_reason_sv, figure_label, requirement_sv, status_sv};
use crate::report::{longest_word, SUPPLIERS_PER_PRINTED_SHEET};

const GREEN: u32 = 0xC6EFCE;
const RED: u32 = 0xFFC7CE;
const GREY: u32 = 0xE7E6E6;

/// The name shown for the municipality-wide row.
pub const MUNICIPALITY: &str = "Hela kommunen";

fn header() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
}

/// Text that wraps within its cell, top-aligned so that a wrapped cell reads from its first line.
fn wrapped() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}

/// The height of a row that shows each `(text, column width)` wrapped: a line per 15 points.
/// Spreadsheet programs do not all size a row to its wrapped text when they open a file, so the
/// height is set. A column's width counts digits, and a line of text holds about a tenth more
/// characters than that (in Calibri and in the wider DejaVu Sans that stands in for it).
pub(crate) fn wrapped_height(cells: &[(&str, f64)]) -> f64 {
    let lines = cells.iter().map(|(text, width)| wrapped_lines(text, ((width * 1.1) as usize).max(1))).max().unwrap_or(1);
    15.0 * lines.max(1) as f64
}

/// The lines of `text` wrapped at word boundaries to at most `width` characters a line (a longer
/// word takes a line of its own); a line break in the text starts a new line.
fn wrapped_lines(text: &str, width: usize) -> usize {
    text.split('\n')
        .map(|paragraph| {
            let mut lines = 1;
            let mut used = 0;
            for word in paragraph.split_whitespace() {
                let n = word.chars().count();
                if used > 0 && used + 1 + n > width {
                    lines += 1;
                    used = n;
                } else {
                    used += if used > 0 { 1 + n } else { n };
                }
            }
            lines
        })
        .sum()
}

/// One number format per unit: shares as percentages with one decimal, rates per 1,000 visits
/// with two (a limit of 0 must not show a small rate as 0), minutes and means with one, counts
/// as whole numbers.
fn number_format(metric: Metric) -> &'static str {
    match metric.unit() {
        Unit::PerThousand => "0.00",
        Unit::Share | Unit::Ratio => PERCENT,
        Unit::Minutes | Unit::Mean => DECIMAL,
        Unit::Count => WHOLE,
    }
}

const PERCENT: &str = "0.0%";
const DECIMAL: &str = "0.0";
const WHOLE: &str = "0";

fn status_format(status: Status) -> Format {
    let base = Format::new().set_border(FormatBorder::Thin);
    match status {
        Status::Ok => base.set_background_color(GREEN),
        Status::Deviation => base.set_background_color(RED).set_bold(),
        Status::Missing => base.set_background_color(GREY),
        Status::Info => base,
    }
}

/// The most suppliers for which the internal workbook has each one's staff and client sheets.
/// With more, the sheets would number in the hundreds and repeat what each supplier's own
/// workbook holds; the matrix's legend says where they are.
pub const MEMBER_SHEETS_MAX_SUPPLIERS: usize = 30;

/// Writes a workbook with the matrix rows of `suppliers` (plus the municipality-wide row) and a
/// breakdown sheet for each of them (`MEMBER_SHEETS_MAX_SUPPLIERS`).
pub fn write_matrix_workbook(path: &Path, q: &QuarterData, suppliers: &[&str]) -> Result<()> {
    let member_sheets = suppliers.len() <= MEMBER_SHEETS_MAX_SUPPLIERS;
    let mut book = Workbook::new();
    let made = chrono::Local::now().date_naive().to_string();
    let title = match suppliers {
        [one] => format!("{one} – kvartal {} – {made}", q.quarter),
        _ => format!("Kvartalsmatris {} – alla utförare – {made}", q.quarter),
    };
    let build = |book: &mut Workbook| -> Result<(), SheetError> {
        // A supplier's copy opens on the overview it prints; the internal workbook on the matrix.
        if suppliers.len() == 1 {
            overview_sheet(book.add_worksheet(), q, suppliers, &title)?;
        }
        for words in [false, true] {
            match suppliers {
                [one] => supplier_matrix_sheet(book.add_worksheet(), q, one, words, &title)?,
                _ => matrix_sheet(book.add_worksheet(), q, suppliers, words, member_sheets, &title)?,
            }
        }
        if suppliers.len() != 1 {
            // A supplier a page: past `SUPPLIERS_PER_PRINTED_SHEET` the overview goes on to
            // "Översikt 2" and so on.
            for (k, part) in suppliers.chunks(SUPPLIERS_PER_PRINTED_SHEET).enumerate() {
                let sheet = book.add_worksheet();
                overview_sheet(sheet, q, part, &title)?;
                if k > 0 {
                    sheet.set_name(format!("Översikt {}", k + 1))?;
                }
            }
        }
        followup_sheet(book.add_worksheet(), q, suppliers, &title)?;
        if q.has_sample_answers(suppliers) {
            sample_sheet(book.add_worksheet(), q, suppliers, &title)?;
        }
        payment_sheet(book.add_worksheet(), q, suppliers, &title)?;
        requirements_sheet(book.add_worksheet(), q, &title)?;
        let mut used = HashSet::default();
        for supplier in suppliers.iter().filter(|_| member_sheets) {
            for staff in [true, false] {
                let sheet = book.add_worksheet();
                sheet.set_name(sheet_name(supplier, staff, suppliers.len() == 1, &mut used))?;
                breakdown_sheet(sheet, q, supplier, staff)?;
                print_setup(sheet, &title, 2)?;
                sheet.set_print_fit_to_pages(1, 0);
            }
        }
        Ok(())
    };
    build(&mut book).map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
    book.save(path)
}

/// The left and right page margins: narrower than Excel's 0.7 inch, so that four figures of the
/// matrix fit a page beside the supplier columns.
const MARGIN_INCHES: f64 = 0.4;

/// Every sheet prints on A4 landscape with its header rows repeated, what it is and the date
/// in the page header, and page numbers in the footer.
fn print_setup(sheet: &mut Worksheet, title: &str, header_rows: u32) -> Result<(), SheetError> {
    sheet.set_paper_size(9).set_landscape();
    sheet.set_margins(MARGIN_INCHES, MARGIN_INCHES, 0.75, 0.75, 0.3, 0.3);
    sheet.set_header(format!("&L{}", header_text(title, 120)));
    sheet.set_footer("&CSida &P av &N");
    if header_rows > 0 {
        sheet.set_repeat_rows(0, header_rows - 1)?;
    }
    Ok(())
}

/// The overview that prints: per supplier one block with a row per key figure and flag rate —
/// the requirement, the supplier's value per month coloured by status, the municipality's value
/// per month, and how many months in a row a deviation has lasted. One page wide; a supplier
/// per page.
fn overview_sheet(sheet: &mut Worksheet, q: &QuarterData, suppliers: &[&str], title: &str) -> Result<(), SheetError> {
    sheet.set_name("Översikt")?;
    let head = header();
    let bold = Format::new().set_bold().set_font_size(13);
    let widths = [50.0, 24.0, 11.0, 11.0, 11.0, 11.0, 11.0, 11.0, 10.0];
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    let mut row = 0u32;
    let mut breaks = Vec::new();
    for supplier in suppliers {
        if row > 0 {
            breaks.push(row);
        }
        let recommendation = q.followup_of(supplier).map_or("", |f| f.recommendation.label());
        sheet.write_string_with_format(row, 0, format!("{supplier} – {}", q.quarter), &bold)?;
        sheet.write_string(row, 1, format!("Rekommendation: {recommendation}"))?;
        row += 1;
        sheet.write_string_with_format(row, 0, "Nyckeltal", &head)?;
        sheet.write_string_with_format(row, 1, "Krav", &head)?;
        for i in 0..3 {
            sheet.write_string_with_format(row, 2 + i as u16, month_header(q, i), &head)?;
            sheet.write_string_with_format(row, 5 + i as u16, format!("Kommunen {}", q.months[i]), &head)?;
        }
        sheet.write_string_with_format(row, 8, "Månader i följd", &head)?;
        sheet.set_row_height(row, 30)?;
        row += 1;
        let latest = (0..3).rev().find(|i| q.has_month(*i)).unwrap_or(2);
        for metric in Metric::matrix() {
            sheet.write_string(row, 0, figure_label(metric))?;
            sheet.write_string(row, 1, requirement_sv(metric, q.requirement(metric, latest)))?;
            for (i, cell) in q.cells(supplier, metric).iter().enumerate() {
                write_cell(sheet, row, 2 + i as u16, metric, cell, q.has_month(i), false)?;
            }
            for (i, cell) in q.cells(ALL, metric).iter().enumerate() {
                let all = Cell { status: Status::Info, ..*cell };
                write_cell(sheet, row, 5 + i as u16, metric, &all, q.has_month(i), false)?;
            }
            if let Some(m) = q.followup_of(supplier).and_then(|f| f.metric(metric)) {
                sheet.write_number(row, 8, m.streak_months)?;
            }
            row += 1;
        }
        row = overview_sample_row(sheet, row, q, supplier)?;
        row += 1;
    }
    // Merged over the block's width and wrapped: a legend running past the last column would
    // widen what the page has to fit and shrink the whole sheet.
    sheet.merge_range(
        row,
        0,
        row,
        widths.len() as u16 - 1,
        "Grön: uppfyllt krav. Röd: avvikelse. Grå: saknas. Kraven är de som gällde kvartalets senaste körda månad; bladet Krav visar dem per månad.",
        &wrapped(),
    )?;
    sheet.set_row_height(row, 30)?;
    print_setup(sheet, title, 0)?;
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}

fn month_header(q: &QuarterData, i: usize) -> String {
    if q.has_month(i) {
        q.months[i].to_string()
    } else {
        format!("{} (ej körd)", q.months[i])
    }
}

/// The first figure's column: after the supplier and its recommendation.
const FIRST_FIGURE_COLUMN: u16 = 2;

/// Figures per printed page of the matrix: the sheet prints across pages, three figures (nine
/// month columns) beside the repeated supplier columns on each.
const FIGURES_PER_PAGE: usize = 3;

/// The matrix's print scale: three figures and the supplier columns fill an A4 landscape page,
/// also where the workbook's font is replaced by a wider one (LibreOffice without Calibri).
const MATRIX_SCALE: u16 = 75;

/// The matrix: one row per supplier (with its recommendation) and the municipality-wide row;
/// per figure three month columns. With `words`, the statuses in Swedish instead of the values.
fn matrix_sheet(
    sheet: &mut Worksheet,
    q: &QuarterData,
    suppliers: &[&str],
    words: bool,
    member_sheets: bool,
    title: &str,
) -> Result<(), SheetError> {
    sheet.set_name(if words { "Status" } else { "Matris" })?;
    let head = header();
    sheet.merge_range(0, 0, 1, 0, "Utförare", &head)?;
    sheet.set_column_width(0, 26)?;
    sheet.merge_range(0, 1, 1, 1, "Rekommendation", &head)?;
    sheet.set_column_width(1, 22)?;
    sheet.set_row_height(0, 45)?;
    sheet.set_row_height(1, 30)?;
    let figures: Vec<Metric> = Metric::matrix().collect();
    for (f, &figure) in figures.iter().enumerate() {
        let col = FIRST_FIGURE_COLUMN + 3 * f as u16;
        sheet.merge_range(0, col, 0, col + 2, &figure_label(figure), &head)?;
        for i in 0..3 {
            sheet.write_string_with_format(1, col + i as u16, month_header(q, i), &head)?;
            sheet.set_column_width(col + i as u16, 10)?;
        }
    }
    let rows = suppliers.iter().map(|s| (*s, *s)).chain([(ALL, MUNICIPALITY)]);
    for (r, (supplier, shown)) in rows.enumerate() {
        let row = 2 + r as u32;
        let name_format = if supplier == ALL { wrapped().set_bold() } else { wrapped() };
        sheet.write_string_with_format(row, 0, shown, &name_format)?;
        sheet.set_row_height(row, wrapped_height(&[(shown, 26.0)]))?;
        if let Some(f) = q.followup_of(supplier) {
            sheet.write_string(row, 1, f.recommendation.label())?;
        }
        for (f, &figure) in figures.iter().enumerate() {
            for (i, cell) in q.cells(supplier, figure).iter().enumerate() {
                let col = FIRST_FIGURE_COLUMN + 3 * f as u16 + i as u16;
                write_cell(sheet, row, col, figure, cell, q.has_month(i), words)?;
            }
        }
    }
    // The legend lies in the supplier columns, wrapped, so that it prints whole on every page.
    let legend = 4 + suppliers.len() as u32;
    let members = if member_sheets {
        "Personal och kunder per utförare finns på bladen efter Krav, och i varje utförares egen arbetsbok i mappen leverantorer."
            .to_string()
    } else {
        format!(
            "Personal och kunder per utförare finns i varje utförares egen arbetsbok i mappen leverantorer (med fler än {MEMBER_SHEETS_MAX_SUPPLIERS} utförare har den här arbetsboken inga sådana blad)."
        )
    };
    for (k, text) in [
        "Grön: uppfyllt krav. Röd: avvikelse. Grå: saknas (inga data, eller månaden ej körd). Vit: information, inget krav.",
        "Värdena är de som månadskörningen räknade fram och bedömde; kraven finns på bladet Krav.",
        "Rekommendationen och hur länge varje avvikelse har pågått finns på bladet Uppföljning.",
        members.as_str(),
    ]
    .iter()
    .enumerate()
    {
        let row = legend + k as u32;
        sheet.merge_range(row, 0, row, FIRST_FIGURE_COLUMN - 1, text, &wrapped())?;
        sheet.set_row_height(row, wrapped_height(&[(text, 26.0 + 22.0)]))?;
    }
    sheet.set_freeze_panes(2, FIRST_FIGURE_COLUMN)?;
    // Printed across pages at a fixed scale, a page per three figures, with the suppliers, their
    // recommendation and the header rows on every page: fitted to one page wide, 72 month
    // columns print too small to read.
    print_setup(sheet, title, 2)?;
    sheet.set_repeat_columns(0, FIRST_FIGURE_COLUMN - 1)?;
    sheet.set_print_scale(MATRIX_SCALE);
    let breaks: Vec<u32> =
        (FIGURES_PER_PAGE..figures.len()).step_by(FIGURES_PER_PAGE).map(|f| u32::from(FIRST_FIGURE_COLUMN) + 3 * f as u32).collect();
    sheet.set_vertical_page_breaks(&breaks)?;
    Ok(())
}

/// A supplier's own matrix: one row per figure, the supplier's three months beside the
/// municipality's, and its recommendation below. With one supplier the matrix's two rows would
/// print across a page per three figures; laid this way the sheet is a row per figure of the
/// registry and prints on one page at about the scale of the overview. With `words`, the
/// statuses in Swedish instead of the values.
fn supplier_matrix_sheet(sheet: &mut Worksheet, q: &QuarterData, supplier: &str, words: bool, title: &str) -> Result<(), SheetError> {
    sheet.set_name(if words { "Status" } else { "Matris" })?;
    let head = header();
    // As wide as the overview's: the longest label on one line.
    const LABEL_WIDTH: f64 = 50.0;
    sheet.merge_range(0, 0, 1, 0, "Nyckeltal", &head)?;
    sheet.set_column_width(0, LABEL_WIDTH)?;
    for (k, shown) in [supplier, MUNICIPALITY].into_iter().enumerate() {
        let first = 1 + 3 * k as u16;
        sheet.merge_range(0, first, 0, first + 2, shown, &head)?;
        for i in 0..3 {
            sheet.write_string_with_format(1, first + i as u16, month_header(q, i), &head)?;
            sheet.set_column_width(first + i as u16, 12)?;
        }
    }
    sheet.set_row_height(0, wrapped_height(&[(supplier, 3.0 * 12.0)]).max(30.0))?;
    sheet.set_row_height(1, 30)?;
    let mut row = 2;
    for figure in Metric::matrix() {
        let label = figure_label(figure);
        sheet.write_string_with_format(row, 0, &label, &wrapped())?;
        sheet.set_row_height(row, wrapped_height(&[(&label, LABEL_WIDTH)]))?;
        for (k, who) in [supplier, ALL].into_iter().enumerate() {
            for (i, cell) in q.cells(who, figure).iter().enumerate() {
                write_cell(sheet, row, 1 + 3 * k as u16 + i as u16, figure, cell, q.has_month(i), words)?;
            }
        }
        row += 1;
    }
    row += 1;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(row, 0, "Rekommendation", &bold)?;
    let recommendation = q.followup_of(supplier).map_or("", |f| f.recommendation.label());
    sheet.merge_range(row, 1, row, 3, recommendation, &bold)?;
    row += 2;
    for text in [
        "Grön: uppfyllt krav. Röd: avvikelse. Grå: saknas (inga data, eller månaden ej körd). Vit: information, inget krav.",
        "Värdena är de som månadskörningen räknade fram och bedömde; kraven finns på bladet Krav. Rekommendationen och hur länge varje avvikelse har pågått finns på bladet Uppföljning.",
    ] {
        sheet.merge_range(row, 0, row, 6, text, &wrapped())?;
        sheet.set_row_height(row, wrapped_height(&[(text, LABEL_WIDTH + 6.0 * 12.0)]))?;
        row += 1;
    }
    sheet.set_freeze_panes(2, 1)?;
    print_setup(sheet, title, 2)?;
    sheet.set_print_fit_to_pages(1, 1);
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    figure: Metric,
    cell: &Cell,
    month_run: bool,
    words: bool,
) -> Result<(), SheetError> {
    let format = status_format(cell.status);
    match (words, cell.value) {
        (true, _) => sheet.write_string_with_format(row, col, status_sv(cell.status), &format),
        (false, Some(v)) => sheet.write_number_with_format(row, col, v, &format.set_num_format(number_format(figure))),
        // A missing value stands where the numbers stand, right-aligned.
        (false, None) => {
            sheet.write_string_with_format(row, col, if month_run { "–" } else { "ej körd" }, &format.set_align(FormatAlign::Right))
        }
    }?;
    Ok(())
}

/// The follow-up over time: each supplier's recommendation with its reason, and per deviating
/// metric the quarter's deviating months and how many months in a row it has lasted.
fn followup_sheet(sheet: &mut Worksheet, q: &QuarterData, suppliers: &[&str], title: &str) -> Result<(), SheetError> {
    sheet.set_name("Uppföljning")?;
    let head = header();
    let columns = ["Utförare", "Rekommendation", "Avvikande mått", "Avvikande månader i kvartalet", "Månader i följd", "Skäl"];
    // Text columns wrap, so that the sheet is as wide as these columns and prints at a legible
    // scale however long a name or a reason is.
    let widths = [24.0, 22.0, 38.0, 12.0, 10.0, 48.0];
    for (c, (name, width)) in columns.iter().zip(widths).enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &head)?;
        sheet.set_column_width(c as u16, width)?;
    }
    sheet.set_row_height(0, 45)?;
    let text = wrapped();
    let number = Format::new().set_align(FormatAlign::Top);
    let mut row = 1u32;
    for f in suppliers.iter().filter_map(|s| q.followup_of(s)) {
        let reason = escalation_reason_sv(f).unwrap_or_default();
        let lines: Vec<Option<&MetricFollowup>> = if f.metrics.is_empty() { vec![None] } else { f.metrics.iter().map(Some).collect() };
        for (k, m) in lines.into_iter().enumerate() {
            sheet.write_string_with_format(row, 0, f.supplier.as_str(), &text)?;
            sheet.write_string_with_format(row, 1, f.recommendation.label(), &text)?;
            if let Some(m) = m {
                let streak = if f.long_streaks.contains(&m.metric) { number.set_bold() } else { number };
                sheet.write_string_with_format(row, 2, figure_label(m.metric), &text)?;
                sheet.write_number_with_format(row, 3, m.months_deviating, &number)?;
                sheet.write_number_with_format(row, 4, m.streak_months, &streak)?;
            }
            // The reason once per supplier, on its first line: it is the supplier's, not a metric's.
            let reason = if k == 0 { reason.as_str() } else { "" };
            if k == 0 {
                sheet.write_string_with_format(row, 5, reason, &text)?;
            }
            let label = m.map(|m| figure_label(m.metric)).unwrap_or_default();
            sheet.set_row_height(
                row,
                wrapped_height(&[(f.supplier.as_str(), widths[0]), (label.as_str(), widths[2]), (reason, widths[5])]),
            )?;
            row += 1;
        }
    }
    let rules = q.followup.first().map(|f| f.rules.clone()).unwrap_or_default();
    sheet.merge_range(
        row + 1,
        0,
        row + 1,
        columns.len() as u16 - 1,
        &format!(
            "Fördjupad uppföljning föreslås när ett mått har avvikit minst {} månader i följd eller minst {} mått avviker under kvartalet. Månader i följd räknas bakåt från kvartalets sista månad över de lagrade månaderna; en månad som saknas bryter följden.",
            rules.streak_months, rules.min_metrics
        ),
        &text,
    )?;
    sheet.set_row_height(row + 1, 30)?;
    sheet.set_freeze_panes(1, 1)?;
    print_setup(sheet, title, 1)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The payment basis (SPEC §10): a row per supplier and month, then the municipality's, with
/// the registered time, the time questioned per reason, the time beyond the granted, the
/// invoiced time without support and the kronor. Minutes with two decimals, as stored.
fn payment_sheet(sheet: &mut Worksheet, q: &QuarterData, suppliers: &[&str], title: &str) -> Result<(), SheetError> {
    sheet.set_name("Ersättning")?;
    let head = header();
    let mut columns: Vec<(String, f64)> = vec![
        ("Utförare".into(), 24.0),
        ("Månad".into(), 9.0),
        ("Registrerad tid (min)".into(), 12.0),
        ("Ifrågasatt tid (min)".into(), 12.0),
        ("Andel ifrågasatt".into(), 10.0),
    ];
    // Each reason's column as wide as the longest word of its heading, so that the heading wraps
    // between words ("dubbelregistrering" is 18 letters).
    columns.extend(Questioned::ALL.map(|r| {
        let heading = format!("varav {} (min)", r.short_label().to_lowercase());
        let width = (longest_word(&heading) + 2).max(14) as f64;
        (heading, width)
    }));
    columns.extend(
        [
            "Utöver beviljad tid (min)",
            "Fakturerad tid (min)",
            "Fakturerat utan stöd (min)",
            "Ifrågasatt belopp (kr)",
            "Belopp utan stöd (kr)",
        ]
        .map(|c| (c.to_string(), 12.0)),
    );
    for (c, (name, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, name.as_str(), &head)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_row_height(0, wrapped_height(&columns.iter().map(|(n, w)| (n.as_str(), *w)).collect::<Vec<_>>()))?;
    // Minutes and kronor with thousands grouped: a municipality's month is six-figure minutes,
    // which print as "113 760,00" in Swedish Excel (a comma in the code groups in any locale).
    let minutes = Format::new().set_num_format("#,##0.00").set_border(FormatBorder::Thin);
    let share = Format::new().set_num_format(PERCENT).set_border(FormatBorder::Thin);
    let kronor = Format::new().set_num_format("#,##0").set_border(FormatBorder::Thin);
    let text = Format::new().set_border(FormatBorder::Thin);
    let dash = text.set_align(FormatAlign::Right);
    let mut row = 1u32;
    for supplier in suppliers.iter().copied().chain([ALL]) {
        for i in 0..3 {
            let Some(p) = q.payment(supplier, i) else { continue };
            let shown = if supplier == ALL { MUNICIPALITY } else { supplier };
            sheet.write_string_with_format(row, 0, shown, &text)?;
            sheet.write_string_with_format(row, 1, q.months[i].to_string(), &text)?;
            let hundredths = |v: i64| v as f64 / 100.0;
            let mut cells: Vec<(Option<f64>, &Format)> = vec![
                (Some(hundredths(p.registered)), &minutes),
                (Some(hundredths(p.questioned)), &minutes),
                ((p.registered > 0).then(|| p.questioned as f64 / p.registered as f64), &share),
            ];
            cells.extend(p.per_reason.map(|m| (Some(hundredths(m)), &minutes)));
            cells.extend([
                (p.over_granted.map(hundredths), &minutes),
                (p.invoiced.map(hundredths), &minutes),
                (p.invoice_excess.map(hundredths), &minutes),
                (p.questioned_kronor.map(|k| k as f64), &kronor),
                (p.invoice_excess_kronor.map(|k| k as f64), &kronor),
            ]);
            for (c, (value, format)) in cells.into_iter().enumerate() {
                let col = 2 + c as u16;
                match value {
                    Some(v) => sheet.write_number_with_format(row, col, v, format)?,
                    None => sheet.write_string_with_format(row, col, "–", &dash)?,
                };
            }
            row += 1;
        }
    }
    let notes = [
        "Ett besök ifrågasätts, med hela sin tid och bara en gång, av den första av orsakerna i kolumnordning: under kundens frånvaro, den senare kopian av en dubbelregistrering, samma personal samtidigt hos en annan kund (det senare besöket), manuell registrering utan orsak.",
        "Utöver beviljad tid: per kund den inte ifrågasatta tiden över den beviljade. Fakturerat utan stöd: per kund den fakturerade tiden över den inte ifrågasatta tiden. Belopp med timpriset under [payment] hourly_rate; – där det saknas.",
    ];
    for (k, note) in notes.iter().enumerate() {
        let at = row + 1 + k as u32;
        sheet.merge_range(at, 0, at, columns.len() as u16 - 1, note, &wrapped())?;
        sheet.set_row_height(at, 30)?;
    }
    sheet.set_freeze_panes(1, 2)?;
    print_setup(sheet, title, 1)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The overview's row of the verification sample (SPEC §11), when the supplier has answers
/// in the quarter: per month the share of the random part's answered visits the clients did
/// not confirm. Reported, not judged. The next free row.
fn overview_sample_row(sheet: &mut Worksheet, row: u32, q: &QuarterData, supplier: &str) -> Result<u32, SheetError> {
    if !q.has_sample_answers(&[supplier]) {
        return Ok(row);
    }
    sheet.write_string(row, 0, "Kontrollsamtal: ej bekräftade besök i slumpurvalet")?;
    sheet.write_string(row, 1, "inget krav")?;
    for i in 0..3 {
        let share = q.sample_answers(supplier, i).and_then(|(random, _)| random?.not_confirmed_share());
        let format = status_format(Status::Info);
        match share {
            Some(share) => sheet.write_number_with_format(row, 2 + i as u16, share, &format.set_num_format(PERCENT))?,
            None => sheet.write_string_with_format(row, 2 + i as u16, "–", &format)?,
        };
    }
    Ok(row + 1)
}

/// The verification sample's answers (SPEC §11): per supplier and month with answers read
/// back, the random part (whose share estimates how common unconfirmed visits are) and the
/// risk part.
fn sample_sheet(sheet: &mut Worksheet, q: &QuarterData, suppliers: &[&str], title: &str) -> Result<(), SheetError> {
    sheet.set_name("Kontrollsamtal")?;
    let head = header();
    let columns = [
        ("Utförare", 26.0),
        ("Månad", 9.0),
        ("Slumpurval: dragna", 11.0),
        ("Slumpurval: besvarade", 11.0),
        ("Slumpurval: ej bekräftade", 12.0),
        ("Slumpurval: delvis", 11.0),
        ("Slumpurval: andel ej bekräftade", 13.0),
        ("Riskurval: dragna", 11.0),
        ("Riskurval: besvarade", 11.0),
        ("Riskurval: ej bekräftade", 12.0),
        ("Riskurval: andel ej bekräftade", 13.0),
    ];
    for (c, (name, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &head)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_row_height(0, 60)?;
    let pct = Format::new().set_num_format(PERCENT);
    let mut row = 1u32;
    for supplier in suppliers {
        for i in 0..3 {
            let Some((random, risk)) = q.sample_answers(supplier, i) else { continue };
            sheet.write_string_with_format(row, 0, *supplier, &wrapped())?;
            sheet.write_string(row, 1, q.months[i].to_string())?;
            let mut col = 2u16;
            for (part, with_partly) in [(random, true), (risk, false)] {
                let counts = part.map_or([0; 4], |p| [p.sampled, p.answered, p.not_confirmed, p.partly]);
                let shown = if with_partly { 4 } else { 3 };
                for n in &counts[..shown] {
                    sheet.write_number(row, col, *n)?;
                    col += 1;
                }
                match part.and_then(|p| p.not_confirmed_share()) {
                    Some(share) => sheet.write_number_with_format(row, col, share, &pct)?,
                    None => sheet.write_string(row, col, "–")?,
                };
                col += 1;
            }
            row += 1;
        }
    }
    let note = "Kontrollsamtal: kommunen frågar kunderna om stickprovets besök ägde rum (tidkoll sample). Andelen ej bekräftade i slumpurvalet skattar hur vanligt det är att kunderna inte bekräftar utförarens registreringar; med få svar är skattningen osäker. Riskurvalet väljer besök med flaggor och ifrågasatt tid och visar inte hur vanliga felen är. Inget krav bedöms här.";
    sheet.merge_range(row + 1, 0, row + 1, columns.len() as u16 - 1, note, &wrapped())?;
    sheet.set_row_height(row + 1, 45)?;
    sheet.set_freeze_panes(1, 1)?;
    print_setup(sheet, title, 1)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Every requirement in force, per month as the month was judged.
fn requirements_sheet(sheet: &mut Worksheet, q: &QuarterData, title: &str) -> Result<(), SheetError> {
    sheet.set_name("Krav")?;
    let head = header();
    sheet.write_string_with_format(0, 0, "Nyckeltal", &head)?;
    sheet.write_string_with_format(0, 1, "Id", &head)?;
    for i in 0..3 {
        sheet.write_string_with_format(0, 2 + i as u16, format!("Krav {}", month_header(q, i)), &head)?;
        sheet.set_column_width(2 + i as u16, 28)?;
    }
    sheet.set_column_width(0, 52)?;
    sheet.set_column_width(1, 26)?;
    for (r, figure) in Metric::matrix().enumerate() {
        let row = 1 + r as u32;
        sheet.write_string(row, 0, figure_label(figure))?;
        sheet.write_string(row, 1, figure.id())?;
        for i in 0..3 {
            let text = if q.has_month(i) { requirement_sv(figure, q.requirement(figure, i)) } else { "–".to_string() };
            sheet.write_string(row, 2 + i as u16, text)?;
        }
    }
    let params_row = 2 + Metric::matrix().count() as u32;
    if let Some(config) = (0..3).rev().find_map(|i| q.config(i)) {
        let p = &config.parameters;
        let lines = [
            format!("Minsta antal besök för att bedöma en personal eller kund: {}", p.min_visits),
            format!("Kort besök: under {} minuter; giltig besökstid: 0–{} minuter", p.short_visit_minutes, p.max_valid_minutes),
            format!("Kontinuitetens mätperiod: dag {}–{} i månaden", p.continuity_window[0], p.continuity_window[1]),
            format!("Sista dag för tilläggsrapport: dag {} i följande månad", p.addon_deadline_day),
        ];
        for (k, line) in lines.iter().enumerate() {
            sheet.write_string(params_row + k as u32, 0, line.as_str())?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    print_setup(sheet, title, 1)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// A valid, unique sheet name for a supplier's staff or clients (at most 31 characters, no
/// `[]:*?/\`); in a supplier's own workbook simply "Personal" or "Kunder".
fn sheet_name(supplier: &str, staff: bool, only: bool, used: &mut HashSet<String>) -> String {
    let kind = if staff { "personal" } else { "kunder" };
    if only {
        return if staff { "Personal" } else { "Kunder" }.to_string();
    }
    // Room for the kind and a number that tells apart two suppliers whose names begin alike,
    // counted as Excel counts (an emoji takes two of the 31).
    let room = 31 - 4 - kind.len() - 1;
    let mut clean = String::new();
    let mut units = 0;
    for c in supplier.chars().map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c }) {
        units += c.len_utf16();
        if units > room {
            break;
        }
        clean.push(c);
    }
    let clean = clean.trim_end();
    let mut name = format!("{clean} {kind}");
    let mut n = 2;
    // Excel tells sheet names apart without regard to case.
    while !used.insert(name.to_uppercase()) {
        name = format!("{clean} {n} {kind}");
        n += 1;
    }
    name
}

const STAFF_HEADER: [&str; 10] = [
    "Månad",
    "Personal",
    "Besök",
    "Godkänt kvitterade",
    "Kvittensgrad",
    "Besök med giltig tid",
    "Medel (min)",
    "Median (min)",
    "Andel korta",
    "Flaggade besök",
];
const CLIENT_EXTRA: [&str; 4] = ["Olika personal", "Beviljade minuter", "Utförandegrad", "Personal under mätperioden"];

/// The supplier's staff (or client) figures, month by month: a title and a header row that
/// print on every page, then a row per member and month.
fn breakdown_sheet(sheet: &mut Worksheet, q: &QuarterData, supplier: &str, staff: bool) -> Result<(), SheetError> {
    let head = header();
    let formats = MemberFormats {
        pct: Format::new().set_num_format(PERCENT),
        dec: Format::new().set_num_format(DECIMAL),
        whole: Format::new().set_num_format(WHOLE),
        dash: Format::new().set_align(FormatAlign::Right),
    };
    let bold = Format::new().set_bold().set_font_size(13);
    sheet.set_column_width(0, 8)?;
    sheet.set_column_width(1, 20)?;
    let mut columns: Vec<&str> = STAFF_HEADER.to_vec();
    if !staff {
        columns[1] = "Kund";
        columns.extend(CLIENT_EXTRA);
    }
    // Each figure's column as wide as the longest word of its heading (the heading wraps).
    for (c, name) in columns.iter().enumerate().skip(2) {
        sheet.set_column_width(c as u16, (longest_word(name) + 2).max(8) as f64)?;
    }
    // A number format per column, which a value written without one takes, so that no cell's
    // format is looked up (hashed) for each of a national quarter's millions of member cells.
    // The cells carry the same style as when each is given it.
    for (col, format) in MEMBER_COLUMN_FORMATS {
        if !staff || col < STAFF_HEADER.len() as u16 {
            let format = match format {
                MemberFormat::Percent => &formats.pct,
                MemberFormat::Decimal => &formats.dec,
                MemberFormat::Whole => &formats.whole,
            };
            sheet.set_column_format(col, format)?;
        }
    }
    let title = if staff { format!("Personal – {supplier}") } else { format!("Kunder (pseudonymer) – {supplier}") };
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (c, name) in columns.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *name, &head)?;
    }
    sheet.set_row_height(1, 45)?;
    let mut row = 2u32;
    for i in 0..3 {
        let month = q.months[i].to_string();
        for m in q.members(supplier, i, staff) {
            write_member(sheet, row, &month, m, staff, &formats)?;
            row += 1;
        }
    }
    sheet.set_freeze_panes(2, 2)?;
    Ok(())
}

/// A breakdown sheet's number formats by column; the other columns' numbers are written as
/// they are.
#[derive(Clone, Copy)]
enum MemberFormat {
    Percent,
    Decimal,
    Whole,
}

const MEMBER_COLUMN_FORMATS: [(u16, MemberFormat); 6] = [
    (4, MemberFormat::Percent),
    (6, MemberFormat::Decimal),
    (7, MemberFormat::Decimal),
    (8, MemberFormat::Percent),
    (11, MemberFormat::Whole),
    (12, MemberFormat::Percent),
];

/// The formats of a breakdown sheet's cells, made once per sheet.
struct MemberFormats {
    pct: Format,
    dec: Format,
    whole: Format,
    /// A missing value's dash, right-aligned like the numbers.
    dash: Format,
}

fn write_member(sheet: &mut Worksheet, row: u32, month: &str, m: &MemberRow, staff: bool, f: &MemberFormats) -> Result<(), SheetError> {
    // A missing value is a dash; a value takes its column's format (`MEMBER_COLUMN_FORMATS`).
    let opt = |sheet: &mut Worksheet, col: u16, v: Option<f64>| -> Result<(), SheetError> {
        match v {
            Some(v) => sheet.write_number(row, col, v).map(|_| ()),
            None => sheet.write_string_with_format(row, col, "–", &f.dash).map(|_| ()),
        }
    };
    sheet.write_string(row, 0, month)?;
    sheet.write_string(row, 1, m.member_id.as_str())?;
    let t = &m.tally;
    sheet.write_number(row, 2, t.visits)?;
    sheet.write_number(row, 3, t.checked_in)?;
    opt(sheet, 4, t.checkin_rate())?;
    sheet.write_number(row, 5, t.valid)?;
    opt(sheet, 6, t.minutes_mean())?;
    opt(sheet, 7, m.median)?;
    opt(sheet, 8, t.short_share())?;
    sheet.write_number(row, 9, t.flagged)?;
    if !staff {
        opt(sheet, 10, m.distinct_staff.map(f64::from))?;
        opt(sheet, 11, t.granted.map(|g| g.minutes()))?;
        opt(sheet, 12, t.completion())?;
        opt(sheet, 13, m.continuity_staff.map(f64::from))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel_counted_as_excel_counts_and_differ_without_regard_to_case() {
        let mut used = HashSet::default();
        let emoji = "😀".repeat(18);
        let name = sheet_name(&emoji, true, false, &mut used);
        assert_eq!(name, format!("{} personal", "😀".repeat(9)));
        assert!(crate::report::spreadsheet::excel_len(&name) <= 31);
        assert_eq!(sheet_name("Kund AB", false, false, &mut used), "Kund AB kunder");
        assert_eq!(sheet_name("KUND AB", false, false, &mut used), "KUND AB 2 kunder");
        assert_eq!(sheet_name("ΣA Omsorg", false, false, &mut used), "ΣA Omsorg kunder");
        assert_eq!(sheet_name("ςA Omsorg", false, false, &mut used), "ςA Omsorg 2 kunder");
        assert_eq!(sheet_name("A/B [x]", true, false, &mut used), "A_B _x_ personal");
        assert_eq!(sheet_name("Vilket namn som helst", true, true, &mut used), "Personal");
    }
}

//! The quarterly matrix as one self-contained HTML page (opens offline): the matrix coloured
//! by status and a chart per key figure and flag rate, with the requirement drawn in.

use std::fmt::Write as _;

use anyhow::Result;

use crate::model::Metric;
use crate::model::Status;
use crate::model::ALL;
use crate::period::quarter::QuarterData;
use crate::report::charts::{lines_chart, nothing_to_draw, Line};
use crate::report::labels::{figure_label, format_sv, is_share, join_sv, requirement_sv, status_sv};
use crate::report::xlsx::MUNICIPALITY;

/// The most supplier lines a chart draws (beside the municipality's).
const MAX_LINES: usize = 8;

/// Text made safe for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page's style: status colours as in the workbook.
pub const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #bbb;padding:3px 6px;text-align:right}\
th{background:#f3f3f3}td,th.month{white-space:nowrap}td.name{text-align:left}\
.sticky{position:sticky;left:0;z-index:1;background:#fff}th.sticky{background:#f3f3f3}\
.ok{background:#c6efce}.deviation{background:#ffc7ce;font-weight:bold}.missing{background:#e7e6e6}.info{background:#fff}\
figure{display:inline-block;margin:1em 1em 1em 0;vertical-align:top}figcaption{font-size:13px;color:#555}\
.scroll{overflow-x:auto}";

/// The CSS class of a status.
pub fn status_class(status: Status) -> &'static str {
    status.as_str()
}

/// Every supplier's line of a figure and the municipality's.
fn all_lines(q: &QuarterData, figure: Metric) -> Vec<Line<'_>> {
    q.suppliers
        .iter()
        .map(String::as_str)
        .chain([ALL])
        .map(|s| Line { name: s, values: q.cells(s, figure).iter().map(|c| c.value).collect(), emphasised: s == ALL })
        .collect()
}

/// The matrix page with every supplier.
pub fn matrix_page(q: &QuarterData) -> Result<String> {
    let mut html = String::new();
    let title = format!("Kvartalsmatris {}", q.quarter);
    write!(html, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n")?;
    let months: Vec<String> = (0..3)
        .map(|i| if q.has_month(i) { q.months[i].to_string() } else { format!("{} (ej körd – markerad som saknas)", q.months[i]) })
        .collect();
    writeln!(html, "<p>Månader: {}. Värden och bedömningar är månadskörningarnas. Grön: uppfyllt krav, röd: avvikelse, grå: saknas, vit: information.</p>", escape(&months.join(", ")))?;

    // The supplier column stays in view while the figures scroll sideways.
    html.push_str("<div class=\"scroll\"><table>\n<tr><th rowspan=\"2\" class=\"sticky\">Utförare</th>");
    let figures: Vec<Metric> = Metric::matrix().collect();
    for &figure in &figures {
        write!(html, "<th colspan=\"3\">{}</th>", escape(&figure_label(figure)))?;
    }
    html.push_str("</tr>\n<tr>");
    for _ in &figures {
        for i in 0..3 {
            write!(html, "<th class=\"month\">{}</th>", q.months[i])?;
        }
    }
    html.push_str("</tr>\n");
    let rows = q.suppliers.iter().map(|s| (s.as_str(), s.as_str())).chain([(ALL, MUNICIPALITY)]);
    for (supplier, shown) in rows {
        write!(html, "<tr><td class=\"name sticky\">{}</td>", escape(shown))?;
        for &figure in &figures {
            for (i, cell) in q.cells(supplier, figure).iter().enumerate() {
                let text = if q.has_month(i) { format_sv(figure, cell.value) } else { "ej körd".to_string() };
                write!(html, "<td class=\"{}\" title=\"{}\">{}</td>", status_class(cell.status), status_sv(cell.status), escape(&text))?;
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table></div>\n<h2>Nyckeltal och flaggor över kvartalet</h2>\n");

    let x_labels: Vec<String> = q.months.iter().map(|m| m.to_string()).collect();
    let latest = (0..3).rev().find(|i| q.has_month(*i)).unwrap_or(2);
    // A figure that is 0 (or missing) for everyone in every month gets a line of text instead of
    // a chart, which would be an empty grid.
    let flat: Vec<Metric> = figures.iter().copied().filter(|&f| nothing_to_draw(&all_lines(q, f))).collect();
    if !flat.is_empty() {
        let names: Vec<String> = flat.iter().map(|&f| figure_label(f)).collect();
        writeln!(
            html,
            "<p class=\"flat\">0 eller saknas för alla utförare och hela kommunen alla månader (inget diagram): {}.</p>",
            escape(&join_sv(&names))
        )?;
    }
    for &figure in figures.iter().filter(|f| !flat.contains(f)) {
        // With many suppliers one line each is unreadable: then only the deviating suppliers are
        // drawn beside the municipality, and the table above holds the rest.
        let deviating = |s: &String| q.cells(s, figure).iter().any(|c| c.status == Status::Deviation);
        let shown: Vec<&String> = if q.suppliers.len() <= MAX_LINES {
            q.suppliers.iter().collect()
        } else {
            q.suppliers.iter().filter(|s| deviating(s)).collect()
        };
        let lines: Vec<Line> = shown
            .iter()
            .take(MAX_LINES)
            .map(|s| Line { name: s, values: q.cells(s, figure).iter().map(|c| c.value).collect(), emphasised: false })
            .chain([Line { name: MUNICIPALITY, values: q.cells(ALL, figure).iter().map(|c| c.value).collect(), emphasised: true }])
            .collect();
        let requirement = q.requirement(figure, latest);
        let svg = lines_chart(&figure_label(figure), &x_labels, &lines, requirement, is_share(figure))?;
        let note = if q.suppliers.len() <= MAX_LINES {
            String::new()
        } else if shown.len() > MAX_LINES {
            format!(" Visar {MAX_LINES} av {} utförare med avvikelse; alla finns i tabellen ovan.", shown.len())
        } else {
            format!(" Visar utförarna med avvikelse ({} av {}); alla finns i tabellen ovan.", shown.len(), q.suppliers.len())
        };
        writeln!(
            html,
            "<figure>{svg}<figcaption>Krav: {}.{}</figcaption></figure>",
            escape(&requirement_sv(figure, requirement)),
            escape(&note)
        )?;
    }
    html.push_str("</body>\n</html>\n");
    Ok(html)
}

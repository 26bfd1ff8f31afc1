//! A plain document model — headings, paragraphs, bullet lists and tables — written both as
//! Markdown and as Word, so the two forms of a report cannot say different things.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use docx_rs::{Docx, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow, WidthType};

use crate::report::markdown_text;

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1–3.
    Heading(usize, String),
    Paragraph(String),
    Bullets(Vec<String>),
    /// A table with a header row; `name` is short (a spreadsheet's sheet name).
    Table {
        name: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A document: its blocks in order (the first is normally the level-1 title).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn heading(&mut self, level: usize, text: impl Into<String>) {
        self.blocks.push(Block::Heading(level, text.into()));
    }

    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    pub fn bullets(&mut self, items: Vec<String>) {
        self.blocks.push(Block::Bullets(items));
    }

    pub fn table(&mut self, name: &str, header: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table { name: name.to_string(), header: header.iter().map(|h| h.to_string()).collect(), rows });
    }
}

/// The document as Markdown; every text is escaped, so text from the exports cannot make a
/// table cell, a link or raw HTML.
pub fn to_markdown(doc: &Document) -> String {
    let t = |text: &str| markdown_text(text);
    let mut md = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => writeln!(md, "{} {}\n", "#".repeat((*level).clamp(1, 6)), t(text)),
            Block::Paragraph(text) => writeln!(md, "{}\n", t(text)),
            Block::Bullets(items) => {
                items.iter().for_each(|i| writeln!(md, "- {}", t(i)).expect("writing to a String"));
                writeln!(md)
            }
            Block::Table { header, rows, .. } => {
                let line = |cells: &[String]| format!("| {} |", cells.iter().map(|c| t(c)).collect::<Vec<_>>().join(" | "));
                writeln!(md, "{}", line(header)).expect("writing to a String");
                writeln!(md, "|{}", "---|".repeat(header.len())).expect("writing to a String");
                rows.iter().for_each(|r| writeln!(md, "{}", line(r)).expect("writing to a String"));
                writeln!(md)
            }
        }
        .expect("writing to a String");
    }
    md
}

/// The document as HTML body content; every text is escaped.
pub fn to_html(doc: &Document) -> String {
    let e = crate::report::html::escape;
    let mut html = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => {
                let l = (*level).clamp(1, 6);
                writeln!(html, "<h{l}>{}</h{l}>", e(text))
            }
            Block::Paragraph(text) => writeln!(html, "<p>{}</p>", e(text)),
            Block::Bullets(items) => {
                let items: String = items.iter().map(|i| format!("<li>{}</li>", e(i))).collect();
                writeln!(html, "<ul>{items}</ul>")
            }
            Block::Table { header, rows, .. } => {
                let head: String = header.iter().map(|h| format!("<th>{}</th>", e(h))).collect();
                let body: String = rows
                    .iter()
                    .map(|r| {
                        let cells: String = r
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                // Numbers right-aligned, text (and the first column) left.
                                let number = i > 0 && (c == "–" || c.parse::<f64>().is_ok());
                                if number {
                                    format!("<td>{}</td>", e(c))
                                } else {
                                    format!("<td class=\"name\">{}</td>", e(c))
                                }
                            })
                            .collect();
                        format!("<tr>{cells}</tr>\n")
                    })
                    .collect();
                writeln!(html, "<table>\n<tr>{head}</tr>\n{body}</table>")
            }
        }
        .expect("writing to a String");
    }
    html
}

fn run_paragraph(text: &str, bold: bool) -> Paragraph {
    let run = Run::new().add_text(text);
    Paragraph::new().add_run(if bold { run.bold() } else { run })
}

/// A table 9,000 twips wide (the text width of an A4 page): the first column (a name) 2,200
/// twips when there are more than two, the others sharing the rest.
fn docx_table(header: &[String], rows: &[Vec<String>]) -> Table {
    let n = header.len().max(1);
    let first = if n > 2 { 2200 } else { 9000 / n };
    let other = (9000 - first) / (n - 1).max(1);
    let widths: Vec<usize> = (0..n).map(|i| if i == 0 { first } else { other }).collect();
    let row = |cells: &[String], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| TableCell::new().width(*w, WidthType::Dxa).add_paragraph(run_paragraph(c, bold)))
                .collect(),
        )
    };
    let mut all = vec![row(header, true)];
    all.extend(rows.iter().map(|r| row(r, false)));
    Table::new(all).set_grid(widths.clone()).width(9000, WidthType::Dxa)
}

/// Writes the document as a Word file.
pub fn write_docx(doc: &Document, path: &Path) -> Result<()> {
    let mut docx = Docx::new()
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("Heading 1").size(32).bold().outline_lvl(0))
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("Heading 2").size(26).bold().outline_lvl(1))
        .add_style(Style::new("Heading3", StyleType::Paragraph).name("Heading 3").size(22).bold().outline_lvl(2));
    for block in &doc.blocks {
        docx = match block {
            Block::Heading(level, text) => {
                docx.add_paragraph(Paragraph::new().style(&format!("Heading{}", (*level).clamp(1, 3))).add_run(Run::new().add_text(text)))
            }
            Block::Paragraph(text) => docx.add_paragraph(run_paragraph(text, false)),
            Block::Bullets(items) => items.iter().fold(docx, |d, i| d.add_paragraph(run_paragraph(&format!("• {i}"), false))),
            Block::Table { header, rows, .. } => docx.add_table(docx_table(header, rows)).add_paragraph(Paragraph::new()),
        };
    }
    // Packed in memory and then written, so that a full disk is one error of the file's own
    // (the archive writer, dropped unfinished, would print a line of its own besides).
    let mut packed = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut packed).map_err(|e| anyhow::anyhow!("cannot build {}: {e}", path.display()))?;
    std::fs::write(path, packed.into_inner()).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_every_text_and_draws_tables() {
        let mut doc = Document::default();
        doc.heading(1, "Årsrapport 2025");
        doc.paragraph("Utförare [x](http://y)");
        doc.table("Utförare", &["Utförare", "Antal"], vec![vec!["A | B".into(), "3".into()]]);
        doc.bullets(vec!["<b>".into()]);
        assert_eq!(
            to_markdown(&doc),
            "# Årsrapport 2025\n\nUtförare \\[x\\](http://y)\n\n| Utförare | Antal |\n|---|---|\n| A \\| B | 3 |\n\n- &lt;b&gt;\n\n"
        );
    }
}

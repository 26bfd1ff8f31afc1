//! A plain document model — headings, paragraphs, bullet lists and tables — written both as
//! Markdown and as Word, so the two forms of a report cannot say different things.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, Header, NumPages, PageMargin, PageNum, Paragraph, Pic, Run, Style, StyleType, Table, TableCell,
    TableRow, WidthType,
};

use crate::report::markdown_text;

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1–3.
    Heading(usize, String),
    Paragraph(String),
    /// Lines kept together as one block, each on a line of its own (an address, a closing).
    Lines(Vec<String>),
    /// A chart as PNG, as wide as the text: in Word the image itself, in Markdown a link to
    /// `file` (written beside the document), in HTML nothing (the page draws its own SVG).
    Image {
        file: String,
        png: Vec<u8>,
        width_px: u32,
        height_px: u32,
        caption: String,
    },
    Bullets(Vec<String>),
    /// A table with a header row; `name` is short (a spreadsheet's sheet name). A cell's
    /// lines (`\n`) are lines of their own in Word and HTML, and joined by "; " in Markdown.
    Table {
        name: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// What a document says about itself: the Word file's properties and its running header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties {
    pub title: String,
    /// The author (the municipality); Word shows it under the file's properties.
    pub author: String,
    /// The date the document was made, `YYYY-MM-DD`.
    pub created: String,
    /// The line at the top of every page after the first; none when empty.
    pub running_header: String,
}

/// A document: its blocks in order (the first is normally the level-1 title).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub properties: Properties,
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn heading(&mut self, level: usize, text: impl Into<String>) {
        self.blocks.push(Block::Heading(level, text.into()));
    }

    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    pub fn lines(&mut self, lines: Vec<String>) {
        self.blocks.push(Block::Lines(lines));
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
            // Two spaces at a line's end break the line without a new paragraph.
            Block::Lines(lines) => writeln!(md, "{}\n", lines.iter().map(|l| t(l)).collect::<Vec<_>>().join("  \n")),
            Block::Image { file, caption, .. } => writeln!(md, "![{}]({})\n", t(caption), t(file)),
            Block::Bullets(items) => {
                items.iter().for_each(|i| writeln!(md, "- {}", t(i)).expect("writing to a String"));
                writeln!(md)
            }
            Block::Table { header, rows, .. } => {
                let line =
                    |cells: &[String]| format!("| {} |", cells.iter().map(|c| t(&c.replace('\n', "; "))).collect::<Vec<_>>().join(" | "));
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
            Block::Lines(lines) => writeln!(html, "<p>{}</p>", lines.iter().map(|l| e(l)).collect::<Vec<_>>().join("<br>")),
            Block::Image { .. } => Ok(()),
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
                                // Numbers right-aligned (also `12 345`, `8,9` and `11,6 %`),
                                // text (and the first column) left.
                                let bare = c.strip_suffix(" %").unwrap_or(c).replace(' ', "").replace(',', ".");
                                let number = i > 0 && (c == "–" || (!c.trim().is_empty() && bare.parse::<f64>().is_ok()));
                                if number {
                                    format!("<td>{}</td>", e(c))
                                } else {
                                    format!("<td class=\"name\">{}</td>", e(c).replace('\n', "<br>"))
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

/// The text width of an A4 page with the margins `write_docx` sets, in twips.
const TEXT_WIDTH: usize = 9638;
/// About the width of one character of table text (10 pt), in twips.
const CHAR_TWIPS: usize = 100;
/// A cell's left and right margins together, in twips.
const CELL_PADDING: usize = 230;
/// Cell text longer than this many characters wraps rather than widening its column.
const MAX_WANTED_CHARS: usize = 45;
/// A column whose text is longer than its longest word is given at least this many
/// characters before its text wraps, so that a short phrase stays on one or two lines.
const LEAST_PHRASE_CHARS: usize = 14;

/// A cell's text as Word shows it: the space in a number such as "1 000", and before the
/// percent sign of "90 %", does not break.
fn unbroken_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (k, c) in chars.iter().enumerate() {
        let between_digits =
            k > 0 && k + 1 < chars.len() && chars[k - 1].is_ascii_digit() && (chars[k + 1].is_ascii_digit() || chars[k + 1] == '%');
        out.push(if *c == ' ' && between_digits { '\u{a0}' } else { *c });
    }
    out
}

/// Column widths that fit the content: every column at least as wide as its longest word (so
/// no word or number is broken), then as far as the page allows a short phrase on a line, then
/// its longest text; the page's width shared in that order.
fn column_widths(header: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let n = header.len().max(1);
    let chars = |s: &str| s.chars().count();
    let mut word = vec![3usize; n];
    let mut wanted = vec![3usize; n];
    for (i, cell) in rows.iter().flat_map(|r| r.iter().enumerate()).chain(header.iter().enumerate()) {
        let i = i.min(n - 1);
        word[i] = word[i].max(unbroken_numbers(cell).split(' ').map(chars).max().unwrap_or(0));
        wanted[i] = wanted[i].max(cell.lines().map(chars).max().unwrap_or(0).min(MAX_WANTED_CHARS));
    }
    let twips = |c: usize| c * CHAR_TWIPS + CELL_PADDING;
    let word: Vec<usize> = word.into_iter().map(twips).collect();
    let wanted: Vec<usize> = wanted.into_iter().map(twips).zip(&word).map(|(w, l)| w.max(*l)).collect();
    let phrase: Vec<usize> = word.iter().zip(&wanted).map(|(l, w)| (*l).max((*w).min(twips(LEAST_PHRASE_CHARS)))).collect();
    let sum = |v: &[usize]| v.iter().sum::<usize>();
    if sum(&wanted) <= TEXT_WIDTH {
        // Everything fits on one line: the spare width goes to the columns in proportion.
        return wanted.iter().map(|w| w * TEXT_WIDTH / sum(&wanted)).collect();
    }
    // Grow from the widths that fit towards the next wider ones, in proportion to the need.
    let grow = |from: &[usize], to: &[usize]| -> Vec<usize> {
        let room = TEXT_WIDTH - sum(from);
        let need = sum(to) - sum(from);
        from.iter().zip(to).map(|(f, t)| f + (t - f) * room / need.max(1)).collect()
    };
    if sum(&phrase) <= TEXT_WIDTH {
        return grow(&phrase, &wanted);
    }
    if sum(&word) <= TEXT_WIDTH {
        return grow(&word, &phrase);
    }
    word.iter().map(|w| w * TEXT_WIDTH / sum(&word)).collect()
}

/// A table as wide as the text, its columns fitted to their content; the header row is
/// repeated on every page the table runs over (`mark_header_rows`), and no row is split.
fn docx_table(header: &[String], rows: &[Vec<String>]) -> Table {
    let widths = column_widths(header, rows);
    let row = |cells: &[String], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    c.split('\n').fold(TableCell::new().width(*w, WidthType::Dxa), |cell, line| {
                        let run = Run::new().add_text(unbroken_numbers(line)).size(20);
                        cell.add_paragraph(Paragraph::new().add_run(if bold { run.bold() } else { run }))
                    })
                })
                .collect(),
        )
    };
    let mut all = vec![row(header, true).cant_split()];
    all.extend(rows.iter().map(|r| row(r, false).cant_split()));
    Table::new(all).set_grid(widths.clone()).width(widths.iter().sum(), WidthType::Dxa)
}

/// docx-rs writes no `w:tblHeader`: every row of `docx_table` is marked `cantSplit`, and the
/// first row of each table (its header) gets the repeat flag beside it.
fn mark_header_rows(document_xml: &[u8]) -> Vec<u8> {
    let xml = String::from_utf8_lossy(document_xml);
    let mut parts = xml.split("<w:tbl>");
    let mut out = parts.next().unwrap_or_default().to_string();
    for table in parts {
        out.push_str("<w:tbl>");
        out.push_str(&table.replacen("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />", 1));
    }
    out.into_bytes()
}

/// Text for XML content.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The core properties (title, author, dates) as Word reads them; docx-rs sets only the
/// dates and leaves the author "unknown".
fn core_properties(p: &Properties) -> Vec<u8> {
    let date = if p.created.is_empty() { "1970-01-01".to_string() } else { xml_text(&p.created) };
    let author = xml_text(&p.author);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"#,
            r#"<dc:language>sv-SE</dc:language>"#,
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>"#,
            r#"<cp:revision>1</cp:revision></cp:coreProperties>"#
        ),
        title = xml_text(&p.title),
        author = author,
        date = date
    )
    .into_bytes()
}

/// Writes the document as a Word file: A4, the running header on every page but the first,
/// "Sida n av m" at the foot of every page, the title and author in the file's properties.
pub fn write_docx(doc: &Document, path: &Path) -> Result<()> {
    let small = |text: &str| Run::new().add_text(text).size(18);
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(small("Sida "))
            .add_page_num(PageNum::new())
            .add_run(small(" av "))
            .add_num_pages(NumPages::new()),
    );
    let mut docx = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(1134).bottom(1134).left(1134).right(1134).header(567).footer(567))
        .footer(footer.clone())
        .first_footer(footer)
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("Heading 1").size(32).bold().outline_lvl(0))
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("Heading 2").size(26).bold().outline_lvl(1))
        .add_style(Style::new("Heading3", StyleType::Paragraph).name("Heading 3").size(22).bold().outline_lvl(2));
    if !doc.properties.running_header.is_empty() {
        docx = docx
            .header(
                Header::new().add_paragraph(Paragraph::new().align(AlignmentType::Right).add_run(small(&doc.properties.running_header))),
            )
            .first_header(Header::new());
    }
    for (k, block) in doc.blocks.iter().enumerate() {
        // A heading, and a paragraph that introduces a table, stay on the page of what follows.
        let table_follows = matches!(doc.blocks.get(k + 1), Some(Block::Table { .. }));
        docx = match block {
            Block::Heading(level, text) => docx.add_paragraph(
                Paragraph::new().style(&format!("Heading{}", (*level).clamp(1, 3))).keep_next(true).add_run(Run::new().add_text(text)),
            ),
            Block::Paragraph(text) => docx.add_paragraph(run_paragraph(text, false).keep_next(table_follows)),
            Block::Lines(lines) => {
                let mut run = Run::new();
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        run = run.add_break(BreakType::TextWrapping);
                    }
                    run = run.add_text(line);
                }
                docx.add_paragraph(Paragraph::new().add_run(run))
            }
            Block::Bullets(items) => items.iter().fold(docx, |d, i| d.add_paragraph(run_paragraph(&format!("• {i}"), false))),
            Block::Table { header, rows, .. } => docx.add_table(docx_table(header, rows)).add_paragraph(Paragraph::new()),
            Block::Image { png, width_px, height_px, caption, .. } => {
                // As wide as the text, in EMU (635 to a twip).
                let width = (TEXT_WIDTH * 635) as u32;
                let height = (u64::from(width) * u64::from(*height_px) / u64::from((*width_px).max(1))) as u32;
                let picture = Pic::new_with_dimensions(png.clone(), *width_px, *height_px).size(width, height);
                docx.add_paragraph(Paragraph::new().keep_next(true).add_run(Run::new().add_image(picture)))
                    .add_paragraph(Paragraph::new().add_run(Run::new().add_text(caption).size(18).italic()))
            }
        };
    }
    let mut xml = docx.build();
    xml.document = mark_header_rows(&xml.document);
    xml.doc_props.core = core_properties(&doc.properties);
    // Packed in memory and then written, so that a full disk is one error of the file's own
    // (the archive writer, dropped unfinished, would print a line of its own besides).
    let mut packed = std::io::Cursor::new(Vec::new());
    xml.pack(&mut packed).map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
    std::fs::write(path, packed.into_inner()).with_context(|| format!("{} kan inte skrivas", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_do_not_break_and_columns_fit_their_longest_word() {
        assert_eq!(unbroken_numbers("högst 1 per 1 000 besök"), "högst 1 per 1\u{a0}000 besök");
        assert_eq!(unbroken_numbers("minst 90 %"), "minst 90\u{a0}%");
        let header: Vec<String> = ["Mått", "Krav", "2025-04"].map(String::from).to_vec();
        let rows = vec![["Dubbelregistrering per 1 000 besök", "högst 1 per 1 000 besök", "21,5 (avvikelse)"].map(String::from).to_vec()];
        let widths = column_widths(&header, &rows);
        let total: usize = widths.iter().sum();
        assert!(total <= TEXT_WIDTH && total + widths.len() >= TEXT_WIDTH, "as wide as the text (to a twip per column): {widths:?}");
        let word = |c: usize| c * CHAR_TWIPS + CELL_PADDING;
        assert!(widths[0] >= word("Dubbelregistrering".len()), "{widths:?}");
        assert!(widths[2] >= word("(avvikelse)".len()), "{widths:?}");
    }

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

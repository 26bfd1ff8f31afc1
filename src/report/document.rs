//! A plain document model — headings, paragraphs, bullet lists and tables — written both as
//! Markdown and as Word, so the two forms of a report cannot say different things.

use std::fmt::Write as _;

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

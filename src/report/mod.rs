//! Outputs read by people: one module per output, each a function from results to a file or
//! text, with no computation inside.

pub mod area_chart;
pub mod charts;
pub mod document;
pub mod docx;
pub mod followup;
pub mod guide;
pub mod html;
pub mod investigation;
pub mod labels;
pub mod matrix_csv;
pub mod package;
pub mod plan;
pub mod sample;
pub mod spreadsheet;
pub mod terminal;
pub mod xlsx;
pub mod year;
pub mod year_payment;

pub use crate::store::excel_text;

/// The most suppliers a printed sheet holds with a page of its own each: Excel keeps at most
/// 1,023 page breaks in a sheet, so more suppliers go on to a second sheet.
pub const SUPPLIERS_PER_PRINTED_SHEET: usize = 1000;

/// The characters of the longest word of `text` (words split at spaces): the least width at
/// which a table column shows it without breaking a word.
pub fn longest_word(text: &str) -> usize {
    text.split(' ').map(|w| w.chars().count()).max().unwrap_or(0)
}

/// Text from the exports inside Markdown: characters that would make a table cell, a link,
/// emphasis or raw HTML are escaped, and line breaks become spaces.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_other_text_kept() {
        assert_eq!(excel_text("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for text in ["+1", "-A1", "@SUM(A1)", "\tx"] {
            assert!(excel_text(text).starts_with('\''), "{text}");
        }
        assert_eq!(excel_text("Omsorg Norr AB"), "Omsorg Norr AB");
        assert_eq!(excel_text(""), "");
    }

    #[test]
    fn markdown_cannot_be_injected() {
        assert_eq!(markdown_text("A | B"), "A \\| B");
        assert_eq!(markdown_text("[klick](http://x)"), "\\[klick\\](http://x)");
        assert_eq!(markdown_text("<script>"), "&lt;script&gt;");
        assert_eq!(markdown_text("rad1\nrad2"), "rad1 rad2");
        assert_eq!(markdown_text("Vård AB"), "Vård AB");
    }
}

//! The document model (`report::document`) as a Word file: WordprocessingML written directly
//! into a deflated zip. A4, the running header on every page but the first, "Sida n av m" at
//! the foot of every page, tables whose header row repeats and whose rows do not split, and
//! the title, author and language in the file's properties.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::report::document::{Block, Document, Properties};
use crate::report::package::{push_text, write_package, xml_text, REL, XML_DECLARATION};

/// The text width of an A4 page with the margins of `SECTION`, in twips.
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
/// EMU (the unit of a drawing's size) to a twip.
const EMU_PER_TWIP: u64 = 635;

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
const DRAWING_NS: &str = r#"xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture""#;

/// A4 with 2 cm margins; the header and footer 1 cm from the edge; the first page with a header
/// and footer of its own (`titlePg`).
const SECTION: &str = concat!(
    r#"<w:footerReference w:type="default" r:id="rIdFooter"/><w:footerReference w:type="first" r:id="rIdFooter"/>"#,
    r#"<w:pgSz w:w="11906" w:h="16838"/>"#,
    r#"<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/>"#,
    r#"<w:titlePg/></w:sectPr>"#
);

/// Paragraphs in Swedish; headings of three levels, bold, in Word's outline.
const STYLES: &str = concat!(
    r#"<w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="sv-SE"/></w:rPr></w:rPrDefault></w:docDefaults>"#,
    r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>"#,
    r#"<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>"#,
    r#"<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>"#,
    r#"<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="22"/><w:szCs w:val="22"/></w:rPr></w:style>"#,
    r#"</w:styles>"#
);

/// Word's current layout rules (not "compatibility mode").
const SETTINGS: &str = concat!(
    r#"<w:defaultTabStop w:val="840"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#,
    r#"</w:settings>"#
);

/// "Sida n av m", centred, 9 pt.
const FOOTER: &str = concat!(
    r#"<w:p><w:pPr><w:jc w:val="center"/></w:pPr>"#,
    r#"<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">Sida </w:t></w:r>"#,
    r#"<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t>1</w:t></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>"#,
    r#"<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve"> av </w:t></w:r>"#,
    r#"<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:instrText xml:space="preserve"> NUMPAGES </w:instrText></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t>1</w:t></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>"#,
    r#"</w:p></w:ftr>"#
);

/// A run's look: its size in half-points (none: the paragraph style's) and whether it is bold
/// or italic.
#[derive(Clone, Copy)]
struct Look {
    half_points: Option<u32>,
    bold: bool,
    italic: bool,
}

impl Look {
    const PLAIN: Look = Look { half_points: None, bold: false, italic: false };
    const TABLE: Look = Look { half_points: Some(20), bold: false, italic: false };
    const TABLE_HEADER: Look = Look { half_points: Some(20), bold: true, italic: false };
    const SMALL: Look = Look { half_points: Some(18), bold: false, italic: false };
    const CAPTION: Look = Look { half_points: Some(18), bold: false, italic: true };

    fn push(self, out: &mut String) {
        if self.half_points.is_none() && !self.bold && !self.italic {
            return;
        }
        out.push_str("<w:rPr>");
        if self.bold {
            out.push_str("<w:b/><w:bCs/>");
        }
        if self.italic {
            out.push_str("<w:i/><w:iCs/>");
        }
        if let Some(size) = self.half_points {
            write!(out, r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>"#).expect("writing to a String");
        }
        out.push_str("</w:rPr>");
    }
}

/// One run of text: the lines of `lines` with a line break between them.
fn push_run<'a>(out: &mut String, look: Look, lines: impl IntoIterator<Item = &'a str>) {
    out.push_str("<w:r>");
    look.push(out);
    // A line break or tab inside a text (a setting written on two lines) is Word's own break
    // or tab, not a character of the text.
    for (i, line) in lines.into_iter().flat_map(|l| l.split('\n')).enumerate() {
        if i > 0 {
            out.push_str("<w:br/>");
        }
        for (k, part) in line.split('\t').enumerate() {
            if k > 0 {
                out.push_str("<w:tab/>");
            }
            out.push_str(r#"<w:t xml:space="preserve">"#);
            push_text(out, part.trim_end_matches('\r'));
            out.push_str("</w:t>");
        }
    }
    out.push_str("</w:r>");
}

/// A paragraph of one run of `lines`, with its style and whether it stays on the page of the
/// next one.
fn push_paragraph<'a>(out: &mut String, style: Option<&str>, keep_next: bool, look: Look, lines: impl IntoIterator<Item = &'a str>) {
    out.push_str("<w:p>");
    if style.is_some() || keep_next {
        out.push_str("<w:pPr>");
        if let Some(style) = style {
            write!(out, r#"<w:pStyle w:val="{style}"/>"#).expect("writing to a String");
        }
        if keep_next {
            out.push_str("<w:keepNext/>");
        }
        out.push_str("</w:pPr>");
    }
    push_run(out, look, lines);
    out.push_str("</w:p>");
}

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
        word[i] = word[i].max(crate::report::longest_word(&unbroken_numbers(cell)));
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
    // Some word is too long for the page (a supplier name without spaces): the widest columns
    // are cut to one width, as wide as the page then allows, and the others keep their longest
    // word whole; only the cut columns' words wrap.
    let cap = (0..=TEXT_WIDTH).rev().find(|&c| word.iter().map(|w| (*w).min(c)).sum::<usize>() <= TEXT_WIDTH).unwrap_or(0);
    let capped: Vec<usize> = word.iter().map(|w| (*w).min(cap)).collect();
    if capped.iter().all(|w| *w == cap) {
        // Every column is cut: they share the page alike.
        return vec![TEXT_WIDTH / n; n];
    }
    capped
}

/// A table as wide as the text with thin borders, its columns fitted to their content; the
/// header row repeats on every page the table runs over, and no row is split. A cell's lines
/// are paragraphs of their own.
fn push_table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let widths = column_widths(header, rows);
    write!(out, r#"<w:tbl><w:tblPr><w:tblW w:w="{}" w:type="dxa"/><w:tblBorders>"#, widths.iter().sum::<usize>())
        .expect("writing to a String");
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        write!(out, r#"<w:{side} w:val="single" w:sz="2" w:space="0" w:color="000000"/>"#).expect("writing to a String");
    }
    out.push_str(r#"</w:tblBorders></w:tblPr><w:tblGrid>"#);
    for w in &widths {
        write!(out, r#"<w:gridCol w:w="{w}"/>"#).expect("writing to a String");
    }
    out.push_str("</w:tblGrid>");
    let row = |out: &mut String, cells: &[String], is_header: bool| {
        out.push_str(if is_header {
            "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        } else {
            "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        });
        for (cell, width) in cells.iter().zip(&widths) {
            write!(out, r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>"#).expect("writing to a String");
            for line in cell.split('\n') {
                push_paragraph(
                    out,
                    None,
                    false,
                    if is_header { Look::TABLE_HEADER } else { Look::TABLE },
                    [unbroken_numbers(line).as_str()],
                );
            }
            out.push_str("</w:tc>");
        }
        out.push_str("</w:tr>");
    };
    row(out, header, true);
    for r in rows {
        row(out, r, false);
    }
    out.push_str("</w:tbl>");
}

/// A picture as wide as the text, in its own paragraph that stays with its caption.
fn push_image(out: &mut String, number: usize, width_px: u32, height_px: u32) {
    let width = TEXT_WIDTH as u64 * EMU_PER_TWIP;
    let height = width * u64::from(height_px) / u64::from(width_px.max(1));
    write!(
        out,
        concat!(
            r#"<w:p><w:pPr><w:keepNext/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">"#,
            r#"<wp:extent cx="{w}" cy="{h}"/><wp:docPr id="{n}" name="Diagram {n}"/>"#,
            r#"<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>"#,
            r#"<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>"#,
            r#"<pic:nvPicPr><pic:cNvPr id="{n}" name="diagram{n}.png"/><pic:cNvPicPr/></pic:nvPicPr>"#,
            r#"<pic:blipFill><a:blip r:embed="rIdImage{n}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"#,
            r#"<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{w}" cy="{h}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>"#,
            r#"</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
        ),
        w = width,
        h = height,
        n = number
    )
    .expect("writing to a String");
}

/// `word/document.xml`, and the pictures in the order they are numbered.
fn document_xml(doc: &Document) -> (String, Vec<&[u8]>) {
    let mut out = String::with_capacity(64 * 1024);
    write!(out, "{XML_DECLARATION}<w:document {W_NS} {DRAWING_NS}><w:body>").expect("writing to a String");
    let mut images = Vec::new();
    for (k, block) in doc.blocks.iter().enumerate() {
        // A heading, and a paragraph that introduces a table, stay on the page of what follows.
        let table_follows = matches!(doc.blocks.get(k + 1), Some(Block::Table { .. }));
        match block {
            Block::Heading(level, text) => {
                let style = format!("Heading{}", (*level).clamp(1, 3));
                push_paragraph(&mut out, Some(&style), true, Look::PLAIN, [text.as_str()]);
            }
            Block::Paragraph(text) => push_paragraph(&mut out, None, table_follows, Look::PLAIN, [text.as_str()]),
            Block::Lines(lines) => push_paragraph(&mut out, None, false, Look::PLAIN, lines.iter().map(String::as_str)),
            Block::Bullets(items) => {
                items.iter().for_each(|i| push_paragraph(&mut out, None, false, Look::PLAIN, [format!("• {i}").as_str()]))
            }
            Block::Table { header, rows, .. } => {
                push_table(&mut out, header, rows);
                out.push_str("<w:p/>");
            }
            Block::Image { png, width_px, height_px, caption, .. } => {
                images.push(png.as_slice());
                push_image(&mut out, images.len(), *width_px, *height_px);
                push_paragraph(&mut out, None, false, Look::CAPTION, [caption.as_str()]);
            }
        }
    }
    out.push_str("<w:sectPr>");
    if !doc.properties.running_header.is_empty() {
        out.push_str(r#"<w:headerReference w:type="default" r:id="rIdHeader"/><w:headerReference w:type="first" r:id="rIdFirstHeader"/>"#);
    }
    out.push_str(SECTION);
    out.push_str("</w:body></w:document>");
    (out, images)
}

/// The core properties (title, author, language, dates) as Word reads them.
fn core_properties(p: &Properties) -> String {
    let date = if p.created.is_empty() { "1970-01-01".to_string() } else { xml_text(&p.created) };
    let author = xml_text(&p.author);
    format!(
        concat!(
            r#"{declaration}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"#,
            r#"<dc:language>sv-SE</dc:language>"#,
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>"#,
            r#"<cp:revision>1</cp:revision></cp:coreProperties>"#
        ),
        declaration = XML_DECLARATION,
        title = xml_text(&p.title),
        author = author,
        date = date
    )
}

/// The package's parts, each name with its text or bytes, in the order they are zipped.
fn parts(doc: &Document) -> Vec<(String, Vec<u8>)> {
    let (document, images) = document_xml(doc);
    let header = !doc.properties.running_header.is_empty();
    let mut types = format!(
        concat!(
            r#"{}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>"#,
            r#"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#,
            r#"<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>"#,
            r#"<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>"#,
            r#"<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>"#,
            r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#,
            r#"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        ),
        XML_DECLARATION
    );
    let mut relations = format!(
        concat!(
            r#"{}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
            r#"<Relationship Id="rIdStyles" Type="{rel}/styles" Target="styles.xml"/>"#,
            r#"<Relationship Id="rIdSettings" Type="{rel}/settings" Target="settings.xml"/>"#,
            r#"<Relationship Id="rIdFooter" Type="{rel}/footer" Target="footer1.xml"/>"#
        ),
        XML_DECLARATION,
        rel = REL
    );
    if header {
        for name in ["header1", "header2"] {
            write!(
                types,
                r#"<Override PartName="/word/{name}.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>"#
            )
            .expect("writing to a String");
        }
        write!(
            relations,
            r#"<Relationship Id="rIdHeader" Type="{REL}/header" Target="header1.xml"/><Relationship Id="rIdFirstHeader" Type="{REL}/header" Target="header2.xml"/>"#
        )
        .expect("writing to a String");
    }
    for n in 1..=images.len() {
        write!(relations, r#"<Relationship Id="rIdImage{n}" Type="{REL}/image" Target="media/image{n}.png"/>"#)
            .expect("writing to a String");
    }
    types.push_str("</Types>");
    relations.push_str("</Relationships>");
    let root_relations = format!(
        concat!(
            r#"{}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
            r#"<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/>"#,
            r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
            r#"<Relationship Id="rId3" Type="{rel}/extended-properties" Target="docProps/app.xml"/>"#,
            r#"</Relationships>"#
        ),
        XML_DECLARATION,
        rel = REL
    );
    let app = format!(
        r#"{XML_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>tidkoll</Application></Properties>"#
    );
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), types.into_bytes()),
        ("_rels/.rels".into(), root_relations.into_bytes()),
        ("docProps/core.xml".into(), core_properties(&doc.properties).into_bytes()),
        ("docProps/app.xml".into(), app.into_bytes()),
        ("word/document.xml".into(), document.into_bytes()),
        ("word/_rels/document.xml.rels".into(), relations.into_bytes()),
        ("word/styles.xml".into(), format!("{XML_DECLARATION}<w:styles {W_NS}>{STYLES}").into_bytes()),
        ("word/settings.xml".into(), format!("{XML_DECLARATION}<w:settings {W_NS}>{SETTINGS}").into_bytes()),
        ("word/footer1.xml".into(), format!("{XML_DECLARATION}<w:ftr {W_NS}>{FOOTER}").into_bytes()),
    ];
    if header {
        let mut running = format!(r#"{XML_DECLARATION}<w:hdr {W_NS}><w:p><w:pPr><w:jc w:val="right"/></w:pPr>"#);
        push_run(&mut running, Look::SMALL, [doc.properties.running_header.as_str()]);
        running.push_str("</w:p></w:hdr>");
        parts.push(("word/header1.xml".into(), running.into_bytes()));
        parts.push(("word/header2.xml".into(), format!("{XML_DECLARATION}<w:hdr {W_NS}><w:p/></w:hdr>").into_bytes()));
    }
    for (n, png) in images.iter().enumerate() {
        parts.push((format!("word/media/image{}.png", n + 1), png.to_vec()));
    }
    parts
}

/// Writes the document as a Word file (see the module's description).
pub fn write_docx(doc: &Document, path: &Path) -> Result<()> {
    write_package(path, parts(doc))
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
    fn a_word_wider_than_the_page_leaves_the_other_columns_their_longest_word() {
        let word = |c: usize| c * CHAR_TWIPS + CELL_PADDING;
        let name = format!("Trygg{}", "Vård".repeat(80));
        let header: Vec<String> = ["Uppgift", ""].map(String::from).to_vec();
        let rows = vec![vec!["Diarienummer / referens".to_string(), name.clone()], vec!["Utförare".to_string(), name]];
        let widths = column_widths(&header, &rows);
        assert_eq!(widths[0], word("Diarienummer".len()), "{widths:?}");
        assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH, "{widths:?}");
        // Five number columns beside a long name: each number stays whole.
        let header: Vec<String> = ["Utförare", "Registrerad", "Ifrågasatt", "Andel", "Fakturerad"].map(String::from).to_vec();
        let rows = vec![vec![
            "Omsorgsbolaget_i_Norrland_Aktiebolag_556677-8899_Avdelning_Hemtjänst_Norra".to_string(),
            "49 852".into(),
            "5 806".into(),
            "11,6 %".into(),
            "50 000".into(),
        ]];
        let widths = column_widths(&header, &rows);
        assert!(widths[1..].iter().zip(&header[1..]).all(|(w, h)| *w >= word(h.chars().count())), "{widths:?}");
        assert!(widths.iter().sum::<usize>() <= TEXT_WIDTH, "{widths:?}");
        // Only long words everywhere: the page shared alike.
        let long = "X".repeat(200);
        assert_eq!(column_widths(&[long.clone(), long], &[]), vec![TEXT_WIDTH / 2; 2]);
    }

    #[test]
    fn text_from_the_exports_is_escaped_and_control_characters_replaced() {
        let mut out = String::new();
        push_text(&mut out, "A & B <AB> \"x\"\u{1}\u{7}\tå");
        assert_eq!(out, "A &amp; B &lt;AB&gt; &quot;x&quot;\u{fffd}\u{fffd}\tå");
    }

    #[test]
    fn a_document_is_one_body_with_its_blocks_in_order() {
        let mut doc = Document::default();
        doc.heading(2, "Rubrik & mer");
        doc.paragraph("Inledning");
        doc.table("T", &["Mått", "Värde"], vec![vec!["a\nb".into(), "1 000".into()]]);
        doc.lines(vec!["Rad 1".into(), "Rad 2".into()]);
        doc.blocks.push(Block::Image { file: "d.png".into(), png: vec![1, 2, 3], width_px: 200, height_px: 100, caption: "Bild".into() });
        let (xml, images) = document_xml(&doc);
        assert_eq!(images, [&[1u8, 2, 3][..]]);
        let body = xml.split("<w:body>").nth(1).unwrap();
        let expected = concat!(
            r#"<w:p><w:pPr><w:pStyle w:val="Heading2"/><w:keepNext/></w:pPr><w:r><w:t xml:space="preserve">Rubrik &amp; mer</w:t></w:r></w:p>"#,
            r#"<w:p><w:pPr><w:keepNext/></w:pPr><w:r><w:t xml:space="preserve">Inledning</w:t></w:r></w:p><w:tbl>"#
        );
        assert!(body.starts_with(expected), "{body}");
        // The header row repeats; a cell's two lines are two paragraphs; numbers do not break.
        assert!(body.contains(r#"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"#), "{body}");
        assert_eq!(body.matches("<w:tblHeader/>").count(), 1);
        assert!(body.contains(r#"<w:t xml:space="preserve">a</w:t></w:r></w:p><w:p><w:r><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr><w:t xml:space="preserve">b</w:t>"#), "{body}");
        assert!(body.contains("1\u{a0}000"), "{body}");
        assert!(body.contains(r#"<w:t xml:space="preserve">Rad 1</w:t><w:br/><w:t xml:space="preserve">Rad 2</w:t>"#), "{body}");
        let mut run = String::new();
        push_run(&mut run, Look::PLAIN, ["Enhet\r\nAvdelning\tNorr"]);
        assert_eq!(
            run,
            r#"<w:r><w:t xml:space="preserve">Enhet</w:t><w:br/><w:t xml:space="preserve">Avdelning</w:t><w:tab/><w:t xml:space="preserve">Norr</w:t></w:r>"#
        );
        // The picture as wide as the text, its height in proportion.
        assert!(body.contains(&format!(r#"<wp:extent cx="{}" cy="{}"/>"#, 9638 * 635, 9638 * 635 / 2)), "{body}");
        assert!(body.contains(r#"<a:blip r:embed="rIdImage1"/>"#), "{body}");
        assert!(body.ends_with(&format!("<w:sectPr>{SECTION}</w:body></w:document>")), "no running header: {body}");
    }

    #[test]
    fn the_file_holds_every_part_its_relations_name() {
        let mut doc = Document {
            properties: Properties {
                title: "Årsrapport".into(),
                author: "Kommunen".into(),
                created: "2026-12-07".into(),
                running_header: "Sidhuvud".into(),
            },
            blocks: Vec::new(),
        };
        doc.paragraph("Text");
        for png in [vec![7u8; 40], vec![8u8; 50]] {
            doc.blocks.push(Block::Image { file: "d.png".into(), png, width_px: 10, height_px: 5, caption: "Bild".into() });
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.docx");
        write_docx(&doc, &path).unwrap();
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let names: Vec<String> = archive.file_names().map(String::from).collect();
        let read = |archive: &mut zip::ZipArchive<std::fs::File>, name: &str| {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(name).unwrap(), &mut bytes).unwrap();
            bytes
        };
        assert_eq!(read(&mut archive, "word/media/image2.png"), vec![8u8; 50]);
        let relations = String::from_utf8(read(&mut archive, "word/_rels/document.xml.rels")).unwrap();
        for target in relations.split("Target=\"").skip(1).map(|t| t.split('"').next().unwrap()) {
            assert!(names.contains(&format!("word/{target}")), "{target} named but missing: {names:?}");
        }
        let types = String::from_utf8(read(&mut archive, "[Content_Types].xml")).unwrap();
        for part in names.iter().filter(|n| n.ends_with(".xml") && !n.starts_with('[')) {
            assert!(types.contains(&format!("PartName=\"/{part}\"")), "{part} has no content type");
        }
        let header = String::from_utf8(read(&mut archive, "word/header1.xml")).unwrap();
        assert!(header.contains(">Sidhuvud</w:t>"), "{header}");
        let core = String::from_utf8(read(&mut archive, "docProps/core.xml")).unwrap();
        assert!(core.contains("<dc:title>Årsrapport</dc:title><dc:creator>Kommunen</dc:creator>"), "{core}");
    }
}

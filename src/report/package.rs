//! What the Word and Excel files share: XML text escaped for Office Open XML, and the parts of
//! a package zipped deterministically (no dates, a fixed deflate level) and written.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;

pub const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// The relationship types of the office document parts.
pub const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The zip level of the parts: their XML deflates to about a tenth at level 1, several times
/// faster than the usual 6, and a quarter writes hundreds of plans and workbooks.
const ZIP_LEVEL: i64 = 1;

/// Text for XML content and attribute values. A character XML 1.0 cannot hold (a control
/// character from an export) is shown as the replacement character rather than making a file
/// Word or Excel refuses to open.
pub fn push_text(out: &mut String, text: &str) {
    // Most text needs no escaping: copied whole.
    if !text.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'"') || b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0xEF) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_text(&mut out, text);
    out
}

/// Zips `parts` (each name with its bytes, in order) and writes the package to `path`. Packed
/// in memory first, so that a full disk is one error of the file's own. PNG parts are stored,
/// being compressed already.
pub fn write_package(path: &Path, parts: Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(ZIP_LEVEL))
        .last_modified_time(zip::DateTime::default());
    let build = |zip: &mut zip::ZipWriter<_>| -> zip::result::ZipResult<()> {
        for (name, bytes) in parts {
            let options = if name.ends_with(".png") {
                options.compression_method(zip::CompressionMethod::Stored).compression_level(None)
            } else {
                options
            };
            zip.start_file(name, options)?;
            zip.write_all(&bytes)?;
        }
        Ok(())
    };
    build(&mut zip).map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
    let packed = zip.finish().map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
    std::fs::write(path, packed.into_inner()).with_context(|| format!("{} kan inte skrivas", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_characters_xml_cannot_hold_are_replaced() {
        assert_eq!(xml_text("Vård & <Omsorg> \"AB\""), "Vård &amp; &lt;Omsorg&gt; &quot;AB&quot;");
        assert_eq!(xml_text("a\u{1}b\tc\nd\re\u{ffff}"), "a\u{fffd}b\tc\nd\re\u{fffd}");
        assert_eq!(xml_text("plain åäö"), "plain åäö");
        // U+FEFF begins with 0xEF like U+FFFF and is kept.
        assert_eq!(xml_text("\u{feff}x"), "\u{feff}x");
    }
}

//! One export file: mapped once, hashed, its encoding and delimiter detected, its header
//! matched to canonical columns, its records handed out with line numbers and raw text.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Result;
use memmap2::Mmap;
use sha2::{Digest, Sha256};

use super::records::{Fields, Records};
use crate::config::InputConfig;
use crate::error::{refused, usage};
use crate::model::InputKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// A file's bytes: mapped (never copied whole), or, for a UTF-16 export, decoded once into
/// UTF-8 in memory.
enum Bytes {
    Mapped(Mmap),
    Decoded { utf8: Vec<u8>, sha256: String },
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Decoded { utf8, .. } => utf8,
        }
    }
}

/// What the first bytes of a file say it is, when it is no text export: a refusal naming what
/// it looks like and what to do.
fn not_text(bytes: &[u8], kind: InputKind, shown: &str) -> Option<String> {
    let what = if bytes.starts_with(b"\x1f\x8b") {
        "är komprimerad med gzip (.gz); packa upp den först (till exempel med 7-Zip eller `gunzip`) och ange den uppackade filen"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "är ett zip-arkiv, inte en Excel-arbetsbok; packa upp det och ange exporten som ligger i det"
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        "är en gammal Excel-arbetsbok (.xls); spara bladet som CSV (UTF-8) eller .xlsx och ange den filen"
    } else if bytes.starts_with(b"%PDF") {
        "är ett PDF-dokument, ingen export; exportera registreringarna som CSV"
    } else if bytes.starts_with(b"BZh") && bytes.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        "är komprimerad med bzip2 (.bz2); packa upp den först (till exempel med 7-Zip) och ange den uppackade filen"
    } else if bytes.starts_with(b"\xFD7zXZ\x00") {
        "är komprimerad med xz (.xz); packa upp den först (till exempel med 7-Zip) och ange den uppackade filen"
    } else if bytes.starts_with(b"\x28\xB5\x2F\xFD") {
        "är komprimerad med zstd (.zst); packa upp den först (till exempel med 7-Zip) och ange den uppackade filen"
    } else if bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
        "är ett 7-Zip-arkiv; packa upp det och ange exporten i det"
    } else if !bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF") && nul_bytes(&bytes[..bytes.len().min(4096)]) >= 8 {
        // A text export holds no NUL bytes (UTF-16 is recognised by its byte-order mark); one
        // stray NUL in a field rejects its row, many make a binary file.
        "är ingen textfil (den innehåller NUL-byte): ange själva CSV-exporten, eller spara den igen som UTF-8 om den är UTF-16-text utan byte-ordningsmärke"
    } else {
        return None;
    };
    Some(format!("{} {shown} {what}", kind.file_sv()))
}

fn nul_bytes(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == 0).count()
}

/// A UTF-16 file (recognised by its byte-order mark) as UTF-8 bytes, or why it cannot be read.
fn utf16_to_utf8(bytes: &[u8]) -> Option<Result<Vec<u8>, String>> {
    let encoding = if bytes.starts_with(b"\xFF\xFE") {
        encoding_rs::UTF_16LE
    } else if bytes.starts_with(b"\xFE\xFF") {
        encoding_rs::UTF_16BE
    } else {
        return None;
    };
    let (text, malformed) = encoding.decode_with_bom_removal(bytes);
    Some(if malformed {
        Err("är märkt som UTF-16 men innehåller byte som inte är UTF-16-text; exportera den igen som UTF-8".to_string())
    } else {
        Ok(text.into_owned().into_bytes())
    })
}

/// An input file opened for reading. The file's bytes are mapped, never copied whole (a
/// UTF-16 file excepted: it is decoded into UTF-8 once).
pub struct Source {
    pub path: PathBuf,
    /// How the file is named in rejects, accounting and synthetic visit ids (any personnummer
    /// in the file name replaced by its pseudonym).
    pub name: String,
    /// The path as messages show it, personnummer replaced likewise.
    pub shown: String,
    bytes: Bytes,
    body_start: usize,
    pub encoding: TextEncoding,
    /// A visits file taken for UTF-8 without checking it whole first: each chunk checks its
    /// own bytes as it reads them (one pass over the file instead of two), and a file that is
    /// not UTF-8 after all is read again as Windows-1252, as if it had been checked first.
    pub utf8_unchecked: bool,
    pub delimiter: u8,
    /// An Excel workbook read as CSV text (line numbers are the sheet's row numbers).
    pub workbook: bool,
    /// Length in bytes when opened, to detect a file that changes while it is read.
    pub size: u64,
    /// Modification time when opened, to detect a rewrite of the same length.
    modified: Option<std::time::SystemTime>,
}

impl Source {
    /// Opens `path` as a `kind` file; a missing path, a
    /// directory or an empty file is refused (exit 3) with what to do.
    pub fn open(path: &Path, name: String, shown: String, kind: InputKind, input: &InputConfig) -> Result<Source> {
        let meta = std::fs::metadata(path)
            .map_err(|e| refused(format!("{} {shown} kan inte läsas ({e}); kontrollera sökvägen efter --{kind}", kind.file_sv())))?;
        if meta.is_dir() {
            return Err(refused(format!("{} {shown} är en mapp; ange sökvägen till själva exportfilen", kind.file_sv())));
        }
        if meta.len() == 0 {
            return Err(refused(format!(
                "{} {shown} är tom (0 byte); exportera filen igen, den ska börja med en rubrikrad",
                kind.file_sv()
            )));
        }
        let file = File::open(path).map_err(|e| refused(format!("{} {shown} kan inte öppnas ({e})", kind.file_sv())))?;
        // SAFETY: the map is read-only; a file truncated by another process while mapped is
        // guarded against by comparing its size and modification time before and after reading
        // (`check_unchanged`).
        let map = unsafe { Mmap::map(&file) }.map_err(|e| refused(format!("{} {shown} kan inte läsas ({e})", kind.file_sv())))?;
        let workbook = super::workbook::is_workbook(&map);
        if workbook {
            if let Some(unpacked) = super::workbook::unpacked_cell_bytes(&map) {
                super::check_workbook_memory(unpacked, meta.len(), kind, &shown)?;
            }
            let csv = super::workbook::sheet_as_csv(&map, &input.sheet, kind)
                .map_err(|why| refused(format!("{} {shown} {why}", kind.file_sv())))?;
            return Ok(Source {
                path: path.to_path_buf(),
                name,
                shown,
                bytes: Bytes::Decoded { utf8: csv, sha256: sha256_hex(&map) },
                body_start: 0,
                encoding: TextEncoding::Utf8,
                utf8_unchecked: false,
                delimiter: b',',
                workbook: true,
                size: meta.len(),
                modified: meta.modified().ok(),
            });
        }
        if let Some(message) = not_text(&map, kind, &shown) {
            return Err(refused(message));
        }
        let (bytes, utf16) = match utf16_to_utf8(&map) {
            None => (Bytes::Mapped(map), false),
            Some(Ok(utf8)) => (Bytes::Decoded { utf8, sha256: sha256_hex(&map) }, true),
            Some(Err(why)) => return Err(refused(format!("{} {shown} {why}", kind.file_sv()))),
        };
        let body_start = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let (encoding, utf8_unchecked) = match input.encoding.to_ascii_lowercase().as_str() {
            _ if utf16 => (TextEncoding::Utf8, false),
            "utf-8" | "utf8" => (TextEncoding::Utf8, false),
            "windows-1252" | "cp1252" | "iso-8859-1" | "latin1" => (TextEncoding::Windows1252, false),
            _ if body_start == 3 => (TextEncoding::Utf8, false),
            // A visits file is checked chunk by chunk as it is read (`fits_encoding`).
            _ if kind == InputKind::Visits => (TextEncoding::Utf8, true),
            _ if valid_utf8(&bytes[body_start..]) => (TextEncoding::Utf8, false),
            _ => (TextEncoding::Windows1252, false),
        };
        let delimiter = match input.delimiter.as_str() {
            "," => b',',
            ";" => b';',
            "\t" => b'\t',
            _ => sniff_delimiter(&bytes[body_start..]),
        };
        Ok(Source {
            path: path.to_path_buf(),
            name,
            shown,
            bytes,
            body_start,
            encoding,
            utf8_unchecked,
            delimiter,
            workbook: false,
            size: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// Every record of the file.
    pub fn records(&self) -> Records<'_> {
        Records::chunk(self.body(), self.delimiter, 0, self.body().len(), 1)
    }

    /// The same visits file opened again as Windows-1252: it was taken for UTF-8 unchecked,
    /// and some of its bytes are not.
    pub fn reopened_as_windows_1252(&self, input: &InputConfig) -> Result<Source> {
        let input = InputConfig { encoding: "windows-1252".into(), ..input.clone() };
        Source::open(&self.path, self.name.clone(), self.shown.clone(), InputKind::Visits, &input)
    }

    /// Whether `body[start..end]` may be read as the file's encoding says: false only where a
    /// visits file taken for UTF-8 unchecked holds bytes that are not (then it is Windows-1252).
    pub fn fits_encoding(&self, start: usize, end: usize) -> bool {
        !self.utf8_unchecked || simdutf8::basic::from_utf8(&self.body()[start..end]).is_ok()
    }

    pub fn body(&self) -> &[u8] {
        &self.bytes[self.body_start..]
    }

    /// SHA-256 of the whole file as it lies on disk, in hex. The pages read are let go as it
    /// goes, so hashing a large file does not hold it in memory.
    pub fn sha256(&self) -> String {
        if let Bytes::Decoded { sha256, .. } = &self.bytes {
            return sha256.clone();
        }
        const PIECE: usize = 64 << 20;
        let mut hasher = Sha256::new();
        for (i, piece) in self.bytes.chunks(PIECE).enumerate() {
            hasher.update(piece);
            self.release_mapped(i * PIECE, piece.len());
        }
        crate::privacy::hex(&hasher.finalize())
    }

    /// Lets go of the memory holding `body[start..end]` once it has been read: the pages are
    /// file-backed and come back from the page cache if touched again (a duplicate's raw line).
    pub fn release(&self, start: usize, end: usize) {
        self.release_mapped(self.body_start + start, end.saturating_sub(start));
    }

    fn release_mapped(&self, offset: usize, len: usize) {
        let Bytes::Mapped(map) = &self.bytes else { return };
        #[cfg(unix)]
        if len > 0 {
            // SAFETY: the map is private and read-only and nothing writes to it; MADV_DONTNEED
            // only drops its pages from this process, and a later read maps the same file
            // bytes again. A file changed meanwhile is the general hazard of mapping files,
            // caught by `check_unchanged`.
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len) };
        }
        #[cfg(not(unix))]
        let _ = (map, offset, len);
    }

    /// Refuses the file when it changed on disk while it was being read: another length or
    /// another modification time (a rewrite of the same length), or gone altogether.
    pub fn check_unchanged(&self) -> Result<()> {
        let again = "vänta tills exporten är klar och kör igen";
        let shown = &self.shown;
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) => return Err(refused(format!("{shown} försvann medan den lästes ({e}); {again}"))),
        };
        if meta.len() != self.size {
            return Err(refused(format!("{shown} ändrades medan den lästes ({} byte, nu {}); {again}", self.size, meta.len())));
        }
        if meta.modified().ok() != self.modified {
            return Err(refused(format!("{shown} skrevs om medan den lästes (samma storlek, ny ändringstid); {again}")));
        }
        Ok(())
    }

    pub fn decode<'a>(&self, field: &'a [u8]) -> Result<Cow<'a, str>, String> {
        decode(self.encoding, field)
    }

    /// A raw line as text, for the rejects file (invalid bytes shown as U+FFFD).
    pub fn raw_text(&self, start: usize, end: usize) -> String {
        let body = self.body();
        let mut raw = &body[start.min(body.len())..end.min(body.len())];
        while let [rest @ .., b'\r' | b'\n'] = raw {
            raw = rest;
        }
        match self.encoding {
            TextEncoding::Utf8 => String::from_utf8_lossy(raw).into_owned(),
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0.into_owned(),
        }
    }
}

/// Text with every control character but tab and line breaks, and every noncharacter, shown
/// as `U+FFFD`, for files and the terminal.
pub fn printable(text: &str) -> String {
    let replaced = |c: char| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_noncharacter(c);
    text.chars().map(|c| if replaced(c) { '\u{FFFD}' } else { c }).collect()
}

/// `printable`, with the tab and line breaks it keeps shown as `\t`, `\n` and `\r`: for a
/// name in a message (a file's, a column's, a supplier's as typed), which a line break would
/// cut and a carriage return let the rest of the line overwrite.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// SHA-256 of bytes, in hex.
fn sha256_hex(bytes: &[u8]) -> String {
    crate::privacy::hex(&Sha256::digest(bytes))
}

/// Whether `bytes` are UTF-8, checked in pieces on all threads: a piece ends after a newline,
/// which never sits inside a multi-byte character, so the pieces are valid exactly when the
/// whole is.
fn valid_utf8(bytes: &[u8]) -> bool {
    use rayon::prelude::*;
    const PIECE: usize = 8 << 20;
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let want = (start + PIECE).min(bytes.len());
        let end = match bytes[want..].iter().position(|&b| b == b'\n') {
            Some(i) => want + i + 1,
            None => bytes.len(),
        };
        pieces.push(&bytes[start..end]);
        start = end;
    }
    pieces.par_iter().all(|piece| simdutf8::basic::from_utf8(piece).is_ok())
}

pub fn decode(encoding: TextEncoding, field: &[u8]) -> Result<Cow<'_, str>, String> {
    match encoding {
        // One pass: the UTF-8 check has its own fast path for ASCII.
        TextEncoding::Utf8 => std::str::from_utf8(field)
            .map(Cow::Borrowed)
            .map_err(|_| "är inte giltig UTF-8; är exporten i Windows-1252, skriv encoding = \"windows-1252\" under [input]".to_string()),
        // Borrowed, without a copy, when the field is ASCII.
        TextEncoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(field).0),
    }
}

/// The delimiter that occurs most often in the header line, outside quotes (`,` on a tie).
pub fn sniff_delimiter(body: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in body.iter().take(64 * 1024) {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap();
    [b',', b';', b'\t'][best]
}

/// The header matched against a table's canonical columns.
pub struct Header {
    /// Per canonical column (in the order given), the field index in the file.
    pub index: Vec<Option<usize>>,
    pub field_count: usize,
}

/// A column that is read must be named once in the header, and read for one canonical column:
/// otherwise which of two columns counts would be a silent choice.
fn check_read_once(
    source: &Source,
    kind: InputKind,
    found: &[String],
    at: usize,
    canonical: &str,
    earlier: &[Option<usize>],
) -> Result<()> {
    let name = &found[at];
    if found.iter().filter(|f| f.to_lowercase() == name.to_lowercase()).count() > 1 {
        return Err(refused(format!(
            "{} {}: kolumnen '{}' (läses som {canonical}) finns mer än en gång i rubrikraden; byt namn på eller ta bort den andra i exporten",
            kind.file_sv(),
            source.shown,
            shown_name(name)
        )));
    }
    if let Some(k) = earlier.iter().position(|e| *e == Some(at)) {
        return Err(usage(format!(
            "{} {}: kolumnen '{}' skulle läsas både som {} och som {canonical}; ange en egen kolumn för var och en under [columns.{kind}]",
            kind.file_sv(),
            source.shown,
            shown_name(name),
            kind.columns()[k].name
        )));
    }
    Ok(())
}

/// How many characters of a column name a message shows, and how many names.
const SHOWN_NAME_CHARS: usize = 60;
const SHOWN_NAMES: usize = 40;

/// A column name for a message: without personnummer and control characters, and cut to
/// `SHOWN_NAME_CHARS` (a file without a header line may hold a whole record as one "name").
fn shown_name(name: &str) -> String {
    let text = crate::privacy::mask(&one_line(name));
    match text.char_indices().nth(SHOWN_NAME_CHARS) {
        Some((cut, _)) => format!("{}… ({} tecken)", &text[..cut], text.chars().count()),
        None => text,
    }
}

/// The column names found, for a message: at most `SHOWN_NAMES` of them, each `shown_name`.
fn shown_names(found: &[String]) -> String {
    let mut shown: Vec<String> = found.iter().take(SHOWN_NAMES).map(|f| format!("'{}'", shown_name(f))).collect();
    if found.len() > SHOWN_NAMES {
        shown.push(format!("… och {} till", found.len() - SHOWN_NAMES));
    }
    shown.join(", ")
}

/// Matches the header line to the canonical columns of `kind`, renamed by `mapping`.
/// A missing required column is refused naming the file, the column, what was found and the
/// configuration line that would fix it.
pub fn match_header(
    source: &Source,
    kind: InputKind,
    header: Fields,
    mapping: &std::collections::BTreeMap<String, String>,
) -> Result<Header> {
    let found: Vec<String> = header.iter().map(|f| source.decode(f).map(|s| s.trim().to_string()).unwrap_or_default()).collect();
    let find =
        |name: &str| found.iter().position(|f| f == name).or_else(|| found.iter().position(|f| f.to_lowercase() == name.to_lowercase()));
    let mut index = Vec::with_capacity(kind.columns().len());
    for column in kind.columns() {
        let canonical = column.name;
        let mapped = mapping.get(canonical);
        let at = mapped.and_then(|m| find(m.trim())).or_else(|| find(canonical)).or_else(|| column.aliases.iter().find_map(|a| find(a)));
        let delimiter = || match source.delimiter {
            b'\t' => "tabb".to_string(),
            d => format!("'{}'", d as char),
        };
        if at.is_none() && column.required {
            let expected = match mapped {
                Some(m) => format!("'{}' (angiven för {canonical} under [columns.{kind}])", shown_name(m)),
                None => format!("'{canonical}'"),
            };
            return Err(refused(format!(
                "{} {}: den obligatoriska kolumnen {expected} saknas.\n  Kolumner i filen (avgränsare {}): {}\n  Heter kolumnen något annat i exporten, lägg till i inställningsfilen:\n    [columns.{kind}]\n    {canonical} = \"<kolumnens namn i exporten>\"",
                kind.file_sv(),
                source.shown,
                delimiter(),
                shown_names(&found)
            )));
        }
        // A column the configuration names must be there: a misspelt optional column would
        // otherwise leave its figures missing or its flags unraised without a word.
        if let Some(m) = mapped.filter(|m| find(m.trim()).is_none()) {
            return Err(refused(format!(
                "{} {}: kolumnen '{}', som inställningsfilen anger för {canonical} under [columns.{kind}], finns inte i filen.\n  Kolumner i filen (avgränsare {}): {}\n  Rätta namnet i inställningsfilen, eller ta bort raden om exporten saknar kolumnen.",
                kind.file_sv(),
                source.shown,
                shown_name(m),
                delimiter(),
                shown_names(&found)
            )));
        }
        if let Some(i) = at {
            check_read_once(source, kind, &found, i, canonical, &index)?;
        }
        index.push(at);
    }
    Ok(Header { index, field_count: header.len() })
}

/// Whether `c` is one of Unicode's noncharacters (U+FDD0–U+FDEF and the last two code points
/// of every plane, U+FFFE and U+FFFF among them).
pub fn is_noncharacter(c: char) -> bool {
    let c = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&c) || c & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(path: &Path) -> Source {
        Source::open(path, "visits.csv".into(), "visits.csv".into(), InputKind::Visits, &InputConfig::default()).unwrap()
    }

    #[test]
    fn a_file_changed_while_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visits.csv");
        std::fs::write(&path, "visit_id,supplier_id\n1,A\n").unwrap();
        let source = opened(&path);
        assert!(source.check_unchanged().is_ok());

        // Appended to: another length.
        std::fs::write(&path, "visit_id,supplier_id\n1,A\n2,B\n").unwrap();
        let e = source.check_unchanged().unwrap_err().to_string();
        assert!(e.contains("ändrades medan den lästes (25 byte, nu 29)"), "{e}");

        // Rewritten with the same length: another modification time.
        std::fs::write(&path, "visit_id,supplier_id\n1,A\n").unwrap();
        let source = opened(&path);
        std::fs::write(&path, "visit_id,supplier_id\n9,Z\n").unwrap();
        let later = source.modified.unwrap() + std::time::Duration::from_secs(2);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
        let e = source.check_unchanged().unwrap_err().to_string();
        assert!(e.contains("skrevs om medan den lästes"), "{e}");

        // Removed.
        std::fs::remove_file(&path).unwrap();
        let e = source.check_unchanged().unwrap_err().to_string();
        assert!(e.contains("försvann medan den lästes"), "{e}");
    }

    #[test]
    fn sniffs_the_header_delimiter() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,2;3,4;5\n"), b';');
        assert_eq!(sniff_delimiter(b"a,b,c\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;x\",b,c\n"), b',');
    }

    #[test]
    fn utf8_is_checked_piece_by_piece_like_the_whole() {
        let mut text = "åäö\n".repeat(3_000_000).into_bytes();
        assert!(valid_utf8(&text));
        let last = text.len() - 2;
        text[last] = 0xF6; // a lone Windows-1252 ö at the very end
        assert!(!valid_utf8(&text));
        assert!(valid_utf8(b""));
    }

    #[test]
    fn decodes_windows_1252() {
        assert_eq!(decode(TextEncoding::Windows1252, b"Utf\xf6rare").unwrap(), "Utförare");
        assert!(decode(TextEncoding::Utf8, b"Utf\xf6rare").is_err());
    }
}

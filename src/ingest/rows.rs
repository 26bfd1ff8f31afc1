//! The row loop shared by the three readers: header matching, field access, numbers, and
//! turning a bad row into a reject with file, line, reason and raw text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::Result;
use rayon::prelude::*;
use unicode_normalization::{is_nfc, UnicodeNormalization};

use super::records::Fields;
use super::source::{is_noncharacter, match_header, printable, Header, Source};
use crate::error::refused;
use crate::model::{Column, FileAccount, InputKind, Problem, Reject, RejectKind, ALL};
use crate::privacy::Pseudonymizer;

/// Why a row was rejected: `kind` groups rows for the summary, `detail` is the full reason in
/// Swedish, with the value that was wrong and what to do.
#[derive(Debug)]
pub struct Reason {
    pub kind: RejectKind,
    pub detail: String,
}

impl Reason {
    /// A problem with the value of `column`.
    pub fn new(column: &'static str, problem: Problem, detail: impl Into<String>) -> Reason {
        Reason { kind: RejectKind::in_column(column, problem), detail: detail.into() }
    }

    /// A problem with the row as a whole.
    pub fn of_row(problem: Problem, detail: impl Into<String>) -> Reason {
        Reason { kind: RejectKind::of_row(problem), detail: detail.into() }
    }
}

/// One record of a file with the canonical columns `C` resolved.
pub struct Row<'a, C> {
    source: &'a Source,
    header: &'a Header,
    record: Fields<'a>,
    columns: std::marker::PhantomData<C>,
}

impl<'a, C: Column> Row<'a, C> {
    pub fn new(source: &'a Source, header: &'a Header, record: Fields<'a>) -> Row<'a, C> {
        Row { source, header, record, columns: std::marker::PhantomData }
    }

    /// The trimmed value of canonical column `col`; `None` when the column is absent from the
    /// file or the value is empty.
    pub fn get(&self, col: C) -> Result<Option<Cow<'a, str>>, Reason> {
        let Some(field) = self.header.index[col.index()].and_then(|i| self.record.get(i)) else {
            return Ok(None);
        };
        // Most fields are printable ASCII: the same text in every encoding read, always NFC,
        // without control characters, and trimmed by `trim_ascii` exactly as by `str::trim`.
        if field.iter().fold(true, |plain, &b| plain & (matches!(b, 0x20..=0x7e) | matches!(b, b'\t' | b'\n' | b'\r'))) {
            // SAFETY: every byte is ASCII, and ASCII is UTF-8 (checking it again cost 2 % of a
            // national read).
            let trimmed = unsafe { std::str::from_utf8_unchecked(field.trim_ascii()) };
            return Ok((!trimmed.is_empty()).then_some(Cow::Borrowed(trimmed)));
        }
        let name = col.name();
        let text = self.source.decode(field).map_err(|e| Reason::new(name, Problem::NotValidText, e))?;
        // NUL, ESC, BEL and the like would break the XML of the workbooks and documents and
        // drive the terminal; no export means them.
        if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            return Err(Reason::new(
                name,
                Problem::ControlCharacter,
                format!("innehåller styrtecknet U+{:04X}; ta bort det ur exporten", u32::from(c)),
            ));
        }
        // U+FFFE and U+FFFF are not allowed in XML at all: a name holding one would make the
        // workbooks and documents unreadable. No text means them (Unicode noncharacters).
        if let Some(c) = text.chars().find(|&c| is_noncharacter(c)) {
            return Err(Reason::new(
                name,
                Problem::Noncharacter,
                format!("innehåller tecknet U+{:04X}, som ingen text innehåller; ta bort det ur exporten", u32::from(c)),
            ));
        }
        let trimmed = match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        };
        // One spelling of `Vård` whether the export composed the å or not (NFC).
        let trimmed = if trimmed.is_ascii() || is_nfc(&trimmed) { trimmed } else { Cow::Owned(trimmed.nfc().collect()) };
        Ok((!trimmed.is_empty()).then_some(trimmed))
    }

    /// The bytes of canonical column `col` as they stand in the file, untrimmed; `None` when
    /// the file lacks the column.
    pub fn raw(&self, col: C) -> Option<&'a [u8]> {
        self.header.index[col.index()].and_then(|i| self.record.get(i))
    }

    /// Whether the file has canonical column `col`.
    pub fn has_column(&self, col: C) -> bool {
        self.header.index[col.index()].is_some()
    }

    /// The value of a required column; empty is a reject.
    pub fn required(&self, col: C) -> Result<Cow<'a, str>, Reason> {
        self.get(col)?.ok_or_else(|| Reason::new(col.name(), Problem::MissingValue, "värdet är tomt men måste finnas"))
    }

    /// A name (a supplier, client or staff id): required, and normalised by `normalise_name`
    /// so that names that print alike are one.
    pub fn name(&self, col: C) -> Result<Cow<'a, str>, Reason> {
        let id = self.required(col)?;
        match normalise_name(&id) {
            Cow::Borrowed(_) => Ok(id),
            Cow::Owned(s) if s.is_empty() => Err(Reason::new(col.name(), Problem::MissingValue, "värdet består bara av osynliga tecken")),
            Cow::Owned(s) => Ok(Cow::Owned(s)),
        }
    }

    /// A supplier id: a `name`, and not one that reads as `ALL` or `Hela kommunen`, which name
    /// the municipality-wide row in every output (a supplier called so would be mixed up with
    /// it).
    pub fn supplier(&self, col: C) -> Result<Cow<'a, str>, Reason> {
        let id = self.name(col)?;
        if is_reserved_supplier(&id) {
            return Err(Reason::new(
                col.name(),
                Problem::ReservedId,
                format!("'{id}' är reserverat för raden för hela kommunen; ge utföraren ett annat id i exporten"),
            ));
        }
        Ok(id)
    }

    /// An optional number (decimal comma or point, spaces as thousands separators).
    pub fn number(&self, col: C) -> Result<Option<f64>, Reason> {
        let name = col.name();
        match self.get(col)? {
            None => Ok(None),
            // A number shaped like a personnummer is a client id in the wrong column: it must
            // not be stored as a number either.
            Some(text) if !crate::privacy::personnummer_spans(text.as_bytes()).is_empty() => Err(Reason::new(
                name,
                Problem::Personnummer,
                "värdet ser ut som ett personnummer, inte som ett tal; kontrollera kolumnmappningen",
            )),
            Some(text) => parse_number(&text)
                .map(Some)
                .ok_or_else(|| Reason::new(name, Problem::NotANumber, format!("'{text}' är inget tal (skriv till exempel 45 eller 12,5)"))),
        }
    }
}

/// Parses `12`, `12.5`, `12,5`, `1 234,5`; not NaN or infinity.
pub fn parse_number(text: &str) -> Option<f64> {
    let mut s: Cow<str> = Cow::Borrowed(text.trim());
    if s.contains([' ', '\u{a0}']) {
        s = Cow::Owned(s.chars().filter(|c| *c != ' ' && *c != '\u{a0}').collect());
    }
    if s.contains(',') {
        if s.contains('.') || s.matches(',').count() > 1 {
            return None;
        }
        s = Cow::Owned(s.replace(',', "."));
    }
    let looks_numeric = s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')) && s.bytes().any(|b| b.is_ascii_digit());
    if !looks_numeric {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A name as it prints: characters that print as nothing (zero-width spaces and joiners, word
/// joiner, soft hyphen, byte-order mark) removed, and so are the controls that print as nothing
/// but turn the text around them (direction marks, embeddings, overrides and isolates: with
/// U+202E a name shows its letters reversed, and could show as another supplier's); every
/// other kind of space (no-break, thin, tab, ...) a space, runs of spaces one, and no space at
/// either end. NFC is `Row::get`'s.
pub fn normalise_name(name: &str) -> Cow<'_, str> {
    let plain = name.bytes().all(|b| matches!(b, 0x21..=0x7e | b' ')) && !name.contains("  ");
    if plain && !name.starts_with(' ') && !name.ends_with(' ') {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{ad}' | '\u{feff}' => {}
            '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c if c.is_whitespace() => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    if out == name {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(out)
    }
}

/// Whether a supplier name reads as the municipality-wide row's: `ALL` or `Hela kommunen` in
/// any case, also in full-width or other compatibility forms (NFKC) and with Greek or Cyrillic
/// letters that look like Latin ones.
pub fn is_reserved_supplier(name: &str) -> bool {
    let folded: String = name
        .nfkc()
        .map(|c| match c {
            'Α' | 'А' | 'а' | 'α' => 'a',
            'Ε' | 'Е' | 'е' => 'e',
            'Η' | 'Н' | 'һ' => 'h',
            'Ι' | 'І' | 'і' | 'Ӏ' | 'ӏ' => 'l',
            'Κ' | 'К' | 'к' => 'k',
            'Μ' | 'М' | 'м' => 'm',
            'Ν' => 'n',
            'Ο' | 'О' | 'о' | 'ο' => 'o',
            'Ѕ' | 'ѕ' => 's',
            'Ꮮ' => 'l',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let folded = normalise_name(&folded);
    folded == ALL.to_lowercase() || folded == "hela kommunen"
}

/// A record holding more line breaks than this in quoted fields is no row of an export but a
/// quote left open: refused, with the lines it swallowed counted as read and rejected.
pub const MAX_INNER_LINES: u64 = 10;

/// The reason for a record that runs over `inner` line breaks from `line`.
pub fn open_quote(line: u64, inner: u64) -> Reason {
    Reason::of_row(
        Problem::QuoteNotClosed,
        format!(
            "ett fält inom citattecken börjar på rad {line} och löper över {} rader till rad {}, som blir en enda rad; troligen saknas ett avslutande citattecken (\") på rad {line}: rätta det och läs filen igen",
            inner + 1,
            line + inner
        ),
    )
}

/// The reason for a record whose quoted field, opened on `line`, closes `inner` lines later
/// with whole rows inside it.
pub fn rows_in_quotes(line: u64, inner: u64) -> Reason {
    Reason::of_row(
        Problem::QuoteNotClosed,
        format!(
            "ett fält inom citattecken börjar på rad {line} och slutar på rad {}, så raderna emellan blir en enda rad; troligen saknas ett avslutande citattecken (\") på rad {line}: rätta det och läs filen igen",
            line + inner
        ),
    )
}

/// Checks a record's shape: a quote left open, rows taken into a quoted field, or a field
/// count other than the header's.
///
/// A quoted field with line breaks that holds as many delimiters as a whole row has is rows
/// of the file taken into one field by a misplaced quote (each row swallowed brings a row's
/// delimiters into it), not text someone wrote over several lines.
pub fn check_shape(record: Fields, header: &Header, delimiter: u8, line: u64, inner: u64) -> Result<(), Reason> {
    if inner > MAX_INNER_LINES {
        return Err(open_quote(line, inner));
    }
    if inner > 0 && header.field_count > 1 {
        let multiline = record.iter().filter(|f| f.iter().any(|&b| b == b'\n' || b == b'\r'));
        let delimiters: usize = multiline.map(|f| f.iter().filter(|&&b| b == delimiter).count()).sum();
        if delimiters >= header.field_count - 1 {
            return Err(rows_in_quotes(line, inner));
        }
    }
    if record.len() != header.field_count {
        return Err(Reason::of_row(
            Problem::WrongNumberOfFields,
            format!("raden har {} fält, rubrikraden {}; kontrollera avgränsaren och citattecknen", record.len(), header.field_count),
        ));
    }
    Ok(())
}

/// The lines beyond its first that a rejected record took from the file: a record of the
/// wrong shape (a quote left open or closed somewhere else) swallowed its inner lines, which
/// were rows of their own; a well-shaped record with a line break in a quoted field is one row.
pub fn swallowed(reason: &Reason, inner: u64) -> u64 {
    if reason.kind.problem == Problem::QuoteNotClosed || reason.kind.problem == Problem::WrongNumberOfFields {
        inner
    } else {
        0
    }
}

/// Where a rejected record's raw text ends: its end, or for a record that took other rows
/// into a quoted field the end of its first line (the rest are the rows it swallowed).
pub fn raw_end(source: &Source, reason: &Reason, start: usize, end: usize, inner: u64) -> usize {
    if inner == 0 || reason.kind.problem != Problem::QuoteNotClosed {
        return end;
    }
    memchr::memchr(b'\n', &source.body()[start..end]).map_or(end, |i| start + i)
}

/// Reads every record of `source` after the header, calling `accept` for each; rows it
/// refuses are added to `rejects`. Counts go to `account`.
pub fn scan<C: Column>(
    source: &Source,
    mapping: &BTreeMap<String, String>,
    pseudonyms: &Pseudonymizer,
    account: &mut FileAccount,
    rejects: &mut Vec<Reject>,
    mut accept: impl FnMut(&Row<C>, u64) -> Result<(), Reason>,
) -> Result<()> {
    let kind = C::KIND;
    let mut records = source.records();
    let header = match records.next_record() {
        Some(Ok(_)) => match_header(source, kind, records.record(), mapping)?,
        Some(Err(e)) => return Err(refused(format!("{} {}: rubrikraden kan inte läsas ({e})", kind.file_sv(), source.shown))),
        None => return Err(refused(format!("{} {}: rubrikrad saknas; exportera filen igen", kind.file_sv(), source.shown))),
    };
    while let Some(next) = records.next_record() {
        let (line, start, end) = match next {
            Ok(pos) => pos,
            Err(e) => return Err(refused(format!("{} {} kan inte läsas vidare ({e})", kind.file_sv(), source.shown))),
        };
        account.read += 1;
        let record = records.record();
        let inner = records.inner_lines();
        let outcome = check_shape(record, &header, source.delimiter, line, inner).and_then(|()| {
            let row = Row::new(source, &header, record);
            accept(&row, line)
        });
        match outcome {
            Ok(()) => {}
            Err(reason) if reason.kind.problem == Problem::DuplicateVisitId => {
                account.duplicates += 1;
                rejects.push(reject(source, pseudonyms, line, start, end, reason));
            }
            Err(reason) => {
                // A rejected record's lines were all rows of the file: they count as read and
                // rejected, so the reject-rate limit sees what was lost.
                let lost = swallowed(&reason, inner);
                account.read += lost;
                account.rejected += 1 + lost;
                let raw = raw_end(source, &reason, start, end, inner);
                rejects.push(Reject { rows: 1 + lost, ..reject(source, pseudonyms, line, start, raw, reason) });
            }
        }
    }
    account.accepted = account.read - account.rejected - account.duplicates;
    Ok(())
}

pub fn reject(source: &Source, pseudonyms: &Pseudonymizer, line: u64, start: usize, end: usize, reason: Reason) -> Reject {
    Reject {
        file: source.name.clone(),
        line,
        kind: reason.kind,
        reason: format!("{} – {}", reason.kind.id(), pseudonyms.scrub(&reason.detail)),
        raw: printable(&pseudonyms.scrub(&source.raw_text(start, end))),
        rows: 1,
    }
}

/// The header of `source` matched to the columns of `kind`, and the byte offset in the body
/// where the records after it start.
pub fn read_header(source: &Source, kind: InputKind, mapping: &BTreeMap<String, String>) -> Result<(Header, usize)> {
    let mut records = source.records();
    match records.next_record() {
        Some(Ok((_, _, end))) => Ok((match_header(source, kind, records.record(), mapping)?, end)),
        Some(Err(e)) => Err(refused(format!("{} {}: rubrikraden kan inte läsas ({e})", kind.file_sv(), source.shown))),
        None => Err(refused(format!("{} {}: rubrikrad saknas; exportera filen igen", kind.file_sv(), source.shown))),
    }
}

/// A run of whole records of a file body: `[start, end)`, the line its first byte is on, and
/// the line breaks (`\n`) in it, which bound its records: a record ends at a line break or at
/// the end of the chunk (a file with bare `\r` line ends is the exception readers allow for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub first_line: u64,
    pub newlines: u64,
}

/// Splits `body[from..]` into chunks of about `target` bytes that begin where a record begins,
/// so that each can be parsed on its own and the results joined in order. Without any `"` in
/// the body a record begins after every newline; with quotes, a newline may sit inside a
/// quoted field, and the cuts skip those (`Quotes`).
pub fn split_records(body: &[u8], delimiter: u8, from: usize, target: usize) -> Vec<Chunk> {
    let target = target.max(1);
    let line = 1 + newlines(&body[..from]);
    // Cut after the first newline past each target, then, on all threads, each chunk's lines
    // counted and its bytes looked at for quotes in one pass (a piece at a time, so the second
    // look finds it in the cache). Right unless the body holds a quote.
    let ends = cuts(body, from, target, |look| memchr::memchr(b'\n', &body[look..]).map(|i| look + i));
    let scanned: Vec<(u64, bool)> = ends
        .par_iter()
        .with_max_len(1)
        .map(|&(a, b)| {
            body[a..b]
                .chunks(64 << 10)
                .fold((0, false), |(count, quoted), piece| (count + newlines(piece), quoted || memchr::memchr(b'"', piece).is_some()))
        })
        .collect();
    if scanned.iter().all(|&(_, quoted)| !quoted) {
        return numbered(ends, scanned.into_iter().map(|(count, _)| count).collect(), line);
    }
    // A newline inside a quoted field is not a cut: the quotes are followed from the start,
    // quote to quote. Where the cuts are those found above, their counts stand.
    let mut quotes = Quotes { body, delimiter, from, pos: from };
    let quoted_ends = cuts(body, from, target, |look| quotes.unquoted_newline(look));
    let counts: Vec<u64> = quoted_ends
        .par_iter()
        .with_max_len(1)
        .map(|span| match ends.binary_search(span) {
            Ok(k) => scanned[k].0,
            Err(_) => newlines(&body[span.0..span.1]),
        })
        .collect();
    numbered(quoted_ends, counts, line)
}

/// The `\n`s in `range`; memchr counts with SIMD (a plain filtered count costs half a second
/// on a national file).
fn newlines(range: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', range).count() as u64
}

/// `[start, end)` of each chunk of `body[from..]`: cut after the newline `newline_from(look)`
/// gives at or after each target (`look` is one byte before it), or at the end of the body.
fn cuts(body: &[u8], from: usize, target: usize, mut newline_from: impl FnMut(usize) -> Option<usize>) -> Vec<(usize, usize)> {
    let (mut ends, mut start) = (Vec::new(), from);
    while start < body.len() {
        let want = start.saturating_add(target).min(body.len());
        let end = match newline_from(want.saturating_sub(1)) {
            Some(newline) if want < body.len() => newline + 1,
            _ => body.len(),
        };
        ends.push((start, end));
        start = end;
    }
    ends
}

/// Chunks of the spans with their newline counts, numbered from line `line`.
fn numbered(ends: Vec<(usize, usize)>, counts: Vec<u64>, mut line: u64) -> Vec<Chunk> {
    ends.into_iter()
        .zip(counts)
        .map(|((start, end), newlines)| {
            let chunk = Chunk { start, end, first_line: line, newlines };
            line += newlines;
            chunk
        })
        .collect()
}

/// The quoted fields of a body, followed from `from` by the CSV reader's rules: a `"` opens a
/// quoted field only where a field begins (at `from`, after the delimiter or a line end),
/// elsewhere it is text; inside a quoted field `""` is a quote and a lone `"` closes it (what
/// follows up to the next delimiter is text). Only quotes are looked at, found with memchr,
/// so a body with quoted names on some rows is followed at memory speed.
struct Quotes<'a> {
    body: &'a [u8],
    delimiter: u8,
    from: usize,
    /// Every byte before it is followed, and it is outside any quoted field.
    pos: usize,
}

impl Quotes<'_> {
    /// The first newline at or after `look` outside every quoted field; `None` when there is
    /// none (a quoted field left open runs to the end of the body, as the reader reads it).
    fn unquoted_newline(&mut self, mut look: usize) -> Option<usize> {
        loop {
            let newline = look.max(self.pos) + memchr::memchr(b'\n', &self.body[look.max(self.pos)..])?;
            match self.close_quotes_to(newline)? {
                None => return Some(newline),
                Some(after) => look = after,
            }
        }
    }

    /// Follows the quotes up to byte `to` (not itself a quote): `Some(None)` when `to` is outside
    /// every quoted field, `Some(Some(after))` when inside one that closes before `after`, and
    /// `None` when inside one that never closes.
    fn close_quotes_to(&mut self, to: usize) -> Option<Option<usize>> {
        let body = self.body;
        while let Some(i) = memchr::memchr(b'"', &body[self.pos..to]) {
            let quote = self.pos + i;
            let opens = quote == self.from || matches!(body[quote - 1], b'\r' | b'\n') || body[quote - 1] == self.delimiter;
            if !opens {
                self.pos = quote + 1;
                continue;
            }
            // The closing quote: the first `"` not followed by another.
            let mut at = quote + 1;
            let close = loop {
                let q = at + memchr::memchr(b'"', &body[at..])?;
                if body.get(q + 1) == Some(&b'"') {
                    at = q + 2;
                } else {
                    break q;
                }
            };
            self.pos = close + 1;
            if close > to {
                return Some(Some(self.pos));
            }
        }
        self.pos = to;
        Some(None)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_number;
    use super::{is_reserved_supplier, normalise_name};
    use super::{split_records, Chunk};
    use crate::ingest::records::Records;

    /// Every record of `body[from..]` read chunk by chunk: (line, start, fields).
    fn records(body: &[u8], chunks: &[Chunk]) -> Vec<(u64, usize, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        for c in chunks {
            let mut records = Records::chunk(body, b',', c.start, c.end, c.first_line);
            while let Some(next) = records.next_record() {
                let (line, start, _) = next.unwrap();
                out.push((line, start, records.record().iter().map(<[u8]>::to_vec).collect()));
            }
        }
        out
    }

    #[test]
    fn chunked_records_equal_the_whole_files_records_and_lines() {
        let plain = b"h1,h2\na,1\r\nb,2\n\nc,3\nd,4";
        let quoted = b"h1,h2\r\n\"a\nstill a\",1\r\nb,\"x\"\"\ny\"\nc,3\n";
        // Quotes that are text (inside an unquoted field, after a closing quote), a quoted
        // field that begins a line, and one left open to the end.
        let text_quotes = b"h1,h2\nab\"c,1\n\"x\"y\"z,\"p\nq\"\n\"r\n,\n\",2\r\ns,\"t\"\"\n\"\"\n\"u\n";
        let open = b"h1,h2\na,1\nb,\"c\nd,2\ne,3\n";
        let text_then_quoted = b"h1,h2\na\"b,1\n\"x\ny\",2\n";
        let cases = [
            (&plain[..], vec![2, 3, 5, 6]),
            (&quoted[..], vec![2, 4, 6]),
            (&text_quotes[..], vec![2, 3, 5, 8]),
            (&open[..], vec![2, 3]),
            (&text_then_quoted[..], vec![2, 3]),
        ];
        for (body, lines) in cases {
            let first_line = 1 + body[..6].iter().filter(|&&b| b == b'\n').count() as u64;
            let whole = records(body, &[Chunk { start: 6, end: body.len(), first_line, newlines: 0 }]);
            let whole_lines: Vec<u64> = whole.iter().map(|r| r.0).collect();
            assert_eq!(whole_lines, lines, "true line of each record");
            let parsed: Vec<Vec<Vec<u8>>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&body[6..])
                .byte_records()
                .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
                .collect();
            assert_eq!(whole.iter().map(|r| r.2.clone()).collect::<Vec<_>>(), parsed, "the CSV parser's records");
            for target in 1..body.len() + 2 {
                let chunks = split_records(body, b',', 6, target);
                assert_eq!(chunks[0].start, 6);
                assert_eq!(chunks.last().unwrap().end, body.len());
                assert!(chunks.windows(2).all(|p| p[0].end == p[1].start && p[0].first_line + p[0].newlines == p[1].first_line));
                assert!(chunks.iter().all(|c| c.newlines == body[c.start..c.end].iter().filter(|&&b| b == b'\n').count() as u64));
                assert_eq!(records(body, &chunks), whole, "target {target}: {chunks:?}");
            }
        }
    }

    #[test]
    fn numbers_with_comma_point_and_spaces() {
        assert_eq!(parse_number("45"), Some(45.0));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("12.5"), Some(12.5));
        assert_eq!(parse_number("1 234,5"), Some(1234.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        for bad in ["", "abc", "1,2,3", "1.234,5", "NaN", "inf", "12 min"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_that_print_alike_are_one() {
        for spelling in ["Vård\u{200b} AB", "Vård\u{a0}AB", "\u{feff}Vård AB", "Vård  AB", "Vård\tAB", "Vår\u{ad}d AB", " Vård AB\u{2060}"]
        {
            assert_eq!(normalise_name(spelling), "Vård AB", "{spelling:?}");
        }
        assert!(matches!(normalise_name("Omsorg Norr AB"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(normalise_name("\u{200b}\u{feff}"), "");
        // A right-to-left override shows "Vård AB\u{202e}BA gröN" as "Vård ABNörg AB": the
        // letters as they are stored, without the controls that turn them around.
        for (spelling, plain) in [
            ("Vård AB\u{202e}BA gröN", "Vård ABBA gröN"),
            ("\u{2067}Vård AB\u{2069}", "Vård AB"),
            ("Vård\u{200f} AB\u{200e}", "Vård AB"),
            ("\u{202a}Vård \u{202b}AB\u{202c}\u{202d}\u{61c}", "Vård AB"),
            ("\u{2066}\u{2068}", ""),
        ] {
            assert_eq!(normalise_name(spelling), plain, "{spelling:?}");
        }
        assert_eq!(normalise_name("رعاية AB"), "رعاية AB", "right-to-left letters themselves are kept");
    }

    #[test]
    fn names_that_read_as_the_municipality_are_reserved() {
        for name in ["ALL", "all", "ＡＬＬ", "AL\u{200b}L", "\u{391}LL", "Hela kommunen", "HELA  KOMMUNEN", "Неla kommunen"] {
            assert!(is_reserved_supplier(&normalise_name(name)), "{name:?}");
        }
        for name in ["ALLA", "Allé Omsorg", "Hela kommunens hemtjänst", "Kommunen"] {
            assert!(!is_reserved_supplier(name), "{name:?}");
        }
    }
}

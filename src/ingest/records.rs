//! The records of an export's text, with the 1-based line and byte span of each: split by
//! the CSV parser, or, in a run without any quote, at line ends and delimiters by the parser's
//! own rules.

/// The fields of one record, unquoted: slices of the file body (a record without quotes) or
/// of the CSV parser's buffer.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    text: &'a [u8],
    /// Each field's `[start, end)` in `text`.
    spans: &'a [(usize, usize)],
}

impl<'a> Fields<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i`, or `None` past the last.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.spans.get(i).map(|&(a, b)| &self.text[a..b])
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.spans.iter().map(|&(a, b)| &self.text[a..b])
    }
}

/// How a run of records is split: by the CSV parser, or, where the run holds no quote, at its
/// line ends and delimiters.
enum Split<'a> {
    Parser {
        reader: Box<csv::Reader<&'a [u8]>>,
        record: csv::ByteRecord,
        /// Whether it has read its record (and, handing back, is done).
        read: bool,
    },
    /// Where the next record is looked for, the line it is on, and the last record's text.
    Plain { next: usize, line: u64, text: (usize, usize) },
}

/// Reads the records of a run of the body (all of it, or one chunk) with the 1-based line
/// number and byte span of each in the whole body; the header is line 1.
///
/// Lines without any `"` hold no quoted field, so their records are their non-empty lines and
/// their fields lie between delimiters: they are split so, several times faster than the CSV
/// parser reads them, with the parser's rules (a record ends at `\r`, `\n` or `\r\n`; blank
/// lines are skipped). At a line with a `"` the parser takes over from where that record
/// begins, in the state it has at the start of every record, reads that one record (its quoted
/// fields may hold delimiters and line breaks), and hands the rest back to the split at line
/// ends: a quoted supplier name on a few rows does not send the rest of the run down the
/// parser. A test holds the two to the same records, lines and spans.
pub struct Records<'a> {
    split: Split<'a>,
    spans: Vec<(usize, usize)>,
    body: &'a [u8],
    delimiter: u8,
    start: usize,
    end: usize,
    first_line: u64,
    /// Line breaks inside the last record (in quoted fields).
    inner_lines: u64,
    /// Records read by the parser so far.
    parsed: u64,
    /// Whether the parser reads one quoted record and hands the rest back (false only where the
    /// parser reads the whole run).
    handed_back: bool,
}

impl<'a> Records<'a> {
    /// The records of `body[start..end]`, whose first byte is on line `first_line`.
    pub fn chunk(body: &'a [u8], delimiter: u8, start: usize, end: usize, first_line: u64) -> Records<'a> {
        // No pass over the run first to look for quotes: its pages would be read from memory
        // twice (a fifth of the reading's time on a national file).
        let split = Split::Plain { next: start, line: first_line, text: (start, start) };
        Records { split, spans: Vec::new(), body, delimiter, start, end, first_line, inner_lines: 0, parsed: 0, handed_back: false }
    }

    fn parser(body: &'a [u8], delimiter: u8, start: usize, end: usize) -> Split<'a> {
        let reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(&body[start..end]);
        Split::Parser { reader: Box::new(reader), record: csv::ByteRecord::new(), read: false }
    }

    /// The records of `body[start..end]` read by the CSV parser even without quotes (tests
    /// compare the two ways of splitting).
    #[cfg(test)]
    pub fn chunk_parsed(body: &'a [u8], delimiter: u8, start: usize, end: usize, first_line: u64) -> Records<'a> {
        let split = Records::parser(body, delimiter, start, end);
        Records { split, spans: Vec::new(), body, delimiter, start, end, first_line, inner_lines: 0, parsed: 0, handed_back: false }
    }

    /// The next record: (line, start byte, end byte) in the body, fields in `self.record()`.
    pub fn next_record(&mut self) -> Option<Result<(u64, usize, usize), String>> {
        match &mut self.split {
            // The quoted record is read: the split at line ends goes on from where the parser
            // stopped, on the line it counted to (only a run read whole by the parser, in tests,
            // stays with it).
            Split::Parser { reader, read: true, .. } if self.handed_back => {
                let pos = reader.position();
                let (next, line) = (self.start + pos.byte() as usize, self.first_line + pos.line() - 1);
                self.split = Split::Plain { next, line, text: (next, next) };
                self.next_record()
            }
            Split::Parser { reader, record, read } => match reader.read_byte_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    // The parser places a record right after the previous one's first terminator
                    // byte, so a CRLF's LF or blank lines before it are skipped here to give the
                    // line the record's text is on.
                    let pos = record.position().expect("csv sets positions");
                    let mut byte = self.start + pos.byte() as usize;
                    let mut line = self.first_line + pos.line() - 1;
                    while let Some(b'\r' | b'\n') = self.body.get(byte) {
                        line += u64::from(self.body[byte] == b'\n');
                        byte += 1;
                    }
                    self.parsed += 1;
                    *read = true;
                    let end = (self.start + reader.position().byte() as usize).max(byte);
                    let text = &self.body[byte..end];
                    let breaks = memchr::memchr_iter(b'\n', text).count() as u64;
                    self.inner_lines = breaks - u64::from(text.last() == Some(&b'\n'));
                    self.spans.clear();
                    let mut at = 0;
                    for field in record.iter() {
                        self.spans.push((at, at + field.len()));
                        at += field.len();
                    }
                    Some(Ok((line, byte, end)))
                }
                Err(e) => Some(Err(e.to_string())),
            },
            Split::Plain { next, line, text } => {
                let body = &self.body[..self.end];
                while let Some(&b) = body.get(*next) {
                    match b {
                        b'\n' => *line += 1,
                        b'\r' => {}
                        _ => break,
                    }
                    *next += 1;
                }
                if *next >= body.len() {
                    return None;
                }
                let (first, record_line) = (*next, *line);
                self.spans.clear();
                let Some(last) = split_line(body, first, self.delimiter, &mut self.spans) else {
                    // A quoted field may hold delimiters and line breaks: the parser reads from
                    // this record on, its positions counted from here.
                    (self.start, self.first_line) = (first, record_line);
                    self.split = Records::parser(self.body, self.delimiter, first, self.end);
                    self.handed_back = true;
                    return self.next_record();
                };
                // The parser's record ends after its first terminator byte.
                let end = (last + 1).min(body.len());
                *text = (first, last);
                *next = end;
                *line += u64::from(body.get(last) == Some(&b'\n'));
                self.inner_lines = 0;
                Some(Ok((record_line, first, end)))
            }
        }
    }

    /// The fields of the last record.
    pub fn record(&self) -> Fields<'_> {
        let text = match &self.split {
            Split::Parser { record, .. } => record.as_slice(),
            Split::Plain { text: (a, b), .. } => &self.body[*a..*b],
        };
        Fields { text, spans: &self.spans }
    }

    /// The line breaks inside the last record, in quoted fields: a record on one line has 0.
    pub fn inner_lines(&self) -> u64 {
        self.inner_lines
    }
}

/// Splits the line that begins at `first` into fields: pushes each field's span (counted from
/// `first`) and gives where the line ends (its first `\r` or `\n`, or the end of `body`), or
/// `None` when the line holds a `"` (its fields are then the parser's to read). One look at
/// each byte, 16 at a time: which are the delimiter, a quote or a line end.
fn split_line(body: &[u8], first: usize, delimiter: u8, spans: &mut Vec<(usize, usize)>) -> Option<usize> {
    let mut field = first;
    let mut at = first;
    while at + 16 <= body.len() {
        let (delimiters, quotes, ends) = marks(&body[at..at + 16], delimiter);
        // Only what lies before the line's end belongs to it.
        let before_end = if ends == 0 { u32::MAX } else { (1 << ends.trailing_zeros()) - 1 };
        if quotes & before_end != 0 {
            return None;
        }
        let mut found = delimiters & before_end;
        while found != 0 {
            let i = at + found.trailing_zeros() as usize;
            spans.push((field - first, i - first));
            field = i + 1;
            found &= found - 1;
        }
        if ends != 0 {
            let last = at + ends.trailing_zeros() as usize;
            spans.push((field - first, last - first));
            return Some(last);
        }
        at += 16;
    }
    while let Some(&b) = body.get(at) {
        match b {
            b'\r' | b'\n' => break,
            b'"' => return None,
            _ if b == delimiter => {
                spans.push((field - first, at - first));
                field = at + 1;
            }
            _ => {}
        }
        at += 1;
    }
    spans.push((field - first, at - first));
    Some(at)
}

/// Bit masks of the bytes of `block` (16 of them) that are the delimiter, a `"`, and a `\r` or
/// `\n`.
#[cfg(target_arch = "x86_64")]
fn marks(block: &[u8], delimiter: u8) -> (u32, u32, u32) {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    assert!(block.len() >= 16);
    // SAFETY: SSE2 is part of every x86-64 processor, and the load reads the 16 bytes the
    // assertion above guarantees `block` holds (unaligned loads are allowed).
    unsafe {
        let bytes = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let equal = |b: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b as i8))) as u32;
        (equal(delimiter), equal(b'"'), equal(b'\r') | equal(b'\n'))
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn marks(block: &[u8], delimiter: u8) -> (u32, u32, u32) {
    let mask = |hit: &dyn Fn(u8) -> bool| block[..16].iter().enumerate().fold(0, |m, (i, &b)| m | (u32::from(hit(b)) << i));
    (mask(&|b| b == delimiter), mask(&|b| b == b'"'), mask(&|b| b == b'\r' || b == b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `body[start..]` as (line, start, end, inner lines, fields).
    type Read = Vec<(u64, usize, usize, u64, Vec<Vec<u8>>)>;

    fn all_records(records: &mut Records) -> Read {
        let mut out = Vec::new();
        while let Some(next) = records.next_record() {
            let (line, start, end) = next.unwrap();
            out.push((line, start, end, records.inner_lines(), records.record().iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    #[test]
    fn records_are_split_as_the_csv_parser_splits_them_before_and_after_a_quote() {
        // Bodies of delimiters, quotes, line ends of every kind (CRLF, LF, a bare CR, blank
        // lines), spaces and text, started at every byte: the same records, lines and spans
        // both ways, the lines before a first quote split without the parser.
        // Long fields and runs of delimiters put line ends, delimiters and quotes at every
        // place of a 16-byte block and across blocks.
        let alphabet = [
            &b"a"[..],
            b"bc",
            b",",
            b";",
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            b"\n\n",
            b"a longer field of text",
            b",,;,,;,,;,,;,,;,,",
            b"\xc3\xa5",
            b"\"",
            b"\"x,\ny\"",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for case in 0..3000 {
            let mut body = Vec::new();
            for _ in 0..case % 40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Quotes in one body in three: most bodies are split without the parser.
                let pick = (state % alphabet.len() as u64) as usize;
                body.extend_from_slice(alphabet[if case % 3 == 0 { pick } else { pick % 12 }]);
            }
            for start in 0..=body.len().min(6) {
                let first_line = 1 + body[..start].iter().filter(|&&b| b == b'\n').count() as u64;
                for delimiter in [b',', b';'] {
                    let mut plain = Records::chunk(&body, delimiter, start, body.len(), first_line);
                    let parsed = Records::chunk_parsed(&body, delimiter, start, body.len(), first_line);
                    let shown = String::from_utf8_lossy(&body);
                    assert_eq!(all_records(&mut plain), all_records(&mut { parsed }), "{shown:?} from {start}");
                    // The parser reads at most the lines with a quote, and none without one.
                    let quoted_lines = body[start..].split(|&b| b == b'\n' || b == b'\r').filter(|l| l.contains(&b'"')).count() as u64;
                    assert!(plain.parsed <= quoted_lines, "{shown:?} from {start}: {} records parsed", plain.parsed);
                    assert_eq!(plain.parsed == 0, quoted_lines == 0, "{shown:?} from {start}");
                }
            }
        }
    }
}

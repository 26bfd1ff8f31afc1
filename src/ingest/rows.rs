//! The row loop shared by the three readers: header matching, field access, numbers, and
//! turning a bad row into a reject with file, line, reason and raw text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::Result;

use super::source::{match_header, Header, Records, Source};
use super::{FileAccount, Reject};
use crate::error::refused;
use crate::privacy::Pseudonymizer;

/// Why a row was rejected: `kind` groups rows for the summary, `detail` is the full reason.
#[derive(Debug)]
pub struct Reason {
    pub kind: String,
    pub detail: String,
}

impl Reason {
    pub fn new(column: &str, short: &str, detail: impl Into<String>) -> Reason {
        Reason { kind: format!("{column}: {short}"), detail: format!("{column}: {}", detail.into()) }
    }
}

/// One record of a file with its columns resolved.
pub struct Row<'a> {
    source: &'a Source,
    header: &'a Header,
    record: &'a csv::ByteRecord,
    columns: &'a [(&'a str, bool)],
}

impl<'a> Row<'a> {
    /// The trimmed value of canonical column `col` (its position in the table's column list);
    /// `None` when the column is absent from the file or the value is empty.
    pub fn get(&self, col: usize) -> Result<Option<Cow<'a, str>>, Reason> {
        let Some(field) = self.header.index[col].and_then(|i| self.record.get(i)) else {
            return Ok(None);
        };
        let name = self.columns[col].0;
        let text = self.source.decode(field).map_err(|e| Reason::new(name, "not valid text", e))?;
        let trimmed = match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        };
        Ok((!trimmed.is_empty()).then_some(trimmed))
    }

    /// The value of a required column; empty is a reject.
    pub fn required(&self, col: usize) -> Result<Cow<'a, str>, Reason> {
        let name = self.columns[col].0;
        self.get(col)?.ok_or_else(|| Reason::new(name, "missing value", "required value is empty"))
    }

    /// An optional number (decimal comma or point, spaces as thousands separators).
    pub fn number(&self, col: usize) -> Result<Option<f64>, Reason> {
        let name = self.columns[col].0;
        match self.get(col)? {
            None => Ok(None),
            Some(text) => parse_number(&text)
                .map(Some)
                .ok_or_else(|| Reason::new(name, "not a number", format!("'{text}' is not a number (expected e.g. 45 or 12,5)"))),
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

/// Reads every record of `source` after the header, calling `accept` for each; rows it
/// refuses are added to `rejects`. Counts go to `account`.
pub fn scan(
    source: &Source,
    kind: &str,
    columns: &[(&str, bool)],
    mapping: &BTreeMap<String, String>,
    pseudonyms: &Pseudonymizer,
    account: &mut FileAccount,
    rejects: &mut Vec<Reject>,
    mut accept: impl FnMut(&Row, u64) -> Result<(), Reason>,
) -> Result<()> {
    let mut records = Records::new(source);
    let header = match records.next_record() {
        Some(Ok(_)) => match_header(source, kind, records.record(), columns, mapping)?,
        Some(Err(e)) => return Err(refused(format!("{kind} file {}: the header line cannot be read ({e})", source.path.display()))),
        None => return Err(refused(format!("{kind} file {}: no header line; export the file again", source.path.display()))),
    };
    while let Some(next) = records.next_record() {
        let (line, start, end) = match next {
            Ok(pos) => pos,
            Err(e) => return Err(refused(format!("{kind} file {}: cannot be read further ({e})", source.path.display()))),
        };
        account.read += 1;
        let record = records.record();
        let outcome = if record.len() != header.field_count {
            Err(Reason {
                kind: "wrong number of fields".into(),
                detail: format!(
                    "the line has {} fields, the header has {}; check the delimiter and quoting",
                    record.len(),
                    header.field_count
                ),
            })
        } else {
            let row = Row { source, header: &header, record, columns };
            accept(&row, line)
        };
        match outcome {
            Ok(()) => {}
            Err(reason) if reason.kind == super::DUPLICATE_KIND => {
                account.duplicates += 1;
                rejects.push(reject(source, pseudonyms, line, start, end, reason));
            }
            Err(reason) => {
                account.rejected += 1;
                rejects.push(reject(source, pseudonyms, line, start, end, reason));
            }
        }
    }
    account.accepted = account.read - account.rejected - account.duplicates;
    Ok(())
}

fn reject(source: &Source, pseudonyms: &Pseudonymizer, line: u64, start: usize, end: usize, reason: Reason) -> Reject {
    Reject {
        file: source.name.clone(),
        line,
        kind: pseudonyms.scrub(&reason.kind),
        reason: pseudonyms.scrub(&reason.detail),
        raw: pseudonyms.scrub(&source.raw_text(start, end)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_number;

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
}

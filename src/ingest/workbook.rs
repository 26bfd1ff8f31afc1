//! Excel workbooks as inputs (SPEC §2): the chosen sheet becomes CSV text in memory, one line
//! per sheet row, so that line numbers are the sheet's row numbers and everything after it —
//! the accounting, pseudonyms, rejects and refusals — is the CSV reader's own.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate};

use crate::model::InputKind;

/// Whether the bytes are an Excel workbook (a zip archive holding `xl/workbook.xml`).
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") && Xlsx::new(Cursor::new(bytes)).is_ok()
}

/// What the parts of a workbook that hold cells (its sheets and shared strings) unpack to, in
/// bytes, as its zip directory declares: what reading it takes in memory depends on that, not
/// on the file's size. `None` when the directory cannot be read (the reader then says why).
pub fn unpacked_cell_bytes(bytes: &[u8]) -> Option<u64> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
    // The end-of-directory record is in the last 64 KiB + 22 bytes (its comment at most 64 KiB).
    let tail = bytes.len().saturating_sub(65_557);
    let end = (tail..bytes.len().saturating_sub(21)).rev().find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))?;
    let (mut entries, mut at) = (u64::from(u16_at(end + 10)?), u64::from(u32_at(end + 16)?));
    if entries == 0xFFFF || at == 0xFFFF_FFFF {
        // Zip64: the locator before the record points to the zip64 end-of-directory record.
        let locator = end.checked_sub(20).filter(|&l| bytes[l..].starts_with(b"PK\x06\x07"))?;
        let record = usize::try_from(u64_at(locator + 8)?).ok()?;
        entries = u64_at(record + 32)?;
        at = u64_at(record + 48)?;
    }
    let mut at = usize::try_from(at).ok()?;
    let mut total = 0u64;
    for _ in 0..entries {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let (name_len, extra_len, comment_len) =
            (usize::from(u16_at(at + 28)?), usize::from(u16_at(at + 30)?), usize::from(u16_at(at + 32)?));
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        let mut size = u64::from(u32_at(at + 24)?);
        if size == 0xFFFF_FFFF {
            // The real size is the first value of the zip64 extra field (id 1).
            let extra = bytes.get(at + 46 + name_len..at + 46 + name_len + extra_len)?;
            let mut k = 0;
            while k + 4 <= extra.len() {
                let (id, len) =
                    (u16::from_le_bytes([extra[k], extra[k + 1]]), usize::from(u16::from_le_bytes([extra[k + 2], extra[k + 3]])));
                if id == 1 && len >= 8 {
                    size = u64::from_le_bytes(extra.get(k + 4..k + 12)?.try_into().ok()?);
                }
                k += 4 + len;
            }
        }
        let holds_cells = name.starts_with(b"xl/worksheets/") || name.eq_ignore_ascii_case(b"xl/sharedStrings.xml");
        if holds_cells {
            total = total.saturating_add(size);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(total)
}

/// Excel's own limit on the characters of a cell: a longer cell was not written by Excel.
const MAX_CELL_CHARS: usize = 32_767;

/// The sheet named `sheet` (or the first, when `sheet` is empty) as UTF-8 CSV text with `,`
/// between fields. `kind` is the input kind: in a visits file an Excel date at midnight is a
/// time (00:00:00); elsewhere it is a date alone (SPEC §2, §2.5).
///
/// The sheet is read a cell at a time, never as a whole grid, so the memory it takes is about
/// the text it holds: a sheet whose cells lie far apart costs no more than its cells.
pub fn sheet_as_csv(bytes: &[u8], sheet: &str, kind: InputKind) -> Result<Vec<u8>, String> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| format!("är ingen läsbar Excel-arbetsbok ({e}); spara den igen som .xlsx eller som CSV"))?;
    let names = book.sheet_names();
    let name = if sheet.is_empty() {
        // A hidden first sheet is not what the officer sees on opening the file: which sheet
        // to read is then theirs to say.
        let first = book.sheets_metadata().first().cloned().ok_or_else(|| "är en Excel-arbetsbok utan blad".to_string())?;
        if first.visible != calamine::SheetVisible::Visible {
            return Err(format!(
                "har ett dolt första blad '{}'; ange vilket blad som ska läsas i inställningsfilen ([input] sheet = \"<namn>\"); arbetsbokens blad är: {}",
                first.name,
                names.join(", ")
            ));
        }
        first.name
    } else {
        names
            .iter()
            .find(|n| n.as_str() == sheet)
            .cloned()
            .ok_or_else(|| format!("har inget blad som heter '{sheet}' ([input] sheet); arbetsbokens blad är: {}", names.join(", ")))?
    };
    let unreadable = |e: calamine::XlsxError| format!("bladet '{name}' kan inte läsas ({e})");
    // The first column with a cell: the text starts there, as the sheet's used range does.
    let mut first_column = u32::MAX;
    {
        let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
        while let Some(cell) = cells.next_cell().map_err(unreadable)? {
            if !matches!(cell.get_value(), calamine::DataRef::Empty) {
                first_column = first_column.min(cell.get_position().1);
            }
        }
    }
    let mut csv = Vec::new();
    let mut lines = SheetLines { csv: &mut csv, next_row: 0, row: Vec::new(), width: None };
    let mut current = None;
    let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        if current != Some(row) {
            if let Some(done) = current {
                lines.end_row(done);
            }
            current = Some(row);
        }
        let text = cell_text(&Data::from(cell.get_value().clone()), kind);
        if text.chars().nth(MAX_CELL_CHARS).is_some() {
            return Err(format!(
                "bladet '{name}' rad {} har en cell med {} tecken, fler än Excels {MAX_CELL_CHARS}: filen är inte sparad av Excel som den är; exportera uppgifterna igen",
                row + 1,
                text.chars().count()
            ));
        }
        if !text.is_empty() && column >= first_column {
            lines.row.push((column - first_column, text));
        }
    }
    if let Some(done) = current {
        lines.end_row(done);
    }
    Ok(csv)
}

/// The CSV text of a sheet being written a row at a time: line n is row n of the sheet.
struct SheetLines<'a> {
    csv: &'a mut Vec<u8>,
    /// The sheet row the next line stands for.
    next_row: u32,
    /// The non-empty cells of the row being read, by column from the first used one.
    row: Vec<(u32, String)>,
    /// Fields per row: the header's (the first row with a cell).
    width: Option<usize>,
}

impl SheetLines<'_> {
    /// Writes the row read as the line of sheet row `row`, after blank lines for the rows
    /// before it without cells. Every row is as wide as the header (the first non-empty row),
    /// so an empty last cell is an empty field, as in a CSV export; cells beyond the header's
    /// width are kept (the row is then rejected for its field count, as a CSV row would be).
    fn end_row(&mut self, row: u32) {
        let blank = row.saturating_sub(self.next_row) as usize;
        self.csv.extend(std::iter::repeat_n(b'\n', blank));
        self.next_row = self.next_row.max(row) + 1;
        self.row.sort_by_key(|(column, _)| *column);
        if let Some(last) = self.row.last().map(|(column, _)| *column as usize) {
            let header_width = *self.width.get_or_insert(last + 1);
            let mut cells = self.row.drain(..).peekable();
            for i in 0..=last.max(header_width - 1) {
                if i > 0 {
                    self.csv.push(b',');
                }
                // A second cell given for one column (no sheet Excel writes has one) is dropped.
                while cells.next_if(|(column, _)| (*column as usize) < i).is_some() {}
                if let Some((_, text)) = cells.next_if(|(column, _)| *column as usize == i) {
                    push_field(self.csv, &text);
                }
            }
        }
        self.csv.push(b'\n');
    }
}

/// A field quoted where CSV needs it. A line break inside a cell becomes a space, so that
/// each sheet row stays one line of the text.
fn push_field(csv: &mut Vec<u8>, text: &str) {
    let text: std::borrow::Cow<str> =
        if text.contains(['\n', '\r']) { text.replace("\r\n", " ").replace(['\n', '\r'], " ").into() } else { text.into() };
    if text.contains([',', '"']) {
        csv.push(b'"');
        csv.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        csv.push(b'"');
    } else {
        csv.extend_from_slice(text.as_bytes());
    }
}

/// A cell as the text a CSV export would hold: text as it is, whole numbers without a
/// decimal point, other numbers with `.`, Excel dates as local date and time rounded to the
/// nearest second.
fn cell_text(cell: &Data, kind: InputKind) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            let date = NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d));
            let Some(at) = date.and_then(|date| date.and_hms_opt(u32::from(h), u32::from(mi), u32::from(s))) else {
                return dt.as_f64().to_string();
            };
            let at = if ms >= 500 { at + Duration::seconds(1) } else { at };
            if kind != InputKind::Visits && at.time() == chrono::NaiveTime::MIN {
                at.format("%Y-%m-%d").to_string()
            } else {
                at.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    fn date(value: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(value, ExcelDateTimeType::DateTime, false))
    }

    #[test]
    fn cells_read_as_a_csv_export_would_hold_them() {
        // 45717 is 2025-03-01; 0.3125 of a day is 07:30; 0.4999999 rounds to noon.
        assert_eq!(cell_text(&date(45717.3125), InputKind::Visits), "2025-03-01 07:30:00");
        assert_eq!(cell_text(&date(45717.0), InputKind::Visits), "2025-03-01 00:00:00");
        assert_eq!(cell_text(&date(45717.0), InputKind::Absences), "2025-03-01");
        assert_eq!(cell_text(&date(45717.5 - 0.4 / 86400.0), InputKind::Visits), "2025-03-01 12:00:00");
        assert_eq!(cell_text(&date(45717.5 - 0.6 / 86400.0), InputKind::Visits), "2025-03-01 11:59:59");
        assert_eq!(cell_text(&Data::Float(30.0), InputKind::Visits), "30");
        assert_eq!(cell_text(&Data::Float(12.5), InputKind::Visits), "12.5");
        assert_eq!(cell_text(&Data::Float(194503121230.0), InputKind::Visits), "194503121230");
        assert_eq!(cell_text(&Data::String("Vård, Öst".into()), InputKind::Visits), "Vård, Öst");
        let mut csv = Vec::new();
        push_field(&mut csv, "Vård, \"Öst\"\nAB");
        assert_eq!(String::from_utf8(csv).unwrap(), "\"Vård, \"\"Öst\"\" AB\"");
    }
}

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

/// The sheet named `sheet` (or the first, when `sheet` is empty) as UTF-8 CSV text with `,`
/// between fields. `kind` is the input kind: in a visits file an Excel date at midnight is a
/// time (00:00:00); elsewhere it is a date alone (SPEC §2, §2.5).
pub fn sheet_as_csv(bytes: &[u8], sheet: &str, kind: InputKind) -> Result<Vec<u8>, String> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| format!("är ingen läsbar Excel-arbetsbok ({e}); spara den igen som .xlsx eller som CSV"))?;
    let names = book.sheet_names();
    let name = if sheet.is_empty() {
        names.first().cloned().ok_or_else(|| "är en Excel-arbetsbok utan blad".to_string())?
    } else {
        names
            .iter()
            .find(|n| n.as_str() == sheet)
            .cloned()
            .ok_or_else(|| format!("har inget blad som heter '{sheet}' ([input] sheet); arbetsbokens blad är: {}", names.join(", ")))?
    };
    let range = book.worksheet_range(&name).map_err(|e| format!("bladet '{name}' kan inte läsas ({e})"))?;
    let mut csv = Vec::with_capacity(range.height() * range.width() * 12);
    let Some((first_row, _)) = range.start() else { return Ok(csv) };
    // Rows above the used range are blank lines, so line n of the text is row n of the sheet.
    csv.extend(std::iter::repeat_n(b'\n', first_row as usize));
    // Every row is as wide as the header (the first non-empty row), so an empty last cell is
    // an empty field, as in a CSV export; cells beyond the header's width are kept (the row is
    // then rejected for its field count, as a CSV row would be).
    let mut width = None;
    for row in range.rows() {
        let last = row.iter().rposition(|c| !matches!(c, Data::Empty));
        if let Some(last) = last {
            let header_width = *width.get_or_insert(last + 1);
            for (i, cell) in row[..=last.max(header_width - 1)].iter().enumerate() {
                if i > 0 {
                    csv.push(b',');
                }
                push_field(&mut csv, &cell_text(cell, kind));
            }
        }
        csv.push(b'\n');
    }
    Ok(csv)
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

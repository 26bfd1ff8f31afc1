//! The answers of the verification sample read back (SPEC §11): the filled call list (the
//! workbook `tidkoll sample` wrote, or a CSV file with the columns `visit_id` and
//! `bekraftad`) checked against the last draw stored for the month.

use std::io::Cursor;
use std::path::Path;

use anyhow::Result;
use calamine::{Data, Reader, Xlsx};

use crate::bytes_map::HashMap;
use crate::error::refused;
use crate::month::sample::{summarize, Answer, AnswerSummary};
use crate::store::sample::{stored_text, StoredSample};

/// The answer column's name; `bekräftad` is read as well.
pub const ANSWER_COLUMN: &str = "bekraftad";
pub const VISIT_COLUMN: &str = "visit_id";

/// An answers file larger than this is no filled call list.
const MAX_BYTES: u64 = 64 << 20;

/// Errors listed in one message; the rest are counted.
const MAX_LISTED: usize = 20;

/// One row of the answers file: where it is (for messages), the visit and the answer as typed.
struct AnswerRow {
    place: String,
    visit_id: String,
    answer: String,
}

/// Reads the answers file and checks every row against the stored sample; the answers by
/// visit id. Every error is listed (the first twenty), each naming the file and the row.
pub fn read_answers_file(path: &Path, sample: &[StoredSample]) -> Result<HashMap<String, Answer>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| refused(format!("svarsfilen {shown} kan inte läsas: {e}")))?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(refused(format!(
            "svarsfilen {shown} är ingen ifylld samtalslista (en mapp, en enhet eller över {} MB); ange stickprov.xlsx eller en CSV-fil med kolumnerna visit_id och bekraftad",
            MAX_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| refused(format!("svarsfilen {shown} kan inte läsas: {e}")))?;
    // A workbook is told by its content (a zip archive that opens as one), not by its name.
    let is_workbook = bytes.starts_with(b"PK\x03\x04") && Xlsx::new(Cursor::new(&bytes[..])).is_ok();
    let rows =
        if is_workbook { workbook_rows(&bytes) } else { csv_rows(&bytes) }.map_err(|why| refused(format!("svarsfilen {shown}: {why}")))?;
    check_rows(&shown.to_string(), rows, sample)
}

/// The summary of the answers per supplier and part of the sample (`svar.csv`).
pub fn answers_summary(sample: &[StoredSample], answers: &HashMap<String, Answer>) -> Vec<AnswerSummary> {
    summarize(sample.iter().map(|s| (s.supplier_id.as_str(), s.drawn, answers.get(&s.visit_id).copied())))
}

fn check_rows(file: &str, rows: Vec<AnswerRow>, sample: &[StoredSample]) -> Result<HashMap<String, Answer>> {
    let sampled: HashMap<&str, &StoredSample> = sample.iter().map(|s| (s.visit_id.as_str(), s)).collect();
    let mut answers: HashMap<String, Answer> = HashMap::default();
    let mut first_place: HashMap<String, String> = HashMap::default();
    let mut errors = Vec::new();
    for row in rows {
        let visit_id = stored_text(row.visit_id.trim()).to_string();
        let typed = row.answer.trim();
        if visit_id.is_empty() {
            if !typed.is_empty() {
                errors.push(format!("{}: svaret '{}' står utan visit_id; skriv svaret på besökets rad", row.place, shown(typed)));
            }
            continue;
        }
        // A row without an answer says nothing, whatever stands in its visit column (a title
        // row when the empty row before a supplier's block was deleted).
        if typed.is_empty() {
            continue;
        }
        if !sampled.contains_key(visit_id.as_str()) {
            errors.push(format!(
                "{}: besöket '{}' finns inte i månadens senast dragna stickprov; använd listan från den senaste dragningen eller ta bort raden",
                row.place,
                shown(&visit_id)
            ));
            continue;
        }
        let Some(answer) = Answer::parse(typed) else {
            errors.push(format!(
                "{}: svaret '{}' för besöket '{}' är inget av ja, nej eller delvis",
                row.place,
                shown(typed),
                shown(&visit_id)
            ));
            continue;
        };
        if let Some(first) = first_place.get(&visit_id) {
            errors.push(format!("{}: besöket '{}' är redan besvarat på {first}; behåll ett svar per besök", row.place, shown(&visit_id)));
            continue;
        }
        first_place.insert(visit_id.clone(), row.place);
        answers.insert(visit_id, answer);
    }
    if !errors.is_empty() {
        let more = errors.len().saturating_sub(MAX_LISTED);
        let mut text = format!("svarsfilen {file} har {} fel; rätta dem och läs in filen igen:", errors.len());
        for e in errors.iter().take(MAX_LISTED) {
            text.push_str(&format!("\n  {e}"));
        }
        if more > 0 {
            text.push_str(&format!("\n  … och {more} till"));
        }
        return Err(refused(text));
    }
    Ok(answers)
}

/// A value of the answers file as an error message shows it: a personnummer typed into it
/// masked, and control characters written as escapes (`\r`): a carriage return in a visit id
/// taken over from the export would send the terminal back to the start of the line.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::privacy::mask(text).chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a header cell names the visit or the answer column (any case, `ä` for `a`).
fn header_of(cell: &str) -> Option<&'static str> {
    match cell.trim().to_lowercase().as_str() {
        VISIT_COLUMN => Some(VISIT_COLUMN),
        ANSWER_COLUMN | "bekräftad" => Some(ANSWER_COLUMN),
        _ => None,
    }
}

/// The places of the visit and answer columns, when `cells` is a header row.
fn header_row(cells: &[String]) -> Option<(usize, usize)> {
    let visit = cells.iter().position(|c| header_of(c) == Some(VISIT_COLUMN))?;
    let answer = cells.iter().position(|c| header_of(c) == Some(ANSWER_COLUMN))?;
    Some((visit, answer))
}

const NO_HEADER: &str = "ingen rubrikrad med kolumnerna visit_id och bekraftad hittades; fyll i samtalslistan stickprov.xlsx som tidkoll sample skrev, eller ge CSV-filen de kolumnerna";

/// The rows under each header row of every sheet, up to the next empty row (the call list has
/// a block per supplier, its title rows after an empty row).
fn workbook_rows(bytes: &[u8]) -> Result<Vec<AnswerRow>, String> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("är ingen läsbar Excel-arbetsbok ({e}); spara den igen som .xlsx"))?;
    let mut rows = Vec::new();
    let mut any_header = false;
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| format!("bladet '{name}' kan inte läsas ({e})"))?;
        let first_row = range.start().map_or(0, |(row, _)| row);
        let mut columns: Option<(usize, usize)> = None;
        for (k, cells) in range.rows().enumerate() {
            let texts: Vec<String> = cells.iter().map(cell_text).collect();
            if let Some(found) = header_row(&texts) {
                columns = Some(found);
                any_header = true;
                continue;
            }
            // An empty row ends a supplier's block: the title rows of the next follow it.
            if texts.iter().all(|t| t.trim().is_empty()) {
                columns = None;
                continue;
            }
            let Some((visit, answer)) = columns else { continue };
            let get = |c: usize| texts.get(c).cloned().unwrap_or_default();
            rows.push(AnswerRow {
                place: format!("bladet '{name}' rad {}", first_row as usize + k + 1),
                visit_id: get(visit),
                answer: get(answer),
            });
        }
    }
    if !any_header {
        return Err(NO_HEADER.to_string());
    }
    Ok(rows)
}

/// A cell as text: numbers as they are written (an id typed as a number reads as that number).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// The rows of a CSV answers file: UTF-8 (with or without byte-order mark) or Windows-1252,
/// `,`, `;` or tab between the fields; the first non-empty line is the header.
fn csv_rows(bytes: &[u8]) -> Result<Vec<AnswerRow>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    };
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b';', b'\t', b','].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut columns: Option<(usize, usize)> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("kan inte läsas som CSV ({e})"))?;
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        let Some((visit, answer)) = columns else {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            columns = Some(header_row(&cells).ok_or_else(|| NO_HEADER.to_string())?);
            continue;
        };
        let get = |c: usize| cells.get(c).cloned().unwrap_or_default();
        rows.push(AnswerRow { place: format!("rad {line}"), visit_id: get(visit), answer: get(answer) });
    }
    if columns.is_none() {
        return Err(NO_HEADER.to_string());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::month::sample::Drawn;

    fn sample() -> Vec<StoredSample> {
        ["v1", "v2", "-v3"]
            .iter()
            .map(|id| StoredSample { supplier_id: "A".into(), visit_id: id.to_string(), drawn: Drawn::Random })
            .collect()
    }

    #[test]
    fn a_csv_in_any_dialect_is_read() {
        let text = "\u{feff}Kund;visit_id;Bekräftad;kommentar\n;v1;JA;\n;'-v3;delvis;ringde två gånger\n;v2;;\n";
        let answers = check_rows("f", csv_rows(text.as_bytes()).unwrap(), &sample()).unwrap();
        assert_eq!(answers.len(), 2);
        assert_eq!(answers["v1"], Answer::Confirmed);
        assert_eq!(answers["-v3"], Answer::Partly);
    }

    #[test]
    fn each_bad_row_is_named() {
        let text = "visit_id,bekraftad\nv1,ja\nv9,nej\nv2,kanske\nv1,nej\n,ja\nRubrik utan svar,\n";
        let e = check_rows("svar.csv", csv_rows(text.as_bytes()).unwrap(), &sample()).unwrap_err().to_string();
        assert!(e.starts_with("svarsfilen svar.csv har 4 fel"), "{e}");
        assert!(e.contains("rad 3: besöket 'v9' finns inte i månadens senast dragna stickprov"), "{e}");
        assert!(e.contains("rad 4: svaret 'kanske' för besöket 'v2' är inget av ja, nej eller delvis"), "{e}");
        assert!(e.contains("rad 5: besöket 'v1' är redan besvarat på rad 2"), "{e}");
        assert!(e.contains("rad 6: svaret 'ja' står utan visit_id"), "{e}");
        assert_eq!(csv_rows(b"id,svar\n1,ja\n").err().as_deref(), Some(NO_HEADER));
    }

    #[test]
    fn a_bad_row_is_named_without_its_control_characters_or_a_personnummer() {
        let mut stored = sample();
        stored[0].visit_id = "v\r1".into();
        let rows = |cells: &[(&str, &str)]| -> Vec<AnswerRow> {
            let row = |(i, (visit_id, answer)): (usize, &(&str, &str))| AnswerRow {
                place: format!("rad {}", i + 2),
                visit_id: visit_id.to_string(),
                answer: answer.to_string(),
            };
            cells.iter().enumerate().map(row).collect()
        };
        let e = check_rows("svar.xlsx", rows(&[("v\r1", "19431006-2122"), ("x\u{1b}[2J", "ja"), ("v\r1", "ja")]), &stored).unwrap_err();
        let e = e.to_string();
        assert!(!e.contains('\r') && !e.contains('\u{1b}') && !e.contains("2122"), "{e:?}");
        assert!(e.contains("rad 2: svaret '[personnummer]' för besöket 'v\\r1' är inget av ja, nej eller delvis"), "{e}");
        assert!(e.contains("rad 3: besöket 'x\\u{1b}[2J' finns inte"), "{e}");
    }
}

//! The verification sample for people (SPEC §11): the call list an officer prints and fills in
//! (`stickprov.xlsx`: a page per supplier, what to ask about each visit, the answer columns,
//! and a sheet on how the sample was drawn), and the terminal summaries of the draw and of the
//! answers read back.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::report::spreadsheet::{header_text, Format, FormatAlign, FormatBorder, ListValidation, SheetError, Workbook, Worksheet};
use anyhow::Result;
use chrono::{Datelike, NaiveDateTime, Weekday};

use crate::model::YearMonth;
use crate::month::sample::{Answer, AnswerSummary, Drawn, SampledVisit};
use crate::period::sample::{ANSWER_COLUMN, VISIT_COLUMN};
use crate::report::labels::percent_sv;
use crate::report::SUPPLIERS_PER_PRINTED_SHEET;

/// How a sample was drawn, as the workbook and the terminal tell it.
pub struct DrawnHow<'a> {
    pub month: YearMonth,
    pub seed: &'a str,
    pub size: usize,
    pub max_valid_minutes: f64,
    /// The results folder as typed (`--out`), for the commands that repeat the draw.
    pub out: &'a Path,
    /// The month was stored before the payment basis: no visit counts as questioned.
    pub questioned_not_stored: bool,
    pub populations: &'a BTreeMap<String, u64>,
}

/// The call list's columns: heading and width. `visit_id` and `bekraftad` keep the names the
/// answers are read back by.
const COLUMNS: [(&str, f64); 9] = [
    (VISIT_COLUMN, 16.0),
    ("Kund (pseudonym)", 21.0),
    ("Dag", 17.0),
    ("Tid", 12.0),
    ("Minuter", 8.0),
    ("Insatser", 18.0),
    ("Personal", 12.0),
    (ANSWER_COLUMN, 11.0),
    ("kommentar", 34.0),
];
const ANSWER_AT: u16 = 7;

/// A row's height in points: room to write an answer and a comment by hand.
const ROW_POINTS: f64 = 24.0;

fn weekday_sv(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "måndag",
        Weekday::Tue => "tisdag",
        Weekday::Wed => "onsdag",
        Weekday::Thu => "torsdag",
        Weekday::Fri => "fredag",
        Weekday::Sat => "lördag",
        Weekday::Sun => "söndag",
    }
}

/// The day as a client says it: `tisdag 2025-03-04`.
fn day_text(t: NaiveDateTime) -> String {
    format!("{} {}", weekday_sv(t.weekday()), t.format("%Y-%m-%d"))
}

/// `08:00–08:30`, with the date of the end when the visit ends on another day.
fn time_text(v: &SampledVisit) -> String {
    let end = if v.check_out.date() == v.check_in.date() {
        v.check_out.format("%H:%M").to_string()
    } else {
        v.check_out.format("%m-%d %H:%M").to_string()
    };
    format!("{}–{end}", v.check_in.format("%H:%M"))
}

/// Writes the call list: the sheet `Samtalslista` with a block per supplier (a page each, its
/// visits by client and time so that one call covers a client's visits), then the sheet
/// `Om urvalet`.
pub fn write_call_list(path: &Path, sample: &[SampledVisit], how: &DrawnHow) -> Result<()> {
    let mut book = Workbook::new();
    let build = |book: &mut Workbook| -> Result<(), SheetError> {
        let mut by_supplier: BTreeMap<&str, Vec<&SampledVisit>> = BTreeMap::new();
        for v in sample {
            by_supplier.entry(v.supplier_id.as_str()).or_default().push(v);
        }
        let suppliers: Vec<(&str, Vec<&SampledVisit>)> = by_supplier.into_iter().collect();
        let sheets: Vec<&[(&str, Vec<&SampledVisit>)]> = suppliers.chunks(SUPPLIERS_PER_PRINTED_SHEET).collect();
        for (k, part) in sheets.iter().enumerate() {
            let name = if k == 0 { CALL_SHEET.to_string() } else { format!("{CALL_SHEET} {}", k + 1) };
            call_sheet(book.add_worksheet(), &name, part, how)?;
        }
        if sheets.is_empty() {
            call_sheet(book.add_worksheet(), CALL_SHEET, &[], how)?;
        }
        about_sheet(book.add_worksheet(), sample, how)?;
        Ok(())
    };
    build(&mut book).map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
    book.save(path)
}

fn header_format() -> Format {
    Format::new().set_bold().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin)
}

fn cell_format() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin)
}

/// The call list's sheet, and its first name when the suppliers fill more than one.
const CALL_SHEET: &str = "Samtalslista";

/// A sheet of the call list: a block per supplier, each on a page of its own.
fn call_sheet(sheet: &mut Worksheet, name: &str, suppliers: &[(&str, Vec<&SampledVisit>)], how: &DrawnHow) -> Result<(), SheetError> {
    sheet.set_name(name)?;
    for (c, (_, width)) in COLUMNS.iter().enumerate() {
        sheet.set_column_width(c as u16, *width)?;
    }
    let title = Format::new().set_bold().set_font_size(13);
    let note = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let (head, cell) = (header_format(), cell_format());
    let answer_cell = cell.set_align(FormatAlign::Center);
    let validation = ListValidation {
        words: Answer::WORDS.map(String::from).to_vec(),
        input_title: "bekraftad".into(),
        input_message: "Ägde besöket rum? ja, nej eller delvis".into(),
        error_title: "Okänt svar".into(),
        error_message: "Skriv ja, nej eller delvis (eller lämna tomt om kunden inte nåtts).".into(),
    };
    let last = COLUMNS.len() as u16 - 1;
    let mut row = 0u32;
    let mut breaks = Vec::new();
    for (supplier, visits) in suppliers {
        let mut visits = visits.clone();
        if row > 0 {
            breaks.push(row);
        }
        visits.sort_by(|a, b| (&a.client_id, a.check_in, &a.visit_id).cmp(&(&b.client_id, b.check_in, &b.visit_id)));
        sheet.merge_range(row, 0, row, last, &format!("Kontrollsamtal {} – {supplier}", how.month), &title)?;
        sheet.set_row_height(row, 20)?;
        row += 1;
        let ask = "Fråga kunden (eller anhörig) om besöket ägde rum den dagen och tiden, så länge och med de insatserna. \
Skriv ja, nej eller delvis under bekraftad och vad kunden sa under kommentar; lämna tomt om kunden inte nåtts. \
Kunden och telefonnumret hittas genom visit_id i verksamhetssystemet; listan visar bara kundens pseudonym.";
        sheet.merge_range(row, 0, row, last, ask, &note)?;
        sheet.set_row_height(row, 45)?;
        row += 1;
        for (c, (name, _)) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, *name, &head)?;
        }
        row += 1;
        let first = row;
        for v in visits {
            sheet.write_string_with_format(row, 0, &v.visit_id, &cell)?;
            sheet.write_string_with_format(row, 1, &v.client_id, &cell)?;
            sheet.write_string_with_format(row, 2, day_text(v.check_in), &cell)?;
            sheet.write_string_with_format(row, 3, time_text(v), &cell)?;
            sheet.write_string_with_format(row, 4, v.minutes_text().replace('.', ","), &cell.set_align(FormatAlign::Right))?;
            sheet.write_string_with_format(row, 5, v.services.replace('|', ", "), &cell)?;
            sheet.write_string_with_format(row, 6, &v.staff_id, &cell)?;
            sheet.write_blank(row, ANSWER_AT, &answer_cell)?;
            sheet.write_blank(row, ANSWER_AT + 1, &cell)?;
            sheet.set_row_height(row, ROW_POINTS)?;
            row += 1;
        }
        sheet.add_list_validation(first, ANSWER_AT, row - 1, ANSWER_AT, &validation)?;
        row += 1;
    }
    if row == 0 {
        sheet.write_string(0, 0, format!("Ingen utförare hade utförda besök med giltig tid i {}.", how.month))?;
    }
    sheet.set_paper_size(9).set_landscape();
    sheet.set_margins(0.4, 0.4, 0.75, 0.75, 0.3, 0.3);
    sheet.set_header(format!("&LKontrollsamtal {} – stickprov (frö {})", how.month, header_text(how.seed, 120)));
    sheet.set_footer("&CSida &P av &N");
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}

fn about_sheet(sheet: &mut Worksheet, sample: &[SampledVisit], how: &DrawnHow) -> Result<(), SheetError> {
    sheet.set_name("Om urvalet")?;
    sheet.set_column_width(0, 40)?;
    for c in 1..4 {
        sheet.set_column_width(c, 16)?;
    }
    let title = Format::new().set_bold().set_font_size(13);
    let text = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let head = header_format();
    let out = how.out.display().to_string();
    let out = if out.contains(' ') { format!("\"{out}\"") } else { out };
    let seed = if how.seed.contains(' ') || how.seed.is_empty() { format!("\"{}\"", how.seed) } else { how.seed.to_string() };
    let mut row = 0u32;
    sheet.merge_range(row, 0, row, 3, &format!("Så drogs stickprovet för {}", how.month), &title)?;
    row += 2;
    let mut paragraphs = vec![
        format!(
            "Dragningen gjordes {} ur den sparade månaden {} med fröet {seed} och {} besök per utförare (färre när utföraren hade färre besök).",
            chrono::Local::now().date_naive(),
            how.month,
            how.size
        ),
        format!(
            "Urvalsramen är varje utförares utförda besök i månaden med giltig besökstid: utkvitterade, 0–{} minuter långa.",
            format_number(how.max_valid_minutes)
        ),
        "Hälften av besöken (avrundat nedåt) väljs efter risk: ett besök med flaggor eller ifrågasatt tid har större chans att komma med, \
vikten är 1 + 2 × antalet olika flaggor + 4 om tiden ifrågasätts i ersättningsunderlaget. Resten väljs helt slumpmässigt bland de övriga besöken. \
Bara den slumpmässiga delen visar hur vanligt det är att kunderna inte bekräftar besök hos utföraren; den riskvalda delen söker fel där de är troliga och överskattar därför."
            .to_string(),
        "Varje besöks slumptal u räknas fram av texten fröet, utförarens id och besökets visit_id, åtskilda av tecknet 0x1F: de första 8 byten av dess SHA-256 läses som ett heltal U, och u = ((U >> 11) + 0,5) / 2^53. \
Efter risk dras de k besök som har störst ln(u) / vikt, där k är hälften av urvalet avrundat nedåt; slumpmässigt de återstående med minst u bland resten. Lika värden avgörs av visit_id i bokstavsordning. \
Vem som helst kan alltså räkna om urvalet ur månadens visits.parquet, flags.csv och questioned.csv."
            .to_string(),
        format!("Samma urval dras igen med\n  tidkoll sample --month {} --seed {seed} --size {} --out {out}", how.month, how.size),
        format!(
            "Svaren läses in med\n  tidkoll sample --month {} --answers stickprov.xlsx --out {out}\n(ange sökvägen till den ifyllda filen). Kolumnerna visit_id och bekraftad läses; andra kolumner och blad lämnas orörda. En ny dragning ersätter listan, så läs in svaren innan stickprovet dras om.",
            how.month
        ),
        "Listan innehåller inga personnummer: kunderna visas med den pseudonym som månadens resultat använder.".to_string(),
    ];
    if how.questioned_not_stored {
        paragraphs.push(
            "Månaden sparades innan ersättningsunderlaget fanns (ingen questioned.csv): inget besök räknades som ifrågasatt.".to_string(),
        );
    }
    for p in &paragraphs {
        sheet.merge_range(row, 0, row, 3, p, &text)?;
        let lines = p.split('\n').map(|l| l.chars().count() / 95 + 1).sum::<usize>();
        sheet.set_row_height(row, 15.0 * lines as f64)?;
        row += 1;
    }
    row += 1;
    for (c, name) in ["Utförare", "Besök i urvalsramen", "Dragna efter risk", "Dragna slumpmässigt"].iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *name, &head)?;
    }
    sheet.set_row_height(row, 30)?;
    sheet.set_repeat_rows(row, row)?;
    row += 1;
    let cell = cell_format();
    for (supplier, population) in how.populations {
        let count = |d: Drawn| sample.iter().filter(|v| v.supplier_id == *supplier && v.drawn == d).count() as f64;
        sheet.write_string_with_format(row, 0, supplier, &cell)?;
        sheet.write_number_with_format(row, 1, *population as f64, &cell)?;
        sheet.write_number_with_format(row, 2, count(Drawn::Risk), &cell)?;
        sheet.write_number_with_format(row, 3, count(Drawn::Random), &cell)?;
        row += 1;
    }
    sheet.set_paper_size(9);
    sheet.set_margins(0.6, 0.6, 0.75, 0.75, 0.3, 0.3);
    sheet.set_header(format!("&LKontrollsamtal {} – om urvalet", how.month));
    sheet.set_footer("&CSida &P av &N");
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// A number without needless decimals, with a decimal comma.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        v.to_string().replace('.', ",")
    }
}

/// Suppliers listed on the terminal; the rest are in the files.
const LISTED: usize = 40;

/// The terminal summary of a draw.
pub fn draw_summary(sample: &[SampledVisit], how: &DrawnHow, dir: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Stickprov för kontrollsamtal {} (frö {}, {} besök per utförare): {} besök hos {} utförare.",
        how.month,
        how.seed,
        how.size,
        sample.len(),
        how.populations.len()
    );
    if how.questioned_not_stored {
        let _ = writeln!(out, "Obs: månaden sparades innan ersättningsunderlaget fanns; inget besök räknas som ifrågasatt.");
    }
    let width = how.populations.keys().map(|s| s.chars().count()).max().unwrap_or(8).clamp(8, 40);
    let _ = writeln!(out, "\n  {:<width$}  {:>12}  {:>10}  {:>12}", "utförare", "urvalsram", "efter risk", "slumpmässigt");
    for (supplier, population) in how.populations.iter().take(LISTED) {
        let count = |d: Drawn| sample.iter().filter(|v| v.supplier_id == *supplier && v.drawn == d).count();
        let _ = writeln!(out, "  {supplier:<width$}  {population:>12}  {:>10}  {:>12}", count(Drawn::Risk), count(Drawn::Random));
    }
    if how.populations.len() > LISTED {
        let _ = writeln!(out, "  … och {} utförare till (se stickprov.csv)", how.populations.len() - LISTED);
    }
    let _ = writeln!(out, "\nSamtalslistan att skriva ut och fylla i: {}", dir.join(crate::store::sample::SAMPLE_XLSX).display());
    let _ = writeln!(out, "Urvalet som tabell:                     {}", dir.join(crate::store::sample::SAMPLE_CSV).display());
    let _ = writeln!(
        out,
        "\nNästa steg: ring kunderna, skriv ja, nej eller delvis i kolumnen bekraftad och läs in svaren med\n  tidkoll sample --month {} --answers <ifylld fil> --out {}",
        how.month,
        how.out.display()
    );
    out
}

/// The terminal summary of the answers read back: per supplier the random part's estimate and
/// the risk part's count.
pub fn answers_summary_text(month: YearMonth, rows: &[AnswerSummary], path: &Path) -> String {
    let mut out = String::new();
    let answered: u32 = rows.iter().filter(|r| r.drawn.is_none()).map(|r| r.answered).sum();
    let sampled: u32 = rows.iter().filter(|r| r.drawn.is_none()).map(|r| r.sampled).sum();
    let _ = writeln!(out, "Svar på kontrollsamtalen {month}: {answered} av {sampled} besök besvarade.");
    let suppliers: Vec<&str> = {
        let mut s: Vec<&str> = rows.iter().map(|r| r.supplier_id.as_str()).collect();
        s.dedup();
        s
    };
    let width = suppliers.iter().map(|s| s.chars().count()).max().unwrap_or(8).clamp(8, 40);
    let _ = writeln!(
        out,
        "\n  {:<width$}  {:>14}  {:>16}  {:>14}  {:>16}",
        "utförare", "slump: svar", "slump: ej bekr.", "risk: svar", "risk: ej bekr."
    );
    for supplier in suppliers.iter().take(LISTED) {
        let part = |d: Drawn| rows.iter().find(|r| r.supplier_id == *supplier && r.drawn == Some(d));
        let cells = |d: Drawn| match part(d) {
            None => ("–".to_string(), "–".to_string()),
            Some(r) => (
                format!("{} av {}", r.answered, r.sampled),
                if r.answered == 0 {
                    "–".to_string()
                } else {
                    format!("{} ({})", r.not_confirmed, percent_sv(i64::from(r.not_confirmed), i64::from(r.answered)))
                },
            ),
        };
        let (random_answered, random_share) = cells(Drawn::Random);
        let (risk_answered, risk_share) = cells(Drawn::Risk);
        let _ = writeln!(out, "  {supplier:<width$}  {random_answered:>14}  {random_share:>16}  {risk_answered:>14}  {risk_share:>16}");
    }
    if suppliers.len() > LISTED {
        let _ = writeln!(out, "  … och {} utförare till (se svar.csv)", suppliers.len() - LISTED);
    }
    let _ = writeln!(
        out,
        "\nAndelen ej bekräftade i slumpurvalet skattar hur stor del av utförarens registreringar som kunderna inte bekräftar; \
med få svar är skattningen mycket osäker. Riskurvalet söker fel där de är troliga och säger inte hur vanliga de är.\n\
Kvartalets matris och åtgärdsplaner visar svaren nästa gång `tidkoll quarter` körs.\n\nSammanställningen: {}",
        path.display()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_suppliers_than_a_sheet_takes_page_breaks_for_go_on_a_second_sheet() {
        let t = chrono::NaiveDate::from_ymd_opt(2025, 3, 4).unwrap().and_hms_opt(8, 0, 0).unwrap();
        let sample: Vec<SampledVisit> = (0..1030)
            .map(|k| SampledVisit {
                supplier_id: format!("U{k:04}"),
                visit_id: format!("v{k}"),
                drawn: Drawn::Random,
                check_in: t,
                check_out: t + chrono::Duration::minutes(30),
                seconds: 1800,
                staff_id: "P1".into(),
                client_id: "K-1".into(),
                services: "OMV".into(),
                flags: Vec::new(),
                questioned: None,
                u: 0.5,
                weight: 1.0,
            })
            .collect();
        let populations: BTreeMap<String, u64> = sample.iter().map(|v| (v.supplier_id.clone(), 1)).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stickprov.xlsx");
        let how = DrawnHow {
            month: YearMonth::new(2025, 3).unwrap(),
            seed: "2025-03",
            size: 10,
            max_valid_minutes: 720.0,
            out: Path::new("ut"),
            questioned_not_stored: false,
            populations: &populations,
        };
        write_call_list(&path, &sample, &how).unwrap();
        use calamine::Reader;
        let book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), ["Samtalslista", "Samtalslista 2", "Om urvalet"]);
    }

    #[test]
    fn days_and_shares_are_written_the_swedish_way() {
        let t = chrono::NaiveDate::from_ymd_opt(2025, 3, 4).unwrap().and_hms_opt(8, 0, 0).unwrap();
        assert_eq!(day_text(t), "tisdag 2025-03-04");
        assert_eq!(format_number(720.0), "720");
        assert_eq!(format_number(7.5), "7,5");
    }
}

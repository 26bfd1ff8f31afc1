//! Excel workbooks as inputs (SPEC §2): the same exports saved as .xlsx give the same figures,
//! flags and accounting as the CSV files.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::common::Work;

/// Writes a Swedish-dialect CSV export (Windows-1252, `;`) as the first sheet of a workbook the
/// way Excel holds it: timestamps and dates as Excel dates, decimal-comma numbers as numbers,
/// everything else as text. Blank rows above the header test that the first non-empty row is
/// the header and that line numbers are the sheet's rows.
fn csv_to_xlsx(csv: &Path, xlsx: &Path, blank_rows_above: u32) {
    let bytes = std::fs::read(csv).unwrap();
    let text: String = bytes.iter().map(|&b| encoding_rs::WINDOWS_1252.decode(&[b]).0.into_owned()).collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Export").unwrap();
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        let row = r as u32 + blank_rows_above;
        for (c, cell) in record.unwrap().iter().enumerate() {
            let c = c as u16;
            let is_date = cell.len() == 10 && cell.as_bytes()[4] == b'-' && cell.as_bytes()[7] == b'-';
            let is_date_time = cell.len() == 16 && cell.as_bytes()[4] == b'-' && cell.as_bytes()[10] == b' ';
            let number = cell.replace(',', ".").parse::<f64>().ok().filter(|_| !cell.contains('-') && !cell.is_empty() && r > 0);
            if (is_date || is_date_time) && r > 0 {
                let at = ExcelDateTime::parse_from_str(cell).unwrap();
                sheet.write_datetime_with_format(row, c, &at, if is_date { &date } else { &date_time }).unwrap();
            } else if let Some(n) = number {
                sheet.write_number(row, c, n).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(row, c, cell).unwrap();
            }
        }
    }
    book.save(xlsx).unwrap();
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/swedish").join(name).to_string_lossy().into_owned()
}

#[test]
fn the_fixtures_as_workbooks_give_the_csv_fixtures_figures_and_flags() {
    let w = Work::new();
    let kinds = ["visits", "granted", "addons", "absences"];
    let run = |dir: &str, out: &str| {
        let path = |kind: &str| w.path(&format!("{dir}/{kind}-2025-03.csv")).to_string_lossy().into_owned();
        let (v, g, a, b) = (path("visits"), path("granted"), path("addons"), path("absences"));
        let config = fixture("tidkoll.toml");
        w.tidkoll(&[
            "monthly",
            "--quiet",
            "--out",
            out,
            "--config",
            &config,
            "--visits",
            &v,
            "--granted",
            &g,
            "--addons",
            &a,
            "--absences",
            &b,
        ])
    };
    std::fs::create_dir_all(w.path("csv")).unwrap();
    std::fs::create_dir_all(w.path("xlsx")).unwrap();
    for kind in kinds {
        let name = format!("{kind}-2025-03.csv");
        let mut bytes = std::fs::read(fixture(&name)).unwrap();
        if kind == "visits" {
            // A row that is rejected either way: its check-in is no timestamp.
            bytes.extend_from_slice(b"V-BAD;Omsorg Norr AB;K0100001;P010001;ig\xe5r 07:00;;Tagg;;OMV;30,0;;;Utf\xf6rd\r\n");
        }
        std::fs::write(w.path(&format!("csv/{name}")), bytes).unwrap();
        // Named .csv on purpose: a workbook is told by its content, and the synthetic ids and
        // the manifest name the file as the CSV run does.
        csv_to_xlsx(&w.path(&format!("csv/{name}")), &w.path(&format!("xlsx/{name}")), if kind == "visits" { 2 } else { 0 });
    }
    run("csv", "out-csv").ok();
    run("xlsx", "out-xlsx").ok();
    for table in ["figures.csv", "flags.csv", "staff.csv", "clients.csv", "evidence.csv"] {
        let (a, b) = (w.read(&format!("out-csv/2025-03/{table}")), w.read(&format!("out-xlsx/2025-03/{table}")));
        assert!(a == b, "{table} differs between the CSV and the workbook inputs");
    }
    let accounts = |out: &str| -> Vec<(u64, u64, u64, u64, u64)> {
        let manifest = w.manifest_in(out, "2025-03");
        kinds.iter().map(|k| crate::common::accounting(&manifest, &format!("{k}-2025-03.csv"))).collect()
    };
    assert_eq!(accounts("out-csv"), accounts("out-xlsx"));
    // Rejects name the same rows (the visits sheet has two blank rows above its header, so its
    // rows are two further down) for the same reasons.
    let rejects = |out: &str, shift: u64| -> Vec<(String, u64, String)> {
        let text = w.read(&format!("{out}/2025-03/rejects.csv"));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.unwrap())
            .map(|r| {
                let line: u64 = r[1].parse().unwrap();
                (r[0].to_string(), if r[0].starts_with("visits") { line + shift } else { line }, r[2].to_string())
            })
            .collect()
    };
    let from_csv = rejects("out-csv", 2);
    assert_eq!(from_csv.len(), 1, "the bad row");
    assert_eq!(from_csv, rejects("out-xlsx", 0));
    assert_eq!(w.manifest_in("out-xlsx", "2025-03")["inputs"][0]["encoding"], "xlsx");
}

#[test]
fn a_missing_sheet_is_refused_naming_the_sheets() {
    let w = Work::new();
    csv_to_xlsx(Path::new(&fixture("visits-2025-03.csv")), &w.path("visits.xlsx"), 0);
    let config = w.write(
        "kommun.toml",
        std::fs::read_to_string(fixture("tidkoll.toml")).unwrap().replace("[input]\n", "[input]\nsheet = \"Besök\"\n"),
    );
    let run = w.tidkoll(&["monthly", "--out", "out", "--config", &config, "--visits", &w.path("visits.xlsx").to_string_lossy()]);
    run.fails_with(3);
    assert!(run.stderr.contains("har inget blad som heter 'Besök' ([input] sheet); arbetsbokens blad är: Export"), "{}", run.stderr);
}

//! `tidkoll quarter`: the matrix read back from the workbook against the months' figures, the
//! action plans against the deviations, missing months, and what a supplier's files may hold.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::common::Work;

use crate::common::{full_quarter, run_months, MONTHS};

/// Every entry of a zip file (xlsx, docx) as text.
fn zip_text(path: &Path) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        all.push_str(&String::from_utf8_lossy(&bytes));
        all.push('\n');
    }
    all
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The readable text of an output file: zip entries unpacked, other files as they are.
fn readable(path: &Path) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some("xlsx" | "docx") => zip_text(path),
        _ => String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned(),
    }
}

fn status_word(status: &str) -> &'static str {
    match status {
        "ok" => "uppfyllt",
        "deviation" => "avvikelse",
        "missing" => "saknas",
        "info" => "information",
        other => panic!("unknown status {other}"),
    }
}

#[test]
fn workbook_values_and_statuses_are_the_months_figures() {
    let (w, run) = full_quarter();
    run.ok();
    let figures: Vec<_> = MONTHS.iter().map(|m| w.figures(m)).collect();
    let mut book: Xlsx<_> = open_workbook(w.path("out/2025-Q1/matrix.xlsx")).unwrap();
    let values = book.worksheet_range("Matris").unwrap();
    let statuses = book.worksheet_range("Status").unwrap();
    let text = |r: &calamine::Range<Data>, row: u32, col: u32| match r.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row},{col}): {other:?}"),
    };
    assert_eq!(text(&values, 0, 0), "Utförare");
    assert_eq!(text(&values, 0, 1), "Rekommendation");
    assert_eq!(text(&values, 1, 2), "2025-01");
    assert_eq!(text(&values, 0, 2), "Andel kvitterade besök");

    // March has every supplier of the quarter (the newly established one from February).
    let suppliers = figures[2].suppliers();
    assert_eq!(suppliers.len(), 7, "six suppliers and ALL: {suppliers:?}");
    let mut row_of = BTreeMap::new();
    for row in 2..2 + suppliers.len() as u32 {
        let name = text(&values, row, 0);
        row_of.insert(if name == "Hela kommunen" { "ALL".to_string() } else { name }, row);
    }
    assert_eq!(row_of.keys().cloned().collect::<Vec<_>>(), suppliers);
    // The recommendation of each supplier is the one in recommendations.csv (none for ALL).
    let recommendations = w.read("out/2025-Q1/recommendations.csv");
    for line in recommendations.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (supplier, id) = (fields[0], fields[3]);
        let words = match id {
            "ingen" => "Ingen åtgärd",
            "atgardsplan" => "Åtgärdsplan",
            "fordjupad_uppfoljning" => "Fördjupad uppföljning",
            other => panic!("unknown recommendation {other}"),
        };
        assert_eq!(text(&values, row_of[supplier], 1), words, "{supplier}");
    }
    assert_eq!(values.get_value((row_of["ALL"], 1)), Some(&Data::Empty));

    let mut compared = 0;
    for (f, metric) in tidkoll::model::Metric::matrix().enumerate() {
        let figure = metric.id();
        for (i, month) in figures.iter().enumerate() {
            let col = 2 + 3 * f as u32 + i as u32;
            for (supplier, row) in &row_of {
                // The newly established supplier has no row in January.
                if !month.0.contains_key(&(supplier.clone(), figure.to_string())) {
                    continue;
                }
                let expected = month.value(supplier, figure);
                match (values.get_value((*row, col)), expected) {
                    (Some(Data::Float(got)), Some(v)) => {
                        assert!((got - v).abs() < 1e-12, "{supplier} {figure} {}: {got} vs {v}", MONTHS[i])
                    }
                    (Some(Data::String(s)), None) => assert_eq!(s, "–"),
                    (got, v) => panic!("{supplier} {figure} {}: cell {got:?}, figure {v:?}", MONTHS[i]),
                }
                assert_eq!(text(&statuses, *row, col), status_word(month.status(supplier, figure)), "{supplier} {figure} {}", MONTHS[i]);
                compared += 1;
            }
        }
    }
    assert_eq!(compared, tidkoll::model::Metric::matrix().count() * (3 * 7 - 1));

    let requirements = book.worksheet_range("Krav").unwrap();
    assert_eq!(text(&requirements, 1, 1), "checkin_rate");
    assert_eq!(text(&requirements, 1, 2), "minst 90 %");
    assert!(book.sheet_names().contains(&"Trygg Vård AB".to_string()), "{:?}", book.sheet_names());
}

/// Matrix figures with a deviation in some month, per supplier, from the months' figures.
fn deviations(w: &Work) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in MONTHS {
        let figures = w.figures(m);
        for ((supplier, figure), (_, status)) in &figures.0 {
            if supplier != "ALL" && status == "deviation" && !figure.starts_with("flag.") {
                out.entry(supplier.clone()).or_default().insert(figure.clone());
            }
        }
    }
    out
}

#[test]
fn every_deviation_has_a_section_in_its_suppliers_plan() {
    let (w, run) = full_quarter();
    run.ok();
    let expected = deviations(w);
    assert_eq!(expected.len(), 4, "the fixtures plant deviations in four suppliers: {expected:?}");
    assert!(!expected.contains_key("Omsorg Norr AB"));
    assert!(run.stdout.contains("Inga avvikelser, ingen åtgärdsplan: Ny Omsorg AB, Omsorg Norr AB"), "{}", run.stdout);
    assert!(!w.path("out/2025-Q1/leverantorer/Omsorg-Norr-AB/atgardsplan-Omsorg-Norr-AB.docx").exists());

    for (supplier, figures) in &expected {
        let slug = supplier.replace(' ', "-");
        assert!(run.stdout.contains(&format!("{supplier:<32} {} avvikelse", figures.len())), "{supplier}\n{}", run.stdout);
        let docx = zip_text(&w.path(&format!("out/2025-Q1/leverantorer/{slug}/atgardsplan-{slug}.docx")));
        let md = w.read(&format!("out/2025-Q1/leverantorer/{slug}/atgardsplan-{slug}.md"));
        for field in ["Orsak", "Åtgärd", "Ansvarig", "Klart senast", "Uppföljning", "Diarienummer / referens", "2025-Q1"] {
            assert!(docx.contains(field) && md.contains(field), "{supplier}: {field}");
        }
        // One table row per deviating figure, grouped under its area.
        for figure in figures {
            let metric = tidkoll::model::Metric::parse(figure).expect("a metric id");
            let label = tidkoll::report::labels::figure_label(metric);
            assert!(docx.contains(&label), "{supplier}: docx lacks {label}");
            let rows = md.lines().filter(|l| l.starts_with(&format!("| {label} | "))).count();
            assert_eq!(rows, 1, "{supplier}: one row for {label}");
            let heading = md.lines().filter(|l| l.starts_with("## ")).find(|l| l.ends_with(metric.area().label()));
            assert!(heading.is_some(), "{supplier}: a heading for the area of {label}");
        }
        let areas: BTreeSet<_> = figures.iter().map(|f| tidkoll::model::Metric::parse(f).unwrap().area()).collect();
        assert_eq!(
            md.lines().filter(|l| l.starts_with("## ")).count(),
            areas.len() + 1,
            "{supplier}: one heading per area, and the signatures"
        );
        assert!(md.contains("| För utföraren |  |  |  |"), "{supplier}: signature lines");
    }

    // The planted duplicates of Trygg Vård AB: counts per month and example visit ids.
    let md = w.read("out/2025-Q1/leverantorer/Trygg-Vård-AB/atgardsplan-Trygg-Vård-AB.md");
    let flags = w.flags("2025-01");
    let duplicates: BTreeSet<&str> =
        flags.iter().filter(|l| l.contains(",Trygg Vård AB,duplicate,")).map(|l| l.split(',').next().unwrap()).collect();
    let count = w.figures("2025-01").value("Trygg Vård AB", "flag.duplicate").unwrap();
    assert_eq!(duplicates.len() as f64, count);
    let section = md.split("### Underlag: ").find(|s| s.starts_with("Flaggade besök: Dubbelregistrering")).unwrap();
    assert!(section.contains(&format!("- 2025-01: {count:.0} av ")), "{section}");
    let examples = section.split("Exempel på besök:").nth(1).unwrap();
    assert!(examples.contains("| Månad | Besöks-id | Inkvittering | Personal | Avvikelse |"), "{examples}");
    // Each example's check-in and staff member are the visit's own, from the export.
    let export = std::fs::read_to_string(crate::common::fixture("visits-2025-01.csv")).unwrap();
    for row in examples.lines().filter(|l| l.starts_with("| 2025-01 |")) {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
        let line = export.lines().find(|l| l.starts_with(&format!("{},", cells[1]))).unwrap();
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!((fields[3], &fields[4][..16]), (cells[3], cells[2].replace(' ', "T").as_str()), "{row}");
        assert_eq!(cells[4], "Dubbelregistrering");
    }
    let listed: Vec<&str> =
        examples.lines().filter(|l| l.starts_with("| 2025-")).map(|l| l.split(" | ").nth(1).unwrap().trim_end_matches(" |")).collect();
    assert!(!listed.is_empty() && listed.len() <= 10);
    for id in &listed {
        assert!(
            flags
                .iter()
                .chain(w.flags("2025-02").iter())
                .chain(w.flags("2025-03").iter())
                .any(|l| l.starts_with(&format!("{id},Trygg Vård AB,duplicate,"))),
            "{id}"
        );
    }
}

#[test]
fn a_suppliers_files_name_no_other_supplier_staff_client_or_visit() {
    let (w, run) = full_quarter();
    run.ok();
    // Every id of every supplier, from the months' tables.
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in MONTHS {
        for (file, column) in [("staff.csv", 1), ("clients.csv", 1), ("flags.csv", 0), ("evidence.csv", 3)] {
            let mut reader = csv::Reader::from_path(w.path(&format!("out/{m}/{file}"))).unwrap();
            let supplier_column = if file == "flags.csv" { 1 } else { 0 };
            for rec in reader.records() {
                let rec = rec.unwrap();
                ids.entry(rec[supplier_column].to_string()).or_default().insert(rec[column].to_string());
            }
        }
    }
    let suppliers: Vec<String> = ids.keys().cloned().collect();
    assert_eq!(suppliers.len(), 6);
    for supplier in &suppliers {
        let own = &ids[supplier];
        let foreign: BTreeSet<&String> = ids
            .iter()
            .filter(|(s, _)| *s != supplier)
            .flat_map(|(s, set)| set.iter().chain(std::iter::once(s)))
            .filter(|id| !own.contains(*id) && *id != supplier)
            .collect();
        assert!(foreign.len() > 100, "{supplier}: {} foreign ids", foreign.len());
        let folder = w.path(&format!("out/2025-Q1/leverantorer/{}", supplier.replace(' ', "-")));
        let files = files_below(&folder);
        assert!(!files.is_empty());
        for file in files {
            let text = readable(&file);
            assert!(text.contains(supplier.as_str()), "{} does not name its supplier", file.display());
            for id in &foreign {
                assert!(!text.contains(id.as_str()), "{} holds {id} of another supplier", file.display());
            }
        }
    }
    // The internal workbook does name them all.
    let internal = zip_text(&w.path("out/2025-Q1/matrix.xlsx"));
    assert!(suppliers.iter().all(|s| internal.contains(s.as_str())));
}

#[test]
fn matrix_page_and_csv_hold_every_figure() {
    let (w, run) = full_quarter();
    run.ok();
    let html = w.read("out/2025-Q1/matrix.html");
    assert_eq!(html.matches("<svg").count(), tidkoll::model::Metric::matrix().count(), "one chart per key figure and flag rate");
    assert!(!html.contains("<script") && !html.contains("src=\"") && !html.contains("href=\"http"), "self-contained");
    assert!(html.contains("Personalkontinuitet") && html.contains("Hela kommunen"));
    assert!(html.contains("Krav: minst 90 %"));

    let csv_text = w.read("out/2025-Q1/matrix.csv");
    let figures = w.figures("2025-02");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut rows = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        rows += 1;
        if &rec[3] == "2025-02" {
            let expected = figures.value(&rec[0], &rec[1]);
            assert_eq!(rec[4].parse::<f64>().ok(), expected, "{:?}", rec);
            assert_eq!(&rec[5], figures.status(&rec[0], &rec[1]));
        }
    }
    // Six suppliers and ALL over the three months.
    assert_eq!(rows, 7 * tidkoll::model::Metric::matrix().count() * 3);
}

#[test]
fn a_missing_month_is_refused_with_the_command_that_makes_it() {
    let w = Work::new();
    run_months(&w, &["2025-01", "2025-03"]);
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("month 2025-02 not found"), "{}", run.stderr);
    assert!(run.stderr.contains("tidkoll monthly --month 2025-02"), "{}", run.stderr);
    assert!(run.stderr.contains("--allow-partial"), "{}", run.stderr);
    assert!(!w.path("out/2025-Q1").exists());

    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial"]);
    run.ok();
    assert!(run.stderr.contains("2025-02 saknas"), "{}", run.stderr);
    let csv_text = w.read("out/2025-Q1/matrix.csv");
    let february: Vec<&str> = csv_text.lines().filter(|l| l.contains(",2025-02,")).collect();
    assert_eq!(february.len(), 7 * tidkoll::model::Metric::matrix().count());
    for line in &february {
        let rec: Vec<&str> = line.rsplitn(5, ',').collect();
        assert_eq!((rec[0], rec[3], rec[4].rsplit(',').next().unwrap()), ("month not run", "missing", ""), "{line}");
    }
    let mut book: Xlsx<_> = open_workbook(w.path("out/2025-Q1/matrix.xlsx")).unwrap();
    let values = book.worksheet_range("Matris").unwrap();
    assert_eq!(values.get_value((1, 3)), Some(&Data::String("2025-02 (ej körd)".into())));
    assert_eq!(values.get_value((2, 3)), Some(&Data::String("ej körd".into())));
    let md = w.read("out/2025-Q1/leverantorer/Trygg-Vård-AB/atgardsplan-Trygg-Vård-AB.md");
    assert!(md.contains("| 2025-01 | 2025-02 | 2025-03 |") && md.contains(" | ej körd | "), "{md}");
    assert!(w.read("out/2025-Q1/matrix.html").contains("2025-02 (ej körd"));
}

#[test]
fn no_month_at_all_and_a_bad_quarter_are_refused() {
    let w = Work::new();
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial"]);
    run.fails_with(3);
    assert!(run.stderr.contains("no month of the quarter has been run"), "{}", run.stderr);
    let run = w.tidkoll(&["quarter", "--quarter", "2025-5", "--out", "out"]);
    run.fails_with(2);
    assert!(run.stderr.contains("expected YYYY-Qn"), "{}", run.stderr);
}

/// One entry of a zip file (xlsx, docx) as text.
fn zip_entry(path: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn every_sheet_prints_landscape_one_page_wide_with_its_headers_repeated() {
    let (w, run) = full_quarter();
    run.ok();
    for (book, sheets) in [
        (w.path("out/2025-Q1/matrix.xlsx"), 4 + 1 + 6),
        (w.path("out/2025-Q1/leverantorer/Trygg-Vård-AB/matris-Trygg-Vård-AB.xlsx"), 5 + 1),
    ] {
        let names: Vec<String> = calamine::open_workbook::<Xlsx<_>, _>(&book).unwrap().sheet_names();
        assert_eq!(names.len(), sheets, "{names:?}");
        for i in 1..=sheets {
            let xml = zip_entry(&book, &format!("xl/worksheets/sheet{i}.xml"));
            let setup =
                xml.split("<pageSetup").nth(1).and_then(|s| s.split("/>").next()).unwrap_or_else(|| panic!("sheet {i}: no page setup"));
            assert!(setup.contains("orientation=\"landscape\"") && setup.contains("paperSize=\"9\""), "sheet {i}: {setup}");
            assert!(setup.contains("fitToHeight=\"0\"") && xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "sheet {i}: one page wide");
            assert!(xml.contains("<oddHeader>&amp;L") && xml.contains("2025-Q1"), "sheet {i}: a page header naming the quarter");
            assert!(xml.contains("<oddFooter>&amp;CSida &amp;P av &amp;N</oddFooter>"), "sheet {i}: page numbers");
        }
        let workbook = zip_entry(&book, "xl/workbook.xml");
        assert!(workbook.contains("Matris!$A:$B,Matris!$1:$2"), "the supplier columns and header rows repeat: {workbook}");
    }
    // The supplier's copy opens on its overview: one row per figure, its recommendation on top.
    let book = w.path("out/2025-Q1/leverantorer/Trygg-Vård-AB/matris-Trygg-Vård-AB.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(workbook.sheet_names()[0], "Översikt");
    let overview = workbook.worksheet_range("Översikt").unwrap();
    assert_eq!(overview.get_value((0, 0)), Some(&Data::String("Trygg Vård AB – 2025-Q1".into())));
    assert_eq!(overview.get_value((0, 1)), Some(&Data::String("Rekommendation: Fördjupad uppföljning".into())));
    assert_eq!(overview.get_value((2, 0)), Some(&Data::String("Andel kvitterade besök".into())));
    assert_eq!(overview.get_value((1, 8)), Some(&Data::String("Månader i följd".into())));
    assert_eq!(overview.height(), 2 + tidkoll::model::Metric::matrix().count() + 2);
}

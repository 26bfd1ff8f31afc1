//! `tidkoll quarter`: the matrix read back from the workbook against the months' figures, the
//! action plans against the deviations, missing months, and what a supplier's files may hold.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::common::Work;

use crate::common::{full_quarter, run_months, zip_entry, SheetXml, MONTHS};

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

    // A supplier's own copy: a row per figure, the supplier's months beside the municipality's,
    // the same cells as the internal matrix.
    let mut own: Xlsx<_> = open_workbook(w.path("out/2025-Q1/leverantorer/Trygg-Vård-AB/matris-Trygg-Vård-AB.xlsx")).unwrap();
    let (own_values, own_statuses) = (own.worksheet_range("Matris").unwrap(), own.worksheet_range("Status").unwrap());
    assert_eq!(
        (text(&own_values, 0, 0), text(&own_values, 0, 1), text(&own_values, 0, 4), text(&own_values, 1, 1), text(&own_values, 1, 6)),
        ("Nyckeltal".into(), "Trygg Vård AB".into(), "Hela kommunen".into(), "2025-01".into(), "2025-03".into())
    );
    let mut compared = 0;
    for (f, metric) in tidkoll::model::Metric::matrix().enumerate() {
        let row = 2 + f as u32;
        assert_eq!(text(&own_values, row, 0), tidkoll::report::labels::figure_label(metric));
        for (k, supplier) in ["Trygg Vård AB", "ALL"].iter().enumerate() {
            for i in 0..3 {
                let (internal, col) = ((row_of[*supplier], 2 + 3 * f as u32 + i), 1 + 3 * k as u32 + i);
                assert_eq!(
                    own_values.get_value((row, col)),
                    values.get_value(internal),
                    "{supplier} {} {}",
                    metric.id(),
                    MONTHS[i as usize]
                );
                assert_eq!(
                    own_statuses.get_value((row, col)),
                    statuses.get_value(internal),
                    "{supplier} {} {}",
                    metric.id(),
                    MONTHS[i as usize]
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, tidkoll::model::Metric::matrix().count() * 6);
    let recommendation = 3 + tidkoll::model::Metric::matrix().count() as u32;
    assert_eq!(
        (text(&own_values, recommendation, 0), text(&own_values, recommendation, 1)),
        ("Rekommendation".into(), text(&values, row_of["Trygg Vård AB"], 1))
    );

    let requirements = book.worksheet_range("Krav").unwrap();
    assert_eq!(text(&requirements, 1, 1), "checkin_rate");
    assert_eq!(text(&requirements, 1, 2), "minst 90 %");
    for sheet in ["Trygg Vård AB personal", "Trygg Vård AB kunder"] {
        assert!(book.sheet_names().contains(&sheet.to_string()), "{:?}", book.sheet_names());
    }
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
        // The Word file keeps a number's space from breaking ("1 000" with a no-break space).
        let docx = zip_text(&w.path(&format!("out/2025-Q1/leverantorer/{slug}/atgardsplan-{slug}.docx"))).replace('\u{a0}', " ");
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
    assert!(!html.contains("<script") && !html.contains("src=\"") && !html.contains("href=\"http"), "self-contained");
    assert!(html.contains("Personalkontinuitet") && html.contains("Hela kommunen"));
    assert!(html.contains("Krav: minst 90 %"));
    // A value never wraps in its cell ("64,7 %" on one line), and the supplier column stays in
    // view when the table scrolls sideways.
    assert!(html.contains("td,th.month{white-space:nowrap}") && html.contains(".sticky{position:sticky;left:0"), "the page's style");
    assert_eq!(html.matches("<td class=\"name sticky\">").count(), 7, "six suppliers and the municipality");

    // A chart per figure that is not 0 (or missing) for everyone every month; those are named in
    // a line of text instead of drawn as empty grids.
    let csv_text = w.read("out/2025-Q1/matrix.csv");
    let mut flat: BTreeMap<String, bool> = BTreeMap::new();
    for rec in csv::Reader::from_reader(csv_text.as_bytes()).records() {
        let rec = rec.unwrap();
        let zero = rec[4].is_empty() || rec[4].parse::<f64>().unwrap() == 0.0;
        *flat.entry(rec[2].to_string()).or_insert(true) &= zero;
    }
    let flat: Vec<&String> = flat.iter().filter(|(_, zero)| **zero).map(|(label, _)| label).collect();
    assert!(!flat.is_empty(), "the example has figures that are 0 throughout");
    assert_eq!(html.matches("<svg").count(), tidkoll::model::Metric::matrix().count() - flat.len(), "{flat:?}");
    let note = html.split("<p class=\"flat\">").nth(1).unwrap().split("</p>").next().unwrap();
    for label in &flat {
        assert!(note.contains(label.as_str()), "{label}: {note}");
        assert!(!html.contains(&format!(">{label}</text>")), "{label} drawn");
    }
    // The municipality's line lies under the suppliers' lines: drawn first in every chart.
    for svg in html.split("<svg").skip(1) {
        let lines: Vec<&str> =
            svg.split("<polyline").skip(1).filter(|p| p.contains("stroke-width=\"2\"") || p.contains("stroke-width=\"4\"")).collect();
        let municipality = lines.iter().position(|p| p.contains("stroke=\"#000000\" stroke-width=\"4\""));
        let supplier = lines.iter().position(|p| p.contains("stroke-width=\"2\"") && !p.contains("#FF0000"));
        if let (Some(m), Some(s)) = (municipality, supplier) {
            assert!(m < s, "the municipality's line drawn over a supplier's");
        }
    }

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
    assert!(run.stderr.contains("månaden 2025-02 finns inte"), "{}", run.stderr);
    // The command makes the month as the nearest stored month was made: the same kinds of
    // input, their paths with that month's text turned into the missing month's.
    let command = format!(
        "tidkoll monthly --month 2025-02 --visits {} --granted {} --addons {} --absences {} --invoices {} --out out",
        crate::common::fixture("visits-2025-02.csv"),
        crate::common::fixture("granted-2025-02.csv"),
        crate::common::fixture("addons-2025-02.csv"),
        crate::common::fixture("absences-2025-02.csv"),
        crate::common::fixture("invoices-2025-02.csv")
    );
    assert!(run.stderr.contains(&command), "{command}\n{}", run.stderr);
    assert!(run.stderr.contains("tidkoll quarter --quarter 2025-Q1 --out out --allow-partial"), "{}", run.stderr);
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
    assert!(run.stderr.contains("ingen av kvartalets månader har körts"), "{}", run.stderr);
    let run = w.tidkoll(&["quarter", "--quarter", "2025-5", "--out", "out"]);
    run.fails_with(2);
    assert!(run.stderr.contains("skriv ÅÅÅÅ-Qn"), "{}", run.stderr);
}

#[test]
fn every_sheet_prints_on_a4_landscape_at_a_legible_scale_with_its_headers_repeated() {
    let (w, run) = full_quarter();
    run.ok();
    let internal = w.path("out/2025-Q1/matrix.xlsx");
    let own = w.path("out/2025-Q1/leverantorer/Trygg-Vård-AB/matris-Trygg-Vård-AB.xlsx");
    // Six sheets of all suppliers, then a staff and a clients sheet per supplier (six in the
    // fixtures); a supplier's copy has its own two.
    for (book, sheets) in [(&internal, 6 + 2 * 6), (&own, 6 + 2)] {
        let names: Vec<String> = calamine::open_workbook::<Xlsx<_>, _>(book).unwrap().sheet_names();
        assert_eq!(names.len(), sheets, "{names:?}");
        let workbook = zip_entry(book, "xl/workbook.xml");
        for (i, name) in names.iter().enumerate() {
            let sheet = SheetXml::read(book, i + 1);
            let setup = sheet.page_setup();
            assert!(setup.contains("orientation=\"landscape\"") && setup.contains("paperSize=\"9\""), "{name}: {setup}");
            assert!(sheet.xml.contains("<oddHeader>&amp;L") && sheet.xml.contains("2025-Q1"), "{name}: a page header naming the quarter");
            assert!(sheet.xml.contains("<oddFooter>&amp;CSida &amp;P av &amp;N</oddFooter>"), "{name}: page numbers");
            if (name == "Matris" || name == "Status") && book == &own {
                // A supplier's own matrix is a row per figure, seven columns: fitted to one page
                // (one page wide and tall are the defaults, written as no attribute).
                assert!(
                    !setup.contains("fitTo") && !setup.contains("scale") && sheet.xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
                    "{name}: {setup}"
                );
                assert!(!sheet.xml.contains("<colBreaks"), "{name}: no page per three figures");
                let columns: Vec<&str> = sheet.xml.split("<col ").skip(1).map(|c| c.split(" width").next().unwrap()).collect();
                assert_eq!(
                    columns,
                    ["min=\"1\" max=\"1\"", "min=\"2\" max=\"7\""],
                    "{name}: the figures, the supplier's and the municipality's months"
                );
                assert!(workbook.contains(&format!("{name}!$1:$2")), "{name}: header rows repeat");
            } else if name == "Matris" || name == "Status" {
                // 83 month columns do not fit one page legibly: they print across pages at 75 %,
                // three figures a page, the suppliers and the header rows on every page.
                assert!(setup.contains("scale=\"75\"") && !sheet.xml.contains("fitToPage"), "{name}: {setup}");
                let breaks: Vec<&str> = sheet.xml.split("<brk id=\"").skip(1).map(|b| b.split('"').next().unwrap()).collect();
                assert_eq!(breaks, ["11", "20", "29", "38", "47", "56", "65", "74", "83"], "{name}: a page per three figures");
                assert!(workbook.contains(&format!("{name}!$A:$B,{name}!$1:$2")), "{name}: supplier columns and header rows repeat");
            } else {
                assert!(
                    setup.contains("fitToHeight=\"0\"") && sheet.xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
                    "{name}: one page wide"
                );
            }
            // A staff or client sheet repeats its own title and header row, not another table's.
            if name.ends_with("personal") || name.ends_with("kunder") || name == "Personal" || name == "Kunder" {
                assert!(
                    workbook.contains(&format!("{}!$1:$2", if name.contains(' ') { format!("'{name}'") } else { name.clone() })),
                    "{name}"
                );
            }
        }
    }

    // Counts print as whole numbers, each unit in one format.
    let overview = SheetXml::read(&own, 1);
    let row_of = |id: &str| 3 + tidkoll::model::Metric::matrix().position(|m| m.id() == id).unwrap();
    for (id, format) in [
        ("unserved_clients", "0"),
        ("checkin_rate", "0.0%"),
        ("visit_minutes_mean", "0.0"),
        ("continuity_mean", "0.0"),
        ("flag_rate.adjacent", "0.00"),
    ] {
        for column in ["C", "D", "E", "F", "G", "H"] {
            assert_eq!(overview.number_format(&format!("{column}{}", row_of(id))), format, "{id} {column}");
        }
    }
    // The client sheet: its own title and every column headed; granted minutes whole.
    let mut book: Xlsx<_> = open_workbook(&own).unwrap();
    let clients = book.worksheet_range("Kunder").unwrap();
    assert_eq!(clients.get_value((0, 0)), Some(&Data::String("Kunder (pseudonymer) – Trygg Vård AB".into())));
    let headings: Vec<String> = (0..14).map(|c| clients.get_value((1, c)).unwrap().to_string()).collect();
    assert_eq!(headings[1], "Kund");
    assert_eq!(headings[10..], ["Olika personal", "Beviljade minuter", "Utförandegrad", "Personal under mätperioden"]);
    assert!(matches!(clients.get_value((2, 11)), Some(Data::Float(_))), "{:?}", clients.get_value((2, 11)));
    assert_eq!(SheetXml::read(&own, 8).number_format("L3"), "0");
    let staff = book.worksheet_range("Personal").unwrap();
    assert_eq!(staff.get_value((0, 0)), Some(&Data::String("Personal – Trygg Vård AB".into())));
    assert_eq!(staff.width(), 10, "a staff row has no client columns");

    // The follow-up's text wraps in its columns, in rows as high as the wrapped text: a metric's
    // name longer than its column takes two lines.
    let followup = SheetXml::read(&internal, 4);
    let range = open_workbook::<Xlsx<_>, _>(&internal).unwrap().worksheet_range("Uppföljning").unwrap();
    let text = |row: u32, col: u32| range.get_value((row - 1, col)).map(|v| v.to_string()).unwrap_or_default();
    let rows: Vec<u32> = (2..=range.height() as u32).filter(|r| !text(*r, 0).is_empty() && !text(*r, 1).is_empty()).collect();
    assert!(rows.len() > 10, "{rows:?}");
    let mut long = 0;
    for row in rows {
        for (col, column) in [(0, "A"), (2, "C"), (5, "F")] {
            if !text(row, col).is_empty() {
                assert!(followup.wraps(&format!("{column}{row}")), "{column}{row}");
            }
        }
        // A row of the default height (15 points) has none written.
        let height = followup.row_height(row).unwrap_or(15.0);
        if text(row, 2).chars().count() > 42 {
            assert!(height >= 30.0, "row {row} ({}): {height}", text(row, 2));
            long += 1;
        }
    }
    assert!(long > 0, "a metric name longer than its column");
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

/// The sender of the letter test's plans.
const MUNICIPALITY: &str = "[municipality]\nname = \"Exempelby kommun\"\nunit = \"Vård- och omsorgsförvaltningen\"\ncontact_name = \"Anna Exempel\"\ncontact_email = \"uppfoljning@exempelby.se\"\ncontact_phone = \"010-123 45 67\"\n";

#[test]
fn the_action_plan_is_a_letter_from_the_municipality() {
    let w = Work::new();
    run_months(&w, &MONTHS);
    // Streaks of three months propose the deeper follow-up, so that its reasons are listed.
    let config = w.write("kommun.toml", format!("{MUNICIPALITY}[escalation]\nstreak_months = 3\n"));
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--config", &config]);
    run.ok();
    let today = chrono::Local::now().date_naive().to_string();
    let dir = "out/2025-Q1/leverantorer/Trygg-Vård-AB";
    let md = w.read(&format!("{dir}/atgardsplan-Trygg-Vård-AB.md"));
    assert!(
        md.starts_with(&format!(
            "Vård- och omsorgsförvaltningen  \nExempelby kommun  \nKontaktperson: Anna Exempel  \nE-post: uppfoljning@exempelby.se  \nTelefon: 010-123 45 67\n\nDatum: {today}  \nTill: Trygg Vård AB\n\n# Åtgärdsplan 2025-Q1 – Trygg Vård AB\n"
        )),
        "{md}"
    );
    assert!(md.contains("\nHej\\!\n\nExempelby kommun följer varje månad upp"), "{md}");
    assert!(
        md.contains(
            "\nMed vänlig hälsning  \nAnna Exempel  \nVård- och omsorgsförvaltningen, Exempelby kommun  \nuppfoljning@exempelby.se, 010-123 45 67\n\n## Underskrifter"
        ),
        "{md}"
    );
    // The reasons for the deeper follow-up: one short line per metric, the same in the plan,
    // the terminal and the matrix.
    let followup = w.read("out/2025-Q1/followup.csv");
    let streaks: Vec<&str> = followup.lines().filter(|l| l.starts_with("Trygg Vård AB,") && l.ends_with(",3")).collect();
    assert!(streaks.len() >= 2, "{followup}");
    let matrix = zip_text(&w.path("out/2025-Q1/matrix.xlsx"));
    for line in &streaks {
        let metric = tidkoll::model::Metric::parse(line.split(',').nth(1).unwrap()).unwrap();
        let reason = format!("{}: 3 månader i följd", tidkoll::report::labels::figure_label(metric));
        assert_eq!(md.matches(&format!("\n- {reason}\n")).count(), 1, "{reason}\n{md}");
        assert!(run.stdout.contains(&format!("\n    {reason}\n")), "{reason}\n{}", run.stdout);
        assert!(matrix.contains(&reason), "{reason}");
    }
    assert!(!md.contains("har avvikit") && !md.contains("gränsen är"), "{md}");

    let docx = w.path(&format!("{dir}/atgardsplan-Trygg-Vård-AB.docx"));
    let document = zip_entry(&docx, "word/document.xml");
    // Every table's header row, and only it, repeats on the pages the table runs over.
    let tables = document.matches("<w:tbl>").count();
    assert!(tables > 10);
    assert_eq!(document.matches("<w:tblHeader/>").count(), tables);
    for table in document.split("<w:tbl>").skip(1) {
        let first_row_end = table.find("</w:tr>").unwrap();
        assert!(table[..first_row_end].contains("<w:tblHeader/>"));
    }
    let core = zip_entry(&docx, "docProps/core.xml");
    assert!(core.contains("<dc:title>Åtgärdsplan 2025-Q1 – Trygg Vård AB</dc:title>"), "{core}");
    assert!(core.contains("<dc:creator>Exempelby kommun</dc:creator>"), "{core}");
    assert!(core.contains(&format!("<dcterms:created xsi:type=\"dcterms:W3CDTF\">{today}</dcterms:created>")), "{core}");
    let parts = zip_text(&docx);
    assert!(parts.contains("Exempelby kommun · Åtgärdsplan 2025-Q1 · Trygg Vård AB"), "the running header");
    assert!(parts.contains("PAGE") && parts.contains("NUMPAGES"), "page numbers");
    assert!(document.contains("Med vänlig hälsning") && document.contains("Kontaktperson: Anna Exempel"));
    assert!(document.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"), "A4");

    // Example visits of a pair stand together, each naming its partner.
    let section = md.split("### Underlag: ").find(|s| s.starts_with("Flaggade besök: Dubbelregistrering")).unwrap();
    let examples = section.split("Exempel på besök:").nth(1).unwrap();
    assert!(examples.contains("| Månad | Besöks-id | Inkvittering | Personal | Avvikelse | Relaterat besök |"), "{examples}");
    let rows: Vec<Vec<&str>> =
        examples.lines().filter(|l| l.starts_with("| 2025-")).map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect()).collect();
    assert!(rows.len() >= 4, "{examples}");
    for (k, row) in rows.iter().enumerate() {
        let partners: BTreeSet<String> = w
            .flags(row[0])
            .iter()
            .filter(|l| l.starts_with(&format!("{},Trygg Vård AB,duplicate,", row[1])))
            .map(|l| l.rsplit(',').next().unwrap().to_string())
            .collect();
        let shown: BTreeSet<String> = row[5].split(", ").map(str::to_string).collect();
        assert_eq!(shown, partners, "{examples}");
        // A partner that is an example too is the row before or after.
        for partner in &partners {
            if let Some(at) = rows.iter().position(|r| r[0] == row[0] && r[1] == partner) {
                assert!(at + 1 == k || k + 1 == at, "{} and {partner} apart:\n{examples}", row[1]);
            }
        }
    }
    let months: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert!(months.windows(2).all(|p| p[0] <= p[1]), "month by month: {months:?}");
}

#[test]
fn the_internal_workbook_has_staff_and_client_sheets_for_at_most_30_suppliers() {
    for suppliers in [30, 31] {
        let w = Work::new();
        for month in MONTHS {
            let lines: Vec<String> = (0..suppliers)
                .map(|s| {
                    crate::common::visit(
                        &format!("V{month}-{s:02}"),
                        &format!("Utförare {s:02}"),
                        &format!("K{s:02}"),
                        &format!("P{s:02}"),
                        &format!("{month}-03 08:00"),
                        &format!("{month}-03 08:30"),
                        "personlig omvårdnad",
                    )
                })
                .collect();
            let visits = w.write(&format!("visits-{month}.csv"), crate::common::visits_file(&lines));
            w.monthly(&["--quiet", "--visits", &visits]).ok();
        }
        w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]).ok();
        let internal = w.path("out/2025-Q1/matrix.xlsx");
        let names = open_workbook::<Xlsx<_>, _>(&internal).unwrap().sheet_names();
        let members = names.iter().filter(|n| n.ends_with(" personal") || n.ends_with(" kunder")).count();
        let legend = crate::common::workbook_texts(&internal);
        if suppliers == 30 {
            assert_eq!((names.len(), members), (6 + 60, 60), "{names:?}");
            assert!(legend.contains("finns på bladen efter Krav"), "the legend names the sheets");
        } else {
            assert_eq!((names.len(), members), (6, 0), "{names:?}");
            assert!(legend.contains("med fler än 30 utförare har den här arbetsboken inga sådana blad"), "the legend says where they are");
        }
        // Each supplier's own workbook keeps its staff and clients either way.
        let own = w.path("out/2025-Q1/leverantorer/Utförare-07/matris-Utförare-07.xlsx");
        let own_names = open_workbook::<Xlsx<_>, _>(&own).unwrap().sheet_names();
        assert!(own_names.iter().any(|n| n == "Personal") && own_names.iter().any(|n| n == "Kunder"), "{own_names:?}");
    }
}

#[test]
fn more_suppliers_than_a_sheet_takes_page_breaks_for_continue_on_a_second_overview() {
    // Excel keeps at most 1,023 page breaks in a sheet, and the overview prints a supplier a
    // page: 1,001 suppliers go on to a second overview sheet.
    let w = Work::new();
    let lines: Vec<String> = (0..1001)
        .map(|s| {
            crate::common::visit(
                &format!("V{s:04}"),
                &format!("Utförare {s:04}"),
                &format!("K{s:04}"),
                &format!("P{s:04}"),
                "2025-03-03 08:00",
                "2025-03-03 08:30",
                "personlig omvårdnad",
            )
        })
        .collect();
    let visits = w.write("visits-2025-03.csv", crate::common::visits_file(&lines));
    w.monthly(&["--quiet", "--visits", &visits]).ok();
    w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial", "--quiet"]).ok();
    let internal = w.path("out/2025-Q1/matrix.xlsx");
    let names = open_workbook::<Xlsx<_>, _>(&internal).unwrap().sheet_names();
    assert_eq!(&names[..4], ["Matris", "Status", "Översikt", "Översikt 2"], "{names:?}");
    let first = SheetXml::read(&internal, 3);
    let second = SheetXml::read(&internal, 4);
    assert_eq!(first.xml.matches("<brk id=").count(), 999, "1,000 suppliers, a page each");
    assert_eq!(second.xml.matches("<brk id=").count(), 0, "the last supplier alone");
    let strings = crate::common::workbook_texts(&internal);
    assert!(strings.contains("Utförare 0999 – 2025-Q1") && strings.contains("Utförare 1000 – 2025-Q1"));
}

//! Hostile exports and careless hands (issue 17): what a supplier or a mistake can put into the
//! files must not reach a spreadsheet as a formula, a document as broken XML, a plan as
//! Markdown, or a quarter as another month.

use crate::common::{visit, visits_file, Work};

/// One month with the given visits lines, then the quarter with `--allow-partial`.
fn quarter_of(w: &Work, lines: &[String]) {
    let file = w.write("visits.csv", visits_file(lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial", "--quiet"]).ok();
}

#[test]
fn text_that_a_spreadsheet_would_run_is_neutralised_in_the_csv_files() {
    let w = Work::new();
    let supplier = "\"=HYPERLINK(\"\"http://example.invalid\"\")\"";
    let lines: Vec<String> =
        (0..3).map(|k| visit(&format!("v{k}"), supplier, "c1", "@p1", &format!("2025-03-0{} 08:00", k + 1), "", "OMV")).collect();
    quarter_of(&w, &lines);
    let matrix = w.read("out/2025-Q1/matrix.csv");
    assert!(matrix.contains("\"'=HYPERLINK(\"\"http://example.invalid\"\")\""), "{matrix}");
    assert!(!matrix.lines().any(|l| l.starts_with("=HYPERLINK") || l.starts_with("\"=HYPERLINK")), "{matrix}");
}

#[test]
fn control_characters_are_rejected_with_a_reason_and_never_written() {
    let w = Work::new();
    let mut lines: Vec<String> =
        (0..200).map(|k| visit(&format!("v{k}"), "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")).collect();
    lines.push(visit("bad1", "S1", "c1", "p\u{1}1", "2025-03-03 09:00", "2025-03-03 09:30", "OMV"));
    lines.push(visit("bad2", "S\u{1b}[31m", "c1", "p1", "2025-03-03 09:00", "2025-03-03 09:30", "OMV"));
    let file = w.write("visits.csv", visits_file(&lines));
    let run = w.monthly(&["--visits", &file]);
    run.ok();
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'), "no escape sequence reaches the terminal");
    let rejects = w.read("out/2025-03/rejects.csv");
    assert_eq!(rejects.matches(": control character – innehåller styrtecknet").count(), 2, "the reason of both rows: {rejects}");
    assert!(rejects.contains("U+0001") && rejects.contains("U+001B"), "{rejects}");
    for name in ["rejects.csv", "figures.csv", "flags.csv", "staff.csv"] {
        let text = w.read(&format!("out/2025-03/{name}"));
        assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\r'), "{name}");
    }
}

#[test]
fn markdown_in_a_supplier_id_is_escaped_in_the_plan() {
    let w = Work::new();
    let supplier = "A | B [klick](http://example.invalid) <b>";
    let lines: Vec<String> =
        (0..3).map(|k| visit(&format!("v{k}"), supplier, "c1", "p1", &format!("2025-03-0{} 08:00", k + 1), "", "OMV")).collect();
    quarter_of(&w, &lines);
    let plans: Vec<_> = std::fs::read_dir(w.path("out/2025-Q1/leverantorer")).unwrap().flatten().filter(|e| e.path().is_dir()).collect();
    assert_eq!(plans.len(), 1);
    let dir = plans[0].path();
    let md = std::fs::read_dir(&dir).unwrap().flatten().find(|e| e.path().extension().is_some_and(|x| x == "md")).unwrap();
    let text = std::fs::read_to_string(md.path()).unwrap();
    assert!(text.contains("# Åtgärdsplan 2025-Q1 – A \\| B \\[klick\\](http://example.invalid) &lt;b&gt;"), "{text}");
    assert!(!text.contains("<b>") && !text.contains("| A | B"), "{text}");
}

#[test]
fn a_month_folder_copied_over_another_is_refused() {
    let w = Work::new();
    for (m, day) in [("2025-02", "2025-02-03"), ("2025-03", "2025-03-03")] {
        let file = w.write(
            &format!("visits-{m}.csv"),
            visits_file(&[visit("v1", "S1", "c1", "p1", &format!("{day} 08:00"), &format!("{day} 08:30"), "OMV")]),
        );
        w.monthly(&["--visits", &file, "--quiet"]).ok();
    }
    std::fs::remove_dir_all(w.path("out/2025-03")).unwrap();
    copy_dir(&w.path("out/2025-02"), &w.path("out/2025-03"));
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial"]);
    run.fails_with(3);
    assert!(run.stderr.contains("innehåller resultaten för månaden '2025-02', inte 2025-03"), "{}", run.stderr);
    let run = w.tidkoll(&["investigate", "--supplier", "S1", "--month", "2025-03", "--out", "out"]);
    run.fails_with(3);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn one_source_column_for_two_canonical_columns_is_a_configuration_error() {
    let w = Work::new();
    let config = w.write("k.toml", "[columns.visits]\nsupplier_id = \"X\"\nstaff_id = \"X\"\n");
    let run = w.tidkoll(&["config", "--check", &config]);
    run.fails_with(2);
    assert!(
        run.stderr.contains("columns.visits.") && run.stderr.contains("supplier_id") && run.stderr.contains("staff_id"),
        "{}",
        run.stderr
    );

    // A canonical name mapped onto another canonical column of the file is refused too.
    let config = w.write("k2.toml", "[columns.visits]\nstaff_id = \"supplier_id\"\n");
    let file = w.write("visits.csv", visits_file(&[visit("v1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w.monthly(&["--visits", &file, "--config", &config]);
    run.fails_with(2);
    assert!(run.stderr.contains("skulle läsas både som supplier_id och som staff_id"), "{}", run.stderr);
}

#[test]
fn a_column_named_twice_in_the_header_is_refused() {
    let w = Work::new();
    let file = w.write(
        "visits.csv",
        "visit_id,supplier_id,client_id,staff_id,staff_id,check_in,check_out,check_in_method\nv1,S1,c1,p1,p2,2025-03-03 08:00,2025-03-03 08:30,nfc\n",
    );
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(run.stderr.contains("kolumnen 'staff_id' (läses som staff_id) finns mer än en gång"), "{}", run.stderr);
}

#[test]
fn a_personnummer_in_a_file_name_or_a_number_column_reaches_no_output() {
    let w = Work::new();
    // No visit_id column: synthetic ids are FILE:LINE, from a file named after a person.
    let mut text =
        String::from("supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\n");
    for k in 0..150 {
        text.push_str(&format!("S1,c{k},p1,2025-03-03 08:00,2025-03-03 08:10,nfc,nfc,OMV,30\n"));
    }
    // The space form of a personnummer as a staff id, and one in the number column.
    text.push_str("S1,c1,19450312 1230,2025-03-04 08:00,2025-03-04 08:10,nfc,nfc,OMV,30\n");
    text.push_str("S1,c1,p1,2025-03-05 08:00,2025-03-05 08:10,nfc,nfc,OMV,194503121230\n");
    let file = w.write("19391124-5672.csv", text);
    let run = w.monthly(&["--visits", &file]);
    run.ok();
    let forms = ["19391124", "391124", "5672", "19450312", "1230"];
    for name in ["flags.csv", "evidence.csv", "rejects.csv", "manifest.json", "staff.csv", "figures.csv"] {
        let out = w.read(&format!("out/2025-03/{name}"));
        for form in forms {
            assert!(
                !out.contains(&format!("{form}-")) && !out.contains("19391124") && !out.contains("194503121230"),
                "{name} holds {form}: {out}"
            );
        }
        assert!(!out.contains("19450312 1230"), "{name}");
    }
    assert!(!run.stdout.contains("19391124") && !run.stderr.contains("19391124"));
    let rejects = w.read("out/2025-03/rejects.csv");
    assert!(rejects.contains("planned_minutes: personnummer – värdet ser ut som ett personnummer"), "{rejects}");
}

#[test]
fn one_supplier_whether_its_name_is_composed_or_decomposed() {
    let w = Work::new();
    let composed = "V\u{e5}rd AB";
    let decomposed = "Va\u{30a}rd AB";
    let lines = [
        visit("v1", composed, "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        visit("v2", decomposed, "c1", "p1", "2025-03-04 08:00", "2025-03-04 08:30", "OMV"),
    ];
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file]).ok();
    let f = w.figures("2025-03");
    assert_eq!(f.suppliers(), ["ALL", composed]);
    f.assert(composed, "checkin_rate", Some(1.0), "ok");
}

#[test]
fn months_made_with_different_pseudonym_keys_are_not_mixed() {
    let w = Work::new();
    for (m, day, key) in [("2025-02", "2025-02-03", "first-key-0123456789"), ("2025-03", "2025-03-03", "other-key-0123456789")] {
        let file = w.write(
            &format!("visits-{m}.csv"),
            visits_file(&[visit("v1", "S1", "c1", "p1", &format!("{day} 08:00"), &format!("{day} 08:30"), "OMV")]),
        );
        let run = w.tidkoll_env(&["monthly", "--out", "out", "--visits", &file], &[("TIDKOLL_PSEUDONYM_KEY", key)]);
        run.ok();
        assert!(!run.stderr.contains("varning"), "a long key gives no warning: {}", run.stderr);
    }
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial"]);
    run.fails_with(3);
    assert!(run.stderr.contains("2025-02 och 2025-03 gjordes med olika pseudonymnycklar"), "{}", run.stderr);
    let manifest = w.manifest("2025-03");
    let fingerprint = manifest["pseudonym_key_fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 16);
    assert!(!w.read("out/2025-03/manifest.json").contains("other-key"), "the key itself is never written");

    // A short key is warned about.
    let file = w.write("visits-short.csv", visits_file(&[visit("v1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w.tidkoll_env(&["monthly", "--out", "short", "--visits", &file], &[("TIDKOLL_PSEUDONYM_KEY", "kort")]);
    run.ok();
    assert!(run.stderr.contains("varning: pseudonymnyckeln är bara 4 tecken"), "{}", run.stderr);
}

#[test]
fn a_quote_left_open_cannot_swallow_the_rest_of_the_file() {
    let w = Work::new();
    let mut lines: Vec<String> = (0..40)
        .map(|k| {
            visit(
                &format!("v{k}"),
                ["A", "B", "C", "D"][k % 4],
                &format!("c{k}"),
                "p1",
                &format!("2025-03-{:02} 08:00", 1 + k % 28),
                "",
                "OMV",
            )
        })
        .collect();
    // Line 12 (the header is line 1) opens a quote that nothing closes.
    lines[10] = lines[10].replacen(",C,", ",\"C,", 1);
    let file = w.write("visits.csv", visits_file(&lines));
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(run.stderr.contains("30 av 40 rader avvisade"), "the 29 swallowed lines count as rejected rows: {}", run.stderr);
    let rejects = w.read("out/refused-rejects.csv");
    assert!(
        rejects.contains("quote not closed – ett fält inom citattecken börjar på rad 12 och löper över 30 rader till rad 41"),
        "{rejects}"
    );
    assert_eq!(rejects.lines().count(), 2, "one reject, its raw text only the line where the quote opened: {rejects}");
    assert!(!rejects.contains("v39"), "{rejects}");

    // A line break inside a properly quoted field is one row, read as such.
    let mut lines = lines.clone();
    lines[10] = visit("v10", "A", "c10", "p1", "2025-03-11 08:00", "", "\"OMV\nTVATT\"");
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "visits.csv"), (40, 40, 0, 0, 0));
}

#[test]
fn each_supplier_gets_a_folder_of_its_own_and_the_index_says_whose() {
    let w = Work::new();
    let long = "Ö".repeat(245);
    let suppliers = ["A B", "A-B", "A-B-2", "A B 2", "Omsorg Norr AB", long.as_str()];
    let lines: Vec<String> = suppliers
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            (0..3).map(move |k| visit(&format!("v{i}-{k}"), s, &format!("c{i}"), "p1", &format!("2025-03-0{} 08:00", k + 1), "", "OMV"))
        })
        .collect();
    quarter_of(&w, &lines);
    let index = w.read("out/2025-Q1/leverantorer/index.csv");
    let mut rows = csv::Reader::from_reader(index.as_bytes());
    let mapping: Vec<(String, String)> = rows.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[1].to_string())).collect();
    assert_eq!(mapping.len(), suppliers.len(), "{index}");
    for (folder, supplier) in &mapping {
        // The folder holds that supplier's workbook and plan, naming no other supplier.
        let dir = w.path(&format!("out/2025-Q1/leverantorer/{folder}"));
        let plan = std::fs::read_dir(&dir).unwrap().flatten().find(|e| e.path().extension().is_some_and(|x| x == "md")).unwrap();
        let text = std::fs::read_to_string(plan.path()).unwrap();
        assert!(text.contains(&format!("\n# Åtgärdsplan 2025-Q1 – {supplier}\n")), "{folder}: {text}");
        // A folder with a supplier's exact name is that supplier's.
        if let Some(other) = suppliers.iter().find(|s| **s == folder) {
            assert_eq!(other, supplier);
        }
    }
    let folder_of = |s: &str| mapping.iter().find(|(_, id)| id == s).unwrap().0.clone();
    assert_eq!(folder_of("Omsorg Norr AB"), "Omsorg-Norr-AB", "no clash, no hash");
    assert_eq!(folder_of("A-B-2").len(), "A-B-2-".len() + 8, "A-B-2 clashes with A B 2");
    assert_eq!(folder_of(&long).chars().count(), 60 + 1 + 8, "a very long name is cut");

    // Investigations of A B and A-B no longer replace each other.
    for s in ["A B", "A-B"] {
        w.tidkoll(&["investigate", "--supplier", s, "--month", "2025-03", "--out", "out", "--quiet"]).ok();
    }
    let investigations: Vec<_> = std::fs::read_dir(w.path("out/utredningar")).unwrap().flatten().collect();
    assert_eq!(investigations.len(), 2);
}

#[test]
fn utf16_exports_are_read_and_compressed_or_binary_files_named_for_what_they_are() {
    let w = Work::new();
    let lines: Vec<String> = (0..3)
        .map(|k| visit(&format!("v{k}"), "Vård Öst AB", "c1", "p1", &format!("2025-03-0{} 08:00", k + 1), "2025-03-01 08:30", "OMV"))
        .collect();
    let text = visits_file(&lines);
    // UTF-16 little-endian with its byte-order mark, as Excel's "Unicode text" writes it.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let file = w.write("unicode.csv", &utf16);
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    assert!(w.read("out/2025-03/figures.csv").contains("Vård Öst AB,2025-03,"), "the supplier's name decoded");
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "unicode.csv"), (3, 3, 0, 0, 0));
    let sha = w.manifest("2025-03")["inputs"][0]["sha256"].as_str().unwrap().to_string();
    use sha2::Digest;
    let on_disk: String = sha2::Sha256::digest(&utf16).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sha, on_disk, "the manifest hashes the file as it lies on disk");

    for (bytes, what) in [
        (&b"\x1f\x8b\x08\x00rest"[..], "komprimerad med gzip"),
        (&b"PK\x03\x04rest"[..], "ett zip-arkiv, inte en Excel-arbetsbok"),
        (&b"%PDF-1.7 rest"[..], "ett PDF-dokument"),
        (&b"BZh91AY&SYrest"[..], "komprimerad med bzip2"),
        (&b"\xFD7zXZ\x00rest"[..], "komprimerad med xz"),
        (&b"\x28\xB5\x2F\xFDrest"[..], "komprimerad med zstd"),
        (&b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00"[..], "är ingen textfil (den innehåller NUL-byte)"),
    ] {
        let file = w.write("export.csv", bytes);
        let run = w.monthly(&["--visits", &file]);
        run.fails_with(3);
        assert!(run.stderr.contains(what), "{what}: {}", run.stderr);
    }
}

#[test]
fn a_configuration_that_is_a_directory_or_huge_is_refused_before_reading() {
    let w = Work::new();
    std::fs::create_dir(w.path("dir.toml")).unwrap();
    let run = w.tidkoll(&["config", "--check", &w.path("dir.toml").to_string_lossy()]);
    run.fails_with(2);
    assert!(run.stderr.contains("ingen vanlig fil"), "{}", run.stderr);
    let huge = w.write("huge.toml", "# x\n".repeat(300_000));
    let run = w.tidkoll(&["config", "--check", &huge]);
    run.fails_with(2);
    assert!(run.stderr.contains("1200000 byte"), "{}", run.stderr);
}

/// Visits `v0..vN` of suppliers A–D, each with its own client, on the days of March.
fn plain_visits(n: usize) -> Vec<String> {
    (0..n)
        .map(|k| {
            visit(
                &format!("v{k}"),
                ["A", "B", "C", "D"][k % 4],
                &format!("c{k}"),
                "p1",
                &format!("2025-03-{:02} 08:00", 1 + k % 28),
                &format!("2025-03-{:02} 08:30", 1 + k % 28),
                "OMV",
            )
        })
        .collect()
}

#[test]
fn a_quote_closed_a_few_lines_later_cannot_swallow_the_rows_between() {
    let w = Work::new();
    let mut lines = plain_visits(40);
    // Line 12 opens a quote in the supplier field and line 15 closes it, leaving one record of
    // the header's ten fields that holds lines 12 to 15.
    lines[10] = lines[10].replacen(",C,", ",\"C,", 1);
    lines[13] = lines[13].replacen(",B,", ",B\",", 1);
    let file = w.write("visits.csv", visits_file(&lines));
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(run.stderr.contains("4 av 40 rader avvisade"), "the 3 swallowed lines count as rejected rows: {}", run.stderr);
    let rejects = w.read("out/refused-rejects.csv");
    assert!(rejects.contains("quote not closed – ett fält inom citattecken börjar på rad 12 och slutar på rad 15"), "{rejects}");
    assert!(!rejects.contains("v12"), "the raw text is the line where the quote opened: {rejects}");

    // A comment over two lines with a comma or two in it is one row.
    let mut lines = plain_visits(40);
    lines[10] = lines[10].replacen(",OMV,", ",\"OMV, TVATT\nsen, ringde\",", 1);
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "visits.csv"), (40, 40, 0, 0, 0));
}

#[test]
fn a_personnummer_in_unicode_spellings_reaches_no_output() {
    let w = Work::new();
    let separators = ["\u{a0}", "\u{2011}", "\u{2212}", "\u{200b}", "\u{ad}", " - ", "\t", "_"];
    let mut lines = plain_visits(1000);
    for (k, sep) in separators.iter().enumerate() {
        let id = format!("19450312{sep}1230");
        // A rejected row (no check-in) with the client id in that form, and a staff id so.
        lines.push(visit(&format!("bad{k}"), "A", &id, "p1", "", "", "OMV"));
        lines.push(visit(&format!("ok{k}"), "A", "c1", &id, "2025-03-10 08:00", "2025-03-10 08:30", "OMV"));
    }
    let file = w.write("19450312_1230.csv", visits_file(&lines));
    let run = w.monthly(&["--visits", &file]);
    run.ok();
    for name in ["rejects.csv", "staff.csv", "evidence.csv", "flags.csv", "manifest.json"] {
        let text = w.read(&format!("out/2025-03/{name}"));
        assert!(!text.contains("450312"), "{name}: {text}");
    }
    assert!(!run.stdout.contains("450312") && !run.stderr.contains("450312"), "{}{}", run.stdout, run.stderr);
    let rejects = w.read("out/2025-03/rejects.csv");
    assert_eq!(rejects.lines().count(), 1 + separators.len(), "{rejects}");
    let staff = w.read("out/2025-03/staff.csv");
    assert_eq!(staff.lines().filter(|l| l.contains("K-")).count(), 1, "every spelling is one staff member, pseudonymised: {staff}");
}

#[test]
fn without_an_addons_file_addon_reporting_is_missing_not_a_deviation() {
    let w = Work::new();
    // Visits that deliver an add-on (MATD is a meal in the built-in table), no --addons.
    let lines: Vec<String> = plain_visits(8).into_iter().map(|l| l.replace(",OMV,", ",MATD,")).collect();
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    let f = w.figures("2025-03");
    for s in ["A", "ALL"] {
        f.assert(s, "addon_reporting_rate", None, "missing");
    }
    assert!(!w.read("out/2025-03/evidence.csv").contains("addon_reporting_rate"));
}

#[test]
fn the_same_export_given_twice_is_refused_naming_both_files() {
    let w = Work::new();
    // No visit_id column: nothing but the content tells the copies apart.
    let mut text = String::from("supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method\n");
    for k in 0..20 {
        text.push_str(&format!("S1,c{k},p1,2025-03-{:02} 08:00,2025-03-{:02} 08:30,nfc,nfc\n", 1 + k, 1 + k));
    }
    let first = w.write("mars.csv", &text);
    let copy = w.write("mars (1).csv", &text);
    let run = w.monthly(&["--visits", &first, "--visits", &copy]);
    run.fails_with(3);
    assert!(run.stderr.contains("mars (1).csv har samma innehåll som mars.csv"), "{}", run.stderr);
    assert!(!w.path("out/2025-03").exists(), "nothing is published");
}

/// Every CSV file under `dir`, recursively.
fn csv_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(csv_files(&path));
        } else if path.extension().is_some_and(|x| x == "csv") {
            out.push(path);
        }
    }
    out
}

#[test]
fn no_csv_file_of_the_month_quarter_or_year_holds_a_formula() {
    let w = Work::new();
    let supplier = "\"=HYPERLINK(\"\"http://example.invalid\"\")\"";
    let mut lines: Vec<String> = (0..400)
        .map(|k| visit(&format!("@v{k}"), supplier, "c1", "+46 70 123", &format!("2025-03-{:02} 08:00", 1 + k % 28), "", "OMV"))
        .collect();
    // A rejected row whose raw text starts with a formula, and a staff id starting with '-'.
    lines.push(visit("=1+1", "S2", "c2", "p2", "", "", "OMV"));
    lines.push(visit("v-1", "S2", "c2", "-A1", "2025-03-03 08:00", "2025-03-03 08:05", "OMV"));
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--allow-partial", "--quiet"]).ok();
    w.tidkoll(&["year", "--year", "2025", "--out", "out", "--quiet"]).ok();
    let files = csv_files(&w.path("out"));
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for name in ["rejects.csv", "evidence.csv", "staff.csv", "figures.csv", "flags.csv", "followup.csv", "year.csv", "quarters.csv"] {
        assert!(names.iter().any(|n| n == name), "{name} among {names:?}");
    }
    let mut formulas_seen = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                let is_number = cell.parse::<f64>().is_ok();
                let runs = cell.starts_with(['=', '+', '@', '\t', '\r']) || (cell.starts_with('-') && !is_number);
                assert!(!runs, "{}: {cell:?}", path.display());
                formulas_seen += usize::from(cell.starts_with("'=") || cell.starts_with("'+") || cell.starts_with("'@"));
            }
        }
    }
    assert!(formulas_seen > 10, "the neutralised cells are there: {formulas_seen}");
    let figures = w.read("out/2025-03/figures.csv");
    assert!(figures.contains("\"'=HYPERLINK(\"\"http://example.invalid\"\")\",2025-03,checkin_rate,0,deviation"), "{figures}");
}

#[test]
fn noncharacters_are_rejected_and_never_reach_a_document() {
    let w = Work::new();
    let mut lines = plain_visits(400);
    lines.push(visit("bad1", "Vård\u{ffff} AB", "c1", "p1", "2025-03-03 09:00", "2025-03-03 09:30", "OMV"));
    lines.push(visit("bad2", "S1", "c1", "p\u{fffe}1", "2025-03-03 09:00", "2025-03-03 09:30", "OMV"));
    quarter_of(&w, &lines);
    let rejects = w.read("out/2025-03/rejects.csv");
    assert_eq!(rejects.matches(": noncharacter – innehåller tecknet").count(), 2, "{rejects}");
    assert!(rejects.contains("U+FFFF") && rejects.contains("U+FFFE"), "{rejects}");
    let mut xlsx = zip::ZipArchive::new(std::fs::File::open(w.path("out/2025-Q1/matrix.xlsx")).unwrap()).unwrap();
    for i in 0..xlsx.len() {
        let mut part = xlsx.by_index(i).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut part, &mut text).ok();
        assert!(!text.contains(['\u{fffe}', '\u{ffff}']), "{}", part.name());
    }
    for name in ["rejects.csv", "figures.csv", "staff.csv"] {
        assert!(!w.read(&format!("out/2025-03/{name}")).contains(['\u{fffe}', '\u{ffff}']), "{name}");
    }
}

#[test]
fn a_huge_line_without_a_header_is_not_printed_whole() {
    let w = Work::new();
    let line = "x".repeat(2_000_000);
    let file = w.write("visits.csv", format!("{line}\n{line}\n"));
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(run.stderr.len() < 2_000, "{} bytes on stderr", run.stderr.len());
    assert!(run.stderr.contains("(2000000 tecken)"), "{}", run.stderr);

    // Very many columns: the first 40 are named, the rest counted.
    let header: Vec<String> = (0..500).map(|k| format!("k{k}")).collect();
    let file = w.write("visits.csv", format!("{}\n", header.join(",")));
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(run.stderr.contains("'k39', … och 460 till"), "{}", run.stderr);
}

#[test]
fn a_column_the_configuration_names_must_be_in_the_export() {
    let w = Work::new();
    let config = w.write("kommun.toml", "[columns.visits]\nmanual_reason = \"Orsakk\"\n");
    let file = w.write("visits.csv", visits_file(&plain_visits(3)));
    let run = w.monthly(&["--visits", &file, "--config", &config]);
    run.fails_with(3);
    assert!(
        run.stderr.contains("kolumnen 'Orsakk', som inställningsfilen anger för manual_reason under [columns.visits], finns inte i filen"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("'visit_id', 'supplier_id'"), "the columns found: {}", run.stderr);
    assert!(!w.path("out/2025-03").exists());
}

#[test]
fn a_closed_standard_output_ends_the_run_quietly() {
    let w = Work::new();
    let file = w.write("visits.csv", visits_file(&plain_visits(8)));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tidkoll"))
        .args(["monthly", "--out", "out", "--visits", &file])
        .current_dir(w.dir.path())
        .env("TIDKOLL_PSEUDONYM_KEY", "test-key-for-the-tests")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is printed, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert!(w.path("out/2025-03/figures.csv").exists(), "the month is stored");
}

#[test]
fn names_that_print_alike_are_one_supplier_and_names_like_the_municipality_are_refused() {
    let w = Work::new();
    let spellings = ["Vård AB", "Vård\u{200b} AB", "Vård\u{a0}AB", "\u{feff}Vård AB", "Vård  AB"];
    let mut lines: Vec<String> = (0..500)
        .map(|k| {
            let day = 1 + k % 28;
            let supplier = spellings[k % spellings.len()];
            visit(
                &format!("v{k}"),
                supplier,
                &format!("c{k}"),
                "p1",
                &format!("2025-03-{day:02} 08:00"),
                &format!("2025-03-{day:02} 08:30"),
                "OMV",
            )
        })
        .collect();
    for (k, reserved) in ["ALL\u{200b}", "ＡＬＬ", "Hela kommunen", "hela  Kommunen"].iter().enumerate() {
        lines.push(visit(&format!("r{k}"), reserved, "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"));
    }
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    let f = w.figures("2025-03");
    assert_eq!(f.suppliers(), ["ALL", "Vård AB"]);
    f.assert("Vård AB", "checkin_rate", Some(1.0), "ok");
    let rejects = w.read("out/2025-03/rejects.csv");
    assert_eq!(rejects.matches("supplier_id: reserved id ALL – ").count(), 4, "{rejects}");
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "visits.csv"), (504, 500, 4, 0, 0));
}

/// A visits workbook of `rows` visits; `extra` cells (row, column, text) are written besides.
fn visits_workbook(w: &Work, name: &str, rows: usize, extra: &[(u32, u16, String)]) -> String {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, column) in crate::common::HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, column).unwrap();
    }
    for (r, line) in plain_visits(rows).iter().enumerate() {
        for (c, cell) in line.split(',').enumerate().filter(|(_, cell)| !cell.is_empty()) {
            sheet.write_string(r as u32 + 1, c as u16, cell).unwrap();
        }
    }
    for (row, column, text) in extra {
        sheet.write_string(*row, *column, text).unwrap();
    }
    let path = w.path(name);
    book.save(&path).unwrap();
    path.to_string_lossy().into_owned()
}

/// A workbook written without Excel's checks: one sheet, the CSV text's fields as inline
/// strings, as a tool other than Excel may write it.
fn handmade_workbook(w: &Work, name: &str, csv_text: &str) -> String {
    use std::io::Write;
    let rows: String = csv_text
        .lines()
        .map(|line| {
            let cells: String = line.split(',').map(|cell| format!("<c t=\"inlineStr\"><is><t>{cell}</t></is></c>")).collect();
            format!("<row>{cells}</row>")
        })
        .collect();
    let parts = [
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_string()),
        ("_rels/.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_string()),
        ("xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Besok\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_string()),
        ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".to_string()),
        ("xl/worksheets/sheet1.xml", format!("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{rows}</sheetData></worksheet>")),
    ];
    let path = w.path(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (part, text) in parts {
        zip.start_file(part, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path.to_string_lossy().into_owned()
}

/// Runs `tidkoll monthly` with its data segment limited to `bytes` (RLIMIT_DATA: heap and
/// private mappings), as on a machine with that much memory.
fn monthly_within(w: &Work, bytes: u64, args: &[&str]) -> crate::common::Run {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tidkoll"));
    cmd.args(["monthly", "--out", "out"]).args(args).current_dir(w.dir.path()).env("TIDKOLL_PSEUDONYM_KEY", "test-key-for-the-tests");
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    crate::common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_workbook_is_read_in_the_memory_its_cells_take() {
    let w = Work::new();
    // One cell in the last column of the sheet: as a grid, 3,001 rows × 16,384 columns.
    let far = visits_workbook(&w, "far.xlsx", 3000, &[(3, 16_383, "x".into())]);
    let run = monthly_within(&w, 1 << 30, &["--visits", &far, "--quiet"]);
    run.ok();
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "far.xlsx"), (3000, 2999, 1, 0, 0));
    assert!(w.read("out/2025-03/rejects.csv").contains("far.xlsx,4,"), "the row with the far cell, by its sheet row");

    // A cell longer than Excel can hold is no export: refused before it is copied on.
    let mut lines = plain_visits(10);
    lines[0] = lines[0].replacen(",A,", &format!(",{},", "x".repeat(40_000)), 1);
    let long = handmade_workbook(&w, "long.xlsx", &visits_file(&lines));
    let run = w.monthly(&["--visits", &long]);
    run.fails_with(3);
    assert!(run.stderr.contains("rad 2 har en cell med 40000 tecken, fler än Excels 32767"), "{}", run.stderr);
}

#[test]
fn an_escape_in_a_file_name_and_a_link_for_the_rejects_change_nothing_outside() {
    let w = Work::new();
    let mut lines = plain_visits(20);
    lines.push(visit("bad", "A", "c1", "p1", "", "", "OMV"));
    let file = w.write("besok\u{1b}[2J.csv", visits_file(&lines));
    // refused-rejects.csv is a link to a file of the officer's own.
    let own = w.write("own.txt", "mine\n");
    std::fs::create_dir_all(w.path("out")).unwrap();
    std::os::unix::fs::symlink(&own, w.path("out/refused-rejects.csv")).unwrap();
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'), "{}", run.stderr);
    assert!(run.stderr.contains("besok\u{fffd}[2J.csv"), "{}", run.stderr);
    assert_eq!(w.read("own.txt"), "mine\n", "the file the link pointed to is untouched");
    assert!(w.read("out/refused-rejects.csv").contains("check_in"), "the rejects are in a file of their own");
    assert!(!std::fs::symlink_metadata(w.path("out/refused-rejects.csv")).unwrap().file_type().is_symlink());
}

#[test]
fn a_carriage_return_or_line_break_in_a_name_is_shown_not_obeyed() {
    // A file name, a column name and a supplier typed with a carriage return, a line break
    // and a tab: printed, the carriage return would let the rest overwrite the line's start.
    let w = Work::new();
    let mut lines = plain_visits(20);
    lines.push(visit("bad", "A", "c1", "p1", "", "", "OMV"));
    let file = w.write("besok\r\nFEL\t.csv", visits_file(&lines));
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(!run.stderr.contains('\r') && !run.stdout.contains('\r'), "{:?}", run.stderr);
    assert!(run.stderr.contains("besok\\r\\nFEL\\t.csv"), "{}", run.stderr);
    let header = visits_file(&plain_visits(4)).replacen("supplier_id", "\"supplier\rkolumn\nx\"", 1);
    let odd = w.write("odd.csv", header);
    let run = w.monthly(&["--visits", &odd]);
    run.fails_with(3);
    assert!(run.stderr.contains("supplier\\rkolumn\\nx"), "{}", run.stderr);
    w.monthly(&["--visits", &w.write("plain.csv", visits_file(&plain_visits(20))), "--quiet"]).ok();
    let run = w.tidkoll(&["investigate", "--supplier", "A\rB", "--month", "2025-03", "--out", "out"]);
    assert!(run.stderr.contains("utföraren 'A\\rB' finns inte"), "{}", run.stderr);
}

#[test]
fn a_configuration_saved_as_utf16_or_windows_1252_is_read() {
    let w = Work::new();
    let text = "# Kommunens inställningar\n[columns.visits]\nsupplier_id = \"Utförare\"\n";
    let visits = w.write("visits.csv", visits_file(&plain_visits(4)).replacen("supplier_id", "Utförare", 1));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let ansi = encoding_rs::WINDOWS_1252.encode(text).0.into_owned();
    for (name, bytes) in [("unicode.toml", utf16), ("ansi.toml", ansi)] {
        let config = w.write(name, bytes);
        w.tidkoll(&["config", "--check", &config]).ok();
        w.monthly(&["--visits", &visits, "--config", &config, "--quiet"]).ok();
        assert_eq!(w.figures("2025-03").suppliers(), ["A", "ALL", "B", "C", "D"], "{name}");
    }
}

#[test]
fn a_personnummer_typed_as_a_supplier_is_not_echoed() {
    let w = Work::new();
    let file = w.write("visits.csv", visits_file(&plain_visits(4)));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    let run = w.tidkoll(&["investigate", "--supplier", "19450312-1230", "--month", "2025-03", "--out", "out"]);
    run.fails_with(2);
    assert!(run.stderr.contains("utföraren '[personnummer]' finns inte bland"), "{}", run.stderr);
    assert!(!run.stderr.contains("450312"), "{}", run.stderr);
}

#[test]
fn years_no_visit_can_lie_in_are_refused() {
    let w = Work::new();
    let mut lines = plain_visits(400);
    lines.push(visit("old", "A", "c1", "p1", "0001-03-03 08:00", "0001-03-03 08:30", "OMV"));
    lines.push(visit("far", "A", "c1", "p1", "2099-03-03 08:00", "2099-03-03 08:30", "OMV"));
    let file = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &file, "--quiet"]).ok();
    let rejects = w.read("out/2025-03/rejects.csv");
    assert_eq!(rejects.matches("check_in: implausible year – ").count(), 2, "{rejects}");
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "visits.csv"), (402, 400, 2, 0, 0));
    for month in ["0000-01", "2099-03"] {
        let run = w.monthly(&["--visits", &file, "--month", month]);
        run.fails_with(2);
        assert!(run.stderr.contains(&format!("--month: {month} ligger utanför åren 2000–")), "{}", run.stderr);
    }
}

#[test]
fn a_hidden_first_sheet_is_not_read_without_being_named() {
    let w = Work::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let hidden = book.add_worksheet();
    hidden.set_name("Hjälp").unwrap();
    hidden.write_string(0, 0, "x").unwrap();
    hidden.set_hidden(true);
    let visible = book.add_worksheet();
    visible.set_name("Besök").unwrap();
    // Excel opens on the visible sheet (an active sheet cannot be hidden).
    visible.set_active(true);
    for (r, line) in std::iter::once(crate::common::HEADER.to_string()).chain(plain_visits(4)).enumerate() {
        for (c, cell) in line.split(',').enumerate().filter(|(_, cell)| !cell.is_empty()) {
            visible.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let path = w.path("besok.xlsx");
    book.save(&path).unwrap();
    let file = path.to_string_lossy().into_owned();
    let run = w.monthly(&["--visits", &file]);
    run.fails_with(3);
    assert!(run.stderr.contains("har ett dolt första blad 'Hjälp'") && run.stderr.contains("Hjälp, Besök"), "{}", run.stderr);
    let config = w.write("k.toml", "[input]\nsheet = \"Besök\"\n");
    w.monthly(&["--visits", &file, "--config", &config, "--quiet"]).ok();
    assert_eq!(crate::common::accounting(&w.manifest("2025-03"), "besok.xlsx"), (4, 4, 0, 0, 0));
}

#[test]
fn a_workbook_is_judged_by_what_its_sheets_unpack_to() {
    let w = Work::new();
    let file = handmade_workbook(&w, "stor.xlsx", &visits_file(&plain_visits(20_000)));
    let packed = std::fs::metadata(&file).unwrap().len();
    assert!(packed < 1_000_000, "the file itself is small: {packed}");
    let run = w.tidkoll_env(&["monthly", "--out", "out", "--visits", &file], &[("TIDKOLL_MEMORY_BYTES", "4000000")]);
    run.fails_with(3);
    assert!(run.stderr.contains("arbetsbokens blad packas upp till ") && run.stderr.contains("men bara 4.0 MB finns"), "{}", run.stderr);
    assert!(!w.path("out/2025-03").exists());
}

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
    assert_eq!(rejects.matches("control character").count(), 2, "the reason of both rows: {rejects}");
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
    assert!(rejects.contains("planned_minutes: holds a value shaped like a personnummer"), "{rejects}");
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
    assert!(rejects.contains("a quoted field opened on line 12 runs over 30 lines to line 41"), "{rejects}");
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

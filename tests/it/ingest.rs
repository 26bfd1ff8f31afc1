//! Reading real exports (SPEC §2): every dialect feature and every class of bad input, with
//! exit code, message and row accounting.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};

fn two_visits() -> Vec<String> {
    vec![
        visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        visit("a2", "S1", "c1", "p1", "2025-03-04 08:00", "2025-03-04 08:20", "OMV"),
    ]
}

#[test]
fn utf8_with_bom_and_swedish_letters() {
    let w = Work::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(visits_file(&[visit("a1", "Åby Omsorg", "c1", "Örjan", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]).as_bytes());
    let visits = w.write("visits.csv", bytes);
    w.monthly(&["--visits", &visits]).ok();
    let f = w.figures("2025-03");
    assert_eq!(f.suppliers(), ["ALL", "Åby Omsorg"]);
    assert!(w.read("out/2025-03/staff.csv").contains("Åby Omsorg,Örjan,1,"));
    let m = w.manifest("2025-03");
    assert_eq!(m["inputs"][0]["encoding"], "utf-8");
}

#[test]
fn swedish_dialect_windows_1252_semicolon_decimal_comma_and_renamed_columns() {
    let w = Work::new();
    let text = "Besöks-ID;Utförare;Kund;Personal;Start;Slut;Kvittens in;Kvittens ut;Insatser;Planerad tid (min)\n\
                b1;Åby Vård;K1;Pär;2025-03-03 08:00;2025-03-03 08:30;Tagg;Digitalt lås;OMV|MATD;30,5\n\
                b2;Åby Vård;K1;Pär;2025-03-04 08:00;2025-03-04 08:12;Efterregistrering;Mobil;OMV;12,0\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(bytes.contains(&0xE5), "really Windows-1252");
    let visits = w.write("besök.csv", &bytes);
    let granted_text = "Utförare;Kund;Månad;Beviljad tid (min)\nÅby Vård;K1;2025-03;52,5\n";
    let granted = w.write("beviljat.csv", encoding_rs::WINDOWS_1252.encode(granted_text).0);
    let config = w.write(
        "kommun.toml",
        "[columns.visits]\nvisit_id = \"Besöks-ID\"\nsupplier_id = \"Utförare\"\nclient_id = \"Kund\"\nstaff_id = \"Personal\"\n\
         check_in = \"Start\"\ncheck_out = \"Slut\"\ncheck_in_method = \"Kvittens in\"\ncheck_out_method = \"Kvittens ut\"\n\
         services = \"Insatser\"\nplanned_minutes = \"Planerad tid (min)\"\n\
         [columns.granted]\nsupplier_id = \"Utförare\"\nclient_id = \"Kund\"\nmonth = \"Månad\"\ngranted_minutes = \"Beviljad tid (min)\"\n",
    );
    w.monthly(&["--visits", &visits, "--granted", &granted, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("Åby Vård", "checkin_rate", Some(0.5), "deviation");
    // (30 + 12) / 52.5 = 0.8
    f.assert("Åby Vård", "completion_rate", Some(0.8), "ok");
    let m = w.manifest("2025-03");
    assert_eq!(m["inputs"][0]["encoding"], "windows-1252");
    assert_eq!(m["inputs"][0]["delimiter"], ";");
    assert_eq!(accounting(&m, "besök.csv"), (2, 2, 0, 0, 0));
}

#[test]
fn tab_delimiter_and_quoted_fields() {
    let w = Work::new();
    let text = "visit_id\tsupplier_id\tclient_id\tstaff_id\tcheck_in\tcheck_out\tcheck_in_method\tcheck_out_method\n\
                t1\t\"Vård\tOmsorg\"\tc1\tp1\t2025-03-03T08:00:00+01:00\t2025-03-03T08:45:00+01:00\tnfc\tnfc\n";
    let visits = w.write("visits.tsv", text);
    w.monthly(&["--visits", &visits]).ok();
    let f = w.figures("2025-03");
    // The quoted tab is kept as text; in a name it is a space (names are normalised).
    f.assert("Vård Omsorg", "visit_minutes_mean", Some(45.0), "info");
}

#[test]
fn missing_column_names_file_found_columns_and_the_fix() {
    let w = Work::new();
    let visits = w.write("visits.csv", "visit_id;Utförare;client_id;staff_id;check_in;check_in_method\na;S1;c;p;2025-03-03 08:00;nfc\n");
    let run = w.monthly(&["--visits", &visits]);
    run.fails_with(3);
    for part in ["visits.csv", "'supplier_id'", "'Utförare'", "[columns.visits]", "supplier_id = \"<kolumnens namn i exporten>\""] {
        assert!(run.stderr.contains(part), "missing {part:?} in:\n{}", run.stderr);
    }
    assert!(!w.path("out/2025-03").exists());
}

#[test]
fn empty_and_header_only_files() {
    let w = Work::new();
    let empty = w.write("empty.csv", "");
    let run = w.monthly(&["--visits", &empty]);
    run.fails_with(3);
    assert!(run.stderr.contains("empty.csv är tom (0 byte)"), "{}", run.stderr);

    let header_only = w.write("header.csv", format!("{HEADER}\n"));
    let run = w.monthly(&["--visits", &header_only]);
    run.fails_with(3);
    assert!(run.stderr.contains("inget besök kunde läsas"), "{}", run.stderr);
    // With a month given, the empty month is stored: every figure missing.
    w.monthly(&["--visits", &header_only, "--month", "2025-03"]).ok();
    let f = w.figures("2025-03");
    assert_eq!(f.suppliers(), ["ALL"]);
    f.assert("ALL", "checkin_rate", None, "missing");
    f.assert("ALL", "flag_rate.duplicate", None, "missing");
    assert_eq!(accounting(&w.manifest("2025-03"), "header.csv"), (0, 0, 0, 0, 0));
}

#[test]
fn duplicate_visit_ids_count_once_and_are_reported() {
    let w = Work::new();
    let first = w.write("march.csv", visits_file(&two_visits()));
    let second = w.write(
        "march-again.csv",
        visits_file(&[
            visit("a2", "S1", "c1", "p1", "2025-03-04 08:00", "2025-03-04 08:20", "OMV"),
            visit("a3", "S1", "c1", "p1", "2025-03-05 08:00", "2025-03-05 08:10", "OMV"),
        ]),
    );
    w.monthly(&["--visits", &first, "--visits", &second]).ok();
    let m = w.manifest("2025-03");
    assert_eq!(accounting(&m, "march.csv"), (2, 2, 0, 0, 0));
    assert_eq!(accounting(&m, "march-again.csv"), (2, 1, 0, 1, 0));
    let rejects = w.read("out/2025-03/rejects.csv");
    assert!(rejects.contains("march-again.csv,2,duplicate visit_id – besöks-id 'a2' finns redan på en tidigare rad"), "{rejects}");
    let f = w.figures("2025-03");
    f.assert("S1", "visit_minutes_mean", Some(20.0), "info");
}

#[test]
fn every_bad_row_class_is_rejected_with_line_and_reason() {
    let w = Work::new();
    let mut lines = Vec::new();
    for i in 0..20 {
        lines.push(visit(
            &format!("ok{i}"),
            "S1",
            "c1",
            "p1",
            &format!("2025-03-{:02} 08:00", i + 1),
            &format!("2025-03-{:02} 08:30", i + 1),
            "OMV",
        ));
    }
    let bad = [
        // The reason: the machine-readable id, then what was wrong in Swedish.
        ("b1,S1,,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,", "client_id: missing value – värdet är tomt men måste finnas"),
        (
            "b2,S1,c1,p1,2025-13-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,",
            "check_in: not a timestamp – '2025-13-03 08:00' är ingen tidpunkt (skriv ÅÅÅÅ-MM-DD TT:MM",
        ),
        ("b3,S1,c1,p1,2025-03-03 08:00,03/03/2025 08:30,nfc,nfc,OMV,", "check_out: not a timestamp – '03/03/2025 08:30' är ingen tidpunkt"),
        (
            "b4,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,fax,nfc,OMV,",
            "check_in_method: unknown method – okänt kvitteringssätt 'fax'; koppla det till",
        ),
        (
            "b5,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,brevduva,OMV,",
            "check_out_method: unknown method – okänt kvitteringssätt 'brevduva'",
        ),
        ("b6,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,tjugo", "planned_minutes: not a number – 'tjugo' är inget tal"),
        (
            "b7,S1,c1,p1,2025-03-30 02:15,2025-03-30 03:30,nfc,nfc,OMV,",
            "check_in: non-existent local time – klockslaget 2025-03-30 02:15 finns inte i svensk tid",
        ),
        ("b8,S1,c1,p1,2025-03-03 08:00", "wrong number of fields – raden har 5 fält, rubrikraden 10"),
        ("b9,S1,19450101-1234,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,x", "planned_minutes: not a number – 'x' är inget tal"),
    ];
    lines.extend(bad.iter().map(|(l, _)| l.to_string()));
    let visits = w.write("visits.csv", visits_file(&lines));
    // 9 of 29 rows rejected: over the default 1 % limit.
    let run = w.monthly(&["--visits", &visits]);
    run.fails_with(3);
    for part in [
        "visits.csv: 9 av 29 rader avvisade (31.03 %)",
        "2 × planned_minutes: inget tal\n",
        "1 × check_in: ingen tidpunkt\n",
        "1 × check_in: tiden finns inte (klockan ställs fram)\n",
        "1 × check_in_method: okänt kvitteringssätt\n",
        "refused-rejects.csv",
    ] {
        assert!(run.stderr.contains(part), "missing {part:?} in:\n{}", run.stderr);
    }
    // The terminal quotes the reasons in Swedish only.
    for english in ["not a number", "not a timestamp", "non-existent", "wrong number"] {
        assert!(!run.stderr.contains(english), "{english} in:\n{}", run.stderr);
    }
    assert!(!w.path("out/2025-03").exists(), "nothing is published");
    assert!(w.read("out/refused-rejects.csv").contains("b7"));

    let config = w.write("k.toml", "[input]\nmax_reject_rate = 0.5\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let rejects = w.read("out/2025-03/rejects.csv");
    let mut reader = csv::Reader::from_reader(rejects.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), bad.len());
    for (k, (row, (raw, reason))) in rows.iter().zip(bad).enumerate() {
        assert_eq!(&row[0], "visits.csv");
        assert_eq!(row[1].parse::<usize>().unwrap(), 22 + k, "line numbers count the header as line 1");
        assert!(row[2].starts_with(reason), "{} should start with {reason}", &row[2]);
        if !raw.contains("19450101") {
            assert_eq!(&row[3], raw);
        }
    }
    // The personnummer in a rejected raw line is replaced by its pseudonym.
    assert!(!rejects.contains("19450101-1234") && rows[8][3].starts_with("b9,S1,K-"), "{rejects}");
    assert_eq!(accounting(&w.manifest("2025-03"), "visits.csv"), (29, 20, 9, 0, 0));
}

#[test]
fn bad_configuration_exits_2_naming_the_key() {
    let w = Work::new();
    let visits = w.write("visits.csv", visits_file(&two_visits()));
    for (text, key) in [
        ("[parameters]\nmin_visit = 3\n", "min_visit"),
        ("[requirements]\ncompletion_rate = { min = 1.2, max = 1.0 }\n", "requirements.completion_rate"),
        ("[input]\ndelimiter = \"|\"\n", "input.delimiter"),
    ] {
        let config = w.write("bad.toml", text);
        let run = w.monthly(&["--visits", &visits, "--config", &config]);
        run.fails_with(2);
        assert!(run.stderr.contains(key) && run.stderr.contains("bad.toml"), "{key}: {}", run.stderr);
    }
    w.monthly(&["--visits", &visits, "--month", "2025-3"]).fails_with(2);
}

#[test]
fn printed_defaults_are_a_valid_configuration() {
    let w = Work::new();
    let run = w.tidkoll(&["config", "--print-defaults"]);
    run.ok();
    assert!(run.stdout.contains("[requirements]") && run.stdout.contains("checkin_rate = { min = 0.9 }"));
    let path = w.write("defaults.toml", &run.stdout);
    w.tidkoll(&["config", "--check", &path]).ok();
    let visits = w.write("visits.csv", visits_file(&two_visits()));
    w.monthly(&["--visits", &visits, "--config", &path]).ok();
}

#[test]
fn missing_path_directory_and_same_file_twice_are_refused() {
    let w = Work::new();
    let visits = w.write("visits.csv", visits_file(&two_visits()));
    let run = w.monthly(&["--visits", "nowhere.csv"]);
    run.fails_with(3);
    assert!(run.stderr.contains("nowhere.csv"), "{}", run.stderr);
    let run = w.monthly(&["--visits", w.dir.path().to_str().unwrap()]);
    run.fails_with(3);
    assert!(run.stderr.contains("är en mapp"), "{}", run.stderr);
    let run = w.monthly(&["--visits", &visits, "--visits", &visits]);
    run.fails_with(3);
    assert!(run.stderr.contains("angiven två gånger"), "{}", run.stderr);
}

#[test]
fn synthetic_visit_ids_name_file_and_line() {
    let w = Work::new();
    let text = "supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services\n\
                S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV\n\
                S1,c1,p1,2025-03-03 08:31,2025-03-03 08:40,nfc,nfc,OMV\n";
    let visits = w.write("export.csv", text);
    w.monthly(&["--visits", &visits]).ok();
    let flags = w.flags("2025-03");
    assert_eq!(flags, ["export.csv:2,S1,repeated_service,export.csv:3", "export.csv:3,S1,repeated_service,export.csv:2"]);
}

#[test]
fn crlf_lines_and_blank_lines_give_the_true_line_number_of_a_reject() {
    let w = Work::new();
    let good = visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV");
    let bad = visit("a2", "S1", "c1", "p1", "2025-03-32 08:00", "", "OMV");
    let text = format!("{HEADER}\r\n{good}\r\n\r\n{bad}\r\n");
    let visits = w.write("v.csv", text);
    let config = w.write("t.toml", "[input]\nmax_reject_rate = 0.9\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let rejects = w.read("out/2025-03/rejects.csv");
    let row = rejects.lines().nth(1).expect("one reject");
    assert!(
        row.starts_with("v.csv,4,\"check_in: not a timestamp – '2025-03-32 08:00' är ingen tidpunkt"),
        "line 4 holds the bad row: {row}"
    );
    assert!(row.ends_with(&format!(",\"{bad}\"")), "raw line without its CRLF: {row}");
}

#[test]
fn a_supplier_called_all_is_rejected_not_mixed_with_the_municipal_row() {
    let w = Work::new();
    let mut lines: Vec<String> = (0..200)
        .map(|i| {
            visit(
                &format!("v{i}"),
                "S1",
                "c1",
                "p1",
                &format!("2025-03-{:02} 08:00", i % 28 + 1),
                &format!("2025-03-{:02} 08:30", i % 28 + 1),
                "OMV",
            )
        })
        .collect();
    lines.push(visit("x1", "all", "c2", "p2", "2025-03-04 09:00", "2025-03-04 09:30", "OMV"));
    let visits = w.write("visits.csv", visits_file(&lines));
    let granted = w.write("granted.csv", "supplier_id,client_id,month,granted_minutes\nALL,c2,2025-03,60\nS1,c1,2025-03,6000\n");
    w.monthly(&["--visits", &visits, "--granted", &granted, "--config", &w.write("k.toml", "[input]\nmax_reject_rate = 0.5\n")]).ok();
    let rejects = w.read("out/2025-03/rejects.csv");
    assert!(rejects.contains("visits.csv,202,supplier_id: reserved id ALL – 'all' är reserverat för raden för hela kommunen"), "{rejects}");
    assert!(rejects.contains("granted.csv,2,supplier_id: reserved id ALL – 'ALL' är reserverat"), "{rejects}");
    assert_eq!(accounting(&w.manifest("2025-03"), "visits.csv"), (201, 200, 1, 0, 0));
    let figures = w.read("out/2025-03/figures.csv");
    let rows_of = |id: &str| figures.lines().filter(|l| l.starts_with(&format!("{id},"))).count();
    assert!(rows_of("ALL") > 10 && rows_of("ALL") == rows_of("S1"), "one ALL row per figure, as for S1:\n{figures}");
    assert!(!figures.lines().any(|l| l.starts_with("all,")), "{figures}");
}

#[test]
fn a_municipality_shaped_month_is_read_whole_with_quoted_names_seconds_and_both_personnummer_forms() {
    let w = Work::new();
    w.tidkoll(&["generate", "--out", "gen", "--shape", "municipality", "--months", "2025-03", "--visits", "20000"]).ok();
    let text = w.read("gen/visits-2025-03.csv");
    let rows: Vec<&str> = text.lines().skip(1).collect();
    // The shape: 12-digit visit ids, times to the second, a quoted name with a comma, client ids
    // of two kinds and personnummer in both forms.
    assert!(rows.iter().all(|r| r.split(',').next().is_some_and(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))));
    let quoted = rows.iter().filter(|r| r.contains("\"Vårdbolaget Väst 1, Hemtjänst AB\"")).count();
    assert!(quoted > 0 && quoted < rows.len());
    assert!(rows.iter().any(|r| r.contains(",19") && r.contains("-")) && rows.iter().any(|r| r.contains(",K0")));
    let short = rows.iter().filter(|r| r.split(',').nth(if r.contains('"') { 3 } else { 2 }).is_some_and(|c| c.len() == 11)).count();
    assert!(short > 0, "personnummer without century on some rows");
    assert!(rows[0].contains(":") && rows[0].split(',').nth(4).is_some_and(|t| t.len() == 19), "{}", rows[0]);

    let run = w.monthly(&["--visits", &w.path("gen/visits-2025-03.csv").to_string_lossy(), "--quiet"]);
    run.ok();
    let (read, accepted, rejected, duplicates, _) = accounting(&w.manifest("2025-03"), "visits-2025-03.csv");
    assert_eq!((read, accepted, rejected, duplicates), (rows.len() as u64, rows.len() as u64, 0, 0));
    // Every supplier's performed visits and clients, the quoted one's too, as the file holds
    // them; a personnummer in both forms is one client.
    let rejects = w.read("out/2025-03/rejects.csv");
    assert_eq!(rejects.lines().count(), 1, "{rejects}");
    let mut expected: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for rec in reader.records() {
        let rec = rec.unwrap();
        let entry = expected.entry(rec[1].to_string()).or_default();
        let client = &rec[2];
        entry.1.insert(if client.len() == 13 { client[2..].to_string() } else { client.to_string() });
        entry.0 += usize::from(&rec[12] == "performed");
    }
    assert!(expected.contains_key("Vårdbolaget Väst 1, Hemtjänst AB"));
    let mut got: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
    let clients_csv = w.read("out/2025-03/clients.csv");
    let mut reader = csv::Reader::from_reader(clients_csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let visits = header.iter().position(|h| h == "visits").unwrap();
    for rec in reader.records() {
        let rec = rec.unwrap();
        let entry = got.entry(rec[0].to_string()).or_default();
        entry.0 += rec[visits].parse::<usize>().unwrap();
        entry.1.insert(rec[1].to_string());
    }
    for (supplier, (performed, clients)) in &expected {
        let (visits, pseudonyms) = &got[supplier];
        assert_eq!((visits, pseudonyms.len()), (performed, clients.len()), "{supplier}");
    }
}

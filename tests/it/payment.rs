//! The payment basis (SPEC v3 §10): questioned time per reason, over-granted time, the invoice
//! check and the kronor, hand-computed on small files.

use crate::common::Work;

const HEADER: &str = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,manual_reason";

/// A visit on March 3 2025; `method` for both check-in and check-out.
fn v(id: &str, supplier: &str, client: &str, staff: &str, (from, to): (&str, &str), method: &str, reason: &str) -> String {
    format!("{id},{supplier},{client},{staff},2025-03-03 {from},2025-03-03 {to},{method},{method},OMV,{reason}")
}

/// The month's visits of supplier S1: one visit questioned for each reason, the first visit of
/// each pair not questioned, and a visit that is both during an absence and a later copy.
fn visits() -> Vec<String> {
    vec![
        // A duplicate pair: a2 is the later copy (30 min); a1 is not questioned.
        v("a1", "S1", "c1", "p1", ("08:00", "08:30"), "nfc", ""),
        v("a2", "S1", "c1", "p1", ("08:10", "08:40"), "nfc", ""),
        // p2 at two clients at once: the later visit b2 (30 min) is questioned, b1 is not.
        v("b1", "S1", "c2", "p2", ("09:00", "09:20"), "nfc", ""),
        v("b2", "S1", "c3", "p2", ("09:10", "09:40"), "nfc", ""),
        // Manual without a reason (15 min), and with one.
        v("m1", "S1", "c4", "p3", ("10:00", "10:15"), "manual", ""),
        v("m2", "S1", "c4", "p3", ("11:00", "11:10"), "manual", "Glömde kvittera"),
        // During c5's absence, both 20 min; x2 is also the later copy of x1 and counts once,
        // as during an absence.
        v("x1", "S1", "c5", "p4", ("12:00", "12:20"), "nfc", ""),
        v("x2", "S1", "c5", "p4", ("12:05", "12:25"), "nfc", ""),
        // A client with a personnummer, 45 min, invoiced in the form without century.
        v("y1", "S1", "19431006-2122", "p5", ("13:00", "13:45"), "nfc", ""),
    ]
}

fn setup(w: &Work, with_reason_column: bool) -> Vec<String> {
    let lines: Vec<String> =
        if with_reason_column { visits() } else { visits().iter().map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect() };
    let header = if with_reason_column { HEADER } else { HEADER.rsplit_once(',').unwrap().0 };
    let visits = w.write("visits.csv", format!("{header}\n{}\n", lines.join("\n")));
    let granted =
        w.write("granted.csv", "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,40\nS1,c2,2025-03,10\nS1,c3,2025-03,60\n");
    let absences = w.write("absences.csv", "client_id,absent_from,absent_to,reason\nc5,2025-03-03,2025-03-03,sjukhus\n");
    // c1 over-invoiced by 30, c2 at its time, the personnummer in another form at its time, c9
    // invoiced without a visit, and S2 with an invoice row only.
    let invoices = w.write(
        "invoices.csv",
        "supplier_id,client_id,month,invoiced_minutes\nS1,c1,2025-03,60\nS1,c2,2025-03,20\nS1,431006-2122,2025-03,45\nS1,c9,2025-03,25\nS2,c1,2025-03,12\n",
    );
    let config = w.write("kommun.toml", "[payment]\nhourly_rate = 450\n");
    [visits, granted, absences, invoices, config].into()
}

#[test]
fn each_reason_once_in_spec_order_with_over_granted_time_invoices_and_kronor() {
    let w = Work::new();
    let [visits, granted, absences, invoices, config] = <[String; 5]>::try_from(setup(&w, true)).unwrap();
    let run =
        w.monthly(&["--visits", &visits, "--granted", &granted, "--absences", &absences, "--invoices", &invoices, "--config", &config]);
    run.ok();
    assert_eq!(
        w.read("out/2025-03/payment.csv").lines().next().unwrap(),
        "supplier_id,month,registered_minutes,questioned_minutes,during_absence_minutes,duplicate_minutes,staff_overlap_minutes,manual_without_reason_minutes,over_granted_minutes,invoiced_minutes,invoice_excess_minutes,questioned_kronor,invoice_excess_kronor"
    );
    let payment = stored(&w, "2025-03", "payment.csv");
    // Registered 30+30+20+30+15+10+20+20+45 = 220; questioned 40 + 30 + 30 + 15 = 115 (862.5 kr,
    // rounded half away from zero); over granted: c2 20 − 10 (c1's copy and c3's only visit are
    // questioned); invoiced 60+20+45+25 = 150, of which c1's 30 and c9's 25 unsupported
    // (412.5 kr).
    assert_eq!(
        payment[0],
        ["S1", "2025-03", "220.00", "115.00", "40.00", "30.00", "30.00", "15.00", "10.00", "150.00", "55.00", "863", "413"]
    );
    // S2 has rows from its invoice alone: nothing registered, every invoiced minute unsupported.
    assert_eq!(payment[1], ["S2", "2025-03", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "", "12.00", "12.00", "0", "90"]);
    assert_eq!(
        payment[2],
        ["ALL", "2025-03", "220.00", "115.00", "40.00", "30.00", "30.00", "15.00", "10.00", "162.00", "67.00", "863", "503"]
    );

    let mut questioned = stored(&w, "2025-03", "questioned.csv");
    questioned.sort();
    assert_eq!(
        questioned,
        [
            ["a2", "S1", "duplicate", "30.00"],
            ["b2", "S1", "staff_overlap", "30.00"],
            ["m1", "S1", "manual_without_reason", "15.00"],
            ["x1", "S1", "during_absence", "20.00"],
            ["x2", "S1", "during_absence", "20.00"],
        ]
    );

    let check = stored(&w, "2025-03", "invoice_check.csv");
    let mut rows: Vec<(&str, &str, &str, &str)> =
        check.iter().map(|r| (r[0].as_str(), r[3].as_str(), r[4].as_str(), r[5].as_str())).collect();
    // Per supplier the client invoiced without supported time first, then by excess (equal
    // excesses by pseudonym, which the test does not know).
    rows[2..4].sort();
    assert_eq!(
        rows,
        [
            ("S1", "25.00", "0.00", "25.00"),
            ("S1", "60.00", "30.00", "30.00"),
            ("S1", "20.00", "20.00", "0.00"),
            ("S1", "45.00", "45.00", "0.00"),
            ("S2", "12.00", "0.00", "12.00"),
        ]
    );
    assert!(check.iter().all(|r| r[1].starts_with("K-") && r[2] == "2025-03"), "pseudonyms: {check:?}");
    assert!(!w.read("out/2025-03/invoice_check.csv").contains("2122"), "no personnummer");

    // Read back as the quarter, the year and the investigation read it.
    let stored = tidkoll::store::read::read_month(&w.path("out"), "2025-03".parse().unwrap()).unwrap();
    let s1 = &stored.payment[0];
    assert_eq!((s1.registered, s1.questioned, s1.per_reason, s1.over_granted), (22000, 11500, [4000, 3000, 3000, 1500], Some(1000)));
    assert_eq!(
        (s1.invoiced, s1.invoice_excess, s1.questioned_kronor, s1.invoice_excess_kronor),
        (Some(15000), Some(5500), Some(863), Some(413))
    );
    assert_eq!(stored.payment[1].over_granted, None);
    assert_eq!(stored.questioned.len(), 5);
    assert_eq!(stored.questioned.iter().map(|q| q.minutes).sum::<i64>(), 11500);
    assert_eq!(stored.invoice_check.iter().map(|r| r.excess).sum::<i64>(), 6700);

    let f = w.figures("2025-03");
    f.assert("S1", "questioned_share", Some(115.0 / 220.0), "deviation");
    f.assert("S1", "invoice_excess_share", Some(55.0 / 150.0), "deviation");
    f.assert("S2", "questioned_share", None, "missing");
    f.assert("S2", "invoice_excess_share", Some(1.0), "deviation");
    // The terminal names the questioned time and the kronor per supplier.
    assert!(run.stdout.contains("Ersättningsunderlag"), "{}", run.stdout);
    let s1 = run.stdout.lines().rfind(|l| l.trim_start().starts_with("S1 ")).unwrap();
    assert!(s1.contains("115 min") && s1.contains("863 kr") && s1.contains("413 kr") && s1.contains("52,3 %"), "{s1}");
}

#[test]
fn manual_without_reason_only_when_the_export_has_a_reason_column_and_no_invoice_columns_without_invoices() {
    let w = Work::new();
    let [visits, granted, absences, _, _] = <[String; 5]>::try_from(setup(&w, false)).unwrap();
    w.monthly(&["--visits", &visits, "--granted", &granted, "--absences", &absences]).ok();
    let payment = stored(&w, "2025-03", "payment.csv");
    // Without the column m1 is not questioned; without invoices and a rate, those columns are
    // empty, and there is no invoice check.
    assert_eq!(payment[0], ["S1", "2025-03", "220.00", "100.00", "40.00", "30.00", "30.00", "0.00", "10.00", "", "", "", ""]);
    assert!(!w.path("out/2025-03/invoice_check.csv").exists());
    let f = w.figures("2025-03");
    f.assert("S1", "questioned_share", Some(100.0 / 220.0), "deviation");
    f.assert("S1", "invoice_excess_share", None, "missing");
}

/// The rows of a stored month's CSV file, split at commas (the tables of these tests hold none
/// inside a field).
fn stored(w: &Work, month: &str, file: &str) -> Vec<Vec<String>> {
    w.read(&format!("out/{month}/{file}")).lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

#[test]
fn the_quarter_shows_each_months_payment_basis_and_the_plan_groups_the_questioned_visits_by_reason() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let (w, run) = crate::common::full_quarter();
    run.ok();
    // The matrix's sheet: a row per supplier and month, then the municipality's, each value the
    // month's payment.csv.
    let mut book: Xlsx<_> = open_workbook(w.path("out/2025-Q1/matrix.xlsx")).unwrap();
    let sheet = book.worksheet_range("Ersättning").unwrap();
    let mut rows = 0;
    for month in ["2025-01", "2025-02", "2025-03"] {
        for p in stored(w, month, "payment.csv") {
            let shown = if p[0] == "ALL" { "Hela kommunen" } else { p[0].as_str() };
            let r = (1..sheet.height() as u32)
                .find(|&r| {
                    sheet.get_value((r, 0)) == Some(&Data::String(shown.into()))
                        && sheet.get_value((r, 1)) == Some(&Data::String(month.into()))
                })
                .unwrap_or_else(|| panic!("{shown} {month}"));
            // registered, questioned, then (after the share) the four reasons, over granted,
            // invoiced, unsupported, and the kronor (no rate in the fixtures: –).
            for (column, value) in [
                (2, &p[2]),
                (3, &p[3]),
                (5, &p[4]),
                (6, &p[5]),
                (7, &p[6]),
                (8, &p[7]),
                (9, &p[8]),
                (10, &p[9]),
                (11, &p[10]),
                (12, &p[11]),
            ] {
                match sheet.get_value((r, column)) {
                    Some(Data::Float(x)) => {
                        assert!((x - value.parse::<f64>().unwrap()).abs() < 1e-9, "{shown} {month} {column}: {x} vs {value}")
                    }
                    Some(Data::String(s)) => assert!(s == "–" && value.is_empty(), "{shown} {month} {column}: {s} vs {value}"),
                    other => panic!("{shown} {month} {column}: {other:?}"),
                }
            }
            rows += 1;
        }
    }
    // Minutes and kronor print with their thousands grouped; a missing amount's dash stands
    // right-aligned where the numbers stand.
    let xml = crate::common::SheetXml::read(
        &w.path("out/2025-Q1/matrix.xlsx"),
        1 + book.sheet_names().iter().position(|n| n == "Ersättning").unwrap(),
    );
    assert_eq!(xml.number_format("C2"), "#,##0.00");
    // The reasons' headings wrap between words: "dubbelregistrering" (18 letters) has room.
    let heading = sheet.get_value((0, 6)).unwrap().to_string();
    assert_eq!(heading, "varav dubbelregistrering (min)");
    assert!(xml.xml.contains(r#"<col min="7" max="7" width="20.7109375" customWidth="1"/>"#), "{}", xml.xml);
    assert!(xml.xml.contains(r#"<c r="M2" s=""#) && xml.right_aligned("M2"), "{}", xml.xml);
    assert_eq!(rows, 6 * 3 - 1 + 3, "six suppliers (one from February) and the municipality, three months");

    // Trygg Vård AB's plan: its questioned visits by reason over the quarter, counted from the
    // months' questioned.csv.
    let md = w.read("out/2025-Q1/leverantorer/Trygg-Vård-AB/atgardsplan-Trygg-Vård-AB.md");
    assert!(md.contains("Ersättning") && md.contains("Underlag: ersättningsunderlaget per månad"), "{md}");
    for reason in tidkoll::model::Questioned::ALL {
        let visits = ["2025-01", "2025-02", "2025-03"]
            .iter()
            .flat_map(|m| stored(w, m, "questioned.csv"))
            .filter(|q| q[1] == "Trygg Vård AB" && q[2] == reason.name())
            .count();
        let line = md.lines().find(|l| l.starts_with(&format!("| {} |", reason.label())));
        match visits {
            0 => assert!(line.is_none(), "{reason:?}"),
            n => assert!(line.is_some_and(|l| l.starts_with(&format!("| {} | {n} |", reason.label()))), "{reason:?} {n}: {line:?}"),
        }
    }
    // A supplier's plan names only its own questioned visits.
    let own: Vec<String> = ["2025-01", "2025-02", "2025-03"]
        .iter()
        .flat_map(|m| stored(w, m, "questioned.csv"))
        .filter(|q| q[1] != "Trygg Vård AB")
        .map(|q| q[0].clone())
        .collect();
    assert!(!own.is_empty() && own.iter().all(|id| !md.contains(id.as_str())));
}

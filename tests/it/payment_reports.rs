//! The payment basis where people read it (issue 33): the investigation's questioned visits,
//! invoiced time without support and totals per month, and the year's account, on two
//! hand-worked months of two suppliers.

use crate::common::Work;

const HEADER: &str = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,manual_reason";
const ALFA: &str = "Alfa Omsorg AB";
const BETA: &str = "Beta Vård AB";

/// A visit on `day`; `method` for both check-in and check-out, no manual reason.
fn v(id: &str, supplier: &str, client: &str, staff: &str, day: &str, (from, to): (&str, &str), method: &str) -> String {
    format!("{id},{supplier},{client},{staff},{day} {from},{day} {to},{method},{method},OMV,")
}

/// February: Alfa registers one visit twice (30 min each); alfa-e2 is the later copy.
fn february() -> Vec<String> {
    let day = "2025-02-10";
    vec![v("alfa-e1", ALFA, "c1", "p1", day, ("08:00", "08:30"), "nfc"), v("alfa-e2", ALFA, "c1", "p1", day, ("08:00", "08:30"), "nfc")]
}

/// March: Alfa has a visit questioned for each reason (the first of each pair not), Beta one
/// manual visit without a reason.
fn march() -> Vec<String> {
    let day = "2025-03-03";
    vec![
        // Duplicate pair: alfa-a2 (30 min) is the later copy.
        v("alfa-a1", ALFA, "c1", "p1", day, ("08:00", "08:30"), "nfc"),
        v("alfa-a2", ALFA, "c1", "p1", day, ("08:10", "08:40"), "nfc"),
        // p2 at two clients at once: alfa-b2 (30 min) is the later visit.
        v("alfa-b1", ALFA, "c2", "p2", day, ("09:00", "09:20"), "nfc"),
        v("alfa-b2", ALFA, "c3", "p2", day, ("09:10", "09:40"), "nfc"),
        // Manual without a reason (15 min), and with one (10 min).
        v("alfa-m1", ALFA, "c4", "p3", day, ("10:00", "10:15"), "manual"),
        format!("alfa-m2,{ALFA},c4,p3,{day} 11:00,{day} 11:10,manual,manual,OMV,Glömde kvittera"),
        // During c5's absence, 20 min each.
        v("alfa-x1", ALFA, "c5", "p4", day, ("12:00", "12:20"), "nfc"),
        v("alfa-x2", ALFA, "c5", "p4", day, ("12:05", "12:25"), "nfc"),
        // Beta: manual without a reason (12 min) and a verified visit (10 min) at c7.
        v("beta-1", BETA, "c7", "p9", day, ("10:00", "10:12"), "manual"),
        v("beta-2", BETA, "c7", "p9", day, ("10:30", "10:40"), "nfc"),
    ]
}

/// Runs February (no invoices) and March (absences and invoices), both at 450 kr an hour.
fn run(w: &Work) {
    let config = w.write("kommun.toml", "[payment]\nhourly_rate = 450\n");
    let feb = w.write("visits-2025-02.csv", format!("{HEADER}\n{}\n", february().join("\n")));
    let mar = w.write("visits-2025-03.csv", format!("{HEADER}\n{}\n", march().join("\n")));
    let absences = w.write("absences.csv", "client_id,absent_from,absent_to,reason\nc5,2025-03-03,2025-03-03,sjukhus\n");
    // Alfa: c1 invoiced 60 (30 supported: its copy is questioned), c2 at its 20, c9 invoiced
    // 25 without a visit; Beta: c7 invoiced 50 (10 supported: the manual visit is questioned).
    let invoices = w.write(
        "invoices.csv",
        format!(
            "supplier_id,client_id,month,invoiced_minutes\n{ALFA},c1,2025-03,60\n{ALFA},c2,2025-03,20\n{ALFA},c9,2025-03,25\n{BETA},c7,2025-03,50\n"
        ),
    );
    w.monthly(&["--quiet", "--visits", &feb, "--config", &config]).ok();
    w.monthly(&["--quiet", "--visits", &mar, "--absences", &absences, "--invoices", &invoices, "--config", &config]).ok();
}

/// Rows of an Excel export (BOM, `;`) as lists of cells, without the header.
fn excel_rows(w: &Work, path: &str) -> Vec<Vec<String>> {
    let text = w.read(path);
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 BOM for Excel");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// The cells of an HTML table's rows, tags removed, from the first `<table` after `marker`.
fn html_table(html: &str, marker: &str) -> Vec<Vec<String>> {
    let after = html.split(marker).nth(1).unwrap_or_else(|| panic!("no {marker}"));
    let table = after.split("<table").nth(1).unwrap().split("</table>").next().unwrap();
    let text = |cell: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in cell.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_string()
    };
    table.split("<tr>").skip(1).map(|row| row.split("<t").skip(1).map(|cell| text(&format!("<t{cell}"))).collect()).collect()
}

/// Every file of a folder as text.
fn all_text(w: &Work, dir: &str) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(w.path(dir)).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    all
}

#[test]
fn the_investigation_lists_the_questioned_visits_the_unsupported_invoiced_time_and_the_totals_per_month_of_its_supplier_only() {
    let w = Work::new();
    run(&w);
    let inv = w.tidkoll(&["investigate", "--supplier", ALFA, "--quarter", "2025-Q1", "--out", "out"]);
    inv.ok();
    let dir = "out/utredningar/Alfa-Omsorg-AB-2025-Q1";

    // The totals per month as the months stored them: February 60 min registered, 30 of them
    // the later copy (225 kr at 450 kr/h), no invoices; March 175 min registered, 115
    // questioned (40 during the absence, 30 copy, 30 overlap, 15 manual; 862.5 → 863 kr),
    // 105 invoiced of which c1's 30 and c9's 25 unsupported (412.5 → 413 kr).
    let ersattning = excel_rows(&w, &format!("{dir}/ersattning.csv"));
    assert_eq!(
        ersattning,
        [
            ["2025-02", "60,00", "30,00", "0,00", "30,00", "0,00", "0,00", "", "", "", "225", ""],
            ["2025-03", "175,00", "115,00", "40,00", "30,00", "30,00", "15,00", "", "105,00", "55,00", "863", "413"],
        ]
    );

    // The questioned visits joined with the stored visits, in questioned.csv's order.
    let questioned = excel_rows(&w, &format!("{dir}/ifragasatta_besok.csv"));
    let shown: Vec<[&str; 6]> =
        questioned.iter().map(|r| [r[0].as_str(), r[2].as_str(), r[3].as_str(), r[5].as_str(), r[6].as_str(), r[7].as_str()]).collect();
    assert_eq!(
        shown,
        [
            ["2025-02", "duplicate", "alfa-e2", "p1", "2025-02-10 08:00", "30,00"],
            ["2025-03", "during_absence", "alfa-x1", "p4", "2025-03-03 12:00", "20,00"],
            ["2025-03", "during_absence", "alfa-x2", "p4", "2025-03-03 12:05", "20,00"],
            ["2025-03", "duplicate", "alfa-a2", "p1", "2025-03-03 08:10", "30,00"],
            ["2025-03", "staff_overlap", "alfa-b2", "p2", "2025-03-03 09:10", "30,00"],
            ["2025-03", "manual_without_reason", "alfa-m1", "p3", "2025-03-03 10:00", "15,00"],
        ]
    );
    assert_eq!(questioned[0][1], "Senare kopia av en dubbelregistrering");
    assert_eq!(questioned[5][1], "Manuell registrering utan orsak");
    // Clients are pseudonyms: the same client c1 in both months, c5 for both absence visits.
    let client = |id: &str| questioned.iter().find(|r| r[3] == id).unwrap()[4].clone();
    assert!(client("alfa-e2").starts_with("K-") && client("alfa-e2") == client("alfa-a2"));
    assert_eq!(client("alfa-x1"), client("alfa-x2"));
    assert_ne!(client("alfa-x1"), client("alfa-a2"));

    // Invoiced time without support: c9 (no visit) first, then c1.
    let unsupported = excel_rows(&w, &format!("{dir}/fakturerat_utan_stod.csv"));
    assert_eq!(unsupported.len(), 2);
    assert_eq!(unsupported[0][2..], ["25,00", "0,00", "25,00"]);
    assert_eq!(unsupported[1][1], client("alfa-a2"), "c1");
    assert_eq!(unsupported[1][2..], ["60,00", "30,00", "30,00"]);

    // The page's summary: each month and the period's sum (60 + 175 = 235 registered, 30 +
    // 115 = 145 questioned, 61.7 %, 225 + 863 = 1 088 kr; March's invoices only).
    let html = w.read(&format!("{dir}/utredning.html"));
    let summary = html_table(&html, "id=\"ersattning\"");
    assert_eq!(summary[0][1..], ["2025-02", "2025-03", "Hela perioden (2025-Q1)"]);
    let row = |label: &str| summary.iter().find(|r| r[0] == label).unwrap_or_else(|| panic!("{label}: {summary:?}"))[1..].to_vec();
    assert_eq!(row("Registrerad tid"), ["60 min", "175 min", "235 min"]);
    assert_eq!(row("Ifrågasatt tid"), ["30 min (50,0 %)", "115 min (65,7 %)", "145 min (61,7 %)"]);
    assert_eq!(row("varav besök under kundens frånvaro"), ["0 min", "40 min", "40 min"]);
    assert_eq!(row("varav senare kopia av en dubbelregistrering"), ["30 min", "30 min", "60 min"]);
    assert_eq!(row("varav manuell registrering utan orsak"), ["0 min", "15 min", "15 min"]);
    assert_eq!(row("Ifrågasatt belopp"), ["225 kr", "863 kr", "1 088 kr"]);
    assert_eq!(row("Fakturerad tid"), ["–", "105 min", "105 min"]);
    assert_eq!(row("Fakturerad tid utan stöd i registreringarna"), ["–", "55 min", "55 min"]);
    assert_eq!(row("Fakturerat utan stöd, belopp"), ["–", "413 kr", "413 kr"]);
    assert!(html.contains("2025-02: ingen fakturafil"), "the month without invoices is named");
    let listed = html_table(&html, "<h2>Ifrågasatta besök</h2>");
    assert_eq!(listed.len(), 1 + 6);
    assert_eq!(listed[4][1..4], ["Senare kopia av en dubbelregistrering", "alfa-a2", client("alfa-a2").as_str()]);
    let invoiced = html_table(&html, "<h2>Fakturerad tid utan stöd i registreringarna</h2>");
    assert_eq!(invoiced[1][2..], ["25,00", "0,00", "25,00"]);

    // The terminal: the counts per reason and the first unsupported client.
    assert!(inv.stdout.contains("Ifrågasatta besök: 6 (Besök under kundens frånvaro 2 besök, 40 min; Senare kopia av en dubbelregistrering 2 besök, 60 min; Samma personal hos två kunder samtidigt (det senare besöket) 1 besök, 30 min; Manuell registrering utan orsak 1 besök, 15 min)"), "{}", inv.stdout);
    assert!(inv.stdout.contains("fakturerad 25,00 min, med stöd 0,00 min, utan stöd 25,00 min"), "{}", inv.stdout);

    // Beta's own investigation: its manual visit and its client invoiced 40 minutes beyond.
    let beta = w.tidkoll(&["investigate", "--supplier", BETA, "--month", "2025-03", "--out", "out"]);
    beta.ok();
    let beta_dir = "out/utredningar/Beta-Vård-AB-2025-03";
    let beta_questioned = excel_rows(&w, &format!("{beta_dir}/ifragasatta_besok.csv"));
    assert_eq!(beta_questioned.len(), 1);
    assert_eq!([&beta_questioned[0][2], &beta_questioned[0][3], &beta_questioned[0][7]], ["manual_without_reason", "beta-1", "12,00"]);
    let beta_unsupported = excel_rows(&w, &format!("{beta_dir}/fakturerat_utan_stod.csv"));
    assert_eq!(beta_unsupported.len(), 1);
    assert_eq!(beta_unsupported[0][2..], ["50,00", "10,00", "40,00"]);
    let beta_client = beta_unsupported[0][1].clone();

    // Neither investigation names the other supplier, its visits or its clients.
    let alfa_all = all_text(&w, dir) + &inv.stdout;
    let beta_all = all_text(&w, beta_dir) + &beta.stdout;
    for other in [BETA, "beta-1", "beta-2", beta_client.as_str()] {
        assert!(!alfa_all.contains(other), "Alfa's investigation names {other}");
    }
    for other in [ALFA, "alfa-", client("alfa-a2").as_str(), unsupported[0][1].as_str()] {
        assert!(!beta_all.contains(other), "Beta's investigation names {other}");
    }
}

/// A sheet of the year's workbook as rows of cells (numbers as numbers).
fn sheet(w: &Work, name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(w.path("out/2025/arsrapport.xlsx")).unwrap();
    book.worksheet_range(name).unwrap_or_else(|e| panic!("{name}: {e}")).rows().map(<[calamine::Data]>::to_vec).collect()
}

/// A row of a sheet by its first cell, the rest as numbers.
fn numbers(rows: &[Vec<calamine::Data>], first: &str) -> Vec<f64> {
    let row = rows.iter().find(|r| r[0] == calamine::Data::String(first.into())).unwrap_or_else(|| panic!("{first}: {rows:?}"));
    row[1..]
        .iter()
        .map(|c| match c {
            calamine::Data::Float(f) => *f,
            calamine::Data::Int(i) => *i as f64,
            other => panic!("{first}: {other:?} is no number"),
        })
        .collect()
}

fn close(got: &[f64], expected: &[f64]) -> bool {
    got.len() == expected.len() && got.iter().zip(expected).all(|(g, e)| (g - e).abs() < 1e-9)
}

#[test]
fn the_year_gives_the_questioned_time_and_kronor_per_supplier_and_in_total_first_and_the_invoice_check() {
    let w = Work::new();
    run(&w);
    let year = w.tidkoll(&["year", "--year", "2025", "--out", "out"]);
    year.ok();

    // The municipality: February's 60 and March's 197 minutes registered (175 + 22), 30 and
    // 127 questioned (115 + 12), 225 and 953 kr (127 min at 450 kr/h is 952.5); March's 155
    // invoiced, 95 unsupported (55 + 40, 712.5 → 713 kr).
    let report = w.read("out/2025/arsrapport.md");
    let summary = report.split("## Sammanfattning\n\n").nth(1).unwrap();
    let mut bullets = summary.lines();
    assert_eq!(
        bullets.next().unwrap(),
        "- Ifrågasatt tid under året: 157 min av 257 min registrerad tid (61,1 %), motsvarande 1 178 kr – tid som registreringarna inte stöder."
    );
    assert_eq!(
        bullets.next().unwrap(),
        "- Fakturerad tid utan stöd i registreringarna för 1 av 2 månader: 95 min av 155 min fakturerad tid (61,3 %), motsvarande 713 kr."
    );
    assert!(report.contains("Utan fakturafil, så utan jämförelse med fakturerad tid: 2025-02."), "{report}");
    assert!(report.contains("Månader som saknas (inte körda, ingår inte): 2025-01, 2025-04"), "{report}");
    assert!(
        year.stdout.contains("Ifrågasatt tid under året: 157 min av 257 min registrerad tid (61,1 %), motsvarande 1 178 kr"),
        "{}",
        year.stdout
    );

    // Per supplier: Alfa 235 registered, 145 questioned, 225 + 863 kr; Beta 22, 12, 90 kr.
    let payment = sheet(&w, "Ersättning");
    assert_eq!(
        payment[0],
        ["Utförare", "Registrerad tid (min)", "Ifrågasatt tid (min)", "Andel ifrågasatt", "Ifrågasatt (kr)"]
            .map(|h| calamine::Data::String(h.into()))
    );
    assert!(close(&numbers(&payment, ALFA), &[235.0, 145.0, 0.617, 1088.0]), "{:?}", numbers(&payment, ALFA));
    assert!(close(&numbers(&payment, BETA), &[22.0, 12.0, 0.545, 90.0]), "{:?}", numbers(&payment, BETA));
    assert!(close(&numbers(&payment, "Hela kommunen"), &[257.0, 157.0, 0.611, 1178.0]), "{payment:?}");
    let check = sheet(&w, "Fakturakontroll");
    assert!(close(&numbers(&check, ALFA), &[105.0, 55.0, 0.524, 413.0]), "{check:?}");
    assert!(close(&numbers(&check, BETA), &[50.0, 40.0, 0.8, 300.0]), "{check:?}");
    assert!(close(&numbers(&check, "Hela kommunen"), &[155.0, 95.0, 0.613, 713.0]), "{check:?}");
    // Per reason: absence, copy, overlap, manual, all.
    let reasons = sheet(&w, "Ifrågasatt per skäl");
    assert!(close(&numbers(&reasons, ALFA), &[40.0, 60.0, 30.0, 15.0, 145.0]), "{reasons:?}");
    assert!(close(&numbers(&reasons, BETA), &[0.0, 0.0, 0.0, 12.0, 12.0]), "{reasons:?}");
    assert!(close(&numbers(&reasons, "Hela kommunen"), &[40.0, 60.0, 30.0, 27.0, 157.0]), "{reasons:?}");
    let html = w.read("out/2025/arsrapport.html");
    assert!(html.contains("<h2>Ersättningsunderlag</h2>") && html.contains("1 178 kr"));

    // A month stored before the payment basis adds nothing and is named.
    for file in ["payment.csv", "payment.parquet"] {
        std::fs::remove_file(w.path(&format!("out/2025-02/{file}"))).unwrap();
    }
    w.tidkoll(&["year", "--year", "2025", "--out", "out", "--quiet"]).ok();
    let report = w.read("out/2025/arsrapport.md");
    assert!(report.contains("- Ifrågasatt tid under året: 127 min av 197 min registrerad tid (64,5 %), motsvarande 953 kr"), "{report}");
    assert!(report.contains("Sparade utan ersättningsunderlag (innan tidkoll räknade det; kör dem igen för att få det): 2025-02."));
}

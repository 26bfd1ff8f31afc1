//! `tidkoll investigate`: for the supplier with planted one-minute-apart visits, the report's
//! flag counts, ranked lists and gap histogram show them; unknown suppliers and periods.

use std::collections::BTreeMap;

use crate::common::{full_quarter, Work, MONTHS};

const TRYGG: &str = "Trygg Vård AB";

/// Rows of an Excel export (BOM, `;`) as maps from header to value.
fn excel_rows(w: &Work, path: &str) -> Vec<BTreeMap<String, String>> {
    let text = w.read(path);
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 BOM for Excel");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader.records().map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()).collect()
}

/// Sums of a column of the months' staff.csv or clients.csv for one supplier, per member.
fn member_sums(w: &Work, file: &str, column: &str, supplier: &str) -> BTreeMap<String, u64> {
    let mut sums = BTreeMap::new();
    for m in MONTHS {
        let mut reader = csv::Reader::from_path(w.path(&format!("out/{m}/{file}"))).unwrap();
        let headers = reader.headers().unwrap().clone();
        let at = headers.iter().position(|h| h == column).unwrap();
        for rec in reader.records() {
            let rec = rec.unwrap();
            if &rec[0] == supplier {
                *sums.entry(rec[1].to_string()).or_default() += rec[at].parse::<u64>().unwrap();
            }
        }
    }
    sums
}

#[test]
fn one_minute_apart_visits_show_in_counts_rankings_and_gap_histogram() {
    let (w, quarter) = full_quarter();
    quarter.ok();
    let run = w.tidkoll(&["investigate", "--supplier", TRYGG, "--quarter", "2025-Q1", "--out", "out"]);
    run.ok();
    let dir = "out/utredningar/Trygg-Vård-AB-2025-Q1";

    // Flag counts over the quarter equal the months' distinct flagged visits.
    let adjacent: f64 = MONTHS.iter().map(|m| w.figures(m).value(TRYGG, "flag.adjacent").unwrap()).sum();
    let repeated: f64 = MONTHS.iter().map(|m| w.figures(m).value(TRYGG, "flag.repeated_service").unwrap()).sum();
    assert!(adjacent >= 30.0 && repeated >= 30.0, "planted: {adjacent} {repeated}");
    assert!(run.stdout.contains(&format!("Besök med högst en minuts mellanrum {adjacent}")), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("Upprepad insats {repeated}")), "{}", run.stdout);

    // Gap histogram: every flagged pair (two rows per pair) is a gap of 0 or 1 minute, and the
    // one-minute bin is the spike.
    let pair_rows: usize = MONTHS
        .iter()
        .map(|m| {
            w.flags(m)
                .iter()
                .filter(|l| l.contains(&format!(",{TRYGG},adjacent,")) || l.contains(&format!(",{TRYGG},repeated_service,")))
                .count()
        })
        .sum();
    let gaps = excel_rows(w, &format!("{dir}/mellanrum.csv"));
    assert_eq!(gaps.len(), 11);
    let bin = |m: usize| gaps[m]["Antal mellanrum"].parse::<usize>().unwrap();
    assert_eq!(bin(0) + bin(1), pair_rows / 2, "flagged pairs = gaps of at most one minute");
    assert!((2..=10).all(|m| bin(m) * 10 < bin(1)), "one-minute spike: {gaps:?}");
    assert!(run.stdout.contains(&format!("1: {}", bin(1))));

    // Staff with most flagged visits: the months' staff.csv summed.
    let flagged = member_sums(w, "staff.csv", "flagged_visits", TRYGG);
    let (top_id, top) = flagged.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).unwrap();
    let section = run.stdout.split("Personal med flest flaggade besök:\n").nth(1).unwrap();
    let first = section.lines().next().unwrap();
    assert!(first.trim_start().starts_with(top_id.as_str()) && first.contains(&format!("{top} flaggade av")), "{first} vs {top_id} {top}");

    // Staff ranked by check-in rate: personal.csv in ascending rate among judged staff.
    let staff = excel_rows(w, &format!("{dir}/personal.csv"));
    assert_eq!(staff.len(), member_sums(w, "staff.csv", "visits", TRYGG).len());
    let rates: Vec<f64> = staff
        .iter()
        .filter(|r| r["Bedömd (minst antal besök)"] == "ja")
        .map(|r| r["Kvittensgrad"].replace(',', ".").parse().unwrap())
        .collect();
    assert!(rates.windows(2).all(|p| p[0] <= p[1]), "{rates:?}");
    for r in &staff {
        assert_eq!(r["Flaggade besök"].parse::<u64>().unwrap(), flagged[&r["Personal"]]);
    }

    // Clients: all of Trygg's clients are over 100 % completion, so the most flagged comes first.
    let clients = excel_rows(w, &format!("{dir}/kunder.csv"));
    let client_flags = member_sums(w, "clients.csv", "flagged_visits", TRYGG);
    let most = client_flags.values().max().unwrap();
    assert_eq!(clients[0]["Utanför intervallet"], "ja");
    assert_eq!(clients[0]["Flaggade besök"].parse::<u64>().unwrap(), *most);

    // Every flagged row of the quarter is exported, with its related visit.
    let exported = excel_rows(w, &format!("{dir}/flaggade_besok.csv"));
    let all_rows: usize = MONTHS.iter().map(|m| w.flags(m).iter().filter(|l| l.contains(&format!(",{TRYGG},"))).count()).sum();
    assert_eq!(exported.len(), all_rows);
    let one = exported.iter().find(|r| r["Flagga (id)"] == "adjacent").unwrap();
    assert!(!one["Hör ihop med"].is_empty() && one["Kund"].starts_with("K-") && !one["Personal"].is_empty());

    let html = w.read(&format!("{dir}/utredning.html"));
    for title in [
        "Besökslängd",
        "Mellanrum mellan besök hos samma kund (0–10 min)",
        "Kvittensgrad per personal",
        "Besök per dag",
        "Personalkontinuitet",
    ] {
        assert!(html.contains(title), "{title}");
    }
    // A figure that is 0 or missing for the supplier and the municipality every month is named
    // in a line, not charted.
    let flat: Vec<String> = tidkoll::model::Metric::matrix()
        .filter(|m| MONTHS.iter().all(|month| [TRYGG, "ALL"].iter().all(|s| w.figures(month).value(s, m.id()).is_none_or(|v| v == 0.0))))
        .map(tidkoll::report::labels::figure_label)
        .collect();
    assert!(!flat.is_empty());
    let note = html.split("<p class=\"flat\">").nth(1).unwrap().split("</p>").next().unwrap();
    assert!(flat.iter().all(|label| note.contains(label.as_str())), "{flat:?}: {note}");
    assert_eq!(html.matches("<svg").count(), 4 + tidkoll::model::Metric::matrix().count() - flat.len());
    assert!(!html.contains("<script") && !html.contains("src=\""));
}

#[test]
fn a_month_of_one_supplier_matches_its_stored_figures() {
    let (w, quarter) = full_quarter();
    quarter.ok();
    let run = w.tidkoll(&["investigate", "--supplier", "Vardag Omsorg AB", "--month", "2025-02", "--out", "out", "--quiet"]);
    run.ok();
    assert_eq!(run.stdout.trim(), "out/utredningar/Vardag-Omsorg-AB-2025-02");
    let figures = w.figures("2025-02");
    let rows = excel_rows(w, "out/utredningar/Vardag-Omsorg-AB-2025-02/nyckeltal.csv");
    assert_eq!(rows.len(), tidkoll::model::Metric::matrix().count());
    for r in &rows {
        let expected = figures.value("Vardag Omsorg AB", &r["Id"]);
        let got = (!r["Värde"].is_empty()).then(|| r["Värde"].replace(',', ".").parse::<f64>().unwrap());
        assert_eq!(got, expected, "{}", r["Id"]);
        let all = (!r["Hela kommunen"].is_empty()).then(|| r["Hela kommunen"].replace(',', ".").parse::<f64>().unwrap());
        assert_eq!(all, figures.value("ALL", &r["Id"]), "{}", r["Id"]);
    }
    let flagged = excel_rows(w, "out/utredningar/Vardag-Omsorg-AB-2025-02/flaggade_besok.csv");
    assert_eq!(flagged.len(), w.flags("2025-02").iter().filter(|l| l.contains(",Vardag Omsorg AB,")).count());
}

#[test]
fn an_unknown_supplier_lists_the_known_ones_and_a_missing_period_is_refused() {
    let (w, quarter) = full_quarter();
    quarter.ok();
    let run = w.tidkoll(&["investigate", "--supplier", "Okänd AB", "--month", "2025-01", "--out", "out"]);
    run.fails_with(2);
    for s in ["Hemtjänst Syd AB", "Nära Hemtjänst AB", "Omsorg Norr AB", "Trygg Vård AB", "Vardag Omsorg AB"] {
        assert!(run.stderr.contains(s), "{s}: {}", run.stderr);
    }
    assert!(run.stderr.contains("utföraren 'Okänd AB' finns inte bland utförarna för 2025-01"), "{}", run.stderr);
    let run = w.tidkoll(&["investigate", "--supplier", TRYGG, "--quarter", "2024-Q4", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("tidkoll monthly --month 2024-10"), "{}", run.stderr);
    let run = w.tidkoll(&["investigate", "--supplier", TRYGG, "--out", "out"]);
    run.fails_with(2);
}

/// The text of every element named `tag` of a page, in document order.
fn texts_of(dom: &tl::VDom, tag: &str) -> Vec<String> {
    dom.nodes()
        .iter()
        .filter(|n| n.as_tag().is_some_and(|t| t.name().as_utf8_str() == tag))
        .map(|n| n.inner_text(dom.parser()).trim().to_string())
        .collect()
}

#[test]
fn the_investigation_page_leads_with_the_deviations() {
    let (w, quarter) = full_quarter();
    quarter.ok();
    w.tidkoll(&["investigate", "--supplier", TRYGG, "--quarter", "2025-Q1", "--out", "out", "--quiet"]).ok();
    let html = w.read("out/utredningar/Trygg-Vård-AB-2025-Q1/utredning.html");
    let dom = tl::parse(&html, tl::ParserOptions::default()).unwrap();
    let headings = texts_of(&dom, "h2");
    assert_eq!(headings[0], "Sammanfattning: avvikelser", "{headings:?}");
    assert_eq!(headings.last().map(String::as_str), Some("Diagram"), "the charts come last: {headings:?}");
    // No chart before the summary, the rankings and the flagged visits.
    let position = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(position("<svg") > position("<h2>Flaggade besök</h2>"));

    // The summary table: one row per deviating figure, with values as the months stored them.
    let tables: Vec<&tl::HTMLTag> = dom.nodes().iter().filter_map(|n| n.as_tag()).filter(|t| t.name().as_utf8_str() == "table").collect();
    let summary = tables[0];
    assert_eq!(summary.attributes().class().map(|c| c.as_utf8_str().to_string()), Some("summary".to_string()));
    let rows: Vec<Vec<String>> = summary
        .query_selector(dom.parser(), "tr")
        .unwrap()
        .filter_map(|h| h.get(dom.parser()))
        .map(|tr| {
            tr.as_tag()
                .unwrap()
                .query_selector(dom.parser(), "td")
                .unwrap()
                .filter_map(|h| h.get(dom.parser()))
                .map(|td| td.inner_text(dom.parser()).to_string())
                .collect()
        })
        .filter(|cells: &Vec<String>| !cells.is_empty())
        .collect();
    let deviating: Vec<String> = tidkoll::model::Metric::matrix()
        .filter(|m| MONTHS.iter().any(|month| w.figures(month).status(TRYGG, m.id()) == "deviation"))
        .map(tidkoll::report::labels::figure_label)
        .collect();
    let labels: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(labels, deviating);
    let completion = rows.iter().find(|r| r[0] == "Utförandegrad").unwrap();
    let march = w.figures("2025-03").value(TRYGG, "completion_rate").unwrap();
    assert_eq!(completion[1], "75–100 %");
    assert_eq!(completion[4], format!("{:.1} %", march * 100.0).replace('.', ","));
    assert_eq!(completion.last().unwrap(), "3", "three months in a row");

    // The flagged visits: the first 100 of every month, not the first 200 of the period.
    let flagged = html.split("<h2>Flaggade besök</h2>").nth(1).unwrap().split("</table>").next().unwrap();
    let mut cut = 0;
    for month in MONTHS {
        let all = w.read(&format!("out/{month}/flags.csv")).lines().filter(|l| l.contains(&format!(",{TRYGG},"))).count();
        let shown = flagged.matches(&format!("<tr><td>{month}</td>")).count();
        assert_eq!(shown, all.min(100), "{month}: {all} flagged rows");
        assert_eq!(flagged.contains(&format!("{month}: 100 av {all}")), all > 100, "{month}: {}", &flagged[..300]);
        cut += usize::from(all > 100);
    }
    assert!(cut >= 2, "months with more flagged visits than the page shows");
}

/// An investigation reads one supplier's rows of a stored month: exactly the rows the whole
/// month holds for it, and nobody else's.
#[test]
fn one_suppliers_rows_of_a_stored_month_are_all_of_its_rows_and_only_those() {
    use tidkoll::store::read::{read_flags, read_month, read_month_of};
    let (w, quarter) = full_quarter();
    quarter.ok();
    let out = w.path("out");
    let month = "2025-02".parse().unwrap();
    let whole = read_month(&out, month).unwrap();
    let flags = read_flags(&out, month, None).unwrap();
    for supplier in ["Vardag Omsorg AB", "Trygg Vård AB"] {
        let one = read_month_of(&out, month, Some(supplier)).unwrap();
        assert_eq!(one.figures, whole.figures, "the figures are whole: they hold the municipality's row");
        let own =
            |rows: &[tidkoll::month::analysis::MemberRow]| rows.iter().filter(|r| r.supplier_id == supplier).cloned().collect::<Vec<_>>();
        assert!(!one.staff.is_empty() && !one.clients.is_empty());
        assert_eq!(one.staff, own(&whole.staff), "{supplier}");
        assert_eq!(one.clients, own(&whole.clients), "{supplier}");
        let evidence: Vec<_> = whole.evidence.iter().filter(|e| e.supplier_id == supplier).cloned().collect();
        assert!(!evidence.is_empty());
        assert_eq!(one.evidence, evidence, "{supplier}");
        let own_flags: Vec<_> = flags.iter().filter(|f| f.supplier_id == supplier).cloned().collect();
        assert!(!own_flags.is_empty());
        assert_eq!(read_flags(&out, month, Some(supplier)).unwrap(), own_flags, "{supplier}");
    }
    assert!(whole.staff.iter().any(|r| r.supplier_id != "Vardag Omsorg AB" && r.supplier_id != "Trygg Vård AB"));
}

/// Rows of a plain CSV file as maps from header to value.
fn csv_rows(w: &Work, path: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(w.path(path)).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader.records().map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()).collect()
}

#[test]
fn completion_evidence_and_the_top_staff_share_are_the_clients_own_values() {
    use crate::common::{visit, visits_file};
    let w = Work::new();
    let lines = [
        // c1: 30 of 100 granted minutes (0.3), c2: 60 of 60 (inside), c3: 60 of 30 (2.0),
        // c4: 70 of 100 (0.7); c3 is seen by p1 three times of four.
        visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        visit("a2", "S1", "c2", "p1", "2025-03-03 09:00", "2025-03-03 10:00", "OMV"),
        visit("a3", "S1", "c3", "p1", "2025-03-04 08:00", "2025-03-04 08:15", "OMV"),
        visit("a4", "S1", "c3", "p1", "2025-03-05 08:00", "2025-03-05 08:15", "OMV"),
        visit("a5", "S1", "c3", "p1", "2025-03-06 08:00", "2025-03-06 08:15", "OMV"),
        visit("a6", "S1", "c3", "p2", "2025-03-07 08:00", "2025-03-07 08:15", "OMV"),
        visit("a7", "S1", "c4", "p2", "2025-03-08 08:00", "2025-03-08 09:10", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    let granted = w.write(
        "granted.csv",
        "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,100\nS1,c2,2025-03,60\nS1,c3,2025-03,30\nS1,c4,2025-03,100\n",
    );
    w.monthly(&["--visits", &visits, "--granted", &granted, "--quiet"]).ok();
    // The pseudonyms of the clients, known by their visits, granted minutes and mean length.
    let clients = csv_rows(&w, "out/2025-03/clients.csv");
    let client = |visits: &str, granted: &str, mean: &str| {
        let found = clients.iter().find(|c| c["visits"] == visits && c["granted_minutes"] == granted && c["minutes_mean"] == mean);
        found.unwrap_or_else(|| panic!("{visits} {granted} {mean}: {clients:?}"))["client_id"].clone()
    };
    let (c1, c3, c4) = (client("1", "100", "30"), client("4", "30", "15"), client("1", "100", "70"));

    // The clients outside 0.75–1.00, farthest first, each with its own rate.
    let evidence: Vec<(String, String)> = csv_rows(&w, "out/2025-03/evidence.csv")
        .into_iter()
        .filter(|e| e["figure"] == "completion_rate")
        .map(|e| (e["id"].clone(), e["value"].clone()))
        .collect();
    assert_eq!(evidence, [(c3.clone(), "2".to_string()), (c1.clone(), "0.3".to_string()), (c4, "0.7".to_string())]);

    // The investigation's client list: the share of the client's visits made by its most
    // frequent staff member.
    w.tidkoll(&["investigate", "--supplier", "S1", "--month", "2025-03", "--out", "out", "--quiet"]).ok();
    let rows = excel_rows(&w, "out/utredningar/S1-2025-03/kunder.csv");
    let shares: BTreeMap<String, String> = rows.iter().map(|r| (r["Kund"].clone(), r["Andel hos vanligaste personal"].clone())).collect();
    assert_eq!(shares[&c3], "0,75", "{rows:?}");
    assert_eq!(shares[&c1], "1", "{rows:?}");
}

/// Rows of a month's CSV table (no header) whose first column is `supplier`.
fn month_rows(w: &Work, month: &str, file: &str, supplier: &str, column: usize) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(w.path(&format!("out/{month}/{file}"))).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>()).filter(|r| r[column] == supplier).collect()
}

#[test]
fn a_year_of_one_supplier_shows_the_stored_payment_rows_questioned_visits_and_invoice_check_and_no_other_supplier() {
    let (w, quarter) = full_quarter();
    quarter.ok();
    let supplier = "Hemtjänst Syd AB";
    let run = w.tidkoll(&["investigate", "--supplier", supplier, "--year", "2025", "--out", "out"]);
    run.ok();
    let dir = "out/utredningar/Hemtjänst-Syd-AB-2025";
    let as_excel = |v: &str| v.replace('.', ",");

    // ersattning.csv is payment.csv's row of the supplier, month by month, with decimal commas.
    let payment: Vec<Vec<String>> = MONTHS
        .iter()
        .flat_map(|m| month_rows(w, m, "payment.csv", supplier, 0))
        .map(|r| r[1..].iter().map(|v| as_excel(v)).collect())
        .collect();
    assert_eq!(payment.len(), 3);
    let exported: Vec<Vec<String>> = {
        let text = w.read(&format!("{dir}/ersattning.csv"));
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
    };
    assert_eq!(exported, payment);

    // The questioned visits are questioned.csv's rows of the supplier, in its order.
    let questioned: Vec<(String, String, String)> = MONTHS
        .iter()
        .flat_map(|m| {
            month_rows(w, m, "questioned.csv", supplier, 1).into_iter().map(move |r| (m.to_string(), r[0].clone(), as_excel(&r[3])))
        })
        .collect();
    assert!(!questioned.is_empty(), "the fixtures question Hemtjänst Syd's manual visits");
    let listed: Vec<(String, String, String)> = excel_rows(w, &format!("{dir}/ifragasatta_besok.csv"))
        .into_iter()
        .map(|r| (r["Månad"].clone(), r["Besök"].clone(), r["Minuter"].clone()))
        .collect();
    assert_eq!(listed, questioned);

    // The invoiced time without support: invoice_check.csv's rows with an excess above 0.
    let mut excess: Vec<Vec<String>> = MONTHS
        .iter()
        .flat_map(|m| month_rows(w, m, "invoice_check.csv", supplier, 0))
        .filter(|r| r[5].parse::<f64>().unwrap() > 0.0)
        .map(|r| vec![r[2].clone(), r[1].clone(), as_excel(&r[3]), as_excel(&r[4]), as_excel(&r[5])])
        .collect();
    let mut unsupported: Vec<Vec<String>> = excel_rows(w, &format!("{dir}/fakturerat_utan_stod.csv"))
        .into_iter()
        .map(|r| ["Månad", "Kund", "Fakturerade minuter", "Minuter med stöd", "Minuter utan stöd"].iter().map(|k| r[*k].clone()).collect())
        .collect();
    assert!(!excess.is_empty());
    excess.sort();
    unsupported.sort();
    assert_eq!(unsupported, excess);

    // No other supplier is named in any file or on the terminal.
    let mut everything = run.stdout.clone();
    for entry in std::fs::read_dir(w.path(dir)).unwrap() {
        everything.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let others: Vec<String> = MONTHS.iter().flat_map(|m| w.figures(m).suppliers()).filter(|s| s != supplier && s != "ALL").collect();
    assert!(others.len() >= 4);
    for other in &others {
        assert!(!everything.contains(other.as_str()), "names {other}");
    }
}

//! The verification sample (SPEC §11, `tidkoll sample`): the draw of a hand-worked month
//! recomputed here from the formula (SHA-256 by the test itself), the same draw on 1 and 2
//! threads and after the rows are shuffled, `--seed`, a supplier with fewer visits than the
//! size, the call list, and the answers read back, good and bad.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::common::{fixture, zip_entry, Work};

const HEADER: &str = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,status";

const ALFA: &str = "Alfa Omsorg AB";
const BETA: &str = "Beta Vård AB";

/// A visits line of March 2025 (local times, before the change to summer time).
fn line(id: &str, supplier: &str, client: &str, staff: &str, (day, from, to): (u32, &str, &str), services: &str, status: &str) -> String {
    let out = if to.is_empty() { String::new() } else { format!("2025-03-{day:02} {to}") };
    let out_method = if to.is_empty() { "" } else { "nfc" };
    format!("{id},{supplier},{client},{staff},2025-03-{day:02} {from},{out},nfc,{out_method},{services},{status}")
}

/// Alfa: twelve visits of the population, a duplicate pair (a01, a02) and an adjacent pair
/// (a03, a04) among them, and four that are not of it: never checked out, over 720 minutes,
/// declined, negative. Beta: three visits, fewer than the size. Client ids are personnummer.
fn hand_month() -> String {
    let mut lines = vec![
        line("a01", ALFA, "19400101-1234", "P1", (3, "08:00", "08:30"), "OMV", ""),
        line("a02", ALFA, "19400101-1234", "P1", (3, "08:10", "08:40"), "OMV", ""),
        line("a03", ALFA, "19400202-2345", "P2", (3, "09:00", "09:20"), "SERV", ""),
        line("a04", ALFA, "19400202-2345", "P3", (3, "09:21", "09:40"), "INK", ""),
        line("a13", ALFA, "19400303-3456", "P1", (10, "10:00", ""), "OMV", ""),
        line("a14", ALFA, "19400303-3456", "P1", (11, "08:00", "21:30"), "OMV", ""),
        line("a15", ALFA, "19400404-4567", "P2", (12, "08:00", "08:30"), "OMV", "avböjd"),
        line("a16", ALFA, "19400404-4567", "P2", (13, "09:00", "08:30"), "OMV", ""),
        line("b1", BETA, "19500505-5678", "Q1", (4, "08:00:00", "08:07:20"), "OMV|DUSCH", ""),
        line("b2", BETA, "19500505-5678", "Q1", (5, "08:00", "08:45"), "OMV", ""),
        line("b3", BETA, "19500505-5678", "Q2", (6, "12:00", "12:30"), "MATD", ""),
    ];
    for (k, day) in (5..=12).enumerate() {
        let client = ["19400303-3456", "19400404-4567", "19400505-5555"][k % 3];
        lines.push(line(&format!("a{:02}", k + 5), ALFA, client, "P4", (day + 10, "14:00", "14:25"), "OMV", ""));
    }
    format!("{HEADER}\n{}\n", lines.join("\n"))
}

/// SPEC §11's random number, computed here.
fn u_of(seed: &str, supplier: &str, visit: &str) -> f64 {
    let digest = Sha256::digest(format!("{seed}\u{1f}{supplier}\u{1f}{visit}").as_bytes());
    let big = u64::from_be_bytes(digest[..8].try_into().unwrap());
    ((big >> 11) as f64 + 0.5) / 2f64.powi(53)
}

/// The draw of one supplier by SPEC §11: `(visit, drawn)` with the risk part first (largest
/// `ln(u)/w`), then the random part (smallest `u`), each in its order.
fn expected(seed: &str, supplier: &str, visits: &[(&str, f64)], size: usize) -> Vec<(String, String)> {
    let n = size.min(visits.len());
    let k = n / 2;
    let mut by_risk: Vec<(f64, &str)> = visits.iter().map(|(id, w)| (u_of(seed, supplier, id).ln() / w, *id)).collect();
    by_risk.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(b.1)));
    let risk: Vec<&str> = by_risk[..k].iter().map(|(_, id)| *id).collect();
    let mut rest: Vec<(f64, &str)> =
        visits.iter().filter(|(id, _)| !risk.contains(id)).map(|(id, _)| (u_of(seed, supplier, id), *id)).collect();
    rest.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(b.1)));
    risk.iter()
        .map(|id| (id.to_string(), "risk".to_string()))
        .chain(rest[..n - k].iter().map(|(_, id)| (id.to_string(), "random".to_string())))
        .collect()
}

/// `stickprov.csv` as rows of named cells, in file order.
fn sample_rows(w: &Work, out: &str) -> Vec<HashMap<String, String>> {
    let text = w.read(&format!("{out}/2025-03/stickprov/stickprov.csv"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        headers,
        [
            "supplier_id",
            "visit_id",
            "drawn",
            "check_in",
            "check_out",
            "minutes",
            "staff_id",
            "client_id",
            "services",
            "flags",
            "questioned"
        ]
    );
    reader.records().map(|r| headers.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

fn drawn_of(rows: &[HashMap<String, String>], supplier: &str) -> Vec<(String, String)> {
    rows.iter().filter(|r| r["supplier_id"] == supplier).map(|r| (r["visit_id"].clone(), r["drawn"].clone())).collect()
}

/// Each visit's distinct flags in `flags.csv`, joined by `|` in name order.
fn flags_of(w: &Work) -> BTreeMap<String, String> {
    let mut sets: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for row in w.flags("2025-03") {
        let cells: Vec<&str> = row.split(',').collect();
        sets.entry(cells[0].to_string()).or_default().insert(cells[2].to_string());
    }
    sets.into_iter().map(|(id, flags)| (id, flags.into_iter().collect::<Vec<_>>().join("|"))).collect()
}

/// The hand-worked month stored.
fn stored_hand_month() -> Work {
    let w = Work::new();
    let visits = w.write("visits.csv", hand_month());
    w.monthly(&["--quiet", "--visits", &visits, "--month", "2025-03"]).ok();
    w
}

/// The visits `questioned.csv` names.
fn questioned_of(w: &Work) -> Vec<String> {
    let text = w.read("out/2025-03/questioned.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["visit_id", "supplier_id", "reason", "minutes"]);
    reader.records().map(|r| r.unwrap()[0].to_string()).collect()
}

const ALFA_POPULATION: [&str; 12] = ["a01", "a02", "a03", "a04", "a05", "a06", "a07", "a08", "a09", "a10", "a11", "a12"];

/// Alfa's weights `1 + 2f + 4q` from flags.csv and, when `with_questioned`, questioned.csv.
fn alfa_weights(flags: &BTreeMap<String, String>, questioned: &[String], with_questioned: bool) -> Vec<(&'static str, f64)> {
    ALFA_POPULATION
        .iter()
        .map(|id| {
            let f = flags.get(*id).map_or(0, |s| s.split('|').count());
            let q = with_questioned && questioned.iter().any(|q| q == id);
            (*id, 1.0 + 2.0 * f as f64 + if q { 4.0 } else { 0.0 })
        })
        .collect()
}

#[test]
fn the_draw_of_a_hand_worked_month_is_the_formula() {
    let w = stored_hand_month();
    let flags = flags_of(&w);
    assert_eq!(flags.get("a01").map(String::as_str), Some("duplicate"));
    assert_eq!(flags.get("a03").map(String::as_str), Some("adjacent"));
    // The later copy of the duplicate is questioned (SPEC §10).
    let questioned = questioned_of(&w);
    assert_eq!(questioned, ["a02"]);
    // A seed under which the weights and the questioned visit decide the draw: the test then
    // fails if either is left out.
    let weighted = alfa_weights(&flags, &questioned, true);
    let unweighted: Vec<(&str, f64)> = ALFA_POPULATION.iter().map(|id| (*id, 1.0)).collect();
    let seed = (0..200)
        .map(|k| format!("prov-{k}"))
        .find(|s| {
            let e = expected(s, ALFA, &weighted, 6);
            e != expected(s, ALFA, &unweighted, 6) && e != expected(s, ALFA, &alfa_weights(&flags, &questioned, false), 6)
        })
        .expect("some seed where the weights matter");
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--size", "6", "--seed", &seed, "--out", "out"]);
    run.ok();
    let rows = sample_rows(&w, "out");
    assert_eq!(drawn_of(&rows, ALFA), expected(&seed, ALFA, &weighted, 6));
    // Beta has three visits, fewer than six: all are drawn, one by risk (floor(3/2)).
    let beta: Vec<(&str, f64)> = ["b1", "b2", "b3"].iter().map(|id| (*id, 1.0)).collect();
    assert_eq!(drawn_of(&rows, BETA), expected(&seed, BETA, &beta, 6));
    assert_eq!(rows.len(), 9);
    // Every column of Beta's rows, by hand; the client as its pseudonym, never the personnummer.
    let b1 = rows.iter().find(|r| r["visit_id"] == "b1").unwrap();
    assert_eq!(
        (&b1["check_in"][..], &b1["check_out"][..], &b1["minutes"][..], &b1["staff_id"][..], &b1["services"][..], &b1["flags"][..]),
        ("2025-03-04 08:00:00", "2025-03-04 08:07:20", "7.33", "Q1", "DUSCH|OMV", "")
    );
    let b2 = rows.iter().find(|r| r["visit_id"] == "b2").unwrap();
    assert_eq!((&b2["minutes"][..], &b2["questioned"][..]), ("45.00", ""));
    let clients = w.read("out/2025-03/clients.csv");
    let beta_client = clients.lines().find(|l| l.starts_with(BETA)).unwrap().split(',').nth(1).unwrap().to_string();
    assert!(rows.iter().filter(|r| r["supplier_id"] == BETA).all(|r| r["client_id"] == beta_client));
    for row in rows.iter().filter(|r| r["supplier_id"] == ALFA) {
        let reason = if row["visit_id"] == "a02" { "duplicate" } else { "" };
        assert_eq!(row["questioned"], reason, "{}", row["visit_id"]);
        assert_eq!(row["flags"], flags.get(&row["visit_id"]).cloned().unwrap_or_default(), "{}", row["visit_id"]);
    }
    for file in ["stickprov.csv", "stickprov.xlsx"] {
        let bytes = std::fs::read(w.path(&format!("out/2025-03/stickprov/{file}"))).unwrap();
        for pnr in ["19400101-1234", "400101-1234", "194001011234", "19500505-5678"] {
            assert!(!bytes.windows(pnr.len()).any(|win| win == pnr.as_bytes()), "{file} holds {pnr}");
        }
    }
    let sheet = zip_entry(&w.path("out/2025-03/stickprov/stickprov.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("19400101"), "the call list holds no personnummer");
    assert!(run.stdout.contains("Alfa Omsorg AB") && run.stdout.contains("12"), "{}", run.stdout);
}

#[test]
fn the_seed_changes_the_draw_and_the_same_seed_repeats_it() {
    let w = stored_hand_month();
    let draw = |seed: Option<&str>| {
        let mut args = vec!["sample", "--month", "2025-03", "--size", "4", "--out", "out", "--quiet"];
        if let Some(seed) = seed {
            args.extend(["--seed", seed]);
        }
        w.tidkoll(&args).ok();
        w.read("out/2025-03/stickprov/stickprov.csv")
    };
    let default = draw(None);
    assert_eq!(draw(Some("2025-03")), default, "the default seed is the month");
    let other = draw(Some("omtag"));
    assert_ne!(other, default);
    assert_eq!(draw(Some("omtag")), other);
    let (flags, questioned) = (flags_of(&w), questioned_of(&w));
    let rows = sample_rows(&w, "out");
    assert_eq!(drawn_of(&rows, ALFA), expected("omtag", ALFA, &alfa_weights(&flags, &questioned, true), 4));
}

/// Each supplier's performed visits with valid duration (0–720 minutes), read from a stored
/// `visits.parquet`.
fn population(path: &Path) -> BTreeMap<String, Vec<String>> {
    use polars::prelude::*;
    let columns = ["visit_id", "supplier_id", "check_in_utc", "check_out_utc", "status"];
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .with_columns(Some(columns.iter().map(|c| c.to_string()).collect()))
        .finish()
        .unwrap();
    let text = |name: &str| df.column(name).unwrap().str().unwrap().clone();
    let millis = |name: &str| df.column(name).unwrap().cast(&DataType::Int64).unwrap().i64().unwrap().clone();
    let (ids, suppliers, statuses, ins, outs) =
        (text("visit_id"), text("supplier_id"), text("status"), millis("check_in_utc"), millis("check_out_utc"));
    let mut by_supplier: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(start), Some(end)) = (ins.get(i), outs.get(i)) else { continue };
        let minutes = ((end - start) / 1000) as f64 / 60.0;
        if statuses.get(i) == Some("performed") && (0.0..=720.0).contains(&minutes) {
            by_supplier.entry(suppliers.get(i).unwrap().to_string()).or_default().push(ids.get(i).unwrap().to_string());
        }
    }
    by_supplier
}

/// The canonical March month stored in `out` from `visits` (a path).
fn store_march(w: &Work, out: &str, visits: &str) {
    w.tidkoll(&["monthly", "--quiet", "--visits", visits, "--month", "2025-03", "--out", out]).ok();
}

#[test]
fn the_same_month_draws_the_same_sample_on_one_and_two_threads_and_after_a_shuffle() {
    let w = Work::new();
    store_march(&w, "out", &fixture("visits-2025-03.csv"));
    let mut draws = Vec::new();
    for threads in ["1", "2"] {
        w.tidkoll_env(&["sample", "--month", "2025-03", "--out", "out", "--quiet"], &[("RAYON_NUM_THREADS", threads)]).ok();
        draws.push(w.read("out/2025-03/stickprov/stickprov.csv"));
    }
    assert_eq!(draws[0], draws[1]);
    assert!(draws[0].lines().count() > 40, "a sample of every supplier");
    // Every supplier's draw (hundreds of visits each, so the pools are pruned as they are read)
    // is the formula's over the population read from visits.parquet here.
    let (flags, questioned) = (flags_of(&w), questioned_of(&w));
    assert!(!questioned.is_empty(), "the month has questioned visits");
    let rows = sample_rows(&w, "out");
    for (supplier, visits) in population(&w.path("out/2025-03/visits.parquet")) {
        let weighted: Vec<(&str, f64)> = visits
            .iter()
            .map(|id| {
                let f = flags.get(id).map_or(0, |s| s.split('|').count());
                let q = questioned.contains(id);
                (id.as_str(), 1.0 + 2.0 * f as f64 + if q { 4.0 } else { 0.0 })
            })
            .collect();
        assert!(visits.len() > 100, "{supplier}: {}", visits.len());
        assert_eq!(drawn_of(&rows, &supplier), expected("2025-03", &supplier, &weighted, 10), "{supplier}");
    }
    // The rows in another order (a fixed permutation).
    let text = std::fs::read_to_string(fixture("visits-2025-03.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    let mut state = 2025u64;
    for i in (1..lines.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lines.swap(i, (state >> 33) as usize % (i + 1));
    }
    let shuffled = w.write("shuffled.csv", format!("{header}\n{}\n", lines.join("\n")));
    store_march(&w, "out2", &shuffled);
    w.tidkoll(&["sample", "--month", "2025-03", "--out", "out2", "--quiet"]).ok();
    assert_eq!(w.read("out2/2025-03/stickprov/stickprov.csv"), draws[0]);
}

#[test]
fn the_size_comes_from_the_option_the_configuration_or_the_month() {
    let w = stored_hand_month();
    let count = |args: &[&str]| {
        let mut all = vec!["sample", "--month", "2025-03", "--out", "out", "--quiet"];
        all.extend_from_slice(args);
        w.tidkoll(&all).ok();
        sample_rows(&w, "out").iter().filter(|r| r["supplier_id"] == ALFA).count()
    };
    assert_eq!(count(&[]), 10, "the default size");
    let config = w.write("kommun.toml", "[sample]\nsize = 5\n");
    assert_eq!(count(&["--config", &config]), 5);
    assert_eq!(count(&["--config", &config, "--size", "3"]), 3);
    let bad = w.write("fel.toml", "[sample]\nstorlek = 5\n");
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--config", &bad]);
    run.fails_with(2);
    assert!(run.stderr.contains("storlek"), "{}", run.stderr);
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--size", "0"]);
    run.fails_with(2);
    assert!(run.stderr.contains("--size"), "{}", run.stderr);
    let defaults = w.tidkoll(&["config", "--print-defaults"]);
    assert!(defaults.stdout.contains("[sample]") && defaults.stdout.contains("size = 10"), "{}", defaults.stdout);
}

#[test]
fn a_month_stored_before_the_payment_basis_has_no_questioned_visit() {
    let w = stored_hand_month();
    std::fs::remove_file(w.path("out/2025-03/questioned.parquet")).unwrap();
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("questioned.parquet") && run.stderr.contains("tidkoll monthly"), "{}", run.stderr);
    std::fs::remove_file(w.path("out/2025-03/payment.parquet")).unwrap();
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--size", "6", "--seed", "s", "--out", "out"]);
    run.ok();
    assert!(run.stdout.contains("inget besök räknas som ifrågasatt"), "{}", run.stdout);
    let rows = sample_rows(&w, "out");
    assert!(rows.iter().all(|r| r["questioned"].is_empty()));
    assert_eq!(drawn_of(&rows, ALFA), expected("s", ALFA, &alfa_weights(&flags_of(&w), &[], false), 6));
}

#[test]
fn a_month_not_stored_is_refused_with_the_command_that_makes_it() {
    let w = Work::new();
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("2025-03") && run.stderr.contains("tidkoll monthly"), "{}", run.stderr);
    let w = stored_hand_month();
    let answers = w.write("svar.csv", "visit_id,bekraftad\nb1,ja\n");
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", &answers]);
    run.fails_with(3);
    assert!(run.stderr.contains("tidkoll sample --month 2025-03"), "no draw yet: {}", run.stderr);
}

/// Draws the hand-worked month with size 6 and default seed; the sample's rows.
fn drawn_hand_month() -> (Work, Vec<HashMap<String, String>>) {
    let w = stored_hand_month();
    w.tidkoll(&["sample", "--month", "2025-03", "--size", "6", "--out", "out", "--quiet"]).ok();
    let rows = sample_rows(&w, "out");
    (w, rows)
}

fn answers_csv(w: &Work) -> Vec<String> {
    w.read("out/2025-03/stickprov/svar.csv").lines().map(str::to_string).collect()
}

#[test]
fn the_answers_are_summed_per_supplier_and_draw_by_hand() {
    let (w, rows) = drawn_hand_month();
    let of = |supplier: &str, drawn: &str| -> Vec<String> {
        rows.iter().filter(|r| r["supplier_id"] == supplier && r["drawn"] == drawn).map(|r| r["visit_id"].clone()).collect()
    };
    let (alfa_risk, alfa_random, beta_risk, beta_random) = (of(ALFA, "risk"), of(ALFA, "random"), of(BETA, "risk"), of(BETA, "random"));
    assert_eq!((alfa_risk.len(), alfa_random.len(), beta_risk.len(), beta_random.len()), (3, 3, 1, 2));
    // Alfa risk: ja, nej, (empty). Alfa random: NEJ, Delvis, ja. Beta risk: empty. Beta
    // random: nej and not listed at all.
    let answers = format!(
        "Kund;visit_id;bekraftad;kommentar\n;{};ja;\n;{};nej;\n;{};;inte nådd\n;{};NEJ;\n;{}; Delvis ;kortare\n;{};ja;\n;{};;\n;{};nej;\n",
        alfa_risk[0], alfa_risk[1], alfa_risk[2], alfa_random[0], alfa_random[1], alfa_random[2], beta_risk[0], beta_random[0]
    );
    let path = w.write("ifylld.csv", answers);
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", &path]);
    run.ok();
    assert_eq!(
        answers_csv(&w),
        [
            "supplier_id,drawn,sampled,answered,confirmed,partly,not_confirmed,not_confirmed_share",
            "Alfa Omsorg AB,risk,3,2,1,0,1,0.5",
            "Alfa Omsorg AB,random,3,3,1,1,1,0.3333333333333333",
            "Alfa Omsorg AB,all,6,5,2,1,2,0.4",
            "Beta Vård AB,risk,1,0,0,0,0,",
            "Beta Vård AB,random,2,1,0,0,1,1",
            "Beta Vård AB,all,3,1,0,0,1,1",
        ]
    );
    assert!(run.stdout.contains("1 (33,3 %)"), "Alfa's random estimate: {}", run.stdout);
    assert!(run.stdout.contains("slumpurvalet"), "{}", run.stdout);
}

/// Reads the call list back with calamine and writes it as a new workbook with `answer`
/// (visit id → answer) typed into its answer column: the officer's filled list.
fn fill_call_list(book: &Path, filled: &Path, answer: impl Fn(&str) -> Option<&'static str>) {
    use calamine::{Reader, Xlsx};
    let mut read: Xlsx<_> = calamine::open_workbook(book).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in read.sheet_names() {
        let range = read.worksheet_range(&name).unwrap();
        let sheet = out.add_worksheet();
        sheet.set_name(&name).unwrap();
        let mut answer_at = None;
        for (r, row) in range.rows().enumerate() {
            let texts: Vec<String> = row.iter().map(|c| c.to_string()).collect();
            for (c, text) in texts.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, text).unwrap();
            }
            if let Some(at) = texts.iter().position(|t| t == "bekraftad") {
                answer_at = Some(at);
            } else if let (Some(at), Some(a)) = (answer_at, answer(&texts[0])) {
                sheet.write_string(r as u32, at as u16, a).unwrap();
            }
        }
    }
    out.save(filled).unwrap();
}

#[test]
fn the_call_list_prints_a_page_per_supplier_offers_the_answers_and_reads_back_filled() {
    let (w, rows) = drawn_hand_month();
    let book = w.path("out/2025-03/stickprov/stickprov.xlsx");
    let sheet = zip_entry(&book, "xl/worksheets/sheet1.xml");
    // A4, landscape, one page wide; a page break before the second supplier.
    assert!(sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"landscape\""), "{sheet}");
    assert!(sheet.contains("fitToWidth=\"1\"") || sheet.contains("<pageSetUpPr fitToPage=\"1\""), "{sheet}");
    assert_eq!(sheet.matches("<brk ").count(), 1, "a page break between the two suppliers");
    // The answer column offers ja, nej and delvis.
    assert!(sheet.contains("<dataValidation type=\"list\"") && sheet.contains("\"ja,nej,delvis\""), "{sheet}");
    let workbook = zip_entry(&book, "xl/workbook.xml");
    assert!(workbook.contains("name=\"Samtalslista\"") && workbook.contains("name=\"Om urvalet\""), "{workbook}");
    let shared = crate::common::workbook_texts(&book);
    assert!(shared.contains("tidkoll sample --month 2025-03 --seed 2025-03 --size 6"), "how to repeat the draw");
    for heading in ["visit_id", "bekraftad", "kommentar", "Kund (pseudonym)", "Personal", "Insatser", "tisdag 2025-03-04"] {
        assert!(shared.contains(heading), "{heading}");
    }
    // Filled: every sampled visit of Alfa "ja", Beta's "nej".
    let filled = w.path("ifylld.xlsx");
    let suppliers: HashMap<String, String> = rows.iter().map(|r| (r["visit_id"].clone(), r["supplier_id"].clone())).collect();
    fill_call_list(&book, &filled, |id| match suppliers.get(id).map(String::as_str) {
        Some(ALFA) => Some("ja"),
        Some(_) => Some("Nej"),
        None => None,
    });
    w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", filled.to_str().unwrap()]).ok();
    let summary = answers_csv(&w);
    assert!(summary.contains(&"Alfa Omsorg AB,all,6,6,6,0,0,0".to_string()), "{summary:?}");
    assert!(summary.contains(&"Beta Vård AB,all,3,3,0,0,3,1".to_string()), "{summary:?}");
}

#[test]
fn each_bad_answers_file_is_refused_naming_the_row() {
    let (w, rows) = drawn_hand_month();
    let (first, second) = (&rows[0]["visit_id"], &rows[1]["visit_id"]);
    for (name, text, expected) in [
        (
            "okand.csv",
            format!("visit_id,bekraftad\n{first},ja\nx99,nej\n"),
            "rad 3: besöket 'x99' finns inte i månadens senast dragna stickprov".to_string(),
        ),
        (
            "tva.csv",
            format!("visit_id,bekraftad\n{first},ja\n{second},nej\n{first},nej\n"),
            format!("rad 4: besöket '{first}' är redan besvarat på rad 2"),
        ),
        (
            "ord.csv",
            format!("visit_id;bekraftad\n{first};kanske\n"),
            format!("rad 2: svaret 'kanske' för besöket '{first}' är inget av ja, nej eller delvis"),
        ),
        ("rubrik.csv", format!("id,svar\n{first},ja\n"), "ingen rubrikrad med kolumnerna visit_id och bekraftad".to_string()),
    ] {
        let path = w.write(name, text);
        let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", &path]);
        run.fails_with(3);
        assert!(run.stderr.contains(name) && run.stderr.contains(&expected), "{name}: {}", run.stderr);
    }
    // Nothing was written by a refused file.
    assert!(!w.path("out/2025-03/stickprov/svar.csv").exists());
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", "finns-inte.xlsx"]);
    run.fails_with(3);
    assert!(run.stderr.contains("finns-inte.xlsx"), "{}", run.stderr);
    let answers = w.write("ok.csv", format!("visit_id,bekraftad\n{first},ja\n"));
    let run = w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", &answers, "--seed", "x"]);
    run.fails_with(2);
}

#[test]
fn the_quarter_shows_the_answers_in_the_matrix_and_the_plans() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let w = Work::new();
    crate::common::run_months(&w, &crate::common::MONTHS);
    w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--quiet"]).ok();
    let rows = sample_rows(&w, "out");
    // Trygg Vård AB's random part: the first answered "nej", the others "ja".
    let trygg_random: Vec<&String> =
        rows.iter().filter(|r| r["supplier_id"] == "Trygg Vård AB" && r["drawn"] == "random").map(|r| &r["visit_id"]).collect();
    let mut answers = String::from("visit_id,bekraftad\n");
    for (k, id) in trygg_random.iter().enumerate() {
        answers.push_str(&format!("{id},{}\n", if k == 0 { "nej" } else { "ja" }));
    }
    let path = w.write("svar.csv", answers);
    w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", &path, "--quiet"]).ok();
    w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--quiet"]).ok();
    let share = 1.0 / trygg_random.len() as f64;
    let mut book: Xlsx<_> = open_workbook(w.path("out/2025-Q1/matrix.xlsx")).unwrap();
    let sheet = book.worksheet_range("Kontrollsamtal").unwrap();
    let lines: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let trygg = lines.iter().find(|r| r[0] == Data::String("Trygg Vård AB".into())).expect("Trygg Vård AB's row");
    assert_eq!(trygg[1], Data::String("2025-03".into()));
    let n = trygg_random.len() as f64;
    assert_eq!(&trygg[2..7], &[Data::Float(n), Data::Float(n), Data::Float(1.0), Data::Float(0.0), Data::Float(share)]);
    assert_eq!(trygg[7], Data::Float(5.0), "the risk part was drawn");
    assert_eq!(trygg[8], Data::Float(0.0), "and not answered");
    // The supplier's own copy: its overview's row, and only its own answers.
    let folder = w.path("out/2025-Q1/leverantorer/Trygg-Vård-AB");
    let mut own: Xlsx<_> = open_workbook(folder.join("matris-Trygg-Vård-AB.xlsx")).unwrap();
    let overview = own.worksheet_range("Översikt").unwrap();
    let row = overview
        .rows()
        .find(|r| r[0] == Data::String("Kontrollsamtal: ej bekräftade besök i slumpurvalet".into()))
        .expect("the overview's row")
        .to_vec();
    assert_eq!(&row[2..5], &[Data::String("–".into()), Data::String("–".into()), Data::Float(share)]);
    let checks = own.worksheet_range("Kontrollsamtal").unwrap();
    assert_eq!(checks.rows().filter(|r| matches!(&r[0], Data::String(s) if s.ends_with(" AB"))).count(), 1);
    // A supplier without answers has no such sheet in its copy.
    let other: Xlsx<_> = open_workbook(w.path("out/2025-Q1/leverantorer/Omsorg-Norr-AB/matris-Omsorg-Norr-AB.xlsx")).unwrap();
    assert!(!other.sheet_names().contains(&"Kontrollsamtal".to_string()));
    // The action plan's section.
    let plan = std::fs::read_to_string(folder.join("atgardsplan-Trygg-Vård-AB.md")).unwrap();
    let section = plan.split("## Kontrollsamtal med kunder").nth(1).expect("the plan's section");
    let percent = format!("{:.1} %", share * 100.0).replace('.', ",");
    assert!(
        section.contains(&format!("| 2025-03 | {} av {} | 1 ({percent}) | 0 av 5 | – |", trygg_random.len(), trygg_random.len())),
        "{section}"
    );
}

#[test]
fn running_the_month_again_keeps_the_sample_and_its_answers() {
    let (w, rows) = drawn_hand_month();
    let answers = w.write("svar.csv", format!("visit_id,bekraftad\n{},nej\n", rows[0]["visit_id"]));
    w.tidkoll(&["sample", "--month", "2025-03", "--out", "out", "--answers", &answers, "--quiet"]).ok();
    let (sample, summary) = (w.read("out/2025-03/stickprov/stickprov.csv"), answers_csv(&w));
    let run = w.monthly(&["--quiet", "--visits", &w.path("visits.csv").to_string_lossy(), "--month", "2025-03"]);
    run.ok();
    assert!(run.stderr.contains("stickprov") && run.stderr.contains("följer med"), "{}", run.stderr);
    assert_eq!(w.read("out/2025-03/stickprov/stickprov.csv"), sample);
    assert_eq!(answers_csv(&w), summary);
    assert!(w.path("out/2025-03/stickprov/stickprov.xlsx").is_file());
    assert!(w.path("out/2025-03/figures.csv").is_file());
}

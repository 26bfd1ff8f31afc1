//! Invariants that a wrong figure breaks, on realistic generated months: every cell is drawn
//! from its own column's domain (ids, timestamps near the month's ends and the DST night,
//! methods from the alias table, services from the add-on table) with a small share of broken
//! cells. Properties:
//! - Σ visits over suppliers = `ALL`'s visits = the visits accepted in the month, the same
//!   counted over staff and over clients;
//! - every share lies in [0, 1] and equals its tally's quotient;
//! - each flag count ≤ the supplier's visits and equals the distinct visits in `flags`;
//! - shuffling the rows or splitting them over two files changes nothing;
//! - one more valid visit changes exactly what it should.
//!
//! More cases: `PROPTEST_CASES=2000 cargo test --release invariants`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use proptest::prelude::*;
use tidkoll::config::Config;
use tidkoll::ingest::{read_all, select_month, InputPaths};
use tidkoll::model::{Figure, Flag, Metric, Tally, YearMonth, ALL};
use tidkoll::month::analysis::{analyse, FigureRow, MonthAnalysis};
use tidkoll::privacy::Pseudonymizer;

const HEADER: &str = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services";
const SUPPLIERS: [&str; 3] = ["Omsorg Norr AB", "Trygg Vård AB", "S3"];
const CLIENTS: [&str; 6] = ["K1", "K2", "K3", "19450312-1230", "450312-1230", "K6"];
const METHODS: [&str; 8] = ["nfc", "Tagg", "lock", "Lås", "mobil", "manual", "Efterregistrering", ""];
const SERVICES: [&str; 6] = ["OMV", "MATD", "LARM", "TVATT", "OMV|MATD", ""];

/// One generated visit row, or a broken cell in it.
#[derive(Debug, Clone)]
struct Row {
    supplier: usize,
    client: usize,
    staff: usize,
    /// (day of March 2025 or 0 = 2025-02-28, 32 = 2025-04-01; hour; minute)
    start: (u32, u32, u32),
    /// Minutes to check-out; `None` for no check-out; negative for check-out before check-in.
    minutes: Option<i64>,
    in_method: usize,
    out_method: usize,
    services: usize,
    /// Which cell to break, if any (1..9: the visit id stays, or the ids would be the
    /// file-and-line ids that splitting changes).
    broken: Option<usize>,
}

fn row() -> impl Strategy<Value = Row> {
    (
        (0usize..3, 0usize..6, 0usize..5),
        prop_oneof![
            8 => (1u32..32, 6u32..23, 0u32..60),
            1 => Just((30, 2, 30)),
            1 => prop_oneof![Just((0, 23, 50)), Just((31, 23, 59)), Just((32, 0, 10))],
        ],
        prop_oneof![8 => (0i64..90).prop_map(Some), 1 => Just(None), 1 => (-20i64..0).prop_map(Some), 1 => (700i64..800).prop_map(Some)],
        (0usize..8, 0usize..8, 0usize..6),
        prop_oneof![19 => Just(None), 1 => (1usize..9).prop_map(Some)],
    )
        .prop_map(|((supplier, client, staff), start, minutes, (in_method, out_method, services), broken)| Row {
            supplier,
            client,
            staff,
            start,
            minutes,
            in_method,
            out_method,
            services,
            broken,
        })
}

fn stamp(day: u32, hour: u32, minute: u32, plus: i64) -> String {
    let date = match day {
        0 => chrono::NaiveDate::from_ymd_opt(2025, 2, 28),
        32 => chrono::NaiveDate::from_ymd_opt(2025, 4, 1),
        d => chrono::NaiveDate::from_ymd_opt(2025, 3, d),
    }
    .unwrap();
    let at = date.and_hms_opt(hour, minute, 0).unwrap() + chrono::Duration::minutes(plus);
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn line(i: usize, r: &Row) -> String {
    let (d, h, m) = r.start;
    let mut cells = vec![
        format!("v{i:04}"),
        SUPPLIERS[r.supplier].to_string(),
        CLIENTS[r.client].to_string(),
        format!("P{}{}", r.supplier, r.staff),
        stamp(d, h, m, 0),
        r.minutes.map_or(String::new(), |mins| stamp(d, h, m, mins)),
        METHODS[r.in_method].to_string(),
        METHODS[r.out_method].to_string(),
        SERVICES[r.services].to_string(),
    ];
    if let Some(c) = r.broken {
        cells[c] = ["", "2025-13-45 25:61", "\u{1}x", "abc"][c % 4].to_string();
    }
    cells
        .iter()
        .map(|c| if c.contains([',', '"']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.clone() })
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads files of lines (each with the header) and analyses March 2025.
fn analyse_files(files: &[Vec<String>]) -> Result<(MonthAnalysis, usize), String> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(k, lines)| {
            let path = dir.path().join(format!("visits-{k}.csv"));
            std::fs::write(&path, format!("{HEADER}\n{}\n", lines.join("\n"))).unwrap();
            path
        })
        .collect();
    let config = Config { input: tidkoll::config::InputConfig { max_reject_rate: 1.0, ..Default::default() }, ..Config::default() };
    let inputs = InputPaths { visits: &paths, granted: None, addons: None, absences: None, invoices: None };
    let ingested = read_all(&inputs, &config, &Pseudonymizer::new(b"invariants")).map_err(|e| format!("{e:#}"))?;
    let (data, _, _) = select_month(ingested, YearMonth::new(2025, 3).unwrap());
    let accepted = data.visits.len();
    Ok((analyse(&data, &config), accepted))
}

fn value(analysis: &MonthAnalysis, supplier: &str, metric: Metric) -> Option<f64> {
    analysis.figures.iter().find(|f| f.supplier_id == supplier && f.metric == metric).and_then(|f| f.value)
}

/// The invariants of one analysed month.
fn check_invariants(analysis: &MonthAnalysis, accepted: usize) -> Result<(), TestCaseError> {
    let suppliers: BTreeSet<&str> = analysis.figures.iter().map(|f| f.supplier_id.as_str()).filter(|s| *s != ALL).collect();
    let tally_of = |rows: &[tidkoll::month::analysis::MemberRow], supplier: Option<&str>| -> Tally {
        rows.iter().filter(|m| supplier.is_none_or(|s| m.supplier_id == s)).map(|m| &m.tally).sum()
    };
    let all_staff = tally_of(&analysis.staff, None);
    prop_assert_eq!(all_staff.visits as usize, accepted, "Σ staff visits = accepted in month");
    prop_assert_eq!(tally_of(&analysis.clients, None).visits as usize, accepted, "Σ client visits = accepted in month");
    let mut per_supplier = 0;
    for supplier in &suppliers {
        let t = tally_of(&analysis.staff, Some(supplier));
        per_supplier += t.visits;
        // Shares equal their tally's quotient and lie in [0, 1].
        for (figure, wanted) in [(Figure::CheckinRate, t.checkin_rate()), (Figure::ShortVisitShare, t.short_share())] {
            let got = value(analysis, supplier, Metric::Figure(figure));
            prop_assert_eq!(got, wanted, "{} {}", supplier, figure.id());
            prop_assert!(got.is_none_or(|v| (0.0..=1.0).contains(&v)));
        }
        for figure in Figure::ALL.into_iter().filter(|f| f.def().unit == tidkoll::model::Unit::Share) {
            let v = value(analysis, supplier, Metric::Figure(figure));
            prop_assert!(v.is_none_or(|v| (0.0..=1.0).contains(&v)), "{} {} = {:?}", supplier, figure.id(), v);
        }
        // Flag counts: distinct flagged visits, never more than the supplier's visits.
        for flag in Flag::ALL {
            let distinct: BTreeSet<&str> =
                analysis.flags.iter().filter(|r| r.supplier_id == *supplier && r.flag == flag).map(|r| r.visit_id.as_str()).collect();
            let count = value(analysis, supplier, Metric::FlagCount(flag));
            // Without absences or a status column these two are missing, not 0.
            if flag != Flag::DuringAbsence && flag != Flag::DeclinedRemainder {
                prop_assert_eq!(count, Some(distinct.len() as f64), "{} flag.{}", supplier, flag.name());
            }
            prop_assert!(distinct.len() as u64 <= u64::from(t.visits));
        }
    }
    prop_assert_eq!(per_supplier, all_staff.visits, "Σ over suppliers = ALL");
    prop_assert_eq!(value(analysis, ALL, Metric::Figure(Figure::CheckinRate)), all_staff.checkin_rate());
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

/// The figures of every supplier but `except`.
fn others(analysis: &MonthAnalysis, except: &str) -> Vec<FigureRow> {
    analysis.figures.iter().filter(|f| f.supplier_id != except && f.supplier_id != ALL).cloned().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn figures_keep_their_invariants_under_shuffling_splitting_and_one_more_visit(
        rows in prop::collection::vec(row(), 1..60),
        order in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
        cut in 0.0f64..1.0,
    ) {
        let lines: Vec<String> = rows.iter().enumerate().map(|(i, r)| line(i, r)).collect();
        let Ok((base, accepted)) = analyse_files(std::slice::from_ref(&lines)) else { return Ok(()) };
        check_invariants(&base, accepted)?;

        // Shuffled, and split over two files: the same analysis.
        let mut shuffled = lines.clone();
        let mut state = order;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let (again, _) = analyse_files(std::slice::from_ref(&shuffled)).unwrap();
        prop_assert_eq!(&again.figures, &base.figures);
        prop_assert_eq!(&again.flags, &base.flags);
        let at = (shuffled.len() as f64 * cut) as usize;
        let (split, _) = analyse_files(&[shuffled[..at].to_vec(), shuffled[at..].to_vec()]).unwrap();
        prop_assert_eq!(&split.figures, &base.figures);
        prop_assert_eq!(&split.flags, &base.flags);

        // One more valid, verified visit of a new staff member at a new client of S3.
        let mut more = lines.clone();
        more.push("vNEW,S3,KNEW,PNEW,2025-03-15 10:00,2025-03-15 10:30,nfc,nfc,OMV".to_string());
        let (after, accepted_after) = analyse_files(&[more]).unwrap();
        check_invariants(&after, accepted_after)?;
        prop_assert_eq!(accepted_after, accepted + 1);
        prop_assert_eq!(others(&after, "S3"), others(&base, "S3"), "no other supplier changes");
        let before = base.staff.iter().filter(|m| m.supplier_id == "S3").map(|m| &m.tally).sum::<Tally>();
        let expected = f64::from(before.checked_in + 1) / f64::from(before.visits + 1);
        prop_assert_eq!(value(&after, "S3", Metric::Figure(Figure::CheckinRate)), Some(expected));
        for flag in Flag::ALL {
            prop_assert_eq!(value(&after, "S3", Metric::FlagCount(flag)), value(&base, "S3", Metric::FlagCount(flag)).or(Some(0.0)).filter(|_| flag != Flag::DuringAbsence && flag != Flag::DeclinedRemainder), "flag.{}", flag.name());
        }
    }
}

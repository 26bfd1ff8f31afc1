//! The readers never panic: arbitrary bytes, truncated files, columns in any order, any
//! delimiter and encoding, very long lines and fields. Every outcome is accepted rows and
//! rejects with reasons (the accounting identity holds) or a clear refusal; what is accepted
//! goes through the whole month's analysis. More cases: `PROPTEST_CASES=20000 cargo test --release fuzz`.

use std::path::PathBuf;

use proptest::prelude::*;
use tidkoll::config::Config;
use tidkoll::ingest::{busiest_month, read_all, select_month, InputPaths};
use tidkoll::month::analysis::analyse;
use tidkoll::privacy::Pseudonymizer;

const COLUMNS: [&str; 10] = [
    "visit_id",
    "supplier_id",
    "client_id",
    "staff_id",
    "check_in",
    "check_out",
    "check_in_method",
    "check_out_method",
    "services",
    "planned_minutes",
];

/// A plausible or hostile value for a column.
fn value(column: usize) -> BoxedStrategy<String> {
    let good: BoxedStrategy<String> = match COLUMNS[column] {
        "visit_id" => "v[0-9]{1,3}".boxed(),
        "supplier_id" => prop_oneof!["S[12]", Just("Vård AB".to_string())].boxed(),
        "client_id" => prop_oneof!["c[0-9]", Just("19450101-1234".to_string()), Just("450101-1234".to_string())].boxed(),
        "staff_id" => "p[0-9]".boxed(),
        "check_in" | "check_out" => prop_oneof![
            (1u32..32, 0u32..24, 0u32..60).prop_map(|(d, h, m)| format!("2025-03-{d:02} {h:02}:{m:02}")),
            (1u32..29, 0u32..24).prop_map(|(d, h)| format!("2025-03-{d:02}T{h:02}:00:00+01:00")),
            Just("2025-03-30 02:30".to_string()),
            Just("2025-10-26 02:30".to_string()),
        ]
        .boxed(),
        "check_in_method" | "check_out_method" => prop_oneof!["nfc", "lock", "manual", "Tagg", "mobil", ""].prop_map(String::from).boxed(),
        "services" => prop_oneof!["OMV", "OMV|MATD", "LARM", "TVATT|OMV|OMV", ""].prop_map(String::from).boxed(),
        _ => prop_oneof!["30", "12,5", "-3", "1 234,5", "abc"].prop_map(String::from).boxed(),
    };
    prop_oneof![
        6 => good,
        1 => any::<String>(),
        1 => "[\"';,\t\r\n a-zåäö]{0,12}",
        1 => (1usize..20_000).prop_map(|n| "x".repeat(n)),
        1 => Just(String::new()),
    ]
    .boxed()
}

/// Quotes a field the way an export would when it holds the delimiter, a quote or a newline.
fn field(value: &str, delimiter: char) -> String {
    if value.contains([delimiter, '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// An export: some of the columns in any order, any delimiter and line end, rows whose cells
/// each come from their own column's domain (mostly valid, sometimes hostile), in one of the
/// encodings, possibly cut off anywhere.
fn export() -> impl Strategy<Value = Vec<u8>> {
    (Just((0..COLUMNS.len()).collect::<Vec<_>>()).prop_shuffle(), 7usize..=10)
        .prop_flat_map(|(order, keep)| {
            let columns: Vec<usize> = order.into_iter().take(keep).collect();
            let row: Vec<BoxedStrategy<String>> = columns.iter().map(|&c| value(c)).collect();
            (
                Just(columns),
                prop::collection::vec(row, 0..25),
                prop_oneof![Just(','), Just(';'), Just('\t')],
                0u8..3,
                prop::option::of(0.0f64..1.0),
                any::<bool>(),
            )
        })
        .prop_map(|(columns, rows, delimiter, encoding, cut, crlf)| {
            let newline = if crlf { "\r\n" } else { "\n" };
            let mut text = columns.iter().map(|c| COLUMNS[*c]).collect::<Vec<_>>().join(&delimiter.to_string());
            for row in rows {
                text.push_str(newline);
                let fields: Vec<String> = row.iter().map(|v| field(v, delimiter)).collect();
                text.push_str(&fields.join(&delimiter.to_string()));
            }
            text.push_str(newline);
            let mut bytes = match encoding {
                0 => text.into_bytes(),
                1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                _ => encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(),
            };
            if let Some(cut) = cut {
                bytes.truncate((bytes.len() as f64 * cut) as usize);
            }
            bytes
        })
}

/// Cases per property: 200 in CI, more with `PROPTEST_CASES`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

/// Reads `bytes` as a visits file; panics only if the program does.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("visits.csv");
    std::fs::write(&path, bytes).unwrap();
    let config = Config::default();
    let paths = vec![path];
    let inputs = InputPaths { visits: &paths, granted: None, addons: None, absences: None, invoices: None };
    let pseudonyms = Pseudonymizer::new(b"fuzz");
    match read_all(&inputs, &config, &pseudonyms) {
        Err(refusal) => {
            let message = format!("{refusal:#}");
            prop_assert!(message.contains("visits"), "a refusal names the file: {}", message);
        }
        Ok(ingested) => {
            let account = &ingested.files[0];
            prop_assert_eq!(account.read, account.accepted + account.rejected + account.duplicates);
            // A reject stands for one row, or for the rows a quote left open swallowed.
            prop_assert_eq!(ingested.rejects.iter().map(|r| r.rows).sum::<u64>(), account.rejected + account.duplicates);
            prop_assert_eq!(ingested.visits.len() as u64, account.accepted);
            prop_assert!(ingested.rejects.iter().all(|r| r.line >= 2 && !r.reason.is_empty()));
            if let Some(month) = busiest_month(&ingested.visits) {
                let (data, _, _) = select_month(ingested, month);
                let analysis = analyse(&data, &config);
                // Every visit of the month is counted once over the staff, once over the
                // clients, and the suppliers' check-in counts sum to the municipality's.
                let staff: u64 = analysis.staff.iter().map(|m| u64::from(m.tally.visits)).sum();
                let clients: u64 = analysis.clients.iter().map(|m| u64::from(m.tally.visits)).sum();
                prop_assert_eq!(staff, data.visits.len() as u64);
                prop_assert_eq!(clients, data.visits.len() as u64);
                let all = analysis.figures.iter().find(|f| f.supplier_id == "ALL" && f.metric.id() == "checkin_rate");
                let checked: u64 = analysis.staff.iter().map(|m| u64::from(m.tally.checked_in)).sum();
                prop_assert_eq!(all.and_then(|f| f.value), (staff > 0).then(|| checked as f64 / staff as f64));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn exports_in_any_shape_are_read_or_refused_never_a_panic(bytes in export()) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_are_read_or_refused_never_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000)) {
        check(&bytes)?;
    }

    #[test]
    fn a_valid_header_with_arbitrary_lines_is_read_or_refused(lines in prop::collection::vec(any::<String>(), 0..20)) {
        let text = format!("{}\n{}", COLUMNS.join(","), lines.join("\n"));
        check(text.as_bytes())?;
    }
}

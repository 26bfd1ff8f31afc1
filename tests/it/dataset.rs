//! The stored months as one dataset (docs/beyond-one-machine.md): polars' lazy engine reads
//! three months' `visits.parquet` through one glob and recomputes every supplier's check-in
//! rate of each month (over its performed visits), equal to what `figures.csv` says.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::common::Work;

const MONTHS: [&str; 3] = ["2025-01", "2025-02", "2025-03"];

/// Milliseconds of a naive timestamp at 00:00 on the first of `month` (`YYYY-MM`), as
/// `check_in_local` stores wall-clock times.
fn month_start_ms(month: &str) -> i64 {
    let date = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    date.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis()
}

#[test]
fn three_stored_months_read_through_one_glob_give_the_stored_check_in_rates() {
    let w = Work::new();
    w.tidkoll(&["generate", "--out", "in", "--months", &MONTHS.join(","), "--visits", "3000"]).ok();
    for month in MONTHS {
        w.monthly(&["--visits", &w.path(&format!("in/visits-{month}.csv")).to_string_lossy(), "--quiet"]).ok();
    }

    let glob = w.path("out/*/visits.parquet");
    let visits = LazyFrame::scan_parquet(PlRefPath::from(glob.to_str().unwrap()), ScanArgsParquet::default()).unwrap();
    let local_ms = col("check_in_local").cast(DataType::Int64);
    let month = when(local_ms.clone().lt(lit(month_start_ms("2025-02"))))
        .then(lit(MONTHS[0]))
        .when(local_ms.lt(lit(month_start_ms("2025-03"))))
        .then(lit(MONTHS[1]))
        .otherwise(lit(MONTHS[2]));
    let verified = |method: &str| col(method).eq(lit("nfc")).or(col(method).eq(lit("lock")));
    let checked_in = verified("check_in_method").and(col("check_out_utc").is_not_null()).and(verified("check_out_method"));
    // Only performed visits are visits to the figures (SPEC §2.1); the others are stored too.
    let rates = visits
        .filter(col("status").eq(lit("performed")))
        .with_column(month.alias("month"))
        .group_by([col("month"), col("supplier_id")])
        .agg([checked_in.cast(DataType::Float64).mean().alias("checkin_rate")])
        .collect()
        .unwrap();

    let column = |name: &str| rates.column(name).unwrap().as_materialized_series().clone();
    let (months, suppliers, values) = (column("month"), column("supplier_id"), column("checkin_rate"));
    let recomputed: BTreeMap<(String, String), f64> = (0..rates.height())
        .map(|i| {
            let text = |s: &Series| s.str().unwrap().get(i).unwrap().to_string();
            ((text(&months), text(&suppliers)), values.f64().unwrap().get(i).unwrap())
        })
        .collect();
    let mut compared = 0;
    for month in MONTHS {
        let figures = w.figures(month);
        for supplier in figures.suppliers().into_iter().filter(|s| s != "ALL") {
            let stored = figures.value(&supplier, "checkin_rate").unwrap();
            let again = recomputed[&(month.to_string(), supplier.clone())];
            assert!((stored - again).abs() < 1e-12, "{month} {supplier}: stored {stored}, recomputed {again}");
            compared += 1;
        }
    }
    assert_eq!(compared, recomputed.len(), "every supplier of every month, and no other");
    assert!(compared >= 3 * 4, "{compared}");
}

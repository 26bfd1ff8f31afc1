//! The follow-up tables of SPEC §9: `followup.csv` and `recommendations.csv` of a quarter, and
//! `year.csv`, `areas.csv` and `quarters.csv` of a year. Machine-readable like `figures.csv`:
//! ids as stored (a supplier id a spreadsheet would run as a formula gets a leading `'`, see
//! `excel_text`), numbers as integers.

use std::path::Path;

use anyhow::{Context, Result};

use crate::period::followup::SupplierFollowup;
use crate::period::year::{AreaRow, QuarterRow, YearRow};
use crate::report::excel_text;

fn write_rows<const N: usize>(path: &Path, header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.flush().with_context(|| format!("{} kan inte skrivas", path.display()))
}

/// `followup.csv`: one row per supplier and metric with a deviating month in the quarter.
pub fn write_followup_csv(path: &Path, followup: &[SupplierFollowup]) -> Result<()> {
    let rows = followup.iter().flat_map(|f| {
        f.metrics.iter().map(|m| {
            [excel_text(&f.supplier).into_owned(), m.metric.id().to_string(), m.months_deviating.to_string(), m.streak_months.to_string()]
        })
    });
    write_rows(path, ["supplier_id", "metric", "months_deviating", "streak_months"], rows)
}

/// `recommendations.csv`: one row per supplier of the quarter.
pub fn write_recommendations_csv(path: &Path, followup: &[SupplierFollowup]) -> Result<()> {
    let rows = followup.iter().map(|f| {
        [
            excel_text(&f.supplier).into_owned(),
            f.metrics.len().to_string(),
            f.longest_streak().to_string(),
            f.recommendation.id().to_string(),
            f.reasons().join(";"),
        ]
    });
    write_rows(path, ["supplier_id", "deviating_metrics", "longest_streak_months", "recommendation", "reasons"], rows)
}

/// `year.csv`.
pub fn write_year_csv(path: &Path, rows: &[YearRow]) -> Result<()> {
    let rows = rows.iter().map(|r| {
        [excel_text(&r.supplier).into_owned(), r.metric.id().to_string(), r.months_stored.to_string(), r.months_deviating.to_string()]
    });
    write_rows(path, ["supplier_id", "metric", "months_stored", "months_deviating"], rows)
}

/// `areas.csv`.
pub fn write_areas_csv(path: &Path, rows: &[AreaRow]) -> Result<()> {
    let rows = rows.iter().map(|r| [r.area.id().to_string(), r.suppliers_deviating.to_string(), r.months_deviating.to_string()]);
    write_rows(path, ["area", "suppliers_deviating", "months_deviating"], rows)
}

/// `quarters.csv`.
pub fn write_quarters_csv(path: &Path, rows: &[QuarterRow]) -> Result<()> {
    let rows = rows.iter().map(|r| [excel_text(&r.supplier).into_owned(), r.quarter.to_string(), u8::from(r.action_plan).to_string()]);
    write_rows(path, ["supplier_id", "quarter", "action_plan"], rows)
}

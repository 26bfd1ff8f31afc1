//! `matrix.csv`: the quarterly matrix in long form for Excel and other tools, one row per
//! supplier, figure and month, with the requirement the month was judged against.

use std::path::Path;

use anyhow::{Context, Result};

use crate::model::Metric;
use crate::model::ALL;
use crate::period::quarter::QuarterData;
use crate::report::excel_text;
use crate::report::labels::figure_label;
use crate::store::format_value;

pub fn write_matrix_csv(path: &Path, q: &QuarterData) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    w.write_record(["supplier_id", "figure", "label", "month", "value", "status", "requirement_min", "requirement_max", "note"])?;
    for supplier in q.suppliers.iter().map(String::as_str).chain([ALL]) {
        for figure in Metric::matrix() {
            for (i, cell) in q.cells(supplier, figure).iter().enumerate() {
                let bound = q.requirement(figure, i).unwrap_or_default();
                let note = if q.has_month(i) { "" } else { "month not run" };
                w.write_record([
                    &excel_text(supplier),
                    figure.id(),
                    &figure_label(figure),
                    &q.months[i].to_string(),
                    &format_value(cell.value),
                    cell.status.as_str(),
                    &format_value(bound.min),
                    &format_value(bound.max),
                    note,
                ])?;
            }
        }
    }
    w.flush().with_context(|| format!("{} kan inte skrivas", path.display()))
}

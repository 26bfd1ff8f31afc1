//! The month's tables as CSV and Parquet: figures, flags, rejects, staff, clients, evidence.
//! The CSV files are opened in Excel, so their text cells go through `excel_text`; the Parquet
//! files keep the exact values for tools.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use rayon::prelude::*;

use super::format_value;
use crate::analysis::{FigureRow, FlagRow, MemberRow, MonthAnalysis};
use crate::evidence::EvidenceRow;
use crate::model::{Figure, Reject};
use crate::report::excel_text;

fn csv_writer(path: &Path) -> Result<csv::Writer<fs::File>> {
    let file = fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(csv::Writer::from_writer(file))
}

fn finish(mut w: csv::Writer<fs::File>, path: &Path) -> Result<()> {
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    let file = w.into_inner().map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error()))?;
    file.sync_all().with_context(|| format!("cannot write {}", path.display()))
}

pub fn write_figures_csv(path: &Path, rows: &[FigureRow]) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(["supplier_id", "month", "figure", "value", "status"])?;
    for r in rows {
        w.write_record([&*excel_text(&r.supplier_id), &r.month.to_string(), r.metric.id(), &format_value(r.value), r.status.as_str()])?;
    }
    finish(w, path)
}

pub fn write_flags_csv(path: &Path, rows: &[FlagRow]) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(["visit_id", "supplier_id", "flag", "related_visit_id"])?;
    for r in rows {
        let related = r.related_visit_id.as_deref().unwrap_or("");
        w.write_record([&excel_text(&r.visit_id), &excel_text(&r.supplier_id), r.flag.name(), &excel_text(related)])?;
    }
    finish(w, path)
}

fn write_evidence_csv(path: &Path, rows: &[EvidenceRow]) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(["supplier_id", "figure", "kind", "id", "value", "detail"])?;
    for r in rows {
        let detail = r.detail.as_deref().unwrap_or("");
        let (supplier, id, detail) = (excel_text(&r.supplier_id), excel_text(&r.id), excel_text(detail));
        w.write_record([&supplier, r.evidence.owner().id(), r.kind.as_str(), &id, &format_value(r.value), &detail])?;
    }
    finish(w, path)
}

pub fn write_rejects_csv(path: &Path, rejects: &[Reject]) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(["file", "line", "reason", "raw"])?;
    for r in rejects {
        w.write_record([&*excel_text(&r.file), &r.line.to_string(), &excel_text(&r.reason), &excel_text(&r.raw)])?;
    }
    finish(w, path)
}

/// The columns of `staff.csv` and `clients.csv`: the figures of each member, then the raw
/// counts that later commands add up (`short_visits`, `valid_seconds`).
const MEMBER_HEADER: [&str; 18] = [
    "supplier_id",
    "member_id",
    "visits",
    "checked_in",
    Figure::CheckinRate.id(),
    "valid_durations",
    "minutes_mean",
    "minutes_median",
    Figure::ShortVisitShare.id(),
    "flagged_visits",
    "distinct_staff",
    "granted_minutes",
    Figure::CompletionRate.id(),
    "continuity_staff",
    "short_visits",
    "valid_seconds",
    "manual_visits",
    "manual_with_reason",
];

/// A member row's cells in `MEMBER_HEADER` order (from `supplier_id` to `valid_seconds`).
fn member_cells(r: &MemberRow) -> [String; 18] {
    let t = &r.tally;
    let count = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    [
        excel_text(&r.supplier_id).into_owned(),
        excel_text(&r.member_id).into_owned(),
        t.visits.to_string(),
        t.checked_in.to_string(),
        format_value(t.checkin_rate()),
        t.valid.to_string(),
        format_value(t.minutes_mean()),
        format_value(r.median),
        format_value(t.short_share()),
        t.flagged.to_string(),
        count(r.distinct_staff),
        format_value(t.granted.map(|g| g.minutes())),
        format_value(t.completion()),
        count(r.continuity_staff),
        t.short.to_string(),
        t.valid_seconds.to_string(),
        t.manual.to_string(),
        t.manual_with_reason.to_string(),
    ]
}

fn write_members_csv(path: &Path, id_column: &str, rows: &[MemberRow]) -> Result<()> {
    let mut w = csv_writer(path)?;
    let mut header = MEMBER_HEADER.map(str::to_string);
    header[1] = id_column.to_string();
    w.write_record(&header)?;
    for r in rows {
        w.write_record(member_cells(r))?;
    }
    finish(w, path)
}

fn write_parquet(path: &Path, mut df: DataFrame) -> Result<()> {
    let file = fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let noted = std::sync::OnceLock::new();
    ParquetWriter::new(Noting { file: &file, first_error: &noted }).finish(&mut df).map_err(|e| parquet_failure(path, e, &noted))?;
    file.sync_all().with_context(|| format!("cannot write {}", path.display()))
}

/// The system's first error in writing a file: its kind and code.
pub(super) type FirstError = std::sync::OnceLock<(std::io::ErrorKind, Option<i32>)>;

/// A Parquet file being written that notes the system's first error: the Parquet writer
/// passes it on as text, or, when it failed in the middle of a page header, only as "Invalid
/// thrift: transport error", and the user would not learn that the disk is full.
pub(super) struct Noting<'a> {
    pub(super) file: &'a fs::File,
    pub(super) first_error: &'a FirstError,
}

impl std::io::Write for Noting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf).inspect_err(|e| self.note(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush().inspect_err(|e| self.note(e))
    }
}

impl Noting<'_> {
    fn note(&self, e: &std::io::Error) {
        let _ = self.first_error.set((e.kind(), e.raw_os_error()));
    }
}

/// A failed Parquet write as its cause: the system's error `Noting` noted, when there was
/// one, else the writer's own.
pub(super) fn parquet_failure(path: &Path, e: PolarsError, noted: &FirstError) -> anyhow::Error {
    match noted.get() {
        Some(&(_, Some(code))) => anyhow::Error::new(std::io::Error::from_raw_os_error(code)),
        Some(&(kind, None)) => anyhow::Error::new(std::io::Error::from(kind)),
        None => return anyhow::anyhow!("cannot write {}: {e}", path.display()),
    }
    .context(format!("cannot write {}", path.display()))
}

pub(super) fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    DataFrame::new_infer_height(columns).map_err(|e| anyhow::anyhow!("building a table: {e}"))
}

fn figures_frame(rows: &[FigureRow]) -> Result<DataFrame> {
    frame(vec![
        Column::new("supplier_id".into(), rows.iter().map(|r| r.supplier_id.as_str()).collect::<Vec<_>>()),
        Column::new("month".into(), rows.iter().map(|r| r.month.to_string()).collect::<Vec<_>>()),
        Column::new("figure".into(), rows.iter().map(|r| r.metric.id()).collect::<Vec<_>>()),
        Column::new("value".into(), rows.iter().map(|r| r.value).collect::<Vec<_>>()),
        Column::new("status".into(), rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>()),
    ])
}

fn flags_frame(rows: &[FlagRow]) -> Result<DataFrame> {
    frame(vec![
        Column::new("visit_id".into(), rows.iter().map(|r| r.visit_id.as_str()).collect::<Vec<_>>()),
        Column::new("supplier_id".into(), rows.iter().map(|r| r.supplier_id.as_str()).collect::<Vec<_>>()),
        Column::new("flag".into(), rows.iter().map(|r| r.flag.name()).collect::<Vec<_>>()),
        Column::new("related_visit_id".into(), rows.iter().map(|r| r.related_visit_id.as_deref()).collect::<Vec<_>>()),
    ])
}

fn evidence_frame(rows: &[EvidenceRow]) -> Result<DataFrame> {
    frame(vec![
        Column::new("supplier_id".into(), rows.iter().map(|r| r.supplier_id.as_str()).collect::<Vec<_>>()),
        Column::new("figure".into(), rows.iter().map(|r| r.evidence.owner().id()).collect::<Vec<_>>()),
        Column::new("kind".into(), rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>()),
        Column::new("id".into(), rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>()),
        Column::new("value".into(), rows.iter().map(|r| r.value).collect::<Vec<_>>()),
        Column::new("detail".into(), rows.iter().map(|r| r.detail.as_deref()).collect::<Vec<_>>()),
    ])
}

fn rejects_frame(rows: &[Reject]) -> Result<DataFrame> {
    frame(vec![
        Column::new("file".into(), rows.iter().map(|r| r.file.as_str()).collect::<Vec<_>>()),
        Column::new("line".into(), rows.iter().map(|r| r.line).collect::<Vec<_>>()),
        Column::new("reason".into(), rows.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>()),
        Column::new("raw".into(), rows.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>()),
    ])
}

fn members_frame(id_column: &str, rows: &[MemberRow]) -> Result<DataFrame> {
    let tallies: Vec<&crate::model::Tally> = rows.iter().map(|r| &r.tally).collect();
    frame(vec![
        Column::new("supplier_id".into(), rows.iter().map(|r| r.supplier_id.as_str()).collect::<Vec<_>>()),
        Column::new(id_column.into(), rows.iter().map(|r| r.member_id.as_str()).collect::<Vec<_>>()),
        Column::new("visits".into(), tallies.iter().map(|t| t.visits).collect::<Vec<_>>()),
        Column::new("checked_in".into(), tallies.iter().map(|t| t.checked_in).collect::<Vec<_>>()),
        Column::new(Figure::CheckinRate.id().into(), tallies.iter().map(|t| t.checkin_rate()).collect::<Vec<_>>()),
        Column::new("valid_durations".into(), tallies.iter().map(|t| t.valid).collect::<Vec<_>>()),
        Column::new("minutes_mean".into(), tallies.iter().map(|t| t.minutes_mean()).collect::<Vec<_>>()),
        Column::new("minutes_median".into(), rows.iter().map(|r| r.median).collect::<Vec<_>>()),
        Column::new(Figure::ShortVisitShare.id().into(), tallies.iter().map(|t| t.short_share()).collect::<Vec<_>>()),
        Column::new("flagged_visits".into(), tallies.iter().map(|t| t.flagged).collect::<Vec<_>>()),
        Column::new("distinct_staff".into(), rows.iter().map(|r| r.distinct_staff).collect::<Vec<_>>()),
        Column::new("granted_minutes".into(), tallies.iter().map(|t| t.granted.map(|g| g.minutes())).collect::<Vec<_>>()),
        Column::new(Figure::CompletionRate.id().into(), tallies.iter().map(|t| t.completion()).collect::<Vec<_>>()),
        Column::new("continuity_staff".into(), rows.iter().map(|r| r.continuity_staff).collect::<Vec<_>>()),
        Column::new("short_visits".into(), tallies.iter().map(|t| t.short).collect::<Vec<_>>()),
        Column::new("valid_seconds".into(), tallies.iter().map(|t| t.valid_seconds).collect::<Vec<_>>()),
        Column::new("manual_visits".into(), tallies.iter().map(|t| t.manual).collect::<Vec<_>>()),
        Column::new("manual_with_reason".into(), tallies.iter().map(|t| t.manual_with_reason).collect::<Vec<_>>()),
    ])
}

/// Writes the month's other tables into the staged directory (`write_visits_table` writes the
/// visits).
pub fn write_month(dir: &Path, analysis: &MonthAnalysis, rejects: &[Reject]) -> Result<()> {
    type Write<'a> = Box<dyn Fn() -> Result<()> + Send + Sync + 'a>;
    // Each file on its own, on all threads; of several errors the first in this order is told.
    let files: Vec<Write> = vec![
        Box::new(|| write_figures_csv(&dir.join("figures.csv"), &analysis.figures)),
        Box::new(|| write_flags_csv(&dir.join("flags.csv"), &analysis.flags)),
        Box::new(|| write_rejects_csv(&dir.join("rejects.csv"), rejects)),
        Box::new(|| write_members_csv(&dir.join("staff.csv"), "staff_id", &analysis.staff)),
        Box::new(|| write_members_csv(&dir.join("clients.csv"), "client_id", &analysis.clients)),
        Box::new(|| write_evidence_csv(&dir.join("evidence.csv"), &analysis.evidence)),
        Box::new(|| write_parquet(&dir.join("figures.parquet"), figures_frame(&analysis.figures)?)),
        Box::new(|| write_parquet(&dir.join("flags.parquet"), flags_frame(&analysis.flags)?)),
        Box::new(|| write_parquet(&dir.join("rejects.parquet"), rejects_frame(rejects)?)),
        Box::new(|| write_parquet(&dir.join("staff.parquet"), members_frame("staff_id", &analysis.staff)?)),
        Box::new(|| write_parquet(&dir.join("clients.parquet"), members_frame("client_id", &analysis.clients)?)),
        Box::new(|| write_parquet(&dir.join("evidence.parquet"), evidence_frame(&analysis.evidence)?)),
    ];
    files.par_iter().map(|write| write()).collect::<Vec<_>>().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_parquet_write_is_told_by_the_systems_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        fs::write(&path, b"").unwrap();
        // Opened for reading only: every write fails with EBADF (os error 9).
        let file = fs::File::open(&path).unwrap();
        let noted = std::sync::OnceLock::new();
        let mut df = frame(vec![Column::new("a".into(), [1i64, 2, 3])]).unwrap();
        let e = ParquetWriter::new(Noting { file: &file, first_error: &noted }).finish(&mut df).unwrap_err();
        let err = parquet_failure(&path, e, &noted);
        let io = err.chain().find_map(|c| c.downcast_ref::<std::io::Error>()).expect("the system's error in the chain");
        assert_eq!(io.raw_os_error(), Some(9));
        assert_eq!(err.to_string(), format!("cannot write {}", path.display()));
        // Without a noted error the writer's own message stands.
        let other = parquet_failure(&path, PolarsError::ComputeError("odd".into()), &std::sync::OnceLock::new());
        assert!(format!("{other:#}").ends_with("odd"), "{other:#}");
    }
}

//! The month's tables as CSV and Parquet (figures, flags, rejects, staff, clients, evidence),
//! each written from its column list in `schema`. The CSV files are opened in Excel, so their
//! text cells go through `excel_text`; the Parquet files keep the exact values for tools.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use rayon::prelude::*;

use super::schema::{
    EvidenceColumn, FigureColumn, FlagColumn, Get, InvoiceCheckColumn, MemberColumn, PaymentColumn, QuestionedColumn, RejectColumn,
    StoredColumn,
};
use super::{excel_text, format_value};
use crate::model::payment::hundredths_text;
use crate::model::Reject;
use crate::month::analysis::{FigureRow, FlagRow, MonthAnalysis};

fn csv_writer(path: &Path) -> Result<csv::Writer<fs::File>> {
    let file = fs::File::create(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    Ok(csv::Writer::from_writer(file))
}

fn finish(mut w: csv::Writer<fs::File>, path: &Path) -> Result<()> {
    w.flush().with_context(|| format!("{} kan inte skrivas", path.display()))?;
    let file = w.into_inner().map_err(|e| anyhow::anyhow!("{} kan inte skrivas: {}", path.display(), e.error()))?;
    file.sync_all().with_context(|| format!("{} kan inte skrivas", path.display()))
}

/// A row's value of one column as the CSV files write it: text safe to open in Excel
/// (`excel_text`), numbers as they are.
fn cell_text<R>(get: &Get<R>, r: &R) -> String {
    match get {
        Get::Str(f) => excel_text(f(r)).into_owned(),
        Get::OptStr(f) => excel_text(f(r).unwrap_or("")).into_owned(),
        Get::String(f) => excel_text(&f(r)).into_owned(),
        Get::U32(f) => f(r).to_string(),
        Get::OptU32(f) => f(r).map(|n| n.to_string()).unwrap_or_default(),
        Get::I64(f) => f(r).to_string(),
        Get::U64(f) => f(r).to_string(),
        Get::OptF64(f) => format_value(f(r)),
        Get::OptI64(f) => f(r).map(|n| n.to_string()).unwrap_or_default(),
        Get::OptHundredths(f) => f(r).map(hundredths_text).unwrap_or_default(),
    }
}

/// Writes `rows` as CSV with the columns of `C`, named by `name`.
pub(super) fn write_csv<R, C: StoredColumn<R>>(path: &Path, rows: &[R], name: impl Fn(C) -> &'static str) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(C::ALL.iter().map(|&c| name(c)))?;
    let gets: Vec<Get<R>> = C::ALL.iter().map(|c| c.get()).collect();
    for r in rows {
        w.write_record(gets.iter().map(|g| cell_text(g, r)))?;
    }
    finish(w, path)
}

/// `rows` as a Parquet frame with the columns of `C`, named by `name`.
fn table_frame<R, C: StoredColumn<R>>(rows: &[R], name: impl Fn(C) -> &'static str) -> Result<DataFrame> {
    let column = |c: C| {
        let name = name(c).into();
        match c.get() {
            Get::Str(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::OptStr(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::String(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::U32(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::OptU32(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::I64(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::U64(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::OptF64(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::OptI64(f) => Column::new(name, rows.iter().map(f).collect::<Vec<_>>()),
            Get::OptHundredths(f) => Column::new(name, rows.iter().map(|r| f(r).map(|h| h as f64 / 100.0)).collect::<Vec<_>>()),
        }
    };
    frame(C::ALL.iter().map(|&c| column(c)).collect())
}

pub fn write_figures_csv(path: &Path, rows: &[FigureRow]) -> Result<()> {
    write_csv(path, rows, FigureColumn::name)
}

pub fn write_flags_csv(path: &Path, rows: &[FlagRow]) -> Result<()> {
    write_csv(path, rows, FlagColumn::name)
}

pub fn write_rejects_csv(path: &Path, rejects: &[Reject]) -> Result<()> {
    write_csv(path, rejects, RejectColumn::name)
}

fn write_parquet(path: &Path, mut df: DataFrame) -> Result<()> {
    let file = fs::File::create(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    let noted = std::sync::OnceLock::new();
    ParquetWriter::new(Noting { file: &file, first_error: &noted }).finish(&mut df).map_err(|e| parquet_failure(path, e, &noted))?;
    file.sync_all().with_context(|| format!("{} kan inte skrivas", path.display()))
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
        None => return anyhow::anyhow!("{} kan inte skrivas: {e}", path.display()),
    }
    .context(format!("{} kan inte skrivas", path.display()))
}

pub(super) fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    DataFrame::new_infer_height(columns).map_err(|e| anyhow::anyhow!("en tabell kan inte byggas: {e}"))
}

/// Writes the month's other tables into the staged directory (`write_visits_table` writes the
/// visits).
pub fn write_month(dir: &Path, analysis: &MonthAnalysis, rejects: &[Reject]) -> Result<()> {
    type Write<'a> = Box<dyn Fn() -> Result<()> + Send + Sync + 'a>;
    // Each file on its own, on all threads; of several errors the first in this order is told.
    let mut files: Vec<Write> = vec![
        Box::new(|| write_figures_csv(&dir.join("figures.csv"), &analysis.figures)),
        Box::new(|| write_flags_csv(&dir.join("flags.csv"), &analysis.flags)),
        Box::new(|| write_rejects_csv(&dir.join("rejects.csv"), rejects)),
        Box::new(|| write_csv(&dir.join("staff.csv"), &analysis.staff, |c: MemberColumn| c.name_in("staff_id"))),
        Box::new(|| write_csv(&dir.join("clients.csv"), &analysis.clients, |c: MemberColumn| c.name_in("client_id"))),
        Box::new(|| write_csv(&dir.join("evidence.csv"), &analysis.evidence, EvidenceColumn::name)),
        Box::new(|| write_parquet(&dir.join("figures.parquet"), table_frame(&analysis.figures, FigureColumn::name)?)),
        Box::new(|| write_parquet(&dir.join("flags.parquet"), table_frame(&analysis.flags, FlagColumn::name)?)),
        Box::new(|| write_parquet(&dir.join("rejects.parquet"), table_frame(rejects, RejectColumn::name)?)),
        Box::new(|| write_parquet(&dir.join("staff.parquet"), table_frame(&analysis.staff, |c: MemberColumn| c.name_in("staff_id"))?)),
        Box::new(|| write_parquet(&dir.join("clients.parquet"), table_frame(&analysis.clients, |c: MemberColumn| c.name_in("client_id"))?)),
        Box::new(|| write_parquet(&dir.join("evidence.parquet"), table_frame(&analysis.evidence, EvidenceColumn::name)?)),
        Box::new(|| write_csv(&dir.join("payment.csv"), &analysis.payment, PaymentColumn::name)),
        Box::new(|| write_csv(&dir.join("questioned.csv"), &analysis.questioned, QuestionedColumn::name)),
        Box::new(|| write_parquet(&dir.join("payment.parquet"), table_frame(&analysis.payment, PaymentColumn::name)?)),
        Box::new(|| write_parquet(&dir.join("questioned.parquet"), table_frame(&analysis.questioned, QuestionedColumn::name)?)),
    ];
    // The invoice check exists with an invoices input only (SPEC §10).
    if analysis.payment.iter().any(|p| p.invoiced.is_some()) {
        files.push(Box::new(|| write_csv(&dir.join("invoice_check.csv"), &analysis.invoice_check, InvoiceCheckColumn::name)));
        files.push(Box::new(|| {
            write_parquet(&dir.join("invoice_check.parquet"), table_frame(&analysis.invoice_check, InvoiceCheckColumn::name)?)
        }));
    }
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
        assert_eq!(err.to_string(), format!("{} kan inte skrivas", path.display()));
        // Without a noted error the writer's own message stands.
        let other = parquet_failure(&path, PolarsError::ComputeError("odd".into()), &std::sync::OnceLock::new());
        assert!(format!("{other:#}").ends_with("odd"), "{other:#}");
    }
}

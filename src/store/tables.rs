//! The month's tables as CSV and Parquet (figures, flags, rejects, staff, clients, evidence),
//! each written from its column list in `schema`. The CSV files are opened in Excel, so their
//! text cells go through `excel_text`; the Parquet files keep the exact values for tools.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;

use super::schema::{
    EvidenceColumn, FigureColumn, FlagColumn, Get, InvoiceCheckColumn, MemberColumn, PaymentColumn, QuestionedColumn, RejectColumn,
    StoredColumn,
};
use super::{excel_text, push_value};
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
/// (`excel_text`), numbers as they are. Written into `w` as the next field of the record;
/// numbers are formatted into `buf`, kept from cell to cell, so that a cell costs no
/// allocation of its own (a month's tables have millions of cells).
fn write_cell<R>(w: &mut csv::Writer<fs::File>, buf: &mut String, get: &Get<R>, r: &R) -> csv::Result<()> {
    use std::fmt::Write as _;
    buf.clear();
    // Writing into a `String` cannot fail.
    let _ = match get {
        Get::Str(f) => return w.write_field(excel_text(f(r)).as_bytes()),
        Get::OptStr(f) => return w.write_field(excel_text(f(r).unwrap_or("")).as_bytes()),
        Get::String(f) => return w.write_field(excel_text(&f(r)).as_bytes()),
        Get::U32(f) => write!(buf, "{}", f(r)),
        Get::OptU32(f) => f(r).map_or(Ok(()), |n| write!(buf, "{n}")),
        Get::I64(f) => write!(buf, "{}", f(r)),
        Get::U64(f) => write!(buf, "{}", f(r)),
        Get::OptF64(f) => {
            push_value(buf, f(r));
            Ok(())
        }
        Get::OptI64(f) => f(r).map_or(Ok(()), |n| write!(buf, "{n}")),
        Get::OptHundredths(f) => return w.write_field(f(r).map(hundredths_text).unwrap_or_default().as_bytes()),
    };
    w.write_field(buf.as_bytes())
}

/// Writes `rows` as CSV with the columns of `C`, named by `name`.
pub(super) fn write_csv<R, C: StoredColumn<R>>(path: &Path, rows: &[R], name: impl Fn(C) -> &'static str) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(C::ALL.iter().map(|&c| name(c)))?;
    let gets: Vec<Get<R>> = C::ALL.iter().map(|c| c.get()).collect();
    let mut buf = String::new();
    for r in rows {
        for get in &gets {
            write_cell(&mut w, &mut buf, get, r)?;
        }
        w.write_record(None::<&[u8]>)?;
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

/// Rows per row group that polars' Parquet writer aims at (its default).
const ROW_GROUP: usize = 512 * 512;

/// The row groups polars' writer makes of `len` rows in one piece: as many as `ROW_GROUP`
/// fits whole (at least one), each `len / groups` rows, the last with the rest.
fn row_group_ranges(len: usize) -> Vec<std::ops::Range<usize>> {
    let groups = (len / ROW_GROUP).max(1);
    let size = len / groups;
    (0..groups).map(|g| g * size..if g + 1 == groups { len } else { (g + 1) * size }).collect()
}

/// Writes `rows` as Parquet with the columns of `C`, named by `name`: a row group at a time,
/// each built as a frame of its own, so that a table of hundreds of thousands of flags is
/// never held as a frame whole beside the month's visits. The row groups are those polars
/// makes of the whole frame (`row_group_ranges`), and so is the file.
fn write_parquet<R, C: StoredColumn<R>>(path: &Path, rows: &[R], name: impl Fn(C) -> &'static str + Copy) -> Result<()> {
    let file = fs::File::create(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    let noted = std::sync::OnceLock::new();
    let failed = |e| parquet_failure(path, e, &noted);
    let mut writer = None;
    for range in row_group_ranges(rows.len()) {
        let df = table_frame(&rows[range], name)?;
        let writer = match &mut writer {
            Some(writer) => writer,
            None => writer.insert(ParquetWriter::new(Noting { file: &file, first_error: &noted }).batched(df.schema()).map_err(failed)?),
        };
        writer.write_batch(&df).map_err(failed)?;
    }
    writer.expect("one row group range at least").finish().map_err(failed)?;
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
    // Each file on its own, with about its size in MB on a municipality's month of 12 M
    // visits; of several errors the first in this order is told.
    let mut files: Vec<(u8, Write)> = vec![
        (2, Box::new(|| write_figures_csv(&dir.join("figures.csv"), &analysis.figures))),
        (38, Box::new(|| write_flags_csv(&dir.join("flags.csv"), &analysis.flags))),
        (0, Box::new(|| write_rejects_csv(&dir.join("rejects.csv"), rejects))),
        (14, Box::new(|| write_csv(&dir.join("staff.csv"), &analysis.staff, |c: MemberColumn| c.name_in("staff_id")))),
        (27, Box::new(|| write_csv(&dir.join("clients.csv"), &analysis.clients, |c: MemberColumn| c.name_in("client_id")))),
        (13, Box::new(|| write_csv(&dir.join("evidence.csv"), &analysis.evidence, EvidenceColumn::name))),
        (0, Box::new(|| write_parquet(&dir.join("figures.parquet"), &analysis.figures, FigureColumn::name))),
        (5, Box::new(|| write_parquet(&dir.join("flags.parquet"), &analysis.flags, FlagColumn::name))),
        (0, Box::new(|| write_parquet(&dir.join("rejects.parquet"), rejects, RejectColumn::name))),
        (2, Box::new(|| write_parquet(&dir.join("staff.parquet"), &analysis.staff, |c: MemberColumn| c.name_in("staff_id")))),
        (6, Box::new(|| write_parquet(&dir.join("clients.parquet"), &analysis.clients, |c: MemberColumn| c.name_in("client_id")))),
        (1, Box::new(|| write_parquet(&dir.join("evidence.parquet"), &analysis.evidence, EvidenceColumn::name))),
        (0, Box::new(|| write_csv(&dir.join("payment.csv"), &analysis.payment, PaymentColumn::name))),
        (22, Box::new(|| write_csv(&dir.join("questioned.csv"), &analysis.questioned, QuestionedColumn::name))),
        (0, Box::new(|| write_parquet(&dir.join("payment.parquet"), &analysis.payment, PaymentColumn::name))),
        (2, Box::new(|| write_parquet(&dir.join("questioned.parquet"), &analysis.questioned, QuestionedColumn::name))),
    ];
    // The invoice check exists with an invoices input only (SPEC §10).
    if analysis.payment.iter().any(|p| p.invoiced.is_some()) {
        files.push((11, Box::new(|| write_csv(&dir.join("invoice_check.csv"), &analysis.invoice_check, InvoiceCheckColumn::name))));
        files.push((3, Box::new(|| write_parquet(&dir.join("invoice_check.parquet"), &analysis.invoice_check, InvoiceCheckColumn::name))));
    }
    // The largest files first, each thread taking the next file as it finishes one, so that
    // no large file is left to one thread at the end while the other has nothing to do.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].0));
    let written: Vec<std::sync::OnceLock<Result<()>>> = files.iter().map(|_| std::sync::OnceLock::new()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads().min(files.len()) {
            scope.spawn(|_| {
                while let Some(&i) = order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    let _ = written[i].set(files[i].1());
                }
            });
        }
    });
    written.into_iter().try_for_each(|w| w.into_inner().expect("every file is written"))
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

    #[test]
    fn a_table_is_cut_into_the_row_groups_polars_makes_of_it_whole() {
        assert_eq!(row_group_ranges(0), vec![0..0]);
        assert_eq!(row_group_ranges(5), vec![0..5]);
        assert_eq!(row_group_ranges(ROW_GROUP), vec![0..ROW_GROUP]);
        assert_eq!(row_group_ranges(2 * ROW_GROUP - 1), vec![0..2 * ROW_GROUP - 1]);
        assert_eq!(row_group_ranges(2 * ROW_GROUP + 7), vec![0..ROW_GROUP + 3, ROW_GROUP + 3..2 * ROW_GROUP + 7]);
        assert_eq!(row_group_ranges(3 * ROW_GROUP + 2), vec![0..ROW_GROUP, ROW_GROUP..2 * ROW_GROUP, 2 * ROW_GROUP..3 * ROW_GROUP + 2]);
    }

    #[test]
    fn a_table_written_a_row_group_at_a_time_is_the_file_of_the_whole_frame() {
        use crate::model::Flag;
        let dir = tempfile::tempdir().unwrap();
        for n in [0, 3, 2 * ROW_GROUP + 5] {
            let rows: Vec<FlagRow> = (0..n)
                .map(|i| FlagRow {
                    supplier_id: format!("Leverantör {}", i / 1000),
                    flag: Flag::ALL[i % Flag::ALL.len()],
                    visit_id: format!("{i:012}"),
                    related_visit_id: (i % 3 == 0).then(|| format!("{:012}", i + 1)),
                })
                .collect();
            let (sliced, whole) = (dir.path().join("sliced.parquet"), dir.path().join("whole.parquet"));
            write_parquet(&sliced, &rows, FlagColumn::name).unwrap();
            let mut df = table_frame(&rows, FlagColumn::name).unwrap();
            ParquetWriter::new(fs::File::create(&whole).unwrap()).finish(&mut df).unwrap();
            assert!(fs::read(&sliced).unwrap() == fs::read(&whole).unwrap(), "{n} rows");
        }
    }
}

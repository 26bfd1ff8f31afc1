//! Reading a stored month back (`OUT/YYYY-MM/`): its figures, evidence, staff and client
//! breakdowns, flagged visits and the configuration it was computed with.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};

use crate::error::refused;
use polars::prelude::*;
use polars_parquet::parquet::metadata::FileMetadata;

use super::schema::{
    EvidenceColumn, FigureColumn, FlagColumn, InvoiceCheckColumn, MemberColumn, PaymentColumn, QuestionedColumn, StoredColumn,
};
use super::visits_table::VisitsColumn;
use crate::config::Config;
use crate::model::{Evidence, ExactMinutes, Flag, InputKind, Metric, Questioned, Status, Tally, VisitStatus, YearMonth};
use crate::month::analysis::{FigureRow, FlagRow, MemberRow};
use crate::month::evidence::{EvidenceRow, Kind};
use crate::month::payment::{InvoiceCheckRow, PaymentRow, QuestionedRow};

/// One month as `tidkoll monthly` stored it.
pub struct StoredMonth {
    pub month: YearMonth,
    pub dir: PathBuf,
    pub figures: Vec<FigureRow>,
    pub evidence: Vec<EvidenceRow>,
    pub staff: Vec<MemberRow>,
    pub clients: Vec<MemberRow>,
    /// `payment.csv`'s rows (none in months stored before the payment basis).
    pub payment: Vec<PaymentRow>,
    /// `questioned.csv`'s rows.
    pub questioned: Vec<QuestionedRow>,
    /// `invoice_check.csv`'s rows (none without an invoices input).
    pub invoice_check: Vec<InvoiceCheckRow>,
    /// The configuration the month was computed with (from its manifest).
    pub config: Config,
    /// The pseudonym key's fingerprint (none in months stored before it was kept).
    pub key_fingerprint: Option<String>,
}

#[cfg(test)]
impl StoredMonth {
    /// A month with no rows, computed with `config`, for tests to fill the tables they need.
    pub fn empty(month: YearMonth, config: Config) -> StoredMonth {
        StoredMonth {
            month,
            dir: PathBuf::new(),
            figures: Vec::new(),
            evidence: Vec::new(),
            staff: Vec::new(),
            clients: Vec::new(),
            payment: Vec::new(),
            questioned: Vec::new(),
            invoice_check: Vec::new(),
            config,
            key_fingerprint: None,
        }
    }
}

/// Months pseudonymised with different keys cannot be followed together: the same client has
/// another pseudonym in each. Refused with the months on each side.
pub fn check_same_key<'a>(stored: impl IntoIterator<Item = &'a StoredMonth>) -> Result<()> {
    let known: Vec<(&StoredMonth, &str)> = stored.into_iter().filter_map(|m| Some((m, m.key_fingerprint.as_deref()?))).collect();
    let Some((first, key)) = known.first() else { return Ok(()) };
    if let Some((other, _)) = known.iter().find(|(_, k)| k != key) {
        return Err(refused(format!(
            "{} och {} gjordes med olika pseudonymnycklar, så kundernas pseudonymer skiljer sig åt; kör om månaderna med samma nyckel (TIDKOLL_PSEUDONYM_KEY eller OUT/pseudonym.key)",
            first.month, other.month
        )));
    }
    Ok(())
}

/// Whether `OUT/YYYY-MM/` holds a complete month (the manifest is written last).
pub fn month_exists(out: &Path, month: YearMonth) -> bool {
    out.join(month.to_string()).join("manifest.json").is_file()
}

/// What a stored month's manifest says about how it was made.
struct Made {
    config: Config,
    key_fingerprint: Option<String>,
}

/// How to make a stored month again, for error messages.
fn again(month: YearMonth, dir: &Path) -> String {
    let out = dir.parent().unwrap_or(Path::new("."));
    format!("kör månaden igen för att göra om {}:\n  {}", dir.display(), monthly_command(out, month))
}

/// A path as it is typed in a command: quoted when it holds a space or a quote.
fn shell_word(text: &str) -> String {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || "\"'$&;|<>()`".contains(c)) {
        format!("\"{}\"", text.replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

/// The stored month in `out` nearest to `month` (the earlier on a tie), other than `month`.
fn nearest_stored(out: &Path, month: YearMonth) -> Option<YearMonth> {
    let entries = fs::read_dir(out).ok()?;
    let key = |m: YearMonth| m.year * 12 + m.month as i32;
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<YearMonth>().ok())
        .filter(|m| *m != month && month_exists(out, *m))
        .min_by_key(|m| ((key(*m) - key(month)).abs(), key(*m)))
}

/// The `tidkoll monthly` command that makes `month` in `out`, made the way the month itself
/// or else the nearest stored month was (its manifest): the same `--config`, the same kinds of input, and each input's
/// path with that month's text (`besok-2025-03.csv`) turned into this month's. A path without
/// the month's text, and every input when no month is stored, is a placeholder to fill in.
pub fn monthly_command(out: &Path, month: YearMonth) -> String {
    let mut words = vec![format!("tidkoll monthly --month {month}")];
    let made = |m: YearMonth| {
        let text = fs::read_to_string(out.join(m.to_string()).join("manifest.json")).ok()?;
        let manifest = serde_json::from_str::<serde_json::Value>(&text).ok()?;
        (manifest["month"].as_str() == Some(&m.to_string())).then_some((m, manifest))
    };
    let manifest = made(month).or_else(|| made(nearest_stored(out, month)?));
    if let Some(config) = manifest.as_ref().and_then(|(_, m)| m["config_file"].as_str()) {
        words.push(format!("--config {}", shell_word(config)));
    }
    let given: Vec<(String, String)> = manifest
        .as_ref()
        .and_then(|(_, m)| m["input_paths"].as_array())
        .map(|list| list.iter().filter_map(|i| Some((i["kind"].as_str()?.to_string(), i["path"].as_str()?.to_string()))).collect())
        .unwrap_or_default();
    if given.is_empty() {
        words.push(format!("--{} <{} för {month}>", InputKind::Visits, InputKind::Visits.a_file_sv()));
    }
    for (kind, path) in &given {
        let near = manifest.as_ref().map(|(n, _)| n.to_string()).unwrap_or_default();
        let path = if !near.is_empty() && path.contains(&near) {
            shell_word(&path.replace(&near, &month.to_string()))
        } else {
            format!("<{} för {month}>", InputKind::parse(kind).map_or("fil", InputKind::a_file_sv))
        };
        words.push(format!("--{kind} {path}"));
    }
    words.push(format!("--out {}", shell_word(&out.display().to_string())));
    words.join(" ")
}

/// Reads the month's manifest and checks that it is the month its folder claims.
fn read_manifest(dir: &Path, month: YearMonth) -> Result<Made> {
    let manifest_path = dir.join("manifest.json");
    let text =
        fs::read_to_string(&manifest_path).with_context(|| format!("{} kan inte läsas; {}", manifest_path.display(), again(month, dir)))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} är ingen giltig JSON; {}", manifest_path.display(), again(month, dir)))?;
    // A month folder copied over another would show one month's figures as another's.
    let claimed = manifest["month"].as_str().unwrap_or("");
    if claimed != month.to_string() {
        return Err(refused(format!(
            "{} innehåller resultaten för månaden '{claimed}', inte {month} (har en månadsmapp kopierats eller bytt namn?); {}",
            dir.display(),
            again(month, dir)
        )));
    }
    let config: Config = serde_json::from_value(manifest["config"].clone())
        .with_context(|| format!("{}: inställningarna kan inte läsas; {}", manifest_path.display(), again(month, dir)))?;
    Ok(Made { config, key_fingerprint: manifest["pseudonym_key_fingerprint"].as_str().map(str::to_string) })
}

/// Reads a stored month; an error names the file and says how to make it again.
pub fn read_month(out: &Path, month: YearMonth) -> Result<StoredMonth> {
    read_month_of(out, month, None)
}

/// A stored month as `read_month` gives it, with the evidence, staff and clients of `only`
/// that supplier when given (the figures whole: they hold the municipality's row): one
/// supplier of a national month is read without a copy of everyone's rows.
pub fn read_month_of(out: &Path, month: YearMonth, only: Option<&str>) -> Result<StoredMonth> {
    let dir = out.join(month.to_string());
    let made = read_manifest(&dir, month)?;
    let again = || again(month, &dir);
    let table = |name: &str| {
        let path = dir.join(name);
        read_parquet(&path).with_context(again)
    };
    let supplier_rows = |name: &str| -> Result<DataFrame> { rows_of(table(name)?, only, name).with_context(again) };
    // The tables are read side by side: a quarter reads three months on two threads, and
    // tables rather than months even out the threads' work.
    let read_figures = || -> Result<Vec<FigureRow>> { figures(&table("figures.parquet")?, month).with_context(again) };
    let read_evidence = || -> Result<Vec<EvidenceRow>> { evidence(&supplier_rows("evidence.parquet")?).with_context(again) };
    let read_staff = || -> Result<Vec<MemberRow>> { members(&supplier_rows("staff.parquet")?, "staff_id").with_context(again) };
    let read_clients = || -> Result<Vec<MemberRow>> { members(&supplier_rows("clients.parquet")?, "client_id").with_context(again) };
    let read_payment = || -> Result<Vec<PaymentRow>> {
        match optional(&dir, "payment.parquet") {
            Some(_) => payment(&table("payment.parquet")?, month).with_context(again),
            None => Ok(Vec::new()),
        }
    };
    let read_questioned = || -> Result<Vec<QuestionedRow>> {
        match optional(&dir, "questioned.parquet") {
            Some(_) => questioned(&supplier_rows("questioned.parquet")?).with_context(again),
            None => Ok(Vec::new()),
        }
    };
    let read_invoice_check = || -> Result<Vec<InvoiceCheckRow>> {
        match optional(&dir, "invoice_check.parquet") {
            Some(_) => invoice_check(&supplier_rows("invoice_check.parquet")?, month).with_context(again),
            None => Ok(Vec::new()),
        }
    };
    let ((figures_, evidence_), ((staff, clients), (payment_, (questioned_, invoice_check_)))) = rayon::join(
        || rayon::join(read_figures, read_evidence),
        || {
            rayon::join(
                || rayon::join(read_staff, read_clients),
                || rayon::join(read_payment, || rayon::join(read_questioned, read_invoice_check)),
            )
        },
    );
    Ok(StoredMonth {
        month,
        figures: figures_?,
        evidence: evidence_?,
        staff: staff?,
        clients: clients?,
        payment: payment_?,
        questioned: questioned_?,
        invoice_check: invoice_check_?,
        config: made.config,
        key_fingerprint: made.key_fingerprint,
        dir,
    })
}

/// A stored month's figures and the configuration they were judged with, without its other
/// tables: what the follow-up over time needs.
pub struct StoredFigures {
    pub month: YearMonth,
    pub figures: Vec<FigureRow>,
    pub config: Config,
}

/// Reads only `figures.parquet` and the manifest of a stored month.
pub fn read_figures(out: &Path, month: YearMonth) -> Result<StoredFigures> {
    let dir = out.join(month.to_string());
    let made = read_manifest(&dir, month)?;
    let figures = figures(&read_parquet(&dir.join("figures.parquet"))?, month).with_context(|| again(month, &dir))?;
    Ok(StoredFigures { month, figures, config: made.config })
}

/// The flagged visits of a stored month (`flags.parquet`), of `only` that supplier when given.
pub fn read_flags(out: &Path, month: YearMonth, only: Option<&str>) -> Result<Vec<FlagRow>> {
    let df = rows_of(read_parquet(&out.join(month.to_string()).join("flags.parquet"))?, only, "flags.parquet")?;
    let (mut visit, mut supplier, flag, mut related) = (
        strings(&df, FlagColumn::VisitId.name())?,
        strings(&df, FlagColumn::SupplierId.name())?,
        texts(&df, FlagColumn::Flag.name())?,
        strings(&df, FlagColumn::RelatedVisitId.name())?,
    );
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let flag = stored_flag(flag[i])?;
        rows.push(FlagRow {
            supplier_id: take(&mut supplier, i),
            flag,
            visit_id: take(&mut visit, i),
            related_visit_id: related[i].take(),
        });
    }
    Ok(rows)
}

/// The related visits of the flag rows of a stored month that `wanted` picks by supplier, flag
/// and visit id: each as (supplier, flag, visit, related visit). Only the picked rows are
/// copied out of the table, so a national month's flags are not held as rows.
pub fn flag_partners(
    out: &Path,
    month: YearMonth,
    wanted: impl Fn(&str, Flag, &str) -> bool,
) -> Result<Vec<(String, Flag, String, String)>> {
    let df = read_parquet(&out.join(month.to_string()).join("flags.parquet"))?;
    let (visit, supplier, flag, related) = (
        texts(&df, FlagColumn::VisitId.name())?,
        texts(&df, FlagColumn::SupplierId.name())?,
        texts(&df, FlagColumn::Flag.name())?,
        texts(&df, FlagColumn::RelatedVisitId.name())?,
    );
    let mut partners = Vec::new();
    for i in 0..df.height() {
        let Some(partner) = related[i] else { continue };
        let flag = stored_flag(flag[i])?;
        let (supplier, visit) = (supplier[i].unwrap_or(""), visit[i].unwrap_or(""));
        if wanted(supplier, flag, visit) {
            partners.push((supplier.to_string(), flag, visit.to_string(), partner.to_string()));
        }
    }
    Ok(partners)
}

/// The rows of `df` (the stored table `name`) of `only` that supplier when given, else all.
fn rows_of(df: DataFrame, only: Option<&str>, name: &str) -> Result<DataFrame> {
    let Some(supplier) = only else { return Ok(df) };
    let ids = column(&df, "supplier_id")?.str().map_err(|e| anyhow!("supplier_id: {e}"))?;
    let mask: BooleanChunked = ids.iter().map(|s| s == Some(supplier)).collect();
    df.filter(&mask).map_err(|e| anyhow!("{name}: {e}"))
}

/// A flag as `flags.parquet` names it.
fn stored_flag(name: Option<&str>) -> Result<Flag> {
    let name = name.unwrap_or("");
    Flag::parse(name).ok_or_else(|| anyhow!("okänd flagga '{name}' i flags.parquet"))
}

/// One stored visit of a supplier, as much as an investigation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVisit {
    pub visit_id: String,
    pub client_id: String,
    pub staff_id: String,
    /// Unix milliseconds.
    pub check_in_ms: i64,
    pub check_out_ms: Option<i64>,
    /// Local wall-clock time of the check-in, as milliseconds of a naive timestamp.
    pub local_in_ms: i64,
    /// What the registration records (performed in a month stored without the column).
    pub status: VisitStatus,
}

/// The row groups of `visits.parquet` that can hold `supplier`'s visits: those whose
/// `supplier_id` minimum and maximum enclose it, from the first such group to the last (a
/// month stores its visits sorted by supplier, so they lie together). A row group without
/// those statistics (a month stored before they were written) can hold anyone's.
pub fn supplier_groups(metadata: &FileMetadata, supplier: &str) -> Range<usize> {
    use polars_parquet::parquet::statistics::Statistics;
    let may_hold = |group: &polars_parquet::parquet::metadata::RowGroupMetadata| -> bool {
        let Some(chunk) = group.columns_under_root_iter("supplier_id").and_then(|mut c| c.next()) else { return true };
        match chunk.statistics(&metadata.footer_buf) {
            Some(Ok(Statistics::Binary(s))) => match (s.min_value, s.max_value) {
                (Some(min), Some(max)) => min.as_slice() <= supplier.as_bytes() && supplier.as_bytes() <= max.as_slice(),
                _ => s.null_count.is_none_or(|n| n < group.num_rows() as i64),
            },
            _ => true,
        }
    };
    let first = metadata.row_groups.iter().position(may_hold);
    let last = metadata.row_groups.iter().rposition(may_hold);
    match (first, last) {
        (Some(first), Some(last)) => first..last + 1,
        _ => 0..0,
    }
}

/// Reads `columns` of the row groups `groups` of the Parquet file at `path`, whose metadata
/// (read once) is `metadata`. The reader is given those row groups' metadata alone rather
/// than a slice of the file's rows: polars reads a slice by walking every row group before
/// it, decompressing each one's dictionary pages on the way.
pub fn read_row_groups(
    path: &Path,
    metadata: &FileMetadata,
    groups: Range<usize>,
    columns: &[&str],
    parallel: ParallelStrategy,
) -> Result<DataFrame> {
    let row_groups = metadata.row_groups[groups].to_vec();
    let part = FileMetadata {
        version: metadata.version,
        num_rows: row_groups.iter().map(|g| g.num_rows()).sum(),
        max_row_group_height: metadata.max_row_group_height,
        created_by: metadata.created_by.clone(),
        row_groups,
        key_value_metadata: metadata.key_value_metadata.clone(),
        schema_descr: metadata.schema_descr.clone(),
        column_orders: metadata.column_orders.clone(),
        footer_buf: metadata.footer_buf.clone(),
    };
    let file = fs::File::open(path).with_context(|| format!("{} kan inte öppnas", path.display()))?;
    let mut reader = ParquetReader::new(file).with_columns(Some(columns.iter().map(|c| c.to_string()).collect()));
    reader.set_metadata(Arc::new(part));
    reader.read_parallel(parallel).finish().map_err(|e| anyhow!("{} kan inte läsas: {e}", path.display()))
}

/// The supplier's visits of a stored month (`visits.parquet`), in stored order; only the row
/// groups that can hold them are read.
pub fn read_visits(out: &Path, month: YearMonth, supplier: &str) -> Result<Vec<StoredVisit>> {
    use VisitsColumn as V;
    let path = out.join(month.to_string()).join("visits.parquet");
    let file = fs::File::open(&path).with_context(|| format!("{} kan inte öppnas", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(|e| anyhow!("{} kan inte läsas: {e}", path.display()))?;
    // A month stored before the status column was written has none: its visits are performed.
    let has_status = schema.contains(V::Status.name());
    let columns = V::ALL.iter().filter(|c| c.read_back() && (**c != V::Status || has_status)).map(|c| c.name());
    let metadata = reader.get_metadata().map_err(|e| anyhow!("{} kan inte läsas: {e}", path.display()))?;
    let columns: Vec<&str> = columns.collect();
    let df = read_row_groups(&path, metadata, supplier_groups(metadata, supplier), &columns, ParallelStrategy::Auto)?;
    let suppliers = column(&df, V::SupplierId.name())?.str().map_err(|e| anyhow!("supplier_id: {e}"))?;
    let keep: Vec<usize> = suppliers.iter().enumerate().filter(|(_, s)| *s == Some(supplier)).map(|(i, _)| i).collect();
    let text = |c: V| -> Result<Vec<Option<String>>> {
        let name = c.name();
        let c = column(&df, name)?.str().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
        Ok(keep.iter().map(|&i| c.get(i).map(str::to_string)).collect())
    };
    let millis = |c: V| -> Result<Vec<Option<i64>>> {
        let name = c.name();
        let c = column(&df, name)?.cast(&DataType::Int64).map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
        let c = c.i64().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
        Ok(keep.iter().map(|&i| c.get(i)).collect())
    };
    let (ids, clients, staff) = (text(V::VisitId)?, text(V::ClientId)?, text(V::StaffId)?);
    let (ins, outs, locals) = (millis(V::CheckInUtc)?, millis(V::CheckOutUtc)?, millis(V::CheckInLocal)?);
    let statuses: Vec<VisitStatus> = if has_status {
        text(V::Status)?.iter().map(|s| s.as_deref().and_then(VisitStatus::from_canonical).unwrap_or_default()).collect()
    } else {
        vec![VisitStatus::Performed; keep.len()]
    };
    Ok((0..keep.len())
        .map(|k| StoredVisit {
            visit_id: ids[k].clone().unwrap_or_default(),
            client_id: clients[k].clone().unwrap_or_default(),
            staff_id: staff[k].clone().unwrap_or_default(),
            check_in_ms: ins[k].unwrap_or(0),
            check_out_ms: outs[k],
            local_in_ms: locals[k].unwrap_or(0),
            status: statuses[k],
        })
        .collect())
}

/// A table a month may lack: months stored before it was written, or an input not given.
fn optional(dir: &Path, name: &str) -> Option<PathBuf> {
    Some(dir.join(name)).filter(|p| p.exists())
}

/// A column of hundredths written as a float with two decimals (`OptHundredths`).
fn hundredths(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    Ok(floats(df, name)?.into_iter().map(|v| v.map(|x| (x * 100.0).round() as i64)).collect())
}

fn whole(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = column(df, name)?.cast(&DataType::Int64).map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
    Ok(c.i64().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?.iter().collect())
}

/// `payment.parquet` through its column list.
fn payment(df: &DataFrame, month: YearMonth) -> Result<Vec<PaymentRow>> {
    use PaymentColumn as P;
    let mut supplier = strings(df, P::SupplierId.name())?;
    let [registered, questioned, over, invoiced, excess] =
        [P::RegisteredMinutes, P::QuestionedMinutes, P::OverGrantedMinutes, P::InvoicedMinutes, P::InvoiceExcessMinutes]
            .map(|c| hundredths(df, c.name()));
    let (registered, questioned, over, invoiced, excess) = (registered?, questioned?, over?, invoiced?, excess?);
    let per_reason: Vec<Vec<Option<i64>>> =
        Questioned::ALL.into_iter().map(|q| hundredths(df, P::questioned(q).name())).collect::<Result<_>>()?;
    let (kronor, excess_kronor) = (whole(df, P::QuestionedKronor.name())?, whole(df, P::InvoiceExcessKronor.name())?);
    Ok((0..df.height())
        .map(|i| PaymentRow {
            supplier_id: take(&mut supplier, i),
            month,
            registered: registered[i].unwrap_or(0),
            questioned: questioned[i].unwrap_or(0),
            per_reason: Questioned::ALL.map(|q| per_reason[q as usize][i].unwrap_or(0)),
            over_granted: over[i],
            invoiced: invoiced[i],
            invoice_excess: excess[i],
            questioned_kronor: kronor[i],
            invoice_excess_kronor: excess_kronor[i],
        })
        .collect())
}

/// A month's `questioned.parquet` (the file at `path`) through its column list.
pub(super) fn read_questioned_table(path: &Path) -> Result<Vec<QuestionedRow>> {
    questioned(&read_parquet(path)?).with_context(|| format!("{} kan inte läsas", path.display()))
}

/// `questioned.parquet` through its column list.
fn questioned(df: &DataFrame) -> Result<Vec<QuestionedRow>> {
    use QuestionedColumn as Q;
    let (mut visit, mut supplier, reason) =
        (strings(df, Q::VisitId.name())?, strings(df, Q::SupplierId.name())?, texts(df, Q::Reason.name())?);
    let minutes = hundredths(df, Q::Minutes.name())?;
    (0..df.height())
        .map(|i| {
            let name = reason[i].unwrap_or("");
            Ok(QuestionedRow {
                supplier_id: take(&mut supplier, i),
                reason: Questioned::parse(name).ok_or_else(|| anyhow!("okänd orsak '{name}' i questioned.parquet"))?,
                visit_id: take(&mut visit, i),
                minutes: minutes[i].unwrap_or(0),
            })
        })
        .collect()
}

/// `invoice_check.parquet` through its column list.
fn invoice_check(df: &DataFrame, month: YearMonth) -> Result<Vec<InvoiceCheckRow>> {
    use InvoiceCheckColumn as I;
    let (mut supplier, mut client) = (strings(df, I::SupplierId.name())?, strings(df, I::ClientId.name())?);
    let (invoiced, supported, excess) =
        (hundredths(df, I::InvoicedMinutes.name())?, hundredths(df, I::SupportedMinutes.name())?, hundredths(df, I::ExcessMinutes.name())?);
    Ok((0..df.height())
        .map(|i| InvoiceCheckRow {
            supplier_id: take(&mut supplier, i),
            client_id: take(&mut client, i),
            month,
            invoiced: invoiced[i].unwrap_or(0),
            supported: supported[i].unwrap_or(0),
            excess: excess[i].unwrap_or(0),
        })
        .collect())
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = fs::File::open(path).with_context(|| format!("{} kan inte öppnas", path.display()))?;
    ParquetReader::new(file).finish().map_err(|e| anyhow!("{} kan inte läsas: {e}", path.display()))
}

fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| anyhow!("den sparade tabellen saknar kolumnen '{name}'"))
}

/// A text column as owned strings, for the fields a row keeps (taken out with `mem::take`).
fn strings(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    Ok(texts(df, name)?.into_iter().map(|v| v.map(str::to_string)).collect())
}

/// A text column as borrowed text, for the fields that are parsed or compared and not kept.
fn texts<'a>(df: &'a DataFrame, name: &str) -> Result<Vec<Option<&'a str>>> {
    let c = column(df, name)?.str().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
    Ok(c.iter().collect())
}

/// A kept text field of a row, moved out of its column.
fn take(column: &mut [Option<String>], i: usize) -> String {
    column[i].take().unwrap_or_default()
}

fn floats(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = column(df, name)?.f64().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
    Ok(c.iter().collect())
}

fn counts(df: &DataFrame, name: &str) -> Result<Vec<Option<u32>>> {
    let c = column(df, name)?.u32().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
    Ok(c.iter().collect())
}

fn figures(df: &DataFrame, month: YearMonth) -> Result<Vec<FigureRow>> {
    let (mut supplier, figure, value, status) = (
        strings(df, FigureColumn::SupplierId.name())?,
        texts(df, FigureColumn::Figure.name())?,
        floats(df, FigureColumn::Value.name())?,
        texts(df, FigureColumn::Status.name())?,
    );
    (0..df.height())
        .map(|i| {
            let s = status[i].unwrap_or("");
            let id = figure[i].unwrap_or("");
            Ok(FigureRow {
                supplier_id: take(&mut supplier, i),
                month,
                metric: Metric::parse(id).ok_or_else(|| anyhow!("okänt mått '{id}' i figures.parquet"))?,
                value: value[i],
                status: Status::parse(s).ok_or_else(|| anyhow!("okänd status '{s}' i figures.parquet"))?,
            })
        })
        .collect()
}

fn evidence(df: &DataFrame) -> Result<Vec<EvidenceRow>> {
    let (mut supplier, figure, kind, mut id, value) = (
        strings(df, EvidenceColumn::SupplierId.name())?,
        texts(df, EvidenceColumn::Figure.name())?,
        texts(df, EvidenceColumn::Kind.name())?,
        strings(df, EvidenceColumn::Id.name())?,
        floats(df, EvidenceColumn::Value.name())?,
    );
    // Months stored before example visits had their detail have no such column.
    let detail_column = EvidenceColumn::Detail.name();
    let mut detail = if df.column(detail_column).is_ok() { strings(df, detail_column)? } else { vec![None; df.height()] };
    (0..df.height())
        .map(|i| {
            let k = kind[i].unwrap_or("");
            let owner = figure[i].unwrap_or("");
            Ok(EvidenceRow {
                supplier_id: take(&mut supplier, i),
                evidence: Evidence::parse(owner).ok_or_else(|| anyhow!("okänt mått '{owner}' i evidence.parquet"))?,
                kind: Kind::parse(k).ok_or_else(|| anyhow!("okänd sort '{k}' i evidence.parquet"))?,
                id: take(&mut id, i),
                value: value[i],
                detail: detail[i].take(),
            })
        })
        .collect()
}

/// A count column written by an earlier version as a share or mean only: rebuilt from it.
fn count_or(df: &DataFrame, name: &str, rebuilt: impl Fn(usize) -> f64) -> Result<Vec<i64>> {
    match df.column(name) {
        Ok(c) => {
            let c = c.cast(&DataType::Int64).map_err(|e| anyhow!("kolumnen '{name}': {e}"))?;
            Ok(c.i64().map_err(|e| anyhow!("kolumnen '{name}': {e}"))?.iter().map(|v| v.unwrap_or(0)).collect())
        }
        Err(_) => Ok((0..df.height()).map(|i| rebuilt(i).round() as i64).collect()),
    }
}

/// The staff or client table: each member's raw counts (`short_visits` and `valid_seconds` are
/// rebuilt from the share and mean in months stored before they were kept).
fn members(df: &DataFrame, id_column: &'static str) -> Result<Vec<MemberRow>> {
    use MemberColumn as M;
    let name = |c: MemberColumn| c.name_in(id_column);
    let (mut supplier, mut member) = (strings(df, name(M::SupplierId))?, strings(df, name(M::MemberId))?);
    let (visits, checked_in, valid, flagged) = (
        counts(df, name(M::Visits))?,
        counts(df, name(M::CheckedIn))?,
        counts(df, name(M::ValidDurations))?,
        counts(df, name(M::FlaggedVisits))?,
    );
    let (mean, median, short_share) =
        (floats(df, name(M::MinutesMean))?, floats(df, name(M::MinutesMedian))?, floats(df, name(M::ShortVisitShare))?);
    let (distinct, granted, continuity) =
        (counts(df, name(M::DistinctStaff))?, floats(df, name(M::GrantedMinutes))?, counts(df, name(M::ContinuityStaff))?);
    let valid_of = |i: usize| f64::from(valid[i].unwrap_or(0));
    let short = count_or(df, name(M::ShortVisits), |i| short_share[i].unwrap_or(0.0) * valid_of(i))?;
    let seconds = count_or(df, name(M::ValidSeconds), |i| mean[i].unwrap_or(0.0) * 60.0 * valid_of(i))?;
    let manual = count_or(df, name(M::ManualVisits), |_| 0.0)?;
    let with_reason = count_or(df, name(M::ManualWithReason), |_| 0.0)?;
    // Months stored before the payment basis question nothing and hold no invoices.
    let questioned: Vec<Vec<i64>> =
        Questioned::ALL.into_iter().map(|q| count_or(df, name(M::questioned(q)), |_| 0.0)).collect::<Result<_>>()?;
    let invoiced = match df.column(name(M::InvoicedMinutes)) {
        Ok(_) => floats(df, name(M::InvoicedMinutes))?,
        Err(_) => vec![None; df.height()],
    };
    Ok((0..df.height())
        .map(|i| {
            // Every count is named: a count added to `Tally` does not compile here until it is
            // read from a stored column, derived, or said not to be kept per member.
            let mut tally = Tally {
                visits: visits[i].unwrap_or(0),
                checked_in: checked_in[i].unwrap_or(0),
                valid: valid[i].unwrap_or(0),
                valid_seconds: seconds[i],
                short: short[i] as u32,
                flagged: flagged[i].unwrap_or(0),
                manual: manual[i] as u32,
                manual_with_reason: with_reason[i] as u32,
                continuity_clients: u32::from(continuity[i].is_some()),
                continuity_staff: continuity[i].map_or(0, u64::from),
                // Derived from the granted minutes by `grant` below.
                granted: None,
                performed_seconds: 0,
                unserved: 0,
                // Not kept per member: the flags per kind, add-ons and reports are the
                // supplier's figures, stored in figures.csv.
                per_flag: [0; Flag::COUNT],
                addons_delivered: 0,
                addons_reported: 0,
                reports: 0,
                late_reports: 0,
                // Not kept per member: the registrations that are not performed visits are
                // the supplier's `declined_share`, stored in figures.csv.
                not_performed: 0,
                declined: 0,
                questioned_seconds: Questioned::ALL.map(|q| questioned[q as usize][i]),
                // Derived from the granted and invoiced minutes by `grant` and `invoice` below.
                over_granted_micros: 0,
                invoiced: None,
                invoice_excess_micros: 0,
            };
            tally.grant(granted[i].map(ExactMinutes::from_minutes));
            tally.invoice(invoiced[i].map(ExactMinutes::from_minutes));
            MemberRow {
                supplier_id: take(&mut supplier, i),
                member_id: take(&mut member, i),
                tally,
                median: median[i],
                distinct_staff: distinct[i],
                continuity_staff: continuity[i],
            }
        })
        .collect())
}

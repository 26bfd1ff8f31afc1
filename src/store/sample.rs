//! The verification sample's files (SPEC §11): the draw read from a stored month — the
//! performed visits with valid duration of `visits.parquet`, their flags and whether the
//! payment basis questions them — and `stickprov/stickprov.csv` and `stickprov/svar.csv`
//! written and read back.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use polars::prelude::*;
use rayon::prelude::*;

use super::read::read_row_groups;
use super::schema::{AnswerColumn, FlagColumn, SampleColumn, StoredColumn};
use super::tables::write_csv;
use super::visits_table::VisitsColumn;
use crate::bytes_map::HashMap;
use crate::error::refused;
use crate::model::time::local_time;
use crate::model::{Flag, Questioned, VisitStatus, YearMonth};
use crate::month::sample::{risk_weight, AnswerSummary, Drawn, Entrant, Pool, SampledVisit, SupplierHash};
use polars_parquet::parquet::metadata::FileMetadata;

/// The folder of a month's sample: `OUT/YYYY-MM/stickprov/`.
pub const SAMPLE_DIR: &str = "stickprov";
pub const SAMPLE_CSV: &str = "stickprov.csv";
pub const SAMPLE_XLSX: &str = "stickprov.xlsx";
pub const ANSWERS_CSV: &str = "svar.csv";

/// The questioned visits of a stored month (SPEC §10): visit id → reason.
pub enum QuestionedVisits {
    Read(HashMap<String, Questioned>),
    /// The month was stored before the payment basis (no `payment` or `questioned` table):
    /// no visit is questioned.
    NotStored,
}

impl QuestionedVisits {
    pub fn reason(&self, visit_id: &str) -> Option<Questioned> {
        match self {
            QuestionedVisits::Read(map) => map.get(visit_id).copied(),
            QuestionedVisits::NotStored => None,
        }
    }
}

/// What the draw needs besides the visits.
pub struct DrawInputs {
    /// The seed: `--seed`, by default the month's text.
    pub seed: String,
    /// Visits per supplier.
    pub size: usize,
    /// The month's `max_valid_minutes`: a longer visit is not of the population.
    pub max_valid_minutes: f64,
    /// Each flagged visit's distinct flags, as bits (`Flag::bit`).
    pub flags: HashMap<String, u32>,
    pub questioned: QuestionedVisits,
}

/// A drawn month: the sampled visits, per supplier in the order of the draw, and each
/// supplier's population (performed visits with valid duration).
pub struct Drawing {
    pub sample: Vec<SampledVisit>,
    pub populations: BTreeMap<String, u64>,
}

/// Each flagged visit's distinct flags, from `flags.parquet`.
pub fn read_flag_sets(dir: &Path) -> Result<HashMap<String, u32>> {
    let path = dir.join("flags.parquet");
    let (visit_column, flag_column) = (FlagColumn::VisitId.name(), FlagColumn::Flag.name());
    let df = read_columns(&path, &[visit_column, flag_column])?;
    let (ids, flags) = (strings(&df, visit_column, &path)?, strings(&df, flag_column, &path)?);
    let mut sets: HashMap<String, u32> = HashMap::default();
    let mut known: HashMap<&str, Flag> = HashMap::default();
    for (id, name) in ids.iter().zip(flags.iter()) {
        let (Some(id), Some(name)) = (id, name) else { continue };
        let flag = match known.get(name) {
            Some(flag) => *flag,
            None => {
                let flag = Flag::parse(name).ok_or_else(|| anyhow!("{}: okänd flagga '{name}'", path.display()))?;
                known.insert(name, flag);
                flag
            }
        };
        *sets.entry(id.to_string()).or_default() |= flag.bit();
    }
    Ok(sets)
}

/// The month's questioned visits (`questioned.parquet`, through its column list). A month
/// stored before the payment basis has neither it nor a payment table, and no visit is
/// questioned; a month with a payment table but no questioned visits' table is incomplete.
pub fn read_questioned(dir: &Path) -> Result<QuestionedVisits> {
    let path = dir.join("questioned.parquet");
    if path.is_file() {
        let rows = super::read::read_questioned_table(&path)?;
        return Ok(QuestionedVisits::Read(rows.into_iter().map(|q| (q.visit_id, q.reason)).collect()));
    }
    if dir.join("payment.parquet").is_file() {
        return Err(refused(format!(
            "{} har ett ersättningsunderlag (payment.parquet) men ingen lista över ifrågasatta besök (questioned.parquet); kör månaden igen med `tidkoll monthly`",
            dir.display()
        )));
    }
    Ok(QuestionedVisits::NotStored)
}

/// A text cell as the CSV files write it for Excel (`excel_text`) turned back into the
/// stored text: the `'` before a leading `=`, `+`, `-`, `@`, tab or carriage return removed.
pub fn stored_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Where a visit of the population lies in `visits.parquet` (its row group and its row there)
/// and its times: what the first pass keeps of a visit that can still be drawn.
#[derive(Debug, Clone, Copy)]
struct Place {
    group: usize,
    row: usize,
    check_in_ms: i64,
    check_out_ms: i64,
}

/// What the sample writes about a drawn visit besides its id and times, read in the second
/// pass from the row groups that hold drawn visits.
#[derive(Debug, Clone, Default)]
struct Details {
    client_id: String,
    staff_id: String,
    services: String,
}

/// The columns of `visits.parquet` the first pass reads for every row (with `Status` where
/// the month has it): what decides whether a visit is of the population, and its random number.
const POPULATION_COLUMNS: [VisitsColumn; 4] =
    [VisitsColumn::VisitId, VisitsColumn::SupplierId, VisitsColumn::CheckInUtc, VisitsColumn::CheckOutUtc];

/// The columns the second pass reads for the drawn visits only.
const DETAIL_COLUMNS: [VisitsColumn; 3] = [VisitsColumn::ClientId, VisitsColumn::StaffId, VisitsColumn::Services];

/// Draws the sample of a stored month's folder `dir`, in two passes over `visits.parquet`, each
/// spreading its row groups over the threads (each read on its own thread). The first reads,
/// for every row, only what decides the population and the draw (id, supplier, times, status),
/// and each supplier's pool keeps only the visits that can still be drawn, by their place in
/// the file; the second reads client, staff and services for the drawn visits only.
pub fn draw_month(dir: &Path, inputs: &DrawInputs) -> Result<Drawing> {
    let path = dir.join("visits.parquet");
    let file = fs::File::open(&path).with_context(|| format!("{} kan inte öppnas", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let unreadable = |e: PolarsError| anyhow!("{} kan inte läsas: {e}", path.display());
    let has_status = reader.schema().map_err(unreadable)?.contains(VisitsColumn::Status.name());
    let metadata = reader.get_metadata().map_err(unreadable)?.clone();
    let mut columns: Vec<&str> = POPULATION_COLUMNS.iter().map(|c| c.name()).collect();
    if has_status {
        columns.push(VisitsColumn::Status.name());
    }
    let pools = (0..metadata.row_groups.len())
        .into_par_iter()
        .map(|group| {
            let df = read_row_groups(&path, &metadata, group..group + 1, &columns, ParallelStrategy::None)?;
            pool_rows(&df, group, &path, inputs, has_status)
        })
        .try_reduce(HashMap::default, |mut a, b| {
            for (supplier, pool) in b {
                match a.get_mut(&supplier) {
                    Some(mine) => mine.merge(pool),
                    None => {
                        a.insert(supplier, pool);
                    }
                }
            }
            Ok(a)
        })?;
    let mut pools: Vec<(String, Pool<Place>)> = pools.into_iter().collect();
    pools.sort_by(|a, b| a.0.cmp(&b.0));
    let mut populations = BTreeMap::new();
    let mut drawn = Vec::new();
    for (supplier, pool) in pools {
        populations.insert(supplier.clone(), pool.population());
        for (how, entrant) in pool.draw() {
            drawn.push((supplier.clone(), how, entrant));
        }
    }
    let details = read_details(&path, &metadata, drawn.iter().map(|(_, _, e)| e.item))?;
    let sample = drawn
        .into_iter()
        .zip(details)
        .map(|((supplier, how, entrant), details)| sampled(&supplier, how, entrant, details, inputs))
        .collect();
    Ok(Drawing { sample, populations })
}

/// Client, staff and services of the visits at `places`, in their order, from the row groups
/// that hold them.
fn read_details(path: &Path, metadata: &FileMetadata, places: impl Iterator<Item = Place>) -> Result<Vec<Details>> {
    let mut wanted: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    let mut count = 0;
    for (k, place) in places.enumerate() {
        wanted.entry(place.group).or_default().push((place.row, k));
        count = k + 1;
    }
    let columns: Vec<&str> = DETAIL_COLUMNS.iter().map(|c| c.name()).collect();
    let found = wanted
        .par_iter()
        .map(|(&group, rows)| -> Result<Vec<(usize, Details)>> {
            let df = read_row_groups(path, metadata, group..group + 1, &columns, ParallelStrategy::None)?;
            use VisitsColumn as V;
            let text = |c: VisitsColumn| strings(&df, c.name(), path);
            let (clients, staff, services) = (text(V::ClientId)?, text(V::StaffId)?, text(V::Services)?);
            let cell = |column: &StringChunked, row: usize| column.get(row).unwrap_or_default().to_string();
            Ok(rows
                .iter()
                .map(|&(row, k)| (k, Details { client_id: cell(clients, row), staff_id: cell(staff, row), services: cell(services, row) }))
                .collect())
        })
        .collect::<Result<Vec<_>>>()?;
    let mut details = vec![Details::default(); count];
    for (k, d) in found.into_iter().flatten() {
        details[k] = d;
    }
    Ok(details)
}

/// A drawn visit as `stickprov.csv` writes it.
fn sampled(supplier: &str, drawn: Drawn, e: Entrant<Place>, d: Details, inputs: &DrawInputs) -> SampledVisit {
    let bits = inputs.flags.get(&e.visit_id).copied().unwrap_or(0);
    let mut flags: Vec<Flag> = Flag::ALL.into_iter().filter(|f| bits & f.bit() != 0).collect();
    flags.sort_by_key(|f| f.name());
    let place = e.item;
    SampledVisit {
        supplier_id: supplier.to_string(),
        questioned: inputs.questioned.reason(&e.visit_id).map(|q| q.name().to_string()),
        visit_id: e.visit_id,
        drawn,
        check_in: local_time(place.check_in_ms.div_euclid(1000)),
        check_out: local_time(place.check_out_ms.div_euclid(1000)),
        seconds: (place.check_out_ms - place.check_in_ms) / 1000,
        staff_id: d.staff_id,
        client_id: d.client_id,
        services: d.services,
        flags,
        u: e.u,
        weight: e.weight,
    }
}

/// A visit's risk weight from its flags and whether it is questioned.
fn weight_of(inputs: &DrawInputs, visit_id: &str) -> f64 {
    let flags = inputs.flags.get(visit_id).map_or(0, |bits| bits.count_ones());
    risk_weight(flags, inputs.questioned.reason(visit_id).is_some())
}

/// The largest risk weight a visit can have: every flag, and questioned.
fn heaviest() -> f64 {
    risk_weight(Flag::ALL.len() as u32, true)
}

/// The population among one row group's rows, into a pool per supplier.
fn pool_rows(df: &DataFrame, group: usize, path: &Path, inputs: &DrawInputs, has_status: bool) -> Result<HashMap<String, Pool<Place>>> {
    use VisitsColumn as V;
    let (ids, suppliers) = (strings(df, V::VisitId.name(), path)?, strings(df, V::SupplierId.name(), path)?);
    let (check_in, check_out) = (millis(df, V::CheckInUtc.name(), path)?, millis(df, V::CheckOutUtc.name(), path)?);
    let rows = ids.iter().zip(suppliers.iter()).zip(check_in.iter()).zip(check_out.iter()).map(|(((id, s), i), o)| (id, s, i, o));
    if has_status {
        let performed = VisitStatus::Performed.as_str();
        let status = strings(df, V::Status.name(), path)?.iter().map(|s| s.is_none_or(|s| s == performed));
        Ok(pool_walk(rows.zip(status), group, inputs))
    } else {
        Ok(pool_walk(rows.zip(std::iter::repeat(true)), group, inputs))
    }
}

/// One visit's row as the first pass reads it: id, supplier, check-in and check-out in
/// milliseconds, and whether it was performed (a missing status counts as performed).
type PopulationRow<'a> = ((Option<&'a str>, Option<&'a str>, Option<i64>, Option<i64>), bool);

/// The walk of `pool_rows` over a row group's rows. A visit that cannot be drawn even with the
/// heaviest weight is counted without looking up its flags: most of a month's visits, once
/// the pools have filled.
fn pool_walk<'a>(rows: impl Iterator<Item = PopulationRow<'a>>, group: usize, inputs: &DrawInputs) -> HashMap<String, Pool<Place>> {
    let max_valid = inputs.max_valid_minutes;
    let heaviest = heaviest();
    let mut pools: HashMap<String, Pool<Place>> = HashMap::default();
    // The visits lie sorted by supplier: its pool is looked up, and the hash of the seed and
    // its id taken, when the supplier changes.
    let mut current: Option<(&str, SupplierHash, Pool<Place>)> = None;
    for (row, ((id, supplier, start, end), performed)) in rows.enumerate() {
        let (true, Some(id), Some(supplier), Some(start), Some(end)) = (performed, id, supplier, start, end) else {
            continue;
        };
        let seconds = (end - start).div_euclid(1000);
        let minutes = seconds as f64 / 60.0;
        if !(0.0..=max_valid).contains(&minutes) {
            continue;
        }
        if current.as_ref().is_none_or(|(s, _, _)| !same_text(s, supplier)) {
            if let Some((s, _, pool)) = current.take() {
                put_back(&mut pools, s, pool);
            }
            let pool = pools.remove(supplier).unwrap_or_else(|| Pool::new(inputs.size));
            current = Some((supplier, SupplierHash::new(&inputs.seed, supplier), pool));
        }
        let (_, hash, pool) = current.as_mut().expect("set above");
        let u = hash.random_number(id);
        if !pool.admits(id, u, heaviest) {
            pool.count();
            continue;
        }
        let weight = weight_of(inputs, id);
        if !pool.admits(id, u, weight) {
            pool.count();
            continue;
        }
        let place = Place { group, row, check_in_ms: start, check_out_ms: end };
        pool.add(Entrant { visit_id: id.to_string(), u, weight, item: place });
    }
    if let Some((s, _, pool)) = current {
        put_back(&mut pools, s, pool);
    }
    pools
}

/// Whether two texts are the same, first by where they lie: the rows of one supplier in a row
/// group share the dictionary's one copy of its id.
fn same_text(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

fn put_back(pools: &mut HashMap<String, Pool<Place>>, supplier: &str, pool: Pool<Place>) {
    match pools.get_mut(supplier) {
        Some(mine) => mine.merge(pool),
        None => {
            pools.insert(supplier.to_string(), pool);
        }
    }
}

/// Reads `columns` of a whole Parquet file.
fn read_columns(path: &Path, columns: &[&str]) -> Result<DataFrame> {
    let file = fs::File::open(path).with_context(|| format!("{} kan inte öppnas", path.display()))?;
    let reader = ParquetReader::new(file).with_columns(Some(columns.iter().map(|c| c.to_string()).collect()));
    reader.finish().map_err(|e| anyhow!("{} kan inte läsas: {e}", path.display()))
}

fn strings<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a StringChunked> {
    let column = df.column(name).map_err(|_| anyhow!("{} saknar kolumnen '{name}'", path.display()))?;
    column.str().map_err(|e| anyhow!("{}: kolumnen '{name}': {e}", path.display()))
}

fn millis(df: &DataFrame, name: &str, path: &Path) -> Result<Int64Chunked> {
    let column = df.column(name).map_err(|_| anyhow!("{} saknar kolumnen '{name}'", path.display()))?;
    let cast = column.cast(&DataType::Int64).map_err(|e| anyhow!("{}: kolumnen '{name}': {e}", path.display()))?;
    Ok(cast.i64().map_err(|e| anyhow!("{}: kolumnen '{name}': {e}", path.display()))?.clone())
}

/// The month's sample folder.
pub fn sample_dir(out: &Path, month: YearMonth) -> PathBuf {
    out.join(month.to_string()).join(SAMPLE_DIR)
}

/// Copies an earlier run's sample folder (`month_dir/stickprov/`, its files) into the new run's
/// staged folder `staged`, so that running the month again keeps the draw and the answers
/// (they record which clients were called). Whether there was one.
pub fn keep_sample(month_dir: &Path, staged: &Path) -> Result<bool> {
    let from = month_dir.join(SAMPLE_DIR);
    if !from.is_dir() {
        return Ok(false);
    }
    let to = staged.join(SAMPLE_DIR);
    fs::create_dir_all(&to).with_context(|| format!("{} kan inte skapas", to.display()))?;
    for entry in fs::read_dir(&from).with_context(|| format!("{} kan inte läsas", from.display()))? {
        let entry = entry.with_context(|| format!("{} kan inte läsas", from.display()))?;
        // Only the files the sample wrote and the officer saved there; a leftover staging
        // folder of a stopped run is not copied.
        if entry.file_type().is_ok_and(|t| t.is_file()) && !entry.file_name().to_string_lossy().starts_with('.') {
            let target = to.join(entry.file_name());
            fs::copy(entry.path(), &target)
                .with_context(|| format!("{} kan inte kopieras till {}", entry.path().display(), target.display()))?;
        }
    }
    Ok(true)
}

/// Writes `stickprov.csv` into `dir`.
pub fn write_sample_csv(dir: &Path, sample: &[SampledVisit]) -> Result<()> {
    write_csv(&dir.join(SAMPLE_CSV), sample, SampleColumn::name)
}

/// One visit of the stored sample, as the answers are checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSample {
    pub supplier_id: String,
    pub visit_id: String,
    pub drawn: Drawn,
}

/// The last draw stored for the month (`stickprov/stickprov.csv`), in file order.
pub fn read_sample(out: &Path, month: YearMonth) -> Result<Vec<StoredSample>> {
    let path = sample_dir(out, month).join(SAMPLE_CSV);
    if !path.is_file() {
        return Err(refused(format!(
            "inget stickprov är draget för {month} i {} ({} finns inte); dra det först med\n  tidkoll sample --month {month} --out {}",
            out.display(),
            path.display(),
            out.display()
        )));
    }
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("{} kan inte läsas", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{} kan inte läsas", path.display()))?.clone();
    let at = |c: SampleColumn| {
        headers.iter().position(|h| h == c.name()).ok_or_else(|| anyhow!("{} saknar kolumnen '{}'", path.display(), c.name()))
    };
    let (supplier_at, visit_at, drawn_at) = (at(SampleColumn::SupplierId)?, at(SampleColumn::VisitId)?, at(SampleColumn::Drawn)?);
    let mut rows = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{} kan inte läsas", path.display()))?;
        let drawn = Drawn::parse(&record[drawn_at])
            .ok_or_else(|| anyhow!("{} rad {}: okänt urval '{}' (risk eller random)", path.display(), k + 2, &record[drawn_at]))?;
        rows.push(StoredSample {
            supplier_id: stored_text(&record[supplier_at]).to_string(),
            visit_id: stored_text(&record[visit_at]).to_string(),
            drawn,
        });
    }
    Ok(rows)
}

/// Writes `svar.csv` into the month's sample folder, replacing an earlier one only once the
/// new one is complete.
pub fn write_answers_csv(out: &Path, month: YearMonth, rows: &[AnswerSummary]) -> Result<PathBuf> {
    let dir = sample_dir(out, month);
    let path = dir.join(ANSWERS_CSV);
    let partial = dir.join(format!(".{ANSWERS_CSV}.partial-{}", std::process::id()));
    write_csv(&partial, rows, AnswerColumn::name)?;
    fs::rename(&partial, &path).with_context(|| format!("{} kan inte skrivas", path.display()))?;
    Ok(path)
}

/// The month's answers (`stickprov/svar.csv`) when they have been read back; `None` when not.
pub fn read_answers(out: &Path, month: YearMonth) -> Result<Option<Vec<AnswerSummary>>> {
    let path = sample_dir(out, month).join(ANSWERS_CSV);
    if !path.is_file() {
        return Ok(None);
    }
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("{} kan inte läsas", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{} kan inte läsas", path.display()))?.clone();
    let at = |c: AnswerColumn| {
        headers.iter().position(|h| h == c.name()).ok_or_else(|| anyhow!("{} saknar kolumnen '{}'", path.display(), c.name()))
    };
    let columns: Vec<usize> = AnswerColumn::ALL.iter().map(|&c| at(c)).collect::<Result<_>>()?;
    let mut rows = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{} kan inte läsas", path.display()))?;
        let line = k + 2;
        let count = |c: AnswerColumn| -> Result<u32> {
            let text = &record[columns[c as usize]];
            text.parse().map_err(|_| anyhow!("{} rad {line}: '{text}' i kolumnen {} är inget antal", path.display(), c.name()))
        };
        let drawn_text = &record[columns[AnswerColumn::Drawn as usize]];
        let drawn = match drawn_text {
            "all" => None,
            other => Some(Drawn::parse(other).ok_or_else(|| anyhow!("{} rad {line}: okänt urval '{other}'", path.display()))?),
        };
        rows.push(AnswerSummary {
            supplier_id: stored_text(&record[columns[AnswerColumn::SupplierId as usize]]).to_string(),
            drawn,
            sampled: count(AnswerColumn::Sampled)?,
            answered: count(AnswerColumn::Answered)?,
            confirmed: count(AnswerColumn::Confirmed)?,
            partly: count(AnswerColumn::Partly)?,
            not_confirmed: count(AnswerColumn::NotConfirmed)?,
        });
    }
    Ok(Some(rows))
}

//! `visits.parquet`: the month's accepted visits, pseudonymised, written in row groups while
//! the figures are computed, sorted by supplier so that one supplier's visits are read
//! without the rest (`store::read::read_visits`).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use compact_str::CompactString;
use polars::prelude::*;
use polars_arrow::array::{Array, MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, TimeUnit as ArrowTimeUnit};
use polars_parquet::write::{
    array_to_columns, compress, fallible_streaming_iterator, CompressedPage, CompressionOptions, DynIter, DynStreamingIterator, Encoding,
    FileWriter, ParquetType, StatisticsOptions, Version, WriteOptions, ZstdLevel,
};
use rayon::prelude::*;

use super::dictionary::{dictionary, planned_minutes, services, ServiceKey};
use super::tables::{parquet_failure, Noting};
use crate::engine::groups::{ahead, Group, Groups};
use crate::model::{consecutive_order, split_key, Ids, Interner, Method, Visit, VisitStatus};

/// The order the visits are stored in: by supplier, client (their names as stored), check-in
/// and visit id. One supplier's visits lie together, and the order does not depend on the
/// order of the input rows or files. The month's client groups (`by_client`) are already in
/// check-in and visit id order; only the groups are put in the order of their names. The
/// registrations that are not performed visits (`others`, grouped by client apart) are merged
/// into their client's visits in the same order.
pub fn stored_order(visits: &[Visit], ids: &Ids, by_client: &Groups, others: &Groups) -> Vec<u32> {
    let suppliers = ids.suppliers.ranks();
    let clients = ids.clients.ranks();
    let rank = |g: &Group| {
        let (supplier, client) = split_key(g.key);
        (suppliers[supplier as usize], clients[client as usize])
    };
    let mut groups: Vec<(u32, u32, bool, &Group)> = by_client
        .groups
        .iter()
        .map(|g| (rank(g).0, rank(g).1, false, g))
        .chain(others.groups.iter().map(|g| (rank(g).0, rank(g).1, true, g)))
        .collect();
    groups.par_sort_unstable_by_key(|&(supplier, client, other, _)| (supplier, client, other));
    let mut order = Vec::with_capacity(visits.len());
    let mut k = 0;
    while k < groups.len() {
        let (supplier, client, other, g) = groups[k];
        let of = |other: bool, g: &Group| if other { others.visits(g) } else { by_client.visits(g) };
        match groups.get(k + 1) {
            Some(&(s, c, true, next)) if !other && (s, c) == (supplier, client) => {
                merge_in_order(visits, by_client.visits(g), others.visits(next), &mut order);
                k += 2;
            }
            _ => {
                order.extend_from_slice(of(other, g));
                k += 1;
            }
        }
    }
    order
}

/// Appends the visits of `a` and `b` (each in check-in and visit id order) in that order.
fn merge_in_order(visits: &[Visit], a: &[u32], b: &[u32], order: &mut Vec<u32>) {
    let key = |i: u32| (visits[i as usize].check_in, &visits[i as usize].visit_id);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if consecutive_order(key(a[i]), key(b[j])).is_le() {
            order.push(a[i]);
            i += 1;
        } else {
            order.push(b[j]);
            j += 1;
        }
    }
    order.extend_from_slice(&a[i..]);
    order.extend_from_slice(&b[j..]);
}

/// Declares the columns of `visits.parquet` in file order, one line each: the variant, the
/// column's name and polars type, and the batch list that holds it (`Batch`) with how a visit
/// gives its value. How the list becomes a column (`VisitsColumn::build`), whether it keeps
/// its bounds (`has_bounds`) and whether investigations read it back (`read_back`) are
/// exhaustive matches, so a new line does not compile until each is decided.
macro_rules! visits_columns {
    ($($variant:ident = $name:literal, $dtype:expr, $field:ident: $type:ty = |$v:ident| $take:expr;)*) => {
        /// A column of `visits.parquet`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum VisitsColumn {
            $($variant),*
        }

        impl VisitsColumn {
            /// Every column, in file order.
            pub const ALL: &'static [VisitsColumn] = &[$(VisitsColumn::$variant),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(VisitsColumn::$variant => $name),*
                }
            }

            /// The column's type as polars reads it back.
            fn dtype(self) -> DataType {
                match self {
                    $(VisitsColumn::$variant => $dtype),*
                }
            }
        }

        /// One batch of visits in stored order, a list per column of `visits.parquet`.
        struct Batch<'a> {
            $($field: Vec<$type>,)*
        }

        impl<'a> Batch<'a> {
            /// The visits `all[order[..]]`, each read once (they lie scattered: each is asked
            /// for ahead, `ahead`). What a list takes from a visit is a copy, not a reference
            /// into it: the columns are built after the whole batch is gathered, when its first
            /// visits have left the cache.
            fn gather(all: &'a [Visit], order: &[u32]) -> Batch<'a> {
                let n = order.len();
                let mut b = Batch { $($field: Vec::with_capacity(n),)* };
                for i in ahead(all, order) {
                    let visit = &all[i as usize];
                    $({
                        let $v = visit;
                        b.$field.push($take);
                    })*
                }
                b
            }
        }
    };
}

/// Milliseconds without a time zone: UTC instants, or the local wall-clock time.
const DATETIME: DataType = DataType::Datetime(TimeUnit::Milliseconds, None);

visits_columns! {
    VisitId = "visit_id", DataType::String, visit_id: CompactString = |v| v.visit_id.clone();
    SupplierId = "supplier_id", DataType::String, supplier: u32 = |v| v.supplier;
    ClientId = "client_id", DataType::String, client: u32 = |v| v.client;
    StaffId = "staff_id", DataType::String, staff: u32 = |v| v.staff;
    CheckInUtc = "check_in_utc", DATETIME, check_in: i64 = |v| v.check_in;
    CheckOutUtc = "check_out_utc", DATETIME, check_out: Option<i64> = |v| v.check_out;
    CheckInLocal = "check_in_local", DATETIME, local_ms: i64 = |v| v.local_in.and_utc().timestamp_millis();
    CheckInMethod = "check_in_method", DataType::String, in_method: Method = |v| v.in_method;
    CheckOutMethod = "check_out_method", DataType::String, out_method: Option<Method> = |v| v.out_method;
    Services = "services", DataType::String, services: ServiceKey<'a> = |v| ServiceKey::of(&v.services);
    PlannedMinutes = "planned_minutes", DataType::Float64, planned: Option<f64> = |v| v.planned_minutes;
    Status = "status", DataType::String, status: VisitStatus = |v| v.status;
}

/// The columns of `visits.parquet`, in order, as polars reads them back.
fn visits_schema() -> Schema {
    Schema::from_iter(VisitsColumn::ALL.iter().map(|c| Field::new(c.name().into(), c.dtype())))
}

impl VisitsColumn {
    /// The column's values in `b`, as written, and their encoding. The repeated names
    /// (supplier, client, staff, methods, services, status) are given as dictionaries of the
    /// interned ids, the planned minutes as a dictionary of their values (`planned_minutes`),
    /// the timestamps as the differences from one to the next packed to as few bits as they
    /// need (`DELTA_BINARY_PACKED`: in stored order a client's visits follow each other by
    /// hours, and times to the second are mostly distinct, which makes a dictionary as large as
    /// the values and slow to build); visit ids are all distinct and are written plain without
    /// polars first estimating how many distinct values they hold.
    fn build(self, b: &Batch, ids: &Ids) -> (Box<dyn Array>, Encoding) {
        let to_ms = |t: i64| t * 1000;
        let method_name = |code: u32| Method::ALL[code as usize].as_str();
        let names = |interned: &Interner, batch: &[u32]| {
            (dictionary(batch, interned.names.len(), |id| Some(*id), |id| interned.name(id)), Encoding::RleDictionary)
        };
        match self {
            VisitsColumn::VisitId => {
                let values = MutableBinaryViewArray::<str>::from_values_iter(b.visit_id.iter().map(CompactString::as_str));
                (Utf8ViewArray::from(values).boxed(), Encoding::Plain)
            }
            VisitsColumn::SupplierId => names(&ids.suppliers, &b.supplier),
            VisitsColumn::ClientId => names(&ids.clients, &b.client),
            VisitsColumn::StaffId => names(&ids.staff, &b.staff),
            VisitsColumn::CheckInUtc => (times(b.check_in.iter().map(|&t| Some(to_ms(t)))), Encoding::DeltaBinaryPacked),
            VisitsColumn::CheckOutUtc => (times(b.check_out.iter().map(|t| t.map(to_ms))), Encoding::DeltaBinaryPacked),
            VisitsColumn::CheckInLocal => (times(b.local_ms.iter().map(|&t| Some(t))), Encoding::DeltaBinaryPacked),
            VisitsColumn::CheckInMethod => {
                (dictionary(&b.in_method, Method::ALL.len(), |m| Some(*m as u32), method_name), Encoding::RleDictionary)
            }
            VisitsColumn::CheckOutMethod => {
                (dictionary(&b.out_method, Method::ALL.len(), |m| m.map(|m| m as u32), method_name), Encoding::RleDictionary)
            }
            VisitsColumn::Services => (services(&b.services, ids), Encoding::RleDictionary),
            VisitsColumn::PlannedMinutes => (planned_minutes(b.planned.iter().copied()), Encoding::RleDictionary),
            VisitsColumn::Status => {
                let status_name = |code: u32| VisitStatus::ALL[code as usize].as_str();
                (dictionary(&b.status, VisitStatus::ALL.len(), |s| Some(*s as u32), status_name), Encoding::RleDictionary)
            }
        }
    }

    /// Whether the column's chunks carry their minimum and maximum. The visit ids get none:
    /// all distinct and in no order, their bounds would skip nothing, and finding them
    /// compares every id (a large share of this table's CPU).
    fn has_bounds(self) -> bool {
        match self {
            VisitsColumn::VisitId => false,
            VisitsColumn::SupplierId
            | VisitsColumn::ClientId
            | VisitsColumn::StaffId
            | VisitsColumn::CheckInUtc
            | VisitsColumn::CheckOutUtc
            | VisitsColumn::CheckInLocal
            | VisitsColumn::CheckInMethod
            | VisitsColumn::CheckOutMethod
            | VisitsColumn::Services
            | VisitsColumn::PlannedMinutes
            | VisitsColumn::Status => true,
        }
    }

    /// Whether an investigation reads the column back (`store::read::read_visits`): the
    /// reader's projection.
    pub fn read_back(self) -> bool {
        match self {
            VisitsColumn::VisitId
            | VisitsColumn::SupplierId
            | VisitsColumn::ClientId
            | VisitsColumn::StaffId
            | VisitsColumn::CheckInUtc
            | VisitsColumn::CheckOutUtc
            | VisitsColumn::CheckInLocal
            | VisitsColumn::Status => true,
            VisitsColumn::CheckInMethod | VisitsColumn::CheckOutMethod | VisitsColumn::Services | VisitsColumn::PlannedMinutes => false,
        }
    }
}

/// Timestamps in milliseconds as polars stores `Datetime(ms)`, missing where `None`.
fn times(values: impl Iterator<Item = Option<i64>>) -> Box<dyn Array> {
    PrimitiveArray::<i64>::from_iter(values).to(ArrowDataType::Timestamp(ArrowTimeUnit::Millisecond, None)).boxed()
}

/// The pages of one row group of `visits.parquet`: the visits `all[order[..]]`, pseudonymised,
/// each column built (`VisitsColumn::build`), encoded and compressed on its own thread.
fn row_group(
    all: &[Visit],
    order: &[u32],
    ids: &Ids,
    types: &[ParquetType],
    options: WriteOptions,
) -> PolarsResult<Vec<Vec<CompressedPage>>> {
    // The batch's visits are taken apart once, in stored order, into one list per column:
    // each column is then built from its own list, a few hundred kilobytes, and no batch
    // copies the visits whole.
    let batch = Batch::gather(all, order);
    let without_bounds =
        WriteOptions { statistics: StatisticsOptions { min_value: false, max_value: false, ..options.statistics }, ..options };
    VisitsColumn::ALL
        .par_iter()
        .zip(types)
        .map(|(column, type_)| {
            let (array, encoding) = column.build(&batch, ids);
            let options = if column.has_bounds() { options } else { without_bounds };
            // Differences packed to as few bits as they need leave zstd a tenth of the size to
            // find (a municipality's month: 213 MB against 194 MB), for 0.4 s more of the
            // table: those pages are stored uncompressed.
            let options = match encoding {
                Encoding::DeltaBinaryPacked => WriteOptions { compression: CompressionOptions::Uncompressed, ..options },
                _ => options,
            };
            let mut pages = Vec::new();
            for column in array_to_columns(array, type_.clone(), options, &[encoding])? {
                for page in column {
                    pages.push(compress(page?, Vec::new(), options.compression)?);
                }
            }
            Ok(pages)
        })
        .collect()
}

/// Rows per batch of `visits.parquet`: the table is built and written a slice at a time so
/// that a month never holds a second copy of its visits as columns. Small batches reuse the
/// memory of the one before (fresh memory is what costs on a virtual machine), at the price
/// of a somewhat larger file (docs/PERFORMANCE.md).
const VISIT_BATCH: usize = 128 * 1024;

/// `visits.parquet` in `dir`, in stored order (`stored_order`; `by_client` are the month's
/// performed visits grouped by client, `others` the other registrations) and in row groups of
/// `VISIT_BATCH` visits. It needs only the visits, so a monthly run writes it while the
/// figures are computed.
pub fn write_visits_table(dir: &Path, visits: &[Visit], ids: &Ids, by_client: &Groups, others: &Groups) -> Result<()> {
    write_visits_in_batches(dir, visits, ids, by_client, others, VISIT_BATCH)
}

fn write_visits_in_batches(dir: &Path, visits: &[Visit], ids: &Ids, by_client: &Groups, others: &Groups, batch: usize) -> Result<()> {
    let path = &dir.join("visits.parquet");
    let file = fs::File::create(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    let noted = std::sync::OnceLock::new();
    let polars_error = |e: PolarsError| parquet_failure(path, e, &noted);
    let order = stored_order(visits, ids, by_client, others);
    let options = WriteOptions {
        // Min and max per row group: a reader of one supplier skips the row groups whose
        // supplier_id range leaves it out. Whole values (no truncation), so the bounds are
        // exact.
        statistics: StatisticsOptions { binary_statistics_truncate_length: Some(0), ..StatisticsOptions::default() },
        // zstd level 1: faster than the default level for a slightly larger file.
        compression: CompressionOptions::Zstd(Some(ZstdLevel::try_new(1).map_err(polars_error)?)),
        version: Version::V1,
        data_page_size: None,
    };
    let mut writer =
        FileWriter::try_new(Noting { file: &file, first_error: &noted }, visits_schema().to_arrow(CompatLevel::newest()), options)
            .map_err(polars_error)?;
    let types: Vec<ParquetType> = writer.parquet_schema().fields().to_vec();
    let mut write = |rows: usize, pages: Vec<Vec<CompressedPage>>| {
        let columns = pages.iter().map(|column| Ok(DynStreamingIterator::new(fallible_streaming_iterator::convert(column.iter().map(Ok)))));
        writer.write(rows as u64, DynIter::new(columns))
    };
    // Each row group is written while the next one is built; a month without visits is a
    // table without rows.
    let mut slices = order.chunks(batch);
    let mut pending = slices.next().map(|slice| (slice.len(), row_group(visits, slice, ids, &types, options)));
    while let Some((rows, pages)) = pending {
        let pages = pages.map_err(polars_error)?;
        let (written, next) =
            rayon::join(|| write(rows, pages), || slices.next().map(|slice| (slice.len(), row_group(visits, slice, ids, &types, options))));
        written.map_err(polars_error)?;
        pending = next;
    }
    writer.end(None).map_err(polars_error)?;
    file.sync_all().with_context(|| format!("{} kan inte skrivas", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Method, Services, YearMonth};
    use crate::store::read;

    fn visit(ids: &mut Ids, id: &str, supplier: &str, client: &str, hour: i64, out: bool) -> Visit {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap().and_hms_opt(8, 0, 0).unwrap();
        Visit {
            visit_id: id.into(),
            supplier: ids.suppliers.intern(supplier),
            client: ids.clients.intern(client),
            staff: ids.staff.intern("P1"),
            check_in: start.and_utc().timestamp() + 3600 * hour,
            check_out: out.then(|| start.and_utc().timestamp() + 3600 * hour + 1800),
            local_in: start + chrono::Duration::hours(hour),
            in_method: Method::Nfc,
            out_method: Some(Method::Nfc),
            services: Services::new(),
            planned_minutes: Some(30.0),
            area: crate::model::NO_AREA,
            manual_reason: None,
            status: crate::model::VisitStatus::Performed,
            file: 0,
        }
    }

    #[test]
    fn the_visits_table_has_the_columns_docs_beyond_one_machine_describes() {
        let ms = DataType::Datetime(TimeUnit::Milliseconds, None);
        let expected = [
            ("visit_id", DataType::String),
            ("supplier_id", DataType::String),
            ("client_id", DataType::String),
            ("staff_id", DataType::String),
            ("check_in_utc", ms.clone()),
            ("check_out_utc", ms.clone()),
            ("check_in_local", ms),
            ("check_in_method", DataType::String),
            ("check_out_method", DataType::String),
            ("services", DataType::String),
            ("planned_minutes", DataType::Float64),
            ("status", DataType::String),
        ];
        let schema = visits_schema();
        let columns: Vec<(&str, DataType)> = schema.iter().map(|(name, dtype)| (name.as_str(), dtype.clone())).collect();
        assert_eq!(columns, expected);
        let read: Vec<&str> = VisitsColumn::ALL.iter().filter(|c| c.read_back()).map(|c| c.name()).collect();
        assert_eq!(
            read,
            ["visit_id", "supplier_id", "client_id", "staff_id", "check_in_utc", "check_out_utc", "check_in_local", "status"],
            "what an investigation reads"
        );
        let bounded: Vec<&str> = VisitsColumn::ALL.iter().filter(|c| !c.has_bounds()).map(|c| c.name()).collect();
        assert_eq!(bounded, ["visit_id"]);
    }

    #[test]
    fn the_timestamps_are_stored_uncompressed_and_every_other_column_with_zstd() {
        let mut ids = Ids::default();
        let visits: Vec<Visit> =
            (0..6i64).map(|i| visit(&mut ids, &format!("v{i}"), "S1", ["K1", "K2"][i as usize % 2], i, i != 3)).collect();
        let out = tempfile::tempdir().unwrap();
        write_visits_in_batches(out.path(), &visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default(), 4).unwrap();
        let mut file = fs::File::open(out.path().join("visits.parquet")).unwrap();
        let metadata = polars_parquet::read::read_metadata(&mut file).unwrap();
        assert_eq!(metadata.row_groups.len(), 2);
        for group in &metadata.row_groups {
            let codecs: Vec<(&str, bool)> = VisitsColumn::ALL
                .iter()
                .map(|c| {
                    let chunk = group.columns_under_root_iter(c.name()).unwrap().next().unwrap();
                    (c.name(), chunk.compression() == polars_parquet::parquet::compression::Compression::Uncompressed)
                })
                .collect();
            let uncompressed: Vec<&str> = codecs.iter().filter(|(_, raw)| *raw).map(|(name, _)| *name).collect();
            assert_eq!(uncompressed, ["check_in_utc", "check_out_utc", "check_in_local"]);
        }
    }

    #[test]
    fn the_visits_table_keeps_every_visit_sorted_by_client_and_check_in_over_many_batches() {
        let mut ids = Ids::default();
        // Interned in another order than their names sort in.
        let visits: Vec<Visit> = (0..10i64)
            .map(|i| {
                let supplier = if i == 4 { "S2" } else { "S1" };
                visit(&mut ids, &format!("v{i}"), supplier, ["K2", "K0", "K1"][i as usize % 3], 9 - i, i % 4 != 1)
            })
            .collect();
        let out = tempfile::tempdir().unwrap();
        let month: YearMonth = "2025-03".parse().unwrap();
        let dir = out.path().join(month.to_string());
        fs::create_dir_all(&dir).unwrap();
        // S1's visits by client, then check-in (hour 9 - i): K0 has v7 (hour 2) and v1 (8); K1
        // has v8 (1), v5 (4) and v2 (7); K2 has v9 (0), v6 (3), v3 (6) and v0 (9).
        let expected = ["v7", "v1", "v8", "v5", "v2", "v9", "v6", "v3", "v0"];
        // The same with v5 declined and v9 cancelled, placed after the performed visits as a
        // month places them: merged back into their clients' visits in check-in order.
        let mut with_status = visits.clone();
        with_status[5].status = VisitStatus::Declined;
        with_status[9].status = VisitStatus::Cancelled;
        with_status.sort_by_key(|v| !v.is_performed());
        let grouped = crate::engine::groups::MonthGroups::new(&with_status, 8);
        for batch in [1, 3, 10, 64] {
            write_visits_in_batches(&dir, &visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default(), batch).unwrap();
            let stored = read::read_visits(out.path(), month, "S1").unwrap();
            assert_eq!(stored.iter().map(|v| v.visit_id.as_str()).collect::<Vec<_>>(), expected, "batches of {batch}");
            assert!(stored.iter().all(|v| v.status == VisitStatus::Performed));
            write_visits_in_batches(&dir, &with_status, &ids, &grouped.clients, &grouped.others, batch).unwrap();
            let stored = read::read_visits(out.path(), month, "S1").unwrap();
            assert_eq!(stored.iter().map(|v| v.visit_id.as_str()).collect::<Vec<_>>(), expected, "batches of {batch}, with statuses");
            let status = |id: &str| stored.iter().find(|v| v.visit_id == id).unwrap().status;
            assert_eq!((status("v5"), status("v9"), status("v8")), (VisitStatus::Declined, VisitStatus::Cancelled, VisitStatus::Performed));
            write_visits_in_batches(&dir, &visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default(), batch).unwrap();
            let v1 = stored.iter().find(|v| v.visit_id == "v1").unwrap();
            assert_eq!((v1.client_id.as_str(), v1.check_out_ms), ("K0", None), "v1 was not checked out");
            let v0 = stored.iter().find(|v| v.visit_id == "v0").unwrap();
            assert_eq!(v0.check_out_ms, Some(v0.check_in_ms + 1_800_000));
            assert_eq!(read::read_visits(out.path(), month, "S2").unwrap().len(), 1, "batches of {batch}");
        }
        write_visits_in_batches(&dir, &[], &ids, &Groups::default(), &Groups::default(), 3).unwrap();
        assert!(read::read_visits(out.path(), month, "S1").unwrap().is_empty(), "an empty month is a table without rows");
    }

    #[test]
    fn every_column_reads_back_as_the_visits_hold_it_whatever_the_batches() {
        let mut ids = Ids::default();
        let (bath, meal) = (ids.services.intern("bad"), ids.services.intern("mat"));
        let methods = [Method::Nfc, Method::Manual, Method::Lock, Method::Mobile];
        let visits: Vec<Visit> = (0..12i64)
            .map(|i| {
                let mut v =
                    visit(&mut ids, &format!("v{i:02}"), ["S2", "S1"][i as usize % 2], ["K9", "K3", "K5"][i as usize % 3], i, i % 5 != 2);
                v.staff = ids.staff.intern(["P2", "P1", "P3", "P4"][i as usize % 4]);
                v.in_method = methods[i as usize % 4];
                v.out_method = v.check_out.map(|_| methods[(i as usize + 1) % 4]);
                v.services = [Services::new(), Services::from_slice(&[meal, bath]), Services::from_slice(&[meal])][i as usize % 3].clone();
                v.planned_minutes = (i % 4 != 3).then_some(15.0 * i as f64);
                v.status = VisitStatus::ALL[i as usize % VisitStatus::ALL.len()];
                v
            })
            .collect();
        let out = tempfile::tempdir().unwrap();
        for batch in [1, 5, 64] {
            write_visits_in_batches(out.path(), &visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default(), batch).unwrap();
            let frame = ParquetReader::new(fs::File::open(out.path().join("visits.parquet")).unwrap()).finish().unwrap();
            assert_eq!(**frame.schema(), visits_schema(), "batches of {batch}");
            let text = |name: &str| -> Vec<Option<String>> {
                frame.column(name).unwrap().str().unwrap().iter().map(|s| s.map(str::to_string)).collect()
            };
            let stamps = |name: &str| -> Vec<Option<i64>> {
                frame.column(name).unwrap().cast(&DataType::Int64).unwrap().i64().unwrap().iter().collect()
            };
            let stored: Vec<&Visit> =
                text("visit_id").iter().map(|id| visits.iter().find(|v| Some(v.visit_id.as_str()) == id.as_deref()).unwrap()).collect();
            assert_eq!(stored.len(), visits.len());
            let owned = |s: &str| Some(s.to_string());
            assert_eq!(text("supplier_id"), stored.iter().map(|v| owned(ids.suppliers.name(v.supplier))).collect::<Vec<_>>());
            assert_eq!(text("client_id"), stored.iter().map(|v| owned(ids.clients.name(v.client))).collect::<Vec<_>>());
            assert_eq!(text("staff_id"), stored.iter().map(|v| owned(ids.staff.name(v.staff))).collect::<Vec<_>>());
            assert_eq!(stamps("check_in_utc"), stored.iter().map(|v| Some(v.check_in * 1000)).collect::<Vec<_>>());
            assert_eq!(stamps("check_out_utc"), stored.iter().map(|v| v.check_out.map(|t| t * 1000)).collect::<Vec<_>>());
            assert_eq!(stamps("check_in_local"), stored.iter().map(|v| Some(v.local_in.and_utc().timestamp_millis())).collect::<Vec<_>>());
            assert_eq!(text("check_in_method"), stored.iter().map(|v| owned(v.in_method.as_str())).collect::<Vec<_>>());
            assert_eq!(text("check_out_method"), stored.iter().map(|v| v.out_method.map(|m| m.as_str().to_string())).collect::<Vec<_>>());
            let services = |v: &Visit| owned(["", "bad|mat", "mat"][v.visit_id[1..].parse::<usize>().unwrap() % 3]);
            assert_eq!(text("services"), stored.iter().map(|v| services(v)).collect::<Vec<_>>(), "names sorted, joined by |");
            let planned: Vec<Option<f64>> = frame.column("planned_minutes").unwrap().f64().unwrap().iter().collect();
            assert_eq!(planned, stored.iter().map(|v| v.planned_minutes).collect::<Vec<_>>());
            assert_eq!(text("status"), stored.iter().map(|v| owned(v.status.as_str())).collect::<Vec<_>>());
            assert_eq!(stored.iter().filter(|v| v.check_out.is_none()).count(), 2, "v02 and v07 are missing a check-out");
        }
    }

    #[test]
    fn the_sample_takes_each_drawn_visits_details_from_its_own_row_group() {
        use crate::store::sample::{draw_month, DrawInputs, QuestionedVisits};
        let mut ids = Ids::default();
        let names = ["Ek", "Al", "Bok"];
        let visits: Vec<Visit> = (0..36i64)
            .map(|i| {
                let mut v = visit(&mut ids, &format!("v{i:02}"), names[i as usize % 3], &format!("K{i:02}"), i, true);
                v.staff = ids.staff.intern(&format!("P{i:02}"));
                v
            })
            .collect();
        let inputs = DrawInputs {
            seed: "2025-03".into(),
            size: 4,
            max_valid_minutes: 480.0,
            flags: Default::default(),
            questioned: QuestionedVisits::NotStored,
        };
        let mut draws = Vec::new();
        for batch in [5, 1000] {
            let out = tempfile::tempdir().unwrap();
            write_visits_in_batches(out.path(), &visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default(), batch).unwrap();
            draws.push(draw_month(out.path(), &inputs).unwrap());
        }
        let (groups, whole) = (&draws[0], &draws[1]);
        assert_eq!(groups.sample.len(), 12, "4 of each supplier's 12 visits");
        assert_eq!(groups.populations.values().copied().collect::<Vec<_>>(), [12, 12, 12]);
        for (a, b) in groups.sample.iter().zip(&whole.sample) {
            assert_eq!((&a.visit_id, &a.client_id, &a.staff_id), (&b.visit_id, &b.client_id, &b.staff_id));
            let n = &a.visit_id[1..];
            assert_eq!((a.client_id.as_str(), a.staff_id.as_str()), (format!("K{n}").as_str(), format!("P{n}").as_str()), "{}", a.visit_id);
            let hour: i64 = n.parse().unwrap();
            assert_eq!(
                a.check_in,
                chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap().and_hms_opt(8, 0, 0).unwrap()
                    + chrono::Duration::hours(hour)
                    + chrono::Duration::hours(1),
                "{}: local time (CET)",
                a.visit_id
            );
        }
    }

    #[test]
    fn one_supplier_is_read_from_its_own_row_groups_only() {
        let mut ids = Ids::default();
        // Five suppliers of 7 visits each, given in an order that is not the names' order.
        let names = ["Ek", "Al", "Bok", "Ask", "Lind"];
        let visits: Vec<Visit> = (0..35i64).map(|i| visit(&mut ids, &format!("v{i:02}"), names[i as usize % 5], "K1", i, true)).collect();
        let out = tempfile::tempdir().unwrap();
        let month: YearMonth = "2025-03".parse().unwrap();
        let dir = out.path().join(month.to_string());
        fs::create_dir_all(&dir).unwrap();
        write_visits_in_batches(&dir, &visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default(), 5).unwrap();
        let path = dir.join("visits.parquet");
        let mut reader = ParquetReader::new(fs::File::open(&path).unwrap());
        let metadata = reader.get_metadata().unwrap().clone();
        assert_eq!(metadata.row_groups.len(), 7);
        // Every column but the visit ids has its bounds in every row group.
        use polars_parquet::parquet::statistics::Statistics;
        for group in &metadata.row_groups {
            for field in visits_schema().iter_names() {
                let chunk = group.columns_under_root_iter(field).and_then(|mut c| c.next()).unwrap();
                let bounds = match chunk.statistics(&metadata.footer_buf) {
                    Some(Ok(Statistics::Binary(s))) => s.min_value.is_some() && s.max_value.is_some(),
                    Some(Ok(Statistics::Int64(s))) => s.min_value.is_some() && s.max_value.is_some(),
                    Some(Ok(Statistics::Double(s))) => s.min_value.is_some() && s.max_value.is_some(),
                    other => panic!("{field}: {other:?}"),
                };
                assert_eq!(bounds, field.as_str() != "visit_id", "{field}");
            }
        }
        // Stored by name: Al 0..7, Ask 7..14, Bok 14..21, Ek 21..28, Lind 28..35; groups of 5.
        assert_eq!(read::supplier_groups(&metadata, "Al"), 0..2, "groups 0-1");
        assert_eq!(read::supplier_groups(&metadata, "Ask"), 1..3, "groups 1-2");
        assert_eq!(read::supplier_groups(&metadata, "Bok"), 2..5, "groups 2-4");
        assert_eq!(read::supplier_groups(&metadata, "Lind"), 5..7, "groups 5-6");
        assert_eq!(read::supplier_groups(&metadata, "Björk"), 2..3, "only the group Björk would sort into");
        assert_eq!(read::supplier_groups(&metadata, "Aa"), 0..0, "before every group");
        assert!(read::read_visits(out.path(), month, "Aa").unwrap().is_empty());
        for name in names {
            let stored = read::read_visits(out.path(), month, name).unwrap();
            let mut expected: Vec<String> =
                visits.iter().filter(|v| ids.suppliers.name(v.supplier) == name).map(|v| v.visit_id.to_string()).collect();
            expected.sort();
            assert_eq!(stored.iter().map(|v| v.visit_id.clone()).collect::<Vec<_>>(), expected, "{name}");
        }
    }

    #[test]
    fn the_stored_order_does_not_depend_on_the_input_order() {
        let mut ids = Ids::default();
        let mut visits: Vec<Visit> = (0..40i64)
            .map(|i| {
                visit(&mut ids, &format!("v{i:02}"), ["B", "A", "C"][i as usize % 3], ["K3", "K1", "K2"][i as usize % 7 % 3], i % 5, true)
            })
            .collect();
        let names =
            |visits: &[Visit], order: &[u32]| -> Vec<String> { order.iter().map(|&i| visits[i as usize].visit_id.to_string()).collect() };
        let first = names(&visits, &stored_order(&visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default()));
        visits.reverse();
        visits.rotate_left(13);
        assert_eq!(names(&visits, &stored_order(&visits, &ids, &Groups::by(&visits, |v| v.client), &Groups::default())), first);
        let keys: Vec<(&str, &str, i64, &str)> = first
            .iter()
            .map(|id| visits.iter().find(|v| v.visit_id.as_str() == id).unwrap())
            .map(|v| (ids.suppliers.name(v.supplier), ids.clients.name(v.client), v.check_in, v.visit_id.as_str()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by supplier, client, check-in, visit id: {keys:?}");
    }
}

//! `visits.parquet`: the month's accepted visits, pseudonymised, written in row groups while
//! the figures are computed, sorted by supplier so that one supplier's visits are read
//! without the rest (`store::read::read_visits`).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use polars_parquet::write::ZstdLevel;
use rayon::prelude::*;

use super::tables::frame;
use crate::model::by_supplier::sorted_by_supplier;
use crate::model::hash::HashMap;
use crate::model::{Ids, Interner, Visit};

/// Each id's place among the names sorted.
fn name_ranks(names: &Interner) -> Vec<u32> {
    let mut by_name: Vec<u32> = (0..names.names.len() as u32).collect();
    by_name.sort_unstable_by(|a, b| names.name(*a).cmp(names.name(*b)).then(a.cmp(b)));
    let mut rank = vec![0; by_name.len()];
    for (place, id) in by_name.into_iter().enumerate() {
        rank[id as usize] = place as u32;
    }
    rank
}

/// The order the visits are stored in: by supplier, client (their names as stored), check-in
/// and visit id. One supplier's visits lie together, and the order does not depend on the
/// order of the input rows or files. Sorted supplier by supplier (`sorted_by_supplier`): one
/// `u32` per visit beside the visits.
pub fn stored_order(visits: &[Visit], ids: &Ids) -> Vec<u32> {
    let suppliers = name_ranks(&ids.suppliers);
    let clients = name_ranks(&ids.clients);
    let key = |i: u32| {
        let v = &visits[i as usize];
        (suppliers[v.supplier as usize], clients[v.client as usize], v.check_in, &v.visit_id)
    };
    sorted_by_supplier(0..visits.len() as u32, |&i| suppliers[visits[i as usize].supplier as usize], |&a, &b| key(a).cmp(&key(b)))
}

/// The month's accepted visits `visits[order[..]]`, pseudonymised, for drill-down by later
/// commands.
fn visits_frame(all: &[Visit], order: &[u32], ids: &Ids) -> Result<DataFrame> {
    // The batch's visits are copied together once, in stored order: each column is then one
    // pass over consecutive memory, where reaching into the month's visits in stored order
    // missed the cache on nearly every visit, once per column.
    let visits: Vec<Visit> = order.iter().map(|&i| all[i as usize].clone()).collect();
    let visits = visits.as_slice();
    type Build<'a> = Box<dyn Fn() -> PolarsResult<Column> + Send + Sync + 'a>;
    let datetime = |c: Column| c.cast(&DataType::Datetime(TimeUnit::Milliseconds, None));
    let to_ms = |t: i64| t * 1000;
    // The columns are built on all threads; each is one pass over the slice.
    let columns: Vec<Build> = vec![
        Box::new(|| Ok(Column::new("visit_id".into(), visits.iter().map(|v| v.visit_id.as_str()).collect::<Vec<_>>()))),
        Box::new(|| Ok(Column::new("supplier_id".into(), visits.iter().map(|v| ids.suppliers.name(v.supplier)).collect::<Vec<_>>()))),
        Box::new(|| Ok(Column::new("client_id".into(), visits.iter().map(|v| ids.clients.name(v.client)).collect::<Vec<_>>()))),
        Box::new(|| Ok(Column::new("staff_id".into(), visits.iter().map(|v| ids.staff.name(v.staff)).collect::<Vec<_>>()))),
        Box::new(move || datetime(Column::new("check_in_utc".into(), visits.iter().map(|v| to_ms(v.check_in)).collect::<Vec<_>>()))),
        Box::new(move || datetime(Column::new("check_out_utc".into(), visits.iter().map(|v| v.check_out.map(to_ms)).collect::<Vec<_>>()))),
        Box::new(move || {
            datetime(Column::new(
                "check_in_local".into(),
                visits.iter().map(|v| v.local_in.and_utc().timestamp_millis()).collect::<Vec<_>>(),
            ))
        }),
        Box::new(|| Ok(Column::new("check_in_method".into(), visits.iter().map(|v| v.in_method.as_str()).collect::<Vec<_>>()))),
        Box::new(|| {
            Ok(Column::new("check_out_method".into(), visits.iter().map(|v| v.out_method.map(|m| m.as_str())).collect::<Vec<_>>()))
        }),
        Box::new(|| {
            // Few distinct combinations: each is joined once, its names sorted (ids are
            // numbered in order of first appearance in the input).
            let mut joined: HashMap<&[u32], String> = HashMap::default();
            for v in visits {
                joined.entry(&v.services).or_insert_with(|| {
                    let mut names: Vec<&str> = v.services.iter().map(|s| ids.services.name(*s)).collect();
                    names.sort_unstable();
                    names.join("|")
                });
            }
            Ok(Column::new("services".into(), visits.iter().map(|v| joined[&*v.services].as_str()).collect::<Vec<_>>()))
        }),
        Box::new(|| Ok(Column::new("planned_minutes".into(), visits.iter().map(|v| v.planned_minutes).collect::<Vec<_>>()))),
    ];
    let columns: Vec<Column> = columns
        .par_iter()
        .map(|build| build())
        .collect::<PolarsResult<_>>()
        .map_err(|e| anyhow::anyhow!("building the visits table: {e}"))?;
    frame(columns)
}

/// Rows per batch of `visits.parquet`: the table is built and written a slice at a time so
/// that a month never holds a second copy of its visits as columns. Small batches reuse the
/// memory of the one before (fresh memory is what costs on a virtual machine: 1 M visits
/// peak at 245 MB instead of 330 MB with 512 Ki rows); the file is about 15 % larger.
const VISIT_BATCH: usize = 128 * 1024;

/// `visits.parquet` in `dir`, in stored order (`stored_order`) and in row groups of
/// `VISIT_BATCH` visits. It needs only the visits, so a monthly run writes it while the
/// figures are computed.
pub fn write_visits_table(dir: &Path, visits: &[Visit], ids: &Ids) -> Result<()> {
    write_visits_in_batches(dir, visits, ids, VISIT_BATCH)
}

fn write_visits_in_batches(dir: &Path, visits: &[Visit], ids: &Ids, batch: usize) -> Result<()> {
    let path = &dir.join("visits.parquet");
    let file = fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let polars_error = |e: PolarsError| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let order = stored_order(visits, ids);
    let mut slices = order.chunks(batch);
    let mut frame = visits_frame(visits, slices.next().unwrap_or(&[]), ids)?;
    // Min and max per row group: a reader of one supplier skips the row groups whose
    // supplier_id range leaves it out. Whole values (no truncation), so the bounds are exact.
    let options = StatisticsOptions { binary_statistics_truncate_length: Some(0), ..StatisticsOptions::default() };
    // zstd level 1 instead of 3: a tenth less time for this table, 7 % larger.
    let fast = ZstdLevel::try_new(1).map_err(polars_error)?;
    let mut writer = ParquetWriter::new(&file)
        .with_compression(ParquetCompression::Zstd(Some(fast)))
        .with_statistics(options)
        .batched(frame.schema())
        .map_err(polars_error)?;
    // Each batch is compressed and written while the next one's columns are built.
    loop {
        let (written, next) = rayon::join(|| writer.write_batch(&frame), || slices.next().map(|slice| visits_frame(visits, slice, ids)));
        written.map_err(polars_error)?;
        match next {
            Some(next) => frame = next?,
            None => break,
        }
    }
    writer.finish().map_err(polars_error)?;
    file.sync_all().with_context(|| format!("cannot write {}", path.display()))
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
            file: 0,
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
        for batch in [1, 3, 10, 64] {
            write_visits_in_batches(&dir, &visits, &ids, batch).unwrap();
            let stored = read::read_visits(out.path(), month, "S1").unwrap();
            assert_eq!(stored.iter().map(|v| v.visit_id.as_str()).collect::<Vec<_>>(), expected, "batches of {batch}");
            let v1 = stored.iter().find(|v| v.visit_id == "v1").unwrap();
            assert_eq!((v1.client_id.as_str(), v1.check_out_ms), ("K0", None), "v1 was not checked out");
            let v0 = stored.iter().find(|v| v.visit_id == "v0").unwrap();
            assert_eq!(v0.check_out_ms, Some(v0.check_in_ms + 1_800_000));
            assert_eq!(read::read_visits(out.path(), month, "S2").unwrap().len(), 1, "batches of {batch}");
        }
        write_visits_in_batches(&dir, &[], &ids, 3).unwrap();
        assert!(read::read_visits(out.path(), month, "S1").unwrap().is_empty(), "an empty month is a table without rows");
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
        write_visits_in_batches(&dir, &visits, &ids, 5).unwrap();
        let path = dir.join("visits.parquet");
        let mut reader = ParquetReader::new(fs::File::open(&path).unwrap());
        let metadata = reader.get_metadata().unwrap().clone();
        assert_eq!(metadata.row_groups.len(), 7);
        // Stored by name: Al 0..7, Ask 7..14, Bok 14..21, Ek 21..28, Lind 28..35; groups of 5.
        assert_eq!(read::supplier_rows(&metadata, "Al"), (0, 10), "groups 0-1");
        assert_eq!(read::supplier_rows(&metadata, "Ask"), (5, 10), "groups 1-2");
        assert_eq!(read::supplier_rows(&metadata, "Bok"), (10, 15), "groups 2-4");
        assert_eq!(read::supplier_rows(&metadata, "Lind"), (25, 10), "groups 5-6");
        assert_eq!(read::supplier_rows(&metadata, "Björk"), (10, 5), "only the group Björk would sort into");
        assert_eq!(read::supplier_rows(&metadata, "Aa"), (0, 0), "before every group");
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
        let first = names(&visits, &stored_order(&visits, &ids));
        visits.reverse();
        visits.rotate_left(13);
        assert_eq!(names(&visits, &stored_order(&visits, &ids)), first);
        let keys: Vec<(&str, &str, i64, &str)> = first
            .iter()
            .map(|id| visits.iter().find(|v| v.visit_id.as_str() == id).unwrap())
            .map(|v| (ids.suppliers.name(v.supplier), ids.clients.name(v.client), v.check_in, v.visit_id.as_str()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by supplier, client, check-in, visit id: {keys:?}");
    }
}

//! Stage benchmarks of a monthly run on generated data, with divan: read (all three inputs),
//! the flag pass alone at 1 and 2 threads, the whole analysis (figures, flags, drill-down,
//! evidence) at 1 and 2 threads, and write (every table of the month).
//!
//! `cargo bench` runs them on 1 M visits; `TIDKOLL_BENCH_VISITS=1000000,3000000 cargo bench`
//! on several sizes; `TIDKOLL_BENCH_SHAPE=national cargo bench` on months shaped as a national
//! export (`tidkoll generate --shape national`); `cargo bench -- flags` only the flag pass. A
//! stage takes seconds, so each is timed in 3 samples of one run (`--sample-count 5` for more).
//! The generated months are kept in the temporary directory and reused. Not part of CI. The
//! whole command with its peak memory is `benches/national.sh`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use divan::Bencher;
use tidkoll::config::Config;
use tidkoll::engine::groups::MonthGroups;
use tidkoll::generate::{generate_month, Dialect, Shape};
use tidkoll::ingest::{read_all, select_month, InputPaths, MonthData};
use tidkoll::model::Reject;
use tidkoll::model::YearMonth;
use tidkoll::month::analysis::{analyse, MonthAnalysis};
use tidkoll::month::figures::FigureContext;
use tidkoll::month::flags;
use tidkoll::privacy::Pseudonymizer;
use tidkoll::store::{write_month, write_visits_table, StagedMonth};

fn main() {
    // Defaults first, so that `--sample-count` and the other options on the command line win.
    divan::Divan::default().sample_count(3).sample_size(1).config_with_args().main();
    if let Some(peak) = peak_rss_mib() {
        println!("peak memory of the benchmark process: {peak:.0} MiB");
    }
}

/// Sizes to run, from `TIDKOLL_BENCH_VISITS`.
fn sizes() -> Vec<u64> {
    std::env::var("TIDKOLL_BENCH_VISITS")
        .unwrap_or_else(|_| "1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("TIDKOLL_BENCH_VISITS: comma-separated numbers of visits"))
        .collect()
}

const MONTH: &str = "2025-03";

/// One generated month, read and analysed once; each benchmark times one stage of it.
struct Month {
    visits: Vec<PathBuf>,
    granted: PathBuf,
    addons: PathBuf,
    absences: PathBuf,
    invoices: PathBuf,
    config: Config,
    pseudonyms: Pseudonymizer,
    data: Mutex<MonthData>,
    rejects: Vec<Reject>,
    analysis: MonthAnalysis,
    out: PathBuf,
}

impl Month {
    fn inputs(&self) -> InputPaths<'_> {
        InputPaths {
            visits: &self.visits,
            granted: Some(&self.granted),
            addons: Some(&self.addons),
            absences: Some(&self.absences),
            invoices: Some(&self.invoices),
        }
    }
}

fn month(size: u64) -> &'static Month {
    static MONTHS: OnceLock<Mutex<BTreeMap<u64, &'static Month>>> = OnceLock::new();
    let mut months = MONTHS.get_or_init(Default::default).lock().unwrap();
    months.entry(size).or_insert_with(|| {
        let month: YearMonth = MONTH.parse().unwrap();
        let (shape, name) = match std::env::var("TIDKOLL_BENCH_SHAPE").as_deref() {
            Ok("national") => (Shape::National, format!("tidkoll-bench-national-{size}")),
            Ok("example") | Err(_) => (Shape::Example, format!("tidkoll-bench-{size}")),
            Ok(other) => panic!("TIDKOLL_BENCH_SHAPE: example or national, not {other:?}"),
        };
        let dir = std::env::temp_dir().join(name);
        let visits_path = dir.join(format!("visits-{month}.csv"));
        let absences = dir.join(format!("absences-{month}.csv"));
        let invoices = dir.join(format!("invoices-{month}.csv"));
        // Generated again when it predates the invoices file.
        if !invoices.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            generate_month(&dir, month, Dialect::Canonical, shape, size, 2025, true, month).unwrap();
        }
        let (visits, granted, addons) =
            (vec![visits_path], dir.join(format!("granted-{month}.csv")), dir.join(format!("addons-{month}.csv")));
        let (config, pseudonyms) = (Config::default(), Pseudonymizer::new(b"bench"));
        let inputs = InputPaths {
            visits: &visits,
            granted: Some(&granted),
            addons: Some(&addons),
            absences: Some(&absences),
            invoices: Some(&invoices),
        };
        let (data, _, rejects) = select_month(read_all(&inputs, &config, &pseudonyms).unwrap(), month);
        let analysis = analyse(&data, &config);
        let m = Month {
            visits,
            granted,
            addons,
            absences,
            invoices,
            config,
            pseudonyms,
            data: Mutex::new(data),
            rejects,
            analysis,
            out: dir.join("out"),
        };
        Box::leak(Box::new(m))
    })
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

/// Reading and checking the visits, granted and add-on files.
#[divan::bench(args = sizes())]
fn read(bencher: Bencher, visits: u64) {
    let m = month(visits);
    bencher.bench_local(|| read_all(&m.inputs(), &m.config, &m.pseudonyms).unwrap());
}

/// The flag pass of SPEC §4 alone, with the grouping of the visits it walks (shared with the
/// tallies in `analysis`); compare the two thread counts for the speed-up.
#[divan::bench(args = sizes(), consts = [1, 2])]
fn flags<const THREADS: usize>(bencher: Bencher, visits: u64) {
    let m = month(visits);
    let data = m.data.lock().unwrap();
    let ctx = FigureContext::new(&m.config, data.month, &data.ids);
    let pool = pool(THREADS);
    bencher.bench_local(|| {
        pool.install(|| flags::compute(&data.visits, data.performed, &data.absences, &MonthGroups::new(&data.visits, data.performed), &ctx))
    });
}

/// The month's visits grouped by client and by staff member, as the analysis first groups them.
#[divan::bench(args = sizes())]
fn groups(bencher: Bencher, visits: u64) {
    let m = month(visits);
    let data = m.data.lock().unwrap();
    bencher.bench_local(|| MonthGroups::new(&data.visits, data.performed));
}

/// Key figures, flags, drill-down and evidence of every supplier and the municipality.
#[divan::bench(args = sizes(), consts = [1, 2])]
fn analysis<const THREADS: usize>(bencher: Bencher, visits: u64) {
    let m = month(visits);
    let guard = m.data.lock().unwrap();
    let data: &MonthData = &guard;
    let pool = pool(THREADS);
    bencher.bench_local(|| pool.install(|| analyse(data, &m.config)));
}

/// Every table of the month (CSV and Parquet, visits.parquet included), staged and published;
/// the visits grouped by client are shared with the analysis and made beforehand.
#[divan::bench(args = sizes())]
fn write(bencher: Bencher, visits: u64) {
    let m = month(visits);
    let data = m.data.lock().unwrap();
    let month: YearMonth = MONTH.parse().unwrap();
    let groups = MonthGroups::new(&data.visits, data.performed);
    bencher.bench_local(|| {
        let staged = StagedMonth::new(&m.out, month).unwrap();
        write_visits_table(&staged.dir, &data.visits, &data.ids, &groups.clients, &groups.others).unwrap();
        write_month(&staged.dir, &m.analysis, &m.rejects).unwrap();
        staged.publish().unwrap()
    });
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

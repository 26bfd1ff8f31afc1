//! Benchmark of a monthly run's stages on generated data: read, the flag pass alone at 1 and 2
//! threads, the whole analysis (figures, flags, drill-down, evidence) at 1 and 2 threads, and
//! write. Run with `cargo bench`; sizes with `TIDKOLL_BENCH_VISITS=1000000,3000000`; each
//! stage is timed `TIDKOLL_BENCH_RUNS` times (default 3) and the median printed. Not part of
//! CI. The whole-command timing with peak memory is `benches/national.sh`.

use std::path::PathBuf;
use std::time::Instant;

use tidkoll::analysis::analyse;
use tidkoll::figures::FigureContext;
use tidkoll::flags;
use tidkoll::cli::Dialect;
use tidkoll::config::Config;
use tidkoll::generate::generate_month;
use tidkoll::ingest::{read_all, select_month, InputPaths};
use tidkoll::month::YearMonth;
use tidkoll::privacy::Pseudonymizer;
use tidkoll::store::{write_month, StagedMonth};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not used here.
    let sizes: Vec<u64> = std::env::var("TIDKOLL_BENCH_VISITS")
        .unwrap_or_else(|_| "1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("TIDKOLL_BENCH_VISITS: comma-separated numbers"))
        .collect();
    let month: YearMonth = "2025-03".parse().unwrap();
    let config = Config::default();
    let runs: usize = std::env::var("TIDKOLL_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    let timed = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    println!(
        "{:>10}  {:>7}  {:>7}  {:>8}  {:>8}  {:>7}  {:>10}  {:>10}  {:>7}  {:>8}",
        "visits", "gen s", "read s", "flags 1t", "flags 2t", "speedup", "analyse 1t", "analyse 2t", "write s", "peak MiB"
    );
    for n in sizes {
        let dir = std::env::temp_dir().join(format!("tidkoll-bench-{n}"));
        let t = Instant::now();
        let visits_path = dir.join(format!("visits-{month}.csv"));
        if !visits_path.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            generate_month(&dir, month, Dialect::Canonical, n, 2025, true).unwrap();
        }
        let gen = t.elapsed().as_secs_f64();
        let visits = vec![visits_path];
        let granted = dir.join(format!("granted-{month}.csv"));
        let addons = dir.join(format!("addons-{month}.csv"));
        let inputs = InputPaths { visits: &visits, granted: Some(&granted), addons: Some(&addons) };
        let pseudonyms = Pseudonymizer::new(b"bench");

        let mut read = Vec::new();
        let mut selected = None;
        for _ in 0..runs {
            let mut ingested = None;
            read.push(timed(&mut || ingested = Some(read_all(&inputs, &config, &pseudonyms).unwrap())));
            selected = ingested;
        }
        let (mut data, _, rejects) = select_month(selected.unwrap(), month);

        let pool = |threads| rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut flag_secs = Vec::new();
        let mut analyse_secs = Vec::new();
        let mut analysis = None;
        for threads in [1, 2] {
            let pool = pool(threads);
            let mut ids = data.ids.clone();
            let ctx = FigureContext::new(&config, month, &mut ids);
            let mut hits = 0;
            flag_secs.push(median((0..runs).map(|_| timed(&mut || hits = pool.install(|| flags::compute(&data.visits, &ctx)).len())).collect()));
            assert!(hits > 0);
            analyse_secs.push(median((0..runs).map(|_| timed(&mut || analysis = Some(pool.install(|| analyse(&mut data, &config))))).collect()));
        }
        let analysis = analysis.unwrap();

        let out: PathBuf = dir.join("out");
        let write = median(
            (0..runs)
                .map(|_| {
                    timed(&mut || {
                        let staged = StagedMonth::new(&out, month).unwrap();
                        write_month(&staged.dir, &analysis, &rejects, &data.visits, &data.ids).unwrap();
                        staged.publish().unwrap();
                    })
                })
                .collect(),
        );
        println!(
            "{:>10}  {:>7.2}  {:>7.2}  {:>8.2}  {:>8.2}  {:>6.2}x  {:>10.2}  {:>10.2}  {:>7.2}  {:>8.0}",
            data.visits.len(),
            gen,
            median(read),
            flag_secs[0],
            flag_secs[1],
            flag_secs[0] / flag_secs[1],
            analyse_secs[0],
            analyse_secs[1],
            write,
            peak_rss_mib()
        );
    }
}

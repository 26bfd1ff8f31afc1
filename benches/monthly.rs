//! Benchmark of a monthly run's stages on generated data: read, figures + flags (1 and 2
//! threads), write. Run with `cargo bench`; sizes with `TIDKOLL_BENCH_VISITS=1000000,3000000`.
//! Not part of CI. The whole-command timing with peak memory is `benches/national.sh`.

use std::path::PathBuf;
use std::time::Instant;

use tidkoll::analysis::analyse;
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
    println!("{:>10}  {:>8}  {:>8}  {:>10}  {:>10}  {:>8}  {:>9}", "visits", "gen s", "read s", "analyse 1t", "analyse 2t", "write s", "peak MiB");
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

        let t = Instant::now();
        let ingested = read_all(&inputs, &config, &pseudonyms).unwrap();
        let read = t.elapsed().as_secs_f64();
        let (mut data, _, rejects) = select_month(ingested, month);

        let mut analyse_secs = Vec::new();
        let mut analysis = None;
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let t = Instant::now();
            analysis = Some(pool.install(|| analyse(&mut data, &config)));
            analyse_secs.push(t.elapsed().as_secs_f64());
        }
        let analysis = analysis.unwrap();

        let out: PathBuf = dir.join("out");
        let t = Instant::now();
        let staged = StagedMonth::new(&out, month).unwrap();
        write_month(&staged.dir, &analysis, &rejects, &data.visits, &data.ids).unwrap();
        staged.publish().unwrap();
        let write = t.elapsed().as_secs_f64();
        println!(
            "{:>10}  {:>8.2}  {:>8.2}  {:>10.2}  {:>10.2}  {:>8.2}  {:>9.0}",
            data.visits.len(),
            gen,
            read,
            analyse_secs[0],
            analyse_secs[1],
            write,
            peak_rss_mib()
        );
    }
}

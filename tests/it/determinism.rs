//! Every figure is the same to the byte under any row order, any split over files and any
//! thread count (sums are exact: whole seconds and fixed-point granted minutes).

use crate::common::Work;

/// A fixed permutation of lines (a small linear congruential generator).
fn shuffled(lines: &[&str], seed: u64) -> Vec<String> {
    let mut keyed: Vec<(u64, &str)> = Vec::with_capacity(lines.len());
    let mut state = seed;
    for line in lines {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        keyed.push((state >> 11, line));
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, l)| l.to_string()).collect()
}

fn file(header: &str, lines: &[String]) -> String {
    let mut s = String::from(header);
    for l in lines {
        s.push('\n');
        s.push_str(l);
    }
    s.push('\n');
    s
}

/// The month's analysed tables; not `rejects.csv` or the manifest, which name the input files.
const TABLES: [&str; 5] = ["figures.csv", "flags.csv", "evidence.csv", "staff.csv", "clients.csv"];

#[test]
fn figures_do_not_depend_on_row_order_file_split_or_threads() {
    let w = Work::new();
    w.tidkoll(&["generate", "--out", "in", "--months", "2025-05", "--visits", "4000", "--seed", "3"]).ok();
    let visits = w.read("in/visits-2025-05.csv");
    let granted = w.read("in/granted-2025-05.csv");
    let (visits_header, visit_lines) = visits.split_once('\n').unwrap();
    let (granted_header, granted_lines) = granted.split_once('\n').unwrap();
    // Granted minutes with decimals: a float sum of them depends on the order it is taken in.
    let granted_lines: Vec<String> = granted_lines
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let (rest, minutes) = l.rsplit_once(',').unwrap();
            format!("{rest},{:.3}", minutes.parse::<f64>().unwrap() + 0.137 * (i % 13) as f64)
        })
        .collect();
    let visit_lines: Vec<&str> = visit_lines.lines().collect();
    let granted_refs: Vec<&str> = granted_lines.iter().map(String::as_str).collect();
    let addons = w.path("in/addons-2025-05.csv").to_string_lossy().into_owned();

    let ordered_granted = w.write("granted.csv", file(granted_header, &granted_lines));
    let ordered_visits = w.write("visits.csv", file(visits_header, &visit_lines.iter().map(|l| l.to_string()).collect::<Vec<_>>()));
    let run = |out: &str, visits: &[&str], granted: &str, threads: &str| {
        let mut args = vec!["monthly", "--quiet", "--out", out, "--granted", granted, "--addons", &addons];
        for v in visits {
            args.extend(["--visits", v]);
        }
        w.tidkoll_env(&args, &[("RAYON_NUM_THREADS", threads), ("TIDKOLL_CHUNK_BYTES", "20000")]).ok();
    };
    run("ordered", &[&ordered_visits], &ordered_granted, "1");

    for (seed, threads) in [(1, "2"), (2, "3")] {
        let visits = shuffled(&visit_lines, seed);
        let (first, second) = visits.split_at(visits.len() / 3);
        let a = w.write(&format!("a{seed}.csv"), file(visits_header, first));
        let b = w.write(&format!("b{seed}.csv"), file(visits_header, second));
        let granted = w.write(&format!("g{seed}.csv"), file(granted_header, &shuffled(&granted_refs, seed + 10)));
        let out = format!("shuffled{seed}");
        run(&out, &[&a, &b], &granted, threads);
        for table in TABLES {
            let expected = w.read(&format!("ordered/2025-05/{table}"));
            let got = w.read(&format!("{out}/2025-05/{table}"));
            assert!(expected.lines().count() > 2, "{table} has rows");
            assert!(got == expected, "{table} differs after shuffling (seed {seed}, {threads} threads)");
        }
        // The visits table is sorted by supplier, client, check-in and visit id, so neither
        // the order of the rows nor the files they came in changes it.
        let table = |out: &str| std::fs::read(w.path(&format!("{out}/2025-05/visits.parquet"))).unwrap();
        assert!(table(&out) == table("ordered"), "visits.parquet differs after shuffling (seed {seed}, {threads} threads)");
    }
}

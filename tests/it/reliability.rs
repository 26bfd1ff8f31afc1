//! Faults and edge inputs: a stopped run, an unwritable or too small machine, empty months,
//! tiny and huge groups, and personnummer through the whole chain.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::common::*;

const TABLES: [&str; 13] = [
    "figures.csv",
    "flags.csv",
    "rejects.csv",
    "staff.csv",
    "clients.csv",
    "evidence.csv",
    "manifest.json",
    "figures.parquet",
    "flags.parquet",
    "rejects.parquet",
    "staff.parquet",
    "clients.parquet",
    "visits.parquet",
];

fn complete(dir: &Path) -> bool {
    TABLES.iter().all(|t| dir.join(t).is_file())
}

#[test]
fn a_run_stopped_at_any_moment_leaves_the_old_or_the_new_month_whole() {
    let w = Work::new();
    w.tidkoll(&["generate", "--out", "gen", "--months", "2025-03", "--visits", "60000", "--seed", "3"]).ok();
    let small = w.write("small.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    w.monthly(&["--quiet", "--visits", &small]).ok();
    let old = w.read("out/2025-03/figures.csv");
    let args = ["monthly", "--out", "out", "--quiet", "--visits", "gen/visits-2025-03.csv", "--granted", "gen/granted-2025-03.csv"];

    // How long a whole run takes here, then stops spread over that time.
    let started = Instant::now();
    w.tidkoll(&["monthly", "--out", "full", "--quiet", "--visits", "gen/visits-2025-03.csv", "--granted", "gen/granted-2025-03.csv"]).ok();
    let whole = started.elapsed();
    let new = w.read("full/2025-03/figures.csv");
    assert_ne!(old, new);
    let mut seen_old = false;
    for k in 0..8u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tidkoll"))
            .args(args)
            .current_dir(w.dir.path())
            .env("TIDKOLL_PSEUDONYM_KEY", "test-key")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(f64::from(k) / 8.0 + 0.01));
        let _ = child.kill();
        let _ = child.wait();
        let month = w.path("out/2025-03");
        assert!(complete(&month), "stop {k}: the month is whole");
        let figures = w.read("out/2025-03/figures.csv");
        assert!(figures == old || figures == new, "stop {k}: old or new, nothing between");
        seen_old |= figures == old;
        if figures == new {
            // Back to the old month for the next stop.
            w.monthly(&["--quiet", "--visits", &small]).ok();
        }
    }
    assert!(seen_old, "at least one stop came before the new month was in place");
    // The next complete run clears what the stopped ones left.
    w.tidkoll(&args).ok();
    assert_eq!(w.read("out/2025-03/figures.csv"), new);
    let leftovers: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_unwritable_output_location_exits_1_and_leaves_nothing() {
    let w = Work::new();
    let visits = w.write("v.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    w.write("blocker", "a file where the results directory should be");
    let run = w.tidkoll(&["monthly", "--out", "blocker/out", "--visits", &visits]);
    run.fails_with(1);
    assert!(run.stderr.contains("blocker/out"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(w.path("blocker")).unwrap(), "a file where the results directory should be");
}

#[test]
fn inputs_larger_than_memory_are_refused_before_reading() {
    let w = Work::new();
    let visits = w.write("v.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w.tidkoll_env(&["monthly", "--out", "out", "--visits", &visits], &[("TIDKOLL_MEMORY_BYTES", "200")]);
    run.fails_with(3);
    assert!(run.stderr.contains("men bara 200 byte finns ledigt") && run.stderr.contains("dela upp exporten"), "{}", run.stderr);
    assert!(!w.path("out/2025-03").exists());
}

#[test]
fn a_month_without_visits_is_refused_and_says_where_the_visits_are() {
    let w = Work::new();
    let visits = w.write("v.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-05-03 08:00", "2025-05-03 08:30", "OMV")]));
    w.monthly(&["--visits", &visits, "--quiet"]).ok();
    let stored = w.read("out/2025-05/figures.csv");
    // The previous month's file given for May: refused, May left as it was.
    let visits = w.write("v.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w.monthly(&["--visits", &visits, "--month", "2025-05"]);
    run.fails_with(3);
    assert!(run.stderr.contains("inga besök i filerna hör till 2025-05") && run.stderr.contains("(2025-03: 1)"), "{}", run.stderr);
    assert_eq!(w.read("out/2025-05/figures.csv"), stored);
}

#[test]
fn a_supplier_with_one_visit_and_a_client_with_ten_thousand() {
    let w = Work::new();
    let mut lines = vec![visit("one", "Liten AB", "c9", "p9", "2025-03-10 09:00", "2025-03-10 09:20", "OMV")];
    for i in 0..10_000u32 {
        let day = 1 + i % 31;
        let minute = (i / 31) * 2;
        let (h, m) = (6 + minute / 60, minute % 60);
        lines.push(visit(
            &format!("b{i}"),
            "Stor AB",
            "c1",
            &format!("p{}", i % 7),
            &format!("2025-03-{day:02} {h:02}:{m:02}"),
            &format!("2025-03-{day:02} {h:02}:{:02}", m + 1),
            "OMV",
        ));
    }
    let visits = w.write("v.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let f = w.figures("2025-03");
    f.assert("Liten AB", "checkin_rate", Some(1.0), "ok");
    f.assert("Liten AB", "visit_minutes_median", Some(20.0), "info");
    f.assert("Liten AB", "checkin_staff_share", None, "missing");
    f.assert("Stor AB", "visit_minutes_mean", Some(1.0), "info");
    f.assert("Stor AB", "short_visit_share", Some(1.0), "deviation");
    // Consecutive one-minute visits a minute apart: every visit but the first and last of the
    // client's day-by-day sequence has two neighbours, all sharing OMV (repeated service).
    assert!(f.value("Stor AB", "flag.repeated_service").unwrap() > 9_000.0);
    let clients = w.read("out/2025-03/clients.csv");
    assert!(clients.lines().any(|l| l.starts_with("Stor AB,K-") && l.contains(",10000,10000,1,")), "{clients}");
}

/// Every form a personnummer can be written in, from its ten-digit core.
fn personnummer_forms(core: &str) -> Vec<String> {
    let (date, number) = (&core[..6], &core[6..]);
    let mut forms = vec![format!("{date}-{number}"), format!("{date}+{number}"), core.to_string()];
    for century in ["19", "20"] {
        forms.push(format!("{century}{date}-{number}"));
        forms.push(format!("{century}{date}{number}"));
    }
    forms
}

/// The text of an output file as a reader would get at it: zip entries unpacked, Parquet
/// columns rendered, other files as they are.
fn output_text(path: &Path) -> String {
    use polars::prelude::*;
    match path.extension().and_then(|e| e.to_str()) {
        Some("xlsx" | "docx") => {
            use std::io::Read;
            let mut archive = ::zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
            let mut all = String::new();
            for i in 0..archive.len() {
                let mut bytes = Vec::new();
                archive.by_index(i).unwrap().read_to_end(&mut bytes).unwrap();
                all.push_str(&String::from_utf8_lossy(&bytes));
            }
            all
        }
        Some("parquet") => {
            let df = ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap();
            let mut all = String::new();
            for column in df.columns() {
                let text = column.cast(&DataType::String).unwrap();
                for value in text.str().unwrap().iter().flatten() {
                    all.push_str(value);
                    all.push('\n');
                }
            }
            all
        }
        _ => String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned(),
    }
}

fn all_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(all_files(&path))
        } else {
            files.push(path)
        }
    }
    files
}

#[test]
fn no_personnummer_anywhere_in_the_whole_chain() {
    let w = Work::new();
    let swedish = |name: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/swedish").join(name).to_string_lossy().into_owned();
    let mut printed = String::new();
    let mut cores = std::collections::BTreeSet::new();
    for m in MONTHS {
        let input = std::fs::read(swedish(&format!("visits-{m}.csv"))).unwrap();
        let text = encoding_rs::WINDOWS_1252.decode(&input).0.into_owned();
        for (start, end) in tidkoll::privacy::personnummer_spans(text.as_bytes()) {
            let digits: String = text[start..end].chars().filter(char::is_ascii_digit).collect();
            cores.insert(digits[digits.len() - 10..].to_string());
        }
        let run = w.monthly(&[
            "--config",
            &swedish("tidkoll.toml"),
            "--visits",
            &swedish(&format!("visits-{m}.csv")),
            "--granted",
            &swedish(&format!("granted-{m}.csv")),
            "--addons",
            &swedish(&format!("addons-{m}.csv")),
        ]);
        run.ok();
        printed += &(run.stdout.clone() + &run.stderr);
    }
    assert!(cores.len() > 10, "the Swedish fixtures hold personnummer: {}", cores.len());
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]);
    run.ok();
    printed += &(run.stdout.clone() + &run.stderr);
    for supplier in ["Omsorg Norr AB", "Hemtjänst Syd AB", "Trygg Vård AB", "Vardag Omsorg AB", "Nära Hemtjänst AB"] {
        let run = w.tidkoll(&["investigate", "--supplier", supplier, "--quarter", "2025-Q1", "--out", "out"]);
        run.ok();
        printed += &(run.stdout.clone() + &run.stderr);
    }
    let files = all_files(&w.path("out"));
    let kinds: std::collections::BTreeSet<String> =
        files.iter().filter_map(|f| f.extension()).map(|e| e.to_string_lossy().into_owned()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["csv", "docx", "html", "json", "md", "parquet", "xlsx"]);
    let texts: Vec<(String, String)> =
        files.iter().map(|f| (f.display().to_string(), output_text(f))).chain([("terminal".to_string(), printed)]).collect();
    for core in &cores {
        for form in personnummer_forms(core) {
            for (name, text) in &texts {
                assert!(!text.contains(&form), "{form} in {name}");
            }
        }
    }
}

/// Runs tidkoll as on a full disk: every write past 8 KiB in a file fails (RLIMIT_FSIZE, with
/// SIGXFSZ ignored so that the write returns an error instead of stopping the process).
fn on_a_full_disk(w: &Work, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidkoll"));
    cmd.args(args).current_dir(w.dir.path()).env("TIDKOLL_PSEUDONYM_KEY", "test-key");
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: 8192, rlim_max: 8192 };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn hidden_entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with('.')).collect()
}

#[test]
fn a_full_output_location_exits_1_keeps_the_old_results_and_leaves_nothing_partial() {
    let w = Work::new();
    run_months(&w, &["2025-01", "2025-02"]);
    let small = w.write("small.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    w.monthly(&["--quiet", "--visits", &small]).ok();
    let old = w.read("out/2025-03/figures.csv");

    let visits = fixture("visits-2025-03.csv");
    let run = on_a_full_disk(&w, &["monthly", "--out", "out", "--quiet", "--visits", &visits]);
    run.fails_with(1);
    for part in [
        "resultaten för 2025-03 kunde inte sparas i out (tidigare resultat för 2025-03 är orörda)",
        "File too large",
        "\n  frigör diskutrymme",
    ] {
        assert!(run.stderr.contains(part), "{part:?} in {}", run.stderr);
    }
    assert_eq!(w.read("out/2025-03/figures.csv"), old, "the old month is kept whole");
    assert!(complete(&w.path("out/2025-03")));
    assert!(hidden_entries(&w.path("out")).is_empty(), "nothing partial is left: {:?}", hidden_entries(&w.path("out")));

    // The quarter likewise: its earlier matrix stays as it was.
    w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--quiet"]).ok();
    let matrix = std::fs::read(w.path("out/2025-Q1/matrix.xlsx")).unwrap();
    std::fs::remove_file(w.path("out/2025-Q1/matrix.csv")).unwrap();
    let run = on_a_full_disk(&w, &["quarter", "--quarter", "2025-Q1", "--out", "out", "--quiet"]);
    run.fails_with(1);
    assert!(run.stderr.contains("resultaten för 2025-Q1 kunde inte sparas i out"), "{}", run.stderr);
    assert_eq!(std::fs::read(w.path("out/2025-Q1/matrix.xlsx")).unwrap(), matrix);
    assert!(!w.path("out/2025-Q1/matrix.csv").exists(), "the earlier quarter directory is untouched");
    assert!(hidden_entries(&w.path("out")).is_empty(), "{:?}", hidden_entries(&w.path("out")));
}

#[test]
fn a_full_disk_under_the_year_and_the_quarter_is_one_message() {
    let w = Work::new();
    run_months(&w, &MONTHS);
    for args in [["year", "--year", "2025", "--out", "out"], ["quarter", "--quarter", "2025-Q1", "--out", "out"]] {
        let run = on_a_full_disk(&w, &args);
        run.fails_with(1);
        assert_eq!(run.stderr.matches("File too large").count(), 1, "{}", run.stderr);
        assert!(!run.stderr.contains("ZipWriter"), "{}", run.stderr);
    }
}

//! The monthly run as a whole: the bundled example data, determinism, replacing a month,
//! the summary and privacy of every output.

use std::path::{Path, PathBuf};

use crate::common::*;

fn fixture(dialect: &str, name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(dialect).join(name).to_string_lossy().into_owned()
}

fn canonical_march(w: &Work) -> Run {
    w.monthly(&[
        "--visits",
        &fixture("canonical", "visits-2025-03.csv"),
        "--granted",
        &fixture("canonical", "granted-2025-03.csv"),
        "--addons",
        &fixture("canonical", "addons-2025-03.csv"),
    ])
}

fn deviations(f: &Figures, supplier: &str) -> Vec<String> {
    let mut d: Vec<String> =
        f.0.iter().filter(|((s, _), (_, st))| s == supplier && st == "deviation").map(|((_, fig), _)| fig.clone()).collect();
    d.sort();
    d
}

#[test]
fn fixtures_show_each_suppliers_planted_deviations() {
    let w = Work::new();
    let run = canonical_march(&w);
    run.ok();
    assert!(run.stdout.contains("månadsuppföljning 2025-03") && run.stdout.contains("Resultat: out/2025-03"), "{}", run.stdout);
    let f = w.figures("2025-03");
    assert_eq!(
        f.suppliers(),
        ["ALL", "Hemtjänst Syd AB", "Ny Omsorg AB", "Nära Hemtjänst AB", "Omsorg Norr AB", "Trygg Vård AB", "Vardag Omsorg AB"]
    );
    assert_eq!(deviations(&f, "Omsorg Norr AB"), Vec::<String>::new());
    assert_eq!(deviations(&f, "Ny Omsorg AB"), Vec::<String>::new());
    let syd = deviations(&f, "Hemtjänst Syd AB");
    for fig in ["checkin_rate", "short_visit_share", "declined_share", "flag_rate.declined_remainder"] {
        assert!(syd.contains(&fig.to_string()), "{fig} in {syd:?}");
    }
    let trygg = deviations(&f, "Trygg Vård AB");
    for fig in ["completion_rate", "flag_rate.duplicate", "flag_rate.repeated_service", "flag_rate.adjacent"] {
        assert!(trygg.contains(&fig.to_string()), "{fig} in {trygg:?}");
    }
    let vardag = deviations(&f, "Vardag Omsorg AB");
    for fig in ["continuity_mean", "flag_rate.missing_checkout", "flag_rate.staff_overlap"] {
        assert!(vardag.contains(&fig.to_string()), "{fig} in {vardag:?}");
    }
    let nara = deviations(&f, "Nära Hemtjänst AB");
    for fig in ["completion_rate", "addon_reporting_rate", "addon_late_share", "flag_rate.single_staff"] {
        assert!(nara.contains(&fig.to_string()), "{fig} in {nara:?}");
    }
    // Every flag count equals the distinct visits of that flag in flags.csv.
    let flags = w.flags("2025-03");
    for flag in ["duplicate", "repeated_service", "adjacent", "staff_overlap", "single_staff", "missing_checkout"] {
        let mut visits: Vec<&str> =
            flags.iter().filter(|r| r.split(',').nth(2) == Some(flag)).map(|r| r.split(',').next().unwrap()).collect();
        visits.sort();
        visits.dedup();
        assert_eq!(f.value("ALL", &format!("flag.{flag}")), Some(visits.len() as f64), "{flag}");
    }
    for file in
        ["figures.parquet", "flags.parquet", "rejects.parquet", "staff.parquet", "clients.parquet", "visits.parquet", "manifest.json"]
    {
        assert!(w.path("out/2025-03").join(file).exists(), "{file}");
    }
}

#[test]
fn swedish_fixture_gives_the_same_kind_of_result_and_no_personnummer() {
    let w = Work::new();
    w.monthly(&[
        "--config",
        &fixture("swedish", "tidkoll.toml"),
        "--visits",
        &fixture("swedish", "visits-2025-03.csv"),
        "--granted",
        &fixture("swedish", "granted-2025-03.csv"),
        "--addons",
        &fixture("swedish", "addons-2025-03.csv"),
    ])
    .ok();
    let m = w.manifest("2025-03");
    let (read, accepted, rejected, duplicates, _) = accounting(&m, "visits-2025-03.csv");
    assert_eq!(read, accepted + rejected + duplicates);
    assert!(accepted > 2500);
    let f = w.figures("2025-03");
    assert_eq!(deviations(&f, "Omsorg Norr AB"), Vec::<String>::new());
    assert!(f.value("Nära Hemtjänst AB", "completion_rate").unwrap() < 0.75);

    // Every personnummer of the input, in every form, is absent from every output file.
    let input = std::fs::read(fixture("swedish", "visits-2025-03.csv")).unwrap();
    let text = encoding_rs::WINDOWS_1252.decode(&input).0.into_owned();
    let mut forms = Vec::new();
    for (start, end) in tidkoll::privacy::personnummer_spans(text.as_bytes()) {
        let p = &text[start..end];
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        forms.push(p.to_string());
        forms.push(digits.clone());
        forms.push(digits[2..].to_string());
        forms.push(format!("{}-{}", &digits[2..8], &digits[8..]));
    }
    assert!(forms.len() > 40, "the fixture has personnummer ({})", forms.len() / 4);
    for file in files_below(&w.path("out")) {
        let bytes = std::fs::read(&file).unwrap();
        let content = String::from_utf8_lossy(&bytes);
        for form in &forms {
            assert!(!content.contains(form.as_str()), "{form} in {}", file.display());
        }
    }
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_below(&path))
        } else {
            files.push(path)
        }
    }
    files
}

/// A deterministic shuffle (xorshift) for reordering rows.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn results_do_not_depend_on_row_order_file_split_or_threads() {
    let w = Work::new();
    canonical_march(&w).ok();
    let figures = w.read("out/2025-03/figures.csv");
    let flags = w.read("out/2025-03/flags.csv");
    assert!(flags.lines().count() > 100);

    let text = std::fs::read_to_string(fixture("canonical", "visits-2025-03.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    shuffle(&mut lines, 0x2545F4914F6CDD1D);
    let half = lines.len() / 2;
    let part = |rows: &[&str]| format!("{header}\n{}\n", rows.join("\n"));
    let a = w.write("part-a.csv", part(&lines[..half]));
    let b = w.write("part-b.csv", part(&lines[half..]));
    for threads in ["1", "2"] {
        let run = w.tidkoll_env(
            &[
                "monthly",
                "--out",
                "out",
                "--visits",
                &b,
                "--visits",
                &a,
                "--granted",
                &fixture("canonical", "granted-2025-03.csv"),
                "--addons",
                &fixture("canonical", "addons-2025-03.csv"),
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        run.ok();
        assert_eq!(w.read("out/2025-03/figures.csv"), figures, "threads {threads}");
        assert_eq!(w.read("out/2025-03/flags.csv"), flags, "threads {threads}");
    }
}

#[test]
fn rerunning_a_month_replaces_it_and_other_months_stay() {
    let w = Work::new();
    let march = w.write("march.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let april = w.write("april.csv", visits_file(&[visit("b1", "S1", "c1", "p1", "2025-04-03 08:00", "2025-04-03 08:10", "OMV")]));
    w.monthly(&["--visits", &march]).ok();
    w.monthly(&["--visits", &april]).ok();
    w.write("out/2025-03/stale.txt", "from an earlier run");
    let march2 = w.write("march2.csv", visits_file(&[visit("a1", "S2", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:40", "OMV")]));
    w.monthly(&["--visits", &march2]).ok();
    assert!(!w.path("out/2025-03/stale.txt").exists());
    assert_eq!(w.figures("2025-03").suppliers(), ["ALL", "S2"]);
    assert_eq!(w.figures("2025-04").suppliers(), ["ALL", "S1"]);
    let names: Vec<String> =
        std::fs::read_dir(w.path("out")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "no staging leftovers: {names:?}");
}

#[test]
fn pseudonyms_are_stable_across_runs_and_keyed() {
    let w = Work::new();
    let visits = w.write("v.csv", visits_file(&[visit("a1", "S1", "19450101-1234", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let visits_short =
        w.write("w.csv", visits_file(&[visit("a1", "S1", "450101-1234", "p1", "2025-04-03 08:00", "2025-04-03 08:30", "OMV")]));
    w.monthly(&["--visits", &visits]).ok();
    w.monthly(&["--visits", &visits_short]).ok();
    let client = |month: &str| w.read(&format!("out/{month}/clients.csv")).lines().nth(1).unwrap().split(',').nth(1).unwrap().to_string();
    assert!(client("2025-03").starts_with("K-"));
    assert_eq!(client("2025-03"), client("2025-04"), "same person, same pseudonym, another month and form");
    // Without the environment variable a key file is created once and reused.
    let w2 = Work::new();
    let visits = w2.write("v.csv", visits_file(&[visit("a1", "S1", "19450101-1234", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w2.tidkoll_env(&["monthly", "--out", "out", "--visits", &visits], &[("TIDKOLL_PSEUDONYM_KEY", "")]);
    run.ok();
    assert!(run.stderr.contains("pseudonym.key"), "{}", run.stderr);
    let first = w2.read("out/2025-03/clients.csv");
    w2.tidkoll_env(&["monthly", "--out", "out", "--visits", &visits], &[("TIDKOLL_PSEUDONYM_KEY", "")]).ok();
    assert_eq!(w2.read("out/2025-03/clients.csv"), first);
    assert_ne!(first, w.read("out/2025-03/clients.csv"), "another key, other pseudonyms");
}

#[test]
fn quiet_prints_only_the_result_directory() {
    let w = Work::new();
    let visits = w.write("v.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w.monthly(&["--visits", &visits, "--quiet"]);
    run.ok();
    assert_eq!(run.stdout.trim(), "out/2025-03");
    assert_eq!(run.stderr, "");
}

#[test]
fn personnummer_inside_visit_staff_and_supplier_ids_is_replaced() {
    let w = Work::new();
    let lines = [
        visit("19450101-1234-1", "S1", "c1", "19450101-1234", "2025-03-03 08:00", "", "OMV"),
        visit("19450101-1234-2", "Egen regi 4501011234", "c1", "p1", "2025-03-04 08:00", "", "OMV"),
    ];
    let visits = w.write("v.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let flags = w.flags("2025-03");
    assert_eq!(flags.len(), 2, "{flags:?}");
    for file in files_below(&w.path("out")) {
        let content = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for form in ["19450101-1234", "4501011234", "450101-1234", "194501011234"] {
            assert!(!content.contains(form), "{form} in {}", file.display());
        }
    }
    // Sorted by supplier: the scrubbed "Egen regi K-…" comes before "S1".
    let pseudonym = tidkoll::privacy::Pseudonymizer::new(b"test-key-for-the-tests").pseudonym("4501011234");
    assert!(flags[0].starts_with("K-") && flags[0].ends_with(&format!("-2,Egen regi {pseudonym},missing_checkout,")), "{flags:?}");
    assert!(flags[1].starts_with("K-") && flags[1].ends_with("-1,S1,missing_checkout,"), "{flags:?}");
}

#[test]
fn one_personnummer_in_two_forms_is_one_client() {
    let w = Work::new();
    let lines = [
        visit("a1", "S1", "19450101-1234", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        visit("a2", "S1", "450101-1234", "p2", "2025-03-04 08:00", "2025-03-04 08:30", "OMV"),
        visit("a3", "S1", "4501011234", "p1", "2025-03-05 08:00", "2025-03-05 08:30", "OMV"),
    ];
    let visits = w.write("v.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let clients = w.read("out/2025-03/clients.csv");
    let rows: Vec<&str> = clients.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{clients}");
    assert!(rows[0].starts_with("S1,K-") && rows[0].contains(",3,3,1,3,"), "three visits, two staff: {}", rows[0]);
    assert!(rows[0].split(',').nth(10) == Some("2"), "distinct staff: {}", rows[0]);
}

#[test]
fn a_larger_generated_month_is_the_same_at_one_and_two_threads_and_any_chunk_size() {
    let w = Work::new();
    w.tidkoll(&["generate", "--out", "gen", "--months", "2025-03", "--visits", "40000", "--seed", "7"]).ok();
    let args = [
        "monthly",
        "--out",
        "out",
        "--quiet",
        "--visits",
        "gen/visits-2025-03.csv",
        "--granted",
        "gen/granted-2025-03.csv",
        "--addons",
        "gen/addons-2025-03.csv",
    ];
    w.tidkoll_env(&args, &[("RAYON_NUM_THREADS", "2")]).ok();
    let tables = ["figures.csv", "flags.csv", "rejects.csv", "staff.csv", "clients.csv", "evidence.csv"];
    let first: Vec<String> = tables.iter().map(|t| w.read(&format!("out/2025-03/{t}"))).collect();
    assert!(first[1].lines().count() > 1000, "the generated month has flags");
    for (threads, chunk) in [("1", "50000"), ("2", "65536"), ("2", "999983")] {
        w.tidkoll_env(&args, &[("RAYON_NUM_THREADS", threads), ("TIDKOLL_CHUNK_BYTES", chunk)]).ok();
        for (t, expected) in tables.iter().zip(&first) {
            assert!(w.read(&format!("out/2025-03/{t}")) == *expected, "{t} differs at {threads} threads, chunks of {chunk} bytes");
        }
    }
}

#[test]
fn fractional_minutes_and_seconds_give_the_same_figures_in_any_row_order() {
    let w = Work::new();
    let mut visits = Vec::new();
    let mut granted = Vec::new();
    for c in 0..40u32 {
        for k in 0..6u32 {
            let (day, sec) = (1 + k, (c * 7 + k * 13) % 60);
            visits.push(format!(
                "v{c}-{k},S{},c{c},p{},2025-03-{day:02} 08:00:00,2025-03-{day:02} 08:{:02}:{sec:02},nfc,nfc,OMV,",
                c % 3,
                k % 4,
                10 + (c + k) % 40
            ));
        }
        for part in ["10,1", "20,2", "30,3", "0,7"] {
            granted.push(format!("S{};c{c};2025-03;{part}", c % 3));
        }
    }
    let run = |name: &str, visits: &[String], granted: &[String]| {
        let v = w.write(&format!("{name}-v.csv"), visits_file(visits));
        let g = w.write(&format!("{name}-g.csv"), format!("supplier_id;client_id;month;granted_minutes\n{}\n", granted.join("\n")));
        w.monthly(&["--visits", &v, "--granted", &g]).ok();
        w.read("out/2025-03/figures.csv")
    };
    let first = run("a", &visits, &granted);
    assert!(first.contains("S1,2025-03,completion_rate,2.98"), "{first}");
    for seed in [11u64, 23, 37] {
        let (mut v, mut g) = (visits.clone(), granted.clone());
        shuffle(&mut v, seed);
        shuffle(&mut g, seed * 3);
        assert_eq!(run(&format!("s{seed}"), &v, &g), first, "order {seed}");
    }
}

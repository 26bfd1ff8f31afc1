//! The command line as a user meets it: help, version, and every kind of error with its exit
//! code (SPEC §8: 0 done, 2 usage or configuration, 3 input refused, 1 anything else); and
//! `evidence.csv` read back against the month's own tables.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{fixture, full_quarter, visit, visits_file, Work};

#[test]
fn help_and_version_exit_0_with_examples() {
    let w = Work::new();
    let run = w.tidkoll(&["--help"]);
    run.ok();
    assert!(
        run.stdout.contains("Användning: tidkoll") && run.stdout.contains("Exempel:") && run.stdout.contains("Slutkoder"),
        "{}",
        run.stdout
    );
    for command in ["monthly", "quarter", "year", "investigate", "config", "generate"] {
        let run = w.tidkoll(&[command, "--help"]);
        run.ok();
        assert!(
            run.stdout.contains(&format!("Användning: tidkoll {command}")) && run.stdout.contains("Exempel:"),
            "{command}: {}",
            run.stdout
        );
    }
    let run = w.tidkoll(&["--version"]);
    run.ok();
    assert_eq!(run.stdout.trim(), format!("tidkoll {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let w = Work::new();
    for (args, says) in [
        (&[][..], "Användning"),
        (&["monthly"][..], "--visits"),
        (&["frobnicate"][..], "okänt kommando 'frobnicate'"),
        (&["monthly", "--visits", "v.csv", "--colour"][..], "--colour"),
        (&["monthly", "--visits", "v.csv", "--month", "2025-13"][..], "--month"),
        (&["quarter", "--quarter", "2025-Q5"][..], "--quarter"),
        (&["year", "--year", "twenty"][..], "--year"),
        (&["investigate", "--supplier", "A", "--month", "2025-03", "--quarter", "2025-Q1"][..], "kan inte användas tillsammans med"),
        (&["investigate", "--supplier", "A"][..], "--month"),
        (&["config"][..], "--print-defaults"),
    ] {
        let run = w.tidkoll(args);
        run.fails_with(2);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    let config = w.write("kommun.toml", "[requirements]\ncheckin_rate = { min = 1.5 }\n");
    let file = w.write("v.csv", visits_file(&[visit("a", "S", "c", "p", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    let run = w.monthly(&["--visits", &file, "--config", &config]);
    run.fails_with(2);
    assert!(run.stderr.contains("requirements.checkin_rate"), "{}", run.stderr);
}

#[test]
fn refused_inputs_exit_3_and_other_failures_exit_1() {
    let w = Work::new();
    let run = w.monthly(&["--visits", "no-such-file.csv"]);
    run.fails_with(3);
    assert!(run.stderr.contains("no-such-file.csv") && run.stderr.contains("--visits"), "{}", run.stderr);
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("tidkoll monthly --month 2025-01"), "{}", run.stderr);
    // An output location that is a file cannot be written: exit 1, naming it.
    let file = w.write("v.csv", visits_file(&[visit("a", "S", "c", "p", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    w.write("blocked", "a file where the output directory should be");
    let run = w.tidkoll(&["monthly", "--visits", &file, "--out", &w.path("blocked").to_string_lossy()]);
    run.fails_with(1);
    assert!(run.stderr.contains("blocked"), "{}", run.stderr);
}

/// The canonical fixture's visits of a month: id → (supplier, client, staff, verified).
fn fixture_visits(month: &str) -> BTreeMap<String, (String, String, String, bool)> {
    let mut reader = csv::Reader::from_path(fixture(&format!("visits-{month}.csv"))).unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| {
            let verified = ["nfc", "lock"].contains(&&r[6]) && !r[5].is_empty() && ["nfc", "lock"].contains(&&r[7]);
            (r[0].to_string(), (r[1].to_string(), r[2].to_string(), r[3].to_string(), verified))
        })
        .collect()
}

/// `evidence.csv`'s (weight, id) rows of one kind for a supplier's figure, as written.
fn evidence_rows(text: &str, supplier: &str, figure: &str, kind: &str) -> Vec<(i64, String)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == supplier && &r[1] == figure && &r[2] == kind)
        .map(|r| (r[4].parse().unwrap(), r[3].to_string()))
        .collect()
}

/// `evidence.csv`'s example visits for a supplier's figure, as written.
fn example_visits(text: &str, supplier: &str, figure: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == supplier && &r[1] == figure && &r[2] == "visit")
        .map(|r| r[3].to_string())
        .collect()
}

/// The ten largest positive weights, most first, ties by id: how evidence picks its members.
fn top_ten(mut weights: Vec<(i64, String)>) -> Vec<(i64, String)> {
    weights.retain(|(n, _)| *n > 0);
    weights.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    weights.truncate(10);
    weights
}

/// The supplier's (client, add-on) pairs reported with quantity > 0 in the fixture's March
/// add-ons export.
fn reported_addons(supplier: &str) -> BTreeSet<(String, String)> {
    let mut reader = csv::Reader::from_path(fixture("addons-2025-03.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == supplier && r[4].parse::<f64>().unwrap() > 0.0)
        .map(|r| (r[1].to_string(), r[3].to_string()))
        .collect()
}

/// The add-ons among a visit's services, by the default add-on table: MATD = meal, TVATT =
/// laundry.
fn addons_of(services: &str) -> impl Iterator<Item = &'static str> + '_ {
    services.split('|').filter_map(|s| match s {
        "MATD" => Some("meal"),
        "TVATT" => Some("laundry"),
        _ => None,
    })
}

#[test]
fn evidence_names_the_staff_clients_and_visits_behind_a_deviation() {
    let (w, run) = full_quarter();
    run.ok();
    let supplier = "Hemtjänst Syd AB";
    assert_eq!(w.figures("2025-03").status(supplier, "checkin_rate"), "deviation");
    let text = w.read("out/2025-03/evidence.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .filter(|r: &Vec<String>| r[0] == supplier && r[1] == "checkin_rate")
        .collect();

    // Staff and clients: the ten with the most unverified visits, most first, from staff.csv
    // and clients.csv (visits − checked_in).
    for (kind, file) in [("staff", "staff.csv"), ("client", "clients.csv")] {
        let mut reader = csv::Reader::from_path(w.path(&format!("out/2025-03/{file}"))).unwrap();
        let expected = top_ten(
            reader
                .records()
                .map(|r| r.unwrap())
                .filter(|r| &r[0] == supplier)
                .map(|r| (r[2].parse::<i64>().unwrap() - r[3].parse::<i64>().unwrap(), r[1].to_string()))
                .collect(),
        );
        assert_eq!(evidence_rows(&text, supplier, "checkin_rate", kind), expected, "{kind}");
    }
    // Example visits: up to ten of the supplier's visits without verified check-in and -out.
    let visits = fixture_visits("2025-03");
    let examples: Vec<&String> = rows.iter().filter(|r| r[2] == "visit").map(|r| &r[3]).collect();
    assert!(!examples.is_empty() && examples.len() <= 10);
    for id in examples {
        let (s, _, _, verified) = &visits[id];
        assert!(s == supplier && !verified, "{id}");
    }

    // A flag's evidence: visits that carry it, staff weighed by their flagged visits.
    let trygg = "Trygg Vård AB";
    let flagged: BTreeSet<String> = w
        .flags("2025-03")
        .iter()
        .filter(|l| l.contains(&format!(",{trygg},duplicate,")))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let mut per_staff: BTreeMap<String, i64> = BTreeMap::new();
    for id in &flagged {
        *per_staff.entry(visits[id].2.clone()).or_default() += 1;
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let duplicate: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .filter(|r: &Vec<String>| r[0] == trygg && r[1] == "flag.duplicate")
        .collect();
    assert!(!duplicate.is_empty(), "the planted duplicates have evidence");
    for r in &duplicate {
        match r[2].as_str() {
            "visit" => assert!(flagged.contains(&r[3]), "{r:?}"),
            "staff" => assert_eq!(r[4].parse::<i64>().unwrap(), per_staff[&r[3]], "{r:?}"),
            "client" => {}
            other => panic!("unexpected kind {other}"),
        }
    }
}

#[test]
fn unreported_add_on_evidence_names_visits_of_add_ons_never_reported() {
    let (w, run) = full_quarter();
    run.ok();
    let supplier = "Nära Hemtjänst AB";
    assert_eq!(w.figures("2025-03").status(supplier, "addon_reporting_rate"), "deviation");
    let reported = reported_addons(supplier);
    let mut reader = csv::Reader::from_path(fixture("visits-2025-03.csv")).unwrap();
    let services: BTreeMap<String, (String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), (r[2].to_string(), r[8].to_string()))).collect();
    let evidence = w.read("out/2025-03/evidence.csv");
    let examples = example_visits(&evidence, supplier, "addon_reporting_rate");
    assert!(!examples.is_empty(), "the unreported add-ons have example visits");
    for id in &examples {
        let (client, services) = &services[id];
        let unreported: Vec<&str> = addons_of(services).filter(|addon| !reported.contains(&(client.clone(), addon.to_string()))).collect();
        assert!(!unreported.is_empty(), "{id} ({client}, {services}) carries no add-on left unreported");
    }
}

#[test]
fn evidence_weighs_members_by_manual_visits_without_reason_and_add_ons_never_reported() {
    let (w, run) = full_quarter();
    run.ok();
    let text = w.read("out/2025-03/evidence.csv");

    // manual_reason_share: staff and clients weighed by manual visits without a reason, from
    // the manual_visits and manual_with_reason columns of staff.csv and clients.csv.
    let syd = "Hemtjänst Syd AB";
    assert_eq!(w.figures("2025-03").status(syd, "manual_reason_share"), "deviation");
    for (kind, file) in [("staff", "staff.csv"), ("client", "clients.csv")] {
        let mut reader = csv::Reader::from_path(w.path(&format!("out/2025-03/{file}"))).unwrap();
        let header = reader.headers().unwrap().clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (manual, with_reason) = (column("manual_visits"), column("manual_with_reason"));
        let weights = reader
            .records()
            .map(|r| r.unwrap())
            .filter(|r| &r[0] == syd)
            .map(|r| (r[manual].parse::<i64>().unwrap() - r[with_reason].parse::<i64>().unwrap(), r[1].to_string()))
            .collect();
        let expected = top_ten(weights);
        assert!(expected.len() > 1, "{kind}: several members without reasons");
        assert_eq!(evidence_rows(&text, syd, "manual_reason_share", kind), expected, "{kind}");
    }
    // Its example visits: the first ten ids, in byte order, of the performed visits with a
    // manual method and no reason in the export (a visit checked in with a tag needs no reason).
    let mut reader = csv::Reader::from_path(fixture("visits-2025-03.csv")).unwrap();
    let mut without_reason: Vec<String> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[1] == syd && &r[12] == "performed" && r[11].is_empty() && (&r[6] == "manual" || &r[7] == "manual"))
        .map(|r| r[0].to_string())
        .collect();
    without_reason.sort();
    without_reason.truncate(10);
    let examples = example_visits(&text, syd, "manual_reason_share");
    assert_eq!(examples.len(), 10);
    assert_eq!(examples, without_reason);

    // addon_reporting_rate: clients weighed by their delivered (client, add-on) pairs without
    // a report, from the fixture's exports (client ids are pseudonymised in the evidence, so
    // the weights are compared, most first).
    let nara = "Nära Hemtjänst AB";
    assert_eq!(w.figures("2025-03").status(nara, "addon_reporting_rate"), "deviation");
    let mut reader = csv::Reader::from_path(fixture("visits-2025-03.csv")).unwrap();
    let mut delivered: BTreeSet<(String, String)> = BTreeSet::new();
    for r in reader.records().map(|r| r.unwrap()).filter(|r| &r[1] == nara) {
        delivered.extend(addons_of(&r[8]).map(|addon| (r[2].to_string(), addon.to_string())));
    }
    let mut unreported: BTreeMap<String, i64> = BTreeMap::new();
    for pair in delivered.difference(&reported_addons(nara)) {
        *unreported.entry(pair.0.clone()).or_default() += 1;
    }
    let expected: Vec<i64> = top_ten(unreported.into_iter().map(|(client, n)| (n, client)).collect()).into_iter().map(|(n, _)| n).collect();
    let got: Vec<i64> = evidence_rows(&text, nara, "addon_reporting_rate", "client").into_iter().map(|(n, _)| n).collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

#[test]
fn a_missing_month_is_made_with_the_configuration_and_inputs_of_the_stored_ones() {
    let w = Work::new();
    let config = w.write("kommun.toml", "[plan]\nreply_days = 20\n");
    let visits = w.write("besök 2025-03.csv", visits_file(&[visit("a", "S", "c", "p", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let manifest = w.manifest("2025-03");
    assert_eq!(manifest["input_paths"][0]["kind"], "visits");
    assert_eq!(manifest["input_paths"][0]["path"], visits.as_str());
    let run = w.tidkoll(&["year", "--year", "2024", "--out", "out"]);
    run.fails_with(3);
    let expected =
        format!("tidkoll monthly --month 2024-01 --config {config} --visits \"{}\" --out out", visits.replace("2025-03", "2024-01"));
    assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    // Every message a user reads is Swedish, the command to run next included.
    assert!(run.stderr.starts_with("tidkoll: ingen månad av 2024 har körts i out; kör först varje månad"), "{}", run.stderr);
    let run = w.tidkoll(&["investigate", "--supplier", "S", "--month", "2025-04", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("tidkoll monthly --month 2025-04 --config"), "{}", run.stderr);
}

#[test]
fn an_absence_is_evidence_only_for_its_own_clients_visits() {
    // K1's visit falls in K1's absence and flags it; K2 is absent at the same time but has no
    // visit then: only K1's absence is evidence, with its one visit.
    let w = Work::new();
    let visits = w.write(
        "visits.csv",
        visits_file(&[
            visit("V1", "S1", "K1", "P1", "2025-03-11 08:00", "2025-03-11 08:30", "personlig omvårdnad"),
            visit("V2", "S1", "K2", "P1", "2025-03-03 08:00", "2025-03-03 08:30", "personlig omvårdnad"),
        ]),
    );
    let absences = w.write(
        "absences.csv",
        "client_id,absent_from,absent_to,reason\nK1,2025-03-10,2025-03-14,sjukhus\nK2,2025-03-10,2025-03-14,korttidsboende\n",
    );
    w.monthly(&["--quiet", "--visits", &visits, "--absences", &absences]).ok();
    let text = w.read("out/2025-03/evidence.csv");
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("S1,flag.during_absence,absence,")).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].contains(": sjukhus, 2025-03-10 – 2025-03-14\",1,"), "{}", rows[0]);
}

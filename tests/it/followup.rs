//! Follow-up over time (SPEC §9): streaks, recommendations and the year, checked against
//! hand-computed values and against the stored months' own figures.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;

/// SPEC §9's area table, written out here independently of the registry.
const AREAS: [(&str, &[&str]); 9] = [
    ("kvittering", &["checkin_rate", "checkin_staff_share", "checkin_client_share", "manual_reason_share"]),
    ("besokslangd", &["short_visit_share"]),
    ("utforandegrad", &["completion_rate", "unserved_clients"]),
    ("tillaggsrapportering", &["addon_reporting_rate", "addon_late_share"]),
    ("kontinuitet", &["continuity_mean", "flag_rate.single_staff"]),
    (
        "registrering",
        &["flag_rate.duplicate", "flag_rate.repeated_service", "flag_rate.adjacent", "flag_rate.staff_overlap", "flag_rate.short_travel"],
    ),
    ("datakvalitet", &["flag_rate.missing_checkout", "flag_rate.negative_duration", "flag_rate.overlong"]),
    (
        "rimlighet",
        &["flag_rate.during_absence", "flag_rate.long_day", "flag_rate.no_day_off", "flag_rate.declined_remainder", "declined_share"],
    ),
    ("ersattning", &["questioned_share", "invoice_excess_share"]),
];

fn area_of(metric: &str) -> &'static str {
    AREAS.iter().find(|(_, metrics)| metrics.contains(&metric)).map_or("ovrigt", |(area, _)| area)
}

/// A CSV file of the work directory as rows of strings, header checked.
fn rows(w: &Work, name: &str, header: &str) -> Vec<Vec<String>> {
    let text = w.read(name);
    assert_eq!(text.lines().next(), Some(header), "{name}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// Per stored month: (supplier, metric) → deviates, for judged rows of suppliers (not ALL).
fn judged(w: &Work, months: &[&str]) -> BTreeMap<String, BTreeMap<(String, String), bool>> {
    months
        .iter()
        .map(|m| {
            let f = w.figures(m);
            let judged =
                f.0.iter()
                    .filter(|((s, _), (_, status))| s != "ALL" && (status == "ok" || status == "deviation"))
                    .map(|((s, metric), (_, status))| ((s.clone(), metric.clone()), status == "deviation"))
                    .collect();
            (m.to_string(), judged)
        })
        .collect()
}

#[test]
fn quarter_followup_and_recommendations_follow_the_months_statuses() {
    let (w, run) = full_quarter();
    run.ok();
    let months = judged(w, &MONTHS);
    let deviates = |m: &str, s: &str, metric: &str| months[m].get(&(s.to_string(), metric.to_string())) == Some(&true);
    let suppliers: BTreeSet<String> = months.values().flat_map(|j| j.keys().map(|(s, _)| s.clone())).collect();
    let metrics: BTreeSet<String> = months.values().flat_map(|j| j.keys().map(|(_, m)| m.clone())).collect();

    let mut expected: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    for s in &suppliers {
        for metric in &metrics {
            let n = MONTHS.iter().filter(|m| deviates(m, s, metric)).count() as u32;
            // No month before 2025-01 is stored: the streak counts back from March within the quarter.
            let streak = MONTHS.iter().rev().take_while(|m| deviates(m, s, metric)).count() as u32;
            if n > 0 {
                expected.insert((s.clone(), metric.clone()), (n, streak));
            }
        }
    }
    let got: BTreeMap<(String, String), (u32, u32)> =
        rows(w, "out/2025-Q1/followup.csv", "supplier_id,metric,months_deviating,streak_months")
            .into_iter()
            .map(|r| ((r[0].clone(), r[1].clone()), (r[2].parse().unwrap(), r[3].parse().unwrap())))
            .collect();
    assert_eq!(got, expected);
    assert!(got.values().any(|(n, s)| *n == 1 && *s == 0), "a deviation that ended before March is in the fixtures");

    let recommendations =
        rows(w, "out/2025-Q1/recommendations.csv", "supplier_id,deviating_metrics,longest_streak_months,recommendation,reasons");
    assert_eq!(recommendations.len(), suppliers.len(), "one row per supplier, none for ALL");
    for r in &recommendations {
        let mine: Vec<&(u32, u32)> = expected.iter().filter(|((s, _), _)| s == &r[0]).map(|(_, v)| v).collect();
        let longest = mine.iter().map(|v| v.1).max().unwrap_or(0);
        let wanted = if longest >= 6 || mine.len() >= 4 {
            "fordjupad_uppfoljning"
        } else if !mine.is_empty() {
            "atgardsplan"
        } else {
            "ingen"
        };
        assert_eq!(r[1..4], [mine.len().to_string(), longest.to_string(), wanted.to_string()], "{}", r[0]);
        // No supplier of the fixtures is newly established in Q1 (Ny Omsorg AB's sixth month is July).
        let reasons: Vec<&str> =
            [(longest >= 6, "streak"), (mine.len() >= 4, "many_metrics")].into_iter().filter(|r| r.0).map(|r| r.1).collect();
        assert_eq!(r[4], reasons.join(";"), "{}", r[0]);
    }
    assert_eq!(recommendations.iter().find(|r| r[0] == "Omsorg Norr AB").unwrap()[3], "ingen");
    assert_eq!(recommendations.iter().find(|r| r[0] == "Trygg Vård AB").unwrap()[3], "fordjupad_uppfoljning");

    // The plan states each deviation's streak and the deeper follow-up with its reason.
    let plan = w.read("out/2025-Q1/leverantorer/Trygg-Vård-AB/atgardsplan-Trygg-Vård-AB.md");
    let streak_of = |label: &str| {
        plan.lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap()
            .rsplit(" | ")
            .next()
            .unwrap()
            .trim_end_matches(" |")
            .to_string()
    };
    assert_eq!(streak_of("Utförandegrad"), "3", "{plan}");
    // A deviation of the quarter that ended before March has a streak of 0.
    let ((supplier, metric), _) = got.iter().find(|(_, (n, streak))| *n >= 1 && *streak == 0).expect("one in the fixtures");
    let slug = supplier.replace(' ', "-");
    let other = w.read(&format!("out/2025-Q1/leverantorer/{slug}/atgardsplan-{slug}.md"));
    let label = tidkoll::model::Metric::parse(metric).unwrap().label();
    let line = other.lines().find(|l| l.starts_with(&format!("| {label} |"))).unwrap_or_else(|| panic!("{label}: {other}"));
    assert!(line.trim_end_matches(" |").ends_with(" | 0"), "{label} ended before March: {line}");
    let trygg = expected.keys().filter(|(s, _)| s == "Trygg Vård AB").count();
    assert!(
        plan.contains(&format!("Fördjupad uppföljning: Kommunen avser att inleda en fördjupad uppföljning av utföraren. Den föreslås vid en avvikelse i minst 6 månader i följd, minst 4 mått som avviker under kvartalet eller en nyetablerad utförares 6:e månad med brukare, och det gäller här:\n\n- {trygg} mått avviker under kvartalet\n\n")),
        "{plan}"
    );
    assert!(run.stdout.contains("Föreslås för fördjupad uppföljning (4):"), "{}", run.stdout);
}

#[test]
fn the_year_files_are_the_months_figures_counted() {
    let (w, run) = full_quarter();
    run.ok();
    w.tidkoll(&["year", "--year", "2025", "--out", "out"]).ok();
    let months = judged(w, &MONTHS);
    // Every supplier of the year, the newly established one from February.
    let suppliers: BTreeSet<String> = w.figures("2025-03").suppliers().into_iter().filter(|s| s != "ALL").collect();

    let mut expected = Vec::new();
    for s in &suppliers {
        let mut per_metric: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for judged in months.values() {
            for ((supplier, metric), dev) in judged {
                if supplier == s {
                    let e = per_metric.entry(metric.clone()).or_default();
                    e.0 += 1;
                    e.1 += u32::from(*dev);
                }
            }
        }
        for (metric, (stored, deviating)) in per_metric {
            expected.push((s.clone(), metric, stored, deviating));
        }
    }
    let mut got: Vec<(String, String, u32, u32)> = rows(w, "out/2025/year.csv", "supplier_id,metric,months_stored,months_deviating")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].parse().unwrap(), r[3].parse().unwrap()))
        .collect();
    got.sort();
    assert_eq!(got, expected);

    let areas = rows(w, "out/2025/areas.csv", "area,suppliers_deviating,months_deviating");
    let names: Vec<&str> = areas.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, AREAS.map(|a| a.0), "the nine areas in order, no ovrigt without a municipality's own metric");
    for r in &areas {
        let mut suppliers_deviating = BTreeSet::new();
        let mut pairs = BTreeSet::new();
        for (m, judged) in &months {
            for ((s, metric), dev) in judged {
                if *dev && area_of(metric) == r[0] {
                    suppliers_deviating.insert(s.clone());
                    pairs.insert((s.clone(), m.clone()));
                }
            }
        }
        assert_eq!(r[1..], [suppliers_deviating.len().to_string(), pairs.len().to_string()], "{}", r[0]);
    }

    let quarters = rows(w, "out/2025/quarters.csv", "supplier_id,quarter,action_plan");
    assert_eq!(quarters.len(), suppliers.len(), "one quarter with stored months");
    for r in &quarters {
        let any = months.values().any(|j| j.iter().any(|((s, _), d)| s == &r[0] && *d));
        assert_eq!(r[1..], ["2025-Q1".to_string(), if any { "1" } else { "0" }.to_string()], "{}", r[0]);
    }

    let report = w.read("out/2025/arsrapport.md");
    assert!(report.contains("2025-04, 2025-05, 2025-06, 2025-07, 2025-08, 2025-09, 2025-10, 2025-11 och 2025-12"), "{report}");
    assert!(report.contains("6 utförare har följts upp under året."), "{report}");
    // The payment basis opens the summary: the months' ALL rows of payment.csv added up and
    // shown in whole minutes; the fixtures give no hourly rate, so no kronor.
    let payment_header = "supplier_id,month,registered_minutes,questioned_minutes,during_absence_minutes,duplicate_minutes,staff_overlap_minutes,manual_without_reason_minutes,over_granted_minutes,invoiced_minutes,invoice_excess_minutes,questioned_kronor,invoice_excess_kronor";
    let all: Vec<Vec<String>> =
        MONTHS.iter().flat_map(|m| rows(w, &format!("out/{m}/payment.csv"), payment_header)).filter(|r| r[0] == "ALL").collect();
    assert_eq!(all.len(), 3);
    let whole = |column: usize| {
        let hundredths: i64 = all.iter().map(|r| r[column].replace('.', "").parse::<i64>().unwrap()).sum();
        let minutes = ((hundredths + 50) / 100).to_string();
        // Swedish thousands: a space before each group of three digits.
        let mut out = String::new();
        for (i, c) in minutes.chars().enumerate() {
            if i > 0 && (minutes.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    };
    let first = report.split("## Sammanfattning\n\n").nth(1).unwrap().lines().next().unwrap();
    assert!(first.starts_with(&format!("- Ifrågasatt tid under året: {} min av {} min registrerad tid (", whole(3), whole(2))), "{first}");
    assert!(!first.contains(" kr"), "{first}");
    assert!(report.contains("Inga belopp i kronor: ange timpriset"), "{report}");
    assert!(report.contains(&format!("Fakturerad tid utan stöd i registreringarna: {} min av {} min fakturerad tid", whole(10), whole(9))));
    for file in ["arsrapport.docx", "arsrapport.xlsx", "arsrapport.html"] {
        assert!(w.path(&format!("out/2025/{file}")).metadata().unwrap().len() > 1000, "{file}");
    }
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(w.path("out/2025/arsrapport.xlsx")).unwrap();
    use calamine::Reader;
    let about = book.worksheet_range("Om rapporten").unwrap();
    assert_eq!(
        about.get_value((3, 1)),
        Some(&calamine::Data::String("2025-04, 2025-05, 2025-06, 2025-07, 2025-08, 2025-09, 2025-10, 2025-11, 2025-12".into()))
    );
    // Every sheet prints on A4 landscape, one page wide, with page numbers and the report's
    // date as ÅÅÅÅ-MM-DD text (the printing-date code &D prints in the program's locale, e.g.
    // 12/07/2026); long text wraps in rows as high as it needs.
    let made = report.split("Upprättad ").nth(1).and_then(|s| s.get(..10)).expect("the report's date");
    assert!(made.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() }), "{made}");
    let path = w.path("out/2025/arsrapport.xlsx");
    let names = book.sheet_names();
    for (i, name) in names.iter().enumerate() {
        let sheet = crate::common::SheetXml::read(&path, i + 1);
        let setup = sheet.page_setup();
        assert!(setup.contains("paperSize=\"9\"") && setup.contains("orientation=\"landscape\""), "{name}: {setup}");
        assert!(setup.contains("fitToHeight=\"0\"") && sheet.xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}: one page wide");
        assert!(sheet.xml.contains("<oddFooter>&amp;CSida &amp;P av &amp;N</oddFooter>"), "{name}: page numbers");
        assert!(sheet.xml.contains(&format!("<oddHeader>&amp;L{name}&amp;R{made}</oddHeader>")), "{name}: the date as text");
    }
    let areas = book.worksheet_range("Områden").unwrap();
    assert_eq!(areas.get_value((0, 4)), Some(&calamine::Data::String("Mått".into())));
    let sheet = crate::common::SheetXml::read(&path, 1 + names.iter().position(|n| n == "Områden").unwrap());
    let mut long = 0;
    for row in 2..=areas.height() as u32 {
        let metrics = areas.get_value((row - 1, 4)).unwrap().to_string();
        assert!(sheet.wraps(&format!("E{row}")), "E{row}");
        // Bordered, so that the number in C does not run into the names in D on paper.
        assert!(sheet.bordered(&format!("C{row}")) && sheet.bordered(&format!("D{row}")), "row {row}");
        // The column is at most 45 characters wide; a line holds about 50.
        if metrics.chars().count() > 100 {
            assert!(sheet.row_height(row).is_some_and(|h| h >= 45.0), "row {row}: {:?} for {metrics}", sheet.row_height(row));
            long += 1;
        }
    }
    assert!(long > 0, "an area with many metrics");
    let html = w.read("out/2025/arsrapport.html");
    assert_eq!(html.matches("<svg").count(), 9, "a chart per area");
}

/// Months of a small municipality: supplier A checks in by hand only (check-in deviates every
/// month it has), B checks in with tags, C starts in February 2025.
fn small_month(month: &str, suppliers: &[&str]) -> String {
    let mut lines = Vec::new();
    for supplier in suppliers {
        let method = if *supplier == "B" { "nfc" } else { "manual" };
        for (k, day) in [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15].iter().enumerate() {
            lines.push(format!(
                "{supplier}{month}-{k},{supplier},K{supplier}{},P{supplier},{month}-{day:02} 08:00,{month}-{day:02} 08:40,{method},{method},OMV,",
                k % 3
            ));
        }
    }
    visits_file(&lines)
}

fn run_small(w: &Work, months: &[(&str, &[&str])], config: &str) {
    let config = w.write("kommun.toml", config);
    for (month, suppliers) in months {
        let visits = w.write(&format!("visits-{month}.csv"), small_month(month, suppliers));
        w.monthly(&["--quiet", "--month", month, "--visits", &visits, "--config", &config]).ok();
    }
}

fn recommendation(w: &Work, quarter: &str, supplier: &str) -> Vec<String> {
    let all = rows(
        w,
        &format!("out/{quarter}/recommendations.csv"),
        "supplier_id,deviating_metrics,longest_streak_months,recommendation,reasons",
    );
    all.into_iter().find(|r| r[0] == supplier).unwrap_or_else(|| panic!("no row for {supplier}"))
}

fn streak(w: &Work, quarter: &str, supplier: &str, metric: &str) -> Option<(u32, u32)> {
    rows(w, &format!("out/{quarter}/followup.csv"), "supplier_id,metric,months_deviating,streak_months")
        .into_iter()
        .find(|r| r[0] == supplier && r[1] == metric)
        .map(|r| (r[2].parse().unwrap(), r[3].parse().unwrap()))
}

#[test]
fn streaks_reach_back_across_quarters_and_a_missing_month_ends_them() {
    let w = Work::new();
    let months: [(&str, &[&str]); 5] = [
        ("2024-11", &["A", "B"]),
        ("2024-12", &["A", "B"]),
        ("2025-01", &["A", "B"]),
        ("2025-02", &["A", "B", "C"]),
        ("2025-03", &["A", "B", "C"]),
    ];
    // A municipality's own requirement on the mean visit length (40 minutes here: ok at 40).
    run_small(&w, &months, "[requirements]\nvisit_minutes_mean = { min = 41 }\n");
    let quarter = || w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]);
    quarter().ok();
    // Five months of hand check-ins, 2024-11 to 2025-03; C from February.
    assert_eq!(streak(&w, "2025-Q1", "A", "checkin_rate"), Some((3, 5)));
    assert_eq!(streak(&w, "2025-Q1", "C", "checkin_rate"), Some((2, 2)));
    assert_eq!(streak(&w, "2025-Q1", "B", "checkin_rate"), None);
    assert_eq!(streak(&w, "2025-Q1", "B", "visit_minutes_mean"), Some((3, 5)), "the municipality's own metric deviates too");

    // A month missing in the middle ends the streak there.
    std::fs::rename(w.path("out/2024-12"), w.path("saved-2024-12")).unwrap();
    quarter().ok();
    assert_eq!(streak(&w, "2025-Q1", "A", "checkin_rate"), Some((3, 3)));
    std::fs::rename(w.path("saved-2024-12"), w.path("out/2024-12")).unwrap();

    // The year: C appears mid-year; the municipality's own metric counts under `ovrigt`.
    let run = w.tidkoll(&["year", "--year", "2025", "--out", "out"]);
    run.ok();
    let year = rows(&w, "out/2025/year.csv", "supplier_id,metric,months_stored,months_deviating");
    let row = |s: &str, m: &str| year.iter().find(|r| r[0] == s && r[1] == m).map(|r| (r[2].clone(), r[3].clone()));
    assert_eq!(row("A", "checkin_rate"), Some(("3".into(), "3".into())));
    assert_eq!(row("C", "checkin_rate"), Some(("2".into(), "2".into())));
    assert_eq!(row("B", "checkin_rate"), Some(("3".into(), "0".into())));
    assert_eq!(row("B", "visit_minutes_mean"), Some(("3".into(), "3".into())));
    let areas = rows(&w, "out/2025/areas.csv", "area,suppliers_deviating,months_deviating");
    assert_eq!(areas.last().unwrap(), &["ovrigt", "3", "8"], "A, B, C: 3 + 3 + 2 supplier months under 40+ minutes");
    assert_eq!(areas.len(), 10);
    let kvittering = areas.iter().find(|r| r[0] == "kvittering").unwrap();
    assert_eq!(kvittering[1..], ["2", "5"], "A three months, C two");
    let quarters = rows(&w, "out/2025/quarters.csv", "supplier_id,quarter,action_plan");
    assert_eq!(quarters, [["A", "2025-Q1", "1"], ["B", "2025-Q1", "1"], ["C", "2025-Q1", "1"]].map(|r| r.map(String::from).to_vec()));
    assert!(w.read("out/2025/arsrapport.md").contains("| Övrigt | 3 | 8 |"));
}

#[test]
fn both_escalation_rules_fire_at_their_thresholds() {
    let w = Work::new();
    let months: [(&str, &[&str]); 6] = [
        ("2024-10", &["A", "B"]),
        ("2024-11", &["A", "B"]),
        ("2024-12", &["A", "B"]),
        ("2025-01", &["A", "B"]),
        ("2025-02", &["A", "B"]),
        ("2025-03", &["A", "B"]),
    ];
    run_small(&w, &months, "");
    let quarter = |config: &str| {
        let path = w.write("rules.toml", config);
        w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--config", &path]).ok();
    };
    quarter("");
    let a = recommendation(&w, "2025-Q1", "A");
    let deviating: u32 = a[1].parse().unwrap();
    assert_eq!(a[2], "6", "six months of hand check-ins");
    assert!(deviating < 4, "the small months deviate in {deviating} metrics");
    // Streak rule: 6 months at streak_months = 6 fires; at 7 it does not.
    assert_eq!(a[3], "fordjupad_uppfoljning");
    quarter("[escalation]\nstreak_months = 7\n");
    assert_eq!(recommendation(&w, "2025-Q1", "A")[3], "atgardsplan");
    // Count rule: fires at min_metrics = the number of deviating metrics, not one above.
    quarter(&format!("[escalation]\nstreak_months = 12\nmin_metrics = {deviating}\n"));
    assert_eq!(recommendation(&w, "2025-Q1", "A")[3], "fordjupad_uppfoljning");
    quarter(&format!("[escalation]\nstreak_months = 12\nmin_metrics = {}\n", deviating + 1));
    assert_eq!(recommendation(&w, "2025-Q1", "A")[3], "atgardsplan");
    assert_eq!(recommendation(&w, "2025-Q1", "B")[3], "ingen");
}

#[test]
fn a_newly_established_supplier_is_proposed_for_a_deeper_follow_up_in_its_sixth_month() {
    let w = Work::new();
    // A from 2024-09, the first stored month (its start is unknown); N from 2024-10, so its
    // fifth month is 2025-02 and its sixth 2025-03.
    let mut months: Vec<(&str, &[&str])> = vec![("2024-09", &["A"])];
    for m in ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"] {
        months.push((m, &["A", "N"]));
    }
    run_small(&w, &months, "");
    let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]);
    run.ok();
    let n = recommendation(&w, "2025-Q1", "N");
    assert_eq!((n[3].as_str(), n[4].rsplit(';').next().unwrap()), ("fordjupad_uppfoljning", "new_supplier"), "{n:?}");
    assert!(!recommendation(&w, "2025-Q1", "A")[4].contains("new_supplier"), "A's sixth month, but its start is unknown");
    // The terminal lists N's reasons under its name, one a line.
    let reason = "Nyetablerad utförare: 6:e månaden med brukare (kommunens rutin efter ett halvår, inte ett fynd mot utföraren)";
    assert!(run.stdout.contains(&format!("  N:\n    {reason}\n")) || run.stdout.contains(&format!("\n    {reason}\n")), "{}", run.stdout);
    // Its action plan (the small months deviate) says why, as a routine and not a finding.
    let plan = w.read("out/2025-Q1/leverantorer/N/atgardsplan-N.md");
    assert!(
        plan.contains("Fördjupad uppföljning: Kommunen avser att inleda en fördjupad uppföljning av utföraren.")
            && plan.contains(&format!("- {reason}\n")),
        "{plan}"
    );
    // In 2024-Q4 (its first to third months) N is not proposed for being new.
    w.tidkoll(&["quarter", "--quarter", "2024-Q4", "--out", "out"]).ok();
    assert!(!recommendation(&w, "2024-Q4", "N")[4].contains("new_supplier"));
    // The year names the reason too.
    w.tidkoll(&["year", "--year", "2025", "--out", "out"]).ok();
    assert!(w.read("out/2025/arsrapport.md").contains(reason));
    // With new_supplier_months = 7 the seventh month, 2025-04, is the one: not in Q1.
    let config = w.write("sju.toml", "[escalation]\nnew_supplier_months = 7\n");
    w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out", "--config", &config]).ok();
    assert!(!recommendation(&w, "2025-Q1", "N")[4].contains("new_supplier"));
}

#[test]
fn a_year_without_a_stored_month_is_refused_naming_the_monthly_command() {
    let w = Work::new();
    let run = w.tidkoll(&["year", "--year", "2031", "--out", "out"]);
    run.fails_with(3);
    assert!(run.stderr.contains("ingen månad av 2031 har körts") && run.stderr.contains("tidkoll monthly"), "{}", run.stderr);
    w.tidkoll(&["year", "--year", "31", "--out", "out"]).fails_with(2);
}

#[test]
fn a_supplier_is_investigated_over_a_year_with_its_streaks() {
    let w = Work::new();
    run_small(&w, &[("2024-12", &["A", "B"]), ("2025-01", &["A", "B"]), ("2025-02", &["A", "B"])], "");
    let run = w.tidkoll(&["investigate", "--supplier", "A", "--year", "2025", "--out", "out"]);
    run.ok();
    assert!(run.stdout.contains("2025-03, 2025-04"), "missing months named: {}", run.stdout);
    let line = run.stdout.lines().find(|l| l.trim_start().starts_with("Andel kvitterade besök") && l.contains("i följd")).unwrap();
    assert!(line.contains("avvikelse 2 av 2 månader, 3 i följd"), "{line}");
    let page = w.read("out/utredningar/A-2025/utredning.html");
    assert!(page.contains("Månader i följd till och med 2025-02"), "the page has the streaks");
}

#[test]
fn the_year_report_opens_with_a_summary_of_the_municipalitys_values_against_the_requirements() {
    let w = Work::new();
    run_months(&w, &MONTHS);
    let run = w.tidkoll(&["year", "--year", "2025", "--out", "out"]);
    run.ok();
    let md = w.read("out/2025/arsrapport.md");
    let summary = md.split("## Sammanfattning\n").nth(1).unwrap().split("\n## ").next().unwrap();
    // Hand-computed from the months: every client's visits and verified visits added up, and
    // the municipality's flag counts over the same visits.
    let (mut visits, mut checked_in, mut duplicates) = (0u64, 0u64, 0.0);
    for month in MONTHS {
        let clients = w.read(&format!("out/{month}/clients.csv"));
        let mut lines = clients.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            visits += cells[col("visits")].parse::<u64>().unwrap();
            checked_in += cells[col("checked_in")].parse::<u64>().unwrap();
        }
        duplicates += w.figures(month).value("ALL", "flag.duplicate").unwrap();
    }
    let checkin = checked_in as f64 / visits as f64;
    let checkin_months = MONTHS.iter().filter(|m| w.figures(m).status("ALL", "checkin_rate") == "deviation").count();
    let sv = |v: f64| format!("{v:.1}").replace('.', ",");
    let status = |deviates: bool| if deviates { "avvikelse" } else { "uppfyllt" };
    let row =
        format!("| Andel kvitterade besök | minst 90 % | {} % | {} | {checkin_months} av 3 |", sv(checkin * 100.0), status(checkin < 0.9));
    assert!(summary.contains(&row), "{row}\n{summary}");
    let rate = duplicates * 1000.0 / visits as f64;
    let row = format!("| Dubbelregistrering per 1 000 besök | högst 1 per 1 000 besök | {} | {} |", sv(rate), status(rate > 1.0));
    assert!(summary.contains(&row), "{row}\n{summary}");
    let mut suppliers: Vec<String> =
        ["2025-01", "2025-02", "2025-03"].iter().flat_map(|m| w.figures(m).suppliers()).filter(|s| s != "ALL").collect();
    suppliers.sort();
    suppliers.dedup();
    let suppliers = suppliers.len();
    assert!(summary.contains(&format!("- {suppliers} utförare har följts upp under 3 av årets 12 månader.\n")), "{summary}");
    let plans = w.read("out/2025/quarters.csv").lines().filter(|l| l.ends_with(",1")).count();
    assert!(summary.contains(&format!("sammanlagt {plans} åtgärdsplaner")), "{summary}");
    assert!(run.stdout.contains("Hela kommunen uppfyller "), "{}", run.stdout);
    // Each area names the suppliers that deviated in it, with their months.
    let areas = md.split("## Områden med avvikelser").nth(1).unwrap();
    assert!(areas.contains("| Registrering | "), "{areas}");
    let registrering = areas.lines().find(|l| l.starts_with("| Registrering | ")).unwrap();
    assert!(registrering.contains("Trygg Vård AB (3)"), "{registrering}");
    let core = {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::fs::File::open(w.path("out/2025/arsrapport.docx")).unwrap()).unwrap();
        let mut text = String::new();
        archive.by_name("docProps/core.xml").unwrap().read_to_string(&mut text).unwrap();
        text
    };
    assert!(core.contains("<dc:title>Årsrapport 2025 – uppföljning av tidsregistrering i hemtjänsten</dc:title>"), "{core}");
    // A chart per area with deviations, as PNG in the Word file and beside the Markdown, and
    // the same chart (as SVG) on the HTML page, each naming the suppliers.
    let with_deviations: Vec<String> = w
        .read("out/2025/areas.csv")
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) != Some("0"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert!(with_deviations.len() >= 5, "{with_deviations:?}");
    let archive = zip::ZipArchive::new(std::fs::File::open(w.path("out/2025/arsrapport.docx")).unwrap()).unwrap();
    let media: Vec<&str> = archive.file_names().filter(|n| n.starts_with("word/media/") && n.ends_with(".png")).collect();
    assert_eq!(media.len(), with_deviations.len(), "{media:?}");
    for area in &with_deviations {
        let png = std::fs::read(w.path(&format!("out/2025/diagram-{area}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(md.contains(&format!("](diagram-{area}.png)")), "{area}");
    }
    let html = w.read("out/2025/arsrapport.html");
    assert_eq!(html.matches("<svg").count(), with_deviations.len());
    assert!(html.contains("Trygg Vård AB (3 mån)"), "the legend names the supplier and its months");
}

//! Registrations that cannot be true (SPEC §4): each new flag at its boundaries, and the key
//! figures `unserved_clients` and `manual_reason_share`, on hand-made files.

use crate::common::{full_quarter, Work};

const HEADER: &str =
    "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,area,manual_reason";

/// A visit on March `day` 2025, local times `HH:MM`.
fn v(id: &str, client: &str, staff: &str, day: u32, from: &str, to: &str, area: &str) -> String {
    format!("{id},S1,{client},{staff},2025-03-{day:02} {from},2025-03-{day:02} {to},nfc,nfc,OMV,{area},")
}

fn visits(lines: &[String]) -> String {
    format!("{HEADER}\n{}\n", lines.join("\n"))
}

/// The visit ids carrying `flag`, sorted.
fn flagged(w: &Work, flag: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        w.flags("2025-03").iter().filter(|r| r.split(',').nth(2) == Some(flag)).map(|r| r.split(',').next().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn a_long_day_is_more_than_600_minutes() {
    let w = Work::new();
    let mut lines = Vec::new();
    // p1 on day 3: 5 × 120 = exactly 600 minutes; p2 on day 4: 600 minutes and one more.
    for k in 0..5 {
        let (from, to) = (format!("{:02}:00", 7 + 2 * k), format!("{:02}:00", 9 + 2 * k));
        lines.push(v(&format!("a{k}"), &format!("c{k}"), "p1", 3, &from, &to, ""));
        let to = if k == 4 { "17:01".to_string() } else { to };
        lines.push(v(&format!("b{k}"), &format!("c{k}"), "p2", 4, &from, &to, ""));
    }
    let file = w.write("visits.csv", visits(&lines));
    w.monthly(&["--visits", &file]).ok();
    assert_eq!(flagged(&w, "long_day"), ["b0", "b1", "b2", "b3", "b4"]);
    w.figures("2025-03").assert("S1", "flag.long_day", Some(5.0), "info");
}

#[test]
fn the_eleventh_working_day_in_a_row_is_flagged() {
    let w = Work::new();
    let mut lines = Vec::new();
    // p1 works days 1–10 (ten in a row, allowed), p2 days 1–12 with two visits on day 12.
    for day in 1..=10 {
        lines.push(v(&format!("a{day:02}"), "c1", "p1", day, "08:00", "08:30", ""));
    }
    for day in 1..=12 {
        lines.push(v(&format!("b{day:02}"), "c2", "p2", day, "09:00", "09:30", ""));
    }
    lines.push(v("b12x", "c3", "p2", 12, "10:00", "10:30", ""));
    // A visit without a check-out still counts as a working day.
    lines.push("c01,S1,c4,p3,2025-03-20 08:00,,nfc,,OMV,,".to_string());
    let file = w.write("visits.csv", visits(&lines));
    w.monthly(&["--visits", &file]).ok();
    assert_eq!(flagged(&w, "no_day_off"), ["b11", "b12", "b12x"]);
}

#[test]
fn a_run_of_working_days_ending_on_the_31st_flags_the_31st() {
    let w = Work::new();
    // Days 21–31: the eleventh day in a row is the last day of the month.
    let lines: Vec<String> = (21..=31).map(|day| v(&format!("d{day}"), "c1", "p1", day, "08:00", "08:30", "")).collect();
    let file = w.write("visits.csv", visits(&lines));
    w.monthly(&["--visits", &file]).ok();
    assert_eq!(flagged(&w, "no_day_off"), ["d31"]);
}

#[test]
fn travel_between_homes_takes_at_least_a_minute_and_five_between_districts() {
    let w = Work::new();
    let lines = [
        // Same district: a gap of exactly 1 minute is possible, 0 is not.
        v("a1", "c1", "p1", 3, "08:00", "08:30", "Norr"),
        v("a2", "c2", "p1", 3, "08:31", "09:00", "Norr"),
        v("a3", "c3", "p1", 3, "09:00", "09:20", "Norr"),
        // Another district: exactly 5 minutes is possible, 4 is not.
        v("b1", "c1", "p2", 4, "08:00", "08:30", "Norr"),
        v("b2", "c2", "p2", 4, "08:35", "09:00", "Söder"),
        v("b3", "c3", "p2", 4, "09:04", "09:20", "Väster"),
        // Without a district the same-district time applies: 4 minutes is enough.
        v("d1", "c1", "p3", 5, "08:00", "08:30", "Norr"),
        v("d2", "c2", "p3", 5, "08:34", "09:00", ""),
        // The same client twice is not travel.
        v("e1", "c1", "p4", 6, "08:00", "08:30", "Norr"),
        v("e2", "c1", "p4", 6, "08:30", "09:00", "Söder"),
    ];
    let file = w.write("visits.csv", visits(&lines));
    w.monthly(&["--visits", &file]).ok();
    assert_eq!(flagged(&w, "short_travel"), ["a2", "a3", "b2", "b3"]);
    let rows = w.flags("2025-03");
    assert!(rows.contains(&"b3,S1,short_travel,b2".to_string()) && rows.contains(&"b2,S1,short_travel,b3".to_string()), "{rows:?}");
}

fn absence_run(absences: &str) -> Work {
    let w = Work::new();
    let lines = [
        // A personnummer client, written with century and hyphen in the visits.
        v("a1", "19400101-1234", "p1", 9, "23:59", "23:59", ""),
        v("a2", "19400101-1234", "p1", 10, "00:00", "00:20", ""),
        v("a3", "19400101-1234", "p1", 14, "23:59", "23:59", ""),
        v("a4", "19400101-1234", "p1", 15, "00:00", "00:20", ""),
        v("b1", "c2", "p1", 20, "08:00", "08:30", ""),
        v("b2", "c2", "p1", 20, "11:00", "11:30", ""),
        v("c1", "c3", "p2", 25, "07:59", "08:10", ""),
        v("c2", "c3", "p2", 25, "08:00", "08:10", ""),
        // No check-out: still a visit during the absence.
        "c3,S1,c3,p2,2025-03-28 09:00,,nfc,,OMV,,".to_string(),
    ];
    let file = w.write("visits.csv", visits(&lines));
    let absences = w.write("absences.csv", absences);
    w.monthly(&["--visits", &file, "--absences", &absences]).ok();
    w
}

#[test]
fn visits_during_an_absence_are_flagged_up_to_its_end() {
    // Hospital days 10–14 (dates: the whole of the 14th), without century or hyphen; away
    // 08:30–11:00 on the 20th (the visit at 11:00 is after it); deceased from the 25th 08:00.
    let w = absence_run("Personnummer;Från;Till;Orsak\n4001011234;2025-03-10;2025-03-14;sjukhus\nc2;2025-03-20 08:30;2025-03-20 11:00;sjukhus\nc3;2025-03-25 08:00;;avliden\nc9;2025-02-01;2025-02-03;sjukhus\n");
    assert_eq!(flagged(&w, "during_absence"), ["a2", "a3", "c2", "c3"]);
    let f = w.figures("2025-03");
    f.assert("S1", "flag.during_absence", Some(4.0), "info");
    f.assert("S1", "flag_rate.during_absence", Some(4000.0 / 9.0), "deviation");
    let m = w.manifest("2025-03");
    assert_eq!(crate::common::accounting(&m, "absences.csv"), (4, 4, 0, 0, 1), "the February absence is outside the month");
}

#[test]
fn an_absence_ending_before_it_starts_is_rejected_and_none_given_is_missing() {
    let w = Work::new();
    let file = w.write("visits.csv", visits(&[v("a1", "c2", "p1", 20, "08:00", "08:30", "")]));
    let absences = w.write("absences.csv", "client_id,absent_from,absent_to\nc2,2025-03-20 08:30,2025-03-20 08:00\n");
    // One row of one is over the reject limit: nothing is published.
    w.monthly(&["--visits", &file, "--absences", &absences]).fails_with(3);
    let rejects = w.read("out/refused-rejects.csv");
    assert!(rejects.contains("absent_to: before absent_from – frånvaron slutar innan den börjar"), "{rejects}");

    let w = Work::new();
    let file = w.write("visits.csv", visits(&[v("a1", "c1", "p1", 3, "08:00", "08:30", "")]));
    w.monthly(&["--visits", &file]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "flag.during_absence", None, "missing");
    f.assert("S1", "flag_rate.during_absence", None, "missing");
}

#[test]
fn unserved_clients_and_manual_reasons() {
    let w = Work::new();
    let lines = [
        "a1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,manuell,nfc,OMV,,Glömde kvittera".to_string(),
        "a2,S1,c1,p1,2025-03-04 08:00,2025-03-04 08:30,nfc,manual,OMV,,".to_string(),
        "a3,S1,c1,p1,2025-03-05 08:00,2025-03-05 08:30,nfc,nfc,OMV,,".to_string(),
        "b1,S2,c1,p1,2025-03-05 08:00,2025-03-05 08:30,nfc,nfc,OMV,,".to_string(),
    ];
    let file = w.write("visits.csv", visits(&lines));
    // S1: c1 visited, c2 granted 0 (not unserved), c3 granted and never visited. S2: no granted.
    let granted = w.write(
        "granted.csv",
        "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,60\nS1,c2,2025-03,0\nS1,c3,2025-03,30\nS3,c4,2025-03,45\n",
    );
    w.monthly(&["--visits", &file, "--granted", &granted]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "unserved_clients", Some(1.0), "deviation");
    f.assert("S2", "unserved_clients", None, "missing");
    f.assert("S3", "unserved_clients", Some(1.0), "deviation");
    f.assert("ALL", "unserved_clients", Some(2.0), "deviation");
    f.assert("S1", "manual_reason_share", Some(0.5), "deviation");
    f.assert("S2", "manual_reason_share", None, "missing");
    let evidence = w.read("out/2025-03/evidence.csv");
    assert!(evidence.contains("S1,manual_reason_share,visit,a2,"), "{evidence}");
    assert!(evidence.lines().any(|l| l.starts_with("S1,unserved_clients,client,K-") && l.ends_with(",30,")), "{evidence}");

    // Without a manual_reason column the share is missing.
    let w = Work::new();
    let file = w.write("visits.csv", "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method\na1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,manual,nfc\n");
    w.monthly(&["--visits", &file]).ok();
    w.figures("2025-03").assert("S1", "manual_reason_share", None, "missing");
}

#[test]
fn the_plan_and_the_investigation_name_the_absence_and_the_days() {
    let (w, run) = full_quarter();
    run.ok();
    let plan = w.read("out/2025-Q1/leverantorer/Trygg-Vård-AB/atgardsplan-Trygg-Vård-AB.md");
    assert!(plan.contains("## ") && plan.contains("Besök under kundens frånvaro per 1 000 besök"), "{plan}");
    assert!(plan.contains("| Månad | Frånvaro | Besök under frånvaron |") && plan.contains("| 2025-03 | K-"), "{plan}");
    assert!(plan.contains(": sjukhus, 2025-03-10 – 2025-03-14 | "), "the hospital stay as dates: {plan}");
    assert!(plan.contains(": korttidsboende, 2025-03-25 08:00 – tills vidare | "), "open-ended: {plan}");
    assert!(tidkoll::privacy::personnummer_spans(plan.as_bytes()).is_empty(), "no personnummer in the plan");

    let run = w.tidkoll(&["investigate", "--supplier", "Vardag Omsorg AB", "--month", "2025-03", "--out", "out"]);
    run.ok();
    assert!(run.stdout.contains("Registreringar som inte kan stämma:"), "{}", run.stdout);
    assert!(run.stdout.contains("arbetade 625 minuter hos kunder 2025-03-03 (5 besök)"), "{}", run.stdout);
    let run = w.tidkoll(&["investigate", "--supplier", "Nära Hemtjänst AB", "--month", "2025-03", "--out", "out"]);
    run.ok();
    assert!(run.stdout.contains("utan ledig dag: 2025-03-11"), "{}", run.stdout);
    assert!(run.stdout.contains("beviljad 1200 minuter, inget besök"), "{}", run.stdout);
    let html = w.read("out/utredningar/Nära-Hemtjänst-AB-2025-03/utredning.html");
    assert!(html.contains("<h2>Registreringar som inte kan stämma</h2>") && html.contains("Kund utan besök"), "html");
}

//! Registration statuses (SPEC v3 §2.1, §3 `declined_share`, §4 `declined_remainder`): only
//! performed visits are visits, every status is an accepted row, hand-computed on small files.

use crate::common::{accounting, Work};

const HEADER: &str = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,area,status";

/// A registration on March 3 2025 of supplier `supplier`; times `HH:MM` or `HH:MM:SS`, an empty
/// `to` for none.
fn r(id: &str, supplier: &str, client: &str, staff: &str, from: &str, to: &str, status: &str) -> String {
    let (check_out, out_method) = if to.is_empty() { (String::new(), "") } else { (format!("2025-03-03 {to}"), "nfc") };
    format!("{id},{supplier},{client},{staff},2025-03-03 {from},{check_out},nfc,{out_method},OMV,Norr,{status}")
}

fn file(lines: &[String]) -> String {
    format!("{HEADER}\n{}\n", lines.join("\n"))
}

/// Rows of flags.csv with `flag`, as (visit, related).
fn flag_rows(w: &Work, flag: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = w
        .flags("2025-03")
        .iter()
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[2] == flag)
        .map(|f| (f[0].clone(), f[3].clone()))
        .collect();
    rows.sort();
    rows
}

#[test]
fn the_declined_share_counts_every_status_in_its_denominator_and_only_performed_visits_are_visits() {
    let w = Work::new();
    let lines = [
        r("v1", "S1", "c1", "p1", "08:00", "08:30", "Utförd"),
        r("v2", "S1", "c2", "p1", "09:00", "09:30", ""),
        r("v3", "S1", "c3", "p2", "10:00", "10:30", "genomförd"),
        // Checked in with the app: the one performed visit without verified check-in.
        "v4,S1,c4,p2,2025-03-03 11:00,2025-03-03 11:30,app,app,OMV,Norr,performed".to_string(),
        // Declined, not at home and cancelled: registered with the app and no check-out, and
        // still no effect on the check-in rate or missing check-outs.
        "d1,S1,c5,p3,2025-03-03 12:00,,app,,OMV,Norr,AVBÖJD".to_string(),
        r("d2", "S1", "c6", "p3", "13:00", "", "Ej hemma"),
        r("d3", "S1", "c7", "p3", "14:00", "", "Inställd"),
        // A supplier with declined registrations only: rows, but no visit.
        r("d4", "S2", "c1", "p1", "08:00", "", "avböjt"),
    ];
    let visits = w.write("visits.csv", file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let f = w.figures("2025-03");
    // S1: 4 performed visits, 2 of 7 registrations declined or not at home (the cancelled
    // one counts in the denominator only).
    f.assert("S1", "declined_share", Some(2.0 / 7.0), "deviation");
    f.assert("S1", "checkin_rate", Some(3.0 / 4.0), "deviation");
    f.assert("S1", "flag.missing_checkout", Some(0.0), "info");
    f.assert("S1", "flag_rate.missing_checkout", Some(0.0), "ok");
    f.assert("S2", "declined_share", Some(1.0), "deviation");
    f.assert("S2", "checkin_rate", None, "missing");
    f.assert("S2", "flag.duplicate", Some(0.0), "info");
    f.assert("S2", "flag_rate.declined_remainder", None, "missing");
    f.assert("ALL", "declined_share", Some(3.0 / 8.0), "deviation");
    // Every status is an accepted row.
    assert_eq!(accounting(&w.manifest("2025-03"), "visits.csv"), (8, 8, 0, 0, 0));
    assert_eq!(w.manifest("2025-03")["accounting"]["visits_analysed"], 8);
    // Staff with declined registrations only have a row with no visits; p3 is named as the
    // staff member with the most declined registrations.
    let staff = w.read("out/2025-03/staff.csv");
    assert!(staff.lines().any(|l| l.starts_with("S1,p3,0,0,")), "{staff}");
    let evidence = w.read("out/2025-03/evidence.csv");
    assert!(evidence.lines().any(|l| l.starts_with("S1,declined_share,staff,p3,2,")), "{evidence}");
    assert!(evidence.lines().any(|l| l.starts_with("S1,declined_share,visit,d1,")), "{evidence}");
    assert!(!evidence.lines().any(|l| l.starts_with("S1,declined_share,visit,d3,")), "cancelled is not declined: {evidence}");
    assert!(!evidence.lines().any(|l| l.starts_with("S1,checkin_rate,visit,d1,")), "declined is no visit: {evidence}");
}

#[test]
fn without_a_status_column_the_new_figure_and_flag_are_missing() {
    let w = Work::new();
    let text = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services\n\
                v1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:10,nfc,nfc,OMV\n\
                v2,S1,c1,p1,2025-03-03 08:10,2025-03-03 08:20,nfc,nfc,TILLSYN\n";
    let visits = w.write("visits.csv", text);
    w.monthly(&["--visits", &visits]).ok();
    let f = w.figures("2025-03");
    for supplier in ["S1", "ALL"] {
        f.assert(supplier, "declined_share", None, "missing");
        f.assert(supplier, "flag.declined_remainder", None, "missing");
        f.assert(supplier, "flag_rate.declined_remainder", None, "missing");
        f.assert(supplier, "flag.adjacent", Some(2.0), "info");
    }
}

#[test]
fn the_declined_remainder_is_a_declined_registration_at_most_a_minute_after_the_same_staff_members_visit() {
    let w = Work::new();
    let lines = [
        // Gap 0: flagged, naming the performed visit.
        r("a1", "S1", "c1", "p1", "08:00", "08:04", "utförd"),
        r("a2", "S1", "c1", "p1", "08:04", "", "avböjd"),
        // Gap 1 minute, not at home: flagged.
        r("b1", "S1", "c2", "p1", "09:00", "09:03", "utförd"),
        r("b2", "S1", "c2", "p1", "09:04", "09:30", "ej hemma"),
        // Gap 2 minutes: not flagged.
        r("c1", "S1", "c3", "p1", "10:00", "10:03", "utförd"),
        r("c2", "S1", "c3", "p1", "10:05", "", "avböjd"),
        // Another staff member declined right after: not flagged.
        r("e1", "S1", "c4", "p1", "11:00", "11:03", "utförd"),
        r("e2", "S1", "c4", "p2", "11:03", "", "avböjd"),
        // Cancelled right after: not flagged.
        r("f1", "S1", "c5", "p2", "12:00", "12:03", "utförd"),
        r("f2", "S1", "c5", "p2", "12:03", "", "inställd"),
        // A declined registration after two performed visits within the minute: one row each.
        r("g1", "S1", "c6", "p3", "13:00", "13:10", "utförd"),
        r("g2", "S1", "c6", "p3", "13:00:30", "13:10:30", "utförd"),
        r("g3", "S1", "c6", "p3", "13:11", "", "avböjd"),
    ];
    let visits = w.write("visits.csv", file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        flag_rows(&w, "declined_remainder"),
        [pair("a2", "a1"), pair("b2", "b1"), pair("g3", "g1"), pair("g3", "g2")],
        "only the declined registration is flagged"
    );
    let f = w.figures("2025-03");
    // Three declined registrations flagged per 1,000 of the 7 performed visits.
    f.assert("S1", "flag.declined_remainder", Some(3.0), "info");
    f.assert("S1", "flag_rate.declined_remainder", Some(3000.0 / 7.0), "deviation");
    // 5 of 13 registrations declined or not at home.
    f.assert("S1", "declined_share", Some(5.0 / 13.0), "deviation");
    // The evidence's examples are pairs: the declined registration and the visit it follows.
    let evidence = w.read("out/2025-03/evidence.csv");
    assert!(evidence.lines().any(|l| l == "S1,flag.declined_remainder,visit,a2,,\"2025-03-03 08:04, p1, efter besök a1\""), "{evidence}");
    assert!(evidence.lines().any(|l| l.ends_with("p3, efter besök g1 och g2\"")), "{evidence}");
    // The declined registrations take part in no other flag: g1 and g2 are a duplicate pair,
    // and nothing else is flagged.
    let others: Vec<String> = w.flags("2025-03").into_iter().filter(|l| !l.contains(",declined_remainder,")).collect();
    assert_eq!(others, ["g1,S1,duplicate,g2", "g2,S1,duplicate,g1"]);
}

#[test]
fn a_declined_registration_is_no_partner_of_duplicate_adjacent_or_short_travel() {
    let w = Work::new();
    let lines = [
        // The same staff member, client and service, overlapping: no duplicate.
        r("a1", "S1", "c1", "p1", "08:00", "08:30", "utförd"),
        r("a2", "S1", "c1", "p1", "08:10", "08:20", "avböjd"),
        // Another staff member one minute after at the same client: no adjacent.
        r("b1", "S1", "c2", "p2", "09:00", "09:30", "utförd"),
        r("b2", "S1", "c2", "p3", "09:31", "09:40", "ej hemma"),
        // The same staff member at another client the same minute: no short travel.
        r("c1", "S1", "c3", "p4", "10:00", "10:30", "utförd"),
        r("c2", "S1", "c4", "p4", "10:30", "10:40", "avböjd"),
    ];
    let visits = w.write("visits.csv", file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    assert_eq!(w.flags("2025-03"), Vec::<String>::new());
    let f = w.figures("2025-03");
    for flag in ["duplicate", "adjacent", "repeated_service", "short_travel", "staff_overlap", "declined_remainder"] {
        f.assert("S1", &format!("flag.{flag}"), Some(0.0), "info");
    }
}

#[test]
fn a_client_with_only_cancelled_or_declined_registrations_is_unserved() {
    let w = Work::new();
    let lines = [
        r("v1", "S1", "c1", "p1", "08:00", "08:45", "utförd"),
        r("v2", "S1", "c2", "p1", "09:00", "", "inställd"),
        r("v3", "S1", "c3", "p1", "10:00", "", "avböjd"),
    ];
    let visits = w.write("visits.csv", file(&lines));
    let granted =
        w.write("granted.csv", "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,60\nS1,c2,2025-03,60\nS1,c3,2025-03,30\n");
    w.monthly(&["--visits", &visits, "--granted", &granted]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "unserved_clients", Some(2.0), "deviation");
    // 45 performed minutes of 150 granted.
    f.assert("S1", "completion_rate", Some(45.0 / 150.0), "deviation");
    let clients = w.read("out/2025-03/clients.csv");
    assert_eq!(clients.lines().count(), 4, "every client has its row: {clients}");
}

#[test]
fn an_unknown_status_rejects_the_row_and_a_configured_alias_adds_to_the_built_in_ones() {
    let w = Work::new();
    let mut lines: Vec<String> = (0..10)
        .map(|k| r(&format!("v{k}"), "S1", "c1", "p1", &format!("{:02}:00", 8 + k), &format!("{:02}:30", 8 + k), "Utförd"))
        .collect();
    lines.push(r("x1", "S1", "c1", "p1", "20:00", "", "Kanske"));
    lines.push(r("x2", "S1", "c2", "p1", "21:00", "", "Avböjt av kund"));
    let visits = w.write("visits.csv", file(&lines));
    let config = w.write("tidkoll.toml", "[input]\nmax_reject_rate = 0.2\n[status.aliases]\n\"Avböjt av kund\" = \"declined\"\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    assert_eq!(accounting(&w.manifest("2025-03"), "visits.csv"), (12, 11, 1, 0, 0));
    let rejects = w.read("out/2025-03/rejects.csv");
    assert!(rejects.contains("status: unknown status – okänd status 'Kanske'") && rejects.contains("[status.aliases]"), "{rejects}");
    w.figures("2025-03").assert("S1", "declined_share", Some(1.0 / 11.0), "deviation");
}

#[test]
fn the_investigation_lists_the_flagged_declined_registration_and_measures_performed_visits() {
    let w = Work::new();
    let lines = [r("a1", "S1", "c1", "p1", "08:00", "08:04", "utförd"), r("a2", "S1", "c1", "p1", "08:05", "08:30", "avböjd")];
    let visits = w.write("visits.csv", file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    w.tidkoll(&["investigate", "--supplier", "S1", "--month", "2025-03", "--out", "out", "--quiet"]).ok();
    let flagged = w.read("out/utredningar/S1-2025-03/flaggade_besok.csv");
    let row = flagged.lines().find(|l| l.contains("a2")).unwrap_or_else(|| panic!("{flagged}"));
    assert!(row.contains(";declined_remainder;a1;") && row.contains(";p1;"), "{row}");
    // One performed visit of 4 minutes: no gap measured (the declined one is no visit).
    let gaps = w.read("out/utredningar/S1-2025-03/mellanrum.csv");
    assert!(gaps.lines().skip(1).all(|l| l.ends_with(";0") || l.ends_with(",0")), "{gaps}");
}

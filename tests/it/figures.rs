//! Key figures of SPEC §3 on tiny inputs, with the expected numbers worked out by hand.

use crate::common::*;

#[test]
fn a_requirement_given_as_an_empty_table_is_removed() {
    let w = Work::new();
    let lines =
        ["v1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,", "v2,S1,c1,p1,2025-03-03 12:00,2025-03-03 12:30,manual,nfc,OMV,"]
            .map(String::from);
    let visits = w.write("visits.csv", visits_file(&lines));
    // DECISIONS: `{}` removes the built-in requirement (status info), and without a
    // checkin_rate requirement every staff member passes.
    let config = w.write("k.toml", "[parameters]\nmin_visits = 2\n[requirements]\ncheckin_rate = {}\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "checkin_rate", Some(0.5), "info");
    f.assert("S1", "checkin_staff_share", Some(1.0), "ok");
}

#[test]
fn a_client_without_visits_is_not_judged_on_check_in_even_with_min_visits_0() {
    let w = Work::new();
    // c1 has one verified visit; c2 is granted time but never visited (a tally of 0 visits).
    let lines = ["v1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,"].map(String::from);
    let visits = w.write("visits.csv", visits_file(&lines));
    let granted = w.write("granted.csv", "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,30\nS1,c2,2025-03,60\n");
    let config = w.write("k.toml", "[parameters]\nmin_visits = 0\n");
    w.monthly(&["--visits", &visits, "--granted", &granted, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "unserved_clients", Some(1.0), "deviation");
    f.assert("S1", "checkin_client_share", Some(1.0), "ok");
}

#[test]
fn checkin_rate_durations_and_member_shares() {
    let w = Work::new();
    // v1 verified, 30 min; v2 out manual, 4 min (short); v3 no check-out; v4 in manual, 20 min;
    // v5 verified but negative; v6 verified but 800 min (overlong).
    let lines = [
        "v1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,",
        "v2,S1,c1,p1,2025-03-03 12:00,2025-03-03 12:04,nfc,manual,OMV,",
        "v3,S1,c2,p2,2025-03-03 09:00,,lock,,OMV,",
        "v4,S1,c2,p2,2025-03-03 10:00,2025-03-03 10:20,manual,nfc,OMV,",
        "v5,S1,c3,p1,2025-03-04 11:00,2025-03-04 10:50,nfc,nfc,OMV,",
        "v6,S1,c3,p2,2025-03-04 13:00,2025-03-05 02:20,nfc,lock,OMV,",
        "w1,S2,d1,q1,2025-03-05 08:00,2025-03-05 08:10,tagg,Lås,OMV,",
        "w2,S2,d1,q1,2025-03-06 08:00,2025-03-06 08:20,NFC,digitalt lås,OMV,",
    ]
    .map(String::from);
    let visits = w.write("visits.csv", visits_file(&lines));
    // min_visits 2 and checkin_rate ≥ 0.6: p1 2/3 passes, p2 1/3 fails; c1 1/2, c2 0/2 fail, c3 2/2 passes.
    let config = w.write("k.toml", "[parameters]\nmin_visits = 2\n[requirements]\ncheckin_rate = { min = 0.6 }\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "checkin_rate", Some(0.5), "deviation");
    f.assert("S1", "checkin_staff_share", Some(0.5), "deviation");
    f.assert("S1", "checkin_client_share", Some(1.0 / 3.0), "deviation");
    f.assert("S1", "visit_minutes_mean", Some(18.0), "info");
    f.assert("S1", "visit_minutes_median", Some(20.0), "info");
    f.assert("S1", "short_visit_share", Some(1.0 / 3.0), "deviation");
    // Even count: the median is the mean of the two middle values.
    f.assert("S2", "visit_minutes_median", Some(15.0), "info");
    f.assert("S2", "checkin_rate", Some(1.0), "ok");
    f.assert("S2", "short_visit_share", Some(0.0), "ok");
    // ALL pools the visits; staff and clients are identified per supplier.
    f.assert("ALL", "checkin_rate", Some(5.0 / 8.0), "ok");
    f.assert("ALL", "checkin_staff_share", Some(2.0 / 3.0), "deviation");
    f.assert("ALL", "visit_minutes_mean", Some((30.0 + 4.0 + 20.0 + 10.0 + 20.0) / 5.0), "info");
    f.assert("ALL", "visit_minutes_median", Some(20.0), "info");
    // No granted or add-on file: missing, never 0 and never a deviation.
    for s in ["S1", "S2", "ALL"] {
        f.assert(s, "completion_rate", None, "missing");
        f.assert(s, "completion_client_share", None, "missing");
        f.assert(s, "addon_reporting_rate", None, "missing");
        f.assert(s, "addon_late_share", None, "missing");
        f.assert(s, "continuity_mean", None, "missing");
    }
    // Nobody reaches the default min_visits (10): the shares are missing.
    w.monthly(&["--visits", &visits]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "checkin_staff_share", None, "missing");
    f.assert("S1", "checkin_rate", Some(0.5), "deviation");
}

#[test]
fn completion_sums_granted_rows_and_bounds_are_inclusive() {
    let w = Work::new();
    let lines = [
        visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 09:00", "OMV"),
        visit("a2", "S1", "c1", "p1", "2025-03-04 08:00", "2025-03-04 08:20", "OMV"),
        visit("a3", "S1", "c2", "p1", "2025-03-05 08:00", "2025-03-05 08:30", "OMV"),
        visit("a4", "S1", "c2", "p1", "2025-03-06 08:00", "", "OMV"),
        visit("a5", "S1", "c3", "p1", "2025-03-07 08:00", "2025-03-07 08:45", "OMV"),
        visit("a6", "S1", "c4", "p1", "2025-03-08 08:00", "2025-03-08 08:10", "OMV"),
        visit("b1", "S2", "c1", "p1", "2025-03-08 10:00", "2025-03-08 10:10", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    // c1 has two rows (100 + 20), c4 has 0 minutes, c3 has none; S2 has none this month.
    let granted = w.write(
        "granted.csv",
        "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,100\nS1,c2,2025-03,40\nS1,c4,2025-03,0\nS1,c1,2025-03,20\nS2,c1,2025-02,50\n",
    );
    w.monthly(&["--visits", &visits, "--granted", &granted]).ok();
    let f = w.figures("2025-03");
    // (80 + 30 + 10) / (120 + 40 + 0) = 0.75: exactly on the lower bound, which is ok.
    f.assert("S1", "completion_rate", Some(0.75), "ok");
    // c1 80/120 is outside 0.75–1.00, c2 30/40 = 0.75 inside; c4 (0 granted) is left out.
    f.assert("S1", "completion_client_share", Some(0.5), "info");
    f.assert("S2", "completion_rate", None, "missing");
    f.assert("ALL", "completion_rate", Some(0.75), "ok");
    let m = w.manifest("2025-03");
    assert_eq!(accounting(&m, "granted.csv"), (5, 5, 0, 0, 1));
    let clients = w.read("out/2025-03/clients.csv");
    assert!(!clients.contains(",c1,"), "client ids are pseudonymised");
}

#[test]
fn clients_and_suppliers_with_granted_time_and_no_visit_are_reported() {
    let w = Work::new();
    let visits = w.write("visits.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV")]));
    // S1's c5 and the whole of S9 were granted time but got no visit.
    let granted =
        w.write("granted.csv", "supplier_id,client_id,month,granted_minutes\nS1,c1,2025-03,30\nS1,c5,2025-03,90\nS9,c7,2025-03,60\n");
    let run = w.monthly(&["--visits", &visits, "--granted", &granted]);
    run.ok();
    let f = w.figures("2025-03");
    // 30 / (30 + 90); c1 at 1.00 is inside the range, c5 at 0 outside.
    f.assert("S1", "completion_rate", Some(0.25), "deviation");
    f.assert("S1", "completion_client_share", Some(0.5), "info");
    // S9 delivered nothing of its 60 granted minutes: completion 0, not left out.
    assert_eq!(f.suppliers(), ["ALL", "S1", "S9"]);
    f.assert("S9", "completion_rate", Some(0.0), "deviation");
    f.assert("S9", "checkin_rate", None, "missing");
    f.assert("S9", "flag.duplicate", Some(0.0), "info");
    f.assert("S9", "flag_rate.duplicate", None, "missing");
    f.assert("ALL", "completion_rate", Some(30.0 / 180.0), "deviation");
    let s9 = run.stdout.lines().find(|l| l.trim_start().starts_with("S9")).unwrap_or_else(|| panic!("S9 in the summary:\n{}", run.stdout));
    assert!(s9.contains(" 0 ") && s9.contains("0,0 %") && s9.contains("! Utförandegrad"), "{s9}");

    let clients = w.read("out/2025-03/clients.csv");
    let mut reader = csv::Reader::from_reader(clients.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<std::collections::HashMap<String, String>> =
        reader.records().map(|r| header.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect()).collect();
    assert_eq!(rows.len(), 3, "{clients}");
    let unvisited = rows.iter().find(|r| r["supplier_id"] == "S1" && r["visits"] == "0").expect("the unvisited client has a row");
    assert!(unvisited["client_id"].starts_with("K-"));
    assert_eq!(unvisited["checkin_rate"], "", "no visits: no check-in rate, not 0");
    assert_eq!(unvisited["granted_minutes"], "90");
    assert_eq!(unvisited["completion_rate"], "0");
    assert_eq!(unvisited["distinct_staff"], "0");
    assert!(rows.iter().any(|r| r["supplier_id"] == "S9" && r["granted_minutes"] == "60" && r["completion_rate"] == "0"));

    let inv = w.tidkoll(&["investigate", "--out", "out", "--supplier", "S9", "--month", "2025-03"]);
    inv.ok();
    assert!(inv.stdout.contains("0 besök  utförandegrad 0,0 % (utanför)"), "{}", inv.stdout);
}

#[test]
fn addon_reporting_and_the_deadline_day() {
    let w = Work::new();
    let lines = [
        visit("a1", "S1", "c1", "p1", "2025-02-03 08:00", "2025-02-03 08:30", "OMV|MATD"),
        visit("a2", "S1", "c1", "p1", "2025-02-04 08:00", "2025-02-04 08:05", "MATD"),
        visit("a3", "S1", "c2", "p1", "2025-02-05 08:00", "2025-02-05 08:30", "TVATT"),
        // No check-out: add-on deliveries count every accepted visit.
        visit("a4", "S1", "c3", "p1", "2025-02-06 08:00", "", "MATD"),
        visit("b1", "S2", "c1", "p1", "2025-02-06 09:00", "2025-02-06 09:30", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    let addons = w.write(
        "addons.csv",
        "supplier_id,client_id,month,addon,quantity,reported_on\n\
         S1,c1,2025-02,meal,28,2025-03-05\n\
         S1,c2,2025-02,laundry,0,2025-03-01\n\
         S1,c3,2025-02,laundry,2,2025-03-06\n\
         S1,c9,2025-02,meal,1,2025-03-02\n\
         S1,c3,2025-01,meal,1,2025-02-02\n",
    );
    w.monthly(&["--visits", &visits, "--addons", &addons]).ok();
    let f = w.figures("2025-02");
    // D = {(c1,meal), (c2,laundry), (c3,meal)}; only (c1,meal) has a report with quantity > 0.
    f.assert("S1", "addon_reporting_rate", Some(1.0 / 3.0), "deviation");
    // Four report rows for February (quantity 0 included); only the one on 03-06 is late.
    f.assert("S1", "addon_late_share", Some(0.25), "deviation");
    f.assert("S2", "addon_reporting_rate", None, "missing");
    f.assert("S2", "addon_late_share", None, "missing");

    // The deadline day is clamped to the following month's length (April has 30 days).
    let w = Work::new();
    let visits = w.write("visits.csv", visits_file(&[visit("a1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "MATD")]));
    let addons = w.write(
        "addons.csv",
        "supplier_id,client_id,month,addon,quantity,reported_on\nS1,c1,2025-03,meal,1,2025-04-30\nS1,c1,2025-03,meal,1,2025-05-01\n",
    );
    let config = w.write("k.toml", "[parameters]\naddon_deadline_day = 31\n");
    w.monthly(&["--visits", &visits, "--addons", &addons, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "addon_late_share", Some(0.5), "deviation");
    f.assert("S1", "addon_reporting_rate", Some(1.0), "ok");
}

#[test]
fn continuity_counts_clients_with_two_visits_every_day_of_the_window() {
    let w = Work::new();
    let v = |id: &str, client: &str, staff: &str, day: u32, time: &str, services: &str| {
        let start = format!("2025-03-{day:02} {time}");
        visit(id, "S1", client, staff, &start, &start, services)
    };
    let lines = [
        // c1 qualifies: counted staff p1, p2, p3. 22:00 (p8) and 23:00 (p4) and day 3 (p9) do not count.
        v("a1", "c1", "p1", 1, "08:00", "OMV"),
        v("a2", "c1", "p2", 1, "12:00", "OMV"),
        v("a3", "c1", "p8", 1, "22:00", "OMV"),
        v("a4", "c1", "p1", 2, "08:00", "OMV"),
        v("a5", "c1", "p3", 2, "18:00", "OMV"),
        v("a6", "c1", "p4", 2, "23:00", "OMV"),
        v("a7", "c1", "p9", 3, "08:00", "OMV"),
        // c2 misses day 2: its second visit that day is a meal delivery only (excluded).
        v("b1", "c2", "p1", 1, "09:00", "OMV"),
        v("b2", "c2", "p1", 1, "13:00", "OMV"),
        v("b3", "c2", "p2", 2, "09:00", "OMV"),
        v("b4", "c2", "p5", 2, "13:00", "MATD"),
        // c3 qualifies with p1, p2: 07:00 and 21:59 count, 06:59 (p7) does not; a visit
        // without services counts, and LARM|OMV has a service that is not excluded.
        v("c1", "c3", "p1", 1, "07:00", "OMV"),
        v("c2", "c3", "p2", 1, "21:59", "OMV"),
        v("c3", "c3", "p7", 1, "06:59", "OMV"),
        v("c4", "c3", "p1", 2, "09:00", ""),
        v("c5", "c3", "p1", 2, "10:00", "LARM|OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    let config = w.write("k.toml", "[parameters]\ncontinuity_window = [1, 2]\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "continuity_mean", Some(2.5), "ok");
    let clients = w.read("out/2025-03/clients.csv");
    let column = clients.lines().next().unwrap().split(',').position(|c| c == "continuity_staff").unwrap();
    let continuity: Vec<&str> = clients.lines().skip(1).map(|l| l.split(',').nth(column).unwrap()).collect();
    let mut qualified: Vec<&str> = continuity.into_iter().filter(|c| !c.is_empty()).collect();
    qualified.sort();
    assert_eq!(qualified, ["2", "3"]);
}

#[test]
fn daylight_saving_visits_last_their_true_elapsed_time() {
    let w = Work::new();
    let lines = [
        // Autumn: 01:30–03:30 local across the change lasts three hours.
        visit("a1", "S1", "c1", "p1", "2025-10-26 01:30", "2025-10-26 03:30", "OMV"),
        // Autumn, ambiguous check-out: 02:10 → 02:05 is the second 02:05, 55 minutes.
        visit("a2", "S1", "c2", "p1", "2025-10-26 02:10", "2025-10-26 02:05", "OMV"),
        // Spring: 01:30–03:30 local is one hour.
        visit("b1", "S2", "c1", "p1", "2025-03-30 01:30", "2025-03-30 03:30", "OMV"),
        // Spring gap: 02:30 does not exist and is rejected.
        visit("b2", "S2", "c1", "p1", "2025-03-30 02:30", "2025-03-30 03:30", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    let config = w.write("k.toml", "[input]\nmax_reject_rate = 0.5\n");
    w.monthly(&["--visits", &visits, "--config", &config, "--month", "2025-10"]).ok();
    let f = w.figures("2025-10");
    f.assert("S1", "visit_minutes_mean", Some((180.0 + 55.0) / 2.0), "info");
    w.monthly(&["--visits", &visits, "--config", &config, "--month", "2025-03"]).ok();
    let f = w.figures("2025-03");
    f.assert("S2", "visit_minutes_mean", Some(60.0), "info");
    let rejects = w.read("out/2025-03/rejects.csv");
    assert!(
        rejects.contains("visits.csv,5,check_in: non-existent local time – klockslaget 2025-03-30 02:30 finns inte i svensk tid"),
        "{rejects}"
    );
    let m = w.manifest("2025-03");
    assert_eq!(accounting(&m, "visits.csv"), (4, 3, 1, 0, 2));
}

#[test]
fn offsets_and_local_times_agree_and_month_follows_local_check_in() {
    let w = Work::new();
    let lines = [
        // 23:30Z on 31 January is 00:30 on 1 February in Stockholm.
        visit("a1", "S1", "c1", "p1", "2025-01-31T23:30:00Z", "2025-02-01T01:10:00+01:00", "OMV"),
        visit("a2", "S1", "c1", "p1", "2025-02-03T08:00:00+01:00", "2025-02-03 08:20", "OMV"),
        visit("a3", "S1", "c1", "p1", "2025-01-31 08:00", "2025-01-31 08:20", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    let run = w.monthly(&["--visits", &visits]);
    run.ok();
    let f = w.figures("2025-02");
    f.assert("S1", "visit_minutes_mean", Some(30.0), "info");
    assert_eq!(accounting(&w.manifest("2025-02"), "visits.csv"), (3, 3, 0, 0, 1));
}

#[test]
fn a_member_exactly_on_the_checkin_requirement_passes() {
    let w = Work::new();
    // p1: 1 of 2 verified = 0.5, exactly the requirement; p2: 0 of 2.
    let lines = [
        "v1,S1,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,",
        "v2,S1,c1,p1,2025-03-03 12:00,2025-03-03 12:30,manual,nfc,OMV,",
        "v3,S1,c2,p2,2025-03-04 08:00,2025-03-04 08:30,manual,nfc,OMV,",
        "v4,S1,c2,p2,2025-03-04 12:00,2025-03-04 12:30,manual,nfc,OMV,",
    ]
    .map(String::from);
    let visits = w.write("visits.csv", visits_file(&lines));
    let config = w.write("k.toml", "[parameters]\nmin_visits = 2\n[requirements]\ncheckin_rate = { min = 0.5 }\n");
    w.monthly(&["--visits", &visits, "--config", &config]).ok();
    let f = w.figures("2025-03");
    f.assert("S1", "checkin_rate", Some(0.25), "deviation");
    // p1 (and c1) on the bound count as passing: 1 of 2 (the shares themselves are below
    // their own 0.90 requirement).
    f.assert("S1", "checkin_staff_share", Some(0.5), "deviation");
    f.assert("S1", "checkin_client_share", Some(0.5), "deviation");
}

//! Anomaly flags of SPEC §4 on tiny inputs: which visits carry which flag, and with whom.

use crate::common::*;

fn has(flags: &[String], row: &str) -> bool {
    flags.iter().any(|f| f == row)
}

/// Flag rows of one flag, sorted.
fn of(flags: &[String], flag: &str) -> Vec<String> {
    let mut rows: Vec<String> = flags.iter().filter(|f| f.split(',').nth(2) == Some(flag)).cloned().collect();
    rows.sort();
    rows
}

#[test]
fn duplicates_need_same_staff_shared_service_and_overlap() {
    let w = Work::new();
    let lines = [
        visit("v1", "S1", "c1", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        visit("v2", "S1", "c1", "p1", "2025-03-03 08:10", "2025-03-03 08:40", "OMV|DUSCH"),
        // Another staff member at the same time: double staffing, not a duplicate.
        visit("v3", "S1", "c1", "p2", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        // Identical zero-length intervals: duplicates, and consecutive with gap 0.
        visit("v4", "S1", "c1", "p1", "2025-03-03 10:00", "2025-03-03 10:00", "OMV"),
        visit("v5", "S1", "c1", "p1", "2025-03-03 10:00", "2025-03-03 10:00", "OMV"),
        // Nested interval with the same service.
        visit("v6", "S1", "c1", "p1", "2025-03-03 12:00", "2025-03-03 13:00", "SERV"),
        visit("v7", "S1", "c1", "p1", "2025-03-03 12:15", "2025-03-03 12:30", "SERV"),
        // Touching intervals do not overlap (half-open), but follow each other with gap 0.
        visit("v8", "S1", "c1", "p1", "2025-03-03 14:00", "2025-03-03 14:30", "INK"),
        visit("v9", "S1", "c1", "p1", "2025-03-03 14:30", "2025-03-03 15:00", "INK"),
        // Overlapping, same staff and client, but no service in common.
        visit("va", "S1", "c1", "p1", "2025-03-03 16:00", "2025-03-03 16:30", "OMV"),
        visit("vb", "S1", "c1", "p1", "2025-03-03 16:10", "2025-03-03 16:20", "DUSCH"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let flags = w.flags("2025-03");
    assert_eq!(
        of(&flags, "duplicate"),
        [
            "v1,S1,duplicate,v2",
            "v2,S1,duplicate,v1",
            "v4,S1,duplicate,v5",
            "v5,S1,duplicate,v4",
            "v6,S1,duplicate,v7",
            "v7,S1,duplicate,v6",
        ]
    );
    assert_eq!(
        of(&flags, "repeated_service"),
        ["v4,S1,repeated_service,v5", "v5,S1,repeated_service,v4", "v8,S1,repeated_service,v9", "v9,S1,repeated_service,v8"]
    );
    let f = w.figures("2025-03");
    f.assert("S1", "flag.duplicate", Some(6.0), "info");
    f.assert("S1", "flag_rate.duplicate", Some(6000.0 / 11.0), "deviation");
    f.assert("S1", "flag.repeated_service", Some(4.0), "info");
    f.assert("S1", "flag.adjacent", Some(0.0), "info");
    f.assert("S1", "flag_rate.adjacent", Some(0.0), "ok");
    f.assert("S1", "flag_rate.overlong", Some(0.0), "info");
}

/// A zero-length visit at the start of a longer one does not overlap it (`b.in < a.out` fails
/// when both start together and one ends at once), in either order of the pair.
#[test]
fn a_zero_length_visit_at_the_start_of_another_is_no_duplicate() {
    let w = Work::new();
    let lines = [
        // Same check-in, ordered by visit_id: the zero-length one first.
        visit("z_a", "S1", "c1", "p1", "2025-03-03 18:00", "2025-03-03 18:00", "OMV"),
        visit("z_b", "S1", "c1", "p1", "2025-03-03 18:00", "2025-03-03 18:30", "OMV"),
        // The longer one first.
        visit("y_a", "S1", "c1", "p1", "2025-03-04 20:00", "2025-03-04 20:30", "OMV"),
        visit("y_b", "S1", "c1", "p1", "2025-03-04 20:00", "2025-03-04 20:00", "OMV"),
        // A real overlap beside them, so the flag is counted at all.
        visit("x_a", "S1", "c1", "p1", "2025-03-05 08:00", "2025-03-05 08:30", "OMV"),
        visit("x_b", "S1", "c1", "p1", "2025-03-05 08:29", "2025-03-05 08:40", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let flags = w.flags("2025-03");
    assert_eq!(of(&flags, "duplicate"), ["x_a,S1,duplicate,x_b", "x_b,S1,duplicate,x_a"]);
    w.figures("2025-03").assert("S1", "flag.duplicate", Some(2.0), "info");
}

#[test]
fn consecutive_visits_one_minute_apart_ties_and_invalid_neighbours() {
    let w = Work::new();
    let lines = [
        visit("w1", "S1", "c2", "p1", "2025-03-03 08:00", "2025-03-03 08:30", "OMV"),
        visit("w2", "S1", "c2", "p2", "2025-03-03 08:31", "2025-03-03 08:40", "OMV"),
        visit("w3", "S1", "c2", "p3", "2025-03-03 08:41", "2025-03-03 08:50", "TILLSYN"),
        visit("w4", "S1", "c2", "p1", "2025-03-03 08:52", "2025-03-03 09:00", "OMV"),
        // Same check-in: ordered by visit_id, so x_a comes before x_b.
        visit("x_b", "S1", "c3", "p1", "2025-03-04 10:00", "2025-03-04 10:10", "OMV"),
        visit("x_a", "S1", "c3", "p2", "2025-03-04 10:00", "2025-03-04 10:05", "DUSCH"),
        visit("x_c", "S1", "c3", "p3", "2025-03-04 10:11", "2025-03-04 10:20", "OMV"),
        // A visit without check-out takes part only in the data-quality flags.
        visit("y1", "S1", "c4", "p1", "2025-03-05 08:00", "2025-03-05 08:30", "OMV"),
        visit("y2", "S1", "c4", "p2", "2025-03-05 08:30", "", "OMV"),
        visit("y3", "S1", "c4", "p3", "2025-03-05 08:31", "2025-03-05 08:40", "OMV"),
        // Visits outside the month are no neighbours.
        visit("z1", "S1", "c5", "p1", "2025-03-31 23:30", "2025-03-31 23:59", "OMV"),
        visit("z2", "S1", "c5", "p1", "2025-04-01 00:00", "2025-04-01 00:10", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits, "--month", "2025-03"]).ok();
    let flags = w.flags("2025-03");
    assert_eq!(
        of(&flags, "repeated_service"),
        [
            "w1,S1,repeated_service,w2",
            "w2,S1,repeated_service,w1",
            "x_b,S1,repeated_service,x_c",
            "x_c,S1,repeated_service,x_b",
            "y1,S1,repeated_service,y3",
            "y3,S1,repeated_service,y1",
        ]
    );
    assert_eq!(of(&flags, "adjacent"), ["w2,S1,adjacent,w3", "w3,S1,adjacent,w2"]);
    assert_eq!(of(&flags, "missing_checkout"), ["y2,S1,missing_checkout,"]);
    let f = w.figures("2025-03");
    // w2 carries two flags but is one distinct visit for each.
    f.assert("S1", "flag.repeated_service", Some(6.0), "info");
    f.assert("S1", "flag.adjacent", Some(2.0), "info");
    f.assert("S1", "flag_rate.missing_checkout", Some(1000.0 / 11.0), "deviation");
}

#[test]
fn staff_overlap_needs_more_than_one_minute() {
    let w = Work::new();
    let lines = [
        visit("s1", "S1", "c5", "p9", "2025-03-03 09:00", "2025-03-03 10:00", "OMV"),
        visit("s2", "S1", "c6", "p9", "2025-03-03 09:58", "2025-03-03 10:30", "OMV"),
        visit("s3", "S1", "c7", "p9", "2025-03-03 10:29", "2025-03-03 10:40", "OMV"),
        // The same staff id at another supplier is another person.
        visit("t1", "S2", "c5", "p9", "2025-03-03 09:00", "2025-03-03 10:00", "OMV"),
    ];
    let visits = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let flags = w.flags("2025-03");
    assert_eq!(of(&flags, "staff_overlap"), ["s1,S1,staff_overlap,s2", "s2,S1,staff_overlap,s1"]);
    assert_eq!(flags.len(), 2, "{flags:?}");
}

#[test]
fn single_staff_over_a_month_and_data_quality() {
    let w = Work::new();
    let mut lines = Vec::new();
    for day in 1..=20 {
        // c8: 18 of 20 valid visits by p1 (90 %) → flagged; c9: 17 of 20 → not; c10: 19 visits.
        let staff8 = if day <= 18 { "p1" } else { "p2" };
        let staff9 = if day <= 17 { "p1" } else { "p2" };
        lines.push(visit(
            &format!("e{day:02}"),
            "S1",
            "c8",
            staff8,
            &format!("2025-03-{day:02} 08:00"),
            &format!("2025-03-{day:02} 08:30"),
            "OMV",
        ));
        lines.push(visit(
            &format!("f{day:02}"),
            "S1",
            "c9",
            staff9,
            &format!("2025-03-{day:02} 10:00"),
            &format!("2025-03-{day:02} 10:30"),
            "OMV",
        ));
        if day <= 19 {
            lines.push(visit(
                &format!("g{day:02}"),
                "S1",
                "c10",
                "p1",
                &format!("2025-03-{day:02} 12:00"),
                &format!("2025-03-{day:02} 12:30"),
                "OMV",
            ));
        }
    }
    // c8 also has a visit by p1 without check-out: not counted, not flagged single_staff.
    lines.push(visit("e99", "S1", "c8", "p1", "2025-03-21 08:00", "", "OMV"));
    lines.push(visit("n1", "S1", "c11", "p3", "2025-03-22 08:00", "2025-03-22 07:50", "OMV"));
    lines.push(visit("o1", "S1", "c12", "p4", "2025-03-22 08:00", "2025-03-22 20:01", "OMV"));
    lines.push(visit("o2", "S1", "c13", "p5", "2025-03-22 08:00", "2025-03-22 20:00", "OMV"));
    let visits = w.write("visits.csv", visits_file(&lines));
    w.monthly(&["--visits", &visits]).ok();
    let flags = w.flags("2025-03");
    let single = of(&flags, "single_staff");
    let expected: Vec<String> = (1..=18).map(|d| format!("e{d:02},S1,single_staff,")).collect();
    assert_eq!(single, expected);
    assert_eq!(of(&flags, "negative_duration"), ["n1,S1,negative_duration,"]);
    assert_eq!(of(&flags, "overlong"), ["o1,S1,overlong,"]);
    assert_eq!(of(&flags, "missing_checkout"), ["e99,S1,missing_checkout,"]);
    let f = w.figures("2025-03");
    let visits_total = 20.0 + 20.0 + 19.0 + 4.0;
    f.assert("S1", "flag.single_staff", Some(18.0), "info");
    f.assert("S1", "flag_rate.single_staff", Some(18_000.0 / visits_total), "deviation");
    f.assert("ALL", "flag.overlong", Some(1.0), "info");
    // 720 minutes exactly is valid.
    assert!(!has(&flags, "o2,S1,overlong,"));
}

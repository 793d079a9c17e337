use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn weekly(days: &[(&str, &str)]) -> HoursSpec {
    HoursSpec::Weekly(days.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

fn schedule(tz: &str, days: &[(&str, &str)], holidays: &[&str]) -> Schedule {
    let holidays: Vec<String> = holidays.iter().map(|h| h.to_string()).collect();
    Schedule::new(tz, &weekly(days), &holidays).unwrap()
}

/// Checks each (instant, open?, next change) row against one schedule.
fn check(s: &Schedule, rows: &[(&str, bool, Option<&str>)]) {
    for &(now, open, next) in rows {
        assert_eq!(s.is_open(ts(now)), open, "is_open at {now}");
        assert_eq!(s.next_change(ts(now)), next.map(ts), "next_change at {now}");
    }
}

const WORKDAY: &str = "09:00-12:00,13:00-18:00";

/// Berlin, split weekdays, short Saturday, no Sunday, Christmas off (a Friday in 2026).
fn berlin() -> Schedule {
    let mut days: Vec<(&str, &str)> = DAY_KEYS[..5].iter().map(|d| (*d, WORKDAY)).collect();
    days.push(("sat", "10:00-14:00"));
    schedule("Europe/Berlin", &days, &["2026-12-25"])
}

#[test]
fn weekly_boundaries_missing_days_and_holidays() {
    // Summer: Berlin is UTC+2, so 09:00 local is 07:00Z. Winter: UTC+1.
    check(
        &berlin(),
        &[
            ("2026-06-15T05:00:00Z", false, Some("2026-06-15T07:00:00Z")),
            ("2026-06-15T06:59:59Z", false, Some("2026-06-15T07:00:00Z")),
            ("2026-06-15T07:00:00Z", true, Some("2026-06-15T10:00:00Z")),
            ("2026-06-15T09:59:59Z", true, Some("2026-06-15T10:00:00Z")),
            ("2026-06-15T10:00:00Z", false, Some("2026-06-15T11:00:00Z")),
            ("2026-06-15T11:00:00Z", true, Some("2026-06-15T16:00:00Z")),
            ("2026-06-15T15:59:59Z", true, Some("2026-06-15T16:00:00Z")),
            ("2026-06-15T16:00:00Z", false, Some("2026-06-16T07:00:00Z")),
            // Friday evening to Saturday, Saturday to Monday over the missing Sunday.
            ("2026-06-19T17:00:00Z", false, Some("2026-06-20T08:00:00Z")),
            ("2026-06-20T08:00:00Z", true, Some("2026-06-20T12:00:00Z")),
            ("2026-06-20T12:00:00Z", false, Some("2026-06-22T07:00:00Z")),
            ("2026-06-21T10:00:00Z", false, Some("2026-06-22T07:00:00Z")),
            // Thursday before the Christmas holiday: the next opening is Saturday.
            ("2026-12-24T10:00:00Z", true, Some("2026-12-24T11:00:00Z")),
            ("2026-12-24T17:00:00Z", false, Some("2026-12-26T09:00:00Z")),
            ("2026-12-25T10:00:00Z", false, Some("2026-12-26T09:00:00Z")),
        ],
    );
}

#[test]
fn touching_ranges_are_one_open_period() {
    let split = schedule("Etc/GMT", &[("mon", "09:00-12:00, 12:00-18:00")], &[]);
    check(
        &split,
        &[
            ("2026-06-15T10:00:00Z", true, Some("2026-06-15T18:00:00Z")),
            ("2026-06-15T12:00:00Z", true, Some("2026-06-15T18:00:00Z")),
        ],
    );
    let overnight = schedule("Etc/GMT", &[("mon", "18:00-24:00"), ("tue", "00:00-06:00")], &[]);
    check(
        &overnight,
        &[
            ("2026-06-15T17:00:00Z", false, Some("2026-06-15T18:00:00Z")),
            ("2026-06-15T20:00:00Z", true, Some("2026-06-16T06:00:00Z")),
            ("2026-06-15T23:59:59Z", true, Some("2026-06-16T06:00:00Z")),
            ("2026-06-16T00:00:00Z", true, Some("2026-06-16T06:00:00Z")),
            ("2026-06-16T06:00:00Z", false, Some("2026-06-22T18:00:00Z")),
        ],
    );
    let all_week: Vec<(&str, &str)> = DAY_KEYS.iter().map(|d| (*d, "00:00-24:00")).collect();
    check(&schedule("Europe/London", &all_week, &[]), &[("2026-03-29T00:30:00Z", true, None)]);
    check(
        &schedule("Europe/London", &all_week, &["2026-07-01"]),
        &[("2026-06-29T12:00:00Z", true, Some("2026-06-30T23:00:00Z"))],
    );
}

#[test]
fn always_open_with_and_without_holidays() {
    for s in [Schedule::always_open(), Schedule::new("Asia/Tokyo", &HoursSpec::Always, &[]).unwrap()] {
        check(&s, &[("2026-06-21T03:00:00Z", true, None), ("2026-12-25T00:00:00Z", true, None)]);
    }
    // Auckland is UTC+13 at Christmas: the holiday is its local date, not UTC's.
    let holidays = ["2026-12-25".to_string(), "2027-06-01".to_string()];
    let nz = Schedule::new("Pacific/Auckland", &HoursSpec::Always, &holidays).unwrap();
    check(
        &nz,
        &[
            ("2026-12-24T10:59:59Z", true, Some("2026-12-24T11:00:00Z")),
            ("2026-12-24T11:00:00Z", false, Some("2026-12-25T11:00:00Z")),
            ("2026-12-25T10:59:59Z", false, Some("2026-12-25T11:00:00Z")),
            ("2026-12-25T12:00:00Z", true, Some("2027-05-31T12:00:00Z")),
            // The last holiday is past; nothing is left to flip.
            ("2027-06-02T12:00:00Z", true, None),
        ],
    );
    // A holiday beyond the search window is not seen by next_change.
    let far = Schedule::new("Etc/GMT", &HoursSpec::Always, &["2028-01-01".into()]).unwrap();
    check(&far, &[("2026-06-01T00:00:00Z", true, None)]);
}

#[test]
fn no_hours_is_closed_forever() {
    check(&schedule("Etc/GMT", &[], &[]), &[("2026-06-15T12:00:00Z", false, None)]);
}

/// One row per DST day: (zone, date's range on that Sunday, instants, open?, next change).
#[test]
fn ranges_around_dst_changes() {
    type Row<'a> = (&'a str, &'a str, &'a [(&'a str, bool, Option<&'a str>)]);
    let rows: &[Row] = &[
        // London spring forward 2026-03-29: 01:00 GMT jumps to 02:00 BST at 01:00Z.
        (
            "Europe/London",
            "00:00-02:00",
            &[
                ("2026-03-28T23:59:59Z", false, Some("2026-03-29T00:00:00Z")),
                ("2026-03-29T00:00:00Z", true, Some("2026-03-29T01:00:00Z")),
                ("2026-03-29T00:59:59Z", true, Some("2026-03-29T01:00:00Z")),
                ("2026-03-29T01:00:00Z", false, Some("2026-04-04T23:00:00Z")),
            ],
        ),
        (
            "Europe/London",
            "01:00-03:00",
            &[
                ("2026-03-29T00:59:59Z", false, Some("2026-03-29T01:00:00Z")),
                ("2026-03-29T01:00:00Z", true, Some("2026-03-29T02:00:00Z")),
                ("2026-03-29T02:00:00Z", false, Some("2026-04-05T00:00:00Z")),
            ],
        ),
        // Starts inside the gap: opens at the first instant after it, not an hour late.
        ("Europe/London", "01:30-03:00", &[("2026-03-29T01:00:00Z", true, Some("2026-03-29T02:00:00Z"))]),
        // Entirely inside the gap: that Sunday it never opens.
        ("Europe/London", "01:15-01:45", &[("2026-03-29T00:00:00Z", false, Some("2026-04-05T00:15:00Z"))]),
        // A whole day that is only 23 hours long.
        ("Europe/London", "00:00-24:00", &[("2026-03-29T12:00:00Z", true, Some("2026-03-29T23:00:00Z"))]),
        // London fall back 2026-10-25: 02:00 BST goes back to 01:00 GMT at 01:00Z.
        (
            "Europe/London",
            "00:00-02:00",
            &[
                ("2026-10-24T22:59:59Z", false, Some("2026-10-24T23:00:00Z")),
                ("2026-10-24T23:00:00Z", true, Some("2026-10-25T02:00:00Z")),
                ("2026-10-25T01:30:00Z", true, Some("2026-10-25T02:00:00Z")),
                ("2026-10-25T02:00:00Z", false, Some("2026-11-01T00:00:00Z")),
            ],
        ),
        // The repeated 01:00 is read as its first occurrence (compatible).
        (
            "Europe/London",
            "01:00-03:00",
            &[
                ("2026-10-24T23:59:59Z", false, Some("2026-10-25T00:00:00Z")),
                ("2026-10-25T00:00:00Z", true, Some("2026-10-25T03:00:00Z")),
                ("2026-10-25T03:00:00Z", false, Some("2026-11-01T01:00:00Z")),
            ],
        ),
        // New York spring forward 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z.
        (
            "America/New_York",
            "00:00-02:00",
            &[
                ("2026-03-08T04:59:59Z", false, Some("2026-03-08T05:00:00Z")),
                ("2026-03-08T05:00:00Z", true, Some("2026-03-08T07:00:00Z")),
                ("2026-03-08T07:00:00Z", false, Some("2026-03-15T04:00:00Z")),
            ],
        ),
        (
            "America/New_York",
            "01:00-03:00",
            &[
                ("2026-03-08T06:00:00Z", true, Some("2026-03-08T07:00:00Z")),
                ("2026-03-08T07:00:00Z", false, Some("2026-03-15T05:00:00Z")),
            ],
        ),
        (
            "America/New_York",
            "02:30-04:00",
            &[
                ("2026-03-08T06:59:59Z", false, Some("2026-03-08T07:00:00Z")),
                ("2026-03-08T07:00:00Z", true, Some("2026-03-08T08:00:00Z")),
            ],
        ),
        // New York fall back 2026-11-01: 02:00 EDT goes back to 01:00 EST at 06:00Z.
        (
            "America/New_York",
            "00:00-02:00",
            &[
                ("2026-11-01T04:00:00Z", true, Some("2026-11-01T07:00:00Z")),
                ("2026-11-01T06:30:00Z", true, Some("2026-11-01T07:00:00Z")),
                ("2026-11-01T07:00:00Z", false, Some("2026-11-08T05:00:00Z")),
            ],
        ),
        (
            "America/New_York",
            "01:00-03:00",
            &[
                ("2026-11-01T04:59:59Z", false, Some("2026-11-01T05:00:00Z")),
                ("2026-11-01T05:00:00Z", true, Some("2026-11-01T08:00:00Z")),
                ("2026-11-01T08:00:00Z", false, Some("2026-11-08T06:00:00Z")),
            ],
        ),
    ];
    for (tz, range, cases) in rows {
        check(&schedule(tz, &[("sun", range)], &[]), cases);
    }
}

#[test]
fn workdays_on_either_side_of_dst_changes() {
    let days: Vec<(&str, &str)> = DAY_KEYS[..5].iter().map(|d| (*d, "09:00-18:00")).collect();
    let london = schedule("Europe/London", &days, &[]);
    check(
        &london,
        &[
            ("2026-03-27T09:00:00Z", true, Some("2026-03-27T18:00:00Z")),
            ("2026-03-27T18:00:00Z", false, Some("2026-03-30T08:00:00Z")),
            ("2026-03-30T08:00:00Z", true, Some("2026-03-30T17:00:00Z")),
            ("2026-10-23T08:00:00Z", true, Some("2026-10-23T17:00:00Z")),
            ("2026-10-23T17:00:00Z", false, Some("2026-10-26T09:00:00Z")),
            ("2026-10-26T09:00:00Z", true, Some("2026-10-26T18:00:00Z")),
        ],
    );
    let new_york = schedule("America/New_York", &days, &[]);
    check(
        &new_york,
        &[
            ("2026-03-06T14:00:00Z", true, Some("2026-03-06T23:00:00Z")),
            ("2026-03-06T23:00:00Z", false, Some("2026-03-09T13:00:00Z")),
            ("2026-03-09T13:00:00Z", true, Some("2026-03-09T22:00:00Z")),
            ("2026-10-30T13:00:00Z", true, Some("2026-10-30T22:00:00Z")),
            ("2026-10-30T22:00:00Z", false, Some("2026-11-02T14:00:00Z")),
            ("2026-11-02T14:00:00Z", true, Some("2026-11-02T23:00:00Z")),
        ],
    );
}

#[test]
fn spec_default_department() {
    // Spec 1: support, 09:00-18:00 Monday to Friday, GMT.
    let days: Vec<(&str, &str)> = DAY_KEYS[..5].iter().map(|d| (*d, "09:00-18:00")).collect();
    check(
        &schedule("Etc/GMT", &days, &["2026-12-25"]),
        &[
            ("2026-11-23T12:00:00Z", true, Some("2026-11-23T18:00:00Z")),
            ("2026-12-24T18:00:00Z", false, Some("2026-12-28T09:00:00Z")),
        ],
    );
}

#[test]
fn rejects_bad_config_naming_the_problem() {
    let range =
        |day: &str, range: &str, reason| ScheduleError::BadRange { day: day.into(), range: range.into(), reason };
    let holiday = |value: &str, reason| ScheduleError::BadHoliday { value: value.into(), reason };
    let hhmm = "expected HH:MM-HH:MM";
    let start = "the start is not a time HH:MM from 00:00 to 23:59";
    let end = "the end is not a time HH:MM from 00:00 to 24:00";
    let shape = "expected YYYY-MM-DD";
    type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, ScheduleError);
    let rows: Vec<Row> = vec![
        ("Mars/Olympus", vec![], "2026-12-25", ScheduleError::UnknownTimezone { name: "Mars/Olympus".into() }),
        ("UTC", vec![("monday", "09:00-18:00")], "2026-12-25", ScheduleError::UnknownDay { key: "monday".into() }),
        ("UTC", vec![("mon", "")], "2026-12-25", range("mon", "", hhmm)),
        ("UTC", vec![("mon", "09:00")], "2026-12-25", range("mon", "09:00", hhmm)),
        ("UTC", vec![("mon", "24/7")], "2026-12-25", range("mon", "24/7", hhmm)),
        ("UTC", vec![("tue", "9:00-18:00")], "2026-12-25", range("tue", "9:00-18:00", start)),
        ("UTC", vec![("tue", "09:60-18:00")], "2026-12-25", range("tue", "09:60-18:00", start)),
        ("UTC", vec![("tue", "24:00-24:00")], "2026-12-25", range("tue", "24:00-24:00", start)),
        ("UTC", vec![("wed", "09:00-24:30")], "2026-12-25", range("wed", "09:00-24:30", end)),
        ("UTC", vec![("wed", "09:00-25:00")], "2026-12-25", range("wed", "09:00-25:00", end)),
        (
            "UTC",
            vec![("thu", "09:00-09:00")],
            "2026-12-25",
            range("thu", "09:00-09:00", "it is empty: the end must be after the start"),
        ),
        (
            "UTC",
            vec![("fri", "22:00-02:00")],
            "2026-12-25",
            ScheduleError::Overnight { day: "fri".into(), range: "22:00-02:00".into() },
        ),
        (
            "UTC",
            vec![("sat", "13:00-18:00,09:00-13:30")],
            "2026-12-25",
            ScheduleError::Overlap { day: "sat".into(), first: "09:00-13:30".into(), second: "13:00-18:00".into() },
        ),
        ("UTC", vec![], "2026-02-30", holiday("2026-02-30", "no such date")),
        ("UTC", vec![], "2026/12/25", holiday("2026/12/25", shape)),
        ("UTC", vec![], "26-12-25", holiday("26-12-25", shape)),
        ("UTC", vec![], "20261225", holiday("20261225", shape)),
        ("UTC", vec![], "2027-02-29", holiday("2027-02-29", "no such date")),
        ("UTC", vec![], "2026-12-25T00:00", holiday("2026-12-25T00:00", shape)),
        ("UTC", vec![], "+2026-12-2", holiday("+2026-12-2", shape)),
    ];
    for (tz, days, holiday, want) in rows {
        let got = Schedule::new(tz, &weekly(&days), &[holiday.to_string()]);
        assert_eq!(got.as_ref().err(), Some(&want), "{tz} {days:?} {holiday}");
    }
}

#[test]
fn error_messages_name_the_culprit() {
    let err =
        |tz: &str, day: &str, text: &str| Schedule::new(tz, &weekly(&[(day, text)]), &[]).err().unwrap().to_string();
    let tz = err("Europe/Atlantis", "mon", "09:00-18:00");
    assert!(tz.contains("\"Europe/Atlantis\""), "{tz}");
    let day = err("UTC", "Mon", "09:00-18:00");
    assert!(day.contains("\"Mon\""), "{day}");
    let overnight = err("UTC", "fri", "22:00-02:00");
    assert!(overnight.contains("\"22:00-02:00\"") && overnight.contains("midnight"));
    let overlap = err("UTC", "sat", "09:00-12:00,11:00-13:00");
    assert_eq!(overlap, "hours for sat: \"09:00-12:00\" and \"11:00-13:00\" overlap");
}

#[test]
fn timezone_names_come_from_the_bundled_database() {
    for tz in ["Etc/GMT", "UTC", "Europe/London", "America/New_York", "Asia/Kolkata"] {
        assert!(Schedule::new(tz, &HoursSpec::Always, &[]).is_ok(), "{tz}");
    }
}

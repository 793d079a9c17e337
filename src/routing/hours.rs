//! Business hours of a department (spec 1 and 5.3): whether it is open at an instant, and when
//! that next changes.
//!
//! Pure: no IO and no clock; every question takes `now`. Hours are written in the department's
//! local time, so each local day is turned into UTC instants through its time zone, which is
//! where DST and holidays come in.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};

const MINUTES_PER_DAY: u16 = 24 * 60;

/// How far `next_change` looks ahead. A little over a year, so that a schedule that is closed
/// until next year's opening, or open until next year's holiday, still gets an answer, while
/// a schedule that never flips costs a bounded amount of work.
pub const SEARCH_DAYS: u32 = 400;

/// Config keys, in the order of `Weekday::to_monday_zero_offset`.
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Hours as the config states them; `hours = "24/7"` is `Always` (the config layer maps it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoursSpec {
    Always,
    /// Keys `mon`..`sun`, values like `"09:00-18:00"` or `"09:00-12:00,13:00-18:00"`.
    Weekly(BTreeMap<String, String>),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("unknown timezone {name:?}: not an IANA time zone name (like \"Europe/Berlin\")")]
    UnknownTimezone { name: String },
    #[error("unknown day {key:?} in hours: expected one of mon, tue, wed, thu, fri, sat, sun")]
    UnknownDay { key: String },
    #[error("hours for {day}: {range:?} is not a time range: {reason}")]
    BadRange { day: String, range: String, reason: &'static str },
    #[error(
        "hours for {day}: {range:?} ends before it starts; ranges cannot cross midnight, \
         so end this day at 24:00 and start the next day at 00:00"
    )]
    Overnight { day: String, range: String },
    #[error("hours for {day}: {first:?} and {second:?} overlap")]
    Overlap { day: String, first: String, second: String },
    #[error("holiday {value:?} is not a date: {reason}")]
    BadHoliday { value: String, reason: &'static str },
}

/// Opening hours in minutes after local midnight, `start < end <= 1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: u16,
    end: u16,
}

#[derive(Clone, Debug)]
pub struct Schedule {
    tz: TimeZone,
    /// Monday first; each day sorted and free of overlaps.
    week: [Vec<Range>; 7],
    holidays: BTreeSet<Date>,
}

impl Schedule {
    pub fn new(timezone: &str, hours: &HoursSpec, holidays: &[String]) -> Result<Schedule, ScheduleError> {
        let tz =
            jiff::tz::db().get(timezone).map_err(|_| ScheduleError::UnknownTimezone { name: timezone.to_owned() })?;
        let week = match hours {
            HoursSpec::Always => all_day_every_day(),
            HoursSpec::Weekly(days) => {
                let mut week: [Vec<Range>; 7] = Default::default();
                for (key, text) in days {
                    let index = DAY_KEYS
                        .iter()
                        .position(|k| k == key)
                        .ok_or_else(|| ScheduleError::UnknownDay { key: key.clone() })?;
                    week[index] = parse_day(key, text)?;
                }
                week
            }
        };
        let holidays = holidays.iter().map(|h| parse_holiday(h)).collect::<Result<_, _>>()?;
        Ok(Schedule { tz, week, holidays })
    }

    pub fn always_open() -> Schedule {
        Schedule { tz: TimeZone::UTC, week: all_day_every_day(), holidays: BTreeSet::new() }
    }

    pub fn is_open(&self, now: Timestamp) -> bool {
        let today = self.tz.to_datetime(now).date();
        // Neighbouring days too: in a zone whose clocks fall back across midnight, an instant
        // can carry yesterday's date while a period of today already covers it.
        [today.yesterday().ok(), Some(today), today.tomorrow().ok()]
            .into_iter()
            .flatten()
            .any(|day| self.periods(day).any(|(open, close)| open <= now && now < close))
    }

    /// The next instant after `now` at which is_open flips; None if it never changes (24/7
    /// without holidays) or not within `SEARCH_DAYS`.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        if self.week.iter().all(Vec::is_empty) {
            return None;
        }
        if self.holidays.is_empty() && self.week == all_day_every_day() {
            return None;
        }
        let today = self.tz.to_datetime(now).date();
        let mut day = today.yesterday().unwrap_or(today);
        // Periods come out in time order, day after day, so one pass suffices. While open,
        // periods that touch are one stretch: the flip is where the first gap appears.
        let mut open_until: Option<Timestamp> = None;
        for _ in 0..SEARCH_DAYS + 2 {
            for (open, close) in self.periods(day) {
                match open_until {
                    None if close <= now => {}
                    None if open > now => return Some(open),
                    None => open_until = Some(close),
                    Some(until) if open > until => return Some(until),
                    Some(until) => open_until = Some(until.max(close)),
                }
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The open periods of one local day as `[open, close)` instants, in time order.
    fn periods(&self, day: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let ranges: &[Range] = if self.holidays.contains(&day) {
            &[]
        } else {
            &self.week[usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0)]
        };
        ranges.iter().filter_map(move |r| {
            let open = self.instant(day, r.start)?;
            let close = self.instant(day, r.end)?;
            // A range wholly inside a spring-forward gap names no wall time that exists.
            (open < close).then_some((open, close))
        })
    }

    /// The instant at which the local clock of `day` shows `minute` (1440: the next midnight).
    ///
    /// Folds use jiff's compatible choice (the earlier instant). Gaps do not: compatible would
    /// read 02:30 in a 02:00->03:00 gap as 03:30, but the clock already shows times past 02:30
    /// at 03:00, so a range starting (or ending) in the gap takes effect at the transition.
    fn instant(&self, day: Date, minute: u16) -> Option<Timestamp> {
        let (day, minute) = if minute >= MINUTES_PER_DAY { (day.tomorrow().ok()?, 0) } else { (day, minute) };
        let hour = i8::try_from(minute / 60).ok()?;
        let min = i8::try_from(minute % 60).ok()?;
        let local: DateTime = day.at(hour, min, 0, 0);
        let ambiguous = self.tz.to_ambiguous_timestamp(local);
        match ambiguous.offset() {
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset, the local time lies before the transition.
                let before_gap = after.to_timestamp(local).ok()?;
                self.tz.following(before_gap).next().map(|t| t.timestamp())
            }
            _ => ambiguous.compatible().ok(),
        }
    }
}

fn all_day_every_day() -> [Vec<Range>; 7] {
    std::array::from_fn(|_| vec![Range { start: 0, end: MINUTES_PER_DAY }])
}

fn parse_day(day: &str, text: &str) -> Result<Vec<Range>, ScheduleError> {
    let mut ranges = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let bad = |reason| ScheduleError::BadRange { day: day.to_owned(), range: part.to_owned(), reason };
        let (start, end) = part.split_once('-').ok_or_else(|| bad("expected HH:MM-HH:MM"))?;
        let start = parse_minute(start.trim())
            .filter(|&m| m < MINUTES_PER_DAY)
            .ok_or_else(|| bad("the start is not a time HH:MM from 00:00 to 23:59"))?;
        let end = parse_minute(end.trim()).ok_or_else(|| bad("the end is not a time HH:MM from 00:00 to 24:00"))?;
        if end < start {
            return Err(ScheduleError::Overnight { day: day.to_owned(), range: part.to_owned() });
        }
        if end == start {
            return Err(bad("it is empty: the end must be after the start"));
        }
        ranges.push(Range { start, end });
    }
    ranges.sort_by_key(|r| r.start);
    if let Some(pair) = ranges.windows(2).find(|p| p[1].start < p[0].end) {
        return Err(ScheduleError::Overlap {
            day: day.to_owned(),
            first: format_range(pair[0]),
            second: format_range(pair[1]),
        });
    }
    Ok(ranges)
}

/// "HH:MM" to minutes after midnight; exactly two digits each, so "9:00" is refused rather
/// than guessed at. "24:00" is the only time with hour 24.
fn parse_minute(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |i: usize| u16::from(b[i] - b'0');
    let (hour, min) = (digit(0) * 10 + digit(1), digit(3) * 10 + digit(4));
    let minute = hour * 60 + min;
    (min < 60 && minute <= MINUTES_PER_DAY).then_some(minute)
}

fn format_range(r: Range) -> String {
    format!("{:02}:{:02}-{:02}:{:02}", r.start / 60, r.start % 60, r.end / 60, r.end % 60)
}

/// Strictly "YYYY-MM-DD": jiff's own parser would also take "20261225" or
/// "2026-12-25T10:00" (dropping the time), which would be a surprise in a config file.
fn parse_holiday(text: &str) -> Result<Date, ScheduleError> {
    let bad = |reason| ScheduleError::BadHoliday { value: text.to_owned(), reason };
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if !shape_ok {
        return Err(bad("expected YYYY-MM-DD"));
    }
    let number = |from: usize, to: usize| b[from..to].iter().fold(0i16, |n, d| n * 10 + i16::from(d - b'0'));
    let (month, day) = (number(5, 7), number(8, 10));
    // Two digits each, so both fit in an i8.
    Date::new(number(0, 4), month as i8, day as i8).map_err(|_| bad("no such date"))
}

#[cfg(test)]
mod tests {
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
        let err = |tz: &str, day: &str, text: &str| {
            Schedule::new(tz, &weekly(&[(day, text)]), &[]).err().unwrap().to_string()
        };
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
}

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
#[path = "hours_tests.rs"]
mod tests;

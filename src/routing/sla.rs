//! Service levels (spec 7.3) as pure functions: durations as the config writes them, and when a clock
//! that needs `target` of running time falls due, counting all time or only a department's open time.

use jiff::{SignedDuration, Timestamp};

use super::hours::Schedule;

/// The two clocks of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SlaClock {
    /// From the first need of a human to the first agent message.
    FirstResponse,
    /// From the same start to `resolved`.
    Resolution,
}

impl SlaClock {
    pub const ALL: [SlaClock; 2] = [SlaClock::FirstResponse, SlaClock::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaClock::FirstResponse => "first_response",
            SlaClock::Resolution => "resolution",
        }
    }
}

/// Where a clock stands, worst last so that `max` gives a conversation's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SlaState {
    #[default]
    Ok,
    Warning,
    Breached,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Ok => "ok",
            SlaState::Warning => "warning",
            SlaState::Breached => "breached",
        }
    }
}

/// Period changes `due` walks through at most: a clock that would need more (a department that is
/// almost never open) is treated as never falling due rather than searched without end.
const MAX_PERIODS: usize = 10_000;

/// `"90s"`, `"15m"`, `"12h"`, `"5d"`: a whole number and one unit.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: i64 =
        number.parse().map_err(|_| format!("{text:?} is not a duration like \"90s\", \"15m\", \"12h\" or \"5d\""))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?} has no unit: use s, m, h or d (\"12h\")")),
    };
    if n == 0 {
        return Err(format!("{text:?} must be longer than zero"));
    }
    n.checked_mul(seconds).map(SignedDuration::from_secs).ok_or_else(|| format!("{text:?} is too long"))
}

/// When a clock started at `start` has run for `target`: wall-clock time, or (with `open_hours`) only
/// the time the schedule is open. `None`: never (a schedule that does not open again).
pub fn due(start: Timestamp, target: SignedDuration, open_hours: Option<&Schedule>) -> Option<Timestamp> {
    let Some(schedule) = open_hours else {
        return start.checked_add(target).ok();
    };
    let mut at = start;
    let mut left = target;
    for _ in 0..MAX_PERIODS {
        let change = schedule.next_change(at);
        if schedule.is_open(at) {
            match change {
                Some(close) if close.duration_since(at) < left => {
                    left -= close.duration_since(at);
                    at = close;
                }
                _ => return at.checked_add(left).ok(),
            }
        } else {
            at = change?;
        }
    }
    None
}

/// The state of a clock that falls due at `due` and warns at `warn`, at `now`, unless it stopped.
pub fn state(now: Timestamp, warn: Option<Timestamp>, due: Option<Timestamp>) -> SlaState {
    match (warn, due) {
        (_, Some(d)) if now >= d => SlaState::Breached,
        (Some(w), _) if now >= w => SlaState::Warning,
        _ => SlaState::Ok,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::routing::hours::HoursSpec;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours(tz: &str, days: &[(&str, &str)], holidays: &[&str]) -> Schedule {
        let week = days.iter().map(|(d, h)| (d.to_string(), h.to_string())).collect::<BTreeMap<_, _>>();
        let holidays: Vec<String> = holidays.iter().map(|h| h.to_string()).collect();
        Schedule::new(tz, &HoursSpec::Weekly(week), &holidays).unwrap()
    }

    fn weekdays_9_to_18(tz: &str, holidays: &[&str]) -> Schedule {
        let days = ["mon", "tue", "wed", "thu", "fri"].map(|d| (d, "09:00-18:00"));
        hours(tz, &days, holidays)
    }

    #[test]
    fn durations_parse_as_the_config_writes_them() {
        let cases = [("90s", Ok(90)), ("15m", Ok(900)), ("12h", Ok(43_200)), ("5d", Ok(432_000)), (" 2s ", Ok(2))];
        for (text, want) in cases {
            assert_eq!(parse_duration(text).map(|d| d.as_secs()), want, "{text}");
        }
        for bad in ["", "12", "h", "1.5h", "-1h", "0s", "3w", "12 h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn without_business_hours_the_clock_is_wall_time() {
        assert_eq!(
            due(ts("2026-11-23T10:00:00Z"), SignedDuration::from_hours(48), None),
            Some(ts("2026-11-25T10:00:00Z"))
        );
    }

    #[test]
    fn business_hours_count_only_open_time() {
        let s = weekdays_9_to_18("Etc/GMT", &["2026-12-25"]);
        let h = SignedDuration::from_hours;
        let cases = [
            // start (UTC), target => due
            ("2026-11-23T10:00:00Z", h(2), "2026-11-23T12:00:00Z"), // within one day
            ("2026-11-23T17:00:00Z", h(2), "2026-11-24T10:00:00Z"), // over the night
            ("2026-11-27T17:00:00Z", h(2), "2026-11-30T10:00:00Z"), // over the weekend
            ("2026-11-28T12:00:00Z", h(1), "2026-11-30T10:00:00Z"), // started while closed
            ("2026-11-23T09:00:00Z", h(9), "2026-11-23T18:00:00Z"), // exactly one open day: due at closing
            ("2026-11-23T18:00:00Z", h(1), "2026-11-24T10:00:00Z"), // at closing: the next day
            ("2026-12-24T17:00:00Z", h(2), "2026-12-28T10:00:00Z"), // over a holiday (Fri 25th) and a weekend
            ("2026-11-23T10:00:00Z", h(12), "2026-11-24T13:00:00Z"), // premium's 12 h: 8 today, 4 tomorrow
        ];
        for (start, target, want) in cases {
            assert_eq!(due(ts(start), target, Some(&s)), Some(ts(want)), "{start} + {target:?}");
        }
    }

    #[test]
    fn business_hours_follow_daylight_saving_time() {
        // Berlin leaves summer time on Sunday 2026-10-25: 09:00 local is 07:00 UTC before, 08:00 UTC after.
        let s = weekdays_9_to_18("Europe/Berlin", &[]);
        let due_at = due(ts("2026-10-23T15:00:00Z"), SignedDuration::from_hours(2), Some(&s));
        // Friday 17:00 local (15:00 UTC) + 1 h to 18:00, then Monday 09:00 CET (08:00 UTC) + 1 h.
        assert_eq!(due_at, Some(ts("2026-10-26T09:00:00Z")));
    }

    #[test]
    fn a_schedule_that_never_opens_never_falls_due() {
        let never = hours("Etc/GMT", &[], &[]);
        assert_eq!(due(ts("2026-11-23T10:00:00Z"), SignedDuration::from_hours(1), Some(&never)), None);
    }

    #[test]
    fn state_is_the_worst_the_clock_reached() {
        let (w, d) = (Some(ts("2026-11-23T10:00:00Z")), Some(ts("2026-11-23T12:00:00Z")));
        assert_eq!(state(ts("2026-11-23T09:59:59Z"), w, d), SlaState::Ok);
        assert_eq!(state(ts("2026-11-23T10:00:00Z"), w, d), SlaState::Warning);
        assert_eq!(state(ts("2026-11-23T12:00:00Z"), w, d), SlaState::Breached);
        assert_eq!(state(ts("2030-01-01T00:00:00Z"), w, None), SlaState::Warning);
    }
}

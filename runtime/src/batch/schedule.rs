//! When a `query` node runs: `.every(d)` (optionally `.align()`ed) or
//! `.cron(expr)` (gorhill/cronexpr syntax, evaluated by the `croner` crate
//! in the local time zone, as Kapacitor's crons are).
//!
//! cronexpr takes 5 fields (minute … day-of-week), 6 (the same plus a
//! year) or 7 (seconds first, then the 6); the predefined `@yearly`,
//! `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`
//! are the usual 5-field patterns. Every form is normalised to croner's
//! seconds-and-year pattern before parsing.

use crate::time::{go_round, go_truncate};
use chrono::{Local, TimeZone};
use croner::parser::{CronParser, Seconds, Year};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct CronError {
    pub expr: String,
    pub message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid cron expression {:?}: {}",
            self.expr, self.message
        )
    }
}

impl std::error::Error for CronError {}

#[derive(Clone)]
pub enum Schedule {
    Every {
        every: i64,
        align: bool,
    },
    Cron {
        expr: String,
        cron: Box<croner::Cron>,
    },
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every { every, align } => {
                write!(f, "Every({every}ns, align={align})")
            }
            Schedule::Cron { expr, .. } => write!(f, "Cron({expr:?})"),
        }
    }
}

/// cronexpr's text as croner's 7-field pattern (seconds … year).
fn normalise_cron(expr: &str) -> Result<String, CronError> {
    let bad = |m: &str| CronError {
        expr: expr.to_string(),
        message: m.to_string(),
    };
    let trimmed = expr.trim();
    let aliased = match trimmed {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other if other.starts_with('@') => return Err(bad("unknown predefined schedule")),
        other => other,
    };
    let fields: Vec<&str> = aliased.split_whitespace().collect();
    Ok(match fields.len() {
        5 => format!("0 {} *", fields.join(" ")),
        6 => format!("0 {}", fields.join(" ")),
        7 => fields.join(" "),
        n => return Err(bad(&format!("expected 5 to 7 fields, got {n}"))),
    })
}

impl Schedule {
    pub fn every(every: i64, align: bool) -> Schedule {
        Schedule::Every { every, align }
    }

    pub fn cron(expr: &str) -> Result<Schedule, CronError> {
        let pattern = normalise_cron(expr)?;
        let parser = CronParser::builder()
            .seconds(Seconds::Required)
            .sloppy_ranges(true)
            .year(Year::Required)
            .build();
        let cron = parser.parse(&pattern).map_err(|e| CronError {
            expr: expr.to_string(),
            message: e.to_string(),
        })?;
        Ok(Schedule::Cron {
            expr: expr.to_string(),
            cron: Box::new(cron),
        })
    }

    /// Kapacitor's `ticker.Next(now)`: the schedule instant after `now`
    /// (ns), `None` when a cron has no further instant. `.every`: now +
    /// every, rounded to a multiple of every with `.align()`.
    pub fn next(&self, now: i64) -> Option<i64> {
        match self {
            Schedule::Every { every, align } => {
                let next = now.checked_add(*every)?;
                Some(if *align { go_round(next, *every) } else { next })
            }
            Schedule::Cron { cron, .. } => {
                let secs = now.div_euclid(1_000_000_000);
                let nanos = now.rem_euclid(1_000_000_000) as u32;
                let t = Local.timestamp_opt(secs, nanos).single()?;
                let next = cron.find_next_occurrence(&t, false).ok()?;
                next.timestamp_nanos_opt()
            }
        }
    }

    /// The first live tick of a task started at `now`: Kapacitor's
    /// `time.Ticker` fires one `every` after start; aligned, it waits for
    /// the next multiple of `every`; a cron fires at its next instant.
    pub fn first_live_tick(&self, now: i64) -> Option<i64> {
        match self {
            Schedule::Every { every, align: true } => go_truncate(now, *every).checked_add(*every),
            _ => self.next(now),
        }
    }

    /// The live tick after `prev`.
    pub fn next_live_tick(&self, prev: i64) -> Option<i64> {
        match self {
            // A ticker keeps its period; aligned ticks are rounded to it.
            Schedule::Every { every, .. } => prev.checked_add(*every),
            Schedule::Cron { .. } => self.next(prev),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;
    const M: i64 = 60 * S;

    #[test]
    fn every_adds_and_align_rounds() {
        let e = Schedule::every(5 * M, false);
        assert_eq!(e.next(7 * M + 3 * S), Some(12 * M + 3 * S));
        let a = Schedule::every(5 * M, true);
        // 7m3s + 5m = 12m3s, rounded to 5m: 10m.
        assert_eq!(a.next(7 * M + 3 * S), Some(10 * M));
        // 8m + 5m = 13m -> 15m (half or more rounds up).
        assert_eq!(a.next(8 * M), Some(15 * M));
        assert_eq!(a.first_live_tick(7 * M + 3 * S), Some(10 * M));
    }

    #[test]
    fn cron_forms_normalise_to_seconds_and_year() {
        assert_eq!(normalise_cron("*/5 * * * *").unwrap(), "0 */5 * * * * *");
        assert_eq!(
            normalise_cron("0 0 * * * 2030").unwrap(),
            "0 0 0 * * * 2030"
        );
        assert_eq!(normalise_cron("30 0 0 * * * *").unwrap(), "30 0 0 * * * *");
        assert_eq!(normalise_cron("@daily").unwrap(), "0 0 0 * * * *");
        assert!(normalise_cron("* *").is_err());
        assert!(Schedule::cron("61 * * * *").is_err());
    }

    #[test]
    fn cron_every_five_minutes_lands_on_multiples() {
        // Minutes are the same in every time zone with whole-hour or
        // half-hour offsets; 5-minute multiples hold in all of them.
        let c = Schedule::cron("*/5 * * * *").unwrap();
        let t = 1_700_000_000 * S + 17; // 2023-11-14T22:13:20Z + 17ns
        let n = c.next(t).unwrap();
        assert_eq!(n % (5 * M), 0);
        assert!(n > t && n - t <= 5 * M);
        assert_eq!(c.next(n), Some(n + 5 * M));
    }

    #[test]
    fn cron_weekdays_count_from_sunday_zero_as_cronexpr() {
        use chrono::{Datelike, Timelike, Weekday};
        // cronexpr: day-of-week 0 (and 7) is Sunday; SAT is 6.
        let t = 1_700_000_000 * S; // a Tuesday in every time zone's 14th or 15th
        for (expr, day) in [
            ("0 0 * * 0", Weekday::Sun),
            ("0 0 * * 7", Weekday::Sun),
            ("0 0 * * 6", Weekday::Sat),
            ("0 0 * * MON", Weekday::Mon),
        ] {
            let n = Schedule::cron(expr).unwrap().next(t).unwrap();
            let local = Local.timestamp_nanos(n);
            assert_eq!(local.weekday(), day, "{expr}");
            assert_eq!((local.hour(), local.minute()), (0, 0), "{expr}");
        }
        // 6 fields: the sixth is the year; none left after 2020.
        assert_eq!(Schedule::cron("0 0 * * * 2020").unwrap().next(t), None);
    }
}

//! Times as Go's `time.Time` carries them through the client: an instant plus the zone it was
//! parsed or made in. JSON uses RFC3339Nano; the CLI prints RFC822 (`02 Jan 06 15:04 MST`),
//! either in the zone as received (`show`) or converted to the local zone (`list`).

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// The layout Go names in its parse errors.
const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Where a `GoTime` came from, which decides how its zone prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// `Z` in the text, or Go's zero time: location UTC, prints `UTC`.
    Utc,
    /// A numeric offset in the text (Go keeps the local zone when the offset matches it).
    Offset(i32),
    /// Made by this process (`time.Now()`), in the local zone.
    Local,
}

/// An instant with the zone Go would attach to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTime {
    ts: Timestamp,
    zone: Zone,
}

/// A time that does not parse as RFC3339.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParseError {
    pub input: String,
}

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "parsing time {} as \"{RFC3339_NANO}\": cannot parse {} as RFC3339",
            crate::kapacitor::output::go_quote(&self.input),
            crate::kapacitor::output::go_quote(&self.input)
        )
    }
}

impl std::error::Error for TimeParseError {}

impl Default for GoTime {
    /// Go's zero `time.Time`: 0001-01-01T00:00:00Z.
    fn default() -> Self {
        let dt = DateTime::new(1, 1, 1, 0, 0, 0, 0).expect("valid date");
        GoTime {
            ts: Offset::UTC.to_timestamp(dt).expect("in range"),
            zone: Zone::Utc,
        }
    }
}

fn local_zone() -> TimeZone {
    let tz = TimeZone::system();
    if tz.is_unknown() {
        TimeZone::UTC
    } else {
        tz
    }
}

impl GoTime {
    /// `time.Now()`.
    pub fn now() -> GoTime {
        GoTime {
            ts: Timestamp::now(),
            zone: Zone::Local,
        }
    }

    /// `t.Add(d)` (zone kept).
    pub fn add_nanos(self, d: i64) -> GoTime {
        let secs = d.div_euclid(1_000_000_000);
        let nanos = d.rem_euclid(1_000_000_000);
        let total_ns = self.ts.subsec_nanosecond() as i64 + nanos;
        let ts = Timestamp::new(
            self.ts.as_second() + secs + total_ns / 1_000_000_000,
            (total_ns % 1_000_000_000) as i32,
        )
        .unwrap_or(self.ts);
        GoTime {
            ts,
            zone: self.zone,
        }
    }

    pub fn unix_nanos(self) -> i128 {
        self.ts.as_second() as i128 * 1_000_000_000 + self.ts.subsec_nanosecond() as i128
    }

    /// `time.Parse(time.RFC3339Nano, s)` (fractional seconds optional, `Z` or `±hh:mm`).
    pub fn parse_rfc3339(s: &str) -> Result<GoTime, TimeParseError> {
        parse(s).ok_or_else(|| TimeParseError {
            input: s.to_string(),
        })
    }

    /// The offset this time prints with when formatted in its own zone.
    fn own_offset(self) -> i32 {
        match self.zone {
            Zone::Utc => 0,
            Zone::Offset(o) => o,
            Zone::Local => local_zone().to_offset_info(self.ts).offset().seconds(),
        }
    }

    /// `MarshalJSON`/`Format(RFC3339Nano)` without the quotes.
    pub fn rfc3339_nano(self) -> String {
        let off = self.own_offset();
        let dt = Offset::from_seconds(off)
            .unwrap_or(Offset::UTC)
            .to_datetime(self.ts);
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        );
        let ns = dt.subsec_nanosecond();
        if ns != 0 {
            let frac = format!("{ns:09}");
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if off == 0 {
            s.push('Z');
        } else {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.abs();
            s.push_str(&format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60));
        }
        s
    }

    /// `t.Format(time.RFC822)` in the zone the time carries: `UTC` for `Z`, the local zone's
    /// abbreviation when the offset is the local one, else `-0600`-style.
    pub fn rfc822(self) -> String {
        let (off, name) = match self.zone {
            Zone::Utc => (0, "UTC".to_string()),
            Zone::Local => {
                let tz = local_zone();
                let info = tz.to_offset_info(self.ts);
                (info.offset().seconds(), info.abbreviation().to_string())
            }
            Zone::Offset(o) => {
                let tz = local_zone();
                let info = tz.to_offset_info(self.ts);
                if info.offset().seconds() == o {
                    (o, info.abbreviation().to_string())
                } else {
                    (o, numeric_zone(o))
                }
            }
        };
        format_rfc822(self.ts, off, &name)
    }

    /// `t.Local().Format(time.RFC822)`.
    pub fn local_rfc822(self) -> String {
        let tz = local_zone();
        let info = tz.to_offset_info(self.ts);
        format_rfc822(self.ts, info.offset().seconds(), info.abbreviation())
    }
}

fn numeric_zone(off: i32) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let m = off.abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

fn format_rfc822(ts: Timestamp, off: i32, zone: &str) -> String {
    let dt = Offset::from_seconds(off)
        .unwrap_or(Offset::UTC)
        .to_datetime(ts);
    format!(
        "{:02} {} {:02} {:02}:{:02} {zone}",
        dt.day(),
        MONTHS[(dt.month() - 1) as usize],
        (dt.year() as i32).rem_euclid(100),
        dt.hour(),
        dt.minute()
    )
}

fn digits(s: &[u8], n: usize) -> Option<i64> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(&s[..n]).ok()?.parse().ok()
}

fn parse(s: &str) -> Option<GoTime> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(b, 4)?;
    let month = digits(&b[5..], 2)?;
    let day = digits(&b[8..], 2)?;
    let hour = digits(&b[11..], 2)?;
    let minute = digits(&b[14..], 2)?;
    let second = digits(&b[17..], 2)?;
    let mut i = 19;
    let mut nanos: i64 = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start || end - start > 9 {
            return None;
        }
        let frac = std::str::from_utf8(&b[start..end]).ok()?;
        nanos = format!("{frac:0<9}").parse().ok()?;
        i = end;
    }
    let zone = match &b[i..] {
        [b'Z'] => Zone::Utc,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            let h = digits(rest, 2)?;
            let m = digits(&rest[3..], 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = (h * 3600 + m * 60) as i32;
            Zone::Offset(if *sign == b'-' { -off } else { off })
        }
        _ => return None,
    };
    let dt = DateTime::new(
        year as i16,
        month as i8,
        day as i8,
        hour as i8,
        minute as i8,
        second as i8,
        nanos as i32,
    )
    .ok()?;
    let off = match zone {
        Zone::Offset(o) => o,
        _ => 0,
    };
    let ts = Offset::from_seconds(off).ok()?.to_timestamp(dt).ok()?;
    Some(GoTime { ts, zone })
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        GoTime::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_nano() {
        for s in [
            "2016-05-04T11:44:41.382945-06:00",
            "2016-05-04T17:44:00Z",
            "0001-01-01T00:00:00Z",
            "2020-02-29T23:59:59.5+05:30",
        ] {
            assert_eq!(GoTime::parse_rfc3339(s).unwrap().rfc3339_nano(), s);
        }
        assert_eq!(GoTime::default().rfc3339_nano(), "0001-01-01T00:00:00Z");
        for bad in [
            "2016-05-04",
            "2016-13-01T00:00:00Z",
            "2016-05-04T11:44:41",
            "x",
        ] {
            assert!(GoTime::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc822_zones() {
        // `Z` prints as UTC whatever the local zone; a foreign offset prints numerically unless
        // it is the local zone's offset at that instant.
        let t = GoTime::parse_rfc3339("2016-05-04T17:44:00Z").unwrap();
        assert_eq!(t.rfc822(), "04 May 16 17:44 UTC");
        let t = GoTime::parse_rfc3339("2016-05-04T11:44:41.38-06:00").unwrap();
        let local_off = local_zone().to_offset_info(t.ts).offset().seconds();
        if local_off != -6 * 3600 {
            assert_eq!(t.rfc822(), "04 May 16 11:44 -0600");
        }
        assert_eq!(GoTime::default().rfc822(), "01 Jan 01 00:00 UTC");
    }

    #[test]
    fn add_keeps_zone() {
        let t = GoTime::parse_rfc3339("2016-05-04T17:44:00Z").unwrap();
        assert_eq!(
            t.add_nanos(-3_600_000_000_001).rfc3339_nano(),
            "2016-05-04T16:43:59.999999999Z"
        );
    }
}

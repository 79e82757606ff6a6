//! Go `time.Duration` as Kapacitor's config files spell it (`toml.Duration`):
//! parsed with Go's `time.ParseDuration` rules ("10s", "1m30s", "1.5h",
//! "300ms", a bare "0") and printed with Go's `Duration.String()` ("10s",
//! "1m0s", "5m0s", "0s"), which is what `kapacitord config` shows.
//!
//! Not InfluxQL durations (those are `vm::builtins::conversion`): Go's form
//! has decimals and `us`/`µs`, but no `d` or `w`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A signed duration in nanoseconds, as Go's `time.Duration`. Signed
/// because Kapacitor validates some durations as non-negative, so a
/// negative one must be representable to be rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

/// Why a duration string was rejected; the text is Go's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "time: {} {:?}", self.reason, self.input)
    }
}

impl std::error::Error for DurationError {}

const NANOSECOND: i64 = 1;
const MICROSECOND: i64 = 1_000;
const MILLISECOND: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

impl GoDuration {
    pub const ZERO: GoDuration = GoDuration(0);

    pub const fn from_secs(s: i64) -> GoDuration {
        GoDuration(s * SECOND)
    }

    pub const fn from_mins(m: i64) -> GoDuration {
        GoDuration(m * MINUTE)
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// The duration for timers; negative durations count as zero.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.max(0) as u64)
    }

    /// Go's `time.ParseDuration`.
    pub fn parse(input: &str) -> Result<GoDuration, DurationError> {
        let err = |reason| DurationError {
            input: input.to_string(),
            reason,
        };
        let mut s = input;
        let mut negative = false;
        if let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        }
        if s == "0" {
            return Ok(GoDuration(0));
        }
        if s.is_empty() {
            return Err(err("invalid duration"));
        }
        // Accumulated in u128 so overflow is detected, not wrapped.
        let mut total: u128 = 0;
        while !s.is_empty() {
            let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let (int_part, rest) = s.split_at(int_len);
            let (frac_part, rest) = match rest.strip_prefix('.') {
                Some(after) => {
                    let n = after.bytes().take_while(u8::is_ascii_digit).count();
                    after.split_at(n)
                }
                None => ("", rest),
            };
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(err("invalid duration"));
            }
            let unit_len = rest
                .char_indices()
                .find(|(_, c)| *c == '.' || c.is_ascii_digit())
                .map_or(rest.len(), |(i, _)| i);
            let (unit, rest) = rest.split_at(unit_len);
            let scale: i64 = match unit {
                "" => return Err(err("missing unit in duration")),
                "ns" => NANOSECOND,
                "us" | "µs" | "μs" => MICROSECOND,
                "ms" => MILLISECOND,
                "s" => SECOND,
                "m" => MINUTE,
                "h" => HOUR,
                _ => return Err(err("unknown unit in duration")),
            };
            let int: u128 = if int_part.is_empty() {
                0
            } else {
                int_part.parse().map_err(|_| err("invalid duration"))?
            };
            let mut value = int
                .checked_mul(scale as u128)
                .ok_or_else(|| err("invalid duration"))?;
            // The fraction contributes scale * 0.frac, truncated as Go does.
            let mut frac_scale = scale as u128;
            for digit in frac_part.bytes().take(30) {
                frac_scale /= 10;
                value += (digit - b'0') as u128 * frac_scale;
            }
            total = total
                .checked_add(value)
                .ok_or_else(|| err("invalid duration"))?;
            if total > i64::MAX as u128 + u128::from(negative) {
                return Err(err("invalid duration"));
            }
            s = rest;
        }
        let nanos = if negative {
            (total as i128).wrapping_neg() as i64
        } else {
            total as i64
        };
        Ok(GoDuration(nanos))
    }
}

/// Go's `Duration.String()`: "1h2m3.5s", "1.5ms", "0s".
impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let u = self.0.unsigned_abs();
        if u == 0 {
            return f.write_str("0s");
        }
        if u < SECOND as u64 {
            let (unit, div) = if u < MICROSECOND as u64 {
                ("ns", 1)
            } else if u < MILLISECOND as u64 {
                ("µs", MICROSECOND as u64)
            } else {
                ("ms", MILLISECOND as u64)
            };
            return write!(f, "{sign}{}{unit}", decimal(u, div));
        }
        let hours = u / HOUR as u64;
        let minutes = (u % HOUR as u64) / MINUTE as u64;
        let seconds = decimal(u % MINUTE as u64, SECOND as u64);
        if hours > 0 {
            write!(f, "{sign}{hours}h{minutes}m{seconds}s")
        } else if minutes > 0 {
            write!(f, "{sign}{minutes}m{seconds}s")
        } else {
            write!(f, "{sign}{seconds}s")
        }
    }
}

/// `value / div` with the remainder as a decimal fraction, trailing zeros
/// dropped ("1.5", "2").
fn decimal(value: u64, div: u64) -> String {
    let int = value / div;
    let rem = value % div;
    if rem == 0 {
        return int.to_string();
    }
    let width = div.ilog10() as usize;
    let frac = format!("{rem:0width$}");
    format!("{int}.{}", frac.trim_end_matches('0'))
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Strings parse as Go durations (empty = zero, as `toml.Duration` leaves
/// the value unset); an integer is read as its decimal text, as Go's TOML
/// decoder does for text types, so only `0` is accepted
/// (`timeout = 0` in the sample config).
impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = GoDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"10s\" or \"1m30s\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GoDuration, E> {
                if v.is_empty() {
                    return Ok(GoDuration::ZERO);
                }
                GoDuration::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<GoDuration, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<GoDuration, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_forms() {
        // Expected nanoseconds worked out by hand from Go's unit table.
        let cases = [
            ("0", 0),
            ("10s", 10 * SECOND),
            ("1m0s", MINUTE),
            ("1m30s", 90 * SECOND),
            ("1.5h", 90 * MINUTE),
            ("300ms", 300 * MILLISECOND),
            ("2us", 2 * MICROSECOND),
            ("2µs", 2 * MICROSECOND),
            ("7ns", 7),
            ("-1s", -SECOND),
            ("+5m", 5 * MINUTE),
            (".5s", SECOND / 2),
            (
                "1h2m3s4ms",
                HOUR + 2 * MINUTE + 3 * SECOND + 4 * MILLISECOND,
            ),
        ];
        for (s, want) in cases {
            assert_eq!(GoDuration::parse(s), Ok(GoDuration(want)), "{s}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for (s, reason) in [
            ("", "invalid duration"),
            ("10", "missing unit in duration"),
            ("1d", "unknown unit in duration"),
            ("abc", "invalid duration"),
            ("1.s.", "invalid duration"),
            ("-", "invalid duration"),
            ("9999999999h", "invalid duration"),
        ] {
            let e = GoDuration::parse(s).unwrap_err();
            assert_eq!(e.reason, reason, "{s}");
        }
        assert_eq!(
            GoDuration::parse("1x").unwrap_err().to_string(),
            "time: unknown unit in duration \"1x\""
        );
    }

    #[test]
    fn prints_like_go() {
        // Go: time.Duration(n).String() for each n.
        let cases = [
            (0, "0s"),
            (10 * SECOND, "10s"),
            (MINUTE, "1m0s"),
            (5 * MINUTE, "5m0s"),
            (HOUR, "1h0m0s"),
            (90 * MINUTE, "1h30m0s"),
            (1500 * MILLISECOND, "1.5s"),
            (1500 * MICROSECOND, "1.5ms"),
            (2 * MICROSECOND, "2µs"),
            (7, "7ns"),
            (-SECOND, "-1s"),
            (MINUTE + 500 * MILLISECOND, "1m0.5s"),
        ];
        for (n, want) in cases {
            assert_eq!(GoDuration(n).to_string(), want, "{n}");
        }
    }
}

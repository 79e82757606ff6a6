//! The Prometheus text exposition format (0.0.4), as a scrape reads it:
//! every sample line `name[{label="value",...}] value [timestamp_ms]`;
//! `#` lines (HELP, TYPE, comments) and blank lines are skipped. Label values
//! take the format's escapes (`\\`, `\"`, `\n`). A small format: parsing it
//! here keeps the server free of a parser crate and its dependencies.

use std::fmt;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    /// In the order written.
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// Milliseconds since the epoch, if the line has one.
    pub timestamp_ms: Option<i64>,
}

/// A line that is not a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "text format parsing error in line {}: {}",
            self.line, self.reason
        )
    }
}

impl std::error::Error for ParseError {}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Go's `strconv.ParseFloat` spellings Prometheus writes: `NaN`, `+Inf`, `-Inf`.
fn parse_value(s: &str) -> Option<f64> {
    match s.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "+inf" | "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// Parses one line; `Ok(None)` for comments and blank lines.
fn parse_line(line: &str) -> Result<Option<Sample>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut chars = line.char_indices().peekable();
    let name_end = match chars.peek() {
        Some((_, c)) if is_name_start(*c) => {
            line.find(|c: char| !is_name_char(c)).unwrap_or(line.len())
        }
        _ => return Err(format!("invalid metric name in {line:?}")),
    };
    let name = line[..name_end].to_string();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut s = after;
        loop {
            s = s.trim_start();
            if let Some(r) = s.strip_prefix('}') {
                rest = r;
                break;
            }
            let key_end = s
                .find(|c: char| !is_name_char(c))
                .ok_or_else(|| "unterminated label set".to_string())?;
            let key = &s[..key_end];
            if key.is_empty() {
                return Err(format!("invalid label name in {line:?}"));
            }
            s = s[key_end..].trim_start();
            s = s
                .strip_prefix('=')
                .ok_or_else(|| format!("expected '=' after label name {key:?}"))?
                .trim_start();
            s = s
                .strip_prefix('"')
                .ok_or_else(|| format!("expected '\"' to start the value of label {key:?}"))?;
            let mut value = String::new();
            let mut it = s.char_indices();
            let end = loop {
                match it.next() {
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match it.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => return Err("unterminated label value".into()),
                    },
                    Some((_, c)) => value.push(c),
                    None => return Err("unterminated label value".into()),
                }
            };
            labels.push((key.to_string(), value));
            s = s[end + 1..].trim_start();
            if let Some(r) = s.strip_prefix(',') {
                s = r;
            }
        }
    }
    let mut parts = rest.split_whitespace();
    let value_text = parts
        .next()
        .ok_or_else(|| format!("missing value in {line:?}"))?;
    let value = parse_value(value_text).ok_or_else(|| format!("invalid value {value_text:?}"))?;
    let timestamp_ms = match parts.next() {
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| format!("invalid timestamp {t:?}"))?,
        ),
        None => None,
    };
    if parts.next().is_some() {
        return Err(format!("unexpected text after the timestamp in {line:?}"));
    }
    Ok(Some(Sample {
        name,
        labels,
        value,
        timestamp_ms,
    }))
}

/// Every sample of a scraped body; the first bad line fails the scrape, as
/// Prometheus's text parser does.
pub fn parse(text: &str) -> Result<Vec<Sample>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(Some(s)) => out.push(s),
            Ok(None) => {}
            Err(reason) => {
                return Err(ParseError {
                    line: i + 1,
                    reason,
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_with_labels_escapes_and_timestamps() {
        let s = parse(
            "# HELP x help\n# TYPE x counter\nx 1\n\
             node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123.5\n\
             esc{a=\"q\\\"b\\\\c\\nd\",} +Inf 1500000000000\n\
             h_bucket{le=\"0.5\"} NaN\n",
        )
        .unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!((s[0].name.as_str(), s[0].value), ("x", 1.0));
        assert_eq!(
            s[1].labels,
            [("cpu".into(), "0".into()), ("mode".into(), "idle".into())]
        );
        assert_eq!(s[2].labels[0].1, "q\"b\\c\nd");
        assert_eq!(
            (s[2].value, s[2].timestamp_ms),
            (f64::INFINITY, Some(1_500_000_000_000))
        );
        assert!(s[3].value.is_nan());
    }

    #[test]
    fn bad_lines_name_their_line() {
        let e = parse("ok 1\n{a=\"b\"} 1\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse("m{a=\"b} 1").is_err());
        assert!(parse("m one").is_err());
    }
}

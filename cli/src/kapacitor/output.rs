//! Text formatting as Go's `fmt` does it for the CLI's tables and `show` pages: `%-Ns` padding
//! (counted in characters), `%q` quoting, `%v` of floats, `humanize.Bytes` sizes; and the writer
//! for stdout, which ignores a closed pipe as Go's `fmt.Printf` does.

use std::io::Write;

/// `%-{width}s`: left-justified, padded with spaces to `width` characters.
pub fn left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// `%{width}v`: right-justified.
pub fn right(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(width - n))
    }
}

/// Go's `strconv.Quote` / `%q`: double-quoted, `\"` `\\` and control characters escaped,
/// printable Unicode kept.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32))
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest digits; exponent form
/// (two-digit exponent at least) when the decimal exponent is below -4 or at least 6, the
/// precision Go's shortest `%g` uses for that decision.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("integer exponent");
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// `humanize.Bytes`: SI units (base 1000), one decimal below 10 of a unit.
pub fn human_bytes(size: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if size < 10 {
        return format!("{size} B");
    }
    let e = ((size as f64).ln() / 1000f64.ln()).floor();
    let unit = UNITS[(e as usize).min(UNITS.len() - 1)];
    let val = ((size as f64) / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {unit}")
    } else {
        format!("{val:.0} {unit}")
    }
}

/// Standard output for command results. Write errors (a closed pipe) are ignored, as Go's
/// `fmt.Fprintf(os.Stdout, ...)` ignores them.
pub struct Out {
    inner: std::io::Stdout,
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

impl Out {
    pub fn new() -> Out {
        Out {
            inner: std::io::stdout(),
        }
    }

    pub fn print(&mut self, s: &str) {
        let _ = self.inner.write_all(s.as_bytes());
    }

    pub fn line(&mut self, s: &str) {
        let mut lock = self.inner.lock();
        let _ = lock.write_all(s.as_bytes());
        let _ = lock.write_all(b"\n");
    }

    pub fn bytes(&mut self, b: &[u8]) {
        let _ = self.inner.write_all(b);
        let _ = self.inner.flush();
    }
}

/// Text for standard error (usage pages, flag errors, failures).
pub fn err(s: &str) {
    let _ = std::io::stderr().write_all(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_counts_characters() {
        assert_eq!(left("ID", 5), "ID   ");
        assert_eq!(left("héllo", 6), "héllo ");
        assert_eq!(left("toolong", 3), "toolong");
        assert_eq!(right("12", 5), "   12");
    }

    #[test]
    fn quoting_like_strconv() {
        assert_eq!(go_quote("telegraf"), "\"telegraf\"");
        assert_eq!(go_quote("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\x01é\"");
    }

    #[test]
    fn floats_like_percent_v() {
        // fmt.Println(80.0, 0.5, 123456.0, 1234567.0, 0.0001, 0.00001)
        //   = 80 0.5 123456 1.234567e+06 0.0001 1e-05
        assert_eq!(go_float(80.0), "80");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1234567.0), "1.234567e+06");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
    }

    #[test]
    fn humanize_bytes() {
        // humanize.Bytes: 0 -> "0 B", 9 -> "9 B", 523 -> "523 B", 1234 -> "1.2 kB",
        // 82854982 -> "83 MB", 99999 -> 99.999 kB rounds to "100 kB".
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(9), "9 B");
        assert_eq!(human_bytes(523), "523 B");
        assert_eq!(human_bytes(1234), "1.2 kB");
        assert_eq!(human_bytes(82_854_982), "83 MB");
        assert_eq!(human_bytes(99_999), "100 kB");
        assert_eq!(human_bytes(1_000_000), "1.0 MB");
    }
}

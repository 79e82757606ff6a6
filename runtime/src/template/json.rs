//! Go `encoding/json` output for template values (the `json` and
//! `jsonCompact` template functions and Kapacitor's default details).

use super::gofmt::json_float;
use super::gotime::rfc3339_nano;
use super::value::Value;
use std::fmt::Write;

/// What `json_string` writes for each ASCII byte; `""` = the byte itself.
#[rustfmt::skip]
const JSON_ESCAPE: [&str; 128] = [
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
    "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f",
    "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
    "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    "", "", "\\\"", "", "", "", "\\u0026", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "\\u003c", "", "\\u003e", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "\\\\", "", "", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "",
];

/// `JSON_ESCAPE` followed by html/template's text escaper (`"` `'` `+` `&`
/// `<` `>` NUL): after JSON's escaping only `"`, `'` and `+` are left for it.
const JSON_HTML_TEXT_ESCAPE: [&str; 128] = {
    let mut t = JSON_ESCAPE;
    t[b'"' as usize] = "\\&#34;";
    t[b'\'' as usize] = "&#39;";
    t[b'+' as usize] = "&#43;";
    t
};

/// How JSON text is written: plain, or already escaped for html/template's
/// text context (what the default details template prints).
#[derive(Clone, Copy)]
struct Flavor {
    html: bool,
    quote: &'static str,
    table: &'static [&'static str; 128],
    /// The printable ASCII bytes `table` escapes, repeated to fill 8
    /// (`next_candidate` compares 16 bytes with each at once).
    specials: [u8; 8],
    /// Per byte: may need escaping (`table` escapes it, a control byte, or
    /// non-ASCII: U+2028/U+2029 are escaped, the caller looks).
    candidate: &'static [bool; 256],
}

/// `Flavor::candidate` for `table`.
const fn candidates(table: &[&str; 128]) -> [bool; 256] {
    let mut out = [true; 256];
    let mut c = 0x20;
    while c < 0x80 {
        out[c] = !table[c].is_empty();
        c += 1;
    }
    out
}

const PLAIN: Flavor = Flavor {
    html: false,
    quote: "\"",
    table: &JSON_ESCAPE,
    specials: *b"\"&<>\\\"\"\"",
    candidate: &candidates(&JSON_ESCAPE),
};

const HTML_TEXT: Flavor = Flavor {
    html: true,
    quote: "&#34;",
    table: &JSON_HTML_TEXT_ESCAPE,
    specials: *b"\"&<>\\'+\"",
    candidate: &candidates(&JSON_HTML_TEXT_ESCAPE),
};

/// The index of the first byte from `i` on that `fl` may need to escape
/// (`Flavor::candidate`), or `b.len()`. Event JSON is mostly plain text, so
/// where SSE2 is there (every x86_64) 16 bytes are tested at once.
#[inline]
fn next_candidate(b: &[u8], mut i: usize, fl: &Flavor) -> usize {
    #[cfg(target_arch = "x86_64")]
    if i + 16 <= b.len() {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86_64; each load reads b[i..i + 16], in
        // bounds by the loop condition, unaligned as `loadu` allows.
        unsafe {
            let below = _mm_set1_epi8(0x20);
            let sp = fl.specials.map(|c| _mm_set1_epi8(c as i8));
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                // Signed: bytes >= 0x80 are negative, so below 0x20 too.
                let mut m = _mm_cmplt_epi8(v, below);
                for s in sp {
                    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, s));
                }
                let mask = _mm_movemask_epi8(m);
                if mask != 0 {
                    return i + mask.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    while i < b.len() && !fl.candidate[b[i] as usize] {
        i += 1;
    }
    i
}

/// A Go JSON string: HTML-safe escaping (`<`, `>`, `&` as `\u003c`…, and
/// U+2028/U+2029), as `json.Marshal` does by default.
///
/// Per event this runs over every string of the event JSON, so it copies runs
/// of plain bytes at once instead of pushing char by char.
pub fn json_string(out: &mut String, s: &str) {
    string_as(out, s, PLAIN);
}

fn string_as(out: &mut String, s: &str, fl: Flavor) {
    out.reserve(s.len() + 2);
    out.push_str(fl.quote);
    let b = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    loop {
        i = next_candidate(b, i, &fl);
        if i >= b.len() {
            break;
        }
        let c = b[i];
        let (esc, width) = if c < 0x80 {
            match fl.table[c as usize] {
                "" => {
                    i += 1;
                    continue;
                }
                e => (e, 1),
            }
        } else if c == 0xE2
            && b.get(i + 1) == Some(&0x80)
            && matches!(b.get(i + 2), Some(0xA8 | 0xA9))
        {
            // U+2028 / U+2029 (line and paragraph separators).
            (
                if b[i + 2] == 0xA8 {
                    "\\u2028"
                } else {
                    "\\u2029"
                },
                3,
            )
        } else {
            i += 1;
            continue;
        };
        // `i` is at an ASCII byte or the start of a 3-byte char: a boundary.
        out.push_str(&s[run..i]);
        out.push_str(esc);
        i += width;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push_str(fl.quote);
}

/// Encodes `v`; errors on NaN/Inf as Go does.
pub fn encode(out: &mut String, v: &Value) -> Result<(), String> {
    encode_as(out, v, PLAIN)
}

/// `encode` with the output escaped as html/template's text context escapes
/// it (`html::escape` with `Escaper::Text`), in one pass: the default details
/// template's `{{ json . }}` is written straight into the details. On error
/// `out` may hold a prefix.
pub fn encode_html_text(out: &mut String, v: &Value) -> Result<(), String> {
    encode_as(out, v, HTML_TEXT)
}

fn encode_as(out: &mut String, v: &Value, fl: Flavor) -> Result<(), String> {
    match v {
        Value::Nil | Value::NoValue => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) | Value::Duration(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            if !f.is_finite() {
                let mut s = String::new();
                super::gofmt::fmt_g(&mut s, *f, None, false);
                return Err(format!("json: unsupported value: {s}"));
            }
            if !fl.html {
                json_float(out, *f);
            } else {
                // Only an exponent (`1e+21`) has a character to escape.
                let at = out.len();
                json_float(out, *f);
                if let Some(p) = out[at..].find('+') {
                    out.replace_range(at + p..at + p + 1, "&#43;");
                }
            }
        }
        Value::Str(s) => string_as(out, s, fl),
        Value::Time(t) => {
            out.push_str(fl.quote);
            rfc3339_nano(*t, out);
            out.push_str(fl.quote);
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, e)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string_as(out, k, fl);
                out.push(':');
                encode_as(out, e, fl)?;
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (k, e)) in s.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string_as(out, k, fl);
                out.push(':');
                encode_as(out, e, fl)?;
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_as(out, e, fl)?;
            }
            out.push(']');
        }
    }
    Ok(())
}

#[cfg(test)]
mod candidate_tests {
    use super::*;

    /// `specials` and `candidate` are exactly what each table escapes, so the
    /// fast scans never skip a byte the table would change.
    #[test]
    fn the_scans_sets_are_the_tables_escapes() {
        for fl in [PLAIN, HTML_TEXT] {
            for c in 0u8..=255 {
                let escaped = !(0x20..0x80).contains(&c) || !fl.table[c as usize].is_empty();
                assert_eq!(fl.candidate[c as usize], escaped, "byte {c:#x}");
                if (0x20..0x80).contains(&c) {
                    assert_eq!(fl.specials.contains(&c), escaped, "byte {c:#x}");
                }
            }
        }
    }

    /// The scan finds the first candidate at every offset (both the 16-byte
    /// and the byte-by-byte paths).
    #[test]
    fn next_candidate_finds_the_first_candidate() {
        let text = "plain text, quite long enough for two blocks\u{2028}é<x>&\"'+\\\n\t end";
        let b = text.as_bytes();
        for fl in [PLAIN, HTML_TEXT] {
            for start in 0..b.len() {
                let want = (start..b.len())
                    .find(|&j| fl.candidate[b[j] as usize])
                    .unwrap_or(b.len());
                assert_eq!(next_candidate(b, start, &fl), want, "from {start}");
            }
        }
    }
}

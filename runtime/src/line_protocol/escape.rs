//! Backslash escapes of measurements, tag keys/values and field keys, and
//! of string field values, with the `influxdb-line-protocol` crate's rules:
//! a backslash before one of the component's escapable bytes stands for that
//! byte; before anything else both are kept (the Go parser's leniency); a
//! trailing lone backslash is kept. A component whose unescaped text ends in
//! a backslash is rejected by the grammar (see `syntax`).

/// The kinds of escaped components: which bytes end them, which a backslash
/// escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Measurement,
    /// Tag keys and field keys.
    Key,
    TagValue,
}

impl Component {
    /// Bytes that end the component when unescaped.
    #[inline]
    const fn ends_at(self, b: u8) -> bool {
        match self {
            Component::Measurement => matches!(b, b' ' | b'\t' | b'\n' | b'\0' | b','),
            Component::Key => matches!(b, b' ' | b'\t' | b'\n' | b'='),
            Component::TagValue => matches!(b, b' ' | b'\t' | b'\n' | b','),
        }
    }

    /// Bytes a backslash escapes (the backslash disappears).
    #[inline]
    fn escapes(self, b: u8) -> bool {
        match self {
            Component::Measurement => matches!(b, b',' | b' ' | b'\\'),
            Component::Key | Component::TagValue => matches!(b, b',' | b'=' | b' ' | b'\\'),
        }
    }
}

/// A component found by [`scan`].
#[derive(Debug, Clone, Copy)]
pub struct Scanned {
    /// Index one past its last byte.
    pub end: usize,
    /// Whether it holds a backslash (then it must be unescaped).
    pub escaped: bool,
    /// Whether its unescaped text ends with a backslash.
    pub ends_with_backslash: bool,
}

/// Byte classes for [`scan`]: bit `kind.stop_bit()` is set for the bytes
/// that end a component of that kind, [`BACKSLASH`] for `\\`. One table
/// lookup per byte replaces the per-kind `match` in the scan's inner loop.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let kinds = [Component::Measurement, Component::Key, Component::TagValue];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < kinds.len() {
            if kinds[k].ends_at(b as u8) {
                t[b] |= kinds[k].stop_bit();
            }
            k += 1;
        }
        b += 1;
    }
    t[b'\\' as usize] |= BACKSLASH;
    t
};

const BACKSLASH: u8 = 1 << 3;

impl Component {
    #[inline]
    const fn stop_bit(self) -> u8 {
        match self {
            Component::Measurement => 1,
            Component::Key => 1 << 1,
            Component::TagValue => 1 << 2,
        }
    }
}

/// The component of `kind` starting at `start`; `None` when it would be
/// empty. Always inlined: returned through memory, the small `Scanned`
/// cost a store-forwarding stall per component (seen in `perf annotate`).
#[inline(always)]
pub fn scan(s: &[u8], start: usize, kind: Component) -> Option<Scanned> {
    let special = kind.stop_bit() | BACKSLASH;
    let mut i = start;
    let mut escaped = false;
    let mut ends_with_backslash = false;
    loop {
        // The run of ordinary bytes: the common case, 16 bytes at a time
        // while they last, then a table lookup each.
        let run_start = i;
        i = ordinary_run_16(s, i, kind);
        while i < s.len() && CLASS[s[i] as usize] & special == 0 {
            i += 1;
        }
        if i > run_start {
            ends_with_backslash = false;
        }
        if i >= s.len() || s[i] != b'\\' {
            break;
        }
        escaped = true;
        match s.get(i + 1) {
            None => {
                ends_with_backslash = true;
                i += 1;
            }
            Some(&n) => {
                ends_with_backslash = n == b'\\';
                i += 2;
            }
        }
    }
    (i > start).then_some(Scanned {
        end: i,
        escaped,
        ends_with_backslash,
    })
}

/// Skips whole 16-byte blocks holding no byte that ends a `kind`
/// component and no backslash (SSE2: one compare per special byte, a mask,
/// a count of trailing zeros); returns where the first special byte is, or
/// the start of the last partial block, which the caller scans bytewise.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn ordinary_run_16(s: &[u8], mut i: usize, kind: Component) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    while i + 16 <= s.len() {
        // SAFETY: `i + 16 <= s.len()`, so the 16 bytes read are inside `s`;
        // `loadu` has no alignment requirement; SSE2 is part of x86_64.
        let mask = unsafe {
            let v = _mm_loadu_si128(s.as_ptr().add(i) as *const __m128i);
            let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let common = _mm_or_si128(
                _mm_or_si128(eq(b' '), eq(b'\t')),
                _mm_or_si128(eq(b'\n'), eq(b'\\')),
            );
            let own = match kind {
                Component::Measurement => _mm_or_si128(eq(b','), eq(0)),
                Component::Key => eq(b'='),
                Component::TagValue => eq(b','),
            };
            _mm_movemask_epi8(_mm_or_si128(common, own)) as u32
        };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    i
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn ordinary_run_16(_: &[u8], i: usize, _: Component) -> usize {
    i
}

/// Unescape a component holding backslashes into `out` (cleared first).
pub fn unescape_into(raw: &str, kind: Component, out: &mut String) {
    out.clear();
    let b = raw.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            if kind.escapes(b[i + 1]) {
                out.push_str(&raw[from..i]);
                from = i + 1;
            }
            // The escaped byte is taken literally, even a backslash.
            i += 2;
        } else {
            i += 1;
        }
    }
    out.push_str(&raw[from..]);
}

/// Unescape the body of a string field value (between the quotes): `\"` and
/// `\\` stand for one byte, any other backslash is kept.
pub fn unescape_string_into(raw: &str, out: &mut String) {
    out.clear();
    let b = raw.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && matches!(b.get(i + 1), Some(b'"' | b'\\')) {
            out.push_str(&raw[from..i]);
            from = i + 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    out.push_str(&raw[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(raw: &str, kind: Component) -> String {
        let mut s = String::new();
        unescape_into(raw, kind, &mut s);
        s
    }

    #[test]
    fn escapes_per_component() {
        assert_eq!(un(r"a\ b\,c", Component::Measurement), "a b,c");
        assert_eq!(un(r"a\=b", Component::Measurement), r"a\=b");
        assert_eq!(un(r"a\=b\\c\x", Component::Key), r"a=b\c\x");
        let mut s = String::new();
        unescape_string_into(r#"a\"b\\c\n"#, &mut s);
        assert_eq!(s, r#"a"b\c\n"#);
    }

    #[test]
    fn block_scan_agrees_with_the_table() {
        // Every special byte at every place of a 40-byte run, each kind.
        for kind in [Component::Measurement, Component::Key, Component::TagValue] {
            for special in [b' ', b'\t', b'\n', b'\0', b',', b'=', b'\\', b'"', 0xc3] {
                for at in 0..40 {
                    let mut s = vec![b'a'; 40];
                    s[at] = special;
                    let by_table = (0..s.len())
                        .find(|&i| CLASS[s[i] as usize] & (kind.stop_bit() | BACKSLASH) != 0)
                        .unwrap_or(s.len());
                    let by_block = ordinary_run_16(&s, 0, kind);
                    // The block scan stops at the special byte or before the
                    // last partial block, never after the special byte.
                    assert!(by_block <= by_table, "{kind:?} {special} {at}");
                    assert!(by_block == by_table || s.len() - by_block < 16);
                }
            }
        }
    }

    #[test]
    fn scans_to_the_terminator() {
        let s = br"a\ b c";
        let r = scan(s, 0, Component::Measurement).unwrap();
        assert_eq!((r.end, r.escaped, r.ends_with_backslash), (4, true, false));
        assert!(scan(b",x", 0, Component::Measurement).is_none());
        assert!(
            scan(br"a\\", 0, Component::Key)
                .unwrap()
                .ends_with_backslash
        );
        assert!(scan(br"a\", 0, Component::Key).unwrap().ends_with_backslash);
        assert!(
            !scan(br"a\x", 0, Component::Key)
                .unwrap()
                .ends_with_backslash
        );
    }
}

//! Kapacitor's ID rule, random IDs and the list parameters' glob patterns.

/// IDs (task, template, recording, replay, handler) match `^[-\._\p{L}0-9]+$`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c == '-' || c == '.' || c == '_' || c.is_ascii_digit() || c.is_alphabetic())
}

/// A random UUIDv4 in its canonical text form (what Kapacitor gives an
/// omitted ID).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .is_ok();
    if !filled {
        // No urandom: mix the clock and a counter (IDs stay unique per process).
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        b[..8].copy_from_slice(&t.to_le_bytes());
        b[8..].copy_from_slice(&N.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A bad glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPattern;

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

/// Go's `path.Match` subset Kapacitor's lists use: `*`, `?`, `[...]`
/// (with ranges and `^` negation), `\` escapes. Empty pattern = everything.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    if pattern.is_empty() {
        return Ok(true);
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    check_pattern(&p)?;
    Ok(matches(&p, &s))
}

fn check_pattern(p: &[char]) -> Result<(), BadPattern> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(BadPattern);
                }
                i += 2;
            }
            '[' => {
                let end = class_end(p, i).ok_or(BadPattern)?;
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Index of the `]` closing the class opened at `start`.
fn class_end(p: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if p.get(i) == Some(&'^') {
        i += 1;
    }
    let first = i;
    while i < p.len() {
        if p[i] == ']' && i > first {
            return Some(i);
        }
        if p[i] == '\\' {
            i += 1;
        }
        i += 1;
    }
    None
}

fn class_matches(class: &[char], c: char) -> bool {
    let (neg, class) = match class.first() {
        Some('^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut hit = false;
    while i < class.len() {
        let mut lo = class[i];
        if lo == '\\' && i + 1 < class.len() {
            i += 1;
            lo = class[i];
        }
        if i + 2 < class.len() && class[i + 1] == '-' {
            let hi = class[i + 2];
            hit |= lo <= c && c <= hi;
            i += 3;
        } else {
            hit |= lo == c;
            i += 1;
        }
    }
    hit != neg
}

fn matches(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|k| matches(&p[1..], &s[k..])),
        Some('?') => !s.is_empty() && matches(&p[1..], &s[1..]),
        Some('[') => {
            let Some(end) = class_end(p, 0) else {
                return false;
            };
            !s.is_empty() && class_matches(&p[1..end], s[0]) && matches(&p[end + 1..], &s[1..])
        }
        Some('\\') if p.len() > 1 => !s.is_empty() && s[0] == p[1] && matches(&p[2..], &s[1..]),
        Some(c) => !s.is_empty() && s[0] == *c && matches(&p[1..], &s[1..]),
    }
}

/// Go's `time.Time` JSON text of `t` ns (RFC3339, fraction trimmed, `Z`).
pub fn go_time(t: i64) -> String {
    runtime::time::rfc3339_nano(t)
}

/// Now, in ns since the epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Go's zero `time.Time` as JSON.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_globs_and_uuids() {
        assert!(valid_id("cpu_alert-1.x"));
        assert!(valid_id("tâche"));
        assert!(!valid_id("a b") && !valid_id("a/b") && !valid_id(""));
        assert!(glob_match("cpu*", "cpu_alert").unwrap());
        assert!(!glob_match("cpu?", "cpu").unwrap());
        assert!(glob_match("[a-c]x", "bx").unwrap());
        assert!(!glob_match("[^a-c]x", "bx").unwrap());
        assert_eq!(glob_match("[ab", "a"), Err(BadPattern));
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}

//! Reading the file a `.log(path)` handler appends to while the server is
//! still writing it. A reader polling the file can catch a write half done
//! (Linux publishes an append a page at a time), so only lines that end in
//! `\n` count: a torn last line is read on the next poll, whole.

use serde_json::Value;
use std::path::Path;

/// The complete lines written so far; none when the file does not exist yet.
pub fn complete_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let whole = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => return Vec::new(),
    };
    whole.lines().map(str::to_string).collect()
}

/// The alert events logged so far, one JSON object per complete line.
/// A complete line that is not JSON is a handler bug and panics with the line.
pub fn events(path: &Path) -> Vec<Value> {
    complete_lines(path)
        .iter()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}: not an alert event ({e}): {l}", path.display()))
        })
        .collect()
}

/// The `level` of each event logged so far.
pub fn levels(path: &Path) -> Vec<String> {
    events(path)
        .iter()
        .map(|v| v["level"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_waits_for_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("alerts.log");
        assert!(events(&p).is_empty());
        std::fs::write(&p, "{\"level\":\"OK\"}\n{\"level\":\"CRI").unwrap();
        assert_eq!(levels(&p), ["OK"]);
        std::fs::write(&p, "{\"level\":\"OK\"}\n{\"level\":\"CRITICAL\"}\n").unwrap();
        assert_eq!(levels(&p), ["OK", "CRITICAL"]);
        std::fs::write(&p, "{\"level\":\"OK").unwrap();
        assert!(levels(&p).is_empty());
    }
}

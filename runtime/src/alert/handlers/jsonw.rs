//! A tiny JSON object writer with Go's string escaping: keys in the order
//! written (Go structs) or sorted (Go maps, which `encoding/json` sorts).

use crate::result::write_str;

pub struct Obj {
    buf: String,
    first: bool,
    /// Go `map[string]…` payloads: entries are collected and written in key
    /// order (encoding/json sorts map keys).
    sorted: Option<Vec<(String, String)>>,
}

impl Obj {
    /// A struct-like object: keys in the order written.
    pub fn new() -> Obj {
        Obj {
            buf: String::from("{"),
            first: true,
            sorted: None,
        }
    }

    /// A Go map: keys sorted when done.
    pub fn map() -> Obj {
        Obj {
            buf: String::from("{"),
            first: true,
            sorted: Some(Vec::new()),
        }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        write_str(&mut self.buf, k);
        self.buf.push(':');
    }

    pub fn str(self, k: &str, v: &str) -> Obj {
        let mut raw = String::with_capacity(v.len() + 2);
        write_str(&mut raw, v);
        self.raw(k, &raw)
    }

    pub fn raw(mut self, k: &str, raw: &str) -> Obj {
        if let Some(entries) = &mut self.sorted {
            entries.push((k.to_string(), raw.to_string()));
            return self;
        }
        self.key(k);
        self.buf.push_str(raw);
        self
    }

    pub fn int(self, k: &str, v: i64) -> Obj {
        self.raw(k, &v.to_string())
    }

    pub fn bool(self, k: &str, v: bool) -> Obj {
        self.raw(k, if v { "true" } else { "false" })
    }

    pub fn strs(self, k: &str, v: &[String]) -> Obj {
        let raw = str_array(v);
        self.raw(k, &raw)
    }

    pub fn done(mut self) -> String {
        if let Some(mut entries) = self.sorted.take() {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, raw) in entries {
                self.key(&k);
                self.buf.push_str(&raw);
            }
        }
        self.buf.push('}');
        self.buf
    }

    /// `done()` plus the newline Go's `json.Encoder` appends.
    pub fn encoded(self) -> String {
        let mut s = self.done();
        s.push('\n');
        s
    }
}

impl Default for Obj {
    fn default() -> Self {
        Obj::new()
    }
}

pub fn str_array(v: &[String]) -> String {
    let mut s = String::from("[");
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        write_str(&mut s, x);
    }
    s.push(']');
    s
}

pub fn json_str(v: &str) -> String {
    let mut s = String::new();
    write_str(&mut s, v);
    s
}

/// Go's `text[:min(max, len(text))]`: the first `max` bytes, here cut back
/// to a character boundary (Go would cut mid-character and its JSON encoder
/// would then print U+FFFD for the stray bytes).
pub fn cut_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

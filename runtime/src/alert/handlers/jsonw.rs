//! A tiny ordered JSON object writer: payload keys come out in exactly the
//! order written, with Go's string escaping.

use crate::result::write_str;

pub struct Obj {
    buf: String,
    first: bool,
}

impl Obj {
    pub fn new() -> Obj {
        Obj {
            buf: String::from("{"),
            first: true,
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

    pub fn str(mut self, k: &str, v: &str) -> Obj {
        self.key(k);
        write_str(&mut self.buf, v);
        self
    }

    pub fn raw(mut self, k: &str, raw: &str) -> Obj {
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
        self.buf.push('}');
        self.buf
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

//! Database/retention-policy pairs: the `-dbrp` flag syntax (`db.rp`, `"db"."rp"`, quotes
//! optional, `\"` inside quotes) and their printed form `"db"."rp"` (Go's `%q.%q`).

use crate::kapacitor::gojson;
use crate::kapacitor::output::go_quote;
use serde::Deserialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Dbrp {
    #[serde(default)]
    pub db: String,
    #[serde(default)]
    pub rp: String,
}

impl Dbrp {
    /// `{"db":"…","rp":"…"}` as Go's client encodes it.
    pub fn to_json(&self) -> String {
        gojson::Object::new()
            .str("db", &self.db)
            .str("rp", &self.rp)
            .finish()
    }
}

impl fmt::Display for Dbrp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", go_quote(&self.db), go_quote(&self.rp))
    }
}

/// A list printed as Go prints a `[]DBRP` with `%v`: `["a"."b" "c"."d"]`.
pub fn list_string(list: &[Dbrp]) -> String {
    let items: Vec<String> = list.iter().map(Dbrp::to_string).collect();
    format!("[{}]", items.join(" "))
}

/// A `-dbrp` value the CLI cannot split, worded as Kapacitor's flag does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbrpError {
    Empty,
    NoDot,
    MissingRetentionPolicy,
}

impl fmt::Display for DbrpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DbrpError::Empty => "dbrp cannot be empty",
            DbrpError::NoDot => "does not contain a '.', it must be in the form \"dbname\".\"rpname\" where the quotes are optional.",
            DbrpError::MissingRetentionPolicy => {
                "dbrp must specify retention policy, do you have a missing or extra '.'?"
            }
        })
    }
}

impl std::error::Error for DbrpError {}

/// Kapacitor's `dbrps.Set`. Where Kapacitor indexes past the end of the text (`"db"` alone,
/// `db.`) we report the missing retention policy instead of crashing.
pub fn parse(value: &str) -> Result<Dbrp, DbrpError> {
    let b = value.as_bytes();
    if b.is_empty() {
        return Err(DbrpError::Empty);
    }
    let (db, n) = if b[0] == b'"' {
        quoted(value)
    } else {
        let n = value.find('.').ok_or(DbrpError::NoDot)?;
        (value[..n].to_string(), n)
    };
    if b.get(n) != Some(&b'.') {
        return Err(DbrpError::MissingRetentionPolicy);
    }
    let rest = &value[n + 1..];
    if rest.is_empty() {
        return Err(DbrpError::MissingRetentionPolicy);
    }
    let rp = if rest.starts_with('"') {
        quoted(rest).0
    } else {
        rest.to_string()
    };
    Ok(Dbrp { db, rp })
}

/// Kapacitor's `parseQuotedStr`: from the opening quote to the next unescaped one; returns the
/// unescaped text and the index just past the closing quote.
fn quoted(txt: &str) -> (String, usize) {
    let b = txt.as_bytes();
    let quote = b[0];
    let mut buf: Vec<u8> = Vec::with_capacity(b.len());
    let mut last = 1;
    let mut i = 1;
    while i + 1 < b.len() {
        if b[i] == b'\\' && b[i + 1] == quote {
            buf.extend_from_slice(&b[last..i]);
            buf.push(quote);
            i += 2;
            last = i;
        } else if b[i] == quote {
            break;
        }
        // Kapacitor's loop also steps once more after an escape; kept for identical results.
        i += 1;
    }
    let end = i.min(b.len());
    if last < end {
        buf.extend_from_slice(&b[last..end]);
    }
    (String::from_utf8_lossy(&buf).into_owned(), i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(db: &str, rp: &str) -> Dbrp {
        Dbrp {
            db: db.into(),
            rp: rp.into(),
        }
    }

    #[test]
    fn flag_syntax() {
        assert_eq!(parse("telegraf.autogen"), Ok(d("telegraf", "autogen")));
        assert_eq!(
            parse("\"telegraf\".\"autogen\""),
            Ok(d("telegraf", "autogen"))
        );
        assert_eq!(
            parse("\"tele.graf\".autogen"),
            Ok(d("tele.graf", "autogen"))
        );
        assert_eq!(parse("db.rp.x"), Ok(d("db", "rp.x")));
        assert_eq!(parse("\"a\\\"b\".\"rp\""), Ok(d("a\"b", "rp")));
        assert_eq!(parse(""), Err(DbrpError::Empty));
        assert_eq!(parse("nodot"), Err(DbrpError::NoDot));
        assert_eq!(parse("\"db\"rp"), Err(DbrpError::MissingRetentionPolicy));
        assert_eq!(parse("\"db\""), Err(DbrpError::MissingRetentionPolicy));
        assert_eq!(parse("db."), Err(DbrpError::MissingRetentionPolicy));
    }

    #[test]
    fn printed_like_go() {
        assert_eq!(
            list_string(&[d("telegraf", "autogen")]),
            "[\"telegraf\".\"autogen\"]"
        );
        assert_eq!(
            list_string(&[d("a", "b"), d("c", "d")]),
            "[\"a\".\"b\" \"c\".\"d\"]"
        );
        assert_eq!(list_string(&[]), "[]");
    }
}

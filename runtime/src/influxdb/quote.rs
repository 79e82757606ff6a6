//! InfluxQL's `QuoteIdent` for one identifier (influxql ast.go): quoted when
//! empty, a keyword (any case), or not `[A-Za-z_][A-Za-z0-9_]*`; inside
//! quotes `\`, `"` and newline are escaped. Statements Kapacitor sends
//! (`SHOW RETENTION POLICIES ON telegraf`, `CREATE SUBSCRIPTION
//! "kapacitor-…" ON telegraf.autogen …`) print identifiers this way.

/// InfluxQL's keywords (influxql token.go, keywordBeg..keywordEnd plus the
/// `AND`/`OR`/`TRUE`/`FALSE` it also looks up as keywords).
const KEYWORDS: &[&str] = &[
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BEGIN",
    "BY",
    "CARDINALITY",
    "CREATE",
    "CONTINUOUS",
    "DATABASE",
    "DATABASES",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESTINATIONS",
    "DIAGNOSTICS",
    "DISTINCT",
    "DROP",
    "DURATION",
    "END",
    "EVERY",
    "EXACT",
    "EXPLAIN",
    "FALSE",
    "FIELD",
    "FOR",
    "FROM",
    "GRANT",
    "GRANTS",
    "GROUP",
    "GROUPS",
    "IN",
    "INF",
    "INSERT",
    "INTO",
    "KEY",
    "KEYS",
    "KILL",
    "LIMIT",
    "MEASUREMENT",
    "MEASUREMENTS",
    "NAME",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "PASSWORD",
    "POLICIES",
    "POLICY",
    "PRIVILEGES",
    "QUERIES",
    "QUERY",
    "READ",
    "REPLICATION",
    "RESAMPLE",
    "RETENTION",
    "REVOKE",
    "SELECT",
    "SERIES",
    "SET",
    "SHARD",
    "SHARDS",
    "SHOW",
    "SLIMIT",
    "SOFFSET",
    "STATS",
    "SUBSCRIPTION",
    "SUBSCRIPTIONS",
    "TAG",
    "TO",
    "TRUE",
    "USER",
    "USERS",
    "VALUES",
    "WHERE",
    "WITH",
    "WRITE",
];

/// The keyword `word` is (any case), upper-cased: the InfluxQL scanner's
/// token for a bare word (`runtime::batch::influxql`).
pub fn keyword(word: &str) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(word))
}

pub fn ident_needs_quotes(ident: &str) -> bool {
    if ident.is_empty() || KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(ident)) {
        return true;
    }
    ident.chars().enumerate().any(|(i, c)| {
        let letter = c.is_ascii_alphabetic() || c == '_';
        !(letter || (i > 0 && c.is_ascii_digit()))
    })
}

/// `ident`, double-quoted and escaped when it must be.
pub fn quote_ident(ident: &str) -> String {
    if !ident_needs_quotes(ident) {
        return ident.to_string();
    }
    let mut out = String::with_capacity(ident.len() + 2);
    out.push('"');
    for c in ident.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A single-quoted InfluxQL string literal (`\` and `'` escaped, newline as `\n`).
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote_ident("telegraf"), "telegraf");
        assert_eq!(quote_ident("autogen"), "autogen");
        assert_eq!(quote_ident("_k2"), "_k2");
        assert_eq!(quote_ident("kapacitor-2e1c"), "\"kapacitor-2e1c\"");
        assert_eq!(quote_ident("2db"), "\"2db\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(quote_ident("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote_string("it's"), "'it\\'s'");
    }
}

//! Go's `flag` package as Kapacitor's CLI uses it: each command declares a table of flags;
//! `-name value`, `-name=value`, `--name` and `--name=value` are accepted; a bool flag takes no
//! separate value (`-no-wait`, `-no-wait=false`); parsing stops at the first non-flag argument
//! or after `--`; `-h`/`-help` ask for the usage page. Errors carry Go's texts.

use crate::kapacitor::dbrp::{self, Dbrp, DbrpError};
use std::collections::HashMap;
use std::fmt;

/// What a flag holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Str,
    /// Repeatable `"db"."rp"` pairs (Kapacitor's `dbrps` flag value).
    Dbrp,
}

/// One flag of a command's table.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub name: &'static str,
    pub kind: Kind,
    pub usage: &'static str,
}

pub const fn flag(name: &'static str, kind: Kind, usage: &'static str) -> Flag {
    Flag { name, kind, usage }
}

/// A flag-parse failure, worded as Go's `flag` package words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagError {
    /// `-h` or `-help` when not declared: print the usage page and exit 0.
    Help,
    Undefined(String),
    BadSyntax(String),
    NeedsArgument(String),
    InvalidBool {
        value: String,
        name: String,
    },
    InvalidDbrp {
        value: String,
        err: DbrpError,
    },
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagError::Help => f.write_str("flag: help requested"),
            FlagError::Undefined(n) => write!(f, "flag provided but not defined: -{n}"),
            FlagError::BadSyntax(a) => write!(f, "bad flag syntax: {a}"),
            FlagError::NeedsArgument(n) => write!(f, "flag needs an argument: -{n}"),
            FlagError::InvalidBool { value, name } => write!(
                f,
                "invalid boolean value {} for -{name}: parse error",
                crate::kapacitor::output::go_quote(value)
            ),
            FlagError::InvalidDbrp { value, err } => write!(
                f,
                "invalid value {} for flag -dbrp: {err}",
                crate::kapacitor::output::go_quote(value)
            ),
        }
    }
}

impl std::error::Error for FlagError {}

/// The parsed flags and the remaining positional arguments.
#[derive(Debug, Default)]
pub struct Parsed {
    strings: HashMap<&'static str, String>,
    bools: HashMap<&'static str, bool>,
    dbrps: Vec<Dbrp>,
    pub args: Vec<String>,
}

impl Parsed {
    /// A string flag's value, `""` when not given (every string flag defaults to empty).
    pub fn str(&self, name: &str) -> &str {
        self.strings.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn bool(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(false)
    }

    pub fn dbrps(&self) -> &[Dbrp] {
        &self.dbrps
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `FlagSet.Parse(args)`.
pub fn parse(table: &[Flag], args: &[String]) -> Result<Parsed, FlagError> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        let mut dashes = 1;
        if arg.as_bytes()[1] == b'-' {
            dashes = 2;
            if arg.len() == 2 {
                // "--" ends the flags and is consumed.
                i += 1;
                break;
            }
        }
        let body = &arg[dashes..];
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(FlagError::BadSyntax(arg.clone()));
        }
        i += 1;
        let (name, inline_value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(def) = table.iter().find(|f| f.name == name) else {
            if name == "h" || name == "help" {
                return Err(FlagError::Help);
            }
            return Err(FlagError::Undefined(name.to_string()));
        };
        match def.kind {
            Kind::Bool => {
                let v = match inline_value {
                    None => true,
                    Some(v) => parse_go_bool(&v).ok_or(FlagError::InvalidBool {
                        value: v.clone(),
                        name: name.to_string(),
                    })?,
                };
                parsed.bools.insert(def.name, v);
            }
            Kind::Str | Kind::Dbrp => {
                let value = match inline_value {
                    Some(v) => v,
                    None => {
                        let Some(next) = args.get(i) else {
                            return Err(FlagError::NeedsArgument(name.to_string()));
                        };
                        i += 1;
                        next.clone()
                    }
                };
                if def.kind == Kind::Dbrp {
                    let d = dbrp::parse(&value).map_err(|err| FlagError::InvalidDbrp {
                        value: value.clone(),
                        err,
                    })?;
                    parsed.dbrps.push(d);
                } else {
                    parsed.strings.insert(def.name, value);
                }
            }
        }
    }
    parsed.args = args[i..].to_vec();
    Ok(parsed)
}

/// `FlagSet.PrintDefaults()`: one entry per flag, sorted by name; the type word (`string`,
/// `value`; none for bools) after the name; the usage on the next line after four spaces and a tab.
pub fn defaults(table: &[Flag]) -> String {
    let mut flags: Vec<&Flag> = table.iter().collect();
    flags.sort_by_key(|f| f.name);
    let mut out = String::new();
    for f in flags {
        out.push_str("  -");
        out.push_str(f.name);
        match f.kind {
            Kind::Bool => {}
            Kind::Str => out.push_str(" string"),
            Kind::Dbrp => out.push_str(" value"),
        }
        if f.name.chars().count() == 1 {
            out.push('\t');
        } else {
            out.push_str("\n    \t");
        }
        out.push_str(&f.usage.replace('\n', "\n    \t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Flag] = &[
        flag("task", Kind::Str, "The task ID."),
        flag("no-wait", Kind::Bool, "Do not wait."),
        flag("dbrp", Kind::Dbrp, "A dbrp."),
    ];

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn go_flag_forms() {
        let p = parse(
            TABLE,
            &args(&["-task", "a", "--no-wait", "rest", "-task", "b"]),
        )
        .unwrap();
        assert_eq!(p.str("task"), "a");
        assert!(p.bool("no-wait"));
        assert_eq!(p.args, args(&["rest", "-task", "b"]));

        let p = parse(
            TABLE,
            &args(&["--task=x=y", "-no-wait=false", "--", "-task"]),
        )
        .unwrap();
        assert_eq!(p.str("task"), "x=y");
        assert!(!p.bool("no-wait"));
        assert_eq!(p.args, args(&["-task"]));

        // A bool flag never consumes the next argument; "-" alone is positional.
        let p = parse(TABLE, &args(&["-no-wait", "false"])).unwrap();
        assert!(p.bool("no-wait"));
        assert_eq!(p.args, args(&["false"]));
        let p = parse(TABLE, &args(&["-", "-task", "a"])).unwrap();
        assert_eq!(p.args, args(&["-", "-task", "a"]));

        // A string flag takes the next argument even if it looks like a flag.
        let p = parse(TABLE, &args(&["-task", "-no-wait"])).unwrap();
        assert_eq!(p.str("task"), "-no-wait");

        let p = parse(TABLE, &args(&["-dbrp", "a.b", "-dbrp=\"c\".\"d\""])).unwrap();
        assert_eq!(p.dbrps().len(), 2);
    }

    #[test]
    fn go_flag_errors() {
        let e = |v: &[&str]| parse(TABLE, &args(v)).unwrap_err().to_string();
        assert_eq!(e(&["-bogus"]), "flag provided but not defined: -bogus");
        assert_eq!(e(&["---task"]), "bad flag syntax: ---task");
        assert_eq!(e(&["-=x"]), "bad flag syntax: -=x");
        assert_eq!(e(&["-task"]), "flag needs an argument: -task");
        assert_eq!(
            e(&["-no-wait=maybe"]),
            "invalid boolean value \"maybe\" for -no-wait: parse error"
        );
        assert_eq!(
            e(&["-dbrp", ""]),
            "invalid value \"\" for flag -dbrp: dbrp cannot be empty"
        );
        assert_eq!(parse(TABLE, &args(&["-h"])).unwrap_err(), FlagError::Help);
        assert_eq!(
            parse(TABLE, &args(&["--help"])).unwrap_err(),
            FlagError::Help
        );
    }

    #[test]
    fn defaults_like_go() {
        assert_eq!(
            defaults(TABLE),
            "  -dbrp value\n    \tA dbrp.\n  -no-wait\n    \tDo not wait.\n  -task string\n    \tThe task ID.\n"
        );
    }
}

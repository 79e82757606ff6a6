//! Secrets kept out of `kapacitor.conf` (an addition beyond Kapacitor),
//! resolved in the file's TOML tree before it is decoded:
//!
//! - `${NAME}` in any string value is replaced by the environment variable
//!   `NAME`; an unset variable is an error naming the key and the variable.
//!   `$${` writes a literal `${`. A `$` not followed by `{` is left as is, so
//!   a file without `${` reads exactly as before.
//! - `<key>-file = "/path"` for a secret key (`password`, `token`,
//!   `api-key`, `url`, `shared-secret`, … — [`SECRET_KEYS`]) sets `<key>`
//!   to the file's contents with trailing newlines trimmed. A relative path
//!   is relative to the config file's directory. Setting both `<key>` and
//!   `<key>-file` is an error.

use std::fmt;
use std::path::{Path, PathBuf};
use toml::Value;

/// A secret that could not be resolved, and the key it is for.
#[derive(Debug)]
pub struct SecretError {
    /// The dotted key path (`slack[0].token`, `smtp.password-file`).
    pub key: String,
    pub problem: SecretProblem,
}

/// What is wrong with a secret reference.
#[derive(Debug)]
pub enum SecretProblem {
    /// `${NAME}` names a variable that is not set.
    Unset(String),
    /// `${` without its `}`.
    Unterminated,
    /// `${…}` holds no valid variable name.
    BadName(String),
    /// Both `<key>` and this `<key>-file` are set.
    BothSet(String),
    /// A `-file` key whose value is not a string.
    NotAPath,
    /// The secret file could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretProblem::Unset(v) => write!(f, "environment variable {v} is not set"),
            SecretProblem::Unterminated => f.write_str("unterminated ${ reference"),
            SecretProblem::BadName(n) => write!(f, "invalid environment variable name {n:?}"),
            SecretProblem::BothSet(file_key) => {
                write!(f, "set either the key or {file_key}, not both")
            }
            SecretProblem::NotAPath => f.write_str("must be a file path string"),
            SecretProblem::Read { path, source } => {
                write!(f, "read secret file {}: {source}", path.display())
            }
        }
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.problem)
    }
}

impl std::error::Error for SecretError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            SecretProblem::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Keys (in any section) that take a `-file` variant: the options Kapacitor
/// redacts, and the URLs and usernames that may carry credentials.
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "username",
    "token",
    "api-key",
    "app-key",
    "user-key",
    "service-key",
    "routing-key",
    "shared-secret",
    "meta-password",
    "meta-internal-shared-secret",
    "sasl-password",
    "client-secret",
    "secret-key",
    "bearer-token",
    "community",
    "url",
    "channel-url",
];

/// Resolves `${NAME}` references and `-file` keys throughout `table`.
/// `env` looks a variable up; `dir` is the config file's directory.
pub fn resolve(
    table: &mut toml::Table,
    env: &dyn Fn(&str) -> Option<String>,
    dir: Option<&Path>,
) -> Result<(), SecretError> {
    expand_table(table, "", env)?;
    files_table(table, "", dir)
}

fn expand_table(
    t: &mut toml::Table,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), SecretError> {
    for (k, v) in t.iter_mut() {
        expand_value(v, &join(path, k), env)?;
    }
    Ok(())
}

fn expand_value(
    v: &mut Value,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), SecretError> {
    match v {
        Value::String(s) if s.contains("${") => *s = expand(s, key, env)?,
        Value::Array(items) => {
            for (i, x) in items.iter_mut().enumerate() {
                expand_value(x, &format!("{key}[{i}]"), env)?;
            }
        }
        Value::Table(t) => expand_table(t, key, env)?,
        _ => {}
    }
    Ok(())
}

/// One string with its `${NAME}` references replaced.
pub fn expand(
    s: &str,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, SecretError> {
    let err = |problem| SecretError {
        key: key.to_string(),
        problem,
    };
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            // `$${` is a literal `${`.
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let end = tail
                .find('}')
                .ok_or_else(|| err(SecretProblem::Unterminated))?;
            let name = &tail[..end];
            let valid = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(err(SecretProblem::BadName(name.to_string())));
            }
            let value = env(name).ok_or_else(|| err(SecretProblem::Unset(name.to_string())))?;
            out.push_str(&value);
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn files_table(t: &mut toml::Table, path: &str, dir: Option<&Path>) -> Result<(), SecretError> {
    let file_keys: Vec<String> = t
        .keys()
        .filter(|k| {
            k.strip_suffix("-file")
                .is_some_and(|base| SECRET_KEYS.contains(&base))
        })
        .cloned()
        .collect();
    for fk in file_keys {
        let base = fk.trim_end_matches("-file").to_string();
        let key = join(path, &base);
        if t.contains_key(&base) {
            return Err(SecretError {
                key,
                problem: SecretProblem::BothSet(fk),
            });
        }
        let Some(Value::String(p)) = t.remove(&fk) else {
            return Err(SecretError {
                key: join(path, &fk),
                problem: SecretProblem::NotAPath,
            });
        };
        let file = match dir {
            Some(d) if Path::new(&p).is_relative() => d.join(&p),
            _ => PathBuf::from(&p),
        };
        let text = std::fs::read_to_string(&file).map_err(|source| SecretError {
            key: join(path, &fk),
            problem: SecretProblem::Read { path: file, source },
        })?;
        let value = text.trim_end_matches(['\n', '\r']).to_string();
        t.insert(base, Value::String(value));
    }
    for (k, v) in t.iter_mut() {
        match v {
            Value::Table(inner) => files_table(inner, &join(path, k), dir)?,
            Value::Array(items) => {
                for (i, x) in items.iter_mut().enumerate() {
                    if let Value::Table(inner) = x {
                        files_table(inner, &format!("{}[{i}]", join(path, k)), dir)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr$t".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn references_expand_and_dollars_elsewhere_stay() {
        assert_eq!(expand("a${TOKEN}b", "k", &env).unwrap(), "as3cr$tb");
        assert_eq!(expand("${EMPTY}", "k", &env).unwrap(), "");
        assert_eq!(expand("p$ss$$w", "k", &env).unwrap(), "p$ss$$w");
        assert_eq!(expand("$${TOKEN}", "k", &env).unwrap(), "${TOKEN}");
        assert_eq!(expand("$", "k", &env).unwrap(), "$");
    }

    #[test]
    fn bad_references_name_the_key() {
        let e = expand("${NOPE}", "slack[0].token", &env).unwrap_err();
        assert_eq!(
            e.to_string(),
            "slack[0].token: environment variable NOPE is not set"
        );
        assert!(expand("${TOKEN", "k", &env)
            .unwrap_err()
            .to_string()
            .contains("unterminated"));
        assert!(expand("${A-B}", "k", &env)
            .unwrap_err()
            .to_string()
            .contains("\"A-B\""));
    }

    #[test]
    fn handler_sections_of_tickc_resolve_secrets_too() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tok");
        std::fs::write(&file, "from-file\n").unwrap();
        let src = format!("[telegram]\ntoken-file = \"{}\"\n", file.display());
        let c = crate::config::HandlerConfigs::from_toml(&src).unwrap();
        assert_eq!(c.telegram.token, "from-file");
        let e = crate::config::HandlerConfigs::from_toml(
            "[teams]\nchannel-url = \"${KAPACITOR_TEST_SURELY_UNSET}\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "teams.channel-url: environment variable KAPACITOR_TEST_SURELY_UNSET is not set"
        );
    }
}

//! Config overrides (api.md §1.10, Kapacitor's `services/config`): sections of the
//! configuration changed through `POST /kapacitor/v1/config/<section>[/<element>]`, stored in
//! redb and applied over the file configuration at every start-up (unless
//! `skip-config-overrides`), so the API's changes outlive restarts without touching the file.
//!
//! The effective configuration is always recomputed the same way: the file config (after env
//! and flags) as JSON, each stored override applied in key order, decoded back into `Config`
//! and validated. An update that would make it invalid is refused and not stored.
//!
//! Which sections are overridable, their element keys and their secrets are data
//! (`config::catalog::OVERRIDABLE`), the same facts as Kapacitor's `override:"…"` struct tags.

pub use crate::config::catalog::{Overridable, OVERRIDABLE as SECTIONS};
use crate::config::Config;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

pub fn section(name: &str) -> Option<&'static Overridable> {
    SECTIONS.iter().find(|s| s.name == name)
}

/// One stored override: an element's changed options, or an element added or removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub section: String,
    /// The element's key value (`""` for single sections).
    pub element: String,
    /// Options set over the file's values.
    pub options: Map<String, Value>,
    /// The element did not exist in the file: `add` created it.
    #[serde(default)]
    pub create: bool,
}

impl Override {
    pub fn key(&self) -> String {
        format!("{}/{}", self.section, self.element)
    }
}

/// Why an override cannot be made.
#[derive(Debug, Clone, PartialEq)]
pub enum OverrideError {
    /// Not an overridable section (`GET`: 404 `unknown section: x`; `POST`: 400).
    UnknownSection(String),
    UnknownElement {
        section: String,
        element: String,
    },
    /// The body's actions do not fit the section (set on a list without an element, …).
    BadAction(String),
    UnknownOptions {
        section: String,
        options: Vec<String>,
    },
    /// The overridden configuration does not decode or validate.
    Invalid(String),
    Store(String),
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideError::UnknownSection(s) => write!(f, "unknown section: {s}"),
            OverrideError::UnknownElement { section, element } => {
                write!(f, "unknown section/element: {section}/{element}")
            }
            OverrideError::BadAction(m) => f.write_str(m),
            OverrideError::UnknownOptions { section, options } => write!(
                f,
                "unknown options [{}] in section {section}",
                options.join(" ")
            ),
            OverrideError::Invalid(m) => write!(f, "failed to override configuration: {m}"),
            OverrideError::Store(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for OverrideError {}

impl From<StoreError> for OverrideError {
    fn from(e: StoreError) -> Self {
        OverrideError::Store(e.to_string())
    }
}

/// The body of `POST /config/<section>[/<element>]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAction {
    #[serde(default)]
    pub set: Map<String, Value>,
    #[serde(default)]
    pub delete: Vec<String>,
    #[serde(default)]
    pub add: Map<String, Value>,
    #[serde(default)]
    pub remove: Vec<String>,
}

/// The configuration as JSON (sections keyed by their TOML names).
fn to_json(c: &Config) -> Result<Map<String, Value>, OverrideError> {
    match serde_json::to_value(c) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(OverrideError::Invalid(
            "configuration is not a table".into(),
        )),
        Err(e) => Err(OverrideError::Invalid(e.to_string())),
    }
}

/// A section's elements (one for single sections) as JSON objects.
pub fn elements(c: &Config, s: &Overridable) -> Result<Vec<Map<String, Value>>, OverrideError> {
    let json = to_json(c)?;
    Ok(match json.get(s.name) {
        Some(Value::Array(a)) => a.iter().filter_map(|e| e.as_object().cloned()).collect(),
        Some(Value::Object(o)) if s.element_key.is_some() => vec![o.clone()],
        Some(Value::Object(o)) => vec![o.clone()],
        _ => Vec::new(),
    })
}

/// The element's name: its key option's value (`""` for single sections).
pub fn element_name(s: &Overridable, e: &Map<String, Value>) -> String {
    s.element_key
        .and_then(|k| e.get(k))
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// Options with secrets replaced by whether they are set, and the list of those options.
pub fn redacted(s: &Overridable, mut e: Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut names = Vec::new();
    for r in s.redact {
        if let Some(v) = e.get_mut(*r) {
            let set = match v {
                Value::Null => false,
                Value::String(x) => !x.is_empty(),
                Value::Object(o) => o
                    .values()
                    .any(|x| x.as_str().is_some_and(|s| !s.is_empty())),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            };
            *v = Value::Bool(set);
            names.push(r.to_string());
        }
    }
    (e, names)
}

/// Apply `overrides` over `base`, then decode and validate.
pub fn apply(base: &Config, overrides: &[Override]) -> Result<Config, OverrideError> {
    let mut json = to_json(base)?;
    let default_json = to_json(&Config::default())?;
    for o in overrides {
        let Some(s) = section(&o.section) else {
            continue;
        };
        let entry = json
            .entry(s.name.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if s.element_key.is_none() {
            if let Value::Object(m) = entry {
                m.extend(o.options.clone());
            }
            continue;
        }
        // A list section written as one table is one element.
        if let Value::Object(m) = entry {
            *entry = Value::Array(vec![Value::Object(m.clone())]);
        }
        let Value::Array(items) = entry else {
            continue;
        };
        let pos = items.iter().position(|e| {
            e.as_object()
                .is_some_and(|e| element_name(s, e) == o.element)
        });
        match (pos, o.create) {
            (Some(i), _) => {
                if let Value::Object(m) = &mut items[i] {
                    m.extend(o.options.clone());
                }
            }
            (None, true) => {
                // A new element starts from the section's defaults.
                let mut m = match default_json.get(s.name) {
                    Some(Value::Array(a)) => a
                        .first()
                        .and_then(|e| e.as_object().cloned())
                        .unwrap_or_default(),
                    Some(Value::Object(o)) => o.clone(),
                    _ => Map::new(),
                };
                m.extend(o.options.clone());
                items.push(Value::Object(m));
            }
            _ => {}
        }
    }
    let c: Config = serde_json::from_value(Value::Object(json))
        .map_err(|e| OverrideError::Invalid(e.to_string()))?;
    c.validate()
        .map_err(|e| OverrideError::Invalid(e.to_string()))?;
    Ok(c)
}

/// The configuration at start-up: the file's, with the stored overrides unless
/// `skip-config-overrides` (or the overrides no longer apply: logged, file config used).
pub fn effective_at_start(opts: &crate::settings::ServerOptions, store: &Store) -> Config {
    if opts.config.skip_config_overrides {
        tracing::info!(service = "config-override", "skipping config overrides");
        return opts.config.clone();
    }
    match stored(store).and_then(|o| apply(&opts.config, &o)) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(
                service = "config-override",
                "cannot apply stored overrides: {e}"
            );
            opts.config.clone()
        }
    }
}

/// Every stored override, in key order.
pub fn stored(store: &Store) -> Result<Vec<Override>, OverrideError> {
    let mut v: Vec<Override> = store.overrides()?;
    v.sort_by_key(Override::key);
    Ok(v)
}

/// Kapacitor's rules for one update's actions (its messages, prefixed as it prefixes them).
fn invalid_action(m: &str) -> OverrideError {
    OverrideError::BadAction(format!(
        "failed to apply update: invalid update action: {m}"
    ))
}

/// The overrides after `action` on `section[/element]` (nothing stored yet): the caller
/// applies them over the file config, and stores them only if that succeeds.
///
/// `element` is `None` when the path ends at the section (`/config/smtp`), `Some("")` with
/// a trailing slash (`/config/smtp/`): as in Kapacitor, set and delete need the latter.
pub fn plan(
    current: &Config,
    existing: &[Override],
    name: &str,
    element: Option<&str>,
    action: &UpdateAction,
) -> Result<Vec<Override>, OverrideError> {
    let set_or_delete = !action.set.is_empty() || !action.delete.is_empty();
    let adding = !action.add.is_empty();
    let removing = !action.remove.is_empty();
    if set_or_delete && (adding || removing) {
        return Err(invalid_action(
            "cannot provide both set/delete and add/remove actions in the same update",
        ));
    }
    let named = element.is_some_and(|e| !e.is_empty());
    if adding && named {
        return Err(invalid_action(
            "must not provide an element name when adding an a new override",
        ));
    }
    if removing && named {
        return Err(invalid_action(
            "must not provide element when removing an override",
        ));
    }
    if !adding && !removing && element.is_none() {
        return Err(invalid_action(
            "element not specified, are you missing a trailing '/'?",
        ));
    }
    let s = section(name).ok_or_else(|| OverrideError::UnknownSection(name.into()))?;
    let mut out: Vec<Override> = existing.to_vec();
    let position = |out: &[Override], el: &str| {
        out.iter()
            .position(|o| o.section == s.name && o.element == el)
    };
    if removing {
        // Removing drops the override: an added element disappears, an overridden one
        // returns to the file's values.
        out.retain(|o| !(o.section == s.name && action.remove.contains(&o.element)));
        return Ok(out);
    }
    if adding {
        let Some(key) = s.element_key else {
            return Err(OverrideError::BadAction(format!(
                "failed to apply update: section {name:?} is not a list, cannot add new element"
            )));
        };
        let el = match action.add.get(key) {
            Some(Value::String(v)) => v.clone(),
            Some(other) => {
                return Err(OverrideError::BadAction(format!(
                    "failed to apply update: expected {key:?} key to be a string, got {other}"
                )))
            }
            None => {
                return Err(OverrideError::BadAction(format!(
                    "failed to apply update: missing key {key:?} in \"add\" map"
                )))
            }
        };
        let exists = position(&out, &el).is_some()
            || elements(current, s)?
                .iter()
                .any(|e| element_name(s, e) == el);
        if exists {
            return Err(OverrideError::BadAction(format!(
                "failed to apply update: cannot add new override, override already exists for {}/{el}",
                s.name
            )));
        }
        check_options(current, s, &action.add)?;
        out.push(Override {
            section: s.name.into(),
            element: el,
            options: action.add.clone(),
            create: true,
        });
        return Ok(out);
    }
    let el = element.unwrap_or("").to_string();
    let known = match s.element_key {
        None => el.is_empty(),
        Some(_) => elements(current, s)?
            .iter()
            .any(|e| element_name(s, e) == el),
    };
    if !known {
        return Err(OverrideError::UnknownElement {
            section: name.into(),
            element: el,
        });
    }
    check_options(current, s, &action.set)?;
    let i = match position(&out, &el) {
        Some(i) => i,
        None => {
            out.push(Override {
                section: s.name.into(),
                element: el.clone(),
                ..Override::default()
            });
            out.len() - 1
        }
    };
    for (k, v) in &action.set {
        out[i].options.insert(k.clone(), v.clone());
    }
    for k in &action.delete {
        out[i].options.remove(k);
    }
    if out[i].options.is_empty() && !out[i].create {
        out.remove(i);
    }
    Ok(out)
}

/// Options a section does not have are refused by name.
fn check_options(
    c: &Config,
    s: &Overridable,
    opts: &Map<String, Value>,
) -> Result<(), OverrideError> {
    let template = match elements(c, s)?.into_iter().next() {
        Some(e) => e,
        None => elements(&Config::default(), s)?
            .into_iter()
            .next()
            .unwrap_or_default(),
    };
    let unknown: Vec<String> = opts
        .keys()
        .filter(|k| !template.contains_key(*k))
        .cloned()
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(OverrideError::UnknownOptions {
            section: s.name.into(),
            options: unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn action(v: Value) -> UpdateAction {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn set_then_delete_returns_to_the_file_value() {
        let base = Config::demo(std::path::Path::new("/h"));
        let ov = plan(
            &base,
            &[],
            "smtp",
            Some(""),
            &action(json!({"set": {"host": "mail.example", "port": 2525, "password": "pw"}})),
        )
        .unwrap();
        let c = apply(&base, &ov).unwrap();
        assert_eq!(c.smtp.host, "mail.example");
        assert_eq!(c.smtp.port, 2525);
        let s = section("smtp").unwrap();
        let (opts, red) = redacted(s, elements(&c, s).unwrap().remove(0));
        assert_eq!(opts["password"], json!(true));
        assert_eq!(red, vec!["password".to_string()]);
        let ov = plan(
            &c,
            &ov,
            "smtp",
            Some(""),
            &action(json!({"delete": ["host"]})),
        )
        .unwrap();
        let c = apply(&base, &ov).unwrap();
        assert_eq!(c.smtp.host, base.smtp.host);
        assert_eq!(c.smtp.port, 2525);
    }

    #[test]
    fn bad_actions_are_refused_by_name() {
        let base = Config::demo(std::path::Path::new("/h"));
        let e = plan(
            &base,
            &[],
            "smtp",
            Some(""),
            &action(json!({"set": {"nope": 1}})),
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "unknown options [nope] in section smtp"
        );
        assert!(matches!(
            plan(&base, &[], "http", Some(""), &action(json!({}))),
            Err(OverrideError::UnknownSection(_))
        ));
        assert!(plan(&base, &[], "smtp", None, &action(json!({"add": {"x": 1}}))).is_err());
        // Set without the trailing slash: Kapacitor's message.
        let e = plan(
            &base,
            &[],
            "smtp",
            None,
            &action(json!({"set": {"port": 1}})),
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "failed to apply update: invalid update action: element not specified, are you missing a trailing '/'?"
        );
        // A value of the wrong type fails to decode: not stored by the caller.
        let ov = plan(
            &base,
            &[],
            "smtp",
            Some(""),
            &action(json!({"set": {"port": "x"}})),
        )
        .unwrap();
        assert!(matches!(apply(&base, &ov), Err(OverrideError::Invalid(_))));
    }

    #[test]
    fn list_sections_add_set_and_remove_elements() {
        let base = Config::demo(std::path::Path::new("/h"));
        let ov = plan(
            &base,
            &[],
            "slack",
            None,
            &action(json!({"add": {"workspace": "ops", "channel": "#ops"}})),
        )
        .unwrap();
        let c = apply(&base, &ov).unwrap();
        assert_eq!(c.slack.len(), 2);
        assert_eq!(c.slack[1].channel, "#ops");
        let ov = plan(
            &c,
            &ov,
            "slack",
            Some("ops"),
            &action(json!({"set": {"channel": "#alerts"}})),
        )
        .unwrap();
        let c = apply(&base, &ov).unwrap();
        assert_eq!(c.slack[1].channel, "#alerts");
        let ov = plan(&c, &ov, "slack", None, &action(json!({"remove": ["ops"]}))).unwrap();
        assert!(ov.is_empty(), "{ov:?}");
        assert_eq!(apply(&base, &ov).unwrap().slack.len(), 1);
    }
}

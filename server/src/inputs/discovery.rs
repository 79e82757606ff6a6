//! The discoverers a `[[scraper]]` takes its targets from, by
//! `discoverer-service` and `discoverer-id` (Kapacitor's
//! `services/static_discovery` and `services/file_discovery`, Prometheus's
//! static and file service discovery): `[[static-discovery]]` lists `targets`
//! (`host:port`) with common `labels`; `[[file-discovery]]` names `files`
//! (`*` allowed in the file name) holding Prometheus `file_sd` target groups
//! in JSON or YAML — `[{"targets": [...], "labels": {...}}]` — read again on
//! every scrape, so edits are picked up. Other discoverers (consul, dns, ec2,
//! ...) are not implemented: a scraper naming one gets no targets and says so.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct StaticDiscoveryConfig {
    pub enabled: bool,
    pub id: String,
    pub targets: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct FileDiscoveryConfig {
    pub enabled: bool,
    pub id: String,
    pub files: Vec<String>,
}

/// Targets sharing labels (Prometheus's `TargetGroup`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TargetGroup {
    pub targets: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

/// Where a scraper's targets come from.
#[derive(Debug, Clone)]
pub enum Discoverer {
    Static(StaticDiscoveryConfig),
    File(FileDiscoveryConfig),
}

impl Discoverer {
    /// The current target groups; a file that cannot be read or parsed is
    /// logged and skipped (its targets are not scraped this round).
    pub fn groups(&self) -> Vec<TargetGroup> {
        match self {
            Discoverer::Static(s) => vec![TargetGroup {
                targets: s.targets.clone(),
                labels: s.labels.clone(),
            }],
            Discoverer::File(f) => f
                .files
                .iter()
                .flat_map(|pattern| expand(pattern))
                .flat_map(|path| match read_groups(&path) {
                    Ok(g) => g,
                    Err(e) => {
                        tracing::warn!(service = "file-discovery", file = %path, "{e}");
                        Vec::new()
                    }
                })
                .collect(),
        }
    }
}

/// A pattern with `*` in its file name as the files it matches (sorted).
fn expand(pattern: &str) -> Vec<String> {
    let path = Path::new(pattern);
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    if !name.contains('*') {
        return vec![pattern.to_string()];
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let (prefix, suffix) = name.split_once('*').unwrap_or((name, ""));
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_str()?.to_string();
            (n.starts_with(prefix) && n.ends_with(suffix) && n.len() >= prefix.len() + suffix.len())
                .then(|| dir.join(n).to_string_lossy().into_owned())
        })
        .collect();
    out.sort();
    out
}

fn read_groups(path: &str) -> Result<Vec<TargetGroup>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let lower = path.to_ascii_lowercase();
    let value: serde_json::Value = if lower.ends_with(".yml") || lower.ends_with(".yaml") {
        runtime::yaml_json::to_json(&text).map_err(|e| e.to_string())?
    } else {
        serde_json::from_str(&text).map_err(|e| e.to_string())?
    };
    if value.is_null() {
        return Ok(Vec::new());
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_discovery_reads_json_and_yaml_groups_through_a_glob() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.json"),
            r#"[{"targets":["h1:9100"],"labels":{"env":"prod"}}]"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.yml"),
            "- targets: ['h2:9100', 'h3:9100']\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("c.json"), "not json").unwrap();
        let d = Discoverer::File(FileDiscoveryConfig {
            enabled: true,
            id: "f".into(),
            files: vec![
                format!("{}/*.json", dir.path().display()),
                format!("{}/b.yml", dir.path().display()),
            ],
        });
        let groups = d.groups();
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(
            groups[0].labels.get("env").map(String::as_str),
            Some("prod")
        );
        assert_eq!(groups[1].targets, ["h2:9100", "h3:9100"]);
    }
}

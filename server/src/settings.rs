//! The few settings kapacitord reads until the full configuration module
//! (`server::config`, api.md §3.1) is merged; every use goes through
//! `ServerOptions`, so the swap is mechanical.
//!
//! Sources, in precedence order as Kapacitor's: defaults (the "demo" config:
//! everything under `~/.kapacitor`), a `-config` TOML file (`hostname`,
//! `data_dir`, `[http] bind-address`, `[replay] dir`, `[storage] boltdb`;
//! unknown keys ignored), `KAPACITOR_*` environment overrides for those keys,
//! then the `-hostname`, `-log-file`, `-log-level` flags.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    pub hostname: String,
    pub data_dir: PathBuf,
    pub bind_address: String,
    pub replay_dir: PathBuf,
    pub db_path: PathBuf,
    pub log_file: Option<PathBuf>,
    pub log_level: String,
    pub pidfile: Option<PathBuf>,
    /// Largest request body accepted (bytes).
    pub max_body_size: usize,
    /// `[stats] enabled` and `stats-interval`: the server's own stats stream.
    pub stats_enabled: bool,
    pub stats_interval: std::time::Duration,
    /// Where the configuration came from (for the start-up log line).
    pub config_path: Option<PathBuf>,
}

#[derive(Debug)]
pub enum SettingsError {
    Usage(String),
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Toml {
        path: PathBuf,
        error: String,
    },
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Usage(m) => f.write_str(m),
            SettingsError::Read { path, error } => write!(f, "{}: {error}", path.display()),
            SettingsError::Toml { path, error } => {
                write!(f, "{}: invalid configuration: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for SettingsError {}

impl ServerOptions {
    /// Kapacitor's defaults without a config file: the demo layout rooted at `data_dir`.
    pub fn with_data_dir(data_dir: PathBuf) -> ServerOptions {
        ServerOptions {
            hostname: "localhost".into(),
            replay_dir: data_dir.join("replay"),
            db_path: data_dir.join("kapacitor.db"),
            data_dir,
            bind_address: ":9092".into(),
            log_file: None,
            log_level: "info".into(),
            pidfile: None,
            max_body_size: 25 * 1024 * 1024,
            stats_enabled: true,
            stats_interval: std::time::Duration::from_secs(10),
            config_path: None,
        }
    }

    /// Parse `kapacitord [run] [flags]` and the environment.
    pub fn from_args(
        args: &[String],
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<ServerOptions, SettingsError> {
        let mut flags: Vec<(String, String)> = Vec::new();
        let mut it = args.iter().peekable();
        if it.peek().is_some_and(|a| a.as_str() == "run") {
            it.next();
        }
        while let Some(a) = it.next() {
            let name = a.trim_start_matches('-');
            if !a.starts_with('-') || name.is_empty() {
                return Err(SettingsError::Usage(format!("unexpected argument {a:?}")));
            }
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    let v = it.next().ok_or_else(|| {
                        SettingsError::Usage(format!("flag needs an argument: -{name}"))
                    })?;
                    (name.to_string(), v.clone())
                }
            };
            match name.as_str() {
                "config" | "hostname" | "pidfile" | "log-file" | "log-level"
                | "blacklist-cidrs" | "disable-handlers" | "cpuprofile" | "memprofile" => {
                    flags.push((name, value))
                }
                _ => {
                    return Err(SettingsError::Usage(format!(
                        "flag provided but not defined: -{name}"
                    )))
                }
            }
        }
        let flag = |n: &str| {
            flags
                .iter()
                .rev()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        let env: Vec<(String, String)> = env.collect();
        let env_var = |n: &str| {
            env.iter()
                .find(|(k, v)| k == n && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let home = env_var("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        let mut o = ServerOptions::with_data_dir(home.join(".kapacitor"));
        let config_path = flag("config")
            .or_else(|| env_var("KAPACITOR_CONFIG_PATH"))
            .filter(|p| p != "/dev/null");
        if let Some(path) = config_path {
            let path = PathBuf::from(path);
            let text = std::fs::read_to_string(&path).map_err(|error| SettingsError::Read {
                path: path.clone(),
                error,
            })?;
            o.apply_toml(&text).map_err(|error| SettingsError::Toml {
                path: path.clone(),
                error,
            })?;
            o.config_path = Some(path);
        }
        if let Some(v) = env_var("KAPACITOR_HOSTNAME") {
            o.hostname = v;
        }
        if let Some(v) = env_var("KAPACITOR_DATA_DIR") {
            o.set_data_dir(PathBuf::from(v));
        }
        if let Some(v) = env_var("KAPACITOR_HTTP_BIND_ADDRESS") {
            o.bind_address = v;
        }
        if let Some(v) = env_var("KAPACITOR_REPLAY_DIR") {
            o.replay_dir = PathBuf::from(v);
        }
        if let Some(v) = env_var("KAPACITOR_STORAGE_BOLTDB") {
            o.db_path = PathBuf::from(v);
        }
        if let Some(v) = env_var("KAPACITOR_STATS_STATS_INTERVAL") {
            o.stats_interval = parse_interval(&v)
                .ok_or_else(|| SettingsError::Usage(format!("invalid stats-interval {v:?}")))?;
        }
        if let Some(v) = env_var("KAPACITOR_STATS_ENABLED") {
            o.stats_enabled = v == "true" || v == "1";
        }
        if let Some(v) = flag("hostname") {
            o.hostname = v;
        }
        if let Some(v) = flag("log-file") {
            o.log_file = Some(PathBuf::from(v));
        }
        if let Some(v) = flag("log-level") {
            o.log_level = v;
        }
        o.pidfile = flag("pidfile").map(PathBuf::from);
        Ok(o)
    }

    /// A new data dir moves the replay dir and database that were under the old one.
    fn set_data_dir(&mut self, dir: PathBuf) {
        if self.replay_dir.starts_with(&self.data_dir) {
            self.replay_dir = dir.join("replay");
        }
        if self.db_path.starts_with(&self.data_dir) {
            self.db_path = dir.join("kapacitor.db");
        }
        self.data_dir = dir;
    }

    fn apply_toml(&mut self, text: &str) -> Result<(), String> {
        let v: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let s = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        if let Some(h) = s(&v, "hostname") {
            self.hostname = h;
        }
        if let Some(d) = s(&v, "data_dir") {
            self.set_data_dir(PathBuf::from(d));
        }
        if let Some(t) = v.get("http").and_then(|t| t.as_table()) {
            if let Some(b) = s(t, "bind-address") {
                self.bind_address = b;
            }
        }
        if let Some(t) = v.get("replay").and_then(|t| t.as_table()) {
            if let Some(d) = s(t, "dir") {
                self.replay_dir = PathBuf::from(d);
            }
        }
        if let Some(t) = v.get("storage").and_then(|t| t.as_table()) {
            if let Some(d) = s(t, "boltdb") {
                self.db_path = PathBuf::from(d);
            }
        }
        if let Some(t) = v.get("stats").and_then(|t| t.as_table()) {
            if let Some(i) = s(t, "stats-interval") {
                self.stats_interval =
                    parse_interval(&i).ok_or_else(|| format!("invalid stats-interval {i:?}"))?;
            }
            if let Some(e) = t.get("enabled").and_then(|e| e.as_bool()) {
                self.stats_enabled = e;
            }
        }
        if let Some(t) = v.get("logging").and_then(|t| t.as_table()) {
            if let Some(l) = s(t, "level") {
                self.log_level = l;
            }
            if let Some(f) = s(t, "file").filter(|f| f != "STDERR") {
                self.log_file = Some(PathBuf::from(f));
            }
        }
        Ok(())
    }

    /// The socket address to bind (`:9092` means every interface).
    pub fn socket_address(&self) -> String {
        if self.bind_address.starts_with(':') {
            format!("0.0.0.0{}", self.bind_address)
        } else {
            self.bind_address.clone()
        }
    }
}

/// A positive Go duration (`10s`, `500ms`).
fn parse_interval(s: &str) -> Option<std::time::Duration> {
    crate::vars::parse_duration(s)
        .filter(|&n| n > 0)
        .map(|n| std::time::Duration::from_nanos(n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_env_and_file_in_kapacitor_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("k.conf");
        std::fs::write(
            &cfg,
            "hostname = \"file\"\ndata_dir = \"/d\"\nunknown = 1\n[http]\nbind-address = \":1\"\n",
        )
        .unwrap();
        let env = vec![(
            "KAPACITOR_HTTP_BIND_ADDRESS".to_string(),
            "127.0.0.1:2".to_string(),
        )];
        let o = ServerOptions::from_args(
            &args(&["run", "-config", cfg.to_str().unwrap(), "-hostname", "flag"]),
            env.into_iter(),
        )
        .unwrap();
        assert_eq!(o.hostname, "flag");
        assert_eq!(o.bind_address, "127.0.0.1:2");
        assert_eq!(o.replay_dir, PathBuf::from("/d/replay"));
        assert!(ServerOptions::from_args(&args(&["-nope", "x"]), std::iter::empty()).is_err());
        assert_eq!(
            ServerOptions::from_args(&args(&[]), std::iter::once(("HOME".into(), "/h".into())))
                .unwrap()
                .data_dir,
            PathBuf::from("/h/.kapacitor")
        );
    }
}

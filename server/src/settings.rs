//! The command line of `kapacitord` and the adaptor from Kapacitor's
//! configuration (`crate::config::Config`, api.md §3) to the few values the
//! server reads while running (`ServerOptions`).
//!
//! Why an adaptor: `Config` is Kapacitor's whole file (every section, kept
//! in Kapacitor's shapes so it prints back); the server wants resolved
//! values (a socket address, paths, a std `Duration`). Resolving them once,
//! here, keeps the HTTP handlers free of config parsing.
//!
//! Precedence, as Kapacitor's `run` command: the file over the struct
//! defaults (or the home-rooted demo config without a file), then
//! `KAPACITOR_*` variables, then the `-hostname`, `-log-file`, `-log-level`
//! flags, then validation.

use crate::config::{config_path, Config, ConfigError, HandlerConfigs, REGENERATE_HINT};
use std::fmt;
use std::path::{Path, PathBuf};

/// Name of our redb store. It lives where `[storage] boltdb` points (its
/// directory); the name stays ours so a real Kapacitor BoltDB file given in
/// `boltdb` keeps its own name and is never confused with ours.
pub const STORE_FILE: &str = "kapacitor.db";

/// Largest request body accepted (bytes), Kapacitor's default.
pub const MAX_BODY_SIZE: usize = 25 * 1024 * 1024;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `kapacitord [run] [flags]`.
    Run(Flags),
    /// `kapacitord config [-config p] [-hostname h]`.
    PrintConfig(Flags),
    Version,
    Help,
}

/// The flags of `run` (and the subset `config` takes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub pidfile: Option<PathBuf>,
    pub hostname: Option<String>,
    pub log_file: Option<String>,
    pub log_level: Option<String>,
    /// `-blacklist-cidrs`: networks alert handlers and `httpPost` never connect to.
    pub blacklist_cidrs: Option<String>,
    /// `-disable-handlers`: alert handler kinds a task may not use.
    pub disable_handlers: Option<String>,
}

#[derive(Debug)]
pub enum SettingsError {
    /// Bad command line (Go `flag` wording).
    Usage(String),
    /// The config file could not be read or decoded.
    Parse(ConfigError),
    /// A `KAPACITOR_*` variable could not be applied.
    Env(ConfigError),
    /// The resolved configuration breaks a rule; names the key.
    Invalid(ConfigError),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Usage(m) => f.write_str(m),
            SettingsError::Parse(e) => write!(f, "parse config: {e}"),
            SettingsError::Env(e) => write!(f, "apply env config: {e}"),
            SettingsError::Invalid(e) => write!(f, "invalid configuration: {e}. {REGENERATE_HINT}"),
        }
    }
}

impl std::error::Error for SettingsError {}

/// Parse `kapacitord`'s arguments (without the program name).
pub fn parse_args(args: &[String]) -> Result<Command, SettingsError> {
    let (cmd, rest) = match args.first().map(String::as_str) {
        None => ("run", args),
        Some(a) if a.starts_with('-') => {
            if matches!(a, "-h" | "-help" | "--help") {
                return Ok(Command::Help);
            }
            ("run", args)
        }
        Some(a) => (a, &args[1..]),
    };
    match cmd {
        "run" => Ok(Command::Run(parse_flags(rest, true)?)),
        "config" => Ok(Command::PrintConfig(parse_flags(rest, false)?)),
        "version" => Ok(Command::Version),
        "help" => Ok(Command::Help),
        other => Err(SettingsError::Usage(format!("unknown command: {other}"))),
    }
}

fn parse_flags(args: &[String], run: bool) -> Result<Flags, SettingsError> {
    let mut f = Flags::default();
    let mut it = args.iter();
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
        match (name.as_str(), run) {
            ("config", _) => f.config = Some(PathBuf::from(value)),
            ("hostname", _) => f.hostname = Some(value),
            ("pidfile", true) => f.pidfile = Some(PathBuf::from(value)),
            ("log-file", true) => f.log_file = Some(value),
            ("log-level", true) => f.log_level = Some(value),
            ("blacklist-cidrs", true) => f.blacklist_cidrs = Some(value),
            ("disable-handlers", true) => f.disable_handlers = Some(value),
            // Go profiling outputs: accepted for script compatibility.
            ("cpuprofile" | "memprofile", true) => {}
            _ => {
                return Err(SettingsError::Usage(format!(
                    "flag provided but not defined: -{name}"
                )))
            }
        }
    }
    Ok(f)
}

/// A resolved configuration and what the log should say about it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub config: Config,
    /// The file read, `None` for the demo defaults.
    pub path: Option<PathBuf>,
    /// Keys of the file Kapacitor's structs do not have (logged, not fatal).
    pub unknown_keys: Vec<String>,
}

/// Kapacitor's config resolution for `run` (`demo_base = false`: a file is
/// decoded over the struct defaults) and for `kapacitord config`
/// (`demo_base = true`: over the home-rooted demo config). `env` is the
/// process environment.
pub fn resolve(
    flags: &Flags,
    env: &[(String, String)],
    demo_base: bool,
) -> Result<Resolved, SettingsError> {
    let var = |n: &str| {
        env.iter()
            .find(|(k, v)| k == n && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let home = PathBuf::from(var("HOME").unwrap_or(""));
    let path = config_path(
        flags.config.as_deref(),
        var("KAPACITOR_CONFIG_PATH"),
        Some(home.as_path()).filter(|h| !h.as_os_str().is_empty()),
        |p: &Path| p.exists(),
    );
    let demo = Config::demo(&home);
    let (mut config, unknown_keys) = match &path {
        None => (demo, Vec::new()),
        Some(p) => {
            let src = std::fs::read_to_string(p).map_err(|source| {
                SettingsError::Parse(ConfigError::Read {
                    path: p.clone(),
                    source,
                })
            })?;
            let base = if demo_base { demo } else { Config::default() };
            let loaded = Config::decode(&src, &base, Some(p)).map_err(SettingsError::Parse)?;
            (loaded.config, loaded.unknown_keys)
        }
    };
    config
        .apply_env(env.iter().cloned())
        .map_err(SettingsError::Env)?;
    if let Some(h) = &flags.hostname {
        config.hostname = h.clone();
    }
    if let Some(f) = &flags.log_file {
        config.logging.file = f.clone();
    }
    if let Some(l) = &flags.log_level {
        config.logging.level = l.clone();
    }
    config.validate().map_err(SettingsError::Invalid)?;
    Ok(Resolved {
        config,
        path,
        unknown_keys,
    })
}

/// A `-disable-handlers` entry that names no alert handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownHandler(pub String);

impl fmt::Display for UnknownHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-disable-handlers: unknown alert handler {:?}", self.0)
    }
}

impl std::error::Error for UnknownHandler {}

/// `-disable-handlers a,b`: handler kinds by their topic-handler kind (`exec`, `smtp`,
/// `pagerduty2`) or their TICKscript method (`email`, `pagerDuty2`), any case.
pub fn disabled_handler_kinds(
    list: &str,
) -> Result<Vec<compiler::catalog::HandlerKind>, UnknownHandler> {
    use compiler::catalog::HandlerKind;
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            HandlerKind::ALL
                .iter()
                .find(|k| {
                    k.kind().eq_ignore_ascii_case(name) || k.method().eq_ignore_ascii_case(name)
                })
                .copied()
                .ok_or_else(|| UnknownHandler(name.to_string()))
        })
        .collect()
}

/// What the running server reads of the configuration, resolved.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub hostname: String,
    pub data_dir: PathBuf,
    /// `[http] bind-address` as written (`:9092` = every interface).
    pub bind_address: String,
    pub replay_dir: PathBuf,
    /// Our redb store: `STORE_FILE` in `[storage] boltdb`'s directory.
    pub db_path: PathBuf,
    /// `None` = stderr (`STDERR`); `Some("STDOUT")` is stdout.
    pub log_file: Option<PathBuf>,
    pub log_level: String,
    pub pidfile: Option<PathBuf>,
    /// Largest request body accepted (bytes), `[http-limits] max-body-size`.
    pub max_body_size: usize,
    /// `[http-limits]`: time a client has for its request headers, then
    /// for its body.
    pub read_header_timeout: std::time::Duration,
    pub read_body_timeout: std::time::Duration,
    /// `[task-limits]`: the bounds every task is built with.
    pub task_limits: runtime::limits::TaskLimits,
    /// `[stats]`: the server's own stats stream.
    pub stats_enabled: bool,
    pub stats_interval: std::time::Duration,
    pub stats_database: String,
    pub stats_retention_policy: String,
    /// The alert handler sections tasks are built with.
    pub handler_configs: HandlerConfigs,
    /// Where the configuration came from (for the start-up log line).
    pub config_path: Option<PathBuf>,
    /// `-disable-handlers` / `-blacklist-cidrs` as given (parsed by
    /// `disabled_handler_kinds` and `runtime::net_policy::parse_list`).
    pub disable_handlers: Option<String>,
    pub blacklist_cidrs: Option<String>,
    /// `[[influxdb]]` entries (enabled or not) and `[http] auth-enabled`,
    /// read by `crate::influxdb`.
    pub influxdb: Vec<crate::config::InfluxdbConfig>,
    pub http_auth_enabled: bool,
    /// `[http] shared-secret`: signs JWTs for clusters with `http-shared-secret`.
    pub http_shared_secret: String,
    /// `[load]`: the directory of tasks, templates and handlers defined as files.
    pub load_enabled: bool,
    pub load_dir: PathBuf,
    /// The resolved configuration (file, env, flags): the base that stored config overrides
    /// apply over (`crate::overrides`).
    pub config: Config,
    /// `[alert] persist-topics` and `topic-buffer-length`.
    pub persist_topics: bool,
    pub topic_buffer_length: usize,
}

impl ServerOptions {
    /// Resolve the server's values from a validated config.
    pub fn from_config(c: &Config, path: Option<PathBuf>, flags: &Flags) -> ServerOptions {
        let boltdb = Path::new(&c.storage.boltdb);
        let store_dir = boltdb.parent().unwrap_or(Path::new(""));
        ServerOptions {
            hostname: c.hostname.clone(),
            data_dir: c.data_dir.clone(),
            bind_address: c.http.bind_address.clone(),
            replay_dir: PathBuf::from(&c.replay.dir),
            db_path: store_dir.join(STORE_FILE),
            log_file: Some(c.logging.file.as_str())
                .filter(|f| !f.is_empty() && *f != "STDERR")
                .map(PathBuf::from),
            log_level: c.logging.level.clone(),
            pidfile: flags.pidfile.clone(),
            max_body_size: usize::try_from(c.http_limits.max_body_size)
                .ok()
                .filter(|&n| n > 0)
                .unwrap_or(MAX_BODY_SIZE),
            read_header_timeout: c.http_limits.read_header_timeout.to_std(),
            read_body_timeout: c.http_limits.read_body_timeout.to_std(),
            task_limits: runtime::limits::TaskLimits {
                max_groups: c.task_limits.max_groups.max(0) as usize,
                max_buffered_points: c.task_limits.max_buffered_points.max(0) as usize,
            },
            stats_enabled: c.stats.enabled,
            stats_interval: c.stats.stats_interval.to_std(),
            stats_database: c.stats.database.clone(),
            stats_retention_policy: c.stats.retention_policy.clone(),
            handler_configs: c.handler_configs(),
            config_path: path,
            disable_handlers: flags.disable_handlers.clone(),
            blacklist_cidrs: flags.blacklist_cidrs.clone(),
            influxdb: c.influxdb.clone(),
            http_auth_enabled: c.http.auth_enabled,
            http_shared_secret: c.http.shared_secret.clone(),
            load_enabled: c.load.enabled,
            load_dir: PathBuf::from(&c.load.dir),
            config: c.clone(),
            persist_topics: c.alert.persist_topics,
            topic_buffer_length: c.alert.topic_buffer_length.max(1) as usize,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn commands_and_flags() {
        assert_eq!(parse_args(&[]).unwrap(), Command::Run(Flags::default()));
        let Command::Run(f) = parse_args(&args(&["run", "-config", "/c", "-pidfile=/p"])).unwrap()
        else {
            panic!("run expected")
        };
        assert_eq!(f.config, Some(PathBuf::from("/c")));
        assert_eq!(f.pidfile, Some(PathBuf::from("/p")));
        assert!(matches!(
            parse_args(&args(&["-hostname", "h"])).unwrap(),
            Command::Run(Flags {
                hostname: Some(_),
                ..
            })
        ));
        assert!(matches!(
            parse_args(&args(&["config"])).unwrap(),
            Command::PrintConfig(_)
        ));
        // `config` takes only -config and -hostname.
        assert!(parse_args(&args(&["config", "-pidfile", "x"])).is_err());
        assert!(parse_args(&args(&["-nope", "x"])).is_err());
        assert!(parse_args(&args(&["-config"])).is_err());
        assert_eq!(parse_args(&args(&["version"])).unwrap(), Command::Version);
    }

    #[test]
    fn file_env_flags_in_kapacitor_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("k.conf");
        std::fs::write(
            &cfg,
            "hostname = \"file\"\ndata_dir = \"/d\"\nunknown = 1\n[http]\nbind-address = \":1\"\n[storage]\nboltdb = \"/s/x.db\"\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(cfg.clone()),
            hostname: Some("flag".into()),
            ..Flags::default()
        };
        let r = resolve(
            &flags,
            &env(&[("KAPACITOR_HTTP_BIND_ADDRESS", "127.0.0.1:2")]),
            false,
        )
        .unwrap();
        assert_eq!(r.unknown_keys, vec!["unknown".to_string()]);
        let o = ServerOptions::from_config(&r.config, r.path, &flags);
        assert_eq!(o.hostname, "flag");
        assert_eq!(o.bind_address, "127.0.0.1:2");
        assert_eq!(o.data_dir, PathBuf::from("/d"));
        // The file's replay dir default stays relative, as Kapacitor's.
        assert_eq!(o.replay_dir, PathBuf::from("./replay"));
        assert_eq!(o.db_path, PathBuf::from("/s").join(STORE_FILE));
        assert_eq!(o.config_path, Some(cfg));
    }

    #[test]
    fn no_file_means_demo_defaults_under_home() {
        let r = resolve(
            &Flags {
                config: Some(PathBuf::from("/dev/null")),
                ..Flags::default()
            },
            &env(&[("HOME", "/h")]),
            false,
        )
        .unwrap();
        let o = ServerOptions::from_config(&r.config, r.path, &Flags::default());
        assert_eq!(o.data_dir, PathBuf::from("/h/.kapacitor"));
        assert_eq!(o.replay_dir, PathBuf::from("/h/.kapacitor/replay"));
        assert_eq!(o.db_path, PathBuf::from("/h/.kapacitor/kapacitor.db"));
        assert_eq!(o.socket_address(), "0.0.0.0:9092");
        assert!(o.stats_enabled);
        assert_eq!(o.stats_database, "_kapacitor");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let e = resolve(
            &Flags {
                config: Some(PathBuf::from("/dev/null")),
                ..Flags::default()
            },
            &env(&[("HOME", "/h"), ("KAPACITOR_HTTP_BIND_ADDRESS", "nope")]),
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("http.bind-address"), "{e}");
    }
}

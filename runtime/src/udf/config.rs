//! `[udf.functions.<name>]`: how to reach each UDF agent (Kapacitor's
//! `services/udf/config.go`): a program run as a child process (`prog`,
//! `args`, `env`, talking on its stdin/stdout) or a unix `socket` a
//! long-running agent listens on; `timeout` bounds every request and the
//! keepalive.

use crate::config::GoDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// What `tickc run --config` assumes when a function has no `timeout` (the
/// server validates it as Kapacitor does: it must be over 1ms).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One UDF.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UdfFunction {
    pub prog: String,
    pub args: Vec<String>,
    /// A unix socket path; when set, `prog` is not started.
    pub socket: String,
    pub timeout: GoDuration,
    pub env: BTreeMap<String, String>,
}

impl UdfFunction {
    /// The timeout in force (`DEFAULT_TIMEOUT` when unset or not positive).
    pub fn timeout(&self) -> Duration {
        if self.timeout.0 > 0 {
            self.timeout.to_std()
        } else {
            DEFAULT_TIMEOUT
        }
    }
}

/// Every UDF by name.
pub type UdfFunctions = BTreeMap<String, UdfFunction>;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Section {
    functions: UdfFunctions,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct File {
    udf: Section,
}

/// The `[udf]` section of a Kapacitor config file (other sections ignored).
pub fn from_toml(src: &str) -> Result<UdfFunctions, String> {
    let f: File = toml::from_str(src).map_err(|e| e.to_string())?;
    Ok(f.udf.functions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_processes_and_sockets() {
        let f = from_toml(
            "[slack]\nenabled = true\n[udf.functions.avg]\nprog = \"/usr/bin/python3\"\nargs = [\"-u\", \"a.py\"]\ntimeout = \"2s\"\n[udf.functions.avg.env]\nPYTHONPATH = \"/x\"\n[udf.functions.sock]\nsocket = \"/tmp/s.sock\"\n",
        )
        .unwrap();
        assert_eq!(f["avg"].args, vec!["-u", "a.py"]);
        assert_eq!(f["avg"].timeout(), Duration::from_secs(2));
        assert_eq!(f["avg"].env["PYTHONPATH"], "/x");
        assert_eq!(f["sock"].socket, "/tmp/s.sock");
        assert_eq!(f["sock"].timeout(), DEFAULT_TIMEOUT);
        assert!(from_toml("[udf.functions.x]\ntimeout = \"nope\"\n").is_err());
    }
}

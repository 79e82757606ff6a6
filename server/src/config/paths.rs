//! Which config file `kapacitord` reads (Kapacitor's `GetConfigPath`):
//! the `-config` flag (`/dev/null` meaning none), else
//! `KAPACITOR_CONFIG_PATH`, else the first existing of
//! `~/.kapacitor/kapacitor.conf` and `/etc/kapacitor/kapacitor.conf`,
//! else none (the demo config).

use std::path::{Path, PathBuf};

/// The system-wide config file.
pub const SYSTEM_CONFIG: &str = "/etc/kapacitor/kapacitor.conf";

/// The config path to use, or `None` for the demo config. `env_path` is
/// the value of `KAPACITOR_CONFIG_PATH`; `exists` is asked about the
/// default locations (pass `|p| p.exists()`).
pub fn config_path(
    flag: Option<&Path>,
    env_path: Option<&str>,
    home: Option<&Path>,
    exists: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    if let Some(flag) = flag.filter(|f| !f.as_os_str().is_empty()) {
        return (flag != Path::new("/dev/null")).then(|| flag.to_path_buf());
    }
    if let Some(env) = env_path.filter(|e| !e.is_empty()) {
        return Some(PathBuf::from(env));
    }
    let user = home.map(|h| h.join(".kapacitor").join("kapacitor.conf"));
    user.into_iter()
        .chain(std::iter::once(PathBuf::from(SYSTEM_CONFIG)))
        .find(|p| exists(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_order() {
        let home = Some(Path::new("/home/k"));
        let none = |_: &Path| false;
        let all = |_: &Path| true;
        assert_eq!(
            config_path(Some(Path::new("/c.conf")), Some("/e.conf"), home, all),
            Some(PathBuf::from("/c.conf"))
        );
        assert_eq!(
            config_path(Some(Path::new("/dev/null")), Some("/e.conf"), home, all),
            None
        );
        assert_eq!(
            config_path(None, Some("/e.conf"), home, all),
            Some(PathBuf::from("/e.conf"))
        );
        assert_eq!(
            config_path(None, Some(""), home, all),
            Some(PathBuf::from("/home/k/.kapacitor/kapacitor.conf"))
        );
        assert_eq!(
            config_path(None, None, home, |p: &Path| p == Path::new(SYSTEM_CONFIG)),
            Some(PathBuf::from(SYSTEM_CONFIG))
        );
        assert_eq!(config_path(None, None, home, none), None);
    }
}

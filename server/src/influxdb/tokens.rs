//! Subscription tokens (api.md §4.2, Kapacitor's `generateRandomToken` /
//! `splitToken`): with `[http] auth-enabled`, each http(s) subscription's URL
//! carries `~subscriber:<token>`, token = unpadded base64url of
//! `<cluster name>;<64 random bytes>`, granted write on that db/rp only.
//!
//! The grants live here, in memory, for the write endpoint's auth check to
//! consult ([`SubscriptionTokens::allows`]). Kapacitor keeps them in its auth
//! store across restarts; ours do not survive one, so the link step treats a
//! subscription whose token we no longer hold as changed and re-creates it.

use base64::Engine as _;
use std::collections::BTreeMap;
use std::sync::Mutex;

const TOKEN_SIZE: usize = 64;

#[derive(Debug, Default)]
pub struct SubscriptionTokens {
    grants: Mutex<BTreeMap<String, (String, String)>>,
}

impl SubscriptionTokens {
    pub fn grant(&self, token: &str, db: &str, rp: &str) {
        lock(&self.grants).insert(token.to_string(), (db.to_string(), rp.to_string()));
    }

    pub fn revoke(&self, token: &str) {
        lock(&self.grants).remove(token);
    }

    pub fn list(&self) -> Vec<String> {
        lock(&self.grants).keys().cloned().collect()
    }

    pub fn holds(&self, token: &str) -> bool {
        lock(&self.grants).contains_key(token)
    }

    /// The database a token was granted write on (Kapacitor grants the
    /// database, whatever the retention policy).
    pub fn database_of(&self, token: &str) -> Option<String> {
        lock(&self.grants).get(token).map(|(db, _)| db.clone())
    }

    /// May a write with this token go to (db, rp)?
    pub fn allows(&self, token: &str, db: &str, rp: &str) -> bool {
        lock(&self.grants)
            .get(token)
            .is_some_and(|(d, r)| d == db && r == rp)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fresh token for `cluster`.
pub fn generate(cluster: &str) -> std::io::Result<String> {
    let mut raw = Vec::with_capacity(cluster.len() + 1 + TOKEN_SIZE);
    raw.extend_from_slice(cluster.as_bytes());
    raw.push(b';');
    let mut random = [0u8; TOKEN_SIZE];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut random)?;
    raw.extend_from_slice(&random);
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

/// The cluster name a token was made for; `None` for a malformed token.
pub fn cluster_of(token: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let i = raw.iter().position(|&b| b == b';')?;
    if i == 0 {
        return None;
    }
    Some(String::from_utf8_lossy(&raw[..i]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_cluster_and_are_random() {
        let a = generate("localhost").expect("urandom");
        let b = generate("localhost").expect("urandom");
        assert_ne!(a, b);
        // 9 + 1 + 64 = 74 bytes → ceil(74 * 4 / 3) = 99 unpadded characters.
        assert_eq!(a.len(), 99);
        assert!(!a.contains('='));
        assert_eq!(cluster_of(&a).as_deref(), Some("localhost"));
        assert_eq!(cluster_of("!!"), None);
        let t = SubscriptionTokens::default();
        t.grant(&a, "db", "rp");
        assert!(t.allows(&a, "db", "rp"));
        assert!(!t.allows(&a, "db", "other"));
        t.revoke(&a);
        assert!(!t.holds(&a));
    }
}

//! API authentication and authorization (api.md §1.1 "Auth"; Kapacitor's
//! `services/httpd/handler.go` `authenticate`/`authorize`, `services/auth`,
//! `services/noauth`).
//!
//! With `[http] auth-enabled` off every request acts as an admin. With it on,
//! every request but `/ping` (and, with `pprof-enabled`, `/debug/vars` and
//! `/debug/pprof/*`) must carry credentials (`credentials.rs`); they are
//! checked by the `[auth]` user service when `[auth] enabled`, else — as
//! Kapacitor's `noauth` service does — any well-formed credentials act as an
//! admin of that name. The user's privilege for the request's method on the
//! endpoint is then checked (403 when missing).

pub mod credentials;
pub mod jwt;
pub mod tls;
pub mod user;
pub mod users;

use crate::influxdb::SubscriptionTokens;
use crate::store::Store;
use credentials::Credentials;
use std::fmt;
use std::sync::Arc;
pub use user::{Privilege, User};
use users::{PasswordCheck, Users};

/// Marks a request made inside the server (the load service): it acts as an admin.
#[derive(Debug, Clone, Copy)]
pub struct InProcess;

/// Why a request is refused (401), worded as Kapacitor answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    NoCredentials,
    UsernameRequired,
    /// Wrong user name or password (never says which).
    AuthorizationFailed,
    InvalidToken(String),
    ExpirationRequired,
    UsernameNotString,
    TokenWithoutUsername,
    /// A bearer token's user is unknown: `retrieving user "<u>" from store: …`.
    UnknownUser(String, String),
    /// A subscription token that is no username.
    MalformedSubscriptionToken(String),
    UnknownSubscriptionToken,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use compiler::golang::quote::quote;
        match self {
            AuthError::NoCredentials => f.write_str("unable to parse authentication credentials"),
            AuthError::UsernameRequired => f.write_str("username required"),
            AuthError::AuthorizationFailed => f.write_str("authorization failed"),
            AuthError::InvalidToken(e) => write!(f, "invalid token: {e}"),
            AuthError::ExpirationRequired => f.write_str("token expiration required"),
            AuthError::UsernameNotString => f.write_str("username in token must be a string"),
            AuthError::TokenWithoutUsername => f.write_str("token must contain a username"),
            AuthError::UnknownUser(u, e) => {
                write!(f, "retrieving user {} from store: {e}", quote(u))
            }
            AuthError::MalformedSubscriptionToken(t) => {
                write!(f, "token must be a valid username: {}", quote(t))
            }
            AuthError::UnknownSubscriptionToken => f.write_str("invalid subscription token"),
        }
    }
}

/// A refused request: 401 (who are you) or 403 (not allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unauthenticated(AuthError),
    Forbidden {
        user: String,
        privilege: Privilege,
        path: String,
    },
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Unauthenticated(_) => 401,
            Refusal::Forbidden { .. } => 403,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unauthenticated(e) => write!(f, "{e}"),
            Refusal::Forbidden {
                user,
                privilege,
                path,
            } => write!(
                f,
                "user {user} does not have \"{privilege}\" privilege for API endpoint {}",
                compiler::golang::quote::quote(path)
            ),
        }
    }
}

/// Who checks passwords and tokens.
enum Backend {
    /// `[auth] enabled = false`: Kapacitor's `noauth`, everyone an admin.
    NoAuth,
    Users(Arc<Users>),
}

pub struct Auth {
    required: bool,
    pprof_enabled: bool,
    shared_secret: Vec<u8>,
    backend: Backend,
    tokens: Arc<SubscriptionTokens>,
}

/// Kapacitor's pattern for user names (and so for subscription tokens).
fn valid_username(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || "-._@".contains(c))
}

impl Auth {
    pub fn new(config: &crate::config::Config, tokens: Arc<SubscriptionTokens>) -> Auth {
        let backend = if config.auth.enabled {
            if !config.auth.meta_addr.is_empty() {
                tracing::warn!(
                    service = "auth",
                    "[auth] meta-addr is set, but InfluxDB Enterprise meta nodes are not supported: users are kept in kapacitord's own store"
                );
            }
            Backend::Users(Arc::new(Users::new(
                u32::try_from(config.auth.bcrypt_cost).unwrap_or(bcrypt::DEFAULT_COST),
                config.auth.cache_expiration.to_std(),
            )))
        } else {
            Backend::NoAuth
        };
        Auth {
            required: config.http.auth_enabled,
            pprof_enabled: config.http.pprof_enabled,
            shared_secret: config.http.shared_secret.as_bytes().to_vec(),
            backend,
            tokens,
        }
    }

    /// The user service, when `[auth] enabled` (the `/users` endpoints exist only then).
    pub fn users(&self) -> Option<&Arc<Users>> {
        match &self.backend {
            Backend::Users(u) => Some(u),
            Backend::NoAuth => None,
        }
    }

    /// Endpoints that never ask for credentials.
    fn bypasses(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix(crate::http::BASE) else {
            return false;
        };
        rest == "/ping"
            || (self.pprof_enabled && (rest == "/debug/vars" || rest.starts_with("/debug/pprof/")))
    }

    /// The user the request acts as, or why it is refused.
    pub async fn authorize(
        &self,
        store: &Store,
        method: &hyper::Method,
        path: &str,
        headers: &hyper::HeaderMap,
        query: &[(String, String)],
    ) -> Result<User, Refusal> {
        // Methods Kapacitor routes nowhere are answered 404 before any check.
        let Some(wanted) = Privilege::for_method(method) else {
            return Ok(User::admin("ADMIN_USER"));
        };
        if !self.required || self.bypasses(path) {
            return Ok(User::admin("ADMIN_USER"));
        }
        let creds = credentials::parse(headers, query)
            .ok_or(Refusal::Unauthenticated(AuthError::NoCredentials))?;
        let user = self
            .authenticate(store, creds)
            .await
            .map_err(Refusal::Unauthenticated)?;
        user.authorize(&user::api_resource(path), wanted)
            .map_err(|m| Refusal::Forbidden {
                user: user.name().to_string(),
                privilege: m.0,
                path: path.to_string(),
            })?;
        Ok(user)
    }

    async fn authenticate(&self, store: &Store, creds: Credentials) -> Result<User, AuthError> {
        match creds {
            Credentials::User { username, password } => {
                if username.is_empty() {
                    return Err(AuthError::UsernameRequired);
                }
                self.password_user(store, username, password).await
            }
            Credentials::Bearer(token) => {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                let claims = jwt::verify(&token, &self.shared_secret, now)
                    .map_err(|e| AuthError::InvalidToken(e.0))?;
                if !claims
                    .get("exp")
                    .and_then(serde_json::Value::as_f64)
                    .is_some_and(|e| e > 0.0)
                {
                    return Err(AuthError::ExpirationRequired);
                }
                let username = match claims.get("username") {
                    Some(serde_json::Value::String(u)) => u.clone(),
                    _ => return Err(AuthError::UsernameNotString),
                };
                if username.is_empty() {
                    return Err(AuthError::TokenWithoutUsername);
                }
                match &self.backend {
                    Backend::NoAuth => Ok(User::admin(username)),
                    Backend::Users(users) => users
                        .user(store, &username)
                        .map(|(u, _)| u)
                        .map_err(|e| AuthError::UnknownUser(username, e.to_string())),
                }
            }
            Credentials::Subscription(token) => match &self.backend {
                Backend::NoAuth => Ok(User::admin("subscription-user")),
                Backend::Users(_) => self.subscription_user(&token),
            },
        }
    }

    async fn password_user(
        &self,
        store: &Store,
        username: String,
        password: String,
    ) -> Result<User, AuthError> {
        let users = match &self.backend {
            Backend::NoAuth => return Ok(User::admin(username)),
            Backend::Users(u) => u.clone(),
        };
        match users.check_password(store, &username, &password) {
            Ok(PasswordCheck::Verified(u)) => Ok(u),
            Ok(PasswordCheck::NeedsBcrypt { user, hash }) => {
                // bcrypt costs tens of milliseconds by design: off the async threads.
                let verified = tokio::task::spawn_blocking(move || {
                    let ok = bcrypt::verify(&password, &hash).unwrap_or(false);
                    if ok {
                        users.remember(&username, &hash, &password);
                    } else {
                        users.forget(&username);
                    }
                    ok
                })
                .await
                .unwrap_or(false);
                if verified {
                    Ok(user)
                } else {
                    Err(AuthError::AuthorizationFailed)
                }
            }
            Err(_) => Err(AuthError::AuthorizationFailed),
        }
    }

    /// A `~subscriber` token: write access to the database its subscription is on.
    fn subscription_user(&self, token: &str) -> Result<User, AuthError> {
        match self.tokens.database_of(token) {
            Some(db) => Ok(User::new(
                format!("_sub:{token}"),
                false,
                [
                    ("/api/write", Privilege::WRITE),
                    ("/api/ping", Privilege::ALL),
                    (user::database_resource(&db).as_str(), Privilege::WRITE),
                ],
            )),
            None if !valid_username(token) => {
                Err(AuthError::MalformedSubscriptionToken(token.to_string()))
            }
            None => Err(AuthError::UnknownSubscriptionToken),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_texts() {
        let f = Refusal::Forbidden {
            user: "bob".into(),
            privilege: Privilege::READ,
            path: "/kapacitor/v1/tasks".into(),
        };
        assert_eq!(
            f.to_string(),
            "user bob does not have \"read\" privilege for API endpoint \"/kapacitor/v1/tasks\""
        );
        assert_eq!(
            AuthError::UnknownUser("al".into(), "no user exists".into()).to_string(),
            "retrieving user \"al\" from store: no user exists"
        );
        assert!(valid_username("a-b.c_d@e9"));
        assert!(!valid_username("a b"));
        assert!(!valid_username(""));
    }
}

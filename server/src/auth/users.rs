//! The `[auth]` user service (Kapacitor's `services/auth`): users stored in
//! redb with bcrypt password hashes, their API permissions mapped to
//! resource privileges, and two caches so a request does not pay bcrypt:
//! users by name for `[auth] cache-expiration`, and each verified password
//! as a salted SHA-256 for an hour (Kapacitor's fixed `authCacheExpiration`).
//! A cached password is tied to the hash it was checked against, so a
//! changed password invalidates it at once.

use super::user::{Privilege, User};
use crate::store::{Store, StoreError};
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long a verified password stays cached (Kapacitor's `authCacheExpiration`).
const CREDENTIAL_CACHE_EXPIRATION: Duration = Duration::from_secs(3600);

/// A privilege as stored (Kapacitor's `services/auth` enum, by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredPrivilege {
    None,
    Read,
    Write,
    Delete,
    All,
}

impl StoredPrivilege {
    fn mask(self) -> Privilege {
        match self {
            StoredPrivilege::None => Privilege::NONE,
            StoredPrivilege::Read => Privilege::READ,
            StoredPrivilege::Write => Privilege::WRITE,
            StoredPrivilege::Delete => Privilege::DELETE,
            StoredPrivilege::All => Privilege::ALL,
        }
    }
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub name: String,
    pub admin: bool,
    /// bcrypt hash of the password.
    pub hash: String,
    /// Resource → privileges.
    #[serde(default)]
    pub privileges: BTreeMap<String, Vec<StoredPrivilege>>,
}

impl UserRecord {
    pub fn to_user(&self) -> User {
        let pairs: Vec<(&str, Privilege)> = self
            .privileges
            .iter()
            .flat_map(|(r, ps)| ps.iter().map(move |p| (r.as_str(), p.mask())))
            .collect();
        User::new(self.name.clone(), self.admin, pairs)
    }
}

/// The API's user permissions (Kapacitor client's `Permission`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "api")]
    Api,
    #[serde(rename = "config_api")]
    ConfigApi,
    #[serde(rename = "write_points")]
    WritePoints,
    #[serde(rename = "all")]
    All,
}

/// The API's user types (Kapacitor client's `UserType`; `invalid` is its zero value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    #[default]
    Invalid,
    Normal,
    Admin,
}

const ROOT: &str = "/api";
const WRITE: &str = "/api/write";
const PING: &str = "/api/ping";
const CONFIG: &str = "/api/config";

/// Kapacitor's `convertPermissions`: permissions to resource privileges.
pub fn privileges_of(perms: &[Permission]) -> BTreeMap<String, Vec<StoredPrivilege>> {
    use StoredPrivilege as P;
    let mut m: BTreeMap<String, Vec<StoredPrivilege>> = BTreeMap::new();
    let set = |m: &mut BTreeMap<_, _>, r: &str, p: P| {
        m.insert(r.to_string(), vec![p]);
    };
    for perm in perms {
        match perm {
            Permission::None => {}
            Permission::Api => {
                set(&mut m, ROOT, P::All);
                // Writes and config are held back unless granted on their own.
                if !m.contains_key(WRITE) {
                    set(&mut m, WRITE, P::None);
                }
                if !m.contains_key(CONFIG) {
                    set(&mut m, CONFIG, P::None);
                }
            }
            Permission::ConfigApi => {
                set(&mut m, PING, P::All);
                set(&mut m, CONFIG, P::All);
            }
            Permission::WritePoints => {
                set(&mut m, PING, P::All);
                set(&mut m, WRITE, P::All);
            }
            Permission::All => {
                set(&mut m, ROOT, P::All);
                set(&mut m, CONFIG, P::All);
                set(&mut m, WRITE, P::All);
            }
        }
    }
    m
}

/// Kapacitor's `convertPrivleges`: the permissions a user's privileges amount to.
pub fn permissions_of(privileges: &BTreeMap<String, Vec<StoredPrivilege>>) -> Vec<Permission> {
    let has_all = |r: &str| {
        privileges
            .get(r)
            .is_some_and(|ps| ps.contains(&StoredPrivilege::All))
    };
    let (api, config, write) = (has_all(ROOT), has_all(CONFIG), has_all(WRITE));
    if api && config && write {
        return vec![Permission::All];
    }
    let mut out = Vec::new();
    if api {
        out.push(Permission::Api);
    }
    if config {
        out.push(Permission::ConfigApi);
    }
    if write {
        out.push(Permission::WritePoints);
    }
    out
}

#[derive(Debug)]
pub enum UserError {
    NoUser,
    Exists,
    Store(StoreError),
    Hash(String),
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserError::NoUser => f.write_str("no user exists"),
            UserError::Exists => f.write_str("user already exists"),
            UserError::Store(e) => write!(f, "{e}"),
            UserError::Hash(e) => write!(f, "hashing password: {e}"),
        }
    }
}

impl std::error::Error for UserError {}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        UserError::Store(e)
    }
}

struct CachedUser {
    user: User,
    hash: String,
    expires: Instant,
}

struct CachedCredential {
    salt: [u8; 32],
    digest: [u8; 32],
    /// The bcrypt hash the password was verified against.
    hash: String,
    expires: Instant,
}

/// Result of the cheap half of a password check.
pub enum PasswordCheck {
    Verified(User),
    /// Not cached: verify `password` against `hash` with bcrypt (slow; off the async
    /// threads), then `remember`.
    NeedsBcrypt {
        user: User,
        hash: String,
    },
}

pub struct Users {
    bcrypt_cost: u32,
    cache_expiration: Duration,
    users: RwLock<HashMap<String, CachedUser>>,
    credentials: RwLock<HashMap<String, CachedCredential>>,
    rng: ring::rand::SystemRandom,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Equal digests, compared in constant time.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn salted(salt: &[u8], password: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(salt);
    ctx.update(password.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

impl Users {
    pub fn new(bcrypt_cost: u32, cache_expiration: Duration) -> Users {
        Users {
            bcrypt_cost,
            cache_expiration,
            users: RwLock::new(HashMap::new()),
            credentials: RwLock::new(HashMap::new()),
            rng: ring::rand::SystemRandom::new(),
        }
    }

    /// Kapacitor's `User(name)`: the cached user, else the stored one.
    pub fn user(&self, store: &Store, name: &str) -> Result<(User, String), UserError> {
        if let Some(c) = read(&self.users).get(name) {
            if c.expires > Instant::now() {
                return Ok((c.user.clone(), c.hash.clone()));
            }
        }
        let rec: UserRecord = store.user(name)?.ok_or(UserError::NoUser)?;
        let user = rec.to_user();
        self.cache(&user, &rec.hash);
        Ok((user, rec.hash))
    }

    fn cache(&self, user: &User, hash: &str) {
        write(&self.users).insert(
            user.name().to_string(),
            CachedUser {
                user: user.clone(),
                hash: hash.to_string(),
                expires: Instant::now() + self.cache_expiration,
            },
        );
    }

    /// The cheap half of `Authenticate`: the user, and whether its password is cached.
    pub fn check_password(
        &self,
        store: &Store,
        name: &str,
        password: &str,
    ) -> Result<PasswordCheck, UserError> {
        let (user, hash) = self.user(store, name)?;
        if let Some(c) = read(&self.credentials).get(name) {
            if c.expires > Instant::now()
                && c.hash == hash
                && same(&salted(&c.salt, password), &c.digest)
            {
                return Ok(PasswordCheck::Verified(user));
            }
        }
        Ok(PasswordCheck::NeedsBcrypt { user, hash })
    }

    /// Cache a password bcrypt has just verified against `hash`.
    pub fn remember(&self, name: &str, hash: &str, password: &str) {
        let mut salt = [0u8; 32];
        if self.rng.fill(&mut salt).is_err() {
            return;
        }
        write(&self.credentials).insert(
            name.to_string(),
            CachedCredential {
                salt,
                digest: salted(&salt, password),
                hash: hash.to_string(),
                expires: Instant::now() + CREDENTIAL_CACHE_EXPIRATION,
            },
        );
    }

    /// A failed password check forgets the user (Kapacitor re-reads it next time).
    pub fn forget(&self, name: &str) {
        write(&self.users).remove(name);
        write(&self.credentials).remove(name);
    }

    fn hash(&self, password: &str) -> Result<String, UserError> {
        bcrypt::hash(password, self.bcrypt_cost).map_err(|e| UserError::Hash(e.to_string()))
    }

    /// Blocking (bcrypt): call off the async threads.
    pub fn create(
        &self,
        store: &Store,
        name: &str,
        password: &str,
        admin: bool,
        privileges: BTreeMap<String, Vec<StoredPrivilege>>,
    ) -> Result<UserRecord, UserError> {
        if store.user::<UserRecord>(name)?.is_some() {
            return Err(UserError::Exists);
        }
        let rec = UserRecord {
            name: name.to_string(),
            admin,
            hash: self.hash(password)?,
            privileges,
        };
        store.put_user(name, &rec)?;
        self.cache(&rec.to_user(), &rec.hash);
        Ok(rec)
    }

    /// Kapacitor's `updateUser`: a new password when non-empty, the admin flag when a
    /// type is given (an admin loses its privileges), privileges when given. Blocking.
    pub fn update(
        &self,
        store: &Store,
        name: &str,
        password: &str,
        admin: Option<bool>,
        privileges: Option<BTreeMap<String, Vec<StoredPrivilege>>>,
    ) -> Result<UserRecord, UserError> {
        let mut rec: UserRecord = store.user(name)?.ok_or(UserError::NoUser)?;
        if !password.is_empty() {
            rec.hash = self.hash(password)?;
        }
        if let Some(p) = privileges {
            rec.privileges = p;
        }
        if let Some(a) = admin {
            rec.admin = a;
            if a {
                rec.privileges.clear();
            }
        }
        store.put_user(name, &rec)?;
        write(&self.credentials).remove(name);
        self.cache(&rec.to_user(), &rec.hash);
        Ok(rec)
    }

    pub fn get(&self, store: &Store, name: &str) -> Result<UserRecord, UserError> {
        store.user(name)?.ok_or(UserError::NoUser)
    }

    pub fn list(&self, store: &Store) -> Result<Vec<UserRecord>, UserError> {
        Ok(store.users()?)
    }

    /// Deleting a user that does not exist is no error (Kapacitor's DAO).
    pub fn delete(&self, store: &Store, name: &str) -> Result<(), UserError> {
        self.forget(name);
        store.delete_user(name)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_as_kapacitor_maps_them() {
        let p = privileges_of(&[Permission::Api]);
        assert_eq!(p[ROOT], vec![StoredPrivilege::All]);
        assert_eq!(p[WRITE], vec![StoredPrivilege::None]);
        assert_eq!(permissions_of(&p), vec![Permission::Api]);
        let p = privileges_of(&[Permission::WritePoints, Permission::Api]);
        assert_eq!(
            permissions_of(&p),
            vec![Permission::Api, Permission::WritePoints]
        );
        let p = privileges_of(&[
            Permission::Api,
            Permission::ConfigApi,
            Permission::WritePoints,
        ]);
        assert_eq!(permissions_of(&p), vec![Permission::All]);
        assert!(permissions_of(&privileges_of(&[Permission::None])).is_empty());
        let u = UserRecord {
            name: "w".into(),
            admin: false,
            hash: String::new(),
            privileges: privileges_of(&[Permission::WritePoints]),
        }
        .to_user();
        assert!(u.authorize("/api/write", Privilege::WRITE).is_ok());
        assert!(u.authorize("/api/ping", Privilege::READ).is_ok());
        assert!(u.authorize("/api/tasks", Privilege::READ).is_err());
    }

    #[test]
    fn passwords_are_cached_per_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).unwrap();
        let users = Users::new(4, Duration::from_secs(600));
        users
            .create(&store, "bob", "pw", false, BTreeMap::new())
            .unwrap();
        assert!(matches!(
            users.create(&store, "bob", "x", false, BTreeMap::new()),
            Err(UserError::Exists)
        ));
        let PasswordCheck::NeedsBcrypt { hash, .. } =
            users.check_password(&store, "bob", "pw").unwrap()
        else {
            panic!("first check must need bcrypt")
        };
        assert!(bcrypt::verify("pw", &hash).unwrap());
        users.remember("bob", &hash, "pw");
        assert!(matches!(
            users.check_password(&store, "bob", "pw").unwrap(),
            PasswordCheck::Verified(_)
        ));
        assert!(matches!(
            users.check_password(&store, "bob", "wrong").unwrap(),
            PasswordCheck::NeedsBcrypt { .. }
        ));
        // A new password drops the cached old one.
        users.update(&store, "bob", "new", None, None).unwrap();
        assert!(matches!(
            users.check_password(&store, "bob", "pw").unwrap(),
            PasswordCheck::NeedsBcrypt { .. }
        ));
        users.delete(&store, "bob").unwrap();
        assert!(matches!(
            users.check_password(&store, "bob", "pw"),
            Err(UserError::NoUser)
        ));
    }
}

//! Kapacitor's authorization model (its `auth` package): a user is a name, an
//! admin flag and privileges per resource; an action (resource + privilege) is
//! allowed when the user is an admin, the action needs no privilege, or the
//! nearest resource up the path that the user holds grants it.
//!
//! Resources are paths: API endpoints under `/api` (the request path without
//! `/kapacitor/v1`) and databases under `/databases/<db>` (the write check).

use std::collections::BTreeMap;
use std::fmt;

/// One privilege, or a set of them as a bit mask (Kapacitor's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Privilege(pub u8);

impl Privilege {
    pub const NONE: Privilege = Privilege(1);
    pub const READ: Privilege = Privilege(2);
    pub const WRITE: Privilege = Privilege(4);
    pub const DELETE: Privilege = Privilege(8);
    pub const ALL: Privilege = Privilege(16);

    /// The privilege an HTTP method needs (`None`: a method Kapacitor does not route).
    pub fn for_method(method: &hyper::Method) -> Option<Privilege> {
        match method.as_str() {
            "HEAD" | "OPTIONS" => Some(Privilege::NONE),
            "GET" => Some(Privilege::READ),
            "POST" | "PATCH" | "PUT" => Some(Privilege::WRITE),
            "DELETE" => Some(Privilege::DELETE),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Privilege::NONE => "none",
            Privilege::READ => "read",
            Privilege::WRITE => "write",
            Privilege::DELETE => "delete",
            Privilege::ALL => "all",
            _ => "unknown",
        }
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The user a request acts as: immutable once built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    name: String,
    admin: bool,
    /// Cleaned resource path → privilege mask.
    privileges: BTreeMap<String, Privilege>,
}

/// Why an action is refused: the privilege that was missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPrivilege(pub Privilege);

impl User {
    pub fn new<'a>(
        name: impl Into<String>,
        admin: bool,
        privileges: impl IntoIterator<Item = (&'a str, Privilege)>,
    ) -> User {
        let mut map: BTreeMap<String, Privilege> = BTreeMap::new();
        for (resource, p) in privileges {
            let e = map.entry(clean(resource)).or_default();
            e.0 |= p.0;
        }
        User {
            name: name.into(),
            admin,
            privileges: map,
        }
    }

    /// The user every request acts as when `[http] auth-enabled` is off.
    pub fn admin(name: impl Into<String>) -> User {
        User::new(name, true, [])
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// Kapacitor's `AuthorizeAction`: walk from the resource up to `/`; the
    /// first resource the user holds decides.
    pub fn authorize(&self, resource: &str, wanted: Privilege) -> Result<(), MissingPrivilege> {
        if wanted == Privilege::NONE || self.admin {
            return Ok(());
        }
        if !self.privileges.is_empty() {
            let mut r = clean(resource);
            loop {
                if let Some(p) = self.privileges.get(&r) {
                    if p.0 & wanted.0 != 0 || *p == Privilege::ALL {
                        return Ok(());
                    }
                    break;
                }
                if r == "/" {
                    break;
                }
                r = parent(&r);
            }
        }
        Err(MissingPrivilege(wanted))
    }
}

/// The API resource of a request path (`/kapacitor/v1/tasks/x` → `/api/tasks/x`).
pub fn api_resource(path: &str) -> String {
    let rest = path.strip_prefix(crate::http::BASE).unwrap_or(path);
    clean(&format!("/api/{rest}"))
}

pub fn database_resource(db: &str) -> String {
    format!("/databases/{db}")
}

/// Go's `path.Clean` for absolute paths: no empty, `.` or `..` segments, no trailing `/`.
pub fn clean(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

fn parent(p: &str) -> String {
    match p.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => p[..i].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_resource_decides_and_subtracts() {
        // Kapacitor's "api" permission: everything under /api but writes and config.
        let u = User::new(
            "bob",
            false,
            [
                ("/api", Privilege::ALL),
                ("/api/write", Privilege::NONE),
                ("/api/config", Privilege::NONE),
            ],
        );
        assert!(u.authorize("/api/tasks/x", Privilege::DELETE).is_ok());
        assert_eq!(
            u.authorize("/api/write", Privilege::WRITE),
            Err(MissingPrivilege(Privilege::WRITE))
        );
        assert!(u.authorize("/api/config/smtp", Privilege::READ).is_err());
        // Path traversal is cleaned before the walk.
        assert!(u
            .authorize("/api/tasks/../config", Privilege::READ)
            .is_err());
        assert!(u.authorize("/databases/db", Privilege::WRITE).is_err());
        assert!(u.authorize("/anything", Privilege::NONE).is_ok());
        assert!(User::admin("a").authorize("/x", Privilege::ALL).is_ok());
        let w = User::new("w", false, [("/api/write", Privilege::WRITE)]);
        assert!(w.authorize("/api/write", Privilege::WRITE).is_ok());
        assert!(w.authorize("/api/write", Privilege::READ).is_err());
    }

    #[test]
    fn resources() {
        assert_eq!(api_resource("/kapacitor/v1/tasks/a"), "/api/tasks/a");
        assert_eq!(api_resource("/write"), "/api/write");
        assert_eq!(api_resource("/kapacitor/v1"), "/api");
        assert_eq!(clean("/a//b/./c/../d/"), "/a/b/d");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
    }
}

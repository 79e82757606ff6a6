//! `/kapacitor/v1/users[/<name>]` (Kapacitor's `services/auth` API), routed
//! only when `[auth] enabled`: list, create, get, update, delete users.
//! Passwords are bcrypt-hashed at `[auth] bcrypt-cost` off the async threads.

use super::{no_content, pretty, ApiError, Req, Resp};
use crate::auth::users::{
    permissions_of, privileges_of, Permission, UserError, UserRecord, UserType,
};
use crate::ids::glob_match;
use crate::state::AppState;
use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::sync::Arc;

const USERS_PATH: &str = "/kapacitor/v1/users";

#[derive(Serialize)]
struct Link {
    rel: &'static str,
    href: String,
}

/// Kapacitor client's `User`, keys in its order.
#[derive(Serialize)]
struct ClientUser {
    link: Link,
    name: String,
    #[serde(rename = "type")]
    user_type: UserType,
    permissions: Vec<Permission>,
}

fn link(name: &str) -> Link {
    Link {
        rel: "self",
        href: crate::auth::user::clean(&format!("{USERS_PATH}/{name}")),
    }
}

fn user_type(rec: &UserRecord) -> UserType {
    if rec.admin {
        UserType::Admin
    } else {
        UserType::Normal
    }
}

fn client_user(rec: &UserRecord) -> ClientUser {
    ClientUser {
        link: link(&rec.name),
        name: rec.name.clone(),
        user_type: user_type(rec),
        permissions: permissions_of(&rec.privileges),
    }
}

#[derive(Deserialize)]
struct CreateUser {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "type")]
    user_type: UserType,
    #[serde(default)]
    permissions: Option<Vec<Permission>>,
}

#[derive(Deserialize)]
struct UpdateUser {
    #[serde(default)]
    password: String,
    #[serde(default, rename = "type")]
    user_type: UserType,
    #[serde(default)]
    permissions: Option<Vec<Permission>>,
}

pub async fn route(state: &Arc<AppState>, r: &Req, rest: &[&str]) -> Result<Resp, ApiError> {
    let not_found = || ApiError::NotFound("Not Found".into());
    if rest.is_empty() {
        return match r.method {
            Method::GET => list(state, r),
            Method::POST => create(state, r).await,
            _ => Err(not_found()),
        };
    }
    let name = rest.join("/");
    if !matches!(r.method, Method::GET | Method::PATCH | Method::DELETE) {
        return Err(not_found());
    }
    if name.is_empty() {
        return Err(ApiError::BadRequest("must specify username on path".into()));
    }
    match r.method {
        Method::GET => get(state, &name),
        Method::PATCH => update(state, r, name).await,
        _ => delete(state, &name),
    }
}

fn users(state: &AppState) -> Result<&Arc<crate::auth::users::Users>, ApiError> {
    state
        .auth
        .users()
        .ok_or_else(|| ApiError::NotFound("Not Found".into()))
}

fn get(state: &Arc<AppState>, name: &str) -> Result<Resp, ApiError> {
    match users(state)?.get(&state.store, name) {
        Ok(rec) => Ok(pretty(200, &client_user(&rec))),
        Err(e @ UserError::NoUser) => Err(ApiError::NotFound(e.to_string())),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// Kapacitor's username rule: letters, digits, `-`, `.`, `_`, `@`.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || "-._@".contains(c))
}

async fn create(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let opts: CreateUser =
        serde_json::from_slice(&r.body).map_err(|_| ApiError::BadRequest("invalid JSON".into()))?;
    if opts.name.is_empty() {
        return Err(ApiError::BadRequest("username is required".into()));
    }
    if !valid_name(&opts.name) {
        return Err(ApiError::BadRequest(format!(
            "username must contain only letters, numbers, '-', '.', '@' and '_'. {}",
            compiler::golang::quote::quote(&opts.name)
        )));
    }
    if opts.password.is_empty() {
        return Err(ApiError::BadRequest("password is required".into()));
    }
    let privileges = privileges_of(opts.permissions.as_deref().unwrap_or(&[]));
    let admin = opts.user_type == UserType::Admin;
    let users = users(state)?.clone();
    let st = state.clone();
    let rec = tokio::task::spawn_blocking(move || {
        users.create(&st.store, &opts.name, &opts.password, admin, privileges)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("failed to create user: {e}")))?
    .map_err(|e| match e {
        UserError::Exists => {
            ApiError::Internal(format!("failed to create user: creating user: {e}"))
        }
        e => ApiError::Internal(format!("failed to create user: {e}")),
    })?;
    Ok(pretty(200, &client_user(&rec)))
}

async fn update(state: &Arc<AppState>, r: &Req, name: String) -> Result<Resp, ApiError> {
    let opts: UpdateUser =
        serde_json::from_slice(&r.body).map_err(|_| ApiError::BadRequest("invalid JSON".into()))?;
    // A type given (anything but the zero value) sets the admin flag.
    let admin = match opts.user_type {
        UserType::Invalid => None,
        t => Some(t == UserType::Admin),
    };
    let privileges = opts.permissions.as_deref().map(privileges_of);
    let users = users(state)?.clone();
    let st = state.clone();
    let rec = tokio::task::spawn_blocking(move || {
        users.update(&st.store, &name, &opts.password, admin, privileges)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("failed to create user: {e}")))?
    .map_err(|e| match e {
        UserError::NoUser => {
            ApiError::Internal(format!("failed to create user: updating user: {e}"))
        }
        e => ApiError::Internal(format!("failed to create user: {e}")),
    })?;
    Ok(pretty(200, &client_user(&rec)))
}

fn delete(state: &Arc<AppState>, name: &str) -> Result<Resp, ApiError> {
    users(state)?
        .delete(&state.store, name)
        .map_err(|e| ApiError::Internal(format!("failed to delete user: {e}")))?;
    Ok(no_content())
}

const ALL_FIELDS: &[&str] = &["link", "name", "type", "permissions"];

fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let pattern = r.param("pattern").unwrap_or("");
    let mut fields: Vec<&str> = r.params("fields").collect();
    if fields.is_empty() {
        fields = ALL_FIELDS.to_vec();
    } else {
        fields.extend(["name", "link"]);
    }
    let int = |name: &str, default: usize| -> Result<usize, ApiError> {
        match r.param(name) {
            None | Some("") => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|e| {
                ApiError::BadRequest(format!(
                    "invalid {name} parameter {v:?} must be an integer: {e}"
                ))
            }),
        }
    };
    let offset = int("offset", 0)?;
    let limit = int("limit", 100)?;
    if let Err(e) = glob_match(pattern, "") {
        return Err(ApiError::BadRequest(format!(
            "invalid pattern {pattern:?}: {e}"
        )));
    }
    let all = users(state)?
        .list(&state.store)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut out = Vec::new();
    for rec in all
        .iter()
        .filter(|u| glob_match(pattern, &u.name).unwrap_or(false))
        .skip(offset)
        .take(limit)
    {
        // Go marshals the map with its keys sorted; serde_json's Map does too.
        let mut m = Map::new();
        for f in &fields {
            let v = match *f {
                "name" => Value::String(rec.name.clone()),
                "link" => json!(link(&rec.name)),
                "type" => json!(user_type(rec)),
                "permissions" => json!(permissions_of(&rec.privileges)),
                other => return Err(ApiError::BadRequest(format!("unsupported field {other:?}"))),
            };
            m.insert(f.to_string(), v);
        }
        out.push(Value::Object(m));
    }
    Ok(pretty(200, &json!({ "users": out })))
}

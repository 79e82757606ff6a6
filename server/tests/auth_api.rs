//! API authentication and authorization (api.md §1.1 "Auth", Kapacitor's
//! httpd `authenticate`/`authorize` and `services/auth`), driven in-process
//! through `server::app`: a matrix of auth modes × credential kinds ×
//! endpoint classes, asserting status codes and exact bodies, the `/users`
//! API, and the `auth_fail` counter.

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use server::auth::jwt;
use server::auth::users::{privileges_of, Permission};
use server::config::Config;
use server::settings::{Flags, ServerOptions};
use server::state::AppState;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const SECRET: &str = "s3cr3t";
const TOKEN: &str = "c3Vic2NyaWJlci10b2tlbg";
const OTHER_DB_TOKEN: &str = "b3RoZXItZGItdG9rZW4";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `[http] auth-enabled = false`.
    Off,
    /// `auth-enabled` with `[auth] enabled`: stored users.
    Users,
    /// `auth-enabled` without `[auth]`: Kapacitor's noauth, credentials needed but not checked.
    NoAuth,
}

struct Api {
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    state: Arc<AppState>,
}

impl Api {
    fn start(mode: Mode) -> Api {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut c = Config::demo(dir.path());
        c.hostname = "127.0.0.1".into();
        c.stats.enabled = false;
        c.http.auth_enabled = mode != Mode::Off;
        c.http.shared_secret = SECRET.into();
        c.auth.enabled = mode == Mode::Users;
        c.auth.bcrypt_cost = 4;
        c.validate().expect("valid config");
        let opts = ServerOptions::from_config(&c, None, &Flags::default());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let state = rt.block_on(async { AppState::open(opts) }).expect("state");
        if let Some(users) = state.auth.users() {
            let mk = |name: &str, admin: bool, perms: &[Permission]| {
                users
                    .create(
                        &state.store,
                        name,
                        &format!("{name}-pw"),
                        admin,
                        privileges_of(perms),
                    )
                    .expect("create user");
            };
            mk("root", true, &[]);
            mk("apiuser", false, &[Permission::Api]);
            mk("writer", false, &[Permission::WritePoints]);
            mk("cfguser", false, &[Permission::ConfigApi]);
            mk("nobody", false, &[Permission::None]);
        }
        state.influxdb.tokens.grant(TOKEN, "db", "autogen");
        state
            .influxdb
            .tokens
            .grant(OTHER_DB_TOKEN, "other", "autogen");
        Api {
            _dir: dir,
            rt,
            state,
        }
    }

    /// (status, body) of one request.
    fn call(&self, method: &str, uri: &str, auth: &Cred, body: &str) -> (u16, String) {
        let mut b = hyper::Request::builder().method(method).uri(uri);
        if let Some(h) = auth.header() {
            b = b.header("Authorization", h);
        }
        let req = b
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        self.rt.block_on(async {
            let resp = server::app(self.state.clone(), req).await;
            let status = resp.status().as_u16();
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        })
    }

    fn auth_fail(&self) -> u64 {
        self.state.stats.auth_fail.load(Ordering::Relaxed)
    }
}

#[derive(Clone, Debug)]
enum Cred {
    None,
    Basic(&'static str, &'static str),
    Bearer(String),
    /// `?u=&p=` — appended to the URI.
    Query(&'static str, &'static str),
}

impl Cred {
    fn header(&self) -> Option<String> {
        match self {
            Cred::Basic(u, p) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )),
            Cred::Bearer(t) => Some(format!("Bearer {t}")),
            _ => None,
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn bearer(claims: Value) -> Cred {
    Cred::Bearer(jwt::sign("HS512", &claims, SECRET.as_bytes()))
}

fn err(msg: &str) -> String {
    json!({"error": msg, "message": msg}).to_string()
}

fn forbidden(user: &str, privilege: &str, path: &str) -> (u16, String) {
    (
        403,
        err(&format!(
            "user {user} does not have \"{privilege}\" privilege for API endpoint \"{path}\""
        )),
    )
}

fn unauthorized(msg: &str) -> (u16, String) {
    (401, err(msg))
}

/// The endpoint classes: (name, method, path, body).
const PING: (&str, &str, &str) = ("GET", "/kapacitor/v1/ping", "");
const READ: (&str, &str, &str) = ("GET", "/kapacitor/v1/tasks", "");
const WRITE: (&str, &str, &str) = ("POST", "/kapacitor/v1/tasks", "{");
const DELETE: (&str, &str, &str) = ("DELETE", "/kapacitor/v1/tasks/nope", "");
const USERS: (&str, &str, &str) = ("GET", "/kapacitor/v1/users?fields=name", "");
const CONFIG: (&str, &str, &str) = ("GET", "/kapacitor/v1/config/smtp", "");
const POINTS: (&str, &str, &str) = ("POST", "/write?db=db&rp=autogen", "cpu v=1");

/// What each endpoint answers once allowed (its own behaviour, not auth's).
enum Expect {
    Allowed,
    Is(u16, String),
}

fn allowed_status(ep: (&str, &str, &str), mode: Mode) -> u16 {
    match ep {
        PING | DELETE | POINTS => 204,
        WRITE => 400,
        USERS if mode != Mode::Users => 404,
        _ => 200,
    }
}

fn run(api: &Api, mode: Mode, cases: &[(Cred, (&str, &str, &str), Expect)]) {
    for (cred, ep, expect) in cases {
        let (method, path, body) = *ep;
        let uri = match cred {
            Cred::Query(u, p) => {
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{path}{sep}u={u}&p={p}")
            }
            _ => path.to_string(),
        };
        let before = api.auth_fail();
        let (status, text) = api.call(method, &uri, cred, body);
        let what = format!("{cred:?} {method} {uri}");
        match expect {
            Expect::Allowed => {
                assert_eq!(status, allowed_status(*ep, mode), "{what}: {text}");
                assert!(
                    !text.contains("privilege for API endpoint"),
                    "{what}: {text}"
                );
            }
            Expect::Is(s, b) => {
                assert_eq!((status, text.as_str()), (*s, b.as_str()), "{what}");
            }
        }
        // Every 401 of authentication is counted, nothing else.
        let counted = status == 401 && text.starts_with('{');
        assert_eq!(api.auth_fail() - before, u64::from(counted), "{what}");
    }
}

const ALL: [(&str, &str, &str); 7] = [PING, READ, WRITE, DELETE, USERS, CONFIG, POINTS];

#[test]
fn auth_off_every_request_acts_as_admin() {
    let api = Api::start(Mode::Off);
    let creds = [
        Cred::None,
        Cred::Basic("ghost", "x"),
        Cred::Bearer("garbage".into()),
        Cred::Basic("~subscriber", "bad token!"),
    ];
    let mut cases = Vec::new();
    for c in creds {
        for ep in ALL {
            cases.push((c.clone(), ep, Expect::Allowed));
        }
    }
    run(&api, Mode::Off, &cases);
}

#[test]
fn stored_users_credential_kinds_by_endpoint_class() {
    let api = Api::start(Mode::Users);
    use Expect::{Allowed, Is};
    let no_creds = || {
        let (s, b) = unauthorized("unable to parse authentication credentials");
        Is(s, b)
    };
    let u = |m: &str| {
        let (s, b) = unauthorized(m);
        Is(s, b)
    };
    let f = |user: &str, p: &str, path: &str| {
        let (s, b) = forbidden(user, p, path);
        Is(s, b)
    };
    let not_writer = |user: &str| {
        Is(
            401,
            format!("\"{user}\" user is not authorized to write to database \"db\"\n"),
        )
    };
    let root = Cred::Basic("root", "root-pw");
    let api_user = Cred::Basic("apiuser", "apiuser-pw");
    let writer = Cred::Basic("writer", "writer-pw");
    let cfg = Cred::Basic("cfguser", "cfguser-pw");
    let nobody = Cred::Basic("nobody", "nobody-pw");
    let sub = Cred::Basic("~subscriber", TOKEN);
    let sub_user = format!("_sub:{TOKEN}");
    let other_sub = Cred::Basic("~subscriber", OTHER_DB_TOKEN);
    let good_jwt = bearer(json!({"username": "root", "exp": now() + 3600}));
    let api_jwt = bearer(json!({"username": "apiuser", "exp": now() + 3600}));
    let cases = vec![
        // No credentials: only ping.
        (Cred::None, PING, Allowed),
        (Cred::None, READ, no_creds()),
        (Cred::None, WRITE, no_creds()),
        (Cred::None, DELETE, no_creds()),
        (Cred::None, USERS, no_creds()),
        (Cred::None, POINTS, no_creds()),
        (Cred::None, ("GET", "/kapacitor/v1/nowhere", ""), no_creds()),
        // Bad user name or password: never says which.
        (
            Cred::Basic("root", "wrong"),
            READ,
            u("authorization failed"),
        ),
        (Cred::Basic("ghost", "x"), POINTS, u("authorization failed")),
        (Cred::Basic("", "x"), READ, u("username required")),
        (Cred::Basic("root", "wrong"), PING, Allowed),
        // Admin: everything, any endpoint.
        (root.clone(), READ, Allowed),
        (root.clone(), WRITE, Allowed),
        (root.clone(), DELETE, Allowed),
        (root.clone(), USERS, Allowed),
        (root.clone(), CONFIG, Allowed),
        (root.clone(), POINTS, Allowed),
        // `api`: the API but writes and config.
        (api_user.clone(), READ, Allowed),
        (api_user.clone(), WRITE, Allowed),
        (api_user.clone(), DELETE, Allowed),
        (api_user.clone(), USERS, Allowed),
        (
            api_user.clone(),
            CONFIG,
            f("apiuser", "read", "/kapacitor/v1/config/smtp"),
        ),
        (api_user.clone(), POINTS, f("apiuser", "write", "/write")),
        (
            api_user.clone(),
            ("POST", "/kapacitor/v1/write?db=db", "cpu v=1"),
            f("apiuser", "write", "/kapacitor/v1/write"),
        ),
        // `write_points`: the write endpoint, but no database (Kapacitor grants those
        // only to admins and subscriptions).
        (
            writer.clone(),
            READ,
            f("writer", "read", "/kapacitor/v1/tasks"),
        ),
        (
            writer.clone(),
            WRITE,
            f("writer", "write", "/kapacitor/v1/tasks"),
        ),
        (
            writer.clone(),
            DELETE,
            f("writer", "delete", "/kapacitor/v1/tasks/nope"),
        ),
        (
            writer.clone(),
            USERS,
            f("writer", "read", "/kapacitor/v1/users"),
        ),
        (writer.clone(), POINTS, not_writer("writer")),
        // `config_api`: config only.
        (cfg.clone(), CONFIG, Allowed),
        (
            cfg.clone(),
            READ,
            f("cfguser", "read", "/kapacitor/v1/tasks"),
        ),
        (
            nobody.clone(),
            READ,
            f("nobody", "read", "/kapacitor/v1/tasks"),
        ),
        (nobody.clone(), PING, Allowed),
        // Query parameters u and p.
        (Cred::Query("apiuser", "apiuser-pw"), READ, Allowed),
        (
            Cred::Query("apiuser", "nope"),
            READ,
            u("authorization failed"),
        ),
        (
            Cred::Query("writer", "writer-pw"),
            READ,
            f("writer", "read", "/kapacitor/v1/tasks"),
        ),
        // Bearer tokens signed with [http] shared-secret.
        (good_jwt.clone(), READ, Allowed),
        (good_jwt.clone(), POINTS, Allowed),
        (
            api_jwt,
            CONFIG,
            f("apiuser", "read", "/kapacitor/v1/config/smtp"),
        ),
        (
            bearer(json!({"username": "root", "exp": now() - 60})),
            READ,
            u("invalid token: Token is expired"),
        ),
        (
            bearer(json!({"username": "", "exp": now() + 60})),
            READ,
            u("token must contain a username"),
        ),
        (
            bearer(json!({"exp": now() + 60})),
            READ,
            u("username in token must be a string"),
        ),
        (
            bearer(json!({"username": "root"})),
            READ,
            u("token expiration required"),
        ),
        (
            Cred::Bearer(jwt::sign(
                "HS256",
                &json!({"username": "root", "exp": now() + 60}),
                b"not the secret",
            )),
            READ,
            u("invalid token: signature is invalid"),
        ),
        (
            bearer(json!({"username": "ghost", "exp": now() + 60})),
            READ,
            u("retrieving user \"ghost\" from store: no user exists"),
        ),
        (
            Cred::Bearer("x.y".into()),
            READ,
            u("invalid token: token contains an invalid number of segments"),
        ),
        // Subscription tokens: write on their database only.
        (sub.clone(), POINTS, Allowed),
        (
            sub.clone(),
            READ,
            f(&sub_user, "read", "/kapacitor/v1/tasks"),
        ),
        (
            other_sub,
            POINTS,
            not_writer(&format!("_sub:{OTHER_DB_TOKEN}")),
        ),
        (
            Cred::Basic("~subscriber", "dW5rbm93bg"),
            POINTS,
            u("invalid subscription token"),
        ),
        (
            Cred::Basic("~subscriber", "bad token!"),
            POINTS,
            u("token must be a valid username: \"bad token!\""),
        ),
    ];
    run(&api, Mode::Users, &cases);
}

#[test]
fn noauth_needs_credentials_but_any_are_an_admin() {
    let api = Api::start(Mode::NoAuth);
    use Expect::{Allowed, Is};
    let (s, b) = unauthorized("unable to parse authentication credentials");
    let (es, eb) = unauthorized("invalid token: Token is expired");
    run(
        &api,
        Mode::NoAuth,
        &[
            (Cred::None, PING, Allowed),
            (Cred::None, READ, Is(s, b)),
            (Cred::Basic("anyone", "anything"), READ, Allowed),
            (Cred::Basic("anyone", "anything"), POINTS, Allowed),
            (Cred::Query("anyone", "x"), DELETE, Allowed),
            (Cred::Basic("~subscriber", "whatever"), POINTS, Allowed),
            (
                bearer(json!({"username": "x", "exp": now() + 60})),
                WRITE,
                Allowed,
            ),
            (
                bearer(json!({"username": "x", "exp": now() - 60})),
                WRITE,
                Is(es, eb),
            ),
            // No [auth]: no users API.
            (Cred::Basic("anyone", "x"), USERS, Allowed),
        ],
    );
}

#[test]
fn users_api_creates_lists_updates_and_deletes() {
    let api = Api::start(Mode::Users);
    let root = Cred::Basic("root", "root-pw");
    let (s, b) = api.call(
        "POST",
        "/kapacitor/v1/users",
        &root,
        r#"{"name":"bob","password":"pw1","type":"normal","permissions":["api","write_points"]}"#,
    );
    assert_eq!(s, 200, "{b}");
    let expected = "{\n    \"link\": {\n        \"rel\": \"self\",\n        \"href\": \"/kapacitor/v1/users/bob\"\n    },\n    \"name\": \"bob\",\n    \"type\": \"normal\",\n    \"permissions\": [\n        \"api\",\n        \"write_points\"\n    ]\n}";
    assert_eq!(b, expected);
    assert_eq!(
        api.call("GET", "/kapacitor/v1/users/bob", &root, "").1,
        expected
    );
    // The new user authenticates, with exactly its permissions.
    let bob = Cred::Basic("bob", "pw1");
    assert_eq!(api.call("GET", "/kapacitor/v1/tasks", &bob, "").0, 200);
    assert_eq!(api.call("GET", "/kapacitor/v1/config", &bob, "").0, 403);
    // Again, from the credential cache.
    assert_eq!(api.call("GET", "/kapacitor/v1/tasks", &bob, "").0, 200);

    let list = api
        .call(
            "GET",
            "/kapacitor/v1/users?pattern=b*&fields=type",
            &root,
            "",
        )
        .1;
    let v: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        v,
        json!({"users": [{"link": {"rel": "self", "href": "/kapacitor/v1/users/bob"}, "name": "bob", "type": "normal"}]})
    );
    let (s, b) = api.call("GET", "/kapacitor/v1/users?fields=nope", &root, "");
    assert_eq!(
        (s, b.contains("unsupported field \\\"nope\\\"")),
        (400, true),
        "{b}"
    );

    // A new password: the old one (cached) stops working at once; admin drops permissions.
    let (s, b) = api.call(
        "PATCH",
        "/kapacitor/v1/users/bob",
        &root,
        r#"{"password":"pw2","type":"admin"}"#,
    );
    assert_eq!(s, 200, "{b}");
    assert!(
        b.contains("\"type\": \"admin\"") && b.contains("\"permissions\": []"),
        "{b}"
    );
    assert_eq!(
        api.call("GET", "/kapacitor/v1/tasks", &bob, ""),
        unauthorized("authorization failed")
    );
    let bob2 = Cred::Basic("bob", "pw2");
    assert_eq!(api.call("GET", "/kapacitor/v1/config", &bob2, "").0, 200);

    // Bad input, each with its own error.
    let bad = |body: &str| api.call("POST", "/kapacitor/v1/users", &root, body);
    let e = |m: &str| {
        format!(
            "{{\n    \"error\": {},\n    \"message\": {}\n}}",
            json!(m),
            json!(m)
        )
    };
    assert_eq!(bad("{"), (400, e("invalid JSON")));
    assert_eq!(bad(r#"{"password":"x"}"#), (400, e("username is required")));
    assert_eq!(
        bad(r#"{"name":"a b","password":"x"}"#),
        (
            400,
            e("username must contain only letters, numbers, '-', '.', '@' and '_'. \"a b\"")
        )
    );
    assert_eq!(bad(r#"{"name":"carl"}"#), (400, e("password is required")));
    assert_eq!(
        bad(r#"{"name":"carl","password":"x","permissions":["root"]}"#),
        (400, e("invalid JSON"))
    );
    assert_eq!(
        bad(r#"{"name":"bob","password":"x"}"#),
        (
            500,
            e("failed to create user: creating user: user already exists")
        )
    );
    assert_eq!(
        api.call("PATCH", "/kapacitor/v1/users/ghost", &root, "{}"),
        (
            500,
            e("failed to create user: updating user: no user exists")
        )
    );
    assert_eq!(
        api.call("GET", "/kapacitor/v1/users/ghost", &root, ""),
        (404, e("no user exists"))
    );
    assert_eq!(
        api.call("GET", "/kapacitor/v1/users/", &root, ""),
        (400, e("must specify username on path"))
    );

    // Deleted: gone, and its credentials with it.
    assert_eq!(
        api.call("DELETE", "/kapacitor/v1/users/bob", &root, "").0,
        204
    );
    assert_eq!(
        api.call("GET", "/kapacitor/v1/tasks", &bob2, ""),
        unauthorized("authorization failed")
    );
    assert_eq!(api.call("GET", "/kapacitor/v1/users/bob", &root, "").0, 404);
}

#[test]
fn pprof_enabled_opens_debug_endpoints_only() {
    for (pprof, expected) in [(false, 401), (true, 200)] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::demo(dir.path());
        c.hostname = "127.0.0.1".into();
        c.stats.enabled = false;
        c.http.auth_enabled = true;
        c.http.pprof_enabled = pprof;
        let opts = ServerOptions::from_config(&c, None, &Flags::default());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let state = rt.block_on(async { AppState::open(opts) }).unwrap();
        let api = Api {
            _dir: dir,
            rt,
            state,
        };
        assert_eq!(
            api.call("GET", "/kapacitor/v1/debug/vars", &Cred::None, "")
                .0,
            expected
        );
        assert_eq!(
            api.call("GET", "/kapacitor/v1/debug/pprof/", &Cred::None, "")
                .0,
            expected
        );
        assert_eq!(
            api.call("GET", "/kapacitor/v1/tasks", &Cred::None, "").0,
            401
        );
    }
}

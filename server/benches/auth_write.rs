//! What authentication adds to one `/write` (api.md §1.1 "Auth"): the same
//! small write through `server::app` in-process, without auth (the baseline)
//! and with each credential kind the write path sees — Basic auth of a
//! stored admin (its bcrypt check cached after the first request), an
//! InfluxDB subscription's `~subscriber` token, and a bearer JWT.
//! In-process, so the figures are the handler's cost, not loopback's.

use base64::Engine as _;
use bytes::Bytes;
use criterion::Criterion;
use http_body_util::{BodyExt, Full};
use server::auth::users::privileges_of;
use server::config::Config;
use server::settings::{Flags, ServerOptions};
use server::state::AppState;
use std::sync::Arc;

const BODY: &str = "cpu,host=a usage_idle=42.5";

fn state(rt: &tokio::runtime::Runtime, dir: &std::path::Path, auth: bool) -> Arc<AppState> {
    let mut c = Config::demo(dir);
    c.hostname = "127.0.0.1".into();
    c.stats.enabled = false;
    c.http.auth_enabled = auth;
    c.http.shared_secret = "s3cr3t".into();
    c.auth.enabled = auth;
    c.auth.bcrypt_cost = 10;
    c.auth.cache_expiration = server::config::GoDuration::from_mins(10);
    let opts = ServerOptions::from_config(&c, None, &Flags::default());
    let st = rt.block_on(async { AppState::open(opts) }).expect("state");
    if let Some(users) = st.auth.users() {
        users
            .create(&st.store, "root", "rootpw", true, privileges_of(&[]))
            .expect("user");
    }
    st.influxdb.tokens.grant("c3Vic2NyaWJlcg", "db", "autogen");
    st
}

fn write(rt: &tokio::runtime::Runtime, st: &Arc<AppState>, auth: Option<&str>) {
    let mut b = hyper::Request::builder()
        .method("POST")
        .uri("/write?db=db&rp=autogen");
    if let Some(h) = auth {
        b = b.header("Authorization", h);
    }
    let req = b
        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
        .unwrap();
    rt.block_on(async {
        let resp = server::app(st.clone(), req).await;
        assert_eq!(resp.status().as_u16(), 204);
        let _ = resp.into_body().collect().await;
    });
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir_off = tempfile::tempdir().unwrap();
    let dir_on = tempfile::tempdir().unwrap();
    let off = state(&rt, dir_off.path(), false);
    let on = state(&rt, dir_on.path(), true);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("root:rootpw")
    );
    let sub = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("~subscriber:c3Vic2NyaWJlcg")
    );
    let jwt = format!(
        "Bearer {}",
        server::auth::jwt::sign(
            "HS512",
            &serde_json::json!({"username": "root", "exp": 4_000_000_000i64}),
            b"s3cr3t"
        )
    );
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("write_request");
    g.bench_function("no_auth", |b| b.iter(|| write(&rt, &off, None)));
    // The first request pays bcrypt once; the loop measures the cached check.
    write(&rt, &on, Some(&basic));
    g.bench_function("basic_cached", |b| b.iter(|| write(&rt, &on, Some(&basic))));
    g.bench_function("subscriber_token", |b| {
        b.iter(|| write(&rt, &on, Some(&sub)))
    });
    g.bench_function("bearer_hs512", |b| b.iter(|| write(&rt, &on, Some(&jwt))));
    g.finish();
    c.final_summary();
}

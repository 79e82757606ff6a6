//! The InfluxDB client against a real influxd (testkit): ping, statements,
//! writes read back, integer/float decoding, chunked answers, errors, and
//! basic auth on a server with auth enabled.

use runtime::influxdb::{Client, ClientConfig, InfluxError, Query, WriteRequest};
use std::time::Duration;
use testkit::influxd::InfluxdOptions;
use testkit::Influxd;

fn client(url: &str) -> Client {
    Client::new(ClientConfig {
        urls: vec![url.to_string()],
        timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    })
    .expect("client")
}

fn write_req(db: &str) -> WriteRequest {
    WriteRequest {
        database: db.into(),
        precision: "s".into(),
        ..WriteRequest::default()
    }
}

#[test]
fn ping_statements_write_and_query_round_trip() {
    let s = Influxd::start();
    let c = client(&s.url());
    assert!(c.ping().expect("ping").starts_with("1."), "version");
    c.query(&Query::new("CREATE DATABASE \"rt\""))
        .expect("create");
    // gzip body (the default), seconds precision.
    c.write(
        &write_req("rt"),
        b"cpu,host=a i=3i,f=2.5 10\ncpu,host=b i=4i,f=1 20\n",
    )
    .expect("write");
    let r = c
        .query(&Query {
            database: "rt".into(),
            ..Query::new("SELECT i, f FROM cpu GROUP BY host")
        })
        .expect("select");
    let series = &r.results[0].series;
    assert_eq!(series.len(), 2, "{r:?}");
    assert_eq!(series[0].tags["host"], "a");
    assert_eq!(series[0].columns, vec!["time", "i", "f"]);
    let row = &series[0].values[0];
    assert_eq!(row[0], "1970-01-01T00:00:10Z");
    assert!(row[1].is_i64() && row[1] == 3, "{row:?}");
    assert!(row[2].is_f64() && row[2] == 2.5, "{row:?}");
    // epoch=s turns times into integers.
    let r = c
        .query(&Query {
            database: "rt".into(),
            precision: "s".into(),
            ..Query::new("SELECT i FROM cpu WHERE host = 'b'")
        })
        .expect("select epoch");
    assert_eq!(r.results[0].series[0].values[0][0], 20);
}

#[test]
fn chunked_answers_are_merged_and_uncompressed_writes_work() {
    let s = Influxd::start();
    let c = Client::new(ClientConfig {
        urls: vec![s.url()],
        gzip_writes: false,
        ..ClientConfig::default()
    })
    .expect("client");
    c.query(&Query::new("CREATE DATABASE ch")).expect("create");
    let lines: String = (0..25).map(|i| format!("m,t=x v={i} {i}\n")).collect();
    c.write(&write_req("ch"), lines.as_bytes()).expect("write");
    let r = c
        .query(&Query {
            database: "ch".into(),
            chunked: true,
            chunk_size: 10,
            ..Query::new("SELECT v FROM m; SELECT count(v) FROM m")
        })
        .expect("chunked");
    assert_eq!(r.results.len(), 2, "{r:?}");
    let s0 = &r.results[0].series;
    assert_eq!(s0.len(), 1, "{r:?}");
    assert_eq!(s0[0].values.len(), 25);
    assert_eq!(s0[0].values[24][1], 24);
    assert!(!s0[0].partial);
    assert_eq!(r.results[1].series[0].values[0][1], 25);
}

#[test]
fn errors_are_typed() {
    let s = Influxd::start();
    let c = client(&s.url());
    match c.query(&Query {
        database: "nope".into(),
        ..Query::new("SELECT v FROM m")
    }) {
        Err(InfluxError::Query(e)) => assert_eq!(e, "database not found: nope"),
        other => panic!("{other:?}"),
    }
    match c.query(&Query::new("SELEC nonsense")) {
        Err(InfluxError::Server {
            status: 400,
            message,
        }) => {
            assert!(message.starts_with("error parsing query"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    match c.write(&write_req("nope"), b"m v=1 1\n") {
        Err(InfluxError::Server {
            status: 404,
            message,
        }) => {
            assert_eq!(message, "database not found: \"nope\"")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn basic_auth_on_a_server_with_auth_enabled() {
    let s = Influxd::start_with(InfluxdOptions {
        auth_enabled: true,
        ..InfluxdOptions::default()
    });
    s.query(
        None,
        "CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES",
        None,
    );
    match client(&s.url()).query(&Query::new("SHOW DATABASES")) {
        Err(InfluxError::Server { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
    let authed = Client::new(ClientConfig {
        urls: vec![s.url()],
        username: "admin".into(),
        password: "secret".into(),
        ..ClientConfig::default()
    })
    .expect("client");
    authed
        .query(&Query::new("CREATE DATABASE a"))
        .expect("create");
    authed.write(&write_req("a"), b"m v=1 1\n").expect("write");
    let r = authed
        .query(&Query {
            database: "a".into(),
            ..Query::new("SELECT v FROM m")
        })
        .expect("select");
    assert_eq!(r.results[0].series[0].values[0][1], 1);
    let wrong = Client::new(ClientConfig {
        urls: vec![s.url()],
        username: "admin".into(),
        password: "wrong".into(),
        ..ClientConfig::default()
    })
    .expect("client");
    assert!(matches!(
        wrong.query(&Query::new("SHOW DATABASES")),
        Err(InfluxError::Server { status: 401, .. })
    ));
}

#[test]
fn requests_rotate_and_fail_over_past_a_dead_url() {
    let s = Influxd::start();
    let dead = format!("http://127.0.0.1:{}", testkit::free_port());
    let c = Client::new(ClientConfig {
        urls: vec![dead, s.url()],
        timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    })
    .expect("client");
    for _ in 0..4 {
        c.ping().expect("every ping answered by the live URL");
    }
}

#[test]
fn https_with_a_configured_ca_and_typed_tls_errors() {
    let certs = testkit::tls::Certs::generate();
    let s = Influxd::start_with(InfluxdOptions {
        https: Some((certs.cert.clone(), certs.key.clone())),
        ..InfluxdOptions::default()
    });
    assert!(s.url().starts_with("https://"));
    let with = |ca: &str, skip: bool| {
        Client::new(ClientConfig {
            urls: vec![s.url()],
            ssl_ca: ca.to_string(),
            insecure_skip_verify: skip,
            timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        })
    };
    let ca = certs.ca.display().to_string();
    with(&ca, false)
        .expect("client")
        .ping()
        .expect("trusted by the CA");
    with("", true)
        .expect("client")
        .ping()
        .expect("verification off");
    assert!(matches!(
        with("", false).expect("client").ping(),
        Err(InfluxError::Transport { .. })
    ));
    assert!(matches!(
        with("/nonexistent/ca.pem", false),
        Err(InfluxError::Tls { .. })
    ));
    let only_cert = Client::new(ClientConfig {
        urls: vec![s.url()],
        ssl_cert: certs.cert.display().to_string(),
        ..ClientConfig::default()
    });
    assert_eq!(
        only_cert.expect_err("needs the key").to_string(),
        format!(
            "TLS file {:?}: ssl-cert given without ssl-key",
            certs.cert.display().to_string()
        )
    );
}

#[test]
fn jwt_bearer_auth_with_the_shared_secret() {
    let s = Influxd::start_with(InfluxdOptions {
        auth_enabled: true,
        shared_secret: Some("sharedsecret".into()),
        ..InfluxdOptions::default()
    });
    s.query(
        None,
        "CREATE USER admin WITH PASSWORD 'pw' WITH ALL PRIVILEGES",
        None,
    );
    let with = |secret: &str| {
        Client::new(ClientConfig {
            urls: vec![s.url()],
            username: "admin".into(),
            shared_secret: secret.into(),
            ..ClientConfig::default()
        })
        .expect("client")
    };
    with("sharedsecret")
        .query(&Query::new("SHOW DATABASES"))
        .expect("a JWT signed with the shared secret is accepted");
    match with("othersecret").query(&Query::new("SHOW DATABASES")) {
        Err(InfluxError::Server { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
}

//! The `kapacitor` CLI against an auth-enabled HTTPS `kapacitord` (the real
//! one, built beside this binary by `cargo build --workspace --bins`):
//! credentials ride in the URL (`https://user:pass@host:port`) as Kapacitor's
//! CLI takes them, `-skipVerify` accepts the test certificate, and the
//! server's auth refusals reach the user as its error text.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;
use testkit::kapacitord::{self, Kapacitord};

/// An agent that trusts anything: the test only needs to know the listener speaks TLS.
fn insecure_agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .disable_verification(true)
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls)
        .build()
        .into()
}

fn start(dir: &Path, port: u16, certs: &testkit::tls::Certs, auth_enabled: bool) -> Kapacitord {
    let d = dir.display();
    let config = format!(
        "hostname = \"127.0.0.1\"\ndata_dir = \"{d}\"\n\
         [http]\n  bind-address = \"127.0.0.1:{port}\"\n  auth-enabled = {auth_enabled}\n  \
         https-enabled = true\n  https-certificate = \"{}\"\n  https-private-key = \"{}\"\n\
         [tls]\n  min-version = \"tls1.2\"\n\
         [auth]\n  enabled = true\n  bcrypt-cost = 4\n\
         [replay]\n  dir = \"{d}/replay\"\n\
         [storage]\n  boltdb = \"{d}/kapacitor.db\"\n\
         [logging]\n  file = \"{d}/kapacitord.log\"\n\
         [stats]\n  enabled = false\n",
        certs.cert.display(),
        certs.key.display()
    );
    Kapacitord::builder(kapacitord::beside(env!("CARGO_BIN_EXE_kapacitor")))
        .config(dir.join("kapacitor.conf"), config)
        .port_from_config(port)
        .log_at(dir.join("kapacitord.log"))
        .https(insecure_agent)
        .start()
}

/// Runs `kapacitor args...`, killed after 30 s so a hang fails the test.
fn cli(args: &[&str], cwd: &Path) -> Output {
    kapacitord::output_within(
        Command::new(env!("CARGO_BIN_EXE_kapacitor"))
            .args(args)
            .current_dir(cwd)
            .env_remove("KAPACITOR_URL"),
        Duration::from_secs(30),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_cli_works_against_an_auth_enabled_https_server() {
    let certs = testkit::tls::Certs::generate();
    let dir = tempfile::tempdir().unwrap();
    let port = testkit::free_port();

    // Kapacitor's bootstrap: [auth] on, [http] auth off, make an admin over HTTPS.
    let k = start(dir.path(), port, &certs, false);
    let (st, b) = k.call(
        "POST",
        "/kapacitor/v1/users",
        Some(br#"{"name":"root","password":"rootpw","type":"admin"}"#),
    );
    assert_eq!(st, 200, "{b}");
    drop(k);
    let _k = start(dir.path(), port, &certs, true);

    let tick = dir.path().join("cpu.tick");
    std::fs::write(&tick, "stream\n    |from()\n        .measurement('cpu')\n").unwrap();
    let url = format!("https://root:rootpw@127.0.0.1:{port}");
    let o = cli(
        &[
            "-url",
            &url,
            "-skipVerify",
            "define",
            "cpu_task",
            "-type",
            "stream",
            "-tick",
            tick.to_str().unwrap(),
            "-dbrp",
            "db.rp",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "define: {}", text(&o.stderr));
    let o = cli(&["-url", &url, "-skipVerify", "list", "tasks"], dir.path());
    assert_eq!(o.status.code(), Some(0), "list: {}", text(&o.stderr));
    assert!(text(&o.stdout).contains("cpu_task"), "{}", text(&o.stdout));

    // The server's refusals, as its error text.
    let wrong = format!("https://root:nope@127.0.0.1:{port}");
    let o = cli(
        &["-url", &wrong, "-skipVerify", "list", "tasks"],
        dir.path(),
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("authorization failed"),
        "{}",
        text(&o.stderr)
    );
    let anonymous = format!("https://127.0.0.1:{port}");
    let o = cli(
        &["-url", &anonymous, "-skipVerify", "list", "tasks"],
        dir.path(),
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("unable to parse authentication credentials"),
        "{}",
        text(&o.stderr)
    );
    // Without -skipVerify the test CA is unknown: the TLS handshake fails.
    let o = cli(&["-url", &url, "list", "tasks"], dir.path());
    assert_ne!(o.status.code(), Some(0));
    assert!(!text(&o.stdout).contains("cpu_task"));
    // Plain HTTP to the HTTPS port gets no API answer.
    let plain = format!("http://root:rootpw@127.0.0.1:{port}");
    let o = cli(&["-url", &plain, "list", "tasks"], dir.path());
    assert_ne!(o.status.code(), Some(0));
}

//! `[http] https-*` and `[tls]` at start-up: a value rustls cannot honour, or
//! a certificate that cannot be read, stops kapacitord with an error naming
//! the key or file, never a server that silently speaks something else.

use std::process::{Command, Stdio};

fn run_with(extra: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let port = testkit::free_port();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            "hostname = \"127.0.0.1\"\ndata_dir = \"{d}\"\n[storage]\n  boltdb = \"{d}/k.db\"\n\
             [replay]\n  dir = \"{d}/replay\"\n[logging]\n  file = \"{d}/k.log\"\n[stats]\n  enabled = false\n{extra}\n\
             [http]\n  bind-address = \"127.0.0.1:{port}\"\n  https-enabled = true\n  \
             https-certificate = \"{d}/missing.pem\"\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kapacitord"))
        .arg("-config")
        .arg(&conf)
        .env_remove("KAPACITOR_CONFIG_PATH")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unsupported_tls_settings_and_missing_certificates_stop_the_server() {
    let (code, err) = run_with("[tls]\n  min-version = \"TLS1.1\"\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("tls.min-version"), "{err}");
    let (code, err) = run_with("[tls]\n  ciphers = [\"TLS_RSA_WITH_AES_128_CBC_SHA\"]\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("tls.ciphers"), "{err}");
    let (code, err) = run_with("[tls]\n  max-version = \"TLS9\"\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("tls.max-version") && err.contains("unknown tls version: \"TLS9\""),
        "{err}"
    );
    let (code, err) = run_with("");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("https-certificate") && err.contains("missing.pem"),
        "{err}"
    );
    let (code, err) = run_with("[auth]\n  enabled = true\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("auth.bcrypt-cost") && err.contains("must provide a bcrypt cost >= 4, got 0"),
        "{err}"
    );
}

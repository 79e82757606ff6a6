//! Secrets in `kapacitor.conf` (an addition beyond Kapacitor): `${NAME}`
//! references to the environment and `<key>-file` variants of secret keys.
//! A file using neither decodes exactly as before. Also the sections of the
//! handlers added beside them (servicenow, discord, zenoss, alertmanager).

use server::config::{Config, ConfigError, SecretProblem};
use std::path::Path;

fn decode_in(dir: &Path, src: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |n: &str| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let path = dir.join("kapacitor.conf");
    Config::decode_with_env(src, &Config::default(), Some(&path), &lookup).map(|l| l.config)
}

#[test]
fn environment_references_expand_in_any_string_value() {
    let dir = tempfile::tempdir().unwrap();
    let c = decode_in(
        dir.path(),
        "[[influxdb]]\n  urls = [\"http://${INFLUX_HOST}:8086\"]\n  password = \"${INFLUX_PW}\"\n\
         [[slack]]\n  token = \"xoxb-${SLACK}\"\n[smtp]\n  password = \"a$b$$c\"\n  from = \"$${NOT_A_VAR}\"\n",
        &[("INFLUX_HOST", "db1"), ("INFLUX_PW", "pw"), ("SLACK", "t0k")],
    )
    .unwrap();
    assert_eq!(c.influxdb[0].urls, ["http://db1:8086"]);
    assert_eq!(c.influxdb[0].password, "pw");
    assert_eq!(c.slack[0].token, "xoxb-t0k");
    // A `$` not starting `${` is kept; `$${` is a literal `${`.
    assert_eq!(c.smtp.password, "a$b$$c");
    assert_eq!(c.smtp.from, "${NOT_A_VAR}");
}

#[test]
fn an_unset_variable_names_the_key_and_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let e = decode_in(
        dir.path(),
        "[pagerduty2]\n  routing-key = \"${PD_KEY}\"\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(e.key(), Some("pagerduty2.routing-key"));
    assert!(matches!(
        &e,
        ConfigError::Secret { problem: SecretProblem::Unset(v), .. } if v == "PD_KEY"
    ));
    assert_eq!(
        e.to_string(),
        "pagerduty2.routing-key: environment variable PD_KEY is not set"
    );
    let e = decode_in(dir.path(), "[[slack]]\n  url = \"${X\"\n", &[]).unwrap_err();
    assert_eq!(e.to_string(), "slack[0].url: unterminated ${ reference");
}

#[test]
fn file_variants_read_the_secret_trimmed_and_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pd.key"), "pd-secret\n").unwrap();
    let abs = dir.path().join("smtp.pw");
    std::fs::write(&abs, "smtp pw\r\n").unwrap();
    std::fs::write(dir.path().join("ba.pw"), "basic").unwrap();
    let src = format!(
        "[pagerduty]\n  service-key-file = \"pd.key\"\n[smtp]\n  password-file = \"{}\"\n\
         [[httppost]]\n  endpoint = \"e\"\n  url = \"http://x\"\n  alert-template-file = \"/t.tmpl\"\n  [httppost.basic-auth]\n    username = \"u\"\n    password-file = \"${{DIR}}/ba.pw\"\n",
        abs.display()
    );
    let dirs = dir.path().display().to_string();
    let c = decode_in(dir.path(), &src, &[("DIR", &dirs)]).unwrap();
    assert_eq!(c.pagerduty.service_key, "pd-secret");
    assert_eq!(c.smtp.password, "smtp pw");
    let ba = c.httppost[0].basic_auth.as_ref().unwrap();
    assert_eq!((ba.username.as_str(), ba.password.as_str()), ("u", "basic"));
    // Not a secret key: `alert-template-file` keeps its own meaning.
    assert_eq!(c.httppost[0].alert_template_file, "/t.tmpl");
}

#[test]
fn both_forms_or_a_missing_file_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = decode_in(
        dir.path(),
        "[telegram]\n  token = \"a\"\n  token-file = \"t\"\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "telegram.token: set either the key or token-file, not both"
    );
    let e = decode_in(
        dir.path(),
        "[alerta]\n  token-file = \"missing.tok\"\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(e.key(), Some("alerta.token-file"));
    assert!(
        e.to_string().starts_with(&format!(
            "alerta.token-file: read secret file {}",
            dir.path().join("missing.tok").display()
        )),
        "{e}"
    );
}

#[test]
fn a_config_without_secrets_decodes_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let src = "hostname = \"h$1\"\n[http]\n  shared-secret = \"x$y\"\n[[slack]]\n  url = \"http://s/$a\"\n";
    let with = decode_in(dir.path(), src, &[]).unwrap();
    let plain = Config::from_toml_str(src).unwrap();
    assert_eq!(with, plain);
    assert_eq!(with.http.shared_secret, "x$y");
}

#[test]
fn new_handler_sections_validate_with_kapacitors_rules() {
    let check = |src: &str| {
        let mut c = Config::from_toml_str(src).unwrap();
        c.data_dir = "/tmp/k".into();
        c.validate().err().map(|e| e.to_string())
    };
    assert_eq!(
        check("[servicenow]\nenabled = true\n").as_deref(),
        Some("servicenow.url: must specify Alerts URL")
    );
    assert_eq!(
        check("[alertmanager]\nenabled = true\nurl = \"\"\n").as_deref(),
        Some("alertmanager.url: must specify the Alertmanager URL")
    );
    assert_eq!(
        check("[[discord]]\nworkspace = \"a\"\nurl = \"http://a\"\n[[discord]]\nworkspace = \"b\"\nurl = \"http://b\"\n").as_deref(),
        Some("discord: at least one Discord config must be set as default")
    );
    assert_eq!(
        check("[[discord]]\nenabled = true\n").as_deref(),
        Some("discord[0].url: Must specify the Discord channel webhook URL")
    );
    assert_eq!(
        check("[[discord]]\nenabled = true\nurl = \"http://d\"\nglobal = true\n"),
        None
    );
    let c = Config::from_toml_str(
        "[zenoss.severity-map]\nOK = 0\nCritical = \"Urgent\"\n[alertmanager]\nenabled = true\n[alertmanager.labels]\nenv = \"prod\"\n",
    )
    .unwrap();
    assert_eq!(
        c.zenoss.severity_map.ok,
        server::config::ZenossSeverity::Number(0)
    );
    assert_eq!(
        c.zenoss.severity_map.critical,
        server::config::ZenossSeverity::Name("Urgent".into())
    );
    assert_eq!(c.alertmanager.url, "http://localhost:9093");
    assert_eq!(c.alertmanager.labels["env"], "prod");
    // `kapacitord config` prints both sections.
    let text = Config::default().to_toml();
    assert!(
        text.contains("[servicenow]") && text.contains("[alertmanager]"),
        "{text}"
    );
    assert!(
        text.contains("[zenoss.severity-map]\n    OK = \"Clear\""),
        "{text}"
    );
}

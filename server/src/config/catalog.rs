//! Facts about the shape of Kapacitor's config that the generic passes
//! (decode over defaults, env overrides, unknown-key report) need and that
//! a TOML tree alone does not say. Key paths are dotted TOML keys without
//! array indices (`influxdb.subscriptions`).

/// Sections that are arrays of tables (`[[influxdb]]`). A single `[name]`
/// table is accepted for them too, as one entry, as Kapacitor's sample
/// config writes `[slack]`.
pub const LIST_SECTIONS: &[&str] = &[
    "influxdb",
    "graphite",
    "udp",
    "discord",
    "kafka",
    "mqtt",
    "httppost",
    "slack",
    "scraper",
    "azure",
    "consul",
    "dns",
    "ec2",
    "file-discovery",
    "gce",
    "marathon",
    "nerve",
    "serverset",
    "static-discovery",
    "triton",
    "kubernetes",
    "swarm",
];

/// Tables whose keys are data (a Go `map`), not field names: env overrides
/// append the key as written (not upper-cased), and a zero value is an
/// empty map.
pub const MAP_PATHS: &[&str] = &[
    "influxdb.subscriptions",
    "influxdb.excluded-subscriptions",
    "httppost.headers",
    "kafka.sasl_extensions",
    "kafka.sasl-oauth-parameters",
    "udf.functions",
    "udf.functions.*.env",
];

/// Array fields that also take an env override without an index when they
/// hold exactly one element (`KAPACITOR_KUBERNETES_ENABLED`).
pub const IMPLICIT_INDEX: &[&str] = &["kubernetes"];

/// Go zero values that are not the zero of the TOML type (an enum whose
/// zero is a named mode).
pub const ZERO_OVERRIDES: &[(&str, &str)] = &[("influxdb.subscription-mode", "cluster")];

/// Sections Kapacitor knows that this implementation does not model yet:
/// they are kept as written (printed back, overridable from the env) and
/// reported as not modelled rather than unknown.
pub const PASSTHROUGH_SECTIONS: &[&str] = &[
    "graphite",
    "collectd",
    "opentsdb",
    "udp",
    "scraper",
    "azure",
    "consul",
    "dns",
    "ec2",
    "file-discovery",
    "gce",
    "marathon",
    "nerve",
    "serverset",
    "static-discovery",
    "triton",
    "kubernetes",
    "swarm",
];

/// Whether `path` (dotted, no indices) is one of `MAP_PATHS`; `*` matches
/// one map key.
pub fn is_map(path: &str) -> bool {
    MAP_PATHS.iter().any(|p| glob_eq(p, path))
}

fn glob_eq(pattern: &str, path: &str) -> bool {
    let mut a = pattern.split('.');
    let mut b = path.split('.');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some("*"), Some(_)) => {}
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

/// Joins a dotted key path.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// One overridable section.
pub struct Overridable {
    pub name: &'static str,
    /// For list sections, the option naming an element (`None`: a single element).
    pub element_key: Option<&'static str>,
    /// Options shown as `true`/`false` (set or not) instead of their value.
    pub redact: &'static [&'static str],
}

const fn single(name: &'static str, redact: &'static [&'static str]) -> Overridable {
    Overridable {
        name,
        element_key: None,
        redact,
    }
}

const fn list(
    name: &'static str,
    key: &'static str,
    redact: &'static [&'static str],
) -> Overridable {
    Overridable {
        name,
        element_key: Some(key),
        redact,
    }
}

/// Kapacitor's overridable sections (server/config.go `override` tags), in its order.
pub const OVERRIDABLE: &[Overridable] = &[
    list("influxdb", "name", &["password"]),
    single("alerta", &["token"]),
    single("bigpanda", &["token"]),
    list("discord", "workspace", &["url"]),
    single("hipchat", &["token"]),
    list("kafka", "id", &["sasl-password"]),
    list("mqtt", "name", &["password"]),
    single("opsgenie", &["api-key"]),
    single("opsgenie2", &["api-key"]),
    single("pagerduty", &["service-key"]),
    single("pagerduty2", &["routing-key"]),
    single("pushover", &["token", "user-key"]),
    list("httppost", "endpoint", &["basic-auth"]),
    single("smtp", &["password"]),
    single("snmptrap", &["community"]),
    single("sensu", &[]),
    single("servicenow", &["password"]),
    list("slack", "workspace", &["url", "token"]),
    single("talk", &["url"]),
    single("teams", &["channel-url"]),
    single("telegram", &["token"]),
    single("victorops", &["api-key"]),
    single("zenoss", &["password"]),
    single("alertmanager", &[]),
    list("scraper", "name", &["password", "bearer-token"]),
    list("azure", "id", &["client-secret"]),
    list("consul", "id", &["password", "token"]),
    list("dns", "id", &[]),
    list("ec2", "id", &["secret-key"]),
    list("file-discovery", "id", &[]),
    list("gce", "id", &[]),
    list("marathon", "id", &["token"]),
    list("nerve", "id", &[]),
    list("serverset", "id", &[]),
    list("static-discovery", "id", &[]),
    list("triton", "id", &[]),
    list("kubernetes", "id", &["token"]),
    list("swarm", "id", &["password"]),
];

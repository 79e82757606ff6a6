//! Entry points shared by the `cargo fuzz` targets in `fuzz/` and by the replay test
//! `server/tests/fuzz_inputs.rs`, so both run exactly the same code.
//!
//! API bodies go through the real request path, `http::app` in-process (no socket), against
//! one server state in a temporary data directory that lives for the whole process: the
//! fuzzer's inputs build on each other as a client's would (a task defined by one input is
//! updated by the next). The property asserted for every input: an answer arrives within
//! [`ANSWER_DEADLINE`], it is 2xx or 4xx, and a 5xx only where Kapacitor answers 500 itself
//! ([`KAPACITOR_500S`]). What an input created is deleted afterwards once the store holds
//! many, so a long fuzzing run does not grow without bound.

use crate::config::Config;
use crate::settings::{Flags, ServerOptions};
use crate::state::AppState;
use crate::store::RecordingRecord;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// An answer later than this is a hang (libFuzzer's own `-timeout` is 10 s).
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(8);

/// The 500 answers Kapacitor gives itself for a client's mistake (its handlers answer
/// `http.StatusInternalServerError` there), as message prefixes.
pub const KAPACITOR_500S: &[&str] = &[
    "recording already exists",
    "error finding recording",
    "replay already exists",
    // services/alert/api.go: a spec that validates but cannot be registered (unknown kind,
    // bad options, duplicate ID) is a 500 there.
    "failed to create handler: ",
    "failed to update handler: ",
    "failed to unmarshal patched json: ",
    // services/auth/service.go: any CreateUser failure (a user that already exists, too)
    // is a 500 "failed to create user: …" there (found by the api_users target).
    "failed to create user: creating user: user already exists",
];

/// The task, template, topic and recording every input may refer to.
pub const FIXTURE_TASK: &str = "fixture";
pub const FIXTURE_BATCH_TASK: &str = "fixture_batch";
pub const FIXTURE_TEMPLATE: &str = "fixture_tpl";
pub const FIXTURE_RECORDING: &str = "fixture_rec";
pub const FIXTURE_TOPIC: &str = "fixture_topic";
pub const FIXTURE_HANDLER: &str = "fixture_handler";
pub const FIXTURE_USER: &str = "fixture_user";

const FIXTURE_TASK_SCRIPT: &str = "stream|from().measurement('m')|window().period(10s).every(10s)|count('value')|alert().crit(lambda: \"count\" > 2).topic('fixture_topic')\n";
const FIXTURE_BATCH_SCRIPT: &str = "dbrp \"db\".\"rp\"\nbatch|query('SELECT mean(value) FROM \"db\".\"rp\".\"m\"').period(1m).every(1m)|alert().crit(lambda: \"mean\" > 2)\n";
const FIXTURE_TEMPLATE_SCRIPT: &str = "var measurement string\nvar limit = 10\nvar field = 'value'\nstream|from().measurement(measurement)|alert().crit(lambda: \"value\" > limit).message('{{ .ID }} is {{ .Level }}')\n";

/// One kind of request body the API accepts; the fuzz input is the body (or, where noted,
/// the part of it under test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiBody {
    /// `POST /tasks`.
    TaskCreate,
    /// `PATCH /tasks/fixture` (and the task is put back afterwards).
    TaskUpdate,
    /// `POST /templates`.
    TemplateCreate,
    /// `PATCH /templates/fixture_tpl`.
    TemplateUpdate,
    /// The `vars` object of a template task (`POST /tasks` with `template-id`): the input is
    /// spliced in as the value of `"vars"`.
    TemplateTaskVars,
    /// The `vars` object of a TICKscript task.
    ScriptTaskVars,
    /// `POST /alerts/topics/fixture_topic/handlers`.
    TopicHandlerCreate,
    /// `PUT` of the fixture handler.
    TopicHandlerPut,
    /// `PATCH` (JSON patch) of the fixture handler.
    TopicHandlerPatch,
    /// A `[load]` handler file in YAML (Kapacitor's ghodss/yaml reading), then `POST`ed as
    /// the load service does.
    TopicHandlerYaml,
    /// A `[load]` template-task file in YAML.
    TemplateTaskYaml,
    /// `POST /replays` (the fixture task and recording exist).
    Replay,
    /// `POST /replays/batch`.
    ReplayBatch,
    /// `POST /replays/query`.
    ReplayQuery,
    /// `POST /recordings/stream`.
    RecordingStream,
    /// `POST /recordings/batch`.
    RecordingBatch,
    /// `POST /recordings/query`.
    RecordingQuery,
    /// `POST /config/<section>` (the section picked by the input's first byte).
    ConfigOverride,
    /// `POST /users`.
    UserCreate,
    /// `PATCH /users/fixture_user`.
    UserUpdate,
}

impl ApiBody {
    pub const ALL: &'static [ApiBody] = &[
        ApiBody::TaskCreate,
        ApiBody::TaskUpdate,
        ApiBody::TemplateCreate,
        ApiBody::TemplateUpdate,
        ApiBody::TemplateTaskVars,
        ApiBody::ScriptTaskVars,
        ApiBody::TopicHandlerCreate,
        ApiBody::TopicHandlerPut,
        ApiBody::TopicHandlerPatch,
        ApiBody::TopicHandlerYaml,
        ApiBody::TemplateTaskYaml,
        ApiBody::Replay,
        ApiBody::ReplayBatch,
        ApiBody::ReplayQuery,
        ApiBody::RecordingStream,
        ApiBody::RecordingBatch,
        ApiBody::RecordingQuery,
        ApiBody::ConfigOverride,
        ApiBody::UserCreate,
        ApiBody::UserUpdate,
    ];

    /// The kinds one fuzz target covers (`fuzz/fuzz_targets/api_<group>.rs`; the input's
    /// first byte picks the kind, the rest is the body).
    pub fn group(name: &str) -> &'static [ApiBody] {
        match name {
            "tasks" => &[ApiBody::TaskCreate, ApiBody::TaskUpdate],
            "templates" => &[ApiBody::TemplateCreate, ApiBody::TemplateUpdate],
            "vars" => &[
                ApiBody::TemplateTaskVars,
                ApiBody::ScriptTaskVars,
                ApiBody::TemplateTaskYaml,
            ],
            "topic_handlers" => &[
                ApiBody::TopicHandlerCreate,
                ApiBody::TopicHandlerPut,
                ApiBody::TopicHandlerPatch,
                ApiBody::TopicHandlerYaml,
            ],
            "replays" => &[ApiBody::Replay, ApiBody::ReplayBatch, ApiBody::ReplayQuery],
            "recordings" => &[
                ApiBody::RecordingStream,
                ApiBody::RecordingBatch,
                ApiBody::RecordingQuery,
            ],
            "config" => &[ApiBody::ConfigOverride],
            "users" => &[ApiBody::UserCreate, ApiBody::UserUpdate],
            _ => &[],
        }
    }

    /// The seed-corpus directory names, one per group.
    pub const GROUPS: &'static [&'static str] = &[
        "tasks",
        "templates",
        "vars",
        "topic_handlers",
        "replays",
        "recordings",
        "config",
        "users",
    ];
}

/// The process-wide server the inputs are sent to.
struct Harness {
    rt: tokio::runtime::Runtime,
    state: Arc<AppState>,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        remove_stale_dirs();
        let dir = std::env::temp_dir().join(format!("kapacitor-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("fuzz data dir");
        let mut c = Config::demo(&dir);
        c.hostname = "127.0.0.1".into();
        c.stats.enabled = false;
        // No InfluxDB here: nothing dials out.
        c.influxdb.clear();
        c.http.auth_enabled = true;
        c.auth.enabled = true;
        c.auth.bcrypt_cost = 4;
        c.validate().expect("fuzz config");
        // A fuzzed task must never run a program it names.
        let flags = Flags {
            disable_handlers: Some("exec".into()),
            ..Flags::default()
        };
        let opts = ServerOptions::from_config(&c, None, &flags);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let state = rt
            .block_on(async { AppState::open(opts) })
            .expect("fuzz state");
        let h = Harness { rt, state };
        h.fixtures();
        h
    })
}

/// The process-wide state is never dropped, so its data dir outlives the process: remove
/// the dirs of processes that are gone (named by their pid).
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("kapacitor-fuzz-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

impl Harness {
    /// (status, body) of one in-process request, `None` past the deadline.
    fn call(&self, method: &str, path: &str, body: Bytes) -> Option<(u16, String)> {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .extension(crate::auth::InProcess)
            .body(Full::new(body))
            .expect("request");
        let state = self.state.clone();
        self.rt.block_on(async move {
            let answer = async {
                let resp = crate::http::app(state, req).await;
                let status = resp.status().as_u16();
                let bytes = resp
                    .into_body()
                    .collect()
                    .await
                    .map(|c| c.to_bytes())
                    .unwrap_or_default();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            };
            tokio::time::timeout(ANSWER_DEADLINE, answer).await.ok()
        })
    }

    fn must(&self, method: &str, path: &str, body: Value) {
        let (status, text) = self
            .call(method, path, Bytes::from(body.to_string()))
            .expect("fixture request answered");
        assert!(
            (200..300).contains(&status),
            "fixture {method} {path}: {status} {text}"
        );
    }

    fn fixtures(&self) {
        let task = |id: &str, script: &str| {
            serde_json::json!({"id": id, "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}],
                "script": script, "status": "enabled"})
        };
        self.must(
            "POST",
            "/kapacitor/v1/tasks",
            task(FIXTURE_TASK, FIXTURE_TASK_SCRIPT),
        );
        self.must(
            "POST",
            "/kapacitor/v1/tasks",
            serde_json::json!({"id": FIXTURE_BATCH_TASK, "type": "batch",
                "script": FIXTURE_BATCH_SCRIPT, "status": "disabled"}),
        );
        self.must(
            "POST",
            "/kapacitor/v1/templates",
            serde_json::json!({"id": FIXTURE_TEMPLATE, "type": "stream",
                "script": FIXTURE_TEMPLATE_SCRIPT}),
        );
        self.must(
            "POST",
            &format!("/kapacitor/v1/alerts/topics/{FIXTURE_TOPIC}/handlers"),
            serde_json::json!({"id": FIXTURE_HANDLER, "kind": "log",
                "options": {"path": "/dev/null"}}),
        );
        self.must(
            "POST",
            "/kapacitor/v1/users",
            serde_json::json!({"name": FIXTURE_USER, "password": "pw", "type": "normal",
                "permissions": ["api"]}),
        );
        // A finished stream recording: a small `.srpl` and its record.
        let rec = RecordingRecord {
            id: FIXTURE_RECORDING.into(),
            rtype: "stream".into(),
            size: 0,
            date: crate::ids::now_ns(),
            error: String::new(),
            status: "finished".into(),
            progress: 1.0,
        };
        let path = crate::http::recording_path(&self.state, &rec);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..20 {
            use std::io::Write;
            let _ = write!(gz, "db\nrp\nm value={i} {}\n", i * 1_000_000_000i64);
        }
        std::fs::write(&path, gz.finish().expect("gzip")).expect("fixture recording");
        self.state
            .store
            .put_recording(&rec)
            .expect("fixture recording record");
    }

    /// Deletes what inputs created once the store holds more than a few of a kind, and puts
    /// the fixtures back where an input changed or removed them.
    fn tidy(&self) {
        const KEEP: usize = 16;
        let st = &self.state.store;
        if let Ok(tasks) = st.tasks() {
            if tasks.len() > KEEP {
                for t in tasks
                    .iter()
                    .filter(|t| t.id != FIXTURE_TASK && t.id != FIXTURE_BATCH_TASK)
                {
                    self.call(
                        "DELETE",
                        &format!("/kapacitor/v1/tasks/{}", t.id),
                        Bytes::new(),
                    );
                }
            }
        }
        if let Ok(recs) = st.recordings() {
            if recs.len() > KEEP {
                for r in recs
                    .iter()
                    .filter(|r| r.id != FIXTURE_RECORDING && r.status != "running")
                {
                    self.call(
                        "DELETE",
                        &format!("/kapacitor/v1/recordings/{}", r.id),
                        Bytes::new(),
                    );
                }
            }
        }
        if let Ok(replays) = st.replays::<crate::replay::ReplayRecord>() {
            if replays.len() > KEEP {
                for r in replays.iter().filter(|r| r.status != "running") {
                    self.call(
                        "DELETE",
                        &format!("/kapacitor/v1/replays/{}", r.id),
                        Bytes::new(),
                    );
                }
            }
        }
    }
}

/// The answer of one fuzzed request, checked: `Err` names what broke the property.
fn check(kind: ApiBody, answer: Option<(u16, String)>) -> Result<u16, String> {
    let Some((status, body)) = answer else {
        return Err(format!(
            "{kind:?}: no answer within {ANSWER_DEADLINE:?} (a hang)"
        ));
    };
    if status < 500 {
        return Ok(status);
    }
    let message = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    if status == 500 && KAPACITOR_500S.iter().any(|m| message.starts_with(m)) {
        return Ok(status);
    }
    Err(format!("{kind:?}: answered {status}: {body}"))
}

/// Splices `part` into `{"id":…, <prefix>, <key>: part}`; bytes that are not UTF-8 are
/// sent as they are (the server must refuse them cleanly).
fn splice(prefix: &str, part: &[u8]) -> Bytes {
    let mut b = Vec::with_capacity(prefix.len() + part.len() + 1);
    b.extend_from_slice(prefix.as_bytes());
    b.extend_from_slice(part);
    b.push(b'}');
    Bytes::from(b)
}

/// One fuzz input through the API as a body of `kind`; the status answered, or what broke.
pub fn api_body(kind: ApiBody, data: &[u8]) -> Result<u16, String> {
    let h = harness();
    // Topic handlers are not covered by `-disable-handlers`; an `exec` handler would run a
    // program the fuzzer names when a replay raises an alert, so such inputs are not sent.
    let is_handler = matches!(
        kind,
        ApiBody::TopicHandlerCreate
            | ApiBody::TopicHandlerPut
            | ApiBody::TopicHandlerPatch
            | ApiBody::TopicHandlerYaml
            | ApiBody::ConfigOverride
    );
    if is_handler && data.windows(4).any(|w| w.eq_ignore_ascii_case(b"exec")) {
        return Ok(400);
    }
    let base = "/kapacitor/v1";
    let body = Bytes::copy_from_slice(data);
    let answer = match kind {
        ApiBody::TaskCreate => h.call("POST", &format!("{base}/tasks"), body),
        ApiBody::TaskUpdate => {
            let a = h.call("PATCH", &format!("{base}/tasks/{FIXTURE_TASK}"), body);
            restore_fixture_task(h);
            a
        }
        ApiBody::TemplateCreate => h.call("POST", &format!("{base}/templates"), body),
        ApiBody::TemplateUpdate => {
            let a = h.call(
                "PATCH",
                &format!("{base}/templates/{FIXTURE_TEMPLATE}"),
                body,
            );
            // The template's tasks follow it; put the fixture back for the next input.
            h.call(
                "PATCH",
                &format!("{base}/templates/{FIXTURE_TEMPLATE}"),
                Bytes::from(
                    serde_json::json!({"id": FIXTURE_TEMPLATE, "script": FIXTURE_TEMPLATE_SCRIPT})
                        .to_string(),
                ),
            );
            a
        }
        ApiBody::TemplateTaskVars => h.call(
            "POST",
            &format!("{base}/tasks"),
            splice(
                &format!(
                    r#"{{"id":"vars_task","template-id":"{FIXTURE_TEMPLATE}","dbrps":[{{"db":"db","rp":"rp"}}],"status":"enabled","vars":"#
                ),
                data,
            ),
        ),
        ApiBody::ScriptTaskVars => h.call(
            "POST",
            &format!("{base}/tasks"),
            splice(
                &format!(
                    r#"{{"id":"script_vars_task","type":"stream","dbrps":[{{"db":"db","rp":"rp"}}],"script":{},"vars":"#,
                    Value::from(FIXTURE_TEMPLATE_SCRIPT)
                ),
                data,
            ),
        ),
        ApiBody::TopicHandlerCreate => h.call(
            "POST",
            &format!("{base}/alerts/topics/{FIXTURE_TOPIC}/handlers"),
            body,
        ),
        ApiBody::TopicHandlerPut => h.call(
            "PUT",
            &format!("{base}/alerts/topics/{FIXTURE_TOPIC}/handlers/{FIXTURE_HANDLER}"),
            body,
        ),
        ApiBody::TopicHandlerPatch => h.call(
            "PATCH",
            &format!("{base}/alerts/topics/{FIXTURE_TOPIC}/handlers/{FIXTURE_HANDLER}"),
            body,
        ),
        ApiBody::TopicHandlerYaml => match yaml_object(data) {
            None => return Ok(400),
            Some(m) => {
                let topic = m.get("topic").and_then(Value::as_str).unwrap_or("");
                let path = format!("{base}/alerts/topics/{topic}/handlers");
                if topic.is_empty() || !path_safe(topic) {
                    return Ok(400);
                }
                h.call("POST", &path, Bytes::from(Value::Object(m).to_string()))
            }
        },
        ApiBody::TemplateTaskYaml => match yaml_object(data) {
            None => return Ok(400),
            Some(m) => {
                let mut body = serde_json::Map::new();
                for k in ["template-id", "dbrps", "vars"] {
                    if let Some(v) = m.get(k) {
                        body.insert(k.into(), v.clone());
                    }
                }
                body.insert("id".into(), Value::from("yaml_task"));
                body.insert("status".into(), Value::from("enabled"));
                let a = h.call(
                    "POST",
                    &format!("{base}/tasks"),
                    Bytes::from(Value::Object(body).to_string()),
                );
                h.call("DELETE", &format!("{base}/tasks/yaml_task"), Bytes::new());
                a
            }
        },
        ApiBody::Replay => h.call("POST", &format!("{base}/replays"), body),
        ApiBody::ReplayBatch => h.call("POST", &format!("{base}/replays/batch"), body),
        ApiBody::ReplayQuery => h.call("POST", &format!("{base}/replays/query"), body),
        ApiBody::RecordingStream => h.call("POST", &format!("{base}/recordings/stream"), body),
        ApiBody::RecordingBatch => h.call("POST", &format!("{base}/recordings/batch"), body),
        ApiBody::RecordingQuery => h.call("POST", &format!("{base}/recordings/query"), body),
        ApiBody::ConfigOverride => {
            let (pick, rest) = data.split_first().unwrap_or((&0, &[]));
            let sections = crate::overrides::SECTIONS;
            let section = sections[*pick as usize % sections.len()].name;
            h.call(
                "POST",
                &format!("{base}/config/{section}"),
                Bytes::copy_from_slice(rest),
            )
        }
        ApiBody::UserCreate => {
            let a = h.call("POST", &format!("{base}/users"), body);
            if let Ok(v) = serde_json::from_slice::<Value>(data) {
                if let Some(name) = v.get("name").and_then(Value::as_str) {
                    if name != FIXTURE_USER && path_safe(name) {
                        h.call("DELETE", &format!("{base}/users/{name}"), Bytes::new());
                    }
                }
            }
            a
        }
        ApiBody::UserUpdate => h.call("PATCH", &format!("{base}/users/{FIXTURE_USER}"), body),
    };
    let checked = check(kind, answer);
    h.tidy();
    checked
}

/// The fuzz target's entry: the first byte picks one of `kinds`, the rest is the body.
/// Panics (the fuzzer's finding) when the property breaks.
pub fn api_group(kinds: &[ApiBody], data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let kind = kinds[*pick as usize % kinds.len()];
    if let Err(e) = api_body(kind, rest) {
        panic!("{e}");
    }
}

fn restore_fixture_task(h: &Harness) {
    let put_back = serde_json::json!({"type": "stream", "dbrps": [{"db": "db", "rp": "rp"}],
        "script": FIXTURE_TASK_SCRIPT, "vars": {}, "status": "enabled"});
    let path = format!("/kapacitor/v1/tasks/{FIXTURE_TASK}");
    let ok = h
        .call("PATCH", &path, Bytes::from(put_back.to_string()))
        .is_some_and(|(s, _)| s < 300);
    if !ok {
        // The input may have renamed the task: define it afresh.
        h.call("DELETE", &path, Bytes::new());
        h.call(
            "POST",
            "/kapacitor/v1/tasks",
            Bytes::from(
                serde_json::json!({"id": FIXTURE_TASK, "type": "stream",
                    "dbrps": [{"db": "db", "rp": "rp"}], "script": FIXTURE_TASK_SCRIPT,
                    "status": "enabled"})
                .to_string(),
            ),
        );
    }
}

/// A YAML document as a JSON object, as the load service reads its files.
fn yaml_object(data: &[u8]) -> Option<serde_json::Map<String, Value>> {
    let text = std::str::from_utf8(data).ok()?;
    match runtime::yaml_json::to_json(text).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// A name that can stand as one path segment as it is (the load service builds paths
/// from file contents the same way).
fn path_safe(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The TOML configuration: decode over the defaults (no environment), validate, and for a
/// config that decodes, `kapacitord config`'s rendering must decode to the same config.
pub fn config_toml(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = Config::decode_with_env(src, &Config::default(), None, &|_| None) else {
        return;
    };
    let _ = loaded.config.validate();
    let rendered = loaded.config.to_toml();
    let again = Config::decode_with_env(&rendered, &Config::default(), None, &|_| None)
        .unwrap_or_else(|e| {
            panic!("the rendered config does not decode: {e}\n--- input\n{src}\n--- rendered\n{rendered}")
        });
    assert_eq!(
        again.config.to_toml(),
        rendered,
        "rendering is not stable\n--- input\n{src}"
    );
}

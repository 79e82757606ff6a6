//! Service tests (api.md §1.10, Kapacitor's `services/servicetest` and each
//! service's `TestOptions`/`Test`): a catalog, as data, of the handler
//! services this server has — each with Kapacitor's default test options
//! (in its struct's key order, some filled from the config section) and the
//! way a test's options become one alert event sent through the same
//! runtime handler a task or topic handler would use.

use crate::ids::now_ns;
use crate::topics::parse_level;
use runtime::alert::event::Event;
use runtime::alert::handlers::options::handler_from_options;
use runtime::alert::handlers::{build_handler, HandlerError};
use runtime::alert::level::Level;
use runtime::config::{Config, HandlerConfigs};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

/// Options in Kapacitor's struct order (a `serde_json::Map` would sort them).
#[derive(Debug, Clone, PartialEq)]
pub struct Options(pub Vec<(&'static str, Value)>);

impl Serialize for Options {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Options {
    fn get(&self, k: &str) -> &Value {
        self.0
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v)
            .unwrap_or(&Value::Null)
    }

    fn str(&self, k: &str) -> String {
        self.get(k).as_str().unwrap_or("").to_string()
    }

    /// Overlays a request body's values on the defaults, as Go's
    /// `json.Decode` into the prefilled struct does (unknown keys ignored).
    pub fn overlay(&mut self, body: &Map<String, Value>) {
        for (k, v) in self.0.iter_mut() {
            if let Some(x) = body.get(*k) {
                *v = x.clone();
            }
        }
    }
}

/// What a test sends: the event and the handler kind and options.
struct Send {
    event: Event,
    kind: &'static str,
    handler: Map<String, Value>,
}

pub struct ServiceTest {
    pub name: &'static str,
    defaults: fn(&HandlerConfigs) -> Options,
    send: fn(&Options) -> Result<Send, String>,
}

fn level_of(o: &Options, key: &str) -> Result<Level, String> {
    let l = o.str(key);
    parse_level(&l).ok_or_else(|| format!("unknown alert level '{l}'"))
}

fn event(id: String, message: String, level: Level) -> Event {
    Event {
        id,
        message,
        level,
        time: now_ns(),
        ..Event::default()
    }
}

/// `(key, value)` pairs of the options that are set (non-empty).
fn handler_opts(o: &Options, keys: &[(&str, &str)]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|(from, to)| {
            let v = o.get(from);
            let empty = match v {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(m) => m.is_empty(),
                Value::Bool(b) => !b,
                Value::Number(_) => false,
            };
            (!empty).then(|| (to.to_string(), v.clone()))
        })
        .collect()
}

/// Now as Go's `time.Time` marshals (RFC3339Nano, UTC).
fn rfc3339_now() -> String {
    let mut s = String::new();
    runtime::template::gotime::rfc3339_nano(now_ns(), &mut s);
    s
}

fn list(v: &[String]) -> Value {
    if v.is_empty() {
        Value::Null
    } else {
        json!(v)
    }
}

/// Every service test, sorted by name (the list order).
pub static SERVICE_TESTS: &[ServiceTest] = &[
    ServiceTest {
        name: "alerta",
        defaults: |c| {
            Options(vec![
                ("resource", json!("testResource")),
                ("event", json!("testEvent")),
                ("environment", json!(c.alerta.environment)),
                ("severity", json!("critical")),
                ("group", json!("testGroup")),
                ("value", json!("testValue")),
                ("message", json!("test alerta message")),
                ("origin", json!(c.alerta.origin)),
                ("service", json!(["testServiceA", "testServiceB"])),
                ("correlate", json!(["testServiceX", "testServiceY"])),
                ("timeout", json!("24h0m0s")),
            ])
        },
        send: |o| {
            let level = match o.str("severity").to_ascii_lowercase().as_str() {
                "ok" => Level::Ok,
                "informational" | "info" => Level::Info,
                "warning" => Level::Warning,
                _ => Level::Critical,
            };
            Ok(Send {
                event: event(o.str("event"), o.str("message"), level),
                kind: "alerta",
                handler: handler_opts(
                    o,
                    &[
                        ("resource", "resource"),
                        ("event", "event"),
                        ("environment", "environment"),
                        ("group", "group"),
                        ("value", "value"),
                        ("origin", "origin"),
                        ("service", "services"),
                        ("correlate", "correlated"),
                        ("timeout", "timeout"),
                    ],
                ),
            })
        },
    },
    ServiceTest {
        name: "alertmanager",
        defaults: |_| {
            Options(vec![
                ("alert_id", json!("testAlertmanager")),
                ("message", json!("test alertmanager message")),
                ("level", json!("CRITICAL")),
                ("labels", json!({})),
                ("annotations", json!({})),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(o.str("alert_id"), o.str("message"), level_of(o, "level")?),
                kind: "alertmanager",
                handler: handler_opts(o, &[("labels", "labels"), ("annotations", "annotations")]),
            })
        },
    },
    ServiceTest {
        name: "bigpanda",
        defaults: |_| {
            Options(vec![
                ("app_key", json!("my-app-key-123456")),
                ("message", json!("test bigpanda message")),
                ("level", json!("CRITICAL")),
                (
                    "event_data",
                    json!({"Name": "testBigPanda", "TaskName": "", "Group": "", "Tags": {}, "Fields": {}, "Result": {"series": null}}),
                ),
                ("timestamp", json!("1970-01-01T00:00:01Z")),
            ])
        },
        send: |o| {
            // Kapacitor's test sends no alert ID and no details.
            let mut ev = event(String::new(), o.str("message"), level_of(o, "level")?);
            ev.time = 1_000_000_000;
            if let Some(n) = o.get("event_data").get("Name").and_then(Value::as_str) {
                ev.name = n.into();
            }
            Ok(Send {
                event: ev,
                kind: "bigpanda",
                handler: handler_opts(o, &[("app_key", "app-key")]),
            })
        },
    },
    ServiceTest {
        name: "discord",
        defaults: |c| {
            let workspace = c
                .discord("")
                .map(|d| d.workspace.clone())
                .unwrap_or_default();
            Options(vec![
                ("workspace", json!(workspace)),
                ("message", json!("test discord message")),
                ("level", json!("INFO")),
                ("username", json!("")),
                ("avatar-url", json!("")),
                ("embed-title", json!("Kapacitor Alert")),
                ("timestamp", json!(true)),
                // Kapacitor's test options tag their time field "color".
                ("color", json!(rfc3339_now())),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(String::new(), o.str("message"), level_of(o, "level")?),
                kind: "discord",
                handler: handler_opts(
                    o,
                    &[
                        ("workspace", "workspace"),
                        ("username", "username"),
                        ("avatar-url", "avatar-url"),
                        ("embed-title", "embed-title"),
                        ("timestamp", "timestamp"),
                    ],
                ),
            })
        },
    },
    ServiceTest {
        name: "hipchat",
        defaults: |c| {
            Options(vec![
                ("room", json!(c.hipchat.room)),
                ("message", json!("test hipchat message")),
                ("level", json!("CRITICAL")),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(String::new(), o.str("message"), level_of(o, "level")?),
                kind: "hipchat",
                handler: handler_opts(o, &[("room", "room")]),
            })
        },
    },
    ServiceTest {
        name: "kafka",
        defaults: |_| {
            Options(vec![
                ("cluster", json!("example")),
                ("topic", json!("test")),
                ("key", json!("key")),
                ("message", json!("test kafka message")),
            ])
        },
        send: |o| {
            // Kapacitor writes the raw key and message, partitioned by
            // sarama's default (fnv-1a): the handler does the same with
            // the key as the alert ID and the message as the whole body.
            let mut handler = Map::new();
            handler.insert("cluster".into(), json!(o.str("cluster")));
            handler.insert("topic".into(), json!(o.str("topic")));
            handler.insert("template".into(), json!("{{.Message}}"));
            handler.insert("disablePartitionById".into(), json!(true));
            Ok(Send {
                event: event(o.str("key"), o.str("message"), Level::Critical),
                kind: "kafka",
                handler,
            })
        },
    },
    ServiceTest {
        name: "mqtt",
        defaults: |c| {
            let broker = c.mqtt("").map(|m| m.name.clone()).unwrap_or_default();
            Options(vec![
                ("broker-name", json!(broker)),
                ("topic", json!("")),
                ("message", json!("test MQTT message")),
                ("qos", json!("at-most-once")),
                ("retained", json!(false)),
            ])
        },
        send: |o| {
            // Kapacitor's QoSLevel text (its decoder spells the last one
            // "exactly-one").
            let qos = match o.get("qos") {
                Value::String(q) if q == "at-most-once" => 0,
                Value::String(q) if q == "at-least-once" => 1,
                Value::String(q) if q == "exactly-one" => 2,
                Value::Number(n) if n.as_i64().is_some_and(|q| (0..=2).contains(&q)) => {
                    n.as_i64().unwrap_or(0)
                }
                _ => return Err("invalid QoS".into()),
            };
            let mut handler = Map::new();
            handler.insert("broker-name".into(), json!(o.str("broker-name")));
            handler.insert("topic".into(), json!(o.str("topic")));
            handler.insert("qos".into(), json!(qos));
            handler.insert(
                "retained".into(),
                json!(o.get("retained").as_bool().unwrap_or(false)),
            );
            Ok(Send {
                event: event(String::new(), o.str("message"), Level::Critical),
                kind: "mqtt",
                handler,
            })
        },
    },
    ServiceTest {
        name: "opsgenie",
        defaults: |c| {
            Options(vec![
                ("teams", list(&c.opsgenie.teams)),
                ("recipients", list(&c.opsgenie.recipients)),
                ("message-type", json!("CRITICAL")),
                ("message", json!("test opsgenie message")),
                ("entity-id", json!("testEntityID")),
            ])
        },
        send: |o| {
            let t = o.str("message-type");
            let level = if t == "RECOVERY" {
                Level::Ok
            } else {
                level_of(o, "message-type")?
            };
            Ok(Send {
                event: event(o.str("entity-id"), o.str("message"), level),
                kind: "opsgenie",
                handler: handler_opts(o, &[("teams", "teams"), ("recipients", "recipients")]),
            })
        },
    },
    ServiceTest {
        name: "opsgenie2",
        defaults: |c| {
            Options(vec![
                ("teams", list(&c.opsgenie2.teams)),
                ("recipients", list(&c.opsgenie2.recipients)),
                ("message-type", json!("CRITICAL")),
                ("message", json!("test opsgenie message")),
                ("entity-id", json!("testEntityID")),
            ])
        },
        send: |o| {
            let t = o.str("message-type");
            let level = if t == "RECOVERY" {
                Level::Ok
            } else {
                level_of(o, "message-type")?
            };
            Ok(Send {
                event: event(o.str("entity-id"), o.str("message"), level),
                kind: "opsgenie2",
                handler: handler_opts(o, &[("teams", "teams"), ("recipients", "recipients")]),
            })
        },
    },
    ServiceTest {
        name: "pagerduty2",
        defaults: |_| {
            Options(vec![
                ("alert_id", json!("testAlertID")),
                ("description", json!("test pagerduty2 message")),
                ("level", json!("CRITICAL")),
                (
                    "event_data",
                    json!({"Name": "testPagerDuty2", "TaskName": "", "Group": "", "Tags": {}, "Fields": {}, "Result": {"series": null}}),
                ),
                ("timestamp", json!("2014-11-12T11:45:26.371Z")),
                (
                    "links",
                    json!([{"href": "https://example.com/a", "text": "a"}, {"href": "https://example.com/b", "text": "b"}]),
                ),
            ])
        },
        send: |o| {
            let mut ev = event(
                o.str("alert_id"),
                o.str("description"),
                level_of(o, "level")?,
            );
            if let Some(n) = o.get("event_data").get("Name").and_then(Value::as_str) {
                ev.name = n.into();
            }
            Ok(Send {
                event: ev,
                kind: "pagerduty2",
                handler: Map::new(),
            })
        },
    },
    ServiceTest {
        name: "pushover",
        defaults: |c| {
            Options(vec![
                ("user-key", json!(c.pushover.user_key)),
                ("message", json!("test pushover message")),
                ("device", json!("")),
                ("title", json!("")),
                ("url", json!("")),
                ("url-title", json!("")),
                ("sound", json!("")),
                ("level", json!("CRITICAL")),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(String::new(), o.str("message"), level_of(o, "level")?),
                kind: "pushover",
                handler: handler_opts(
                    o,
                    &[
                        ("user-key", "user-key"),
                        ("device", "device"),
                        ("title", "title"),
                        ("url", "url"),
                        ("url-title", "url-title"),
                        ("sound", "sound"),
                    ],
                ),
            })
        },
    },
    ServiceTest {
        name: "sensu",
        defaults: |_| {
            Options(vec![
                ("name", json!("testName")),
                ("source", json!("Kapacitor")),
                ("output", json!("testOutput")),
                ("handlers", json!([])),
                ("metadata", json!({})),
                ("level", json!("CRITICAL")),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(o.str("name"), o.str("output"), level_of(o, "level")?),
                kind: "sensu",
                handler: handler_opts(
                    o,
                    &[
                        ("source", "source"),
                        ("handlers", "handlers"),
                        ("metadata", "metadata"),
                    ],
                ),
            })
        },
    },
    ServiceTest {
        name: "servicenow",
        defaults: |_| {
            Options(vec![
                ("alert_id", json!("id")),
                ("source", json!("Kapacitor")),
                ("level", json!("CRITICAL")),
                ("message", json!("test servicenow alert")),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(o.str("alert_id"), o.str("message"), level_of(o, "level")?),
                kind: "servicenow",
                handler: handler_opts(o, &[("source", "source")]),
            })
        },
    },
    ServiceTest {
        name: "slack",
        defaults: |c| {
            let channel = c
                .slack
                .first()
                .map(|s| s.channel.clone())
                .unwrap_or_default();
            Options(vec![
                ("workspace", json!("")),
                ("channel", json!(channel)),
                ("message", json!("test slack message")),
                ("level", json!("CRITICAL")),
                ("username", json!("")),
                ("icon-emoji", json!("")),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(String::new(), o.str("message"), level_of(o, "level")?),
                kind: "slack",
                handler: handler_opts(
                    o,
                    &[
                        ("workspace", "workspace"),
                        ("channel", "channel"),
                        ("username", "username"),
                        ("icon-emoji", "icon-emoji"),
                    ],
                ),
            })
        },
    },
    ServiceTest {
        name: "smtp",
        defaults: |c| {
            Options(vec![
                ("to", list(&c.smtp.to)),
                ("subject", json!("test subject")),
                ("body", json!("test body")),
            ])
        },
        send: |o| {
            let mut ev = event(String::new(), o.str("subject"), Level::Critical);
            ev.details = o.str("body");
            Ok(Send {
                event: ev,
                kind: "smtp",
                handler: handler_opts(o, &[("to", "to")]),
            })
        },
    },
    ServiceTest {
        name: "snmptrap",
        defaults: |_| {
            Options(vec![
                ("trap-oid", json!("1.1.1.1")),
                (
                    "data-list",
                    json!([{"oid": "1.1.1.1.2", "type": "s", "value": "test snmptrap message"}]),
                ),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(String::new(), String::new(), Level::Critical),
                kind: "snmptrap",
                handler: handler_opts(o, &[("trap-oid", "trap-oid"), ("data-list", "data-list")]),
            })
        },
    },
    ServiceTest {
        name: "talk",
        defaults: |_| {
            Options(vec![
                ("title", json!("testTitle")),
                ("text", json!("test talk text")),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(o.str("title"), o.str("text"), Level::Critical),
                kind: "talk",
                handler: Map::new(),
            })
        },
    },
    ServiceTest {
        name: "teams",
        defaults: |c| {
            Options(vec![
                ("channel_url", json!(c.teams.channel_url)),
                ("alert_topic", json!("test kapacitor alert topic")),
                ("alert_id", json!("foo/bar/bat")),
                ("message", json!("test teams message")),
                ("level", json!("CRITICAL")),
            ])
        },
        send: |o| {
            // Kapacitor's test posts to the configured channel URL.
            Ok(Send {
                event: event(o.str("alert_id"), o.str("message"), level_of(o, "level")?),
                kind: "teams",
                handler: Map::new(),
            })
        },
    },
    ServiceTest {
        name: "telegram",
        defaults: |c| {
            Options(vec![
                ("chat-id", json!(c.telegram.chat_id)),
                ("parse-mode", json!(c.telegram.parse_mode)),
                ("message", json!("test telegram message")),
                (
                    "disable-web-page-preview",
                    json!(c.telegram.disable_web_page_preview),
                ),
                (
                    "disable-notification",
                    json!(c.telegram.disable_notification),
                ),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(String::new(), o.str("message"), Level::Critical),
                kind: "telegram",
                handler: handler_opts(
                    o,
                    &[
                        ("chat-id", "chat-id"),
                        ("parse-mode", "parse-mode"),
                        ("disable-web-page-preview", "disable-web-page-preview"),
                        ("disable-notification", "disable-notification"),
                    ],
                ),
            })
        },
    },
    ServiceTest {
        name: "victorops",
        defaults: |c| {
            Options(vec![
                ("routingKey", json!(c.victorops.routing_key)),
                ("messageType", json!("CRITICAL")),
                ("message", json!("test victorops message")),
                ("entityID", json!("testEntityID")),
            ])
        },
        send: |o| {
            let t = o.str("messageType");
            let level = if t == "RECOVERY" {
                Level::Ok
            } else {
                level_of(o, "messageType")?
            };
            Ok(Send {
                event: event(o.str("entityID"), o.str("message"), level),
                kind: "victorops",
                handler: handler_opts(o, &[("routingKey", "routing-key")]),
            })
        },
    },
    ServiceTest {
        name: "zenoss",
        defaults: |c| {
            let z = &c.zenoss;
            Options(vec![
                ("alert_id", json!("1001")),
                ("level", json!("CRITICAL")),
                ("message", json!("test zenoss message")),
                ("action", json!(z.action)),
                ("method", json!(z.method)),
                ("type", json!(z.event_type)),
                ("tid", json!(z.tid)),
                ("summary", json!("")),
                ("device", json!("")),
                ("component", json!("")),
                ("event_class_key", json!("")),
                ("event_class", json!("")),
                ("collector", json!(z.collector)),
                ("custom_fields", json!({})),
            ])
        },
        send: |o| {
            Ok(Send {
                event: event(o.str("alert_id"), o.str("message"), level_of(o, "level")?),
                kind: "zenoss",
                handler: handler_opts(
                    o,
                    &[
                        ("action", "action"),
                        ("method", "method"),
                        ("type", "type"),
                        ("tid", "tid"),
                        ("summary", "summary"),
                        ("device", "device"),
                        ("component", "component"),
                        ("event_class_key", "event-class-key"),
                        ("event_class", "event-class"),
                        ("collector", "collector"),
                        ("custom_fields", "custom-fields"),
                    ],
                ),
            })
        },
    },
];

pub fn find(name: &str) -> Option<&'static ServiceTest> {
    SERVICE_TESTS.iter().find(|t| t.name == name)
}

impl ServiceTest {
    pub fn defaults(&self, cfg: &HandlerConfigs) -> Options {
        (self.defaults)(cfg)
    }

    /// Runs the test (blocking: it makes the service's request); the error
    /// text is the API's `message`.
    pub fn run(&self, options: &Options, config: &Config) -> Result<(), String> {
        let s = (self.send)(options)?;
        let ir = handler_from_options(s.kind, &s.handler).map_err(|e| e.to_string())?;
        let mut h = build_handler(&ir, config).map_err(|e| e.to_string())?;
        let json = s.event.to_json();
        h.handle(&s.event, &json).map_err(|e| match e {
            // Kapacitor's services answer a test with the bare text.
            HandlerError::NotEnabled(_) => "service is not enabled".to_string(),
            other => other.to_string(),
        })
    }
}

//! Exact requests of the discord, teams, bigPanda, serviceNow, zenoss,
//! talk, hipChat and alertmanager handlers for a CRITICAL and an OK event,
//! captured by a real local HTTP listener. Expected bodies are written by
//! hand from Kapacitor's Go structs and maps (struct fields in order, map
//! keys sorted, `json.Encoder`'s newline and HTML escaping).

use super::tests::{event, handler, http_server, s, Req};
use super::*;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;

/// A runtime config around the handler sections (enabled checks included).
fn with(cfg: &HandlerConfigs) -> Config {
    Config {
        handler_configs: cfg.clone(),
        ..Default::default()
    }
}

/// Builds `h` against the config `toml(base)` names, sends a CRITICAL then
/// an OK event through it and returns both captured requests.
fn critical_then_ok(toml: impl Fn(&str) -> String, h: impl Fn(&str) -> ir::Handler) -> (Req, Req) {
    let (base, server) = http_server(2);
    let cfg = HandlerConfigs::from_toml(&toml(&base)).unwrap();
    let mut built = build_handler(&h(&base), &with(&cfg)).unwrap();
    built.handle(&event(Level::Critical), "").unwrap();
    built.handle(&event(Level::Ok), "").unwrap();
    let mut reqs = server.join().unwrap();
    let ok = reqs.pop().unwrap();
    (reqs.pop().unwrap(), ok)
}

const DETAILS: &str = r"\u003cb\u003edetails\u003c/b\u003e";

#[test]
fn discord_sends_one_embed_per_event() {
    let (crit, ok) = critical_then_ok(
        |b| format!("[[discord]]\nenabled = true\nurl = \"{b}/api/webhooks/1/x\"\n"),
        |_| {
            handler(
                HandlerKind::Discord,
                vec![],
                vec![
                    ("username", vec![s("kap")]),
                    ("embedTitle", vec![s("Alert")]),
                    ("timestamp", vec![]),
                ],
            )
        },
    );
    assert_eq!(
        (crit.method.as_str(), crit.path.as_str()),
        ("POST", "/api/webhooks/1/x")
    );
    assert_eq!(crit.header("content-type"), Some("application/json"));
    assert_eq!(
        crit.body,
        "{\"embeds\":[{\"color\":16342867,\"title\":\"Alert\",\"description\":\"cpu:nil is CRITICAL\",\"timestamp\":\"2016-05-04T17:44:00Z\"}],\"username\":\"kap\"}\n"
    );
    assert_eq!(
        ok.body,
        "{\"embeds\":[{\"color\":8021490,\"title\":\"Alert\",\"description\":\"cpu:nil is OK\",\"timestamp\":\"2016-05-04T17:44:00Z\"}],\"username\":\"kap\"}\n"
    );
}

#[test]
fn discord_unknown_workspace_and_disabled_section() {
    let cfg = HandlerConfigs::from_toml(
        "[[discord]]\nenabled = true\nworkspace = \"a\"\nurl = \"http://x\"\n\
         [[discord]]\nenabled = true\nworkspace = \"b\"\nurl = \"http://y\"\ndefault = true\n",
    )
    .unwrap();
    let h = handler(
        HandlerKind::Discord,
        vec![],
        vec![("workspace", vec![s("zz")])],
    );
    let err = build_handler(&h, &with(&cfg)).err().unwrap();
    assert_eq!(err.to_string(), "discord workspace \"zz\" not found");
    let cfg = HandlerConfigs::from_toml("[[discord]]\nurl = \"http://x\"\n").unwrap();
    let h = handler(HandlerKind::Discord, vec![], vec![]);
    let mut built = build_handler(&h, &with(&cfg)).unwrap();
    let err = built.handle(&event(Level::Critical), "").unwrap_err();
    assert_eq!(err.to_string(), "discord: service is not enabled");
}

#[test]
fn teams_sends_a_message_card_to_the_handler_channel() {
    let (crit, ok) = critical_then_ok(
        |_| "[teams]\nenabled = true\nchannel-url = \"http://127.0.0.1:9/unused\"\n".into(),
        |b| {
            handler(
                HandlerKind::Teams,
                vec![],
                vec![("channelURL", vec![s(&format!("{b}/webhook/abc"))])],
            )
        },
    );
    assert_eq!(crit.path, "/webhook/abc");
    assert_eq!(crit.header("content-type"), Some("application/json"));
    assert_eq!(
        crit.body,
        r#"{"@type":"MessageCard","@context":"http://schema.org/extensions","title":"CRITICAL: [cpu:nil]","text":"cpu:nil is CRITICAL","summary":"CRITICAL: [cpu:nil] - cpu:nil is CRITICAL...","themeColor":"CC4A31"}"#
    );
    assert_eq!(
        ok.body,
        r#"{"@type":"MessageCard","@context":"http://schema.org/extensions","title":"OK: [cpu:nil]","text":"cpu:nil is OK","summary":"OK: [cpu:nil] - cpu:nil is OK...","themeColor":"34CC25"}"#
    );
}

#[test]
fn teams_summary_is_cut_to_70_bytes() {
    let (base, server) = http_server(1);
    let cfg = HandlerConfigs::from_toml(&format!(
        "[teams]\nenabled = true\nchannel-url = \"{base}/t\"\n"
    ))
    .unwrap();
    let mut ev = event(Level::Warning);
    ev.message = "x".repeat(100);
    let h = handler(HandlerKind::Teams, vec![], vec![]);
    build_handler(&h, &with(&cfg))
        .unwrap()
        .handle(&ev, "")
        .unwrap();
    let req = server.join().unwrap().pop().unwrap();
    // "WARNING: [cpu:nil] - " is 21 bytes, so 49 of the x's fit.
    let summary = format!("\"summary\":\"WARNING: [cpu:nil] - {}...\"", "x".repeat(49));
    assert!(req.body.contains(&summary), "{}", req.body);
    assert!(req.body.ends_with("\"themeColor\":\"FFA533\"}"));
}

#[test]
fn bigpanda_sends_a_sorted_map_with_tags_fields_and_attributes() {
    let (crit, ok) = critical_then_ok(
        |b| {
            format!("[bigpanda]\nenabled = true\nurl = \"{b}/data/v2/alerts\"\napp-key = \"app1\"\ntoken = \"tok\"\n")
        },
        |_| {
            handler(
                HandlerKind::BigPanda,
                vec![],
                vec![
                    ("primaryProperty", vec![s("host")]),
                    ("attribute", vec![s("team"), s("ops")]),
                ],
            )
        },
    );
    assert_eq!(crit.path, "/data/v2/alerts");
    assert_eq!(crit.header("authorization"), Some("Bearer tok"));
    assert_eq!(crit.header("content-type"), Some("application/json"));
    let want = |desc: &str, status: &str| {
        format!(
            "{{\"app_key\":\"app1\",\"check\":\"cpu:nil\",\"description\":\"{desc}\",\"details\":\"{DETAILS}\",\"host\":\"a\",\"primary_property\":\"host\",\"status\":\"{status}\",\"task\":\"cpu_alert:cpu\",\"team\":\"ops\",\"timestamp\":1462383840,\"usage_idle\":\"3.2\"}}\n"
        )
    };
    assert_eq!(crit.body, want("cpu:nil is CRITICAL", "critical"));
    assert_eq!(ok.body, want("cpu:nil is OK", "ok"));
}

#[test]
fn bigpanda_leaves_out_default_json_details() {
    let (base, server) = http_server(1);
    let cfg =
        HandlerConfigs::from_toml(&format!("[bigpanda]\nenabled = true\nurl = \"{base}/a\"\n"))
            .unwrap();
    let mut ev = event(Level::Critical);
    ev.details = "{&#34;Name&#34;:&#34;cpu&#34;}".into();
    let h = handler(
        HandlerKind::BigPanda,
        vec![],
        vec![("appKey", vec![s("k2")])],
    );
    build_handler(&h, &with(&cfg))
        .unwrap()
        .handle(&ev, "")
        .unwrap();
    let req = server.join().unwrap().pop().unwrap();
    assert!(!req.body.contains("\"details\""), "{}", req.body);
    assert!(
        req.body.starts_with("{\"app_key\":\"k2\",\"check\""),
        "{}",
        req.body
    );
    // "Bearer " with the empty token (the listener trims header values).
    assert_eq!(req.header("authorization"), Some("Bearer"));
}

#[test]
fn servicenow_renders_templates_and_uses_basic_auth() {
    let (crit, ok) = critical_then_ok(
        |b| {
            format!("[servicenow]\nenabled = true\nurl = \"{b}/api/global/em/jsonv2\"\nsource = \"kap-src\"\nusername = \"u\"\npassword = \"p\"\n")
        },
        |_| {
            handler(
                HandlerKind::ServiceNow,
                vec![],
                vec![
                    ("node", vec![s("{{ index .Tags \"host\" }}")]),
                    ("type", vec![s("CPU")]),
                    ("resource", vec![s("{{ .Name }}")]),
                    ("metricName", vec![s("usage_idle")]),
                ],
            )
        },
    );
    assert_eq!(crit.path, "/api/global/em/jsonv2");
    assert_eq!(crit.header("authorization"), Some("Basic dTpw"));
    assert_eq!(crit.header("content-type"), Some("application/json"));
    assert_eq!(
        crit.body,
        r#"{"source":"kap-src","node":"a","type":"CPU","resource":"cpu","metric_name":"usage_idle","message_key":"cpu:nil","severity":"1","description":"cpu:nil is CRITICAL"}"#
    );
    assert_eq!(
        ok.body,
        r#"{"source":"kap-src","node":"a","type":"CPU","resource":"cpu","metric_name":"usage_idle","message_key":"cpu:nil","severity":"5","description":"cpu:nil is OK"}"#
    );
}

#[test]
fn servicenow_additional_info_is_an_object_after_the_description() {
    let (base, server) = http_server(1);
    let cfg = HandlerConfigs::from_toml(&format!(
        "[servicenow]\nenabled = true\nurl = \"{base}/sn\"\n"
    ))
    .unwrap();
    let h = handler(
        HandlerKind::ServiceNow,
        vec![],
        vec![
            ("additionalInfo", vec![s("z"), s("{{ .TaskName }}")]),
            ("additionalInfo", vec![s("a"), s("1")]),
        ],
    );
    build_handler(&h, &with(&cfg))
        .unwrap()
        .handle(&event(Level::Warning), "")
        .unwrap();
    let req = server.join().unwrap().pop().unwrap();
    assert_eq!(req.header("authorization"), None);
    assert_eq!(
        req.body,
        r#"{"source":"","node":"","type":"","resource":"","metric_name":"","message_key":"cpu:nil","severity":"4","description":"cpu:nil is WARNING","additional_info":{"a":"1","z":"cpu_alert"}}"#
    );
}

#[test]
fn servicenow_bad_template_is_a_build_error() {
    let cfg =
        HandlerConfigs::from_toml("[servicenow]\nenabled = true\nurl = \"http://x\"\n").unwrap();
    let h = handler(
        HandlerKind::ServiceNow,
        vec![],
        vec![("node", vec![s("{{ .Nope")])],
    );
    assert!(matches!(
        build_handler(&h, &with(&cfg)),
        Err(HandlerError::Template(_))
    ));
}

#[test]
fn zenoss_sends_a_router_call_with_sorted_event_data() {
    let (crit, ok) = critical_then_ok(
        |b| {
            format!("[zenoss]\nenabled = true\nurl = \"{b}/zport/dmd/evconsole_router\"\nusername = \"z\"\npassword = \"pw\"\n[zenoss.severity-map]\nOK = 0\n")
        },
        |_| {
            handler(
                HandlerKind::Zenoss,
                vec![],
                vec![
                    ("device", vec![s("{{ index .Tags \"host\" }}")]),
                    ("component", vec![s("{{ .Name }}")]),
                    ("eventClass", vec![s("/Status")]),
                    ("customField", vec![s("team"), s("ops")]),
                    (
                        "customField",
                        vec![s("extra"), s("{\"z\": 2.50, \"a\": [1, \"<b>\"]}")],
                    ),
                ],
            )
        },
    );
    assert_eq!(crit.path, "/zport/dmd/evconsole_router");
    assert_eq!(crit.header("authorization"), Some("Basic ejpwdw=="));
    let want = |severity: &str, summary: &str| {
        format!(
            "{{\"action\":\"EventsRouter\",\"method\":\"add_event\",\"data\":[{{\"collector\":\"Kapacitor\",\"component\":\"cpu\",\"device\":\"a\",\"evclass\":\"/Status\",\"evclasskey\":\"\",\"extra\":{{\"a\":[1,\"\\u003cb\\u003e\"],\"z\":2.5}},\"severity\":{severity},\"summary\":\"{summary}\",\"team\":\"ops\"}}],\"type\":\"rpc\",\"tid\":1}}"
        )
    };
    assert_eq!(crit.body, want("\"Critical\"", "cpu:nil is CRITICAL"));
    // The severity map's OK entry was set to a number.
    assert_eq!(ok.body, want("0", "cpu:nil is OK"));
}

#[test]
fn talk_sends_title_text_and_author() {
    let (crit, ok) = critical_then_ok(
        |b| format!("[talk]\nenabled = true\nurl = \"{b}/hooks/t\"\nauthor_name = \"kap-bot\"\n"),
        |_| handler(HandlerKind::Talk, vec![], vec![]),
    );
    assert_eq!(crit.path, "/hooks/t");
    assert_eq!(
        crit.body,
        "{\"authorName\":\"kap-bot\",\"text\":\"cpu:nil is CRITICAL\",\"title\":\"cpu:nil\"}\n"
    );
    assert_eq!(
        ok.body,
        "{\"authorName\":\"kap-bot\",\"text\":\"cpu:nil is OK\",\"title\":\"cpu:nil\"}\n"
    );
}

#[test]
fn hipchat_posts_to_the_room_notification_with_the_token() {
    let (crit, ok) = critical_then_ok(
        |b| {
            format!("[hipchat]\nenabled = true\nurl = \"{b}/v2/room\"\nroom = \"cfg-room\"\ntoken = \"t k&n\"\n")
        },
        |_| handler(HandlerKind::HipChat, vec![], vec![("room", vec![s("ops")])]),
    );
    assert_eq!(crit.path, "/v2/room/ops/notification?auth_token=t+k%26n");
    assert_eq!(
        crit.body,
        "{\"color\":\"red\",\"from\":\"kapacitor\",\"message\":\"cpu:nil is CRITICAL\",\"notify\":true}\n"
    );
    assert_eq!(
        ok.body,
        "{\"color\":\"green\",\"from\":\"kapacitor\",\"message\":\"cpu:nil is OK\",\"notify\":true}\n"
    );
}

#[test]
fn alertmanager_alert_fires_and_resolves() {
    let (crit, ok) = critical_then_ok(
        |b| {
            format!("[alertmanager]\nenabled = true\nurl = \"{b}/\"\n[alertmanager.labels]\nenv = \"prod\"\n")
        },
        |_| {
            handler(
                HandlerKind::Alertmanager,
                vec![],
                vec![("annotation", vec![s("runbook"), s("http://r")])],
            )
        },
    );
    assert_eq!(
        (crit.method.as_str(), crit.path.as_str()),
        ("POST", "/api/v2/alerts")
    );
    assert_eq!(crit.header("content-type"), Some("application/json"));
    let labels = r#""labels":{"alertname":"cpu:nil","env":"prod","host":"a"}"#;
    let gen = r#""generatorURL":"http://localhost:9092/kapacitor/v1/tasks/cpu_alert""#;
    assert_eq!(
        crit.body,
        format!("[{{{labels},\"annotations\":{{\"description\":\"{DETAILS}\",\"level\":\"CRITICAL\",\"runbook\":\"http://r\",\"summary\":\"cpu:nil is CRITICAL\"}},\"startsAt\":\"2016-05-04T17:43:00Z\",{gen}}}]")
    );
    assert_eq!(
        ok.body,
        format!("[{{{labels},\"annotations\":{{\"description\":\"{DETAILS}\",\"level\":\"OK\",\"runbook\":\"http://r\",\"summary\":\"cpu:nil is OK\"}},\"startsAt\":\"2016-05-04T17:43:00Z\",\"endsAt\":\"2016-05-04T17:44:00Z\",{gen}}}]")
    );
}

#[test]
fn alertmanager_label_names_are_made_valid() {
    assert_eq!(alertmanager::label_name("host.name-x"), "host_name_x");
    assert_eq!(alertmanager::label_name("9lives"), "_9lives");
    assert_eq!(alertmanager::label_name("ok_1"), "ok_1");
}

#[test]
fn html_unescape_decodes_go_entities() {
    assert_eq!(
        bigpanda::html_unescape("{&#34;a&#34;:&lt;b&gt; &amp; &#x41; &bogus; &"),
        "{\"a\":<b> & A &bogus; &"
    );
}

#[test]
fn topic_handler_options_of_the_new_kinds() {
    use super::options::handler_from_options;
    use serde_json::json;
    let opts = |v: serde_json::Value| v.as_object().cloned().unwrap();
    let h = handler_from_options(
        "discord",
        &opts(json!({"workspace": "w", "username": "u", "avatar-url": "http://a", "embed-title": "T", "timestamp": true})),
    )
    .unwrap();
    for p in [
        "workspace",
        "username",
        "avatarURL",
        "embedTitle",
        "timestamp",
    ] {
        assert!(h.prop(p).is_some(), "{p}");
    }
    let h = handler_from_options("teams", &opts(json!({"channel-url": "http://t"}))).unwrap();
    assert_eq!(hstr(&h, "channelURL"), Some("http://t"));
    let h = handler_from_options(
        "bigpanda",
        &opts(
            json!({"app-key": "k", "host": "h", "primary-property": "p", "attributes": {"a": "1"}}),
        ),
    )
    .unwrap();
    assert_eq!(hstr(&h, "appKey"), Some("k"));
    assert_eq!(
        hpairs(&h, "attribute"),
        [("a".to_string(), "1".to_string())]
    );
    let h = handler_from_options(
        "servicenow",
        &opts(json!({"url": "http://s", "source": "s", "node": "n", "metric-name": "m", "message-key": "k", "additional-info": {"x": "y"}})),
    )
    .unwrap();
    assert_eq!(hstr(&h, "uRL"), Some("http://s"));
    assert_eq!(hstr(&h, "metricName"), Some("m"));
    let h = handler_from_options(
        "zenoss",
        &opts(json!({"tid": 7, "event-class-key": "k", "custom-fields": {"f": "v"}})),
    )
    .unwrap();
    assert_eq!(h.prop("tid").unwrap().args, [compiler::ir::Arg::Int(7)]);
    assert_eq!(
        hpairs(&h, "customField"),
        [("f".to_string(), "v".to_string())]
    );
    let h = handler_from_options("hipchat", &opts(json!({"room": "r", "token": "t"}))).unwrap();
    assert_eq!(
        (hstr(&h, "room"), hstr(&h, "token")),
        (Some("r"), Some("t"))
    );
    assert!(handler_from_options("talk", &Default::default()).is_ok());
    let h = handler_from_options(
        "alertmanager",
        &opts(json!({"labels": {"team": "ops"}, "annotations": {"runbook": "r"}})),
    )
    .unwrap();
    assert_eq!(
        hpairs(&h, "label"),
        [("team".to_string(), "ops".to_string())]
    );
    assert_eq!(
        hpairs(&h, "annotation"),
        [("runbook".to_string(), "r".to_string())]
    );
    assert!(matches!(
        handler_from_options("teams", &opts(json!({"channel": "x"}))),
        Err(options::OptionsError::UnknownOption { .. })
    ));
}

#[test]
fn global_sections_add_handlers_and_force_state_changes_only() {
    let node_of = |script: &str| {
        let (p, d) = compiler::check(script);
        let p = p.unwrap_or_else(|| panic!("{d:?}"));
        p.nodes
            .into_iter()
            .find(|n| n.kind == compiler::catalog::NodeKind::Alert)
            .unwrap()
    };
    let node = node_of("stream|from()|alert().crit(lambda: TRUE)");
    let cfg = |toml: &str| with(&HandlerConfigs::from_toml(toml).unwrap());
    let env = |c: &Config| -> Vec<String> {
        let env = crate::node::BuildEnv {
            task_name: "t",
            task_type: compiler::ir::TaskType::Stream,
            config: c,
        };
        build_all(&node, &env)
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    let c = cfg("[teams]\nenabled = true\nglobal = true\nchannel-url = \"http://x\"\n[zenoss]\nenabled = true\nglobal = false\n[alertmanager]\nenabled = true\nglobal = true\n");
    assert_eq!(env(&c), ["t:alert2:teams", "t:alert2:alertmanager"]);
    assert!(!forces_state_changes_only(&node, &c));
    let c = cfg("[bigpanda]\nenabled = true\nglobal = true\nstate-changes-only = true\n");
    assert!(forces_state_changes_only(&node, &c));
    // Kapacitor's discord service reports its `global` flag as
    // StateChangesOnly, so a global discord forces it.
    let c = cfg("[[discord]]\nenabled = true\nglobal = true\nurl = \"http://d\"\n");
    assert!(forces_state_changes_only(&node, &c));
    assert_eq!(env(&c), ["t:alert2:discord"]);
}

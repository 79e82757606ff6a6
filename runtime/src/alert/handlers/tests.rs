//! Handler tests against real local listeners (HTTP, TCP, SMTP), a real
//! child process and a real file, asserting the exact bytes that arrive.

use super::*;
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::message::{FieldValue, Str};
use crate::result::{Cell, Row};
use compiler::ir::{Arg, Property};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

const T: i64 = 1_462_383_840_000_000_000; // 2016-05-04T17:44:00Z

pub(super) fn event(level: Level) -> Event {
    Event {
        id: "cpu:nil".into(),
        message: format!("cpu:nil is {}", level.as_str()),
        details: "<b>details</b>".into(),
        time: T,
        duration: 60_000_000_000,
        level,
        previous_level: Level::Ok,
        recoverable: true,
        data: Row {
            name: Str::from("cpu"),
            tags: vec![(Str::from("host"), Str::from("a"))],
            columns: vec![Str::from("time"), Str::from("usage_idle")],
            values: vec![(T, vec![Cell::Field(FieldValue::Float(3.2))])],
        },
        task: Str::from("cpu_alert"),
        name: Str::from("cpu"),
        group: Str::from(""),
        tags: vec![(Str::from("host"), Str::from("a"))],
        fields: vec![(Str::from("usage_idle"), FieldValue::Float(3.2))],
    }
}

const DATA: &str = r#"{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","usage_idle"],"values":[["2016-05-04T17:44:00Z",3.2]]}]}"#;

pub(super) fn handler(
    kind: HandlerKind,
    args: Vec<Arg>,
    props: Vec<(&str, Vec<Arg>)>,
) -> ir::Handler {
    ir::Handler {
        kind,
        args,
        props: props
            .into_iter()
            .map(|(n, a)| Property {
                name: n.into(),
                args: a,
                span: Default::default(),
            })
            .collect(),
        span: Default::default(),
    }
}

pub(super) fn s(v: &str) -> Arg {
    Arg::String(v.into())
}

#[derive(Debug)]
pub(super) struct Req {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Req {
    pub(super) fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 server on 127.0.0.1:0 answering `n` requests with 200.
pub(super) fn http_server(n: usize) -> (String, JoinHandle<Vec<Req>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        let mut reqs = Vec::new();
        for _ in 0..n {
            let (stream, _) = l.accept().unwrap();
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let path = parts.next().unwrap_or("").to_string();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let mut w = stream;
            w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .unwrap();
            reqs.push(Req {
                method,
                path,
                headers,
                body: String::from_utf8(body).unwrap(),
            });
        }
        reqs
    });
    (base, h)
}

pub(super) fn one(base_and_handle: (String, JoinHandle<Vec<Req>>), f: impl FnOnce(&str)) -> Req {
    let (base, h) = base_and_handle;
    f(&base);
    h.join().unwrap().pop().unwrap()
}

#[test]
fn post_sends_event_json() {
    let ev = event(Level::Critical);
    let json = ev.to_json();
    let req = one(http_server(1), |base| {
        let h = handler(
            HandlerKind::Post,
            vec![s(&format!("{base}/alerts"))],
            vec![("header", vec![s("X-Team"), s("ops")])],
        );
        PostHandler::new(&h, &HandlerConfigs::default())
            .unwrap()
            .handle(&ev, &json)
            .unwrap();
    });
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/alerts");
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    assert_eq!(req.header("X-Team"), Some("ops"));
    assert_eq!(req.body, format!("{json}\n"));
    assert_eq!(
        json,
        format!(
            "{{\"id\":\"cpu:nil\",\"message\":\"cpu:nil is CRITICAL\",\"details\":\"\\u003cb\\u003edetails\\u003c/b\\u003e\",\
\"time\":\"2016-05-04T17:44:00Z\",\"duration\":60000000000,\"level\":\"CRITICAL\",\"data\":{DATA},\"previousLevel\":\"OK\",\"recoverable\":true}}"
        )
    );
}

use post::PostHandler;

#[test]
fn post_endpoint_with_alert_template_and_url_template() {
    let ev = event(Level::Warning);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!(
            "[[httppost]]\nendpoint = \"ep\"\nurl = \"{base}/hook/{{{{ .ID }}}}\"\nheaders = {{ Auth = \"k\" }}\n\
             alert-template = \"{{{{ .Message }}}} {{{{ range .Data.Series }}}}{{{{ .Name }}}}{{{{ end }}}}\"\n"
        ))
        .unwrap();
        let h = handler(HandlerKind::Post, vec![], vec![("endpoint", vec![s("ep")])]);
        PostHandler::new(&h, &cfg)
            .unwrap()
            .handle(&ev, &ev.to_json())
            .unwrap();
    });
    assert_eq!(req.path, "/hook/cpu:nil");
    assert_eq!(req.header("Auth"), Some("k"));
    assert_eq!(req.header("Content-Type"), None);
    assert_eq!(req.body, "cpu:nil is WARNING cpu");
}

#[test]
fn slack_payload() {
    let ev = event(Level::Critical);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!(
            "[slack]\nenabled = true\nurl = \"{base}/services/x\"\nchannel = \"#cfg\"\n"
        ))
        .unwrap();
        let h = handler(
            HandlerKind::Slack,
            vec![],
            vec![("channel", vec![s("#alerts")])],
        );
        slack::SlackHandler::new(&h, &cfg).handle(&ev, "").unwrap();
    });
    assert_eq!(req.path, "/services/x");
    assert_eq!(
        req.body,
        "{\"as_user\":false,\"attachments\":[{\"fallback\":\"cpu:nil is CRITICAL\",\"color\":\"danger\",\"text\":\"cpu:nil is CRITICAL\",\"mrkdwn_in\":[\"text\"]}],\"channel\":\"#alerts\",\"icon_emoji\":\"\",\"text\":\"\",\"username\":\"kapacitor\"}\n"
    );
}

#[test]
fn pagerduty_v1_payload() {
    let ev = event(Level::Warning);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!(
            "[pagerduty]\nenabled = true\nurl = \"{base}/create\"\nservice-key = \"sk\"\n"
        ))
        .unwrap();
        pagerduty::PagerDutyHandler::new(&handler(HandlerKind::PagerDuty, vec![], vec![]), &cfg)
            .handle(&ev, "")
            .unwrap();
    });
    assert_eq!(
        req.body,
        "{\"client\":\"kapacitor\",\"client_url\":\"http://localhost:9092/kapacitor/v1\",\"description\":\"cpu:nil is WARNING\",\"details\":\"<b>details</b>\",\"event_type\":\"trigger\",\"incident_key\":\"cpu:nil\",\"service_key\":\"sk\"}\n"
            .replace("<b>details</b>", "\\u003cb\\u003edetails\\u003c/b\\u003e")
    );
    // INFO is refused.
    let cfg = HandlerConfigs::default();
    let err =
        pagerduty::PagerDutyHandler::new(&handler(HandlerKind::PagerDuty, vec![], vec![]), &cfg)
            .handle(&event(Level::Info), "")
            .unwrap_err();
    assert!(
        matches!(&err, HandlerError::Rejected(m) if m.contains("'info' is currently ignored")),
        "{err}"
    );
}

#[test]
fn pagerduty2_payload() {
    let ev = event(Level::Ok);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!(
            "[pagerduty2]\nenabled = true\nurl = \"{base}/v2/enqueue\"\nrouting-key = \"rk\"\n"
        ))
        .unwrap();
        let h = handler(
            HandlerKind::PagerDuty2,
            vec![],
            vec![("link", vec![s("http://x/y"), s("dash")])],
        );
        pagerduty2::PagerDuty2Handler::new(&h, &cfg)
            .handle(&ev, "")
            .unwrap();
    });
    assert_eq!(
        req.body,
        format!(
            "{{\"routing_key\":\"rk\",\"event_action\":\"resolve\",\"dedup_key\":\"cpu:nil\",\"payload\":{{\"summary\":\"cpu:nil is OK\",\
\"source\":\"a\",\"severity\":\"info\",\"timestamp\":\"2016-05-04T17:44:00.000000000Z\",\"class\":\"cpu_alert\",\"component\":\"\",\"group\":\"\",\
\"custom_details\":{{\"result\":{DATA}}}}},\"images\":null,\"links\":[{{\"href\":\"http://x/y\",\"text\":\"dash\"}}],\"client\":\"kapacitor\",\
\"client_url\":\"http://localhost:9092/kapacitor/v1\"}}"
        )
    );
}

#[test]
fn victorops_payload() {
    let ev = event(Level::Ok);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!("[victorops]\nenabled = true\nurl = \"{base}/alert\"\napi-key = \"key\"\nrouting-key = \"cfgrk\"\n")).unwrap();
        let h = handler(
            HandlerKind::VictorOps,
            vec![],
            vec![("routingKey", vec![s("rk")])],
        );
        victorops::VictorOpsHandler::new(&h, &cfg)
            .handle(&ev, "")
            .unwrap();
    });
    assert_eq!(req.path, "/alert/key/rk");
    let data = crate::alert::handlers::jsonw::json_str(DATA);
    assert_eq!(
        req.body,
        format!(
            "{{\"data\":{data},\"entity_id\":\"cpu:nil\",\"message_type\":\"RECOVERY\",\"monitoring_tool\":\"kapacitor\",\
\"state_message\":\"cpu:nil is OK\",\"timestamp\":1462383840}}\n"
        )
    );
}

#[test]
fn opsgenie_v1_payload_and_recovery_url() {
    let (base, h) = http_server(2);
    let cfg = HandlerConfigs::from_toml(&format!(
        "[opsgenie]\nenabled = true\napi-key = \"k\"\nurl = \"{base}/v1/json/alert\"\nrecovery_url = \"{base}/v1/json/alert/note\"\n"
    ))
    .unwrap();
    let hd = handler(
        HandlerKind::OpsGenie,
        vec![],
        vec![("teams", vec![s("t1"), s("t2")])],
    );
    let mut og = opsgenie::OpsGenieHandler::new(&hd, &cfg);
    og.handle(&event(Level::Critical), "").unwrap();
    og.handle(&event(Level::Ok), "").unwrap();
    let reqs = h.join().unwrap();
    assert_eq!(reqs[0].path, "/v1/json/alert/");
    let desc = crate::alert::handlers::jsonw::json_str(DATA);
    assert_eq!(
        reqs[0].body,
        format!(
            "{{\"alias\":\"cpu:nil\",\"apiKey\":\"k\",\"description\":{desc},\"details\":{{\"Level\":\"CRITICAL\",\"Monitoring Tool\":\"Kapacitor\"}},\
\"entity\":\"cpu:nil\",\"message\":\"cpu:nil is CRITICAL\",\"monitoring_tool\":\"kapacitor\",\"note\":\"\",\"teams\":[\"t1\",\"t2\"]}}\n"
        )
    );
    assert_eq!(reqs[1].path, "/v1/json/alert/note/");
    assert!(reqs[1].body.contains("\"note\":\"cpu:nil is OK\""));
    assert!(reqs[1].body.contains("\"Level\":\"RECOVERY\""));
}

#[test]
fn opsgenie2_payload_and_recovery() {
    let (base, h) = http_server(2);
    let cfg = HandlerConfigs::from_toml(&format!(
        "[opsgenie2]\nenabled = true\napi-key = \"k\"\nurl = \"{base}/v2/alerts\"\n"
    ))
    .unwrap();
    let hd = handler(
        HandlerKind::OpsGenie2,
        vec![],
        vec![("teams", vec![s("ops")]), ("recipients", vec![s("bob")])],
    );
    let mut og = opsgenie2::OpsGenie2Handler::new(&hd, &cfg);
    og.handle(&event(Level::Warning), "").unwrap();
    og.handle(&event(Level::Ok), "").unwrap();
    let reqs = h.join().unwrap();
    assert_eq!(reqs[0].path, "/v2/alerts");
    assert_eq!(reqs[0].header("Authorization"), Some("GenieKey k"));
    let desc = crate::alert::handlers::jsonw::json_str(DATA);
    assert_eq!(
        reqs[0].body,
        format!(
            "{{\"entity\":\"cpu:nil\",\"alias\":\"Y3B1Om5pbA==\",\"message\":\"cpu:nil is WARNING\",\"note\":\"\",\"priority\":\"P3\",\
\"description\":{desc},\"details\":{{\"Monitoring Tool\":\"Kapacitor\",\"Level\":\"WARNING\",\"host\":\"a\",\"Kapacitor Task Name\":\"cpu\"}},\
\"responders\":[{{\"name\":\"ops\",\"type\":\"team\"}},{{\"username\":\"bob\",\"type\":\"user\"}}]}}"
        )
    );
    assert_eq!(
        reqs[1].path,
        "/v2/alerts/Y3B1Om5pbA==/notes?identifierType=alias"
    );
    assert_eq!(reqs[1].body, "{\"note\":\"cpu:nil is OK\"}");
}

#[test]
fn telegram_payload() {
    let ev = event(Level::Critical);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!("[telegram]\nenabled = true\nurl = \"{base}/bot\"\ntoken = \"TOK\"\nchat-id = \"123\"\n")).unwrap();
        let h = handler(
            HandlerKind::Telegram,
            vec![],
            vec![
                ("parseMode", vec![s("Markdown")]),
                ("disableNotification", vec![]),
            ],
        );
        telegram::TelegramHandler::new(&h, &cfg)
            .handle(&ev, "")
            .unwrap();
    });
    assert_eq!(req.path, "/botTOK/sendMessage");
    assert_eq!(
        req.body,
        "{\"chat_id\":\"123\",\"disable_notification\":true,\"parse_mode\":\"Markdown\",\"text\":\"cpu:nil is CRITICAL\"}\n"
    );
}

#[test]
fn alerta_payload() {
    let ev = event(Level::Critical);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!(
            "[alerta]\nenabled = true\nurl = \"{base}\"\ntoken = \"tok\"\ntoken-prefix = \"Key\"\nenvironment = \"prod\"\norigin = \"kapacitor\"\n"
        ))
        .unwrap();
        let h = handler(
            HandlerKind::Alerta,
            vec![],
            vec![
                ("resource", vec![s("{{ index .Tags \"host\" }}")]),
                ("services", vec![s("web")]),
            ],
        );
        alerta::AlertaHandler::new(&h, &cfg)
            .unwrap()
            .handle(&ev, "")
            .unwrap();
    });
    assert_eq!(req.path, "/alert");
    assert_eq!(req.header("Authorization"), Some("Key tok"));
    assert_eq!(
        req.body,
        format!(
            "{{\"environment\":\"prod\",\"event\":\"cpu:nil\",\"group\":\"nil\",\"origin\":\"kapacitor\",\"rawData\":{DATA},\"resource\":\"a\",\
\"service\":[\"web\"],\"severity\":\"critical\",\"tags\":[\"host=a\"],\"text\":\"cpu:nil is CRITICAL\",\"timeout\":86400,\"value\":\"\"}}\n"
        )
    );
}

#[test]
fn pushover_form() {
    let ev = event(Level::Warning);
    let req = one(http_server(1), |base| {
        let cfg = HandlerConfigs::from_toml(&format!("[pushover]\nenabled = true\nurl = \"{base}/1/messages.json\"\ntoken = \"t\"\nuser-key = \"u\"\n")).unwrap();
        let h = handler(
            HandlerKind::Pushover,
            vec![],
            vec![("title", vec![s("High CPU")]), ("sound", vec![s("siren")])],
        );
        pushover::PushoverHandler::new(&h, &cfg)
            .handle(&ev, "")
            .unwrap();
    });
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        req.body,
        "message=cpu%3Anil+is+WARNING&priority=0&sound=siren&title=High+CPU&token=t&user=u"
    );
}

#[test]
fn tcp_sends_json_and_blank_line() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let srv = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        s
    });
    let ev = event(Level::Critical);
    let json = ev.to_json();
    tcp::TcpHandler::new(&handler(HandlerKind::Tcp, vec![s(&addr)], vec![]))
        .unwrap()
        .handle(&ev, &json)
        .unwrap();
    assert_eq!(srv.join().unwrap(), format!("{json}\n\n"));
}

#[test]
fn sensu_payload_and_reply() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let srv = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        c.write_all(b"ok").unwrap();
        s
    });
    let cfg = HandlerConfigs::from_toml(&format!("[sensu]\nenabled = true\naddr = \"{addr}\"\n"))
        .unwrap();
    let mut ev = event(Level::Warning);
    ev.id = "cpu_alert".into();
    let h = handler(
        HandlerKind::Sensu,
        vec![],
        vec![
            ("handlers", vec![s("pager")]),
            ("metadata", vec![s("team"), s("ops")]),
        ],
    );
    sensu::SensuHandler::new(&h, &cfg).handle(&ev, "").unwrap();
    assert_eq!(
        srv.join().unwrap(),
        "{\"handlers\":[\"pager\"],\"name\":\"cpu_alert\",\"output\":\"cpu:nil is WARNING\",\"source\":\"Kapacitor\",\"status\":1,\"team\":\"ops\"}\n"
    );
    // IDs outside [\w.-] are refused before dialling.
    let err = sensu::SensuHandler::new(&h, &cfg)
        .handle(&event(Level::Warning), "")
        .unwrap_err();
    assert!(
        matches!(&err, HandlerError::Rejected(m) if m.contains("invalid name")),
        "{err}"
    );
}

#[test]
fn email_over_smtp() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let srv = std::thread::spawn(move || {
        let (c, _) = l.accept().unwrap();
        let mut w = c.try_clone().unwrap();
        let mut r = BufReader::new(c);
        let mut log = Vec::new();
        w.write_all(b"220 test ESMTP\r\n").unwrap();
        let mut in_data = false;
        let mut data = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    w.write_all(b"250 queued\r\n").unwrap();
                } else {
                    data.push_str(&line);
                }
                continue;
            }
            let cmd = line.trim_end().to_string();
            log.push(cmd.clone());
            let reply: &[u8] = if cmd.starts_with("EHLO") {
                b"250-test\r\n250 OK\r\n"
            } else if cmd == "DATA" {
                in_data = true;
                b"354 go\r\n"
            } else if cmd == "QUIT" {
                w.write_all(b"221 bye\r\n").unwrap();
                break;
            } else {
                b"250 OK\r\n"
            };
            w.write_all(reply).unwrap();
        }
        (log, data)
    });
    let cfg = HandlerConfigs::from_toml(&format!(
        "[smtp]\nenabled = true\nhost = \"127.0.0.1\"\nport = {port}\nfrom = \"kapacitor@example.com\"\nto = [\"cfg@example.com\"]\n"
    ))
    .unwrap();
    let h = handler(
        HandlerKind::Email,
        vec![s("ops@example.com")],
        vec![("to", vec![s("dev@example.com")])],
    );
    let mut ev = event(Level::Critical);
    ev.details = "line1\n.dot line".into();
    email::EmailHandler::new(&h, &cfg).handle(&ev, "").unwrap();
    let (log, data) = srv.join().unwrap();
    assert_eq!(
        log,
        [
            "EHLO localhost",
            "MAIL FROM:<kapacitor@example.com>",
            "RCPT TO:<ops@example.com>",
            "RCPT TO:<dev@example.com>",
            "DATA",
            "QUIT"
        ]
    );
    assert_eq!(
        data,
        "From: kapacitor@example.com\r\nTo: ops@example.com, dev@example.com\r\nSubject: cpu:nil is CRITICAL\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n\r\nline1\r\n..dot line\r\n"
    );
}

#[test]
fn exec_writes_event_to_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdin.txt");
    let ev = event(Level::Critical);
    let json = ev.to_json();
    let h = handler(
        HandlerKind::Exec,
        vec![
            s("/bin/sh"),
            s("-c"),
            s(&format!("cat > {}", out.display())),
        ],
        vec![],
    );
    exec::ExecHandler::new(&h)
        .unwrap()
        .handle(&ev, &json)
        .unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("{json}\n"));
    // A failing program is an error carrying its output.
    let h = handler(
        HandlerKind::Exec,
        vec![s("/bin/sh"), s("-c"), s("echo boom; exit 3")],
        vec![],
    );
    let err = exec::ExecHandler::new(&h)
        .unwrap()
        .handle(&ev, &json)
        .unwrap_err();
    assert!(
        matches!(&err, HandlerError::Protocol(m) if m.contains("boom")),
        "{err}"
    );
}

#[test]
fn log_appends_lines_with_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.log");
    let p = path.display().to_string();
    let h = handler(
        HandlerKind::Log,
        vec![s(&p)],
        vec![("mode", vec![Arg::Int(0o640)])],
    );
    let mut lh = log::LogHandler::new(&h).unwrap();
    let a = event(Level::Critical);
    let b = event(Level::Ok);
    lh.handle(&a, &a.to_json()).unwrap();
    lh.handle(&b, &b.to_json()).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{}\n{}\n", a.to_json(), b.to_json())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
    assert!(
        log::LogHandler::new(&handler(HandlerKind::Log, vec![s("relative.log")], vec![])).is_err()
    );
}

#[test]
fn non_2xx_is_an_error() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let srv = std::thread::spawn(move || {
        let (c, _) = l.accept().unwrap();
        let mut r = BufReader::new(c.try_clone().unwrap());
        let mut len = 0;
        loop {
            let mut h = String::new();
            r.read_line(&mut h).unwrap();
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            if h.trim_end().is_empty() {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        let mut w = c;
        w.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope").unwrap();
    });
    let ev = event(Level::Critical);
    let h = handler(HandlerKind::Post, vec![s(&base)], vec![]);
    let err = PostHandler::new(&h, &HandlerConfigs::default())
        .unwrap()
        .handle(&ev, &ev.to_json())
        .unwrap_err();
    srv.join().unwrap();
    assert!(
        matches!(&err, HandlerError::Status { status: 500, body, .. } if body == "nope"),
        "{err}"
    );
}

#[test]
fn config_sections_parse_with_defaults() {
    let c = HandlerConfigs::from_toml(
        "hostname = \"kap1\"\n[http]\nbind-address = \":9999\"\n[[slack]]\nworkspace = \"a\"\nurl = \"u1\"\ndefault = false\n\
         [[slack]]\nworkspace = \"b\"\nurl = \"u2\"\n[influxdb]\nurls = [\"x\"]\n",
    )
    .unwrap();
    assert_eq!(c.hostname.as_deref(), Some("kap1"));
    assert_eq!(c.client_url(), "http://localhost:9999/kapacitor/v1");
    assert_eq!(c.slack("a").url, "u1");
    assert_eq!(c.slack("").url, "u2");
    assert_eq!(c.slack("b").username, "kapacitor");
    assert_eq!(c.pagerduty2.url, "https://events.pagerduty.com/v2/enqueue");
    assert_eq!(c.smtp.port, 25);
    assert!(HandlerConfigs::from_toml("[smtp]\nport = \"x\"").is_err());
}

#[test]
fn disabled_sections_refuse_events() {
    let cfg =
        crate::config::Config::from_toml("[slack]\nurl = \"http://127.0.0.1:1/x\"\n").unwrap();
    let env = BuildEnv {
        task_name: "t",
        task_type: compiler::ir::TaskType::Stream,
        config: &cfg,
    };
    let mut h = build_one(&handler(HandlerKind::Slack, vec![], vec![]), &env)
        .ok()
        .unwrap();
    let err = h.handle(&event(Level::Critical), "").unwrap_err();
    assert!(matches!(err, HandlerError::NotEnabled(HandlerKind::Slack)));
    assert_eq!(err.to_string(), "slack: service is not enabled");
}

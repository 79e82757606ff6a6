//! `httpPost([url])` (reference §4.2 "Outputs"): exactly one of the url
//! argument or `.endpoint(name)` (a `[[httppost]]` config section).
//! `header(k, v)` (not `Authenticate`), `codeField(s)`, `captureResponse()`,
//! `timeout(d)`. Each point (or batch) is POSTed as one Row JSON object
//! (api.md §5.4), then passed on; with `codeField` the HTTP status (0 on a
//! transport failure) is written into that field first.
//!
//! In `tickc run` without `--handlers` nothing is sent: each point (each
//! batch point) is output as `{"kind":"point",...}` line protocol instead.

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::line_protocol::{to_line, Precision};
use crate::message::{FieldValue, Message, Point, Str};
use crate::output::Output;
use crate::result::{row_from_batch, row_from_point, write_row};
use compiler::ir::{self, Arg};
use std::sync::Arc;
use std::time::Duration;

pub struct HttpPost {
    /// `None` when not posting (offline run without handlers).
    target: Option<Target>,
    code_field: Option<Str>,
}

struct Target {
    url: String,
    headers: Vec<(String, String)>,
    agent: ureq::Agent,
    capture_response: bool,
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let url = node
        .args
        .first()
        .and_then(Arg::as_str)
        .filter(|s| !s.is_empty());
    let endpoint = node.string("endpoint").filter(|s| !s.is_empty());
    if url.is_some() == endpoint.is_some() {
        return Err(BuildError::new(
            node,
            "must provide exactly one of url or endpoint",
        ));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for p in node.props_named("header") {
        match (
            p.arg(0).and_then(Arg::as_str),
            p.arg(1).and_then(Arg::as_str),
        ) {
            (Some(k), Some(v)) => {
                if k.eq_ignore_ascii_case("authenticate") {
                    return Err(BuildError::new(node, "cannot set 'authenticate' header"));
                }
                headers.push((k.to_string(), v.to_string()));
            }
            _ => return Err(BuildError::new(node, "header needs a key and a value")),
        }
    }
    let target = if env.config.handlers_enabled {
        let url = match (url, endpoint) {
            (Some(u), _) => u.to_string(),
            (None, Some(e)) => {
                let cfg = env.config.handler_configs.httppost(e).ok_or_else(|| {
                    BuildError::new(node, format!("no httppost endpoint named {e:?} configured"))
                })?;
                let mut h: Vec<(String, String)> = cfg
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                h.append(&mut headers);
                headers = h;
                cfg.url.clone()
            }
            (None, None) => unreachable!("checked above"),
        };
        let timeout = node
            .duration("timeout")
            .filter(|d| *d > 0)
            .map(|d| Duration::from_nanos(d as u64));
        let agent = crate::net_policy::agent(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(timeout)
                .build(),
        );
        Some(Target {
            url,
            headers,
            agent,
            capture_response: node.flag("captureResponse"),
        })
    } else {
        None
    };
    Ok(Box::new(HttpPost {
        target,
        code_field: node
            .string("codeField")
            .filter(|s| !s.is_empty())
            .map(Str::from),
    }))
}

impl Target {
    /// POST one row; returns the status (0 on transport failure).
    fn post(&self, body: String, cx: &mut NodeCx<'_>) -> i64 {
        let mut req = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json");
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.send(body.as_bytes()) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if !(200..300).contains(&status) {
                    let text = if self.capture_response {
                        resp.body_mut().read_to_string().unwrap_or_default()
                    } else {
                        String::new()
                    };
                    cx.error(format!(
                        "POST {}: unexpected response code {status} {text}",
                        self.url
                    ));
                }
                i64::from(status)
            }
            Err(e) => {
                cx.error(format!("failed to POST row: {e}"));
                0
            }
        }
    }
}

impl NodeImpl for HttpPost {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(mut p) => {
                match &self.target {
                    None => {
                        let line = to_line(&p, Precision::Nanoseconds);
                        cx.output(Output::Point {
                            node: cx.node,
                            line: &line,
                        });
                    }
                    Some(t) => {
                        let mut body = String::new();
                        write_row(&mut body, &row_from_point(&p));
                        let code = t.post(body, cx);
                        if let Some(f) = &self.code_field {
                            set(&mut Arc::make_mut(&mut p).fields, f, FieldValue::Int(code));
                        }
                    }
                }
                cx.emit(Message::Point(p));
            }
            Message::Batch(mut b) => {
                match &self.target {
                    None => {
                        for bp in &b.points {
                            let p = Point {
                                name: b.name.clone(),
                                database: Str::from(""),
                                retention_policy: Str::from(""),
                                tags: bp.tags.clone(),
                                fields: bp.fields.clone(),
                                time: bp.time,
                                group: b.group.clone(),
                            };
                            let line = to_line(&p, Precision::Nanoseconds);
                            cx.output(Output::Point {
                                node: cx.node,
                                line: &line,
                            });
                        }
                    }
                    Some(t) => {
                        let mut body = String::new();
                        write_row(&mut body, &row_from_batch(&b));
                        let code = t.post(body, cx);
                        if let Some(f) = &self.code_field {
                            for bp in &mut Arc::make_mut(&mut b).points {
                                set(&mut bp.fields, f, FieldValue::Int(code));
                            }
                        }
                    }
                }
                cx.emit(Message::Batch(b));
            }
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::message::Message;
    use crate::node::harness::{f, pipeline, s, serve_once, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;
    use std::net::TcpListener;

    #[test]
    fn offline_outputs_lines_and_passes_through() {
        let mut h = Harness::new(
            false,
            NodeKind::HttpPost,
            vec![s("http://example.invalid/")],
            vec![],
        );
        h.point(point("cpu", &[("host", "a")], &[("v", f(2.0))], secs(3)));
        assert_eq!(
            h.sink.lines,
            vec!["{\"kind\":\"point\",\"node\":\"http_post1\",\"line\":\"cpu,host=a v=2 3000000000\"}\n"]
        );
        assert_eq!(h.take().len(), 1);
        assert!(Harness::try_new(false, NodeKind::HttpPost, vec![], vec![]).is_err());
    }

    #[test]
    fn with_handlers_posts_the_row_and_records_the_code() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = serve_once(listener, 200);
        let (p, id) = pipeline(
            false,
            NodeKind::HttpPost,
            vec![Arg::String(format!("http://{addr}/rows"))],
            vec![
                ("header", vec![s("X-Test"), s("yes")]),
                ("codeField", vec![s("code")]),
            ],
        );
        let config = Config {
            handlers_enabled: true,
            ..Config::default()
        };
        let mut h = Harness::with_config(&p, id, config).expect("builds");
        h.point(point("cpu", &[("host", "a")], &[("v", f(2.0))], 0));
        let (line, headers, body) = server.join().expect("server");
        assert_eq!(line, "POST /rows HTTP/1.1");
        assert!(headers.contains(&("x-test".to_string(), "yes".to_string())));
        assert!(headers.contains(&("content-type".to_string(), "application/json".to_string())));
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[["1970-01-01T00:00:00Z",2]]}"#
        );
        let out = h.take();
        let Message::Point(p) = &out[0] else { panic!() };
        assert_eq!(p.field("code"), Some(&crate::message::FieldValue::Int(200)));
    }
}

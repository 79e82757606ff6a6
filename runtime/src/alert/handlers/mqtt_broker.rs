//! One MQTT connection per `[[mqtt]]` broker, shared by every `.mqtt()`
//! handler of the process (Kapacitor's mqtt service keeps one paho client
//! per broker). A connection is opened on first use and replaced when the
//! broker's section changes (config overrides).
//!
//! rumqttc's sync `Client` only queues requests; its `Connection` must be
//! driven by a thread, which is where acknowledgements arrive. Kapacitor's
//! handler waits for paho's publish token (written for QoS 0, PUBACK for
//! QoS 1, PUBCOMP for QoS 2), so a publish here waits for the same event:
//! publishes are queued in order under one lock, the driver thread matches
//! each `Outgoing::Publish` to the oldest waiting ticket, and QoS 1/2
//! tickets complete on the broker's acknowledgement of their packet id.

use super::error::HandlerError;
use crate::config::handlers::MqttConfig;
use rumqttc::{
    Client, Connection, Event, Incoming, MqttOptions, Outgoing, QoS, TlsConfiguration, Transport,
};
use std::collections::{HashMap, VecDeque};
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a publish waits for the broker (connection and acknowledgement).
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between reconnection attempts after a failure.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// The connection's state as the publishers see it.
#[derive(Debug, Clone)]
enum Link {
    Connecting,
    Up,
    /// The last attempt failed; the driver keeps retrying.
    Down(String),
}

#[derive(Debug, Default)]
struct Tickets {
    next: u64,
    /// Publishes queued, not yet written, oldest first: (ticket, qos).
    queued: VecDeque<(u64, QoS)>,
    /// Written QoS 1/2 publishes by packet id.
    unacked: HashMap<u16, u64>,
    /// Finished tickets and their outcome.
    done: HashMap<u64, Result<(), String>>,
}

#[derive(Debug)]
struct State {
    link: Link,
    tickets: Tickets,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn update(&self, f: impl FnOnce(&mut State)) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
        self.changed.notify_all();
    }
}

/// A broker connection.
pub struct Broker {
    config: MqttConfig,
    client: Client,
    shared: Arc<Shared>,
    /// Keeps queue order equal to ticket order.
    publishing: Mutex<()>,
}

/// A broker URL: host, port and whether the connection is TLS.
fn parse_url(url: &str) -> Result<(String, u16, bool), HandlerError> {
    let bad = |why: &str| HandlerError::Invalid(format!("invalid MQTT broker url {url:?}: {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("want tcp://host:port or ssl://host:port"))?;
    let (tls, default_port) = match scheme {
        "tcp" | "mqtt" => (false, 1883),
        "ssl" | "tls" | "tcps" | "mqtts" => (true, 8883),
        "ws" | "wss" => {
            return Err(HandlerError::Invalid(format!(
            "MQTT broker url {url:?}: websocket brokers are not supported yet (tcp:// or ssl://)"
        )))
        }
        _ => return Err(bad("unknown scheme")),
    };
    let hostport = rest.trim_end_matches('/');
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("bad port"))?),
        None => (hostport, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok((host.to_string(), port, tls))
}

impl Broker {
    fn connect(config: &MqttConfig) -> Result<Broker, HandlerError> {
        let (host, port, tls) = parse_url(&config.url)?;
        let id = if config.client_id.is_empty() {
            &config.name
        } else {
            &config.client_id
        };
        // rumqttc dials by name: resolve here so the outbound policy sees the
        // addresses, and dial the first allowed one (TLS still checks `host`).
        let denied = |e: std::io::Error| {
            HandlerError::Protocol(format!("MQTT broker {:?}: {e}", config.name))
        };
        let resolved = (host.as_str(), port).to_socket_addrs().map_err(denied)?;
        let dial = crate::net_policy::allowed_addrs(resolved)
            .map_err(denied)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                HandlerError::Protocol(format!(
                    "MQTT broker {:?}: no address for {host}",
                    config.name
                ))
            })?;
        let dial_host = if tls {
            host.clone()
        } else {
            dial.ip().to_string()
        };
        let mut opts = MqttOptions::new(id.clone(), dial_host, port);
        // Kapacitor only publishes: a clean session keeps no state on the broker.
        opts.set_clean_session(true);
        opts.set_keep_alive(Duration::from_secs(30));
        if !config.username.is_empty() || !config.password.is_empty() {
            opts.set_credentials(config.username.clone(), config.password.clone());
        }
        if tls {
            let tls = super::tls_client::client_config(
                &config.ssl_ca,
                &config.ssl_cert,
                &config.ssl_key,
                config.insecure_skip_verify,
            )?;
            opts.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
        }
        let (client, connection) = Client::new(opts, 64);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                link: Link::Connecting,
                tickets: Tickets::default(),
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let driver = shared.clone();
        std::thread::Builder::new()
            .name(format!("mqtt-{}", config.name))
            .spawn(move || drive(connection, &driver))
            .map_err(HandlerError::io("mqtt: start connection thread"))?;
        Ok(Broker {
            config: config.clone(),
            client,
            shared,
            publishing: Mutex::new(()),
        })
    }

    /// Publishes and waits as paho's token does.
    pub fn publish(
        &self,
        topic: &str,
        qos: QoS,
        retained: bool,
        payload: &[u8],
    ) -> Result<(), HandlerError> {
        let failed =
            |m: String| HandlerError::Protocol(format!("MQTT broker {:?}: {m}", self.config.name));
        let deadline = Instant::now() + PUBLISH_TIMEOUT;
        let ticket = {
            let _order = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
            let mut s = self.wait(deadline, |s| !matches!(s.link, Link::Connecting));
            if let Link::Down(e) = &s.link {
                return Err(failed(format!("not connected: {e}")));
            }
            if matches!(s.link, Link::Connecting) {
                return Err(failed("timed out connecting".into()));
            }
            let t = s.tickets.next;
            s.tickets.next += 1;
            s.tickets.queued.push_back((t, qos));
            drop(s);
            if let Err(e) = self.client.publish(topic, qos, retained, payload.to_vec()) {
                self.shared
                    .update(|s| s.tickets.queued.retain(|(x, _)| *x != t));
                return Err(failed(e.to_string()));
            }
            t
        };
        let mut s = self.wait(deadline, |s| s.tickets.done.contains_key(&ticket));
        match s.tickets.done.remove(&ticket) {
            Some(r) => r.map_err(failed),
            None => {
                s.tickets.queued.retain(|(x, _)| *x != ticket);
                s.tickets.unacked.retain(|_, x| *x != ticket);
                Err(failed("timed out waiting for the acknowledgement".into()))
            }
        }
    }

    fn wait(
        &self,
        deadline: Instant,
        ready: impl Fn(&State) -> bool,
    ) -> std::sync::MutexGuard<'_, State> {
        let mut s = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        while !ready(&s) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            s = self
                .shared
                .changed
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        s
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = self.client.try_disconnect();
    }
}

/// The connection's driver thread: runs until the broker is dropped.
fn drive(mut connection: Connection, shared: &Shared) {
    loop {
        match connection.recv() {
            Err(_) => return, // every client handle is gone
            Ok(Ok(event)) => shared.update(|s| on_event(s, event)),
            Ok(Err(e)) => {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                // Requests held for a retransmission are failed instead:
                // their publishers were told so.
                connection.eventloop.pending.clear();
                let msg = e.to_string();
                shared.update(|s| {
                    s.link = Link::Down(msg.clone());
                    let t = &mut s.tickets;
                    let failed: Vec<u64> = t
                        .queued
                        .drain(..)
                        .map(|(x, _)| x)
                        .chain(t.unacked.drain().map(|(_, x)| x))
                        .collect();
                    for x in failed {
                        t.done.insert(x, Err(msg.clone()));
                    }
                });
                std::thread::sleep(RECONNECT_PAUSE);
            }
        }
    }
}

fn on_event(s: &mut State, event: Event) {
    let t = &mut s.tickets;
    match event {
        Event::Incoming(Incoming::ConnAck(_)) => s.link = Link::Up,
        Event::Outgoing(Outgoing::Publish(pkid)) => {
            if let Some((ticket, qos)) = t.queued.pop_front() {
                if qos == QoS::AtMostOnce {
                    t.done.insert(ticket, Ok(()));
                } else {
                    t.unacked.insert(pkid, ticket);
                }
            }
        }
        Event::Incoming(Incoming::PubAck(a)) => {
            if let Some(ticket) = t.unacked.remove(&a.pkid) {
                t.done.insert(ticket, Ok(()));
            }
        }
        Event::Incoming(Incoming::PubComp(a)) => {
            if let Some(ticket) = t.unacked.remove(&a.pkid) {
                t.done.insert(ticket, Ok(()));
            }
        }
        _ => {}
    }
}

static BROKERS: OnceLock<Mutex<HashMap<String, Arc<Broker>>>> = OnceLock::new();

/// The shared connection to the broker `config` describes, opened (or
/// reopened, when its section changed) on demand.
pub fn broker(config: &MqttConfig) -> Result<Arc<Broker>, HandlerError> {
    let mut all = BROKERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(b) = all.get(&config.name) {
        if b.config == *config {
            return Ok(b.clone());
        }
    }
    let b = Arc::new(Broker::connect(config)?);
    all.insert(config.name.clone(), b.clone());
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        assert_eq!(
            parse_url("tcp://127.0.0.1:1884").unwrap(),
            ("127.0.0.1".into(), 1884, false)
        );
        assert_eq!(
            parse_url("tcp://broker").unwrap(),
            ("broker".into(), 1883, false)
        );
        assert_eq!(
            parse_url("ssl://broker").unwrap(),
            ("broker".into(), 8883, true)
        );
        assert!(parse_url("127.0.0.1:1883").is_err());
        assert!(parse_url("tcp://:1883").is_err());
        assert!(parse_url("tcp://h:port").is_err());
        let e = parse_url("ws://h:8000").unwrap_err().to_string();
        assert!(e.contains("not supported"), "{e}");
    }
}

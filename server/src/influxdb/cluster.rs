//! One `[[influxdb]]` cluster at run time: its client and its subscription
//! sync loop. The loop runs on its own thread (the client is blocking):
//! ping with exponential backoff until InfluxDB answers — logging that it
//! is down and retrying in the background, never failing the server's
//! start — then link, then again every `subscriptions-sync-interval`.

use super::link::{LinkError, LinkSettings, LinkState, Linker};
use super::tokens::SubscriptionTokens;
use crate::udp::Ingest;
use runtime::influxdb::{Client, InfluxError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Backoff between pings while InfluxDB is unreachable: Kapacitor's
/// exponential backoff starts at 500ms and grows by 1.5; ours stops
/// growing at 5s so a server that comes back is noticed promptly.
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

pub struct Cluster {
    pub name: String,
    pub client: Arc<Client>,
    pub disable_subscriptions: bool,
    pub sync_interval: Duration,
    pub startup_timeout: Duration,
    /// Filled by `start` once the HTTP port is known.
    pub settings: OnceLock<LinkSettings>,
    state: Mutex<LinkState>,
    /// Lets a sleeping loop be woken early (the condvar's flag).
    woken: Mutex<bool>,
    wake: Condvar,
    connected: AtomicBool,
}

impl Cluster {
    pub fn new(
        name: String,
        client: Arc<Client>,
        disable_subscriptions: bool,
        sync_interval: Duration,
        startup_timeout: Duration,
    ) -> Cluster {
        Cluster {
            name,
            client,
            disable_subscriptions,
            sync_interval,
            startup_timeout,
            settings: OnceLock::new(),
            state: Mutex::new(LinkState::default()),
            woken: Mutex::new(false),
            wake: Condvar::new(),
            connected: AtomicBool::new(false),
        }
    }

    /// Our subscriptions after the last sync.
    pub fn subscription_count(&self) -> usize {
        lock(&self.state).count
    }

    /// One sync now (ping once, then link); the loop's step and
    /// `POST /kapacitor/v1/subscriptions`.
    pub fn link(&self, tokens: &SubscriptionTokens, ingest: &Ingest) -> Result<(), LinkError> {
        let Some(settings) = self.settings.get() else {
            return Ok(());
        };
        if self.disable_subscriptions {
            return Ok(());
        }
        self.client.ping()?;
        let mut state = lock(&self.state);
        Linker {
            client: &self.client,
            settings,
            tokens,
            ingest,
        }
        .link(&mut state)
    }

    /// Run the sync loop on a new thread.
    pub fn spawn(self: &Arc<Self>, tokens: Arc<SubscriptionTokens>, ingest: Ingest) {
        let c = self.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("influxdb-{}", self.name))
            .spawn(move || c.run(&tokens, &ingest));
        if let Err(e) = spawned {
            tracing::error!(
                cluster = self.name,
                "cannot start the subscription thread: {e}"
            );
        }
    }

    fn run(&self, tokens: &SubscriptionTokens, ingest: &Ingest) {
        loop {
            self.wait_reachable();
            if !self.disable_subscriptions {
                match self.link(tokens, ingest) {
                    Ok(()) => tracing::debug!(
                        cluster = self.name,
                        subscriptions = self.subscription_count(),
                        "linked subscriptions"
                    ),
                    Err(e) => tracing::error!(
                        cluster = self.name,
                        "failed to link subscriptions for cluster: {e}"
                    ),
                }
            }
            if self.disable_subscriptions || self.sync_interval.is_zero() {
                // Nothing periodic to do; a manual sync still works.
                if self.disable_subscriptions {
                    return;
                }
                self.sleep(Duration::from_secs(3600));
            } else {
                self.sleep(self.sync_interval);
            }
        }
    }

    /// Ping until InfluxDB answers, logging the first failure and the
    /// moment `startup-timeout` has passed (where Kapacitor would give up
    /// and fail to start; we keep trying in the background).
    fn wait_reachable(&self) {
        let started = Instant::now();
        let mut delay = BACKOFF_START;
        let mut warned_timeout = false;
        let mut attempt = 0u64;
        loop {
            match self.client.ping() {
                Ok(version) => {
                    if !self.connected.swap(true, Ordering::Relaxed) || attempt > 0 {
                        tracing::info!(cluster = self.name, version, "connected to InfluxDB");
                    }
                    return;
                }
                Err(e) => self.log_unreachable(&e, attempt, started, &mut warned_timeout),
            }
            attempt += 1;
            self.sleep(delay);
            delay = (delay.mul_f64(1.5)).min(BACKOFF_MAX);
        }
    }

    fn log_unreachable(&self, e: &InfluxError, attempt: u64, started: Instant, warned: &mut bool) {
        if attempt == 0 {
            self.connected.store(false, Ordering::Relaxed);
            tracing::warn!(
                cluster = self.name,
                "failed to connect to InfluxDB, retrying in the background: {e}"
            );
        } else if !*warned && started.elapsed() >= self.startup_timeout {
            *warned = true;
            tracing::error!(
                cluster = self.name,
                "failed to connect to InfluxDB, retry limit reached (startup-timeout {:?}); still retrying: {e}",
                self.startup_timeout
            );
        } else {
            tracing::debug!(
                cluster = self.name,
                "failed to connect to InfluxDB, retrying...: {e}"
            );
        }
    }

    fn sleep(&self, d: Duration) {
        let woken = lock(&self.woken);
        let (mut woken, _) = self
            .wake
            .wait_timeout_while(woken, d, |w| !*w)
            .unwrap_or_else(|e| e.into_inner());
        *woken = false;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

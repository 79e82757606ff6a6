//! `[[scraper]]` (Kapacitor's `services/scraper` over Prometheus's scrape
//! loop): every `scrape-interval` each target of the paired discoverer is
//! fetched at `<scheme>://<target><metrics-path>[?params]` (basic auth,
//! bearer token, `scrape-timeout`), and every sample becomes a point in
//! `db`/`rp`: the measurement is the metric name, the tags are the sample's
//! labels with the target's (`instance` = the target, the discoverer's
//! labels; a scraped label that collides with one is kept as
//! `exported_<name>`) — Kapacitor drops only `job`, so `__name__` stays a
//! tag —, the float field `value`; the sample's own timestamp or the scrape
//! time (ms). NaN samples are dropped, as are targets in `blacklist`. Each
//! scrape also reports Prometheus's `up`, `scrape_duration_seconds`,
//! `scrape_samples_scraped` and `scrape_samples_post_metric_relabeling`.
//! The first scrape happens at start-up (Prometheus staggers it within the
//! interval).

use super::discovery::{Discoverer, TargetGroup};
use super::prom_text;
use super::{point, InputError};
use crate::udp::Ingest;
use runtime::config::GoDuration;
use runtime::engine::WriteBatch;
use runtime::message::{FieldValue, Point};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ScraperConfig {
    pub enabled: bool,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub db: String,
    pub rp: String,
    pub scheme: String,
    pub metrics_path: String,
    pub params: BTreeMap<String, Vec<String>>,
    pub scrape_interval: GoDuration,
    pub scrape_timeout: GoDuration,
    pub username: String,
    pub password: String,
    pub bearer_token: String,
    pub insecure_skip_verify: bool,
    pub discoverer_id: String,
    pub discoverer_service: String,
    pub blacklist: Vec<String>,
}

impl Default for ScraperConfig {
    fn default() -> Self {
        ScraperConfig {
            enabled: false,
            name: String::new(),
            kind: "prometheus".into(),
            db: String::new(),
            rp: String::new(),
            scheme: "http".into(),
            metrics_path: "/metrics".into(),
            params: BTreeMap::new(),
            scrape_interval: GoDuration::from_secs(60),
            scrape_timeout: GoDuration::from_secs(10),
            username: String::new(),
            password: String::new(),
            bearer_token: String::new(),
            insecure_skip_verify: false,
            discoverer_id: String::new(),
            discoverer_service: String::new(),
            blacklist: Vec::new(),
        }
    }
}

impl ScraperConfig {
    /// Kapacitor's `Validate`.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() {
            return Err("scraper config must be given a name".into());
        }
        if self.db.is_empty() {
            return Err("scraper config must be given a db".into());
        }
        if self.rp.is_empty() {
            return Err("scraper config must be given an rp".into());
        }
        if self.kind != "prometheus" {
            return Err("Unknown scraper type".into());
        }
        Ok(())
    }
}

/// One scrape of one target: the points to write.
pub struct Scrape<'a> {
    pub config: &'a ScraperConfig,
    pub address: &'a str,
    pub group_labels: &'a BTreeMap<String, String>,
}

impl Scrape<'_> {
    fn url(&self) -> String {
        let mut url = format!(
            "{}://{}{}",
            self.config.scheme, self.address, self.config.metrics_path
        );
        let query: Vec<String> = self
            .config
            .params
            .iter()
            .flat_map(|(k, vs)| {
                vs.iter().map(move |v| {
                    format!(
                        "{}={}",
                        compiler::golang::query_escape(k),
                        compiler::golang::query_escape(v)
                    )
                })
            })
            .collect();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        url
    }

    /// The target's labels: the group's, then `instance`.
    fn target_labels(&self) -> BTreeMap<String, String> {
        let mut labels: BTreeMap<String, String> = self
            .group_labels
            .iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        labels
            .entry("instance".into())
            .or_insert_with(|| self.address.to_string());
        labels
    }

    fn sample_point(
        &self,
        name: &str,
        labels: &[(String, String)],
        value: f64,
        time: i64,
        target: &BTreeMap<String, String>,
    ) -> Point {
        let mut tags: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in labels {
            let key = if target.contains_key(k) || k == "job" {
                format!("exported_{k}")
            } else {
                k.clone()
            };
            tags.insert(key, v.clone());
        }
        for (k, v) in target {
            tags.insert(k.clone(), v.clone());
        }
        tags.insert("__name__".into(), name.to_string());
        let mut fields = BTreeMap::new();
        fields.insert("value".to_string(), FieldValue::Float(value));
        point(name, &tags, &fields, time, &self.config.db, &self.config.rp)
    }

    /// Fetches and converts; a failed fetch yields only `up` = 0 and the
    /// duration.
    pub fn run(&self, agent: &ureq::Agent) -> Vec<Point> {
        let start = Instant::now();
        let time_ms = crate::ids::now_ns() / 1_000_000;
        let time = time_ms * 1_000_000;
        let target = self.target_labels();
        let mut req = agent
            .get(self.url())
            .header("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
        if !self.config.username.is_empty() || !self.config.password.is_empty() {
            use base64::Engine;
            let pair = format!("{}:{}", self.config.username, self.config.password);
            req = req.header(
                "Authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ),
            );
        } else if !self.config.bearer_token.is_empty() {
            req = req.header(
                "Authorization",
                format!("Bearer {}", self.config.bearer_token),
            );
        }
        let body = req.call().map_err(|e| e.to_string()).and_then(|mut r| {
            let status = r.status().as_u16();
            if status != 200 {
                return Err(format!("server returned HTTP status {status}"));
            }
            r.body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_string()
                .map_err(|e| e.to_string())
        });
        let samples = body.and_then(|b| prom_text::parse(&b).map_err(|e| e.to_string()));
        let mut points = Vec::new();
        let up = match &samples {
            Ok(samples) => {
                for s in samples.iter().filter(|s| !s.value.is_nan()) {
                    let t = s.timestamp_ms.map_or(time, |ms| ms * 1_000_000);
                    points.push(self.sample_point(&s.name, &s.labels, s.value, t, &target));
                }
                1.0
            }
            Err(e) => {
                tracing::warn!(
                    service = "scraper",
                    target = self.address,
                    "scrape failed: {e}"
                );
                0.0
            }
        };
        let scraped = samples.as_ref().map_or(0, Vec::len) as f64;
        for (name, value) in [
            ("up", up),
            ("scrape_duration_seconds", start.elapsed().as_secs_f64()),
            ("scrape_samples_scraped", scraped),
            ("scrape_samples_post_metric_relabeling", scraped),
        ] {
            points.push(self.sample_point(name, &[], value, time, &target));
        }
        points
    }
}

/// A running scraper: one thread scraping its targets every interval.
pub struct Scraper {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Scraper {
    pub fn start(
        config: ScraperConfig,
        discoverer: Option<Discoverer>,
        ingest: Ingest,
    ) -> Result<Scraper, InputError> {
        config.validate().map_err(|message| InputError::Invalid {
            section: "scraper",
            message,
        })?;
        if discoverer.is_none() {
            tracing::warn!(
                service = "scraper",
                scraper = %config.name,
                discoverer = %format!("{}/{}", config.discoverer_service, config.discoverer_id),
                "no enabled static-discovery or file-discovery with this id: nothing to scrape"
            );
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let timeout = config.scrape_timeout.to_std();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global((!timeout.is_zero()).then_some(timeout))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(config.insecure_skip_verify)
                    .build(),
            )
            .build()
            .into();
        let interval = config
            .scrape_interval
            .to_std()
            .max(Duration::from_millis(10));
        let thread = std::thread::Builder::new()
            .name(format!("scraper-{}", config.name))
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let groups: Vec<TargetGroup> = discoverer
                        .as_ref()
                        .map(Discoverer::groups)
                        .unwrap_or_default();
                    for g in &groups {
                        for address in &g.targets {
                            if config.blacklist.contains(address) {
                                continue;
                            }
                            let points = Scrape {
                                config: &config,
                                address,
                                group_labels: &g.labels,
                            }
                            .run(&agent);
                            if !points.is_empty() {
                                ingest(WriteBatch::new(&config.db, &config.rp, points));
                            }
                        }
                    }
                    while started.elapsed() < interval && !flag.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(50).min(interval));
                    }
                }
            })
            .map_err(|source| InputError::Bind {
                section: "scraper",
                addr: String::new(),
                source,
            })?;
        Ok(Scraper {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Scraper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_take_the_target_labels_and_keep_their_name_as_a_tag() {
        let config = ScraperConfig {
            db: "db".into(),
            rp: "rp".into(),
            ..ScraperConfig::default()
        };
        let group = BTreeMap::from([("region".to_string(), "eu".to_string())]);
        let s = Scrape {
            config: &config,
            address: "h:1",
            group_labels: &group,
        };
        let target = s.target_labels();
        let p = s.sample_point(
            "m",
            &[
                ("instance".into(), "x".into()),
                ("job".into(), "j".into()),
                ("a".into(), "b".into()),
            ],
            2.0,
            5,
            &target,
        );
        let tags: Vec<(String, String)> = p
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            tags,
            [
                ("__name__", "m"),
                ("a", "b"),
                ("exported_instance", "x"),
                ("exported_job", "j"),
                ("instance", "h:1"),
                ("region", "eu"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(&*p.name, "m");
        assert_eq!(p.time, 5);
    }
}

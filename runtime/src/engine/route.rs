//! Which written points a stream task receives (Kapacitor's task master
//! forks, keyed by (db, rp, measurement)): a point reaches the task when its
//! (db, rp) is one of the task's `dbrp`s **and** its measurement is one that a
//! `from` node selects; a `from` without a measurement takes every
//! measurement of those dbrps. A task without any `dbrp` reads nothing
//! (Kapacitor requires one at define time).

use crate::message::Str;
use compiler::catalog::NodeKind;
use compiler::ir::{Pipeline, TaskType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// (database, retention policy) pairs.
    pub dbrps: Vec<(Str, Str)>,
    /// The measurements the `from` nodes select; `None` = all of them.
    pub measurements: Option<Vec<Str>>,
}

impl Subscription {
    /// The subscription of a checked pipeline; `None` for batch tasks (they
    /// read their queries, not the write stream).
    pub fn of(pipeline: &Pipeline) -> Option<Subscription> {
        if pipeline.task_type != TaskType::Stream {
            return None;
        }
        let dbrps = pipeline
            .dbrps
            .iter()
            .map(|d| (Str::from(d.db.as_str()), Str::from(d.rp.as_str())))
            .collect();
        let mut measurements = Some(Vec::new());
        for n in pipeline.nodes.iter().filter(|n| n.kind == NodeKind::From) {
            match n.string("measurement").filter(|m| !m.is_empty()) {
                Some(m) => {
                    if let Some(v) = measurements.as_mut() {
                        if !v.iter().any(|x: &Str| &**x == m) {
                            v.push(Str::from(m));
                        }
                    }
                }
                None => measurements = None,
            }
        }
        Some(Subscription {
            dbrps,
            measurements,
        })
    }

    /// Whether points of (db, rp) may reach the task (checked once per write).
    pub fn wants_dbrp(&self, db: &str, rp: &str) -> bool {
        self.dbrps.iter().any(|(d, r)| &**d == db && &**r == rp)
    }

    /// Whether a point of measurement `name` reaches the task (checked per point).
    #[inline]
    pub fn wants_measurement(&self, name: &str) -> bool {
        match &self.measurements {
            None => true,
            Some(v) => v.iter().any(|m| &**m == name),
        }
    }

    /// Both rules.
    pub fn wants(&self, db: &str, rp: &str, name: &str) -> bool {
        self.wants_dbrp(db, rp) && self.wants_measurement(name)
    }
}

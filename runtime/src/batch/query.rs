//! A `query` node's InfluxQL, schedule and result handling, as Kapacitor's
//! `QueryNode` builds them (batch.go, query.go):
//!
//! * the statement is parsed once; its GROUP BY is **replaced** by the
//!   node's `groupBy` (a bare duration or `time(d, offset)` becomes
//!   `time(d, offset)`, offset `0s` unless given), its fill set by `fill`
//!   (unset: the statement's own), and `time >= start AND time < stop` is
//!   ANDed onto its WHERE as `<where> AND time >= '…' AND time < '…'`;
//! * `alignGroup()` sets the group-by-time offset to `start mod interval`
//!   on live runs;
//! * each tick T runs the window stop = T − offset, start = stop − period.

use super::influxql::{parse_select, Expr, Fill, ParseError, Select};
use super::result::{result_to_batches, QueriedBatch, ResultError, Series, Stamp};
use super::schedule::{CronError, Schedule};
use crate::influxdb::{Client, InfluxError, Query};
use crate::message::Batch;
use compiler::ir::{Arg, Node};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum QueryError {
    /// Kapacitor: `failed to parse InfluxQL query: …`.
    Parse(ParseError),
    Cron(CronError),
    /// Not a query node, or a property Kapacitor rejects at task start.
    Invalid(String),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Parse(e) => write!(f, "failed to parse InfluxQL query: {e}"),
            QueryError::Cron(e) => e.fmt(f),
            QueryError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for QueryError {}

/// Everything a scheduler needs of one `query` node.
#[derive(Debug, Clone)]
pub struct BatchQuery {
    /// The statement with dimensions and fill applied, without time bounds.
    stmt: Select,
    /// The `time(interval, offset)` dimension's position and values.
    time_dim: Option<(usize, i64, i64)>,
    align_group: bool,
    pub period: i64,
    pub offset: i64,
    pub schedule: Schedule,
    pub by_name: bool,
    /// `[[influxdb]]` name; empty for the default cluster.
    pub cluster: String,
}

/// One run of the query: its window and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryRun {
    pub start: i64,
    pub stop: i64,
    pub text: String,
}

impl BatchQuery {
    pub fn from_node(node: &Node) -> Result<BatchQuery, QueryError> {
        let text = node.args.first().and_then(Arg::as_str).ok_or_else(|| {
            QueryError::Invalid(format!(
                "{}: a query node needs its InfluxQL text",
                node.name
            ))
        })?;
        let mut stmt = parse_select(text).map_err(QueryError::Parse)?;
        stmt.dimensions.clear();
        let mut time_dim = None;
        if let Some(p) = node.prop("groupBy") {
            for a in &p.args {
                let dim = match a {
                    Arg::Duration(d) => (*d, 0),
                    Arg::TimeDimension { interval, offset } => (*interval, *offset),
                    Arg::String(s) => {
                        stmt.dimensions.push(Expr::VarRef {
                            name: s.clone(),
                            ty: None,
                        });
                        continue;
                    }
                    Arg::Star => {
                        stmt.dimensions.push(Expr::Wildcard { ty: None });
                        continue;
                    }
                    other => {
                        return Err(QueryError::Invalid(format!(
                            "invalid dimension type: {other:?}, must be string or time.Duration"
                        )))
                    }
                };
                if time_dim.is_some() {
                    return Err(QueryError::Invalid(
                        "groupBy cannot have more than one time dimension".into(),
                    ));
                }
                time_dim = Some((stmt.dimensions.len(), dim.0, dim.1));
                stmt.dimensions.push(Expr::Call {
                    name: "time".into(),
                    args: vec![Expr::Duration(dim.0), Expr::Duration(dim.1)],
                });
            }
        }
        if let Some(arg) = node.prop("fill").and_then(|p| p.arg(0)) {
            stmt.fill = match arg {
                Arg::String(s) => match s.as_str() {
                    "null" => Fill::Null,
                    "none" => Fill::None,
                    "previous" => Fill::Previous,
                    "linear" => Fill::Linear,
                    other => {
                        return Err(QueryError::Invalid(format!(
                            "unexpected fill option {other}"
                        )))
                    }
                },
                Arg::Int(n) => Fill::Integer(*n),
                Arg::Float(f) => Fill::Float(*f),
                _ => stmt.fill,
            };
        }
        let every = node.duration("every").unwrap_or(0);
        let cron = node.string("cron").filter(|c| !c.is_empty());
        let schedule = match (every, cron) {
            (e, Some(_)) if e != 0 => {
                return Err(QueryError::Invalid(
                    "must not set both 'every' and 'cron' properties".into(),
                ))
            }
            (e, None) if e > 0 => Schedule::every(e, node.flag("align")),
            (_, Some(c)) => Schedule::cron(c).map_err(QueryError::Cron)?,
            (e, None) if e < 0 => {
                return Err(QueryError::Invalid(
                    "'every' duration must must non-negative".into(),
                ))
            }
            _ => {
                return Err(QueryError::Invalid(
                    "must define one of 'every' or 'cron'".into(),
                ))
            }
        };
        Ok(BatchQuery {
            stmt,
            time_dim,
            align_group: node.flag("alignGroup"),
            period: node.duration("period").unwrap_or(0),
            offset: node.duration("offset").unwrap_or(0),
            schedule,
            by_name: node.flag("groupByMeasurement"),
            cluster: node.string("cluster").unwrap_or("").to_string(),
        })
    }

    pub fn is_grouped_by_time(&self) -> bool {
        self.time_dim.is_some()
    }

    /// The (database, retention policy) of each source.
    pub fn dbrps(&self) -> Vec<(String, String)> {
        self.stmt.dbrps()
    }

    /// The statement for the window [start, stop). `align_group_offset`:
    /// whether `alignGroup()` moves the time dimension's offset (Kapacitor
    /// does so on live runs; its recordings query clones whose printed
    /// offset `SetStartTime` does not reach).
    pub fn text(&self, start: i64, stop: i64, align_group_offset: bool) -> String {
        let mut stmt = self.stmt.clone();
        let bounds = Expr::Binary {
            op: "AND",
            lhs: Box::new(Expr::Binary {
                op: ">=",
                lhs: Box::new(time_ref()),
                rhs: Box::new(Expr::Time(start)),
            }),
            rhs: Box::new(Expr::Binary {
                op: "<",
                lhs: Box::new(time_ref()),
                rhs: Box::new(Expr::Time(stop)),
            }),
        };
        stmt.condition = Some(match stmt.condition.take() {
            Some(c) => Expr::Binary {
                op: "AND",
                lhs: Box::new(c),
                rhs: Box::new(bounds),
            },
            None => bounds,
        });
        if let (true, true, Some((i, interval, _))) =
            (self.align_group, align_group_offset, self.time_dim)
        {
            if interval != 0 {
                // Go's Duration %: the sign of the dividend.
                let offset = start % interval;
                stmt.dimensions[i] = Expr::Call {
                    name: "time".into(),
                    args: vec![Expr::Duration(interval), Expr::Duration(offset)],
                };
            }
        }
        stmt.to_string()
    }

    /// The live run for a tick at `tick` (ns).
    pub fn live_run(&self, tick: i64) -> QueryRun {
        let stop = tick - self.offset;
        let start = stop - self.period;
        QueryRun {
            start,
            stop,
            text: self.text(start, stop, true),
        }
    }

    /// Kapacitor's `QueryNode.Queries(start, stop)`: the runs of every
    /// schedule instant T after `start` while T ≤ `stop` and T − offset ≤
    /// `now`, each with stop = T − offset, start = stop − period.
    pub fn runs_between(&self, start: i64, stop: i64, now: i64) -> Vec<QueryRun> {
        let mut out = Vec::new();
        let mut current = start;
        while let Some(next) = self.schedule.next(current) {
            current = next;
            if current > stop {
                break;
            }
            let qstop = current - self.offset;
            if qstop > now {
                break;
            }
            let qstart = qstop - self.period;
            out.push(QueryRun {
                start: qstart,
                stop: qstop,
                text: self.text(qstart, qstop, false),
            });
        }
        out
    }

    /// Run `run` through `client` and turn each statement result into
    /// batches stamped by `stamp`. A failed request is the outer error; a
    /// result with an error (or one Kapacitor could not read) is that
    /// result's error.
    pub fn execute(
        &self,
        client: &Client,
        run: &QueryRun,
        stamp: Stamp,
    ) -> Result<Vec<Result<Vec<Batch>, ResultError>>, InfluxError> {
        let resp = client.query(&Query::new(run.text.clone()))?;
        if let Some(e) = resp.error.filter(|e| !e.is_empty()) {
            return Err(InfluxError::Query(e));
        }
        Ok(resp
            .results
            .iter()
            .map(|r| {
                let series = r.series.iter().map(Series::of);
                result_to_batches(r.error.as_deref(), series, self.by_name).map(|v| {
                    v.into_iter()
                        .map(|q: QueriedBatch| {
                            q.stamped(run.stop, stamp.use_stop(self.is_grouped_by_time()))
                        })
                        .collect()
                })
            })
            .collect())
    }
}

fn time_ref() -> Expr {
    Expr::VarRef {
        name: "time".into(),
        ty: None,
    }
}

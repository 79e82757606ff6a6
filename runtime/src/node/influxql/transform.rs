//! Transforms (reference §4.3, kind T): per point, with state per group that
//! resets at each batch. Each input point gives at most one output value,
//! stamped with the point's time. Semantics of InfluxDB 1.x's streaming
//! reducers (difference, elapsed, moving_average, cumulative_sum).

use crate::message::FieldValue;
use std::collections::VecDeque;

/// Which transform, with its arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TransformKind {
    Difference,
    /// `elapsed(field, unit)`: unit in ns (> 0).
    Elapsed(i64),
    /// `movingAverage(field, window)`.
    MovingAverage(usize),
    CumulativeSum,
}

/// The state of one transform for one group.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum TransformState {
    Difference {
        /// The last accepted point; `None` before the first.
        curr: Option<(i64, FieldValue)>,
        /// The point before it, until a difference has been emitted.
        prev: Option<(i64, FieldValue)>,
    },
    Elapsed {
        unit: i64,
        curr: Option<i64>,
    },
    MovingAverage {
        window: usize,
        buf: VecDeque<FieldValue>,
        sum_f: f64,
        sum_i: i64,
    },
    CumulativeSum {
        sum: Option<FieldValue>,
    },
}

impl TransformState {
    pub fn new(kind: TransformKind) -> TransformState {
        match kind {
            TransformKind::Difference => TransformState::Difference {
                curr: None,
                prev: None,
            },
            TransformKind::Elapsed(unit) => TransformState::Elapsed { unit, curr: None },
            TransformKind::MovingAverage(window) => TransformState::MovingAverage {
                window,
                buf: VecDeque::with_capacity(window.min(1024)),
                sum_f: 0.0,
                sum_i: 0,
            },
            TransformKind::CumulativeSum => TransformState::CumulativeSum { sum: None },
        }
    }

    /// Feed one value (its type already checked by the caller: f/i, or any
    /// for elapsed). Returns the output value, if any; its time is `time`.
    pub fn next(&mut self, time: i64, value: &FieldValue) -> Option<FieldValue> {
        match self {
            TransformState::Difference { curr, prev } => {
                // A point that does not advance time is ignored: only the
                // first point of a given time counts.
                if curr.as_ref().is_some_and(|(t, _)| *t == time) {
                    return None;
                }
                *prev = curr.take();
                *curr = Some((time, value.clone()));
                let (_, p) = prev.take()?;
                match (&p, value) {
                    (FieldValue::Float(a), FieldValue::Float(b)) => Some(FieldValue::Float(b - a)),
                    (FieldValue::Int(a), FieldValue::Int(b)) => {
                        Some(FieldValue::Int(b.wrapping_sub(*a)))
                    }
                    _ => None,
                }
            }
            TransformState::Elapsed { unit, curr } => {
                let prev = curr.replace(time)?;
                // In i128: two in-range times can be more than i64::MAX apart
                // (Go's int64 subtraction wraps there); only a 1ns unit can
                // then leave the i64 range, and that saturates.
                let d = (time as i128 - prev as i128) / *unit as i128;
                let d = i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX });
                Some(FieldValue::Int(d))
            }
            TransformState::MovingAverage {
                window,
                buf,
                sum_f,
                sum_i,
            } => {
                if buf.len() == *window {
                    match buf.pop_front() {
                        Some(FieldValue::Float(v)) => *sum_f -= v,
                        Some(FieldValue::Int(v)) => *sum_i = sum_i.wrapping_sub(v),
                        _ => {}
                    }
                }
                let is_int = matches!(value, FieldValue::Int(_));
                match value {
                    FieldValue::Float(v) => *sum_f += v,
                    FieldValue::Int(v) => *sum_i = sum_i.wrapping_add(*v),
                    _ => return None,
                }
                buf.push_back(value.clone());
                if buf.len() < *window {
                    return None;
                }
                let n = buf.len() as f64;
                Some(FieldValue::Float(if is_int {
                    *sum_i as f64 / n
                } else {
                    *sum_f / n
                }))
            }
            TransformState::CumulativeSum { sum } => {
                let next = match (sum.take(), value) {
                    (None, v @ (FieldValue::Float(_) | FieldValue::Int(_))) => v.clone(),
                    (Some(FieldValue::Float(a)), FieldValue::Float(b)) => FieldValue::Float(a + b),
                    (Some(FieldValue::Int(a)), FieldValue::Int(b)) => {
                        FieldValue::Int(a.wrapping_add(*b))
                    }
                    (old, _) => {
                        *sum = old;
                        return None;
                    }
                };
                *sum = Some(next.clone());
                Some(next)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: TransformKind, pts: &[(i64, FieldValue)]) -> Vec<Option<FieldValue>> {
        let mut st = TransformState::new(kind);
        pts.iter().map(|(t, v)| st.next(*t, v)).collect()
    }

    use FieldValue::{Float as F, Int as I};

    #[test]
    fn difference_skips_first_and_same_time() {
        let out = run(
            TransformKind::Difference,
            &[(1, I(10)), (2, I(15)), (2, I(99)), (3, I(12))],
        );
        assert_eq!(out, vec![None, Some(I(5)), None, Some(I(-3))]);
        let out = run(
            TransformKind::Difference,
            &[(1, F(1.5)), (1, F(2.0)), (2, F(1.0))],
        );
        assert_eq!(out, vec![None, None, Some(F(-0.5))]);
    }

    #[test]
    fn elapsed_in_units() {
        let out = run(
            TransformKind::Elapsed(1_000),
            &[
                (0, F(0.0)),
                (5_000, F(0.0)),
                (5_000, F(0.0)),
                (7_500, F(1.0)),
            ],
        );
        assert_eq!(out, vec![None, Some(I(5)), Some(I(0)), Some(I(2))]);
    }

    #[test]
    fn moving_average_waits_for_a_full_window() {
        let out = run(
            TransformKind::MovingAverage(2),
            &[(1, I(1)), (2, I(2)), (3, I(4)), (4, I(8))],
        );
        assert_eq!(out, vec![None, Some(F(1.5)), Some(F(3.0)), Some(F(6.0))]);
    }

    #[test]
    fn cumulative_sum_keeps_type() {
        let out = run(
            TransformKind::CumulativeSum,
            &[(1, I(1)), (2, I(2)), (3, I(3))],
        );
        assert_eq!(out, vec![Some(I(1)), Some(I(3)), Some(I(6))]);
        let out = run(TransformKind::CumulativeSum, &[(1, F(0.5)), (2, F(0.25))]);
        assert_eq!(out, vec![Some(F(0.5)), Some(F(0.75))]);
    }
}

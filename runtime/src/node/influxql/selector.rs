//! Selectors (reference §4.3, kind S): pick one point of the batch. The node
//! then emits that point's tags and all of its fields, the selected field
//! renamed to `as`. These functions return the index (`Item::src`) and time
//! of the selected point.

use super::column::{Column, Item};
use std::cmp::Ordering;

/// The selected point: its index in the input and its own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub src: usize,
    pub time: i64,
}

fn pick<T>(items: &[Item<T>], better: impl Fn(&Item<T>, &Item<T>) -> bool) -> Option<Selected> {
    let mut best: Option<&Item<T>> = None;
    for it in items {
        if best.is_none_or(|b| better(it, b)) {
            best = Some(it);
        }
    }
    best.map(|b| Selected {
        src: b.src,
        time: b.time,
    })
}

/// Orders values of one column type; strings by bytes, `false < true`.
trait Ordered {
    fn order(&self, other: &Self) -> Ordering;
}

impl Ordered for f64 {
    fn order(&self, other: &Self) -> Ordering {
        self.partial_cmp(other).unwrap_or(Ordering::Equal)
    }
}
impl Ordered for i64 {
    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}
impl Ordered for crate::message::Str {
    fn order(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}
impl Ordered for bool {
    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}

/// `first`: the earliest time; a tie on time goes to the larger value.
pub fn first(col: &Column) -> Option<Selected> {
    fn better<T: Ordered>(p: &Item<T>, b: &Item<T>) -> bool {
        p.time < b.time || (p.time == b.time && p.value.order(&b.value) == Ordering::Greater)
    }
    dispatch(col, better, better, better, better)
}

/// `last`: the latest time; a tie on time goes to the larger value.
pub fn last(col: &Column) -> Option<Selected> {
    fn better<T: Ordered>(p: &Item<T>, b: &Item<T>) -> bool {
        p.time > b.time || (p.time == b.time && p.value.order(&b.value) == Ordering::Greater)
    }
    dispatch(col, better, better, better, better)
}

/// `min` (numbers only): a tie on value goes to the earliest time.
pub fn min(col: &Column) -> Option<Selected> {
    fn better<T: Ordered>(p: &Item<T>, b: &Item<T>) -> bool {
        match p.value.order(&b.value) {
            Ordering::Less => true,
            Ordering::Equal => p.time < b.time,
            Ordering::Greater => false,
        }
    }
    numeric(col, better, better)
}

/// `max` (numbers only): a tie on value goes to the earliest time.
pub fn max(col: &Column) -> Option<Selected> {
    fn better<T: Ordered>(p: &Item<T>, b: &Item<T>) -> bool {
        match p.value.order(&b.value) {
            Ordering::Greater => true,
            Ordering::Equal => p.time < b.time,
            Ordering::Less => false,
        }
    }
    numeric(col, better, better)
}

/// `percentile(p)` (numbers only): sort by value (stably), take index
/// floor(n·p/100 + 0.5) − 1; out of range → nothing.
pub fn percentile(col: &Column, p: f64) -> Option<Selected> {
    fn at<T: Ordered>(items: &[Item<T>], p: f64) -> Option<Selected> {
        let mut sorted: Vec<&Item<T>> = items.iter().collect();
        sorted.sort_by(|a, b| a.value.order(&b.value));
        let idx = ((sorted.len() as f64) * p / 100.0 + 0.5).floor() as i64 - 1;
        if idx < 0 || idx as usize >= sorted.len() {
            return None;
        }
        let it = sorted[idx as usize];
        Some(Selected {
            src: it.src,
            time: it.time,
        })
    }
    match col {
        Column::Float(c) => at(c, p),
        Column::Int(c) => at(c, p),
        _ => None,
    }
}

type Better<T> = fn(&Item<T>, &Item<T>) -> bool;

fn dispatch(
    col: &Column,
    f: Better<f64>,
    i: Better<i64>,
    s: Better<crate::message::Str>,
    b: Better<bool>,
) -> Option<Selected> {
    match col {
        Column::Float(c) => pick(c, f),
        Column::Int(c) => pick(c, i),
        Column::String(c) => pick(c, s),
        Column::Bool(c) => pick(c, b),
    }
}

fn numeric(col: &Column, f: Better<f64>, i: Better<i64>) -> Option<Selected> {
    match col {
        Column::Float(c) => pick(c, f),
        Column::Int(c) => pick(c, i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(v: &[(i64, f64)]) -> Column {
        Column::Float(
            v.iter()
                .enumerate()
                .map(|(src, &(time, value))| Item { time, value, src })
                .collect(),
        )
    }

    fn src(s: Option<Selected>) -> Option<usize> {
        s.map(|s| s.src)
    }

    #[test]
    fn first_last_with_time_ties() {
        let c = floats(&[(5, 1.0), (2, 3.0), (2, 4.0), (9, 0.0), (9, -1.0)]);
        assert_eq!(src(first(&c)), Some(2));
        assert_eq!(src(last(&c)), Some(3));
        let s = Column::String(vec![
            Item {
                time: 1,
                value: "b".into(),
                src: 0,
            },
            Item {
                time: 1,
                value: "c".into(),
                src: 1,
            },
        ]);
        assert_eq!(src(first(&s)), Some(1));
        let b = Column::Bool(vec![
            Item {
                time: 1,
                value: true,
                src: 0,
            },
            Item {
                time: 1,
                value: false,
                src: 1,
            },
        ]);
        assert_eq!(src(last(&b)), Some(0));
    }

    #[test]
    fn min_max_ties_to_earliest() {
        let c = floats(&[(5, 1.0), (3, 1.0), (4, 7.0), (2, 7.0)]);
        assert_eq!(src(min(&c)), Some(1));
        assert_eq!(src(max(&c)), Some(3));
        assert_eq!(min(&Column::String(vec![])), None);
    }

    #[test]
    fn percentile_index_rule() {
        let c = floats(&[(1, 10.0), (2, 40.0), (3, 20.0), (4, 30.0)]);
        // floor(4*50/100+0.5)-1 = 1 → the second smallest (20 at src 2).
        assert_eq!(src(percentile(&c, 50.0)), Some(2));
        assert_eq!(src(percentile(&c, 90.0)), Some(1));
        assert_eq!(src(percentile(&c, 100.0)), Some(1));
        // floor(4*10/100+0.5)-1 = -1 → nothing.
        assert_eq!(percentile(&c, 10.0), None);
        assert_eq!(src(percentile(&c, 12.5)), Some(0));
    }
}

//! Batch producers (reference §4.3, kind B): several result points per
//! batch. Each result keeps the index of the input point it came from (top
//! and bottom copy that point's tags) and its time (used with
//! `usePointTimes`).

use super::column::{Column, Item};
use crate::message::FieldValue;

/// One produced value.
#[derive(Debug, Clone, PartialEq)]
pub struct Produced {
    pub src: usize,
    pub time: i64,
    pub value: FieldValue,
}

/// `top(n)` / `bottom(n)` (numbers only): the n largest (smallest) values,
/// largest (smallest) first; equal values → the earlier time first.
pub fn top_bottom(col: &Column, n: usize, top: bool) -> Vec<Produced> {
    fn run<T: Copy + PartialOrd>(
        items: &[Item<T>],
        n: usize,
        top: bool,
        wrap: fn(T) -> FieldValue,
    ) -> Vec<Produced> {
        let mut sorted: Vec<&Item<T>> = items.iter().collect();
        sorted.sort_by(|a, b| {
            let by_value = a
                .value
                .partial_cmp(&b.value)
                .unwrap_or(std::cmp::Ordering::Equal);
            let by_value = if top { by_value.reverse() } else { by_value };
            by_value.then(a.time.cmp(&b.time))
        });
        sorted
            .into_iter()
            .take(n)
            .map(|it| Produced {
                src: it.src,
                time: it.time,
                value: wrap(it.value),
            })
            .collect()
    }
    match col {
        Column::Float(c) => run(c, n, top, FieldValue::Float),
        Column::Int(c) => run(c, n, top, FieldValue::Int),
        _ => Vec::new(),
    }
}

/// `distinct`: the first point of each value (in input order), then ordered by time.
pub fn distinct(col: &Column) -> Vec<Produced> {
    fn run<T: Clone>(
        items: &[Item<T>],
        same: fn(&T, &T) -> bool,
        wrap: fn(T) -> FieldValue,
    ) -> Vec<Produced> {
        // Batches are small and values few: a linear scan keeps the float
        // equality exact (Go map keys compare with ==) without hashing floats.
        let mut firsts: Vec<&Item<T>> = Vec::new();
        for it in items {
            if !firsts.iter().any(|f| same(&f.value, &it.value)) {
                firsts.push(it);
            }
        }
        firsts.sort_by_key(|it| it.time);
        firsts
            .into_iter()
            .map(|it| Produced {
                src: it.src,
                time: it.time,
                value: wrap(it.value.clone()),
            })
            .collect()
    }
    match col {
        Column::Float(c) => run(c, |a, b| a == b, FieldValue::Float),
        Column::Int(c) => run(c, |a, b| a == b, FieldValue::Int),
        Column::String(c) => run(c, |a, b| a == b, FieldValue::String),
        Column::Bool(c) => run(c, |a, b| a == b, FieldValue::Bool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[(i64, i64)]) -> Column {
        Column::Int(
            v.iter()
                .enumerate()
                .map(|(src, &(time, value))| Item { time, value, src })
                .collect(),
        )
    }

    fn srcs(v: &[Produced]) -> Vec<usize> {
        v.iter().map(|p| p.src).collect()
    }

    #[test]
    fn top_and_bottom_order_and_ties() {
        let c = ints(&[(1, 5), (2, 9), (3, 5), (0, 9), (4, 1)]);
        assert_eq!(srcs(&top_bottom(&c, 3, true)), vec![3, 1, 0]);
        assert_eq!(srcs(&top_bottom(&c, 2, false)), vec![4, 0]);
        assert_eq!(top_bottom(&c, 10, true).len(), 5);
        assert_eq!(top_bottom(&c, 1, true)[0].value, FieldValue::Int(9));
    }

    #[test]
    fn distinct_keeps_first_of_each_value_by_time() {
        let c = ints(&[(5, 2), (3, 1), (6, 2), (1, 3), (7, 1)]);
        let d = distinct(&c);
        assert_eq!(srcs(&d), vec![3, 1, 0]);
        assert_eq!(d[0].value, FieldValue::Int(3));
    }
}

//! Aggregates (reference §4.3, kind A): one value per batch, emitted with
//! the group tags. Maths as InfluxDB 1.x `query/functions.go` defines it:
//! integer sums wrap like Go's int64, means accumulate in float64.

use super::column::{Column, Item};
use crate::message::FieldValue;

/// `count`: the number of points, any type.
pub fn count(col: &Column) -> FieldValue {
    FieldValue::Int(col.len() as i64)
}

/// `sum`: float → float, int → int (wrapping). `None` for other types.
pub fn sum(col: &Column) -> Option<FieldValue> {
    match col {
        Column::Float(c) => Some(FieldValue::Float(c.iter().map(|i| i.value).sum())),
        Column::Int(c) => Some(FieldValue::Int(
            c.iter().fold(0i64, |a, i| a.wrapping_add(i.value)),
        )),
        _ => None,
    }
}

/// `mean`: f, i → f.
pub fn mean(col: &Column) -> Option<FieldValue> {
    let (sum, n) = match col {
        Column::Float(c) => (c.iter().map(|i| i.value).sum::<f64>(), c.len()),
        Column::Int(c) => (c.iter().map(|i| i.value as f64).sum::<f64>(), c.len()),
        _ => return None,
    };
    (n > 0).then(|| FieldValue::Float(sum / n as f64))
}

/// `median`: sorted values; an even count gives lo + (hi − lo)/2 of the two middle ones.
pub fn median(col: &Column) -> Option<FieldValue> {
    match col {
        Column::Float(c) => {
            let mut v: Vec<f64> = c.iter().map(|i| i.value).collect();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let n = v.len();
            Some(FieldValue::Float(if n.is_multiple_of(2) {
                let (lo, hi) = (v[n / 2 - 1], v[n / 2]);
                lo + (hi - lo) / 2.0
            } else {
                v[n / 2]
            }))
        }
        Column::Int(c) => {
            let mut v: Vec<i64> = c.iter().map(|i| i.value).collect();
            if v.is_empty() {
                return None;
            }
            v.sort_unstable();
            let n = v.len();
            Some(FieldValue::Float(if n.is_multiple_of(2) {
                let (lo, hi) = (v[n / 2 - 1], v[n / 2]);
                lo as f64 + hi.wrapping_sub(lo) as f64 / 2.0
            } else {
                v[n / 2] as f64
            }))
        }
        _ => None,
    }
}

/// `mode`: the most frequent value. The items are sorted by value (stably,
/// so equal values keep time order) and scanned run by run; a later run
/// replaces the best one only if it is longer, or equally long and starting
/// no later in time: a tie goes to the value whose run starts earliest.
pub fn mode(col: &Column) -> Option<FieldValue> {
    match col {
        Column::Float(c) => mode_of(c, |a, b| a.total_cmp(b), |a, b| a == b).map(FieldValue::Float),
        Column::Int(c) => mode_of(c, i64::cmp, |a, b| a == b).map(FieldValue::Int),
        _ => None,
    }
}

fn mode_of<T: Copy>(
    items: &[Item<T>],
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
    eq: impl Fn(&T, &T) -> bool,
) -> Option<T> {
    let mut sorted: Vec<&Item<T>> = items.iter().collect();
    sorted.sort_by(|a, b| cmp(&a.value, &b.value));
    let first = sorted.first()?;
    let (mut most_freq, mut curr_freq) = (0usize, 0usize);
    let (mut curr_mode, mut most_mode) = (first.value, first.value);
    let (mut curr_time, mut most_time) = (first.time, first.time);
    for it in sorted {
        if !eq(&it.value, &curr_mode) {
            curr_freq = 1;
            curr_mode = it.value;
            curr_time = it.time;
            continue;
        }
        curr_freq += 1;
        if most_freq > curr_freq || (most_freq == curr_freq && curr_time > most_time) {
            continue;
        }
        most_freq = curr_freq;
        most_mode = it.value;
        most_time = curr_time;
    }
    Some(most_mode)
}

/// `spread`: max − min (f → f, i → i).
pub fn spread(col: &Column) -> Option<FieldValue> {
    match col {
        Column::Float(c) if !c.is_empty() => {
            let (lo, hi) = c
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
                    (lo.min(i.value), hi.max(i.value))
                });
            Some(FieldValue::Float(hi - lo))
        }
        Column::Int(c) if !c.is_empty() => {
            let (lo, hi) = c.iter().fold((i64::MAX, i64::MIN), |(lo, hi), i| {
                (lo.min(i.value), hi.max(i.value))
            });
            Some(FieldValue::Int(hi.wrapping_sub(lo)))
        }
        _ => None,
    }
}

/// `stddev`: the sample standard deviation (n − 1); NaN under two points.
pub fn stddev(col: &Column) -> Option<FieldValue> {
    let values: Vec<f64> = match col {
        Column::Float(c) => c.iter().map(|i| i.value).collect(),
        Column::Int(c) => c.iter().map(|i| i.value as f64).collect(),
        _ => return None,
    };
    if values.is_empty() {
        return None;
    }
    if values.len() < 2 {
        return Some(FieldValue::Float(f64::NAN));
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    Some(FieldValue::Float(var.sqrt()))
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

    fn ints(v: &[(i64, i64)]) -> Column {
        Column::Int(
            v.iter()
                .enumerate()
                .map(|(src, &(time, value))| Item { time, value, src })
                .collect(),
        )
    }

    #[test]
    fn count_sum_mean() {
        let c = floats(&[(1, 1.5), (2, 2.5), (3, 5.0)]);
        assert_eq!(count(&c), FieldValue::Int(3));
        assert_eq!(sum(&c), Some(FieldValue::Float(9.0)));
        assert_eq!(mean(&c), Some(FieldValue::Float(3.0)));
        let i = ints(&[(1, 1), (2, 2)]);
        assert_eq!(sum(&i), Some(FieldValue::Int(3)));
        assert_eq!(mean(&i), Some(FieldValue::Float(1.5)));
        assert_eq!(
            sum(&ints(&[(1, i64::MAX), (2, 1)])),
            Some(FieldValue::Int(i64::MIN))
        );
        assert_eq!(mean(&floats(&[])), None);
    }

    #[test]
    fn median_even_and_odd() {
        assert_eq!(
            median(&floats(&[(1, 3.0), (2, 1.0), (3, 2.0)])),
            Some(FieldValue::Float(2.0))
        );
        assert_eq!(
            median(&floats(&[(1, 4.0), (2, 1.0), (3, 2.0), (4, 3.0)])),
            Some(FieldValue::Float(2.5))
        );
        assert_eq!(
            median(&ints(&[(1, 1), (2, 2)])),
            Some(FieldValue::Float(1.5))
        );
    }

    #[test]
    fn mode_prefers_the_run_starting_earliest() {
        // 2 and 1 both appear twice; 2's run starts at t=1, 1's at t=2.
        let c = ints(&[(1, 2), (2, 1), (3, 2), (4, 1), (5, 3)]);
        assert_eq!(mode(&c), Some(FieldValue::Int(2)));
        let c = ints(&[(1, 1), (2, 2), (3, 2), (4, 1)]);
        assert_eq!(mode(&c), Some(FieldValue::Int(1)));
        assert_eq!(
            mode(&ints(&[(1, 5), (2, 7), (3, 7)])),
            Some(FieldValue::Int(7))
        );
        // All distinct: the smallest value (the first run) wins.
        assert_eq!(
            mode(&floats(&[(1, 9.0), (2, 3.0)])),
            Some(FieldValue::Float(3.0))
        );
    }

    #[test]
    fn spread_and_stddev() {
        assert_eq!(spread(&ints(&[(1, 5), (2, -3)])), Some(FieldValue::Int(8)));
        assert_eq!(spread(&floats(&[(1, 0.5)])), Some(FieldValue::Float(0.0)));
        match stddev(&floats(&[(1, 1.0)])) {
            Some(FieldValue::Float(v)) => assert!(v.is_nan()),
            other => panic!("{other:?}"),
        }
        let sd = stddev(&ints(&[
            (1, 2),
            (2, 4),
            (3, 4),
            (4, 4),
            (5, 5),
            (6, 5),
            (7, 7),
            (8, 9),
        ]));
        match sd {
            Some(FieldValue::Float(v)) => assert!((v - 2.138089935299395).abs() < 1e-12),
            other => panic!("{other:?}"),
        }
    }
}

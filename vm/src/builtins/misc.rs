//! `isPresent`, `humanBytes`, `if` (reference §5.4).

use super::{bad_args, CallResult};
use crate::value::Value;
use std::sync::Arc;

/// `isPresent(x)`: false only for a missing reference.
pub fn is_present(args: &[Value]) -> CallResult {
    match args {
        [Value::Missing] => Ok(Value::Bool(false)),
        [_] => Ok(Value::Bool(true)),
        _ => Err(bad_args("isPresent", args)),
    }
}

/// `humanBytes(f|i)`: go-humanize `Bytes`, SI units (1000-based), e.g.
/// `83 MB`, `1.2 kB`, `9 B`. The argument is converted to an unsigned 64-bit
/// count as Go does (`uint64(x)`: negative ints wrap around).
pub fn human_bytes(args: &[Value]) -> CallResult {
    let n = match args {
        [Value::Int(i)] => *i as u64,
        [Value::Float(f)] => compiler::golang::f64_to_u64(*f),
        _ => return Err(bad_args("humanBytes", args)),
    };
    Ok(Value::String(Arc::from(humanize_bytes(n))))
}

/// go-humanize `Bytes`.
pub fn humanize_bytes(s: u64) -> String {
    const SIZES: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if s < 10 {
        return format!("{s} B");
    }
    let sf = s as f64;
    let e = (sf.ln() / 1000f64.ln()).floor();
    let suffix = SIZES[(e as usize).min(SIZES.len() - 1)];
    let val = (sf / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {suffix}")
    } else {
        format!("{val:.0} {suffix}")
    }
}

/// `if(cond, a, b)`: both branches are already evaluated (eagerly, as in
/// Kapacitor) and of the same type.
pub fn if_(args: &[Value]) -> CallResult {
    match args {
        [Value::Bool(c), a, b] if a.vtype() == b.vtype() => {
            Ok(if *c { a.clone() } else { b.clone() })
        }
        _ => Err(bad_args("if", args)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human() {
        assert_eq!(humanize_bytes(0), "0 B");
        assert_eq!(humanize_bytes(9), "9 B");
        assert_eq!(humanize_bytes(10), "10 B");
        assert_eq!(humanize_bytes(999), "999 B");
        assert_eq!(humanize_bytes(1000), "1.0 kB");
        assert_eq!(humanize_bytes(1234), "1.2 kB");
        assert_eq!(humanize_bytes(82_854_982), "83 MB");
        assert_eq!(humanize_bytes(u64::MAX), "18 EB");
        assert_eq!(
            human_bytes(&[Value::Int(-1)]),
            Ok(Value::String("18 EB".into()))
        );
        assert_eq!(
            human_bytes(&[Value::Float(1.5e9)]),
            Ok(Value::String("1.5 GB".into()))
        );
        assert_eq!(
            human_bytes(&[Value::Float(-1.0)]),
            Ok(Value::String("18 EB".into()))
        );
        assert_eq!(
            human_bytes(&[Value::Float(f64::NAN)]),
            Ok(Value::String("9.2 EB".into()))
        );
    }

    #[test]
    fn presence_and_if() {
        assert_eq!(is_present(&[Value::Missing]), Ok(Value::Bool(false)));
        assert_eq!(is_present(&[Value::Int(0)]), Ok(Value::Bool(true)));
        assert_eq!(
            if_(&[Value::Bool(false), Value::Int(1), Value::Int(2)]),
            Ok(Value::Int(2))
        );
        assert!(if_(&[Value::Bool(true), Value::Int(1), Value::Float(2.0)]).is_err());
    }
}

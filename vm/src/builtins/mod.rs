//! The builtin function library (reference §5.4), one file per family.
//!
//! Both engines call `call` (pure and volatile-without-state functions) or
//! `call_stateful` with argument values whose types the per-point type check
//! already matched against the signature table in
//! `compiler::catalog::builtins`; a mismatch here is therefore an engine bug
//! and reported as an error, never a panic. An `Err(reason)` becomes
//! `error calling "f": reason`.

pub mod conversion;
pub mod math;
pub mod misc;
pub mod regex;
pub mod stateful;
pub mod strings;
pub mod time;

use crate::state::FuncState;
use crate::value::Value;
use compiler::catalog::builtins::Builtin;

/// The result of a builtin: a value or the reason it failed.
pub type CallResult = Result<Value, String>;

/// Call a pure builtin. Stateful ones must go through `call_stateful`.
pub fn call(func: Builtin, args: &[Value]) -> CallResult {
    use Builtin::*;
    match func {
        BoolConv => conversion::to_bool(args),
        IntConv => conversion::to_int(args),
        FloatConv => conversion::to_float(args),
        StringConv => conversion::to_string(args),
        DurationConv => conversion::to_duration(args),
        Abs | Acos | Acosh | Asin | Asinh | Atan | Atanh | Cbrt | Ceil | Cos | Cosh | Erf
        | Erfc | Exp | Exp2 | Expm1 | Floor | Gamma | J0 | J1 | Log | Log10 | Log1p | Log2
        | Logb | Sin | Sinh | Sqrt | Tan | Tanh | Trunc | Y0 | Y1 => math::math1(func, args),
        Atan2 | Hypot | Max | Min | Mod | Pow => math::math2(func, args),
        Pow10 => math::pow10(args),
        Jn | Yn => math::bessel_n(func, args),
        StrContains | StrContainsAny | StrCount | StrHasPrefix | StrHasSuffix | StrIndex
        | StrIndexAny | StrLastIndex | StrLastIndexAny | StrLength | StrReplace | StrSubstring
        | StrToLower | StrToUpper | StrTrimSpace | StrTrim | StrTrimLeft | StrTrimRight
        | StrTrimPrefix | StrTrimSuffix => strings::call(func, args),
        RegexReplace => regex::regex_replace(args),
        Minute | Hour | Weekday | Day | Month | Year | UnixNano => time::field(func, args),
        Now => time::now(args),
        IsPresent => misc::is_present(args),
        HumanBytes => misc::human_bytes(args),
        If => misc::if_(args),
        Sigma | Count | Spread | Rand => {
            Err(format!("{} needs its state (engine bug)", func.name()))
        }
    }
}

/// Call a builtin with its state slot (stateful and volatile functions).
pub fn call_stateful(func: Builtin, args: &[Value], state: &mut FuncState) -> CallResult {
    match func {
        Builtin::Sigma => stateful::sigma(args, state),
        Builtin::Count => stateful::count(args, state),
        Builtin::Spread => stateful::spread(args, state),
        Builtin::Rand => stateful::rand(args, state),
        _ => call(func, args),
    }
}

/// The message for arguments the signature check should have rejected.
pub(crate) fn bad_args(name: &str, args: &[Value]) -> String {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    format!("{name} cannot take ({})", types.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use compiler::catalog::builtins::BUILTINS;

    /// Every builtin in the catalog is implemented: calling each with
    /// arguments of its first signature never reports "engine bug".
    #[test]
    fn every_builtin_is_dispatched() {
        let re = std::sync::Arc::new(::regex::Regex::new("a").unwrap());
        for spec in BUILTINS {
            let sig = spec.signatures[0];
            let args: Vec<Value> = sig
                .params
                .iter()
                .map(|t| match t {
                    compiler::types::Type::Float => Value::Float(1.0),
                    compiler::types::Type::Int => Value::Int(1),
                    compiler::types::Type::String => Value::String("ab".into()),
                    compiler::types::Type::Bool => Value::Bool(true),
                    compiler::types::Type::Duration => Value::Duration(1_000_000_000),
                    compiler::types::Type::Time => Value::Time(0),
                    compiler::types::Type::Regex => Value::Regex(re.clone()),
                    other => panic!("unexpected param type {other}"),
                })
                .collect();
            let mut st = FuncState::new(spec.builtin);
            let r = call_stateful(spec.builtin, &args, &mut st);
            if let Err(e) = &r {
                assert!(
                    !e.contains("engine bug") && !e.contains("cannot take"),
                    "{}: {e}",
                    spec.name
                );
            }
        }
    }
}

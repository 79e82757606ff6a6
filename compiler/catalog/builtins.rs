//! The builtin lambda functions (reference §5.4): names and exact signatures.
//!
//! This table is the single source of truth: the checker type-checks calls
//! against it, and the VM and JIT dispatch on `Builtin` (their implementation
//! tables are indexed by it, and an exhaustive match makes a missing
//! implementation a compile error).

use crate::types::Type::{self, Bool as B, Duration as D, Float as F, Int as I, Regex as R};
use crate::types::Type::{String as S, Time as T};
use serde::{Deserialize, Serialize};

/// One accepted argument list and its result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub params: &'static [Type],
    pub ret: Type,
}

const fn sig(params: &'static [Type], ret: Type) -> Signature {
    Signature { params, ret }
}

/// How a builtin's state behaves (reference §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Statefulness {
    /// A pure function of its arguments.
    Pure,
    /// Keeps state across evaluations (sigma, count, spread), one instance per
    /// function name per compiled expression.
    Stateful,
    /// Depends on the outside world (now, rand): never constant-folded.
    Volatile,
}

pub struct BuiltinSpec {
    pub builtin: Builtin,
    pub name: &'static str,
    pub signatures: &'static [Signature],
    pub state: Statefulness,
}

const MATH1: &[Signature] = &[sig(&[F], F)];
const MATH2: &[Signature] = &[sig(&[F, F], F)];
const STR_STR_BOOL: &[Signature] = &[sig(&[S, S], B)];
const STR_STR_INT: &[Signature] = &[sig(&[S, S], I)];
const STR_STR_STR: &[Signature] = &[sig(&[S, S], S)];
const STR_STR: &[Signature] = &[sig(&[S], S)];
const TIME_INT: &[Signature] = &[sig(&[T], I)];

macro_rules! builtins {
    ($($variant:ident $name:literal $sigs:expr, $state:ident;)*) => {
        /// A builtin function, by identity. Serialized by its TICKscript name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Builtin { $($variant,)* }

        pub static BUILTINS: &[BuiltinSpec] = &[
            $(BuiltinSpec {
                builtin: Builtin::$variant,
                name: $name,
                signatures: $sigs,
                state: Statefulness::$state,
            },)*
        ];
    };
}

builtins! {
    // Conversions
    BoolConv "bool" &[sig(&[B], B), sig(&[S], B), sig(&[I], B), sig(&[F], B)], Pure;
    IntConv "int" &[sig(&[B], I), sig(&[S], I), sig(&[I], I), sig(&[F], I)], Pure;
    FloatConv "float" &[sig(&[B], F), sig(&[S], F), sig(&[I], F), sig(&[F], F)], Pure;
    StringConv "string" &[sig(&[B], S), sig(&[S], S), sig(&[I], S), sig(&[F], S), sig(&[D], S)], Pure;
    DurationConv "duration" &[sig(&[D], D), sig(&[I, D], D), sig(&[F, D], D), sig(&[S, D], D)], Pure;
    // Math: float in, float out (Go `math` semantics)
    Abs "abs" MATH1, Pure;
    Acos "acos" MATH1, Pure;
    Acosh "acosh" MATH1, Pure;
    Asin "asin" MATH1, Pure;
    Asinh "asinh" MATH1, Pure;
    Atan "atan" MATH1, Pure;
    Atanh "atanh" MATH1, Pure;
    Cbrt "cbrt" MATH1, Pure;
    Ceil "ceil" MATH1, Pure;
    Cos "cos" MATH1, Pure;
    Cosh "cosh" MATH1, Pure;
    Erf "erf" MATH1, Pure;
    Erfc "erfc" MATH1, Pure;
    Exp "exp" MATH1, Pure;
    Exp2 "exp2" MATH1, Pure;
    Expm1 "expm1" MATH1, Pure;
    Floor "floor" MATH1, Pure;
    Gamma "gamma" MATH1, Pure;
    J0 "j0" MATH1, Pure;
    J1 "j1" MATH1, Pure;
    Log "log" MATH1, Pure;
    Log10 "log10" MATH1, Pure;
    Log1p "log1p" MATH1, Pure;
    Log2 "log2" MATH1, Pure;
    Logb "logb" MATH1, Pure;
    Sin "sin" MATH1, Pure;
    Sinh "sinh" MATH1, Pure;
    Sqrt "sqrt" MATH1, Pure;
    Tan "tan" MATH1, Pure;
    Tanh "tanh" MATH1, Pure;
    Trunc "trunc" MATH1, Pure;
    Y0 "y0" MATH1, Pure;
    Y1 "y1" MATH1, Pure;
    Atan2 "atan2" MATH2, Pure;
    Hypot "hypot" MATH2, Pure;
    Max "max" MATH2, Pure;
    Min "min" MATH2, Pure;
    Mod "mod" MATH2, Pure;
    Pow "pow" MATH2, Pure;
    Pow10 "pow10" &[sig(&[I], F)], Pure;
    Jn "jn" &[sig(&[I, F], F)], Pure;
    Yn "yn" &[sig(&[I, F], F)], Pure;
    // Strings (byte offsets, Go `strings` semantics)
    StrContains "strContains" STR_STR_BOOL, Pure;
    StrContainsAny "strContainsAny" STR_STR_BOOL, Pure;
    StrCount "strCount" STR_STR_INT, Pure;
    StrHasPrefix "strHasPrefix" STR_STR_BOOL, Pure;
    StrHasSuffix "strHasSuffix" STR_STR_BOOL, Pure;
    StrIndex "strIndex" STR_STR_INT, Pure;
    StrIndexAny "strIndexAny" STR_STR_INT, Pure;
    StrLastIndex "strLastIndex" STR_STR_INT, Pure;
    StrLastIndexAny "strLastIndexAny" STR_STR_INT, Pure;
    StrLength "strLength" &[sig(&[S], I)], Pure;
    StrReplace "strReplace" &[sig(&[S, S, S, I], S)], Pure;
    StrSubstring "strSubstring" &[sig(&[S, I, I], S)], Pure;
    StrToLower "strToLower" STR_STR, Pure;
    StrToUpper "strToUpper" STR_STR, Pure;
    StrTrimSpace "strTrimSpace" STR_STR, Pure;
    StrTrim "strTrim" STR_STR_STR, Pure;
    StrTrimLeft "strTrimLeft" STR_STR_STR, Pure;
    StrTrimRight "strTrimRight" STR_STR_STR, Pure;
    StrTrimPrefix "strTrimPrefix" STR_STR_STR, Pure;
    StrTrimSuffix "strTrimSuffix" STR_STR_STR, Pure;
    // Regex
    RegexReplace "regexReplace" &[sig(&[R, S, S], S)], Pure;
    // Time
    Minute "minute" TIME_INT, Pure;
    Hour "hour" TIME_INT, Pure;
    Weekday "weekday" TIME_INT, Pure;
    Day "day" TIME_INT, Pure;
    Month "month" TIME_INT, Pure;
    Year "year" TIME_INT, Pure;
    UnixNano "unixNano" TIME_INT, Pure;
    Now "now" &[sig(&[], T)], Volatile;
    // Misc
    IsPresent "isPresent" &[sig(&[B], B), sig(&[S], B), sig(&[I], B), sig(&[F], B)], Pure;
    HumanBytes "humanBytes" &[sig(&[F], S), sig(&[I], S)], Pure;
    If "if" &[
        sig(&[B, F, F], F), sig(&[B, I, I], I), sig(&[B, S, S], S), sig(&[B, B, B], B),
        sig(&[B, R, R], R), sig(&[B, T, T], T), sig(&[B, D, D], D),
    ], Pure;
    // Stateful
    Sigma "sigma" &[sig(&[F], F)], Stateful;
    Count "count" &[sig(&[], I)], Stateful;
    Spread "spread" &[sig(&[F], F)], Stateful;
    Rand "rand" &[sig(&[], I), sig(&[I], I)], Volatile;
}

impl Builtin {
    pub fn spec(self) -> &'static BuiltinSpec {
        &BUILTINS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn lookup(name: &str) -> Option<Builtin> {
        BUILTINS.iter().find(|b| b.name == name).map(|b| b.builtin)
    }

    pub fn is_stateful(self) -> bool {
        self.spec().state == Statefulness::Stateful
    }
}

impl Serialize for Builtin {
    fn serialize<Se: serde::Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Builtin {
    fn deserialize<De: serde::Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        let s = String::deserialize(d)?;
        Builtin::lookup(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown function {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_the_enum() {
        for (i, spec) in BUILTINS.iter().enumerate() {
            assert_eq!(spec.builtin as usize, i, "{}", spec.name);
            assert_eq!(Builtin::lookup(spec.name), Some(spec.builtin));
        }
    }
}

//! A seeded generator of well-typed lambda expressions and of points whose
//! field types vary, for the differential tests.
//!
//! Expressions are well typed *for the usual types* of the references
//! (`"f"` float, `"i"` int, `"s"` string, `"b"` bool, `"t"` a tag, `"time"`);
//! points sometimes give a reference another type, leave it missing, or
//! make it both a field and a tag, so the engines' run-time type checks and
//! error paths are exercised too.

use compiler::catalog::builtins::{Builtin, Statefulness, BUILTINS};
use compiler::ir::{BinaryOp, Const, Expr, ExprKind, UnaryOp};
use compiler::span::Span;
use compiler::types::Type;
use serde::{Deserialize, Serialize};
use vm::point::{FieldValue, Str};

/// xorshift64*: small, seedable, reproducible everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// A point as the tests store it (readable JSON in the corpus).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestPoint {
    pub time: i64,
    pub fields: Vec<(Str, FieldValue)>,
    pub tags: Vec<(Str, Str)>,
}

impl TestPoint {
    pub fn scope(&self) -> vm::point::Scope<'_> {
        vm::point::Scope {
            time: self.time,
            fields: &self.fields,
            tags: &self.tags,
            extra: &[],
        }
    }
}

const INTS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    7,
    10,
    -10,
    100,
    255,
    i64::MAX,
    i64::MIN,
    1 << 40,
];
const FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.5,
    3.0,
    100.0,
    1e-9,
    1e21,
    -7.25,
    f64::INFINITY,
    f64::NAN,
];
const STRINGS: &[&str] = &[
    "", "a", "abc", "héllo", "ab ab", " x ", "A", "10", "true", "1h30m", "é", "٣", "a_b",
];
const DURS: &[i64] = &[
    0,
    1,
    1_000_000_000,
    -60_000_000_000,
    3_600_000_000_000,
    1500,
    i64::MAX,
    i64::MIN,
];
const REGEXES: &[&str] = &[
    "a",
    "^a",
    "b$",
    "l+",
    "(a)(b)?",
    "(?P<x>[a-z])",
    "é",
    ".*",
    "\\d",
    "\\w+",
    "[\\s\\d]",
    "\\bab",
];

pub fn time_key(k: &str) -> Str {
    Str::from(k)
}

/// A random point over the test schema.
pub fn point(rng: &mut Rng, keys: &Keys) -> TestPoint {
    let mut fields: Vec<(Str, FieldValue)> = Vec::new();
    let mut tags: Vec<(Str, Str)> = Vec::new();
    let any_value = |rng: &mut Rng| match rng.below(4) {
        0 => FieldValue::Float(*rng.pick(FLOATS)),
        1 => FieldValue::Int(*rng.pick(INTS)),
        2 => FieldValue::String(Str::from(*rng.pick(STRINGS))),
        _ => FieldValue::Bool(rng.chance(50)),
    };
    // Usually the usual type, sometimes another one, sometimes missing.
    let mut put = |rng: &mut Rng, key: &Str, usual: FieldValue| {
        if rng.chance(8) {
            return;
        }
        let v = if rng.chance(6) { any_value(rng) } else { usual };
        fields.push((key.clone(), v));
    };
    let f = FieldValue::Float(*rng.pick(FLOATS) + rng.below(50) as f64);
    put(rng, &keys.f, f);
    let g = FieldValue::Float(*rng.pick(FLOATS));
    put(rng, &keys.g, g);
    let i = FieldValue::Int(if rng.chance(50) {
        *rng.pick(INTS)
    } else {
        rng.below(20) as i64 - 5
    });
    put(rng, &keys.i, i);
    let s = FieldValue::String(Str::from(*rng.pick(STRINGS)));
    put(rng, &keys.s, s);
    let b = FieldValue::Bool(rng.chance(50));
    put(rng, &keys.b, b);
    // "x": any type at all, or a null (join.fill('null')), or absent.
    if rng.chance(75) {
        let v = if rng.chance(5) {
            FieldValue::Null
        } else {
            any_value(rng)
        };
        fields.push((keys.x.clone(), v));
    }
    if rng.chance(92) {
        tags.push((keys.t.clone(), Str::from(*rng.pick(STRINGS))));
    }
    if rng.chance(10) {
        // A field and a tag with the same name.
        fields.push((keys.t.clone(), any_value(rng)));
    }
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields.dedup_by(|a, b| a.0 == b.0);
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    TestPoint {
        time: (rng.next() >> 2) as i64 % 4_000_000_000_000_000_000,
        fields,
        tags,
    }
}

/// Interned keys, shared by every generated point (as the line-protocol
/// parser does per series), so the slot caches are exercised.
pub struct Keys {
    pub f: Str,
    pub g: Str,
    pub i: Str,
    pub s: Str,
    pub b: Str,
    pub t: Str,
    pub x: Str,
}

impl Keys {
    pub fn new() -> Keys {
        Keys {
            f: "f".into(),
            g: "g".into(),
            i: "i".into(),
            s: "s".into(),
            b: "b".into(),
            t: "t".into(),
            x: "x".into(),
        }
    }
}

fn ex(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: Span::default(),
    }
}

fn c(k: Const) -> Expr {
    let t = k.ty();
    ex(ExprKind::Const(k), t)
}

fn r(name: &str) -> Expr {
    ex(ExprKind::Reference(name.to_string()), Type::Dynamic)
}

fn bin(op: BinaryOp, l: Expr, rr: Expr, ty: Type) -> Expr {
    let ty = if l.ty == Type::Dynamic || rr.ty == Type::Dynamic {
        Type::Dynamic
    } else {
        ty
    };
    ex(
        ExprKind::Binary {
            op,
            left: Box::new(l),
            right: Box::new(rr),
        },
        ty,
    )
}

fn call(func: Builtin, args: Vec<Expr>, ty: Type) -> Expr {
    let ty = if args.iter().any(|a| a.ty == Type::Dynamic) {
        Type::Dynamic
    } else {
        ty
    };
    ex(ExprKind::Call { func, args }, ty)
}

/// Generates expressions; `volatile` allows `now()`/`rand()` (off for
/// differential runs, whose engines must agree).
pub struct Gen<'a> {
    pub rng: &'a mut Rng,
}

impl Gen<'_> {
    /// A random expression of static type `ty` (never `Dynamic`).
    pub fn expr(&mut self, ty: Type, depth: u32) -> Expr {
        let e = if depth == 0 || self.rng.chance(25) {
            self.leaf(ty)
        } else {
            self.node(ty, depth - 1)
        };
        if depth > 0 && self.rng.chance(3) {
            let t = e.ty;
            return ex(ExprKind::Nested(Box::new(e)), t);
        }
        e
    }

    fn leaf(&mut self, ty: Type) -> Expr {
        let rng = &mut *self.rng;
        let reference = rng.chance(50);
        match ty {
            Type::Float if reference => r(rng.pick::<&str>(&["f", "f", "g", "i", "x"])),
            Type::Int if reference => r(rng.pick::<&str>(&["i", "i", "f", "x"])),
            Type::String if reference => r(rng.pick::<&str>(&["s", "t", "t", "x"])),
            Type::Bool if reference => r(rng.pick::<&str>(&["b", "b", "x"])),
            Type::Time => r("time"),
            Type::Float => c(Const::Float(*rng.pick(FLOATS))),
            Type::Int => c(Const::Int(*rng.pick(INTS))),
            Type::String => c(Const::String(rng.pick(STRINGS).to_string())),
            Type::Bool => c(Const::Bool(rng.chance(50))),
            Type::Duration => c(Const::Duration(*rng.pick(DURS))),
            Type::Regex => c(Const::Regex(rng.pick(REGEXES).to_string())),
            other => panic!("no leaf of type {other}"),
        }
    }

    fn node(&mut self, ty: Type, d: u32) -> Expr {
        use BinaryOp::*;
        use Type as T;
        // Sometimes a builtin call returning `ty`.
        if self.rng.chance(35) {
            if let Some(e) = self.builtin_call(ty, d) {
                return e;
            }
        }
        match ty {
            T::Float | T::Int => {
                let ops: &[BinaryOp] = if ty == T::Int {
                    &[Add, Sub, Mul, Div, Mod]
                } else {
                    &[Add, Sub, Mul, Div]
                };
                if self.rng.chance(15) {
                    let operand = self.expr(ty, d);
                    return ex(
                        ExprKind::Unary {
                            op: UnaryOp::Neg,
                            operand: Box::new(operand),
                        },
                        operand_ty(ty),
                    );
                }
                if ty == T::Int && self.rng.chance(10) {
                    let (a, b) = (self.expr(T::Duration, d), self.expr(T::Duration, d));
                    return bin(Div, a, b, T::Int);
                }
                let op = *self.rng.pick(ops);
                let (a, b) = (self.expr(ty, d), self.expr(ty, d));
                bin(op, a, b, ty)
            }
            T::String => {
                let (a, b) = (self.expr(T::String, d), self.expr(T::String, d));
                bin(Add, a, b, T::String)
            }
            T::Bool => match self.rng.below(7) {
                0 => {
                    let op = *self.rng.pick(&[And, Or]);
                    let (a, b) = (self.expr(T::Bool, d), self.expr(T::Bool, d));
                    bin(op, a, b, T::Bool)
                }
                5 | 6 => {
                    // Short-circuit past an operand that is often ill-typed
                    // or missing, with a stateful call deciding on the left
                    // half of the time (it must advance even when the right
                    // side then fails, and the skipped side must not fail).
                    let op = *self.rng.pick(&[And, Or]);
                    let a = if self.rng.chance(50) {
                        self.stateful_bool()
                    } else {
                        self.expr(T::Bool, d)
                    };
                    let b = if self.rng.chance(70) {
                        self.risky_bool(d)
                    } else {
                        self.expr(T::Bool, d)
                    };
                    bin(op, a, b, T::Bool)
                }
                1 => {
                    let operand = self.expr(T::Bool, d);
                    ex(
                        ExprKind::Unary {
                            op: UnaryOp::Not,
                            operand: Box::new(operand),
                        },
                        T::Bool,
                    )
                }
                2 => {
                    let op = *self.rng.pick(&[RegexMatch, RegexNotMatch]);
                    let (a, b) = (self.expr(T::String, d), self.expr(T::Regex, d));
                    bin(op, a, b, T::Bool)
                }
                _ => {
                    let op = *self.rng.pick(&[Eq, Ne, Lt, Le, Gt, Ge]);
                    let pairs: &[(T, T)] = &[
                        (T::Float, T::Float),
                        (T::Int, T::Int),
                        (T::Int, T::Float),
                        (T::Float, T::Int),
                        (T::String, T::String),
                        (T::Duration, T::Duration),
                    ];
                    let (lt, rt) = *self.rng.pick(pairs);
                    if matches!(op, Eq | Ne) && self.rng.chance(15) {
                        let (a, b) = (self.expr(T::Bool, d), self.expr(T::Bool, d));
                        return bin(op, a, b, T::Bool);
                    }
                    let (a, b) = (self.expr(lt, d), self.expr(rt, d));
                    bin(op, a, b, T::Bool)
                }
            },
            T::Duration => match self.rng.below(5) {
                0 => {
                    let op = *self.rng.pick(&[Add, Sub]);
                    let (a, b) = (self.expr(T::Duration, d), self.expr(T::Duration, d));
                    bin(op, a, b, T::Duration)
                }
                1 => {
                    let n = *self.rng.pick(&[T::Int, T::Float]);
                    let (a, b) = (self.expr(T::Duration, d), self.expr(n, d));
                    if self.rng.chance(50) {
                        bin(Mul, b, a, T::Duration)
                    } else {
                        bin(Mul, a, b, T::Duration)
                    }
                }
                2 => {
                    let n = *self.rng.pick(&[T::Int, T::Float]);
                    let (a, b) = (self.expr(T::Duration, d), self.expr(n, d));
                    bin(Div, a, b, T::Duration)
                }
                3 => {
                    let operand = self.expr(T::Duration, d);
                    ex(
                        ExprKind::Unary {
                            op: UnaryOp::Neg,
                            operand: Box::new(operand),
                        },
                        T::Duration,
                    )
                }
                _ => self.leaf(T::Duration),
            },
            _ => self.leaf(ty),
        }
    }

    /// A predicate over a stateful call that flips between points:
    /// `count() % k == r`, `sigma("f") > c`, `spread("f") < c`.
    fn stateful_bool(&mut self) -> Expr {
        use BinaryOp::*;
        match self.rng.below(3) {
            0 => {
                let k = 2 + self.rng.below(3) as i64;
                let rem = self.rng.below(k as usize) as i64;
                let count = call(Builtin::Count, vec![], Type::Int);
                let m = bin(Mod, count, c(Const::Int(k)), Type::Int);
                bin(Eq, m, c(Const::Int(rem)), Type::Bool)
            }
            1 => {
                let s = call(Builtin::Sigma, vec![r("f")], Type::Float);
                bin(Gt, s, c(Const::Float(0.5)), Type::Bool)
            }
            _ => {
                let s = call(Builtin::Spread, vec![r("f")], Type::Float);
                bin(Lt, s, c(Const::Float(30.0)), Type::Bool)
            }
        }
    }

    /// A predicate that is ill-typed or refers to a missing value on many
    /// points: `"x"` has any type or none, `"m"` never exists.
    fn risky_bool(&mut self, d: u32) -> Expr {
        use BinaryOp::*;
        use Type as T;
        let name = *self.rng.pick(&["x", "x", "m", "i", "s"]);
        let (k, kt) = match self.rng.below(4) {
            0 => (Const::Float(1.5), T::Float),
            1 => (Const::Int(1), T::Int),
            2 => (Const::String("a".into()), T::String),
            _ => (Const::Bool(true), T::Bool),
        };
        match self.rng.below(5) {
            // `"x" > 1`, `"x" == 'a'`, ...
            0 | 1 => {
                let op = if kt == T::Bool {
                    *self.rng.pick(&[Eq, Ne])
                } else {
                    *self.rng.pick(&[Eq, Ne, Lt, Gt])
                };
                bin(op, r(name), c(k), T::Bool)
            }
            // `"x" + 1 > 0`: the math operator fails in the comparison's probe.
            2 if kt != T::Bool => {
                let sum = bin(Add, r(name), c(k.clone()), kt);
                bin(Gt, sum, c(k), T::Bool)
            }
            // A bare reference as a logical operand.
            3 => {
                let other = self.expr(T::Bool, d.min(1));
                bin(*self.rng.pick(&[And, Or]), r(name), other, T::Bool)
            }
            // A call whose argument may be missing or ill-typed.
            _ => {
                let arg = call(Builtin::Abs, vec![r(name)], T::Float);
                bin(Gt, arg, c(Const::Float(1.0)), T::Bool)
            }
        }
    }

    /// A call to a random builtin whose signature returns `ty`.
    fn builtin_call(&mut self, ty: Type, d: u32) -> Option<Expr> {
        let candidates: Vec<(Builtin, &'static [Type])> = BUILTINS
            .iter()
            .filter(|b| b.state != Statefulness::Volatile)
            .flat_map(|b| b.signatures.iter().map(move |s| (b.builtin, s)))
            .filter(|(_, s)| s.ret == ty)
            .map(|(b, s)| (b, s.params))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let (func, params) = *self.rng.pick(&candidates);
        if func == Builtin::IsPresent && self.rng.chance(60) {
            let name = *self.rng.pick(&["f", "i", "s", "b", "t", "m", "x"]);
            return Some(call(func, vec![r(name)], Type::Bool));
        }
        let args = params.iter().map(|p| self.expr(*p, d)).collect();
        Some(call(func, args, ty))
    }
}

fn operand_ty(t: Type) -> Type {
    t
}

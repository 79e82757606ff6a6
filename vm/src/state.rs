//! Mutable per-evaluation state: reference slot caches and stateful builtin state.

use crate::point::Str;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, Mutex};

/// Where a reference was found last time in a key-sorted vector.
///
/// `Present(i, key)`: at index `i`, valid while the key there is the same
/// `Arc` (the parser interns keys per series, so this is one pointer compare).
/// `Absent(p, prev, next)`: not present, would sit at `p`; valid while the keys
/// around `p` are the same `Arc`s (sorted, unique keys: nothing can hide
/// between two unchanged neighbours). Anything else: binary search again.
#[derive(Debug, Clone, Default)]
pub enum SideSlot {
    #[default]
    Unknown,
    Present(usize, Str),
    Absent(usize, Option<Str>, Option<Str>),
}

impl SideSlot {
    /// Find `name` in `sorted`, using and refreshing the cache.
    #[inline]
    pub fn find<'a, V>(&mut self, sorted: &'a [(Str, V)], name: &str) -> Option<&'a V> {
        match self {
            SideSlot::Present(i, key) => {
                if let Some((k, v)) = sorted.get(*i) {
                    if Arc::ptr_eq(k, key) {
                        return Some(v);
                    }
                }
            }
            SideSlot::Absent(p, prev, next) => {
                let p = *p;
                let prev_ok = match prev {
                    None => p == 0,
                    Some(prev) => {
                        p > 0 && sorted.get(p - 1).is_some_and(|(k, _)| Arc::ptr_eq(k, prev))
                    }
                };
                let next_ok = match next {
                    None => sorted.len() == p,
                    Some(next) => sorted.get(p).is_some_and(|(k, _)| Arc::ptr_eq(k, next)),
                };
                if prev_ok && next_ok {
                    return None;
                }
            }
            SideSlot::Unknown => {}
        }
        self.search(sorted, name)
    }

    #[cold]
    fn search<'a, V>(&mut self, sorted: &'a [(Str, V)], name: &str) -> Option<&'a V> {
        match sorted.binary_search_by(|(k, _)| k.as_ref().cmp(name)) {
            Ok(i) => {
                *self = SideSlot::Present(i, sorted[i].0.clone());
                Some(&sorted[i].1)
            }
            Err(p) => {
                let prev = if p > 0 {
                    Some(sorted[p - 1].0.clone())
                } else {
                    None
                };
                let next = sorted.get(p).map(|(k, _)| k.clone());
                *self = SideSlot::Absent(p, prev, next);
                None
            }
        }
    }
}

/// The cache of one reference: its field slot and its tag slot.
#[derive(Debug, Clone, Default)]
pub struct RefSlot {
    pub field: SideSlot,
    pub tag: SideSlot,
}

/// The state of one stateful or volatile builtin instance (reference §5.5).
/// Serde data: a task checkpoint keeps it (`LambdaState::saved`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FuncState {
    /// Pure functions keep nothing.
    None,
    /// Welford's running mean and sum of squared deviations.
    Sigma {
        n: f64,
        mean: f64,
        m2: f64,
    },
    Count(i64),
    Spread {
        min: f64,
        max: f64,
        seen: bool,
    },
    /// A xorshift64* generator.
    Rand(u64),
}

impl FuncState {
    /// The initial state for a builtin.
    pub fn new(func: compiler::catalog::builtins::Builtin) -> FuncState {
        use compiler::catalog::builtins::Builtin;
        match func {
            Builtin::Sigma => FuncState::Sigma {
                n: 0.0,
                mean: 0.0,
                m2: 0.0,
            },
            Builtin::Count => FuncState::Count(0),
            Builtin::Spread => FuncState::Spread {
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
                seen: false,
            },
            Builtin::Rand => FuncState::Rand(rand_seed()),
            _ => FuncState::None,
        }
    }
}

/// Saved function states that do not fit the lambda they are restored
/// into: the script changed between the checkpoint and the restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateShapeError {
    /// What the lambda has: one kind name per stateful call.
    pub expected: Vec<&'static str>,
    /// What the checkpoint holds.
    pub found: Vec<&'static str>,
}

impl fmt::Display for StateShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "saved lambda state [{}] does not fit the lambda's stateful calls [{}]",
            self.found.join(", "),
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for StateShapeError {}

impl FuncState {
    /// The kind of state, for shape checks and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            FuncState::None => "none",
            FuncState::Sigma { .. } => "sigma",
            FuncState::Count(_) => "count",
            FuncState::Spread { .. } => "spread",
            FuncState::Rand(_) => "rand",
        }
    }
}

/// `saved` in place of `slots` when it has the same calls in the same order.
pub fn load_funcs(
    slots: &mut Vec<FuncState>,
    saved: Vec<FuncState>,
) -> Result<(), StateShapeError> {
    let fits =
        slots.len() == saved.len() && slots.iter().zip(&saved).all(|(a, b)| a.kind() == b.kind());
    if !fits {
        return Err(StateShapeError {
            expected: slots.iter().map(FuncState::kind).collect(),
            found: saved.iter().map(FuncState::kind).collect(),
        });
    }
    *slots = saved;
    Ok(())
}

/// The state slots of one lambda's stateful calls, as a back end sees them.
#[derive(Debug)]
pub struct FuncStates {
    /// One per stateful/volatile function name of the top-level expression
    /// (per group).
    pub own: Vec<FuncState>,
    /// The `Nested` lambdas' slots: one instance shared by every group
    /// (§5.5), hence behind a lock taken only by those calls.
    pub shared: Arc<Mutex<Vec<FuncState>>>,
}

/// A non-zero seed for a new `rand()` state that differs between instances.
pub fn rand_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let c = COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    (t ^ c) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<(Str, i32)> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (Str::from(*n), i as i32))
            .collect()
    }

    #[test]
    fn slot_hits_misses_and_revalidates() {
        let a = keys(&["a", "c", "e"]);
        let mut s = SideSlot::default();
        assert_eq!(s.find(&a, "c"), Some(&1));
        assert!(matches!(s, SideSlot::Present(1, _)));
        assert_eq!(s.find(&a, "c"), Some(&1));
        let mut m = SideSlot::default();
        assert_eq!(m.find(&a, "d"), None);
        assert!(matches!(m, SideSlot::Absent(2, Some(_), Some(_))));
        assert_eq!(m.find(&a, "d"), None);
        // Same key Arcs, "d" inserted: the absence cache must notice.
        let mut b = a.clone();
        b.insert(2, (Str::from("d"), 9));
        assert_eq!(m.find(&b, "d"), Some(&9));
        // A different vector with equal content but new Arcs: falls back.
        let c = keys(&["a", "c", "e"]);
        assert_eq!(s.find(&c, "c"), Some(&1));
        // Absent at the ends.
        let mut e = SideSlot::default();
        assert_eq!(e.find(&a, "z"), None);
        assert_eq!(e.find(&a[..2], "z"), None);
        assert_eq!(e.find(&keys(&[]), "z"), None);
        let mut f = SideSlot::default();
        assert_eq!(f.find(&a, "0"), None);
        assert_eq!(f.find(&a, "0"), None);
    }
}

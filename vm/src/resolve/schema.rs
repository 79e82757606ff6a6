//! References bound to the slots of a series schema.
//!
//! Points of one series nearly always carry the same field and tag keys (the
//! same interned `Arc`s, in the same sorted positions), and the same value
//! types. So after a full resolution (`resolve_ref` for every reference, the
//! check table brought up to date) a state remembers where each reference
//! was found — `Binding` — and the next point only proves the binding still
//! holds: for a field or tag, the key at the remembered index is the same
//! pointer; for an absent name, the keys around the gap where it would sit
//! are the same pointers (sorted, unique keys: nothing can hide between two
//! unchanged neighbours); and the value's type is the one the check table
//! was computed for. Then the value is read straight from its slot: no name
//! comparison, no search, no type analysis. Anything else — another schema,
//! a type change, extra bindings (eval's earlier results) — takes the full
//! path, which binds again. The proofs are the slot caches of `state.rs`
//! (`SideSlot`), read here without updating them.

use super::reference::{resolved_type, Resolved};
use crate::point::{Scope, Str};
use crate::state::{RefSlot, SideSlot};
use crate::value::VType;
use std::sync::Arc;

/// Where a reference was found on the bound schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Binding {
    /// Not bound: the next evaluation resolves fully.
    #[default]
    Unbound,
    /// `"time"`: the point's time, always there.
    Time,
    /// A field (the tag side proved absent).
    Field,
    /// A tag (the field side proved absent).
    Tag,
    /// Neither field nor tag, and no extra bindings: missing.
    Absent,
}

/// The key at `i` is the remembered one (one pointer compare).
#[inline(always)]
fn present<'a, V>(side: &SideSlot, sorted: &'a [(Str, V)]) -> Option<&'a V> {
    match side {
        SideSlot::Present(i, key) => match sorted.get(*i) {
            Some((k, v)) if Arc::ptr_eq(k, key) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

/// The remembered gap is still a gap (its neighbours are the same keys).
#[inline(always)]
fn absent<V>(side: &SideSlot, sorted: &[(Str, V)]) -> bool {
    match side {
        SideSlot::Absent(p, prev, next) => {
            let p = *p;
            let prev_ok = match prev {
                None => p == 0,
                Some(prev) => p > 0 && sorted.get(p - 1).is_some_and(|(k, _)| Arc::ptr_eq(k, prev)),
            };
            let next_ok = match next {
                None => sorted.len() == p,
                Some(next) => sorted.get(p).is_some_and(|(k, _)| Arc::ptr_eq(k, next)),
            };
            prev_ok && next_ok
        }
        _ => false,
    }
}

/// Read reference `i` from its bound slot, if the binding holds on this
/// point and the value has the type it had (`expect`); `None` sends the
/// evaluation down the full path.
#[inline(always)]
pub fn read_bound<'a>(
    binding: Binding,
    slot: &RefSlot,
    expect: VType,
    scope: &Scope<'a>,
) -> Option<Resolved<'a>> {
    let r = match binding {
        Binding::Time => Resolved::Time(scope.time),
        Binding::Field => {
            let v = present(&slot.field, scope.fields)?;
            if !absent(&slot.tag, scope.tags) {
                return None;
            }
            Resolved::Field(v)
        }
        Binding::Tag => {
            let t = present(&slot.tag, scope.tags)?;
            if !absent(&slot.field, scope.fields) {
                return None;
            }
            Resolved::Tag(t)
        }
        Binding::Absent => {
            if absent(&slot.field, scope.fields) && absent(&slot.tag, scope.tags) {
                Resolved::Missing
            } else {
                return None;
            }
        }
        Binding::Unbound => return None,
    };
    (resolved_type(&r) == expect).then_some(r)
}

/// The binding a full resolution establishes; extra bindings are never
/// bound (they are not part of the schema).
pub fn binding_of(r: &Resolved<'_>) -> Binding {
    match r {
        Resolved::Time(_) => Binding::Time,
        Resolved::Field(_) => Binding::Field,
        Resolved::Tag(_) => Binding::Tag,
        Resolved::Missing => Binding::Absent,
        Resolved::Extra(_) => Binding::Unbound,
    }
}

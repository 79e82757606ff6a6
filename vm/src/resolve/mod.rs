//! Before a back end runs: resolve the program's references on the point
//! and know, for their run-time types, which check sites fail.
//!
//! `reference.rs` finds each reference (reference §5.1) through its slot
//! cache, borrowing from the point; `sites.rs` is the type analysis
//! (reference §5.2) giving each check site's error for a type vector;
//! `check_table.rs` caches that table per state, recomputed only when the
//! types change; `schema.rs` binds the references to the slots of the
//! point's schema so that the next points of the series skip all of that.
//! `Frame` is the per-state half of all this, `Frame::resolve_all` the one
//! entry both back ends (`interp.rs`, `jit/`) call; they call nothing of
//! each other.

mod check_table;
mod reference;
pub mod schema;
pub mod sites;

pub use check_table::CheckTable;
pub use reference::{resolve_ref, resolved_type, Resolved};

use crate::bytecode::Program;
use crate::error::EvalError;
use crate::point::Scope;
use crate::state::RefSlot;
use crate::value::VType;
use schema::Binding;

/// One schema's binding: each reference's slot cache, run-time type and
/// binding (`schema.rs`).
#[derive(Debug, Default)]
pub struct BoundSchema {
    /// One cache per distinct reference name (index in `Program::refs`).
    pub refs: Vec<RefSlot>,
    /// Their run-time types when bound.
    pub types: Vec<VType>,
    /// Where each reference was found.
    pub bindings: Vec<Binding>,
    /// Every reference is bound: a point may take the bound path.
    pub bound: bool,
}

impl BoundSchema {
    fn new(n: usize) -> BoundSchema {
        BoundSchema {
            refs: vec![RefSlot::default(); n],
            types: vec![VType::Missing; n],
            bindings: vec![Binding::Unbound; n],
            bound: false,
        }
    }

    #[inline]
    fn fit(&mut self, n: usize) {
        if self.refs.len() != n || self.types.len() != n || self.bindings.len() != n {
            self.refs.resize(n, RefSlot::default());
            self.types.resize(n, VType::Missing);
            self.bindings.resize(n, Binding::Unbound);
            self.bound = false;
        }
    }

    /// Read every reference from its bound slot; `false` (some values
    /// already handed to `put`) if the point is not of this schema or a
    /// value changed type.
    #[inline(always)]
    fn read<'a>(&self, scope: &Scope<'a>, put: &mut impl FnMut(usize, Resolved<'a>)) -> bool {
        if !self.bound {
            return false;
        }
        for i in 0..self.bindings.len() {
            match schema::read_bound(self.bindings[i], &self.refs[i], self.types[i], scope) {
                Some(r) => put(i, r),
                None => return false,
            }
        }
        true
    }
}

/// The per-state resolution data of one lambda: the schemas it is bound to
/// and the check table for the current one's types.
///
/// Two schemas, because one state often serves two series in turn: an
/// alert predicate or `from().where` has one state for every group (§5.5),
/// so interleaved series of different field sets alternate on it. The
/// current schema is tried first, then the previous one (swapped in on a
/// hit); a third schema resolves fully and the older of the two is dropped.
#[derive(Debug, Default)]
pub struct Frame {
    /// The schema of the last point.
    pub cur: BoundSchema,
    /// The schema before it.
    pub prev: BoundSchema,
    /// The check sites' errors for `cur.types`.
    pub table: CheckTable,
}

impl Frame {
    /// A fresh frame for a program with `n` references.
    pub fn new(n: usize) -> Frame {
        Frame {
            cur: BoundSchema::new(n),
            prev: BoundSchema::new(n),
            table: CheckTable::default(),
        }
    }

    /// Size the per-reference vectors for a program with `n` references (a
    /// state made for another lambda; never per point for a matching one).
    #[inline]
    pub fn fit(&mut self, n: usize) {
        self.cur.fit(n);
        self.prev.fit(n);
    }

    /// Resolve every reference of `p` on the point, handing each to `put`
    /// (index, value), and leave `table` up to date for their types.
    ///
    /// The bound path: when the point has one of the two schemas this state
    /// bound last (every binding's pointer proofs hold) and every value has
    /// its old type, values are read from their slots, with no name
    /// comparison, search or type analysis. Otherwise the full path:
    /// `resolve_ref` per reference in order (its errors, in Kapacitor's
    /// order), the table updated, the schema bound.
    #[inline]
    pub fn resolve_all<'a>(
        &mut self,
        p: &Program,
        scope: &Scope<'a>,
        mut put: impl FnMut(usize, Resolved<'a>),
    ) -> Result<(), EvalError> {
        // A state made for another lambda (never per point for its own).
        self.fit(p.refs.len());
        // Extra bindings are not part of a schema: a name absent from the
        // point may be one of them.
        if scope.extra.is_empty() {
            if self.cur.read(scope, &mut put) {
                return Ok(());
            }
            if self.prev.read(scope, &mut put) {
                self.swap_schemas(p);
                return Ok(());
            }
        }
        self.resolve_fully(p, scope, put)
    }

    /// The previous schema becomes the current one (no allocation: the
    /// vectors are swapped); the table follows its types.
    #[cold]
    #[inline(never)]
    fn swap_schemas(&mut self, p: &Program) {
        std::mem::swap(&mut self.cur, &mut self.prev);
        self.table.update(p, &self.cur.types);
    }

    #[cold]
    #[inline(never)]
    fn resolve_fully<'a>(
        &mut self,
        p: &Program,
        scope: &Scope<'a>,
        mut put: impl FnMut(usize, Resolved<'a>),
    ) -> Result<(), EvalError> {
        // Keep the last bound schema as the previous one; resolve into the
        // other's vectors (their caches are only hints, checked as used).
        if self.cur.bound {
            std::mem::swap(&mut self.cur, &mut self.prev);
        }
        let cur = &mut self.cur;
        cur.bound = false;
        for (i, name) in p.refs.iter().enumerate() {
            let r = resolve_ref(name, &mut cur.refs[i], scope)?;
            cur.types[i] = resolved_type(&r);
            cur.bindings[i] = schema::binding_of(&r);
            put(i, r);
        }
        self.table.update(p, &self.cur.types);
        self.cur.bound = self.cur.bindings.iter().all(|b| *b != Binding::Unbound);
        Ok(())
    }
}

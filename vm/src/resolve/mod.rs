//! Before a back end runs: resolve the program's references on the point
//! and know, for their run-time types, which check sites fail.
//!
//! `reference.rs` finds each reference (reference §5.1) through its slot
//! cache, borrowing from the point; `sites.rs` is the type analysis
//! (reference §5.2) giving each check site's error for a type vector;
//! `check_table.rs` caches that table per state, recomputed only when the
//! types change. `Frame` is the per-state half of all this. Both back ends
//! (`interp.rs`, `jit/`) call these and nothing of each other.

mod check_table;
mod reference;
pub mod sites;

pub use check_table::CheckTable;
pub use reference::{resolve_ref, resolved_type, Resolved};

use crate::bytecode::Program;
use crate::state::RefSlot;
use crate::value::VType;

/// The per-state resolution data of one lambda: each reference's slot
/// cache and run-time type, and the check table for those types.
#[derive(Debug, Default)]
pub struct Frame {
    /// One cache per distinct reference name (index in `Program::refs`).
    pub refs: Vec<RefSlot>,
    /// Their run-time types at the last evaluation.
    pub types: Vec<VType>,
    /// The check sites' errors for `types`.
    pub table: CheckTable,
}

impl Frame {
    /// A fresh frame for a program with `n` references.
    pub fn new(n: usize) -> Frame {
        Frame {
            refs: vec![RefSlot::default(); n],
            types: vec![VType::Missing; n],
            table: CheckTable::default(),
        }
    }

    /// Size the per-reference vectors for a program with `n` references (a
    /// state made for another lambda; never per point for a matching one).
    pub fn fit(&mut self, n: usize) {
        if self.refs.len() != n || self.types.len() != n {
            self.refs.resize(n, RefSlot::default());
            self.types.resize(n, VType::Missing);
        }
    }

    /// Bring the check table up to date with `types` (after resolving).
    #[inline]
    pub fn check(&mut self, p: &Program) {
        self.table.update(p, &self.types);
    }
}

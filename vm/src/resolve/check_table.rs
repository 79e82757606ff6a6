//! The per-state cache of check-site errors.

use super::sites;
use crate::bytecode::Program;
use crate::error::EvalError;
use crate::value::VType;

/// For the reference types it was computed for, the error (if any) of
/// every check site of the program. Nothing is raised here: `Op::Check`
/// raises a site's error when evaluation reaches it.
#[derive(Debug, Default)]
pub struct CheckTable {
    /// The reference types the table was computed for (`None`: not yet).
    checked: Option<Vec<VType>>,
    /// The error of each check site (`sites::site_errors`).
    pub site_errs: Vec<Option<EvalError>>,
    /// The same as one byte per site (1: fails), read by native code.
    pub site_fail: Vec<u8>,
    /// Whether any site fails: then the checked code runs.
    pub any_fail: bool,
}

impl CheckTable {
    /// Recompute the table for `types` unless it is already theirs.
    #[inline]
    pub fn update(&mut self, p: &Program, types: &[VType]) {
        // (A state made for another lambda may have a table of another size.)
        if self.checked.as_deref() != Some(types) || self.site_errs.len() != p.sites.len() {
            self.analyze(p, types);
        }
    }

    #[cold]
    fn analyze(&mut self, p: &Program, types: &[VType]) {
        self.site_errs = sites::site_errors(p, types);
        self.site_fail.clear();
        self.site_fail
            .extend(self.site_errs.iter().map(|e| e.is_some() as u8));
        self.any_fail = self.site_errs.iter().any(Option::is_some);
        match &mut self.checked {
            Some(v) => {
                v.clear();
                v.extend_from_slice(types);
            }
            None => self.checked = Some(types.to_vec()),
        }
    }

    /// Site `i`'s error, if it fails for the current types.
    #[inline]
    pub fn error(&self, i: usize) -> Option<&EvalError> {
        self.site_errs.get(i).and_then(Option::as_ref)
    }
}

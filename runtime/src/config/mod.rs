//! Runtime configuration read by nodes at build time.
//!
//! Owned by RT-alert for the handler sections (Kapacitor's `[slack]`,
//! `[pagerduty]`, ... config sections); RT-core only threads it through
//! `BuildEnv`. Extend additively.

/// The configuration a task is built with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Call alert handlers (`tickc run --handlers`); otherwise only events are output.
    pub handlers_enabled: bool,
}

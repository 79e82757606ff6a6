//! Command implementations behind the binaries: `tickc` (offline) and `kapacitor` (HTTP client).

pub mod kapacitor;
pub mod tickc;

//! Command implementations shared by the binaries (`tickc`, later `kapacitor`).

pub mod tickc;

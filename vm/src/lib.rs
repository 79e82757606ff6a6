//! The lambda engine: compiles typed lambda IR once per task and evaluates it per point.

pub mod point;
pub mod value;

//! The task runtime: executes a checked `ir::Pipeline` over points and batches.
//!
//! Map: `message` (what flows on edges), `group` (group IDs), `node` (the node
//! contract + one file per node), `task` (the single-threaded graph executor
//! and its stats/DOT), `line_protocol` and `recording` (inputs), `result`
//! (Result/Row JSON), `output` (where outputs go), `engine` (running tasks,
//! and `engine::replay`: a task fed loaded data, the one loop of server
//! replays and `tickc run`), `point` (the point model), `time` (Go time
//! rules).

pub mod alert;
pub mod batch;
pub mod config;
pub mod engine;
pub mod fuzzing;
pub mod group;
pub mod influxdb;
pub mod limits;
pub mod line_protocol;
pub mod message;
pub mod net_policy;
pub mod node;
pub mod output;
pub mod point;
pub mod recording;
pub mod result;
pub mod sigv4;
pub mod snapshot;
pub mod stats;
pub mod task;
pub mod template;
pub mod testing;
pub mod time;
pub mod udf;
pub mod yaml_json;

//! Test-only helpers shared by the crates' end-to-end tests: the real
//! external servers our integrations talk to, and our own `kapacitord`,
//! each started on free loopback ports in its own temp dir and stopped when
//! dropped. Missing binaries are a test failure that says how to install
//! them, never a silent skip (`.ci/test` installs them).

pub mod alert_log;
pub mod alertmanager;
pub mod fuzz;
pub mod influxd;
pub mod kafka;
pub mod kapacitord;
pub mod mosquitto;
pub mod nats;
pub mod ports;
pub mod recorder;
pub mod snmptrapd;
pub mod tls;

pub use alertmanager::Alertmanager;
pub use influxd::Influxd;
pub use kapacitord::Kapacitord;
pub use ports::free_port;
pub use recorder::Recorder;

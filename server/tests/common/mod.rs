//! The real `kapacitord` for the service tests (load directory, config overrides, storage,
//! logs): `testkit::kapacitord` with this package's binary, the data and `HOME` in a temp
//! dir, the log in `dir/kapacitord.log`, stats off, and the test's env/flags added.

#![allow(dead_code)]

use std::ops::{Deref, DerefMut};
use std::path::Path;
use testkit::kapacitord::{Builder, Kapacitord};

#[allow(unused_imports)]
pub use testkit::free_port;
#[allow(unused_imports)]
pub use testkit::kapacitord::agent;

/// A `testkit::Kapacitord` (its methods through `Deref`), killed on drop.
pub struct Server(pub Kapacitord);

/// The starter `Server::start` uses, for a test that adds more options.
pub fn builder(dir: &Path) -> Builder {
    Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .home(dir)
        .data_dir(dir)
        .log_file(dir.join("kapacitord.log"))
        .env("KAPACITOR_STATS_ENABLED", "false")
}

impl Server {
    /// Start with the data under `dir`, the log in `dir/kapacitord.log`, `env` and `args` added.
    pub fn start(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Server {
        Server(builder(dir).envs(env.iter().copied()).args(args).start())
    }

    /// Poll `f` every 50 ms for up to 10 s.
    pub fn wait_for(&self, what: &str, mut f: impl FnMut(&Server) -> bool) {
        self.0.wait_for(what, |_| f(self));
    }

    /// kill -9.
    pub fn stop(mut self) {
        self.0.kill();
    }
}

impl Deref for Server {
    type Target = Kapacitord;
    fn deref(&self) -> &Kapacitord {
        &self.0
    }
}

impl DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Kapacitord {
        &mut self.0
    }
}

//! YAML files (`define -file`, `-vars`, `define-topic-handler`) read as Kapacitor reads them:
//! the shared converter in `runtime::yaml_json` (kapacitord's load service reads the same files).

pub use runtime::yaml_json::*;

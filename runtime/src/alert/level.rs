//! Alert levels, ordered OK < INFO < WARNING < CRITICAL.

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Level {
    #[default]
    Ok = 0,
    Info = 1,
    Warning = 2,
    Critical = 3,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Ok, Level::Info, Level::Warning, Level::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
        }
    }

    pub fn from_index(i: usize) -> Level {
        Level::ALL[i.min(3)]
    }
}

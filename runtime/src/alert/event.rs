//! An alert event and its JSON (api.md §5.3, key order as Kapacitor's
//! `alert.Data`): id, message, details, time, duration, level, data,
//! previousLevel, recoverable.

use super::level::Level;
use crate::message::{Fields, Str, Tags};
use crate::result::{write_row, write_str, Row};
use crate::template::gotime::rfc3339_nano;
use std::fmt::Write as _;

#[derive(Debug, Clone, Default)]
pub struct Event {
    pub id: String,
    pub message: String,
    pub details: String,
    /// ns since the epoch.
    pub time: i64,
    /// ns since the alert left OK.
    pub duration: i64,
    pub level: Level,
    pub previous_level: Level,
    pub recoverable: bool,
    /// The triggering point/batch as one Row.
    pub data: Row,
    /// Context handlers use (not part of the JSON).
    pub task: Str,
    pub name: Str,
    /// The group ID (`""` for the nil group).
    pub group: Str,
    /// The tags the templates saw (point tags for streams, group tags for batches).
    pub tags: Tags,
    /// The fields the templates saw (the point's, or the batch's highest-level
    /// point's): Kapacitor's `EventData.Fields`, which some handlers send.
    pub fields: Fields,
}

impl Event {
    /// The event JSON without trailing newline.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Appends the event JSON (no trailing newline) to `out`.
    pub fn write_json(&self, out: &mut String) {
        out.reserve(self.id.len() + self.message.len() + 2 * self.details.len() + 256);
        out.push_str("{\"id\":");
        write_str(out, &self.id);
        out.push_str(",\"message\":");
        write_str(out, &self.message);
        out.push_str(",\"details\":");
        write_str(out, &self.details);
        out.push_str(",\"time\":\"");
        rfc3339_nano(self.time, out);
        let _ = write!(
            out,
            "\",\"duration\":{},\"level\":\"{}\"",
            self.duration,
            self.level.as_str()
        );
        out.push_str(",\"data\":");
        self.write_result(out);
        let _ = write!(
            out,
            ",\"previousLevel\":\"{}\",\"recoverable\":{}}}",
            self.previous_level.as_str(),
            self.recoverable
        );
    }

    /// `{"series":[row]}`.
    pub fn write_result(&self, out: &mut String) {
        out.push_str("{\"series\":[");
        write_row(out, &self.data);
        out.push_str("]}");
    }

    pub fn result_json(&self) -> String {
        let mut s = String::new();
        self.write_result(&mut s);
        s
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        crate::point::lookup(&self.tags, key).map(|s| s.as_ref())
    }
}

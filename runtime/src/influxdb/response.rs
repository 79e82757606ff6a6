//! InfluxDB's `/query` answer: `{"results":[{"statement_id","series":[…],
//! "messages":[…],"error"?,"partial"?}],"error"?}`. Values stay
//! `serde_json::Value`, so integers remain integers and floats floats, as
//! Go's `json.Number` keeps them; the consumer decides (batch `query` turns
//! every number into a float, `SHOW` statements read strings).
//!
//! A chunked answer is a stream of such objects, each holding part of a
//! statement's series; [`Response::merge_chunk`] folds them into one.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    pub results: Vec<QueryResult>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct QueryResult {
    #[serde(default)]
    pub statement_id: usize,
    #[serde(default)]
    pub series: Vec<Row>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default, deserialize_with = "nonempty")]
    pub error: Option<String>,
    /// More of this statement follows in the next chunk.
    #[serde(default)]
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Row {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub values: Vec<Vec<serde_json::Value>>,
    /// More values of this series follow in the next chunk.
    #[serde(default)]
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub text: String,
}

/// One JSON object of the answer (the whole answer when not chunked).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Chunk {
    #[serde(default)]
    pub results: Vec<QueryResult>,
    #[serde(default, deserialize_with = "nonempty")]
    pub error: Option<String>,
}

/// `"error": ""` means no error, as Go's `omitempty` string does.
fn nonempty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.filter(|s| !s.is_empty()))
}

impl Response {
    /// Fold the next chunk in: a result continuing the last statement (same
    /// `statement_id` after a partial one) extends it, and its first series
    /// continues the last series when that one was partial with the same
    /// name and tags.
    pub(crate) fn merge_chunk(&mut self, chunk: Chunk) {
        if chunk.error.is_some() {
            self.error = chunk.error;
        }
        for r in chunk.results {
            match self.results.last_mut() {
                Some(last) if last.partial && last.statement_id == r.statement_id => {
                    last.partial = r.partial;
                    if r.error.is_some() {
                        last.error = r.error;
                    }
                    last.messages.extend(r.messages);
                    for s in r.series {
                        match last.series.last_mut() {
                            Some(ls) if ls.partial && ls.name == s.name && ls.tags == s.tags => {
                                ls.values.extend(s.values);
                                ls.partial = s.partial;
                            }
                            _ => last.series.push(s),
                        }
                    }
                }
                _ => self.results.push(r),
            }
        }
    }

    /// The first error of the answer or of any statement, as Kapacitor's
    /// `Response.Error` reports it.
    pub fn first_error(&self) -> Option<&str> {
        self.error
            .as_deref()
            .or_else(|| self.results.iter().find_map(|r| r.error.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(s: &str) -> Chunk {
        serde_json::from_str(s).expect("chunk JSON")
    }

    #[test]
    fn integers_stay_integers_and_floats_floats() {
        let mut r = Response::default();
        r.merge_chunk(chunk(
            r#"{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","i","f"],"values":[["2016-01-01T00:00:00Z",3,3.5]]}]}]}"#,
        ));
        let v = &r.results[0].series[0].values[0];
        assert!(v[1].is_i64(), "{v:?}");
        assert!(v[2].is_f64(), "{v:?}");
    }

    #[test]
    fn chunks_of_one_series_are_joined() {
        let mut r = Response::default();
        r.merge_chunk(chunk(
            r#"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}"#,
        ));
        r.merge_chunk(chunk(
            r#"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[[3,3]]},{"name":"cpu","tags":{"host":"b"},"columns":["time","v"],"values":[[4,4]]}]}]}"#,
        ));
        r.merge_chunk(chunk(r#"{"results":[{"statement_id":1}]}"#));
        assert_eq!(r.results.len(), 2);
        let s = &r.results[0].series;
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].values.len(), 3);
        assert!(!s[0].partial && !r.results[0].partial);
        assert_eq!(s[1].tags["host"], "b");
    }

    #[test]
    fn statement_errors_are_found() {
        let mut r = Response::default();
        r.merge_chunk(chunk(
            r#"{"results":[{"statement_id":0},{"statement_id":1,"error":"database not found: x"}]}"#,
        ));
        assert_eq!(r.first_error(), Some("database not found: x"));
        let mut ok = Response::default();
        ok.merge_chunk(chunk(r#"{"results":[{"statement_id":0,"error":""}]}"#));
        assert_eq!(ok.first_error(), None);
    }
}

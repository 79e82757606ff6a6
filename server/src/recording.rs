//! Stream recordings: a tap on the engine's write stream that keeps the
//! points a task would receive (its dbrps and `from` measurements) in
//! Kapacitor's `.srpl` format (gzip; database, retention policy, line with a
//! ns timestamp per point) under the replay dir. It ends, as Kapacitor's
//! does, when a point newer than the stop time arrives. A recording whose stop
//! time is still ahead when it starts (the CLI's `now + -duration`) also ends
//! when the wall clock passes it (plus `LATE_POINT_GRACE`): Kapacitor's waits
//! for that newer point, so `kapacitor record stream -duration 20s` never
//! returned once data stopped or never came (kapacitor#148, #526, #677). A
//! stop time already past records back-dated points, and only they end it.
//! The file is synced before the recording is marked finished in the store.

use crate::store::{RecordingRecord, Store, StoreError};
use flate2::write::GzEncoder;
use runtime::engine::{Subscription, Tap, WriteBatch};
use runtime::line_protocol::{write_line, Precision};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// How long after its stop time, by the wall clock, a recording still waits
/// for points stamped before it (a write in flight, a subscription's delay)
/// when no newer point has ended it.
pub const LATE_POINT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

pub struct StreamRecorder {
    sub: Subscription,
    /// ns; the first point after it ends the recording.
    stop: i64,
    state: Mutex<RecorderState>,
}

struct RecorderState {
    out: Option<GzEncoder<BufWriter<File>>>,
    line: String,
    done: Option<Sender<Result<(), String>>>,
    error: Option<String>,
}

impl StreamRecorder {
    pub fn create(
        path: &PathBuf,
        sub: Subscription,
        stop: i64,
        done: Sender<Result<(), String>>,
    ) -> std::io::Result<StreamRecorder> {
        let f = File::create(path)?;
        Ok(StreamRecorder {
            sub,
            stop,
            state: Mutex::new(RecorderState {
                out: Some(GzEncoder::new(
                    BufWriter::new(f),
                    flate2::Compression::default(),
                )),
                line: String::new(),
                done: Some(done),
                error: None,
            }),
        })
    }
}

impl StreamRecorder {
    /// When, by the wall clock (ns), a recording started at `now` ends
    /// without a point newer than its stop; `None` for a stop already past.
    pub fn wall_clock_end(&self, now: i64) -> Option<i64> {
        (self.stop >= now).then(|| self.stop.saturating_add(LATE_POINT_GRACE.as_nanos() as i64))
    }

    /// End the recording now, with what it holds (a no-op once ended).
    pub fn end(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.finish();
    }
}

impl RecorderState {
    /// Close the file and report how the recording ended, once.
    fn finish(&mut self) {
        let result = match (self.out.take().map(close), self.error.take()) {
            (_, Some(e)) => Err(e),
            (Some(Err(e)), None) => Err(e.to_string()),
            _ => Ok(()),
        };
        if let Some(done) = self.done.take() {
            let _ = done.send(result);
        }
    }
}

fn close(out: GzEncoder<BufWriter<File>>) -> std::io::Result<()> {
    let buf = out.finish()?;
    let f = buf.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()
}

impl Tap for StreamRecorder {
    fn write(&self, batch: &Arc<WriteBatch>) {
        if !self
            .sub
            .wants_dbrp(&batch.database, &batch.retention_policy)
        {
            return;
        }
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = &mut *st;
        if st.out.is_none() {
            return;
        }
        let mut finished = false;
        for p in &batch.points {
            if p.time > self.stop {
                finished = true;
                break;
            }
            if !self.sub.wants_measurement(&p.name) {
                continue;
            }
            st.line.clear();
            st.line.push_str(&batch.database);
            st.line.push('\n');
            st.line.push_str(&batch.retention_policy);
            st.line.push('\n');
            write_line(&mut st.line, p, Precision::Nanoseconds);
            st.line.push('\n');
            if let Some(out) = st.out.as_mut() {
                if let Err(e) = out.write_all(st.line.as_bytes()) {
                    st.error = Some(e.to_string());
                    finished = true;
                    break;
                }
            }
        }
        if finished {
            st.finish();
        }
    }
}

/// The recordings being made now.
#[derive(Default)]
pub struct Recordings {
    pub running: Mutex<HashMap<String, u64>>,
}

impl Recordings {
    /// At start-up: recordings still `running` were cut by a crash.
    pub fn fail_interrupted(&self, store: &Store) -> Result<(), StoreError> {
        for mut r in store.recordings()? {
            if r.status == "running" {
                r.status = "failed".into();
                r.error = "unexpected Kapacitor shutdown".into();
                store.put_recording(&r)?;
            }
        }
        Ok(())
    }
}

/// At start-up: recording files dropped into the replay dir (`<id>.srpl`,
/// `<id>.brpl`) that the store does not know are registered as finished.
pub fn register_dropped(store: &Store, dir: &std::path::Path) -> Result<(), StoreError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let path = e.path();
        let rtype = match path.extension().and_then(|x| x.to_str()) {
            Some("srpl") => "stream",
            Some("brpl") => "batch",
            _ => continue,
        };
        let Some(id) = path.file_stem().and_then(|x| x.to_str()) else {
            continue;
        };
        if !crate::ids::valid_id(id) || store.recording(id)?.is_some() {
            continue;
        }
        let meta = e.metadata().ok();
        let mut r = new_record(id, rtype);
        r.status = "finished".into();
        r.progress = 1.0;
        r.size = meta.as_ref().map_or(0, |m| m.len());
        if let Some(t) = meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        {
            r.date = t.as_nanos() as i64;
        }
        store.put_recording(&r)?;
    }
    Ok(())
}

pub fn new_record(id: &str, rtype: &str) -> RecordingRecord {
    RecordingRecord {
        id: id.to_string(),
        rtype: rtype.to_string(),
        size: 0,
        date: crate::ids::now_ns(),
        error: String::new(),
        status: "running".into(),
        progress: 0.0,
    }
}

//! Durable state in one redb file: tasks, their compiled images, templates
//! and recording metadata. Every change is one write transaction committed
//! (fsynced, redb's default durability) before the HTTP answer, so an
//! acknowledged change survives `kill -9`.
//!
//! Records are JSON (readable, and tolerant of added fields); a task's
//! compiled image is the bincode-serialized IR stamped with the build that
//! wrote it: another build recompiles from the script instead of trusting it.

use compiler::ir::Pipeline;
use redb::{Database, ReadableTable, TableDefinition};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

const TASKS: TableDefinition<&str, &[u8]> = TableDefinition::new("tasks");
const IMAGES: TableDefinition<&str, &[u8]> = TableDefinition::new("task_images");
const TEMPLATES: TableDefinition<&str, &[u8]> = TableDefinition::new("templates");
const RECORDINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("recordings");
/// Topic handler specs keyed `<topic>/<handler>` (Kapacitor's object ID).
const TOPIC_HANDLERS: TableDefinition<&str, &[u8]> = TableDefinition::new("topic_handlers");
/// Each topic's event states (`[alert] persist-topics`), keyed by topic.
const TOPIC_STATES: TableDefinition<&str, &[u8]> = TableDefinition::new("topic_states");
/// Finished replays (id → JSON `ReplayRecord`), so `GET /replays` survives a restart.
const REPLAYS: TableDefinition<&str, &[u8]> = TableDefinition::new("replays");
/// What the load service defined from its directory (`tasks/<id>`, `templates/<id>`,
/// `handlers/<topic>/<id>` → empty): only these are deleted when their file goes away.
const LOAD_ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("load_items");
/// Config overrides (section → JSON `SectionOverride`), applied over the file at start-up.
const OVERRIDES: TableDefinition<&str, &[u8]> = TableDefinition::new("config_overrides");
/// `[auth]` users (name → JSON `auth::users::UserRecord`, the password a bcrypt hash).
const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
/// Each task's node states (Kapacitor's task snapshot: UDF agents' state), by
/// task ID: JSON `{node name: base64 bytes}`, restored when the task starts.
const TASK_SNAPSHOTS: TableDefinition<&str, &[u8]> = TableDefinition::new("task_snapshots");

/// The stores `GET /storage/stores` lists and `POST /storage/stores/<name>` rebuilds, with
/// the tables behind each (Kapacitor's store names where it has one).
pub const STORES: &[(&str, &[&str])] = &[
    ("tasks", &["tasks", "task_images", "task_snapshots"]),
    ("templates", &["templates"]),
    ("recordings", &["recordings"]),
    ("replays", &["replays"]),
    ("load", &["load_items"]),
    ("overrides", &["config_overrides"]),
    ("handlers", &["topic_handlers"]),
    ("topics", &["topic_states"]),
    ("users", &["users"]),
];

#[derive(Debug)]
pub enum StoreError {
    Db(Box<redb::Error>),
    Decode {
        table: &'static str,
        id: String,
        error: String,
    },
    /// A file operation beside the database (backup copy).
    Io(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "storage error: {e}"),
            StoreError::Decode { table, id, error } => {
                write!(f, "storage error: cannot decode {table} {id:?}: {error}")
            }
            StoreError::Io(e) => write!(f, "storage error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl<E: Into<redb::Error>> From<E> for StoreError {
    fn from(e: E) -> Self {
        StoreError::Db(Box::new(e.into()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbrpRecord {
    pub db: String,
    pub rp: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub id: String,
    #[serde(default)]
    pub template_id: String,
    /// `stream` or `batch`.
    pub task_type: String,
    pub dbrps: Vec<DbrpRecord>,
    pub script: String,
    #[serde(default)]
    pub vars: serde_json::Value,
    pub enabled: bool,
    #[serde(default)]
    pub error: String,
    pub created: i64,
    pub modified: i64,
    /// 0 = never enabled.
    pub last_enabled: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    pub id: String,
    pub task_type: String,
    pub script: String,
    pub created: i64,
    pub modified: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingRecord {
    pub id: String,
    /// `stream` or `batch`.
    pub rtype: String,
    pub size: u64,
    pub date: i64,
    pub error: String,
    /// `running`, `finished` or `failed`.
    pub status: String,
    pub progress: f64,
}

/// A topic handler as the API shows it (Kapacitor's `HandlerSpec`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicHandlerRecord {
    pub id: String,
    pub topic: String,
    pub kind: String,
    #[serde(default)]
    pub options: serde_json::Map<String, serde_json::Value>,
    #[serde(default, rename = "match")]
    pub match_: String,
}

/// One event's last state in a topic (Kapacitor's `EventState`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventStateRecord {
    pub message: String,
    pub details: String,
    /// ns since the epoch.
    pub time: i64,
    /// ns since the alert left OK.
    pub duration: i64,
    /// `OK`, `INFO`, `WARNING`, `CRITICAL`.
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TopicStateRecord {
    pub topic: String,
    pub events: std::collections::BTreeMap<String, EventStateRecord>,
}

/// A task's node states: node name -> the node's bytes (base64 in JSON).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskSnapshotRecord {
    pub nodes: std::collections::BTreeMap<String, String>,
}

impl TaskSnapshotRecord {
    pub fn from_nodes(nodes: &std::collections::BTreeMap<String, Vec<u8>>) -> Self {
        use base64::Engine as _;
        TaskSnapshotRecord {
            nodes: nodes
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        base64::engine::general_purpose::STANDARD.encode(v),
                    )
                })
                .collect(),
        }
    }

    /// The node states; an entry that is not base64 is skipped (logged by the caller).
    pub fn to_nodes(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        use base64::Engine as _;
        self.nodes
            .iter()
            .filter_map(|(k, v)| {
                let bytes = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
                Some((k.clone(), bytes))
            })
            .collect()
    }
}

/// A compiled task: the checked IR and the build that produced it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Image {
    build: String,
    pipeline: Pipeline,
}

pub struct Store {
    /// `None` while a reopen after a failed write has not succeeded yet.
    db: RwLock<Option<Arc<Database>>>,
    path: PathBuf,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = Store::create(path)?;
        let tx = db.begin_write()?;
        for t in [
            TASKS,
            IMAGES,
            TEMPLATES,
            RECORDINGS,
            REPLAYS,
            LOAD_ITEMS,
            OVERRIDES,
            TOPIC_HANDLERS,
            TOPIC_STATES,
            USERS,
            TASK_SNAPSHOTS,
        ] {
            tx.open_table(t)?;
        }
        tx.commit()?;
        Ok(Store {
            db: RwLock::new(Some(Arc::new(db))),
            path: path.to_path_buf(),
        })
    }

    fn create(path: &Path) -> Result<Database, StoreError> {
        // The path is in the error: a bad data dir must say which one.
        Database::create(path).map_err(|e| StoreError::Io(format!("open {}: {e}", path.display())))
    }

    /// The open database; reopened (redb's repair) when a write failed before.
    fn db(&self) -> Result<Arc<Database>, StoreError> {
        if let Some(db) = self.db.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(db.clone());
        }
        self.reopen()
    }

    /// After a failed write (a full disk) redb refuses every later transaction with
    /// `PreviousIo` until the file is closed and opened again; doing that here lets the
    /// server take changes again once there is space, without a restart.
    fn reopen(&self) -> Result<Arc<Database>, StoreError> {
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        if let Some(db) = slot.as_ref() {
            if Arc::strong_count(db) > 1 {
                // A transaction of another request still holds it; that request (or the
                // next one) retries.
                return Err(StoreError::Io(format!(
                    "{}: a previous write failed; the database reopens when it is idle",
                    self.path.display()
                )));
            }
        }
        // The old handle must be closed (it holds the file lock) before opening again.
        *slot = None;
        let db = Arc::new(Store::create(&self.path)?);
        *slot = Some(db.clone());
        tracing::warn!(path = %self.path.display(), "storage reopened after a failed write");
        Ok(db)
    }

    fn begin_write(&self) -> Result<redb::WriteTransaction, StoreError> {
        let db = self.db()?;
        match db.begin_write() {
            Err(redb::TransactionError::Storage(redb::StorageError::PreviousIo)) => {
                drop(db);
                Ok(self.reopen()?.begin_write()?)
            }
            r => Ok(r?),
        }
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, StoreError> {
        let db = self.db()?;
        match db.begin_read() {
            Err(redb::TransactionError::Storage(redb::StorageError::PreviousIo)) => {
                drop(db);
                Ok(self.reopen()?.begin_read()?)
            }
            r => Ok(r?),
        }
    }

    fn put_json<T: Serialize>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        id: &str,
        v: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(v).map_err(|e| StoreError::Decode {
            table: "record",
            id: id.into(),
            error: e.to_string(),
        })?;
        let tx = self.begin_write()?;
        tx.open_table(table)?.insert(id, bytes.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    fn get_json<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        name: &'static str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.begin_read()?;
        let t = tx.open_table(table)?;
        let Some(v) = t.get(id)? else {
            return Ok(None);
        };
        serde_json::from_slice(v.value())
            .map(Some)
            .map_err(|e| StoreError::Decode {
                table: name,
                id: id.into(),
                error: e.to_string(),
            })
    }

    fn list_json<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        name: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let tx = self.begin_read()?;
        let t = tx.open_table(table)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (k, v) = r?;
            out.push(
                serde_json::from_slice(v.value()).map_err(|e| StoreError::Decode {
                    table: name,
                    id: k.value().into(),
                    error: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }

    fn delete(
        &self,
        tables: &[TableDefinition<&str, &[u8]>],
        id: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write()?;
        let mut found = false;
        for t in tables {
            found |= tx.open_table(*t)?.remove(id)?.is_some();
        }
        tx.commit()?;
        Ok(found)
    }

    /// Store a task and its compiled image in one transaction.
    pub fn put_task(
        &self,
        task: &TaskRecord,
        pipeline: Option<&Pipeline>,
        build: &str,
    ) -> Result<(), StoreError> {
        let rec = serde_json::to_vec(task).map_err(|e| StoreError::Decode {
            table: "tasks",
            id: task.id.clone(),
            error: e.to_string(),
        })?;
        let image = match pipeline {
            Some(p) => Some(
                bincode::serde::encode_to_vec(
                    Image {
                        build: build.to_string(),
                        pipeline: p.clone(),
                    },
                    bincode::config::standard(),
                )
                .map_err(|e| StoreError::Decode {
                    table: "task_images",
                    id: task.id.clone(),
                    error: e.to_string(),
                })?,
            ),
            None => None,
        };
        let tx = self.begin_write()?;
        tx.open_table(TASKS)?
            .insert(task.id.as_str(), rec.as_slice())?;
        {
            let mut images = tx.open_table(IMAGES)?;
            match &image {
                Some(i) => {
                    images.insert(task.id.as_str(), i.as_slice())?;
                }
                None => {
                    images.remove(task.id.as_str())?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        self.get_json(TASKS, "tasks", id)
    }

    pub fn tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        self.list_json(TASKS, "tasks")
    }

    pub fn delete_task(&self, id: &str) -> Result<bool, StoreError> {
        self.delete(&[TASKS, IMAGES, TASK_SNAPSHOTS], id)
    }

    /// Store task `id`'s node states (replacing the last ones).
    pub fn put_task_snapshot(
        &self,
        id: &str,
        snapshot: &TaskSnapshotRecord,
    ) -> Result<(), StoreError> {
        self.put_json(TASK_SNAPSHOTS, id, snapshot)
    }

    /// Task `id`'s last stored node states.
    pub fn task_snapshot(&self, id: &str) -> Result<Option<TaskSnapshotRecord>, StoreError> {
        self.get_json(TASK_SNAPSHOTS, "task_snapshots", id)
    }

    /// The compiled image of task `id` if it was written by `build`
    /// (`None`: absent, unreadable or from another build — recompile).
    pub fn task_image(&self, id: &str, build: &str) -> Result<Option<Pipeline>, StoreError> {
        let tx = self.begin_read()?;
        let t = tx.open_table(IMAGES)?;
        let Some(v) = t.get(id)? else {
            return Ok(None);
        };
        let decoded: Result<(Image, usize), _> =
            bincode::serde::decode_from_slice(v.value(), bincode::config::standard());
        Ok(decoded
            .ok()
            .filter(|(img, _)| img.build == build)
            .map(|(img, _)| img.pipeline))
    }

    pub fn put_template(&self, t: &TemplateRecord) -> Result<(), StoreError> {
        self.put_json(TEMPLATES, &t.id, t)
    }

    pub fn template(&self, id: &str) -> Result<Option<TemplateRecord>, StoreError> {
        self.get_json(TEMPLATES, "templates", id)
    }

    pub fn templates(&self) -> Result<Vec<TemplateRecord>, StoreError> {
        self.list_json(TEMPLATES, "templates")
    }

    pub fn delete_template(&self, id: &str) -> Result<bool, StoreError> {
        self.delete(&[TEMPLATES], id)
    }

    pub fn put_recording(&self, r: &RecordingRecord) -> Result<(), StoreError> {
        self.put_json(RECORDINGS, &r.id, r)
    }

    pub fn recording(&self, id: &str) -> Result<Option<RecordingRecord>, StoreError> {
        self.get_json(RECORDINGS, "recordings", id)
    }

    pub fn recordings(&self) -> Result<Vec<RecordingRecord>, StoreError> {
        self.list_json(RECORDINGS, "recordings")
    }

    pub fn delete_recording(&self, id: &str) -> Result<bool, StoreError> {
        self.delete(&[RECORDINGS], id)
    }

    pub fn put_replay<T: Serialize>(&self, id: &str, r: &T) -> Result<(), StoreError> {
        self.put_json(REPLAYS, id, r)
    }

    pub fn replays<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        self.list_json(REPLAYS, "replays")
    }

    pub fn delete_replay(&self, id: &str) -> Result<bool, StoreError> {
        self.delete(&[REPLAYS], id)
    }

    /// Keys of the load items under `prefix` (`tasks/`, `templates/`, `handlers/`), prefix
    /// removed.
    pub fn load_items(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let tx = self.begin_read()?;
        let t = tx.open_table(LOAD_ITEMS)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (k, _) = r?;
            if let Some(rest) = k.value().strip_prefix(prefix) {
                out.push(rest.to_string());
            }
        }
        Ok(out)
    }

    pub fn put_load_item(&self, key: &str) -> Result<(), StoreError> {
        let tx = self.begin_write()?;
        tx.open_table(LOAD_ITEMS)?.insert(key, [].as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn delete_load_item(&self, key: &str) -> Result<bool, StoreError> {
        self.delete(&[LOAD_ITEMS], key)
    }

    pub fn put_user<T: Serialize>(&self, name: &str, u: &T) -> Result<(), StoreError> {
        self.put_json(USERS, name, u)
    }

    pub fn user<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.get_json(USERS, "users", name)
    }

    /// Every user, in name order.
    pub fn users<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        self.list_json(USERS, "users")
    }

    pub fn delete_user(&self, name: &str) -> Result<bool, StoreError> {
        self.delete(&[USERS], name)
    }

    pub fn put_override<T: Serialize>(&self, section: &str, v: &T) -> Result<(), StoreError> {
        self.put_json(OVERRIDES, section, v)
    }

    pub fn overrides<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        self.list_json(OVERRIDES, "config_overrides")
    }

    /// Replace every stored override with `all` (key, record) in one transaction.
    pub fn replace_overrides<T: Serialize>(&self, all: &[(String, T)]) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(all.len());
        for (k, v) in all {
            let bytes = serde_json::to_vec(v).map_err(|e| StoreError::Decode {
                table: "config_overrides",
                id: k.clone(),
                error: e.to_string(),
            })?;
            rows.push((k.as_str(), bytes));
        }
        let tx = self.begin_write()?;
        {
            let mut t = tx.open_table(OVERRIDES)?;
            t.retain(|_, _| false)?;
            for (k, v) in &rows {
                t.insert(*k, v.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A consistent copy of the whole database file (`path` is where it was opened): redb
    /// has one writer at a time, so holding a write transaction (never committed) while the
    /// file is read keeps every change out until the copy is taken, and every committed
    /// change is already in the file.
    pub fn snapshot(&self, path: &Path) -> Result<Vec<u8>, StoreError> {
        let tx = self.begin_write()?;
        let bytes = std::fs::read(path).map_err(|e| StoreError::Io(e.to_string()))?;
        tx.abort()?;
        Ok(bytes)
    }

    /// Rebuild a store: every record of its tables is decoded and written back in one
    /// transaction (Kapacitor's `rebuild` re-indexes; here it rewrites the records, which
    /// also proves each one still decodes). Returns how many records were rewritten.
    pub fn rebuild(&self, tables: &[&str]) -> Result<usize, StoreError> {
        let tx = self.begin_write()?;
        let mut n = 0;
        for name in tables {
            let def: TableDefinition<&str, &[u8]> = TableDefinition::new(name);
            let mut t = tx.open_table(def)?;
            let mut rows: Vec<(String, Vec<u8>)> = Vec::new();
            for r in t.iter()? {
                let (k, v) = r?;
                rows.push((k.value().to_string(), v.value().to_vec()));
            }
            for (k, v) in &rows {
                if *name != "task_images" && *name != "load_items" {
                    serde_json::from_slice::<serde_json::Value>(v).map_err(|e| {
                        StoreError::Decode {
                            table: "store",
                            id: k.clone(),
                            error: e.to_string(),
                        }
                    })?;
                }
                t.insert(k.as_str(), v.as_slice())?;
            }
            n += rows.len();
        }
        tx.commit()?;
        Ok(n)
    }

    pub fn put_topic_handler(&self, h: &TopicHandlerRecord) -> Result<(), StoreError> {
        self.put_json(TOPIC_HANDLERS, &format!("{}/{}", h.topic, h.id), h)
    }

    pub fn topic_handlers(&self) -> Result<Vec<TopicHandlerRecord>, StoreError> {
        self.list_json(TOPIC_HANDLERS, "topic_handlers")
    }

    pub fn delete_topic_handler(&self, topic: &str, id: &str) -> Result<bool, StoreError> {
        self.delete(&[TOPIC_HANDLERS], &format!("{topic}/{id}"))
    }

    /// Writes several topics' states in one transaction (the periodic flush).
    pub fn put_topic_states(&self, states: &[TopicStateRecord]) -> Result<(), StoreError> {
        let tx = self.begin_write()?;
        {
            let mut t = tx.open_table(TOPIC_STATES)?;
            for st in states {
                let bytes = serde_json::to_vec(st).map_err(|e| StoreError::Decode {
                    table: "topic_states",
                    id: st.topic.clone(),
                    error: e.to_string(),
                })?;
                t.insert(st.topic.as_str(), bytes.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn topic_states(&self) -> Result<Vec<TopicStateRecord>, StoreError> {
        self.list_json(TOPIC_STATES, "topic_states")
    }

    /// Removes a topic's state and every handler of it.
    pub fn delete_topic(&self, topic: &str) -> Result<(), StoreError> {
        let prefix = format!("{topic}/");
        let tx = self.begin_write()?;
        {
            tx.open_table(TOPIC_STATES)?.remove(topic)?;
            let mut t = tx.open_table(TOPIC_HANDLERS)?;
            let keys: Vec<String> = t
                .iter()?
                .filter_map(|r| r.ok())
                .map(|(k, _)| k.value().to_string())
                .filter(|k| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
                .collect();
            for k in keys {
                t.remove(k.as_str())?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// This build's identity: the running executable's size and modification
/// time (nanoseconds), so an image written by any other build — even of the
/// same version — is recompiled rather than trusted.
pub fn build_id() -> String {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    let stamp = meta.ok().and_then(|m| {
        let t = m
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(format!("{}-{}", m.len(), t.as_nanos()))
    });
    format!(
        "{}-{}",
        env!("CARGO_PKG_VERSION"),
        stamp.unwrap_or_else(|| "unknown".into())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_and_images_round_trip_and_other_builds_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let (p, _) = compiler::check("dbrp \"a\".\"b\"\nstream|from()|log()\n");
        let rec = TaskRecord {
            id: "t".into(),
            template_id: String::new(),
            task_type: "stream".into(),
            dbrps: vec![DbrpRecord {
                db: "a".into(),
                rp: "b".into(),
            }],
            script: "x".into(),
            vars: serde_json::Value::Null,
            enabled: true,
            error: String::new(),
            created: 1,
            modified: 2,
            last_enabled: 3,
        };
        {
            let s = Store::open(&path).unwrap();
            s.put_task(&rec, p.as_ref(), "b1").unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.task("t").unwrap(), Some(rec));
        assert_eq!(s.task_image("t", "b1").unwrap(), p);
        assert_eq!(s.task_image("t", "b2").unwrap(), None);
        assert!(s.delete_task("t").unwrap());
        assert_eq!(s.tasks().unwrap(), vec![]);
    }
}

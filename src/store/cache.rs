//! What SQLite's page caches hold, as metrics: `switchboard_store_cache_bytes{connection}` is the sum of
//! `SQLITE_DBSTATUS_CACHE_USED` over the store's open connections of each kind (writer, checkpoint,
//! reader). A connection's cache only changes while that connection works, so each connection samples
//! its own after it was used (a connection is used by one thread at a time), at most once per
//! `SAMPLE_EVERY`: a few calls a second, off the commit. (SQLite's own total, `sqlite3_memory_used`, reads
//! 0: the bundled build keeps no memory statistics.)

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The writer's page cache, in KiB. Every batch walks the B-trees it appends to (messages, the message
/// index, conversations, history) and the pages its updates touch; a miss there is a read inside the
/// commit that every queued message waits for. The soak fills it in 30 seconds and it stays at this
/// bound (docs/benchmarks.md, "Soak: memory attributed").
pub const WRITER_CACHE_KIB: u32 = 64 * 1024;
/// Each reader's page cache, in KiB (`store::READERS` of them). Readers serve point lookups (tokens,
/// agents, one conversation) and transcript pages of recent conversations, whose pages the writer has
/// just written and the kernel's page cache holds: a miss costs a copy, off the commit path. In the soak
/// the four readers together held under 1 MiB; reports and searches, which scan, are what would fill
/// them, and without this bound each could hold as much as the writer.
pub const READER_CACHE_KIB: u32 = 8 * 1024;
/// The checkpoint thread's page cache, in KiB. A checkpoint copies WAL frames into the database file
/// without the page cache; the connection reads little more than the schema.
pub const CHECKPOINT_CACHE_KIB: u32 = 1024;

/// How often one connection samples its cache at most.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// What a connection is for; a label of the gauge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnKind {
    Writer,
    Checkpoint,
    Reader,
}

impl ConnKind {
    const ALL: [ConnKind; 3] = [ConnKind::Writer, ConnKind::Checkpoint, ConnKind::Reader];

    /// The page cache a connection of this kind may hold, in KiB.
    pub fn cache_kib(self) -> u32 {
        match self {
            ConnKind::Writer => WRITER_CACHE_KIB,
            ConnKind::Checkpoint => CHECKPOINT_CACHE_KIB,
            ConnKind::Reader => READER_CACHE_KIB,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ConnKind::Writer => "writer",
            ConnKind::Checkpoint => "checkpoint",
            ConnKind::Reader => "reader",
        }
    }
}

/// Every open connection's last sample; a connection's entry goes with its `CacheMeter`.
static SAMPLES: Mutex<Vec<(ConnKind, Weak<AtomicI64>)>> = Mutex::new(Vec::new());

/// One connection's share of the gauge.
pub struct CacheMeter {
    kind: ConnKind,
    bytes: Arc<AtomicI64>,
    next: Mutex<Option<Instant>>,
}

impl CacheMeter {
    pub fn new(kind: ConnKind) -> CacheMeter {
        let bytes = Arc::new(AtomicI64::new(0));
        SAMPLES.lock().unwrap_or_else(|p| p.into_inner()).push((kind, Arc::downgrade(&bytes)));
        CacheMeter { kind, bytes, next: Mutex::new(None) }
    }

    /// Samples `conn` (this meter's connection) if the last sample is `SAMPLE_EVERY` old.
    pub fn sample(&self, conn: &Connection) {
        let now = Instant::now();
        {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            if next.is_some_and(|n| now < n) {
                return;
            }
            *next = Some(now + SAMPLE_EVERY);
        }
        self.bytes.store(cache_used(conn), Ordering::Relaxed);
        publish(Some(self.kind));
    }
}

impl Drop for CacheMeter {
    fn drop(&mut self) {
        self.bytes.store(0, Ordering::Relaxed);
        publish(Some(self.kind));
    }
}

/// Sets the gauges from the samples of the open connections (of `kind` only, if given).
fn publish(kind: Option<ConnKind>) {
    let mut samples = SAMPLES.lock().unwrap_or_else(|p| p.into_inner());
    samples.retain(|(_, w)| w.strong_count() > 0);
    for r in ConnKind::ALL.into_iter().filter(|r| kind.is_none_or(|x| x == *r)) {
        let sum: i64 = samples
            .iter()
            .filter(|(k, _)| *k == r)
            .filter_map(|(_, w)| w.upgrade())
            .map(|b| b.load(Ordering::Relaxed))
            .sum();
        metrics::gauge!("switchboard_store_cache_bytes", "connection" => r.as_str()).set(sum as f64);
    }
}

/// The bytes `conn`'s page cache holds (SQLITE_DBSTATUS_CACHE_USED), or 0 if SQLite cannot say.
pub fn cache_used(conn: &Connection) -> i64 {
    let (mut current, mut highwater): (std::ffi::c_int, std::ffi::c_int) = (0, 0);
    // SAFETY: a status read on this open connection, by the thread that holds it, into two ints.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_db_status(
            conn.handle(),
            rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
            &raw mut current,
            &raw mut highwater,
            0,
        )
    };
    if rc == rusqlite::ffi::SQLITE_OK { i64::from(current) } else { 0 }
}

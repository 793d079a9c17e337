//! WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the commit that crosses
//! its threshold, so every message queued behind that commit waits while tens of MiB are copied into the
//! database file and fsynced. The writer therefore runs with `wal_autocheckpoint=0`, reports the WAL's
//! size after each commit (SQLite's WAL hook), and this thread, on a connection of its own, runs a PASSIVE
//! checkpoint when enough frames have accumulated. A PASSIVE checkpoint never blocks the writer.
//!
//! The writer starts the WAL over from its beginning only at a commit that finds *every* frame copied.
//! Under steady load that never happens by itself: the writer appends while this thread copies, so the
//! thread always finishes a few frames behind, and the WAL grew without bound, each commit extending the
//! file, i.e. allocating blocks and writing the inode besides its data.
//! So after each checkpoint this thread asks the writer for a catch-up (`take_catch_up`): between two
//! batches the writer copies the few frames appended meanwhile (a short PASSIVE checkpoint on its own
//! connection), and its next commit starts the WAL over, rewriting blocks that are already allocated.
//! The file stays near `CHECKPOINT_FRAMES` pages. When the store has been idle for `IDLE_TRUNCATE_AFTER`, a
//! TRUNCATE checkpoint shrinks the file to nothing (it waits for the writer, which is idle then).
//! Durability does not depend on this thread: a commit is durable once its WAL frames are fsynced.

use std::fs::File;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::cache::{CacheMeter, ConnKind};
use rusqlite::wal::CheckpointMode;

/// WAL frames (pages) not yet copied into the database that start a PASSIVE checkpoint: about 4 MiB of
/// 4 KiB pages. A checkpoint never blocks the writer, but its write-back and fsync of the database file
/// share the disk with the writer's next WAL sync; a smaller checkpoint is a shorter hold-up, for the
/// same CPU per message (measured in docs/benchmarks.md, "Constants"). Smaller also means a shorter WAL
/// to replay after a crash, and less disk.
pub const CHECKPOINT_FRAMES: u32 = 1024;
/// Without a commit for this long, the WAL is checkpointed completely and truncated.
pub const IDLE_TRUNCATE_AFTER: Duration = Duration::from_secs(5);

#[derive(Default)]
struct State {
    /// WAL frames after the last commit, as the writer's WAL hook reported them.
    frames: u32,
    /// Frames the last checkpoint copied; the WAL's frames beyond these are pending.
    backfilled: u32,
    last_commit: Option<Instant>,
    /// The WAL was truncated and nothing was committed since.
    truncated: bool,
    /// A checkpoint finished; the writer should copy what was appended meanwhile.
    catch_up: bool,
    stop: bool,
}

impl State {
    fn pending(&self) -> u32 {
        // A WAL that started over reports fewer frames than were copied before: all of them are new.
        if self.frames >= self.backfilled { self.frames - self.backfilled } else { self.frames }
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

/// The checkpoint thread; stopped and joined on drop.
pub struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the writer's WAL hook calls after each commit.
#[derive(Clone)]
pub struct CommitNotice(Arc<Shared>);

impl CommitNotice {
    pub fn committed(&self, frames: u32) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.frames = frames;
        s.last_commit = Some(Instant::now());
        s.truncated = false;
        if s.pending() >= CHECKPOINT_FRAMES {
            self.0.wake.notify_one();
        }
    }

    /// Whether the writer should run its catch-up checkpoint now (asked between batches; clears it).
    pub fn take_catch_up(&self) -> bool {
        std::mem::take(&mut self.0.state.lock().unwrap_or_else(|p| p.into_inner()).catch_up)
    }

    /// The writer's catch-up copied the WAL up to `copied` frames.
    pub fn caught_up(&self, copied: u32) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.backfilled = s.backfilled.max(copied);
    }
}

impl Checkpointer {
    /// Starts the thread on `conn`, a connection of its own to the same database, whose file `db_file`
    /// is (opened read-only: a sync needs no more).
    pub fn start(conn: Connection, db_file: File) -> std::io::Result<(Checkpointer, CommitNotice)> {
        let shared = Arc::new(Shared::default());
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("switchboard-checkpoint".into())
            .spawn(move || run(&conn, &db_file, &worker, &CacheMeter::new(ConnKind::Checkpoint)))?;
        Ok((Checkpointer { shared: shared.clone(), thread: Some(thread) }, CommitNotice(shared)))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, db_file: &File, shared: &Shared, meter: &CacheMeter) {
    let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if state.stop {
            return;
        }
        let idle = state.last_commit.is_some_and(|t| t.elapsed() >= IDLE_TRUNCATE_AFTER);
        let mode = if state.pending() >= CHECKPOINT_FRAMES {
            Some(CheckpointMode::PASSIVE)
        } else if idle && !state.truncated && state.frames > 0 {
            Some(CheckpointMode::TRUNCATE)
        } else {
            None
        };
        let Some(mode) = mode else {
            state = shared.wake.wait_timeout(state, IDLE_TRUNCATE_AFTER).unwrap_or_else(|p| p.into_inner()).0;
            continue;
        };
        // The checkpoint runs without the lock, so the writer's hook never waits for it.
        drop(state);
        let started = Instant::now();
        let result = conn.wal_checkpoint_v2(None::<&str>, mode);
        if matches!(result, Ok((_, copied)) if copied > 0) {
            write_back(db_file);
        }
        metrics::histogram!("switchboard_store_checkpoint_seconds").record(started.elapsed().as_secs_f64());
        meter.sample(conn);
        state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok((log, copied)) => {
                state.backfilled = u32::try_from(copied.max(0)).unwrap_or(0);
                state.catch_up = matches!(mode, CheckpointMode::PASSIVE) && copied > 0;
                if matches!(mode, CheckpointMode::TRUNCATE) && log == copied {
                    state.truncated = true;
                    state.frames = 0;
                    state.backfilled = 0;
                } else if log == state.frames as i32 && copied < log {
                    // Readers still hold older frames: try again after a pause rather than spinning.
                    drop(state);
                    std::thread::sleep(Duration::from_millis(100));
                    state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
                }
            }
            Err(e) => {
                // Busy (the writer was mid-commit for a TRUNCATE) or an IO error: the WAL just grows
                // until the next attempt; commits stay durable either way.
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying later");
                state.truncated = matches!(mode, CheckpointMode::TRUNCATE);
                drop(state);
                std::thread::sleep(Duration::from_millis(100));
                state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
            }
        }
    }
}

/// Writes the pages a checkpoint copied into the database file out to the disk, here, off the commit
/// path. SQLite syncs the database file only in a checkpoint that copies the whole WAL, which under load
/// is only ever the writer's catch-up: without this, that sync had to write back everything this thread
/// had copied since the last one, with all messages waiting behind it (docs/benchmarks.md), and now finds
/// only the few pages the catch-up itself copied. A failed sync is logged and
/// otherwise left to SQLite: Linux reports a write-back error to every descriptor open on the file, so
/// SQLite's own sync of the database file fails as well, and the WAL, which still holds every frame, is
/// not started over.
fn write_back(db_file: &File) {
    if let Err(e) = db_file.sync_data() {
        tracing::warn!(error = %e, "syncing the database file after a checkpoint failed");
    }
}

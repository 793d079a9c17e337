//! The store on Redis (spec 6.1): the same capability traits as SQLite, so the hub, the dispatcher, HTTP
//! and hello do not know which one they use. Records are JSON values under the keys of `cluster::keys`;
//! transcripts are streams. Writes go through one fenced script per batch (`write`), so that only the
//! node holding the lease can change anything.

mod outbox;
#[cfg(test)]
mod outbox_tests;
mod read;
mod search;
mod write;

use std::cell::{Cell, RefCell};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::keys;
use crate::store::{Snapshot, SnapshotSource, Store, StoreError, StoreFactory, StoreOp, StoreResult, StoreWriter};

/// How long one Redis call may take before the store reports Redis unreachable.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// A kept connection unused this long may have been forgotten on the way without a reset (a NAT's or a
/// proxy's idle timeout): its next call then times out instead of failing as broken. A timeout on such a
/// connection is retried once on a new one; on a connection used more recently it is not.
pub const STALE_AFTER: Duration = Duration::from_secs(30);

/// The lease this node holds, if any: `"<node>:<fence>"`, the value `sb:leader` must have for a write.
#[derive(Clone, Default)]
pub struct LeaseToken(Arc<RwLock<Option<Arc<str>>>>);

impl LeaseToken {
    pub fn set(&self, token: Option<Arc<str>>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = token;
    }
    pub fn get(&self) -> Option<Arc<str>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Opens Redis store instances; each holds its own connection, made again after an error.
pub struct RedisFactory {
    client: redis::Client,
    lease: LeaseToken,
    on_unreachable: Option<Unreachable>,
    stale_after: Duration,
}

/// Told each time a store instance finds Redis unreachable (the node's view, which tells the hub).
pub type Unreachable = Arc<dyn Fn() + Send + Sync>;

impl RedisFactory {
    pub fn new(url: &str, lease: LeaseToken) -> StoreResult<RedisFactory> {
        let client = redis::Client::open(url).map_err(unreachable)?;
        Ok(RedisFactory { client, lease, on_unreachable: None, stale_after: STALE_AFTER })
    }

    /// Calls `f` whenever a store instance finds Redis unreachable.
    pub fn on_unreachable(mut self, f: Unreachable) -> RedisFactory {
        self.on_unreachable = Some(f);
        self
    }

    /// Another `STALE_AFTER` (tests: zero makes every kept connection stale).
    #[cfg(test)]
    pub(crate) fn stale_after(mut self, after: Duration) -> RedisFactory {
        self.stale_after = after;
        self
    }
}

impl RedisFactory {
    fn store(&self) -> RedisStore {
        RedisStore {
            client: self.client.clone(),
            conn: RefCell::new(None),
            used: Cell::new(Instant::now()),
            stale_after: self.stale_after,
            lease: self.lease.clone(),
            kb: RefCell::new(None),
            on_unreachable: self.on_unreachable.clone(),
        }
    }
}

impl StoreFactory for RedisFactory {
    fn open(&self) -> StoreResult<Box<dyn Store>> {
        Ok(Box::new(self.store()))
    }
}

pub(super) fn unreachable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("redis: {e}"))
}

/// A Redis error as a store error: the connection's troubles (and a Redis still loading its files) may
/// pass; anything else (a refused fenced write, a wrong type) will not.
fn classify(e: &redis::RedisError) -> StoreError {
    let transient = e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.to_string().contains("LOADING")
        // The lease expired while Redis was away: the renewal takes it back or stops the process.
        || e.to_string().contains("LAPSED");
    if transient { unreachable(e) } else { StoreError::Backend(format!("redis: {e}")) }
}

/// The connection itself is gone (EOF, reset, broken pipe): a new one may work at once. A timeout is
/// not that: Redis is hung or slow, and asking again would only double the wait.
fn is_broken(e: &redis::RedisError) -> bool {
    e.is_connection_dropped() && !e.is_timeout()
}

/// One failed attempt, and whether a new connection is worth one more.
struct Failed {
    error: StoreError,
    broken: bool,
}

pub struct RedisStore {
    client: redis::Client,
    conn: RefCell<Option<redis::Connection>>,
    /// When the connection last answered.
    used: Cell<Instant>,
    stale_after: Duration,
    lease: LeaseToken,
    /// The knowledge base indexed for search, with the `sb:kb:version` it was built at.
    kb: RefCell<Option<(u64, crate::store::kb_memory::MemoryKb)>>,
    on_unreachable: Option<Unreachable>,
}

impl RedisStore {
    /// Runs `f` on the connection, connecting first if needed; drops the connection after an IO error
    /// so that the next call connects again (Redis restarted, network back). A connection kept from
    /// before may have broken while idle (Redis restarted since): when it fails as broken (EOF, reset,
    /// broken pipe), or times out after `STALE_AFTER` unused (dropped on the way without a reset), `f`
    /// runs once more on a new one before Redis is reported unreachable, so that a stale connection does
    /// not mark a healthy Redis as away (every command here is safe to repeat). A timeout on a connection
    /// in recent use is not retried: Redis is hung or slow, and is reported after one `REDIS_TIMEOUT`.
    fn with<T>(&self, mut f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>) -> StoreResult<T> {
        let mut slot = self.conn.borrow_mut();
        let kept = slot.is_some();
        let stale = kept && self.used.get().elapsed() >= self.stale_after;
        let result = match self.run_on(&mut slot, &mut f) {
            Err(Failed { broken, error: StoreError::Unavailable(_) }) if kept && (broken || stale) => {
                self.run_on(&mut slot, &mut f)
            }
            other => other,
        };
        if result.is_ok() {
            self.used.set(Instant::now());
        }
        result.map_err(|failed| failed.error).inspect_err(|e| {
            if matches!(e, StoreError::Unavailable(_))
                && let Some(f) = &self.on_unreachable
            {
                f();
            }
        })
    }

    /// One attempt: connects if `slot` is empty, and empties it after an IO error.
    fn run_on<T>(
        &self,
        slot: &mut Option<redis::Connection>,
        f: &mut impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Failed> {
        if slot.is_none() {
            let connect = || -> redis::RedisResult<redis::Connection> {
                let conn = self.client.get_connection_with_timeout(REDIS_TIMEOUT)?;
                conn.set_read_timeout(Some(REDIS_TIMEOUT))?;
                conn.set_write_timeout(Some(REDIS_TIMEOUT))?;
                Ok(conn)
            };
            // A fresh connection that fails is not retried: `broken` is false.
            *slot = Some(connect().map_err(|e| Failed { error: unreachable(e), broken: false })?);
        }
        let conn = slot.as_mut().expect("connected above");
        f(conn).map_err(|e| {
            let error = classify(&e);
            if matches!(error, StoreError::Unavailable(_)) {
                *slot = None;
            }
            Failed { error, broken: is_broken(&e) }
        })
    }
}

impl StoreWriter for RedisStore {
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()> {
        let Some(token) = self.lease.get() else {
            return Err(StoreError::Backend("this node does not hold the lease".into()));
        };
        let packed = write::pack(ops, outbox::before(self, ops)?)?;
        self.run(&token, &packed)
    }
}

impl RedisStore {
    /// Runs a packed batch under the lease `token`.
    fn run(&self, token: &str, packed: &write::Packed) -> StoreResult<()> {
        let script = redis::Script::new(write::APPLY);
        self.with(|c| {
            let mut inv = script.key(keys::LEADER);
            inv.arg(token.as_bytes());
            for a in &packed.args {
                inv.arg(a.as_slice());
            }
            inv.invoke::<()>(c)
        })
    }
}

impl SnapshotSource for RedisStore {
    fn load(&self) -> StoreResult<Snapshot> {
        read::snapshot(self)
    }

    fn secret(&mut self, name: &str) -> StoreResult<[u8; 32]> {
        let key = keys::secret(name);
        let fresh = hex::encode(rand::random::<[u8; 32]>());
        let value: String = self.with(|c| {
            redis::cmd("SET").arg(&key).arg(&fresh).arg("NX").exec(c)?;
            redis::cmd("GET").arg(&key).query(c)
        })?;
        let bytes = hex::decode(value.trim()).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))?;
        bytes.try_into().map_err(|_| StoreError::Corrupt(format!("{key}: not 32 bytes")))
    }
}

#[cfg(test)]
mod relay_tests;
#[cfg(test)]
pub(crate) mod tests;

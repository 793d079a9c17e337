//! The dispatcher: one thread that owns the store's writer. It takes jobs in FIFO order, commits the ops
//! of as many queued jobs as are waiting in one transaction (group commit: one fsync per batch, never
//! one per message), and only then performs their effects, in order. Because every outbound frame passes
//! through here, a client never hears of a message before it is durable, and a sync backlog queued here
//! (and read by the connection itself, see `delivery::Backlog`) can neither miss nor repeat a live
//! message. The dispatcher never reads the store for a client: its thread is the commit path.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::events::DomainEvent;
use super::health::StoreHealth;
use crate::delivery::{Backlog, BacklogKind, Broker, ConnId, OutItem};
use crate::domain::{ConversationId, Participant, Seq};
use crate::protocol::{ConversationView, Ref};
use crate::store::{StoreError, StoreOp, StoreWriter};

/// Ops committed in one transaction at most; a larger backlog is split over several commits.
pub const MAX_BATCH_OPS: usize = 4096;
/// The shortest time from one commit's start to the next. A commit costs a fixed amount of CPU (the WAL
/// sync, the write-back of its pages, SQLite's bookkeeping) whatever its size, and the sync can return
/// so fast that committing whenever anything waited makes many commits of one or two messages. Waiting
/// out the rest of this interval before the next commit lets batches form, for a little more median
/// latency; only a busy hub waits (jobs arrived while the last commit ran): a write to a quiet hub
/// commits at once. The measurements behind this value are in docs/benchmarks.md ("Constants").
pub const MIN_COMMIT_INTERVAL: Duration = Duration::from_millis(1);
/// Commit attempts, for an error that is neither a full disk nor an I/O failure (a busy lock, say),
/// before the process gives up and restarts from what is on disk.
const COMMIT_ATTEMPTS: u32 = 3;
/// How often a batch is tried again while the store cannot be reached.
const UNREACHABLE_RETRY: Duration = Duration::from_millis(250);
/// The first wait before a batch that failed for want of space is tried again; each failure doubles it,
/// up to `FULL_RETRY_MAX`. A full disk is retried for as long as it lasts (see `Worker::commit`).
pub const FULL_RETRY_FIRST: Duration = Duration::from_millis(50);
/// The longest wait between two tries of a batch on a full disk: service resumes within this of space
/// coming back.
pub const FULL_RETRY_MAX: Duration = Duration::from_secs(2);

pub enum Effect {
    /// Deliver `who`'s frames to this connection from now on.
    Subscribe {
        conn: ConnId,
        who: Participant,
    },
    ToConn {
        conn: ConnId,
        item: OutItem,
    },
    ToParticipant {
        who: Participant,
        item: OutItem,
        except: Option<ConnId>,
    },
    /// `assigned` with the transcript up to `upto` (later messages go out live), read by each of the
    /// participant's connections.
    Transcript {
        to: Participant,
        conversation: Box<ConversationView>,
        upto: Seq,
    },
    /// The messages after `after_seq`, then `synced`, read by the connection.
    Sync {
        conn: ConnId,
        conversation: ConversationId,
        after_seq: Seq,
        /// `None` for a conversation no longer live: the store\'s last message decides.
        last_seq: Option<Seq>,
        reference: Option<Ref>,
    },
    /// Answer a waiting caller (HTTP) once its change is durable.
    Reply(Box<dyn FnOnce() + Send>),
    /// A message accepted at this instant has now been handed to every recipient.
    Delivered(Instant),
    /// Tell every connection the service restarts.
    CloseAll,
}

/// What the hub decided for a batch of events: ops to commit, then effects to perform, in order. The
/// domain events say what changed; the hub has already reacted to them (the effects), and the dispatcher
/// does not read them.
#[derive(Default)]
pub struct Job {
    pub ops: Vec<StoreOp>,
    pub effects: Vec<Effect>,
    pub events: Vec<DomainEvent>,
    /// An email became ready to send: the runner wakes the sender once this job is committed.
    pub mail_ready: bool,
}

impl Job {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.effects.is_empty()
    }
}

pub struct Dispatcher {
    tx: mpsc::Sender<Job>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dispatcher {
    pub fn start(store: Box<dyn StoreWriter>, broker: Arc<dyn Broker>, health: Arc<StoreHealth>) -> Dispatcher {
        Dispatcher::start_with(store, broker, MIN_COMMIT_INTERVAL, health)
    }

    /// `start` with another commit interval (tests make it long, to see batches form deterministically).
    pub(super) fn start_with(
        store: Box<dyn StoreWriter>,
        broker: Arc<dyn Broker>,
        interval: Duration,
        health: Arc<StoreHealth>,
    ) -> Dispatcher {
        let (tx, rx) = mpsc::channel(super::DISPATCH_QUEUE);
        let worker = Worker { store, broker, meters: Meters::new(), interval, held: Default::default(), health };
        let thread = std::thread::Builder::new()
            .name("switchboard-dispatch".into())
            .spawn(move || worker.run(rx))
            .expect("spawn the dispatcher thread");
        Dispatcher { tx, thread: Some(thread) }
    }

    pub async fn submit(&self, job: Job) {
        if self.tx.send(job).await.is_err() {
            tracing::error!("dispatcher is gone; the process cannot make progress");
            crate::stop::now(70);
        }
    }

    /// Waits until every submitted job is done.
    pub async fn finish(mut self) {
        drop(self.tx);
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

struct Worker {
    store: Box<dyn StoreWriter>,
    broker: Arc<dyn Broker>,
    meters: Meters,
    /// `MIN_COMMIT_INTERVAL` outside tests.
    interval: Duration,
    /// Jobs that arrived while a batch waited for the store, in order (see `while_stuck`).
    held: std::collections::VecDeque<Job>,
    /// Set while a batch waits for room on a full disk.
    health: Arc<StoreHealth>,
}

/// The dispatcher's histograms, looked up once rather than per commit or message.
struct Meters {
    commit_seconds: metrics::Histogram,
    batch_ops: metrics::Histogram,
    delivery_seconds: metrics::Histogram,
}

impl Meters {
    fn new() -> Meters {
        Meters {
            commit_seconds: metrics::histogram!("switchboard_store_commit_seconds"),
            batch_ops: metrics::histogram!("switchboard_store_batch_ops"),
            delivery_seconds: metrics::histogram!("switchboard_message_delivery_seconds"),
        }
    }
}

impl Worker {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        // Reused from batch to batch, so that a batch allocates nothing of its own (they keep the
        // capacity of the largest batch, a little over MAX_BATCH_OPS ops at most).
        let mut jobs: Vec<Job> = Vec::with_capacity(64);
        let mut ops: Vec<StoreOp> = Vec::with_capacity(256);
        let mut last_commit: Option<Instant> = None;
        // Whether jobs arrived while the last commit ran: the hub is busy. Then a job that writes waits
        // out the rest of the interval since that commit started, so that the jobs queued meanwhile
        // share its commit. Otherwise (a quiet hub) it commits at once, and a job that only sends never
        // waits.
        let mut busy = false;
        while let Some(first) = self.held.pop_front().or_else(|| rx.blocking_recv()) {
            if busy
                && !first.ops.is_empty()
                && let Some(wait) = last_commit.and_then(|t| self.interval.checked_sub(t.elapsed()))
            {
                std::thread::sleep(wait);
            }
            let mut count = first.ops.len();
            jobs.push(first);
            while count < MAX_BATCH_OPS {
                match self.held.pop_front().map_or_else(|| rx.try_recv().ok(), Some) {
                    Some(job) => {
                        count += job.ops.len();
                        jobs.push(job);
                    }
                    None => break,
                }
            }
            ops.extend(jobs.iter_mut().flat_map(|j| j.ops.drain(..)));
            if !ops.is_empty() {
                last_commit = Some(Instant::now());
                self.commit(&ops, &mut rx);
                ops.clear();
                busy = !rx.is_empty();
            }
            for job in jobs.drain(..) {
                for effect in job.effects {
                    self.perform(effect);
                }
            }
            self.store.between_batches();
        }
    }

    /// Commits `ops`, however long that takes. A full disk (`StoreError::Full`: the transaction was rolled
    /// back whole) is waited out: the batch is tried again with a growing pause while `StoreHealth` tells
    /// connections to refuse what would need a write, and none of the batch's effects (acks included) is
    /// performed until it is durable. An I/O error stops the process at once: after a failed fsync the
    /// page cache no longer says what is on disk, so neither a retry nor an ack may rest on it; the
    /// restart reads what the disk really holds. An unreachable store (cluster mode) is waited for as well.
    /// Anything else is tried `COMMIT_ATTEMPTS` times.
    fn commit(&mut self, ops: &[StoreOp], rx: &mut mpsc::Receiver<Job>) {
        let started = Instant::now();
        let (mut attempt, mut full_for, mut pause) = (0u32, 0u32, FULL_RETRY_FIRST);
        loop {
            match self.store.apply(ops) {
                Ok(()) => {
                    if full_for > 0 {
                        tracing::warn!(tries = full_for, "the store takes commits again; service resumes");
                        self.health.set_failing(false);
                    }
                    self.meters.commit_seconds.record(started.elapsed().as_secs_f64());
                    self.meters.batch_ops.record(ops.len() as f64);
                    return;
                }
                Err(StoreError::Unavailable(e)) => {
                    // Nothing was written, or all of it and the reply was lost: a backend that reports
                    // this makes its batches safe to repeat. Wait for the store and try the same batch
                    // again, however long it takes; its effects (acks included) wait with it, and the
                    // hub refuses new writes meanwhile (`HubEvent::StoreReachable`).
                    tracing::warn!(error = %e, "store unreachable; the batch waits");
                    std::thread::sleep(UNREACHABLE_RETRY);
                    self.while_stuck(rx);
                }
                Err(StoreError::Full(e)) => {
                    if full_for == 0 {
                        tracing::error!(error = %e, "the store is full: holding the batch and refusing writes until there is room");
                        self.health.set_failing(true);
                    }
                    metrics::counter!("switchboard_store_full_retries_total").increment(1);
                    full_for = full_for.saturating_add(1);
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(FULL_RETRY_MAX);
                    self.while_stuck(rx);
                }
                Err(e @ (StoreError::Io(_) | StoreError::Corrupt(_))) => {
                    tracing::error!(error = %e, "store commit failed; stopping so that nothing unstored is acknowledged");
                    crate::stop::now(70);
                }
                Err(e) => {
                    attempt += 1;
                    tracing::error!(attempt, error = %e, "store commit failed");
                    if attempt >= COMMIT_ATTEMPTS {
                        tracing::error!(
                            "store commit failed {COMMIT_ATTEMPTS} times; stopping so that nothing unstored is acknowledged"
                        );
                        crate::stop::now(70);
                    }
                    std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                }
            }
        }
    }

    /// While a batch waits for the store: jobs that write nothing and only answer connections (errors
    /// such as `unavailable`, pongs) go out now, unless a waiting job has something for the same
    /// connection (its welcome, say: that comes first); the others wait, in order, behind the batch, at
    /// most `DISPATCH_QUEUE` of them (then the hub waits too).
    fn while_stuck(&mut self, rx: &mut mpsc::Receiver<Job>) {
        while self.held.len() < super::DISPATCH_QUEUE {
            let Ok(job) = rx.try_recv() else { return };
            if answers_only(&job) && !job.effects.iter().any(|e| self.held.iter().any(|h| addresses(h, e))) {
                for effect in job.effects {
                    self.perform(effect);
                }
            } else {
                self.held.push_back(job);
            }
        }
    }

    fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::Subscribe { conn, who } => self.broker.subscribe(conn, who),
            Effect::ToConn { conn, item } => {
                self.broker.to_conn(conn, item);
            }
            Effect::ToParticipant { who, item, except } => {
                self.broker.to_participant(who, &item, except);
            }
            Effect::Transcript { to, conversation, upto } => {
                let backlog = Backlog {
                    conversation: conversation.conversation_id,
                    after_seq: 0,
                    last_seq: Some(upto),
                    kind: BacklogKind::Transcript(conversation),
                };
                self.broker.to_participant(to, &OutItem::Backlog(Arc::new(backlog)), None);
            }
            Effect::Sync { conn, conversation, after_seq, last_seq, reference } => {
                // A live conversation's messages after the sync (same batch, committed with it) go out
                // live right after this item: the backlog stops at `last_seq`, or they would come twice.
                let backlog = Backlog { conversation, after_seq, last_seq, kind: BacklogKind::Sync { reference } };
                self.broker.to_conn(conn, OutItem::Backlog(Arc::new(backlog)));
            }
            Effect::Reply(reply) => reply(),
            Effect::Delivered(at) => {
                self.meters.delivery_seconds.record(at.elapsed().as_secs_f64());
            }
            Effect::CloseAll => self.broker.to_all(&OutItem::Close(1012, "service restart")),
        }
    }
}

/// A job that writes nothing and only sends frames to single connections: nothing in it depends on a
/// batch waiting before it.
fn answers_only(job: &Job) -> bool {
    job.ops.is_empty()
        && job
            .effects
            .iter()
            .all(|e| matches!(e, Effect::ToConn { item: OutItem::Frame(_), .. } | Effect::Delivered(_)))
}

/// Whether `job` has something for the connection that `answer` (a `ToConn`) goes to that must come
/// first: its subscription and welcome, a frame or a backlog queued for it, the closing notice.
fn addresses(job: &Job, answer: &Effect) -> bool {
    let Effect::ToConn { conn, .. } = answer else { return false };
    job.effects.iter().any(|e| match e {
        Effect::Subscribe { conn: c, .. } | Effect::ToConn { conn: c, .. } | Effect::Sync { conn: c, .. } => c == conn,
        // A broadcast of an earlier message may reach the connection after an answer to a later frame:
        // both carry their own ids, and nothing in either depends on the other.
        Effect::ToParticipant { .. } | Effect::Transcript { .. } | Effect::Reply(_) | Effect::Delivered(_) => false,
        Effect::CloseAll => true,
    })
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;

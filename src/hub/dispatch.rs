//! The dispatcher: one thread that owns the store's writer. It takes jobs in FIFO order, commits the ops
//! of as many queued jobs as are waiting in one transaction (group commit: one fsync per batch, never
//! one per message), and only then performs their effects, in order. Because every outbound frame passes
//! through here, a client never hears of a message before it is durable, and a sync backlog read here can
//! neither miss nor repeat a live message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{ConnId, OutFrame, OutItem, Participant};
use crate::domain::{ConversationId, Seq};
use crate::fanout::Fanout;
use crate::protocol::{ConversationView, Ref, ServerFrame};
use crate::store::{Store, StoreOp};

/// Ops committed in one transaction at most; a larger backlog is split over several commits.
pub const MAX_BATCH_OPS: usize = 4096;
/// Messages per outbound item when a backlog is sent (sync, transcripts).
pub const BACKLOG_CHUNK: usize = 256;
/// The longest transcript or sync answer, in messages.
pub const MAX_BACKLOG: usize = 50_000;
/// Commit attempts before the process gives up (after an fsync failure the page cache cannot be trusted,
/// so it stops and restarts from what is on disk rather than acknowledging on a guess).
const COMMIT_ATTEMPTS: u32 = 3;

pub enum Effect {
    Attach {
        conn: ConnId,
        who: Participant,
        tx: mpsc::Sender<OutItem>,
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
    /// `assigned` with the transcript read from the store.
    Transcript {
        to: Participant,
        conversation: Box<ConversationView>,
    },
    /// The messages after `after_seq`, then `synced`.
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

#[derive(Default)]
pub struct Job {
    pub ops: Vec<StoreOp>,
    pub effects: Vec<Effect>,
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
    pub fn start(store: Box<dyn Store>, fanout: Arc<dyn Fanout>) -> Dispatcher {
        let (tx, rx) = mpsc::channel(super::DISPATCH_QUEUE);
        let thread = std::thread::Builder::new()
            .name("switchboard-dispatch".into())
            .spawn(move || Worker { store, fanout }.run(rx))
            .expect("spawn the dispatcher thread");
        Dispatcher { tx, thread: Some(thread) }
    }

    pub async fn submit(&self, job: Job) {
        if self.tx.send(job).await.is_err() {
            tracing::error!("dispatcher is gone; the process cannot make progress");
            std::process::exit(70);
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
    store: Box<dyn Store>,
    fanout: Arc<dyn Fanout>,
}

impl Worker {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.blocking_recv() {
            let mut jobs = vec![first];
            let mut ops = jobs[0].ops.len();
            while ops < MAX_BATCH_OPS {
                match rx.try_recv() {
                    Ok(job) => {
                        ops += job.ops.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.commit(&mut jobs);
            for job in jobs {
                for effect in job.effects {
                    self.perform(effect);
                }
            }
            self.store.between_batches();
        }
    }

    fn commit(&mut self, jobs: &mut [Job]) {
        let ops: Vec<StoreOp> = jobs.iter_mut().flat_map(|j| j.ops.drain(..)).collect();
        if ops.is_empty() {
            return;
        }
        let started = Instant::now();
        for attempt in 1..=COMMIT_ATTEMPTS {
            match self.store.apply(&ops) {
                Ok(()) => {
                    metrics::histogram!("switchboard_store_commit_seconds").record(started.elapsed().as_secs_f64());
                    metrics::histogram!("switchboard_store_batch_ops").record(ops.len() as f64);
                    return;
                }
                Err(e) => {
                    tracing::error!(attempt, error = %e, "store commit failed");
                    std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                }
            }
        }
        tracing::error!(
            "store commit failed {COMMIT_ATTEMPTS} times; stopping so that nothing unstored is acknowledged"
        );
        std::process::exit(70);
    }

    fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::Attach { conn, who, tx } => self.fanout.attach(conn, who, tx),
            Effect::ToConn { conn, item } => {
                self.fanout.to_conn(conn, item);
            }
            Effect::ToParticipant { who, item, except } => {
                self.fanout.to_participant(who, &item, except);
            }
            Effect::Transcript { to, conversation } => {
                let messages = self.backlog(conversation.conversation_id, 0);
                let frame = ServerFrame::Assigned { conversation: *conversation, messages };
                self.fanout.to_participant(to, &OutItem::frame(frame), None);
            }
            Effect::Sync { conn, conversation, after_seq, last_seq, reference } => {
                let messages = self.backlog(conversation, after_seq);
                let last_seq = last_seq.unwrap_or_else(|| messages.last().map_or(after_seq, |m| m.seq));
                let frames: Vec<Arc<OutFrame>> = messages
                    .into_iter()
                    .map(|m| Arc::new(OutFrame { frame: ServerFrame::Message(m), encoded: Default::default() }))
                    .collect();
                for chunk in frames.chunks(BACKLOG_CHUNK) {
                    self.fanout.to_conn(conn, OutItem::Frames(chunk.into()));
                }
                let synced = ServerFrame::Synced { conversation_id: conversation, last_seq };
                self.fanout.to_conn(conn, OutItem::frame(synced));
                self.fanout.to_conn(conn, OutItem::frame(ServerFrame::ack(reference)));
            }
            Effect::Reply(reply) => reply(),
            Effect::Delivered(at) => {
                metrics::histogram!("switchboard_message_delivery_seconds").record(at.elapsed().as_secs_f64());
            }
            Effect::CloseAll => self.fanout.to_all(&OutItem::Close(1012, "service restart")),
        }
    }

    fn backlog(&self, conversation: ConversationId, after: Seq) -> Vec<crate::protocol::MessageView> {
        match self.store.messages_after(conversation, after, MAX_BACKLOG) {
            Ok(records) => records.into_iter().map(super::views::message_view).collect(),
            Err(e) => {
                tracing::error!(error = %e, "reading a backlog failed");
                Vec::new()
            }
        }
    }
}

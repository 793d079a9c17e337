//! The dispatcher's batching: what shares a commit, and what never waits for one.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Dispatcher, Effect, Job};
use crate::delivery::{Broker, ConnId, ConnRegistry, LocalBroker};
use crate::domain::{ConversationId, Role, Seq, VisitorId};
use crate::store::*;

/// The dispatcher's own queue, for work that "arrives" from inside a commit or an effect.
type Queue = Arc<OnceLock<mpsc::Sender<Job>>>;

/// A store that records the size of each commit, holds nothing, and in the commit numbered `arrive.0`
/// (from 1) queues the job `arrive.1`: work that arrives while a commit runs, as under load.
struct Commits {
    sizes: Arc<Mutex<Vec<usize>>>,
    arrive: Option<(usize, Job)>,
    queue: Queue,
}

impl Transcripts for Commits {
    /// The dispatcher never reads for a client (backlogs are read by the connections).
    fn messages_after(&self, _: ConversationId, _: Seq, _: usize) -> StoreResult<Vec<MessageRecord>> {
        unreachable!("the dispatcher read a backlog on the commit path")
    }
}

impl StoreWriter for Commits {
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()> {
        let n = {
            let mut sizes = self.sizes.lock().unwrap();
            sizes.push(ops.len());
            sizes.len()
        };
        if self.arrive.as_ref().is_some_and(|(at, _)| *at == n)
            && let Some((_, job)) = self.arrive.take()
        {
            send_now(&self.queue, job);
        }
        Ok(())
    }
}

fn send_now(queue: &Queue, job: Job) {
    assert!(queue.get().expect("the dispatcher has started").try_send(job).is_ok());
}

/// A dispatcher whose store queues `arrive` during that commit; also its queue and its commit sizes.
fn start(interval: Duration, arrive: Option<(usize, Job)>) -> (Dispatcher, Queue, Arc<Mutex<Vec<usize>>>) {
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let queue: Queue = Arc::default();
    let store = Commits { sizes: sizes.clone(), arrive, queue: queue.clone() };
    let broker = Arc::new(LocalBroker(ConnRegistry::new()));
    let dispatcher = Dispatcher::start_with(Box::new(store), broker, interval, Arc::default());
    assert!(queue.set(dispatcher.tx.clone()).is_ok());
    (dispatcher, queue, sizes)
}

/// A job that writes one message (when `writes`), queues `then` (if any), then reports `name`.
fn job(
    name: &'static str,
    writes: bool,
    done: &mpsc::UnboundedSender<&'static str>,
    then: Option<(Job, Queue)>,
) -> Job {
    let done = done.clone();
    Job {
        ops: if writes { vec![StoreOp::PutMessage(message())] } else { Vec::new() },
        effects: vec![Effect::Reply(Box::new(move || {
            if let Some((job, queue)) = then {
                send_now(&queue, job);
            }
            let _ = done.send(name);
        }))],
        ..Job::default()
    }
}

fn message() -> MessageRecord {
    MessageRecord {
        conversation_id: ConversationId(1),
        seq: 1,
        role: Role::Visitor,
        sender_name: None,
        text: "hi".into(),
        at: jiff::Timestamp::UNIX_EPOCH,
        client_msg_id: None,
        system: None,
    }
}

/// Waits for the next reported job; `None` after `within`.
async fn next(done: &mut mpsc::UnboundedReceiver<&'static str>, within: Duration) -> Option<&'static str> {
    tokio::time::timeout(within, done.recv()).await.ok().flatten()
}

#[tokio::test]
async fn under_load_writes_queued_during_the_commit_interval_share_one_commit_in_order() {
    let (tx, mut done) = mpsc::unbounded_channel();
    // `b` arrives while `a` is being committed: the hub is busy, so `b` waits for the rest of the
    // interval since `a`'s commit started, and `c` and `d`, sent a tenth of it later, join its commit
    // (without the wait, `b` would have been committed alone long before).
    let b = job("b", true, &tx, None);
    let (dispatcher, _, commits) = start(Duration::from_secs(1), Some((1, b)));
    dispatcher.submit(job("a", true, &tx, None)).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("a"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    for name in ["c", "d"] {
        dispatcher.submit(job(name, true, &tx, None)).await;
    }
    for name in ["b", "c", "d"] {
        assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some(name));
    }
    assert_eq!(*commits.lock().unwrap(), vec![1, 3]);
}

#[tokio::test]
async fn a_quiet_hub_commits_at_once_and_jobs_without_writes_never_wait() {
    let (tx, mut done) = mpsc::unbounded_channel();
    // An interval far longer than the test may take: anything that waited for it would time out.
    // During the second commit a job that only sends arrives, and it queues a write when performed.
    let (queue, write) = (Queue::default(), job("write under load", true, &tx, None));
    let sends = job("sends under load", false, &tx, Some((write, queue.clone())));
    let (dispatcher, started, commits) = start(Duration::from_secs(3600), Some((2, sends)));
    assert!(queue.set(started.get().unwrap().clone()).is_ok());
    dispatcher.submit(job("first write", true, &tx, None)).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("first write"));
    // Well within the interval, but nothing arrived while the last commit ran.
    dispatcher.submit(job("write to a quiet hub", true, &tx, None)).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("write to a quiet hub"));
    // The hub is busy now: the job that only sends goes at once, the write behind it waits.
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("sends under load"));
    assert_eq!(next(&mut done, Duration::from_millis(300)).await, None);
    assert_eq!(*commits.lock().unwrap(), vec![1, 1]);
}

/// The dispatcher only queues a sync's backlog where it stands in the one order, cut at the seq the hub
/// had when it took the sync (later messages of the same batch go out live right after); it reads
/// nothing itself (every read of this store is `unreachable!`).
#[tokio::test]
async fn a_sync_is_queued_with_its_cut_and_not_read_on_the_commit_path() {
    use crate::delivery::{BacklogKind, OutItem};
    use crate::domain::Participant;
    let registry = ConnRegistry::new();
    let fanout = Arc::new(LocalBroker(registry.clone()));
    let (out, mut rx) = crate::delivery::outbox(16, 1 << 20);
    registry.register(ConnId::new(0, 7), out);
    fanout.subscribe(ConnId::new(0, 7), Participant::Visitor(VisitorId(1)));
    let store = Commits { sizes: Arc::default(), arrive: None, queue: Queue::default() };
    let dispatcher = Dispatcher::start_with(Box::new(store), fanout, Duration::from_millis(1), Arc::default());
    for cut in [Some(2), None] {
        let sync = Effect::Sync {
            conn: ConnId::new(0, 7),
            conversation: ConversationId(1),
            after_seq: 1,
            last_seq: cut,
            reference: None,
        };
        dispatcher.submit(Job { ops: Vec::new(), effects: vec![sync], ..Job::default() }).await;
        let Some(OutItem::Backlog(backlog)) = rx.recv().await else { panic!("no backlog") };
        assert_eq!((backlog.after_seq, backlog.last_seq), (1, cut));
        assert!(matches!(backlog.kind, BacklogKind::Sync { reference: None }));
    }
}

/// A store that is away until `up` is set, as Redis in cluster mode.
struct Away {
    up: Arc<std::sync::atomic::AtomicBool>,
    tried: mpsc::UnboundedSender<()>,
}

impl Transcripts for Away {
    fn messages_after(&self, _: ConversationId, _: Seq, _: usize) -> StoreResult<Vec<MessageRecord>> {
        unreachable!("the dispatcher read a backlog on the commit path")
    }
}

impl StoreWriter for Away {
    fn apply(&mut self, _: &[StoreOp]) -> StoreResult<()> {
        let _ = self.tried.send(());
        if self.up.load(std::sync::atomic::Ordering::SeqCst) {
            Ok(())
        } else {
            Err(StoreError::Unavailable("away".into()))
        }
    }
}

/// Reports what each connection is sent: a subscription, or an error frame's message.
struct Recorder(mpsc::UnboundedSender<String>);

impl Broker for Recorder {
    fn subscribe(&self, conn: ConnId, _: crate::domain::Participant) {
        let _ = self.0.send(format!("subscribe {}", conn.get()));
    }
    fn to_participant(&self, _: crate::domain::Participant, _: &crate::delivery::OutItem, _: Option<ConnId>) -> usize {
        0
    }
    fn to_conn(&self, _: ConnId, item: crate::delivery::OutItem) -> bool {
        if let crate::delivery::OutItem::Frame(f) = item
            && let Some(crate::protocol::ServerFrame::Error { message, .. }) = f.frame()
        {
            let _ = self.0.send(message.clone());
        }
        true
    }
    fn to_all(&self, _: &crate::delivery::OutItem) {}
}

fn say(conn: u64, text: &str) -> Effect {
    let frame = crate::protocol::ServerFrame::error(crate::protocol::ErrorCode::Unavailable, text, None);
    Effect::ToConn { conn: ConnId::new(0, conn), item: crate::delivery::OutItem::frame(frame) }
}

async fn recv(seen: &mut mpsc::UnboundedReceiver<String>) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(5), seen.recv()).await.ok().flatten()
}

/// While a batch waits for the store, answers to other frames go out (the `unavailable` a client must
/// get); a connection's answer still waits behind its own welcome; the rest follows in order once the
/// store is back.
#[tokio::test]
async fn answers_go_out_while_a_batch_waits_for_the_store() {
    let up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, mut seen) = mpsc::unbounded_channel();
    let (tried, mut attempts) = mpsc::unbounded_channel();
    let dispatcher = Dispatcher::start_with(
        Box::new(Away { up: up.clone(), tried }),
        Arc::new(Recorder(tx)),
        Duration::from_millis(1),
        Arc::default(),
    );
    let visitor = crate::domain::Participant::Visitor(VisitorId(3));
    let jobs = [
        Job {
            ops: vec![StoreOp::PutMessage(message())],
            effects: vec![say(1, "ack of the stored message")],
            ..Job::default()
        },
        Job { effects: vec![say(2, "unavailable for conn 2")], ..Job::default() },
        Job {
            effects: vec![Effect::Subscribe { conn: ConnId::new(0, 3), who: visitor }, say(3, "welcome of conn 3")],
            ..Job::default()
        },
        Job { effects: vec![say(3, "unavailable for conn 3")], ..Job::default() },
        Job { effects: vec![say(4, "unavailable for conn 4")], ..Job::default() },
    ];
    let mut jobs = jobs.into_iter();
    dispatcher.submit(jobs.next().unwrap()).await;
    attempts.recv().await.expect("the batch was tried");
    // These arrive while the batch waits.
    for job in jobs {
        dispatcher.submit(job).await;
    }
    assert_eq!(recv(&mut seen).await.as_deref(), Some("unavailable for conn 2"));
    assert_eq!(recv(&mut seen).await.as_deref(), Some("unavailable for conn 4"));
    let early = tokio::time::timeout(Duration::from_millis(600), seen.recv()).await;
    assert!(early.is_err(), "nothing else before the store is back: {early:?}");

    up.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut rest = Vec::new();
    for _ in 0..4 {
        rest.push(recv(&mut seen).await.unwrap_or_default());
    }
    let three = ConnId::new(0, 3).get();
    assert_eq!(
        rest,
        [
            "ack of the stored message".to_string(),
            format!("subscribe {three}"),
            "welcome of conn 3".into(),
            "unavailable for conn 3".into()
        ]
    );
    dispatcher.finish().await;
}
/// A store that fails every batch with `StoreError::Full` while `full` is set (the transaction rolled
/// back, as SQLite's is), tells `tries` of each attempt, and counts the ops it committed.
struct FillsUp {
    full: Arc<std::sync::atomic::AtomicBool>,
    tries: mpsc::UnboundedSender<()>,
    committed: Arc<Mutex<usize>>,
}

impl Transcripts for FillsUp {
    fn messages_after(&self, _: ConversationId, _: Seq, _: usize) -> StoreResult<Vec<MessageRecord>> {
        unreachable!("the dispatcher read a backlog on the commit path")
    }
}

impl StoreWriter for FillsUp {
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()> {
        let _ = self.tries.send(());
        if self.full.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Full("database or disk is full".into()));
        }
        *self.committed.lock().unwrap() += ops.len();
        Ok(())
    }
}

/// A full disk holds the batch, not the process: the dispatcher tries it again and again, says the store
/// is failing (connections refuse writes meanwhile), performs none of its effects nor those behind it,
/// and once there is room commits it and performs them in order.
#[tokio::test]
async fn a_full_store_holds_the_batch_and_its_effects_until_there_is_room_then_resumes_in_order() {
    use crate::hub::StoreHealth;
    let (tx, mut done) = mpsc::unbounded_channel();
    let (tries_tx, mut tries) = mpsc::unbounded_channel();
    let full = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let committed = Arc::new(Mutex::new(0));
    let store = FillsUp { full: full.clone(), tries: tries_tx, committed: committed.clone() };
    let health = Arc::new(StoreHealth::default());
    let broker = Arc::new(LocalBroker(ConnRegistry::new()));
    let dispatcher = Dispatcher::start_with(Box::new(store), broker, Duration::from_millis(1), health.clone());
    dispatcher.submit(job("held", true, &tx, None)).await;
    dispatcher.submit(job("behind it", false, &tx, None)).await;
    let wait = Duration::from_secs(10);
    tokio::time::timeout(wait, health.wait_for(true)).await.expect("the store is reported failing");
    for _ in 0..3 {
        tokio::time::timeout(wait, tries.recv()).await.expect("the batch is tried again").unwrap();
    }
    assert!(done.try_recv().is_err(), "no effect of the held batch nor of the job behind it was performed");
    assert_eq!(*committed.lock().unwrap(), 0);
    full.store(false, std::sync::atomic::Ordering::SeqCst);
    tokio::time::timeout(wait, health.wait_for(false)).await.expect("the store is reported healthy again");
    assert_eq!(next(&mut done, wait).await, Some("held"));
    assert_eq!(next(&mut done, wait).await, Some("behind it"));
    assert_eq!(*committed.lock().unwrap(), 1, "the held batch was committed once");
    dispatcher.submit(job("after", true, &tx, None)).await;
    assert_eq!(next(&mut done, wait).await, Some("after"));
    assert!(!health.commits_failing());
}

//! The dispatcher's batching: what shares a commit, and what never waits for one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Dispatcher, Effect, Job};
use crate::domain::{AgentId, BotId, ConversationId, Role, Seq, Ticket, VisitorId};
use crate::fanout::LocalFanout;
use crate::store::*;

/// A store that records the size of each commit and holds nothing.
struct Commits(Arc<Mutex<Vec<usize>>>);

impl Store for Commits {
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()> {
        self.0.lock().unwrap().push(ops.len());
        Ok(())
    }
    fn load(&self) -> StoreResult<Snapshot> {
        unreachable!()
    }
    fn secret(&mut self, _: &str) -> StoreResult<[u8; 32]> {
        unreachable!()
    }
    fn messages_after(&self, _: ConversationId, _: Seq, _: usize) -> StoreResult<Vec<MessageRecord>> {
        Ok(Vec::new())
    }
    fn token(&self, _: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        unreachable!()
    }
    fn agent_by_email(&self, _: &str) -> StoreResult<Option<AgentRecord>> {
        unreachable!()
    }
    fn agent(&self, _: AgentId) -> StoreResult<Option<AgentRecord>> {
        unreachable!()
    }
    fn bot(&self, _: BotId) -> StoreResult<Option<BotRecord>> {
        unreachable!()
    }
    fn conversation_by_ticket(&self, _: Ticket) -> StoreResult<Option<ConversationRecord>> {
        unreachable!()
    }
    fn conversations(&self, _: TicketQuery) -> StoreResult<Vec<ConversationRecord>> {
        unreachable!()
    }
    fn open_conversation_of(&self, _: VisitorId) -> StoreResult<Option<ConversationRecord>> {
        unreachable!()
    }
}

fn start(interval: Duration) -> (Dispatcher, Arc<Mutex<Vec<usize>>>) {
    let commits = Arc::new(Mutex::new(Vec::new()));
    let dispatcher = Dispatcher::start_with(Box::new(Commits(commits.clone())), LocalFanout::new(), interval);
    (dispatcher, commits)
}

/// A job that writes one message (when `writes`) and then reports `name`.
fn job(name: &'static str, writes: bool, done: &mpsc::UnboundedSender<&'static str>) -> Job {
    job_then(name, writes, done, None)
}

/// `job`, whose effect also queues `next` for the dispatcher before reporting: work that arrives while
/// a batch is being done, as under load.
fn job_then(
    name: &'static str,
    writes: bool,
    done: &mpsc::UnboundedSender<&'static str>,
    next: Option<(Job, tokio::sync::mpsc::Sender<Job>)>,
) -> Job {
    let message = MessageRecord {
        conversation_id: ConversationId(1),
        seq: 1,
        role: Role::Visitor,
        sender_name: None,
        text: "hi".into(),
        at: jiff::Timestamp::UNIX_EPOCH,
        client_msg_id: None,
    };
    let done = done.clone();
    Job {
        ops: if writes { vec![StoreOp::PutMessage(message)] } else { Vec::new() },
        effects: vec![Effect::Reply(Box::new(move || {
            if let Some((job, queue)) = next {
                assert!(queue.try_send(job).is_ok());
            }
            let _ = done.send(name);
        }))],
    }
}

/// Waits for the next reported job; `None` after `within`.
async fn next(done: &mut mpsc::UnboundedReceiver<&'static str>, within: Duration) -> Option<&'static str> {
    tokio::time::timeout(within, done.recv()).await.ok().flatten()
}

#[tokio::test]
async fn under_load_writes_queued_during_the_commit_interval_share_one_commit_in_order() {
    let (dispatcher, commits) = start(Duration::from_millis(500));
    let (tx, mut done) = mpsc::unbounded_channel();
    // `b` is queued while `a`'s batch is being done: the hub is busy, so `b` waits for the rest of the
    // interval since `a`'s commit started, and `c` and `d`, sent meanwhile, join its commit.
    let b = job("b", true, &tx);
    dispatcher.submit(job_then("a", true, &tx, Some((b, dispatcher.tx.clone())))).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("a"));
    for name in ["c", "d"] {
        dispatcher.submit(job(name, true, &tx)).await;
    }
    for name in ["b", "c", "d"] {
        assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some(name));
    }
    dispatcher.finish().await;
    assert_eq!(*commits.lock().unwrap(), vec![1, 3]);
}

#[tokio::test]
async fn a_quiet_hub_commits_at_once_and_jobs_without_writes_never_wait() {
    // An interval far longer than the test may take: anything that waited for it would time out.
    let (dispatcher, commits) = start(Duration::from_secs(3600));
    let (tx, mut done) = mpsc::unbounded_channel();
    dispatcher.submit(job("first write", true, &tx)).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("first write"));
    // Well within the interval, but nothing was waiting when the last batch was done.
    dispatcher.submit(job("write to a quiet hub", true, &tx)).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("write to a quiet hub"));
    // Queued during a batch, a job that only sends goes at once; a write behind it waits.
    let write = job("write under load", true, &tx);
    let sends = job_then("sends under load", false, &tx, Some((write, dispatcher.tx.clone())));
    dispatcher.submit(job_then("trigger", false, &tx, Some((sends, dispatcher.tx.clone())))).await;
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("trigger"));
    assert_eq!(next(&mut done, Duration::from_secs(10)).await, Some("sends under load"));
    assert_eq!(next(&mut done, Duration::from_millis(300)).await, None);
    assert_eq!(*commits.lock().unwrap(), vec![1, 1]);
}

//! The Redis store against a real `redis-server`: every record written by a batch reads back the same
//! through the readers and the snapshot, a repeated batch changes nothing, and a batch under a stale or
//! lapsed lease is refused.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use jiff::Timestamp;

use super::{LeaseToken, RedisFactory};
use crate::domain::*;
use crate::store::*;

/// A `redis-server` on a free port, in a directory of its own, stopped when dropped.
pub(crate) struct TestRedis {
    pub url: String,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl TestRedis {
    pub fn start() -> TestRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        let url = format!("redis://127.0.0.1:{port}/0");
        let client = redis::Client::open(url.as_str()).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while client.get_connection_with_timeout(Duration::from_millis(200)).is_err() {
            assert!(std::time::Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        TestRedis { url, child, _dir: dir }
    }

    /// Sets `sb:leader` as a lease holder would, and returns the token.
    pub fn lease(&self, value: &str) -> LeaseToken {
        let mut c = redis::Client::open(self.url.as_str()).unwrap().get_connection().unwrap();
        redis::cmd("SET").arg(super::keys::LEADER).arg(value).exec(&mut c).unwrap();
        let token = LeaseToken::default();
        token.set(Some(value.into()));
        token
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn message(conv: u64, seq: u64, cmid: Option<&str>) -> MessageRecord {
    MessageRecord {
        conversation_id: ConversationId(conv),
        seq,
        role: Role::Visitor,
        sender_name: None,
        text: Arc::from(format!("line {seq}")),
        at: at("2026-12-01T10:00:00Z"),
        client_msg_id: cmid.map(Arc::from),
        system: None,
    }
}

fn batch() -> Vec<StoreOp> {
    let agent = AgentRecord {
        id: AgentId(7),
        email: "anna@example.com".into(),
        name: "Anna".into(),
        password_hash: "$argon2id$…".into(),
        languages: vec!["en".parse().unwrap(), "de".parse().unwrap()],
        tier: 2,
        max_chats: 3,
        departments: vec!["support".into()],
        created_at: at("2026-12-01T09:00:00Z"),
    };
    let open = ConversationRecord { agent_id: Some(AgentId(7)), ..ConversationRecord::sample(1, Status::Assigned) };
    let closed = ConversationRecord {
        created_at: at("2026-12-01T08:00:00Z"),
        ..ConversationRecord::sample(2, Status::Resolved)
    };
    vec![
        StoreOp::PutAgent(agent),
        StoreOp::PutBot(BotRecord { id: BotId(3), name: "Helper".into(), created_at: at("2026-12-01T09:00:00Z") }),
        StoreOp::PutToken(TokenRecord { hash: [9; 32], principal: Participant::Agent(AgentId(7)), expires_at: None }),
        StoreOp::PutIdentity(IdentityLink { site: "default".into(), sub: "u1".into(), email: "u1@example.com".into() }),
        StoreOp::PutConversation(Box::new(open)),
        StoreOp::PutConversation(Box::new(closed)),
        StoreOp::PutMessage(message(1, 1, Some("c1"))),
        StoreOp::PutMessage(message(1, 2, None)),
        StoreOp::PutMessage(message(1, 3, Some("c3"))),
        StoreOp::SetRating { conversation: ConversationId(2), score: 5, comment: Some("great".into()) },
        StoreOp::AddHistory(Box::new(HistoryEntry {
            conversation_id: ConversationId(1),
            at: at("2026-12-01T10:00:01Z"),
            by: None,
            what: "assigned".into(),
            status: Status::Assigned,
            agent_id: Some(AgentId(7)),
            tier: 1,
            note: None,
        })),
        StoreOp::ReserveTickets { up_to: 1100 },
    ]
}

#[test]
fn a_batch_reads_back_the_same_and_a_repeated_batch_changes_nothing() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease("hub-a:1")).unwrap();
    let mut writer = factory.open_writer().unwrap();
    writer.apply(&batch()).unwrap();
    writer.apply(&batch()).unwrap();

    let r = factory.open().unwrap();
    let seqs: Vec<u64> = r.messages_after(ConversationId(1), 0, 100).unwrap().iter().map(|m| m.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "once each, in order");
    assert_eq!(r.messages_after(ConversationId(1), 1, 1).unwrap(), vec![message(1, 2, None)], "after, limit");
    assert_eq!(r.agent_by_email("ANNA@example.com").unwrap().map(|a| a.id), Some(AgentId(7)));
    assert_eq!(r.token(&[9; 32]).unwrap().map(|t| t.principal), Some(Participant::Agent(AgentId(7))));
    assert_eq!(r.bot(BotId(3)).unwrap().map(|b| b.name), Some("Helper".into()));
    let open = r.conversation_by_ticket(Ticket(1001)).unwrap().expect("by ticket");
    assert_eq!(open.last_seq, 3, "the last seq comes from the transcript, not the record written before it");
    let closed = r.conversation_by_ticket(Ticket(1002)).unwrap().expect("by ticket");
    assert_eq!((closed.rating, closed.rating_comment.as_deref()), (Some(5), Some("great")));
    assert_eq!(r.open_conversation_of(VisitorId(1)).unwrap().map(|c| c.id), Some(ConversationId(1)));
    assert_eq!(r.open_conversation_of(VisitorId(2)).unwrap(), None, "resolved is not open");
    assert_eq!(r.history(ConversationId(1), 10).unwrap().len(), 1, "a repeated entry is one entry");
    let newest: Vec<_> = r.conversations(TicketQuery { limit: 10, ..Default::default() }).unwrap();
    assert_eq!(newest.iter().map(|c| c.id.0).collect::<Vec<_>>(), [2, 1], "newest first (1 is from 1970)");
    let resolved = r.conversations(TicketQuery { status: Some(Status::Resolved), limit: 10, agent: None }).unwrap();
    assert_eq!(resolved.len(), 1);

    let snapshot = r.load().unwrap();
    assert_eq!(snapshot.agents.len(), 1);
    assert_eq!(snapshot.bots.len(), 1);
    assert_eq!(snapshot.identities.len(), 1);
    assert_eq!(snapshot.open_conversations.len(), 1, "only the open one is live");
    assert_eq!(snapshot.open_conversations[0].record.last_seq, 3, "a new leader goes on after seq 3");
    let mut keys = snapshot.open_conversations[0].client_msg_ids.clone();
    keys.sort();
    assert_eq!(keys, vec![(Arc::from("c1"), 1), (Arc::from("c3"), 3)]);
    assert_eq!((snapshot.last_ticket, snapshot.tickets_reserved), (1002, 1100));
}

#[test]
fn a_batch_under_a_stale_or_lapsed_lease_is_refused_whole() {
    let redis = TestRedis::start();
    let old = RedisFactory::new(&redis.url, redis.lease("hub-a:1")).unwrap();
    let mut old_writer = old.open_writer().unwrap();
    old_writer.apply(&[StoreOp::PutMessage(message(1, 1, None))]).unwrap();
    // Another node takes the lease (its fence is higher).
    let new = RedisFactory::new(&redis.url, redis.lease("hub-b:2")).unwrap();
    let err = old_writer.apply(&[StoreOp::PutMessage(message(1, 2, None))]).unwrap_err();
    assert!(matches!(err, StoreError::Backend(ref m) if m.contains("FENCED")), "{err}");
    new.open_writer().unwrap().apply(&[StoreOp::PutMessage(message(1, 2, Some("b")))]).unwrap();
    let seqs: Vec<_> = new.open().unwrap().messages_after(ConversationId(1), 0, 10).unwrap();
    assert_eq!(seqs, vec![message(1, 1, None), message(1, 2, Some("b"))], "the stale write left no trace");

    // A seq already taken by another message refuses the whole batch before anything in it is written.
    let mut writer = new.open_writer().unwrap();
    let batch = [StoreOp::PutMessage(message(1, 3, None)), StoreOp::PutMessage(message(1, 2, Some("other")))];
    let err = writer.apply(&batch).unwrap_err();
    assert!(matches!(err, StoreError::Backend(ref m) if m.contains("holds another message")), "{err}");
    assert_eq!(new.open().unwrap().messages_after(ConversationId(1), 0, 10).unwrap().len(), 2, "nothing written");

    // The same message twice in one batch is written once; a batch reads each transcript's end once.
    let mut c = redis::Client::open(redis.url.as_str()).unwrap().get_connection().unwrap();
    redis::cmd("CONFIG").arg("RESETSTAT").exec(&mut c).unwrap();
    let batch: Vec<StoreOp> = [3, 3, 4, 5, 6].into_iter().map(|s| StoreOp::PutMessage(message(1, s, None))).collect();
    writer.apply(&batch).unwrap();
    let stats: String = redis::cmd("INFO").arg("commandstats").query(&mut c).unwrap();
    assert_eq!(new.open().unwrap().messages_after(ConversationId(1), 0, 10).unwrap().len(), 6);
    let calls = |cmd: &str| {
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{cmd}:calls=")))
            .map_or(0, |rest| rest.split(',').next().unwrap().parse::<u64>().unwrap())
    };
    assert_eq!((calls("xrevrange"), calls("xrange"), calls("xadd")), (1, 0, 4), "{stats}");

    // Nobody holds the lease (it expired while Redis was away): a retryable refusal.
    redis::cmd("DEL").arg(super::super::keys::LEADER).exec(&mut c).unwrap();
    let err = new.open_writer().unwrap().apply(&[StoreOp::PutMessage(message(1, 3, None))]).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
}

#[test]
fn knowledge_base_search_ranks_articles_kept_in_redis() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease("hub-a:1")).unwrap();
    let article = |id: u64, lang: &str, title: &str, text: &str| {
        StoreOp::PutArticle(Box::new(ArticleRecord {
            id: ArticleId(id),
            language: lang.into(),
            title: title.into(),
            text: text.into(),
            tags: vec!["billing".into()],
            url: None,
            created_at: at("2026-12-01T09:00:00Z"),
            updated_at: at("2026-12-01T09:00:00Z"),
        }))
    };
    let mut w = factory.open_writer().unwrap();
    w.apply(&[
        article(1, "en", "Refunds", "How to get a refund for an order"),
        article(2, "en", "Shipping", "Parcels"),
    ])
    .unwrap();
    let r = factory.open().unwrap();
    let hits = r.kb_search("refund", Some("en"), 5).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [ArticleId(1)]);
    // A change moves the version: the next search sees it.
    w.apply(&[article(3, "en", "Refund times", "A refund takes five days")]).unwrap();
    assert_eq!(r.kb_search("refund", Some("en"), 5).unwrap().len(), 2);
}

#[test]
fn history_keeps_its_order_within_a_millisecond_and_a_deleted_agent_takes_its_tokens() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease("hub-a:1")).unwrap();
    let mut w = factory.open_writer().unwrap();
    let entry = |what: &str, status| {
        StoreOp::AddHistory(Box::new(HistoryEntry {
            conversation_id: ConversationId(1),
            at: at("2026-12-01T10:00:00Z"),
            by: None,
            what: what.into(),
            status,
            agent_id: None,
            tier: 1,
            note: None,
        }))
    };
    // Queued then assigned in the same millisecond: "assigned" sorts first as text, not in time.
    let ops = [entry("queued", Status::Queued), entry("assigned", Status::Assigned)];
    w.apply(&ops).unwrap();
    w.apply(&ops).unwrap();
    let r = factory.open().unwrap();
    let whats: Vec<_> = r.history(ConversationId(1), 10).unwrap().iter().map(|h| h.what.to_string()).collect();
    assert_eq!(whats, ["queued", "assigned"], "in the order they happened, once each");

    w.apply(&batch()).unwrap();
    assert!(r.token(&[9; 32]).unwrap().is_some());
    w.apply(&[StoreOp::DeleteAgent(AgentId(7))]).unwrap();
    assert_eq!(r.token(&[9; 32]).unwrap(), None, "the agent's token is gone with it");
    assert_eq!(r.agent_by_email("anna@example.com").unwrap(), None);
}

#[test]
fn a_new_leader_restores_the_queue_in_the_order_the_conversations_came() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease("hub-a:1")).unwrap();
    let mut w = factory.open_writer().unwrap();
    let ops: Vec<StoreOp> = (1..=40u64)
        .map(|i| {
            let created_at = Timestamp::from_second(1_800_000_000 + i as i64).unwrap();
            StoreOp::PutConversation(Box::new(ConversationRecord {
                created_at,
                ..ConversationRecord::sample(1000 - i, Status::Queued)
            }))
        })
        .collect();
    w.apply(&ops).unwrap();
    let snapshot = factory.open().unwrap().load().unwrap();
    let order: Vec<u64> = snapshot.open_conversations.iter().map(|c| c.record.id.0).collect();
    assert_eq!(order, (1..=40u64).map(|i| 1000 - i).collect::<Vec<_>>(), "creation order, not a set's");
}

/// A store factory on `redis` whose reports of Redis away are counted.
fn counting_reports(redis: &TestRedis) -> (RedisFactory, Arc<AtomicUsize>) {
    counting_reports_at(&redis.url, redis)
}

/// The same, reaching Redis at `url` (through a relay).
fn counting_reports_at(url: &str, redis: &TestRedis) -> (RedisFactory, Arc<AtomicUsize>) {
    let told = Arc::new(AtomicUsize::new(0));
    let count = told.clone();
    let factory = RedisFactory::new(url, redis.lease("hub-a:1")).unwrap().on_unreachable(Arc::new(move || {
        count.fetch_add(1, SeqCst);
    }));
    (factory, told)
}

#[test]
fn a_connection_broken_while_idle_is_replaced_without_reporting_redis_away() {
    let redis = TestRedis::start();
    let (factory, told) = counting_reports(&redis);
    let mut writer = factory.open_writer().unwrap();
    writer.apply(&batch()).unwrap();
    let r = factory.open().unwrap();
    assert_eq!(r.messages_after(ConversationId(1), 0, 100).unwrap().len(), 3);
    // Redis drops every client connection (as after a restart); the store's own are now broken.
    let mut admin = redis::Client::open(redis.url.as_str()).unwrap().get_connection().unwrap();
    let killed: i64 =
        redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("normal").arg("SKIPME").arg("yes").query(&mut admin).unwrap();
    assert!(killed >= 2, "the reader's and the writer's connections ({killed})");
    assert_eq!(r.messages_after(ConversationId(1), 0, 100).unwrap().len(), 3, "read on a new connection");
    writer.apply(&batch()).unwrap();
    assert_eq!(told.load(SeqCst), 0, "Redis was never away");
    // Redis really away: reported.
    drop(redis);
    assert!(r.messages_after(ConversationId(1), 0, 100).is_err());
    assert_eq!(told.load(SeqCst), 1);
}

#[test]
fn a_hung_redis_is_reported_after_one_timeout_not_retried() {
    let redis = TestRedis::start();
    let (factory, told) = counting_reports(&redis);
    let r = factory.open().unwrap();
    assert!(r.messages_after(ConversationId(1), 0, 100).unwrap().is_empty(), "connected and kept");
    // Stopped, not gone: the kernel still accepts connections, nothing answers, every read times out.
    let pid = redis.child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    let started = std::time::Instant::now();
    let result = r.messages_after(ConversationId(1), 0, 100);
    let waited = started.elapsed();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    assert!(result.is_err());
    assert_eq!(told.load(SeqCst), 1, "reported away");
    assert!(
        waited < super::REDIS_TIMEOUT + super::REDIS_TIMEOUT / 2,
        "one timeout, not a second on a new connection: waited {waited:?}"
    );
    assert!(r.messages_after(ConversationId(1), 0, 100).is_ok(), "back once Redis answers");
}

#[test]
fn an_idle_connection_dropped_silently_on_the_way_is_replaced_without_reporting_redis_away() {
    let redis = TestRedis::start();
    let relay = super::relay_tests::Relay::start(&redis.url);
    let (factory, told) = counting_reports_at(&relay.url, &redis);
    // Every kept connection counts as idle long enough to have been forgotten on the way.
    let r = factory.stale_after(Duration::ZERO).open().unwrap();
    assert!(r.messages_after(ConversationId(1), 0, 100).unwrap().is_empty(), "connected and kept");
    relay.forget_open_connections();
    assert!(r.messages_after(ConversationId(1), 0, 100).is_ok(), "asked again on a new connection");
    assert_eq!(told.load(SeqCst), 0, "Redis was never away");
}

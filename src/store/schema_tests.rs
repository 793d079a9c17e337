//! The store across schema versions and record by record: a database written before the schema had
//! versions opens and upgrades, a newer one is refused, every record reads back as it was written, and
//! ticket reservations survive a restart.

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

use super::migrations::LATEST;
use super::sqlite::SqliteFactory;
use super::*;

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("switchboard.db")).unwrap()
}

fn user_version(dir: &Path) -> u32 {
    db(dir).pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

/// A database as the store left it before schema versions (`testdata/schema_v0.sql` is the schema of
/// then, and the rows are written with plain SQL as that version wrote them), with the row-by-row message
/// index of the versions before it: it opens at the latest version with every row readable.
#[test]
fn a_database_from_before_versions_opens_and_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let token_hash = [7u8; 32];
    {
        let conn = db(dir.path());
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(include_str!("testdata/schema_v0.sql")).unwrap();
        conn.execute_batch(
            "CREATE UNIQUE INDEX messages_seq ON messages(conversation_id, seq);
             INSERT INTO conversations (id, ticket, visitor_id, site, department, locale, language, priority, tier,
                 status, agent_id, bot_id, bot_reason, handoff_requested, verified, plan, urgent, visitor_name,
                 visitor_email, created_at, resolved_at, last_seq, rating, rating_comment)
             VALUES (11, 1042, 21, 'default', 'support', 'de-DE', 'de', 'premium', 2, 'assigned', 31, NULL, NULL,
                 0, 1, 'premium', 0, 'Ada', 'ada@example.com', 1700000000000, NULL, 1, NULL, NULL);
             INSERT INTO messages (conversation_id, seq, role, sender_name, body, at, client_msg_id) VALUES
                 (11, 1, 'visitor', NULL, 'hallo', 1700000001000, 'c-1'),
                 (11, 2, 'agent', 'Grace', 'guten Tag', 1700000002000, NULL),
                 (11, 3, 'visitor', NULL, 'danke', 1700000003000, 'c-3');
             INSERT INTO agents (id, email, name, password_hash, languages, tier, max_chats, departments, created_at)
             VALUES (31, 'grace@example.com', 'Grace', '$argon2id$stub', 'de' || char(31) || 'en', 2, 5,
                 'support' || char(31) || 'sales', 1600000000000);
             INSERT INTO bots (id, name, created_at) VALUES (41, 'Helper', 1600000000000);
             INSERT INTO identities (site, sub, email) VALUES ('default', 'user-9', 'ada@example.com');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO tokens (hash, kind, subject, expires_at) VALUES (?1, 'agent', 31, NULL)",
            [&token_hash[..]],
        )
        .unwrap();
        assert_eq!(user_version(dir.path()), 0);
    }
    let factory = SqliteFactory::new(dir.path()).unwrap();
    assert_eq!(user_version(dir.path()), LATEST);
    let index: i64 = db(dir.path())
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_seq'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(index, 0, "the row-by-row index is dropped");
    let writer = factory.open_writer().unwrap();
    let reader = factory.open().unwrap();
    for (name, store) in [("writer", writer.as_ref()), ("reader", reader.as_ref())] {
        let snapshot = store.load().unwrap();
        assert_eq!(snapshot.last_ticket, 1042, "{name}");
        assert_eq!(snapshot.tickets_reserved, 1042, "{name}");
        let [open] = &snapshot.open_conversations[..] else { panic!("{name}: one open conversation") };
        let c = &open.record;
        assert_eq!((c.id, c.ticket, c.visitor_id, c.last_seq), (ConversationId(11), Ticket(1042), VisitorId(21), 3));
        assert_eq!((c.priority, c.status, c.plan, c.tier), (Priority::Premium, Status::Assigned, Plan::Premium, 2));
        assert_eq!((c.agent_id, c.verified, c.visitor_name.as_deref()), (Some(AgentId(31)), true, Some("Ada")));
        assert_eq!(c.language.map(|l| l.as_str().to_owned()).as_deref(), Some("de"));
        let mut keys: Vec<(String, Seq)> = open.client_msg_ids.iter().map(|(k, s)| (k.to_string(), *s)).collect();
        keys.sort();
        assert_eq!(keys, [("c-1".to_owned(), 1), ("c-3".to_owned(), 3)], "{name}");
        let [agent] = &snapshot.agents[..] else { panic!("{name}: one agent") };
        assert_eq!((agent.email.as_str(), agent.max_chats), ("grace@example.com", 5));
        assert_eq!(agent.departments, [Arc::from("support"), Arc::from("sales")]);
        assert_eq!(agent.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>(), ["de", "en"]);
        assert_eq!(snapshot.bots.iter().map(|b| (b.id, b.name.as_ref())).collect::<Vec<_>>(), [(BotId(41), "Helper")]);
        assert_eq!(snapshot.identities.len(), 1);

        let texts: Vec<(Seq, String)> = store
            .messages_after(ConversationId(11), 0, 10)
            .unwrap()
            .iter()
            .map(|m| (m.seq, m.text.to_string()))
            .collect();
        assert_eq!(texts, [(1, "hallo".into()), (2, "guten Tag".into()), (3, "danke".into())], "{name}");
        let second = &store.messages_after(ConversationId(11), 1, 1).unwrap()[0];
        assert_eq!((second.role, second.sender_name.as_deref()), (Role::Agent, Some("Grace")));
        assert_eq!(second.at, Timestamp::from_millisecond(1_700_000_002_000).unwrap());

        let by_ticket = store.conversation_by_ticket(Ticket(1042)).unwrap().expect("conversation 1042");
        assert_eq!(&by_ticket, c, "{name}");
        let token = store.token(&token_hash).unwrap().expect("the token");
        assert_eq!(token.principal, Participant::Agent(AgentId(31)));
        assert_eq!(store.agent_by_email("grace@example.com").unwrap().as_ref(), Some(agent));
    }
}

/// A database written by a newer build is refused with a reason, at open and on a factory already open.
#[test]
fn a_newer_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    db(dir.path()).pragma_update(None, "user_version", LATEST + 1).unwrap();
    let err = SqliteFactory::new(dir.path()).err().expect("refused").to_string();
    assert!(err.contains(&format!("schema version {}", LATEST + 1)) && err.contains("newer"), "{err}");
    assert!(err.contains("switchboard.db"), "the file is named: {err}");
    assert!(factory.open().is_err(), "no new connection either");
    assert_eq!(user_version(dir.path()), LATEST + 1, "left as it was");
}

fn conversation(id: u64, ticket: u64) -> ConversationRecord {
    ConversationRecord {
        id: ConversationId(id),
        ticket: Ticket(ticket),
        visitor_id: VisitorId(100 + id),
        site: Arc::from("default"),
        department: Arc::from("sales"),
        locale: Some(Arc::from("fr-FR")),
        language: crate::domain::Language::parse("fr"),
        language_source: Some(crate::domain::LanguageSource::Text),
        priority: Priority::Urgent,
        tier: 3,
        status: Status::Bot,
        agent_id: None,
        bot_id: Some(BotId(5)),
        bot_reason: Some(BotReason::Closed),
        handoff_requested: true,
        verified: true,
        plan: Plan::Premium,
        urgent: true,
        visitor_name: Some(Arc::from("Vis")),
        visitor_email: None,
        created_at: Timestamp::from_millisecond(1_700_000_000_123).unwrap(),
        resolved_at: None,
        last_seq: 0,
        rating: Some(4),
        rating_comment: Some(Arc::from("fine")),
        topic: Some(Arc::from("billing")),
        sla_started_at: Some(Timestamp::from_millisecond(1_700_000_000_200).unwrap()),
        first_response_at: Some(Timestamp::from_millisecond(1_700_000_000_300).unwrap()),
        sla_sent: 5,
    }
}

/// Each record is written and read by column name: what goes in comes back, field for field.
#[test]
fn every_record_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let at = Timestamp::from_millisecond(1_700_000_000_456).unwrap();
    let conversation = conversation(1, 1001);
    let message = MessageRecord {
        conversation_id: ConversationId(1),
        seq: 1,
        role: Role::Bot,
        sender_name: Some(Arc::from("Helper")),
        text: Arc::from("bonjour"),
        at,
        client_msg_id: Some(Arc::from("m-1")),
        system: Some(crate::store::SystemNote { event: crate::domain::SystemEvent::Escalated, tier: Some(2) }),
    };
    let agent = AgentRecord {
        id: AgentId(7),
        email: "a@example.com".into(),
        name: Arc::from("A"),
        password_hash: "hash".into(),
        languages: ["fr", "en"].into_iter().filter_map(crate::domain::Language::parse).collect(),
        tier: 2,
        max_chats: 4,
        departments: vec![Arc::from("sales")],
        created_at: at,
    };
    let bot = BotRecord { id: BotId(5), name: Arc::from("Helper"), created_at: at };
    let token = TokenRecord { hash: [3; 32], principal: Participant::Bot(BotId(5)), expires_at: Some(at) };
    let link = IdentityLink { site: Arc::from("default"), sub: Arc::from("s"), email: Arc::from("v@example.com") };
    writer
        .apply(&[
            StoreOp::PutConversation(Box::new(conversation.clone())),
            StoreOp::PutMessage(message.clone()),
            StoreOp::PutAgent(agent.clone()),
            StoreOp::PutBot(bot.clone()),
            StoreOp::PutToken(token.clone()),
            StoreOp::PutIdentity(link.clone()),
        ])
        .unwrap();
    let reader = factory.open().unwrap();
    for store in [writer.as_ref(), reader.as_ref()] {
        let stored = store.conversation_by_ticket(Ticket(1001)).unwrap().unwrap();
        assert_eq!(stored, ConversationRecord { last_seq: 1, ..conversation.clone() });
        assert_eq!(store.messages_after(ConversationId(1), 0, 10).unwrap(), std::slice::from_ref(&message));
        assert_eq!(store.agent(AgentId(7)).unwrap(), Some(agent.clone()));
        assert_eq!(store.bot(BotId(5)).unwrap(), Some(bot.clone()));
        assert_eq!(store.token(&[3; 32]).unwrap(), Some(token.clone()));
        assert_eq!(store.load().unwrap().identities, std::slice::from_ref(&link));
        assert_eq!(store.open_conversation_of(VisitorId(101)).unwrap().map(|c| c.id), Some(ConversationId(1)));
    }
    writer
        .apply(&[
            StoreOp::SetRating { conversation: ConversationId(1), score: 2, comment: None },
            StoreOp::DeleteToken([3; 32]),
            StoreOp::DeleteAgent(AgentId(7)),
        ])
        .unwrap();
    let rated = reader.conversation_by_ticket(Ticket(1001)).unwrap().unwrap();
    assert_eq!((rated.rating, rated.rating_comment), (Some(2), None));
    assert_eq!(reader.token(&[3; 32]).unwrap(), None);
    assert_eq!(reader.agent(AgentId(7)).unwrap(), None);
}

/// The ticket high-water mark: never lowered, never below the tickets stored, kept across a restart.
#[test]
fn reserved_tickets_are_never_handed_out_again() {
    let dir = tempfile::tempdir().unwrap();
    {
        let factory = SqliteFactory::new(dir.path()).unwrap();
        let mut writer = factory.open_writer().unwrap();
        let fresh = writer.load().unwrap();
        assert_eq!((fresh.last_ticket, fresh.tickets_reserved), (1000, 1000), "a new database");
        writer.apply(&[StoreOp::ReserveTickets { up_to: 1100 }]).unwrap();
        writer.apply(&[StoreOp::ReserveTickets { up_to: 1050 }]).unwrap();
        let reserved = writer.load().unwrap();
        assert_eq!((reserved.last_ticket, reserved.tickets_reserved), (1000, 1100), "a lower mark is ignored");
        writer.apply(&[StoreOp::PutConversation(Box::new(conversation(1, 1001)))]).unwrap();
        assert_eq!(writer.load().unwrap().tickets_reserved, 1100);
        // Any instance may reserve (only messages are the writer's).
        factory.open().unwrap().apply(&[StoreOp::ReserveTickets { up_to: 1200 }]).unwrap();
    }
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let restarted = writer.load().unwrap();
    assert_eq!((restarted.last_ticket, restarted.tickets_reserved), (1001, 1200), "after a restart");
    // A ticket stored past the mark (a hub that stored before it reserved) still counts.
    writer.apply(&[StoreOp::PutConversation(Box::new(conversation(2, 1300)))]).unwrap();
    assert_eq!(writer.load().unwrap().tickets_reserved, 1300);
}

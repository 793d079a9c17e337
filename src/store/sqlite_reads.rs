//! The embedded store's reads for the read pool (`StoreReader`): point lookups, lists, reports, searches
//! and the email outbox, each on the reader's own connection.

use rusqlite::{OptionalExtension, named_params};

use super::super::columns::{AGENTS, BOTS, HISTORY, TOKENS, sql};
use super::super::rows::*;
use super::super::*;
use super::SqliteStore;

impl StoreReader for SqliteStore {
    fn after_read(&self) {
        if let Some(meter) = &self.meter {
            meter.sample(&self.conn);
        }
    }

    fn report(&self, query: &ReportQuery) -> StoreResult<Report> {
        super::reports::report(&self.conn, query).map_err(backend)
    }

    fn search(&self, query: &super::search::SearchQuery) -> StoreResult<super::search::SearchPage> {
        super::search::search(&self.conn, query).map_err(backend)
    }

    fn kb_search(&self, query: &str, language: Option<&str>, limit: usize) -> StoreResult<Vec<KbHit>> {
        super::kb::search(&self.conn, query, language, limit).map_err(backend)
    }

    fn kb_articles(&self, id: Option<crate::domain::ArticleId>, limit: usize) -> StoreResult<Vec<ArticleRecord>> {
        super::kb::articles(&self.conn, id, limit).map_err(backend)
    }

    fn emails_due(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<crate::email::OutboxEmail>> {
        super::outbox::due(&self.conn, now, limit).map_err(backend)
    }

    fn next_email_due(&self) -> StoreResult<Option<Timestamp>> {
        super::outbox::next_due(&self.conn).map_err(backend)
    }

    fn outbox(&self) -> StoreResult<Vec<crate::email::OutboxEmail>> {
        super::outbox::all(&self.conn).map_err(backend)
    }

    fn history(&self, conversation: ConversationId, limit: usize) -> StoreResult<Vec<HistoryEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(sql!(format!("{} WHERE conversation_id = :id ORDER BY id LIMIT :limit", HISTORY.select())))
            .map_err(backend)?;
        let rows = stmt
            .query_map(named_params! {":id": conversation.0 as i64, ":limit": limit as i64}, history_row)
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)
    }

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        self.conn
            .prepare_cached(sql!(format!("{} WHERE hash = :hash", TOKENS.select())))
            .and_then(|mut s| s.query_row(named_params! {":hash": &hash[..]}, token_row).optional())
            .map_err(backend)
    }

    fn agent_by_email(&self, email: &str) -> StoreResult<Option<AgentRecord>> {
        self.conn
            .prepare_cached(sql!(format!("{} WHERE email = :email", AGENTS.select())))
            .and_then(|mut s| s.query_row(named_params! {":email": email}, agent_row).optional())
            .map_err(backend)
    }

    fn agent(&self, id: AgentId) -> StoreResult<Option<AgentRecord>> {
        self.conn
            .prepare_cached(sql!(format!("{} WHERE id = :id", AGENTS.select())))
            .and_then(|mut s| s.query_row(named_params! {":id": id.0 as i64}, agent_row).optional())
            .map_err(backend)
    }

    fn bot(&self, id: BotId) -> StoreResult<Option<BotRecord>> {
        self.conn
            .prepare_cached(sql!(format!("{} WHERE id = :id", BOTS.select())))
            .and_then(|mut s| s.query_row(named_params! {":id": id.0 as i64}, bot_row).optional())
            .map_err(backend)
    }

    fn conversation_by_ticket(&self, ticket: Ticket) -> StoreResult<Option<ConversationRecord>> {
        self.conn
            .prepare_cached(sql!(format!("{} WHERE ticket = :ticket", conversation_select())))
            .and_then(|mut s| s.query_row(named_params! {":ticket": ticket.0 as i64}, conversation_row).optional())
            .map_err(backend)
    }

    fn conversations(&self, q: TicketQuery) -> StoreResult<Vec<ConversationRecord>> {
        let sql = sql!(format!(
            "{} WHERE (:status IS NULL OR status = :status) AND (:agent IS NULL OR agent_id = :agent) \
             ORDER BY created_at DESC, ticket DESC LIMIT :limit",
            conversation_select()
        ));
        let params = named_params! {
            ":status": q.status.map(|s| s.as_str()),
            ":agent": q.agent.map(|a| a.0 as i64),
            ":limit": q.limit as i64,
        };
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_map(params, conversation_row)?.collect::<Result<Vec<_>, _>>())
            .map_err(backend)
    }

    fn open_conversation_of(&self, visitor: VisitorId) -> StoreResult<Option<ConversationRecord>> {
        let sql = sql!(format!(
            "{} WHERE visitor_id = :visitor AND status != 'resolved' ORDER BY created_at DESC LIMIT 1",
            conversation_select()
        ));
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(named_params! {":visitor": visitor.0 as i64}, conversation_row).optional())
            .map_err(backend)
    }

    fn notes(&self, conversation: ConversationId) -> StoreResult<Vec<NoteRecord>> {
        super::team::notes(&self.conn, conversation).map_err(backend)
    }

    fn canned(&self, agent: Option<AgentId>) -> StoreResult<Vec<CannedRecord>> {
        super::team::canned(&self.conn, agent).map_err(backend)
    }
}

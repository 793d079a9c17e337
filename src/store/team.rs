//! The team's own records beside conversations: internal notes and canned replies (migration 4).
//! Written in the writer's batches like every other op; read by the HTTP API through the read pool.

use rusqlite::{Connection, Transaction, named_params};

use super::rows::{from_ms, ms};
use super::*;

pub(super) fn apply(tx: &Transaction<'_>, op: &StoreOp) -> rusqlite::Result<bool> {
    match op {
        StoreOp::PutNote(n) => {
            tx.prepare_cached(
                "INSERT INTO notes (conversation_id, agent_id, agent_name, text, at) \
                 VALUES (:conversation_id, :agent_id, :agent_name, :text, :at)",
            )?
            .execute(named_params! {
                ":conversation_id": n.conversation_id.0 as i64,
                ":agent_id": n.agent_id.0 as i64,
                ":agent_name": &*n.agent_name,
                ":text": &*n.text,
                ":at": ms(n.at),
            })?;
        }
        StoreOp::PutCanned(c) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO canned_replies (id, owner, title, text, created_at) \
                 VALUES (:id, :owner, :title, :text, :created_at)",
            )?
            .execute(named_params! {
                ":id": &*c.id,
                ":owner": c.owner.map(|a| a.0 as i64),
                ":title": &*c.title,
                ":text": &*c.text,
                ":created_at": ms(c.created_at),
            })?;
        }
        StoreOp::DeleteCanned(id) => {
            tx.execute("DELETE FROM canned_replies WHERE id = :id", named_params! {":id": &**id})?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

pub(super) fn notes(conn: &Connection, conversation: ConversationId) -> rusqlite::Result<Vec<NoteRecord>> {
    let mut s = conn.prepare_cached(
        "SELECT agent_id, agent_name, text, at FROM notes WHERE conversation_id = :c ORDER BY at, rowid",
    )?;
    let rows = s.query_map(named_params! {":c": conversation.0 as i64}, |r| {
        Ok(NoteRecord {
            conversation_id: conversation,
            agent_id: AgentId(r.get::<_, i64>(0)? as u64),
            agent_name: r.get::<_, String>(1)?.into(),
            text: r.get::<_, String>(2)?.into(),
            at: from_ms(r.get(3)?),
        })
    })?;
    rows.collect()
}

pub(super) fn canned(conn: &Connection, agent: Option<AgentId>) -> rusqlite::Result<Vec<CannedRecord>> {
    let mut s = conn.prepare_cached(
        "SELECT id, owner, title, text, created_at FROM canned_replies \
         WHERE :all OR owner IS NULL OR owner = :agent ORDER BY title COLLATE NOCASE, id",
    )?;
    let params = named_params! {":all": agent.is_none(), ":agent": agent.map(|a| a.0 as i64)};
    let rows = s.query_map(params, |r| {
        Ok(CannedRecord {
            id: r.get::<_, String>(0)?.into(),
            owner: r.get::<_, Option<i64>>(1)?.map(|v| AgentId(v as u64)),
            title: r.get::<_, String>(2)?.into(),
            text: r.get::<_, String>(3)?.into(),
            created_at: from_ms(r.get(4)?),
        })
    })?;
    rows.collect()
}

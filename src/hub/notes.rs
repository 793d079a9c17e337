//! Internal notes: an agent's remarks on a conversation for the team. A note is stored beside the
//! conversation (never as a message: it takes no seq and is in no transcript), acknowledged once durable,
//! and sent to the author's connections only; the visitor and bots never receive one. Agents read a
//! conversation's notes with `GET /api/tickets/{ticket}/notes`.

use std::sync::Arc;

use super::commands::{Outcome, Reply};
use super::core::Hub;
use super::dispatch::Effect;
use crate::delivery::{ConnId, OutItem};
use crate::domain::{AgentId, ConversationId, Participant};
use crate::protocol::{AgentRef, NoteView, Ref, ServerFrame};
use crate::store::{NoteRecord, StoreOp};

impl Hub {
    /// `note` from an agent that holds the conversation (checked by the caller).
    pub(super) fn note(
        &mut self,
        conn: ConnId,
        agent: AgentId,
        conversation_id: ConversationId,
        text: Arc<str>,
        reference: &Option<Ref>,
    ) -> Outcome {
        let name: Arc<str> = self.agents.get(&agent).map(|a| a.record.name.clone()).unwrap_or_else(|| "".into());
        let record =
            NoteRecord { conversation_id, agent_id: agent, agent_name: name.clone(), text: text.clone(), at: self.now };
        self.op(StoreOp::PutNote(record));
        self.ack(conn, reference.clone());
        let note = NoteView { agent: AgentRef { id: Some(agent), name }, text, at: self.now };
        let item = OutItem::frame(ServerFrame::Note { conversation_id, note });
        self.effect(Effect::ToParticipant { who: Participant::Agent(agent), item, except: None });
        Ok(Reply::Answered)
    }
}

//! Messages and status changes of one conversation, and who hears of them.

use std::sync::Arc;
use std::time::Instant;

use super::core::Hub;
use super::dispatch::Effect;
use super::owners::LANGUAGE_SAMPLE_BYTES;
use crate::delivery::{ConnId, OutItem};
use crate::domain::Participant;
use crate::domain::{ConversationId, LanguageSource, Role, Status};
use crate::protocol::{From, MessageView, Ref, ServerFrame};
use crate::routing::language;
use crate::store::{MessageRecord, StoreOp};

/// Who wrote a message being appended.
pub struct Author {
    pub role: Role,
    pub name: Option<Arc<str>>,
    pub conn: ConnId,
}

/// Shortest message, in bytes, that may switch a bot conversation's language on its own.
const SWITCH_MIN_BYTES: usize = 48;

impl Hub {
    /// Appends a message (spec 4: seq without gaps, idempotent `client_msg_id`, durable before the ack
    /// and the delivery, which the dispatcher performs after the commit).
    pub(super) fn append(
        &mut self,
        id: ConversationId,
        author: Author,
        text: Arc<str>,
        client_msg_id: Option<Arc<str>>,
        reference: Option<Ref>,
        received: Instant,
    ) {
        let Some(c) = self.convs.get_mut(&id) else {
            return;
        };
        if let Some(seq) = client_msg_id.as_ref().and_then(|k| c.client_ids.get(k)).copied() {
            // The same id again: the same ack, nothing added.
            let ack = ServerFrame::Ack { reference, client_msg_id, conversation_id: Some(id), seq: Some(seq) };
            self.send_conn(author.conn, ack);
            return;
        }
        c.rec.last_seq += 1;
        let seq = c.rec.last_seq;
        if let Some(k) = &client_msg_id {
            c.client_ids.insert(k.clone(), seq);
        }
        let record = MessageRecord {
            conversation_id: id,
            seq,
            role: author.role,
            sender_name: author.name.clone(),
            text: text.clone(),
            at: self.now,
            client_msg_id: client_msg_id.clone(),
            system: None,
        };
        let visitor = c.rec.visitor_id;
        let others = [
            Some(Participant::Visitor(visitor)),
            c.rec.agent_id.filter(|_| c.rec.status == Status::Assigned).map(Participant::Agent),
            c.rec.bot_id.filter(|_| c.rec.status == Status::Bot).map(Participant::Bot),
        ];
        self.op(StoreOp::PutMessage(record));
        if author.role == Role::Agent && self.settings.email.is_some() {
            let quoted =
                crate::email::QuotedMessage { seq, name: author.name.clone(), text: text.clone(), at: self.now };
            self.agent_message_for_mail(id, quoted);
        }
        let ack = ServerFrame::Ack { reference, client_msg_id, conversation_id: Some(id), seq: Some(seq) };
        self.send_conn(author.conn, ack);
        let view = MessageView {
            conversation_id: id,
            seq,
            from: From { role: author.role, name: author.name },
            text,
            at: self.now,
            event: None,
            tier: None,
        };
        let item = OutItem::frame(ServerFrame::Message(view));
        for who in others.into_iter().flatten() {
            self.effect(Effect::ToParticipant { who, item: item.clone(), except: Some(author.conn) });
        }
        self.effect(Effect::Delivered(received));
        self.messages_total.count(author.role);
    }

    /// Spec 5.2: the language is refined from the visitor's text until a human has the conversation, by
    /// the rule of `routing::language::decide_with_source` (the locale is evidence where the text says
    /// little; see docs/routing.md). A decision that names no language keeps the one the conversation
    /// has. Returns whether the language changed (the caller then places the conversation anew).
    pub(super) fn observe_language(&mut self, id: ConversationId, text: &str) -> bool {
        let Some(c) = self.convs.get_mut(&id) else {
            return false;
        };
        if c.rec.status == Status::Assigned {
            return false;
        }
        // A visitor with the bot who switches language (a Finnish visitor nobody can take, now writing at
        // length in English) is taken at their latest word: a long message reliable on its own decides.
        // Otherwise the sample of everything so far, while it has room, refines the guess. Queued
        // conversations pay nothing more than before; a short message is never reliable, so not tried.
        let latest = (c.rec.status == Status::Bot && text.len() >= SWITCH_MIN_BYTES)
            .then(|| language::decide_with_source(text, None))
            .filter(|d| d.source == LanguageSource::Text && d.language.is_some());
        if latest.is_none() && c.sample.len() >= LANGUAGE_SAMPLE_BYTES {
            return false;
        }
        if c.sample.len() < LANGUAGE_SAMPLE_BYTES {
            if !c.sample.is_empty() {
                c.sample.push('\n');
            }
            let room = LANGUAGE_SAMPLE_BYTES.saturating_sub(c.sample.len());
            let cut = (0..=room.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            c.sample.push_str(&text[..cut]);
        }
        let decision = latest.unwrap_or_else(|| language::decide_with_source(&c.sample, c.rec.locale.as_deref()));
        self.language_decisions.count(decision.source);
        if decision.language.is_none() {
            return false;
        }
        c.rec.language_source = Some(decision.source);
        let changed = decision.language != c.rec.language;
        c.rec.language = decision.language;
        changed
    }

    /// Sends the messages after `after_seq`, then `synced`, in order with live traffic.
    pub(super) fn sync(
        &mut self,
        conn: ConnId,
        id: ConversationId,
        after_seq: u64,
        last_seq: Option<u64>,
        reference: Option<Ref>,
    ) {
        self.effect(Effect::Sync { conn, conversation: id, after_seq, last_seq, reference });
    }

    /// Sends queue frames and queue positions if the queue changed during this batch of events.
    pub(super) fn flush_queue(&mut self) {
        if !self.queue.take_changed() {
            return;
        }
        let mut per_dept: std::collections::HashMap<Arc<str>, u32> = Default::default();
        let mut by_priority = [0u32; 4];
        let mut moved = Vec::new();
        for id in self.queue.ids() {
            let Some(c) = self.convs.get(&id) else {
                continue;
            };
            let n = per_dept.entry(c.rec.department.clone()).or_default();
            *n += 1;
            by_priority[c.rec.priority as usize] += 1;
            if c.last_position != Some(*n) {
                moved.push((id, *n));
            }
        }
        for (p, n) in crate::domain::Priority::ALL.iter().zip(by_priority) {
            metrics::gauge!("switchboard_queue_length", "priority" => p.as_str()).set(f64::from(n));
        }
        for (id, position) in moved {
            if let Some(c) = self.convs.get_mut(&id) {
                c.last_position = Some(position);
            }
            self.notify_visitor(id);
        }
        self.send_queue_frames();
    }

    /// Typing notices go to the other side only, and are not stored.
    pub(super) fn typing(&mut self, id: ConversationId, from: From, on: bool, conn: ConnId) {
        let Some(c) = self.convs.get(&id) else { return };
        let targets = [
            Some(Participant::Visitor(c.rec.visitor_id)).filter(|_| from.role != Role::Visitor),
            c.rec.agent_id.filter(|_| c.rec.status == Status::Assigned).map(Participant::Agent),
            c.rec.bot_id.filter(|_| c.rec.status == Status::Bot).map(Participant::Bot),
        ];
        let item = OutItem::frame(ServerFrame::Typing { conversation_id: id, from, on });
        for who in targets.into_iter().flatten() {
            self.effect(Effect::ToParticipant { who, item: item.clone(), except: Some(conn) });
        }
    }
}

//! Email decisions (spec 7.6), pure like the rest of the core: which visitor is sent what, and when.
//! Every decision is a row of the store's outbox (`StoreOp::PutEmail`) written in the same commit as
//! the event that caused it; the sender task (`crate::email::sender`) sends what is ready.
//!
//! - The acknowledgement: a conversation that starts while no human can take it (it went to the bot, or
//!   it waits in the queue with no agent of its department online) and whose visitor's email is known
//!   (verified identity, or given with `set_email`) is acknowledged once, with its ticket number.
//! - Unseen agent messages: the protocol has no read receipt, so "seen" means delivered while a visitor
//!   connection was open, or the visitor connecting again afterwards (the welcome and its sync bring
//!   them). An agent message written while the visitor has no connection starts a waiting email (the
//!   clock is the hub's deadline queue: `Timer::UnseenEmail`); later ones join it; `email.unseen_after`
//!   after the first, the timer releases it with every message gathered. The waiting row is in the
//!   store, so a restart sets the timer again rather than losing it. A conversation resolved while the
//!   visitor was away is not brought back by a welcome: its email goes even if the visitor returns.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;

use super::core::Hub;
use super::timers::Timer;
use crate::config::EmailPolicy;
use crate::domain::{ConversationId, EmailId, IdMap, Status, VisitorId};
use crate::email::{EmailAddress, EmailContent, EmailKind, EmailState, OutboxEmail, QuotedMessage};
use crate::store::StoreOp;

/// Emails being gathered and conversations already acknowledged.
#[derive(Default)]
pub struct Mail {
    /// Per visitor, the waiting email of unseen agent messages (a visitor has at most one: writing a
    /// message takes a connection, which sees everything before it).
    waiting: IdMap<VisitorId, OutboxEmail>,
    /// Open conversations acknowledged (forgotten when they end).
    acked: HashSet<ConversationId>,
}

impl Hub {
    /// After a restart: waiting emails get their timers again; acknowledgements are not repeated.
    pub(super) fn restore_mail(&mut self, waiting: Vec<OutboxEmail>, acked: Vec<ConversationId>) {
        self.mail.acked.extend(acked);
        for email in waiting {
            self.deadlines.set(email.due_at, Timer::UnseenEmail { visitor: email.visitor, due: email.due_at });
            self.mail.waiting.insert(email.visitor, email);
        }
    }

    fn email_policy(&self) -> Option<&EmailPolicy> {
        self.settings.email.as_ref()
    }

    /// The link back to the chat for this visitor: `email.chat_url`, else the http(s) page the widget
    /// reported.
    fn chat_link(&self, visitor: VisitorId) -> Option<Arc<str>> {
        let policy = self.email_policy()?;
        policy.chat_url.clone().or_else(|| {
            let page = self.visitors.get(&visitor)?.client.page.clone()?;
            (page.starts_with("https://") || page.starts_with("http://")).then_some(page)
        })
    }

    fn recipient(&self, id: ConversationId) -> Option<EmailAddress> {
        let email = self.convs.get(&id)?.rec.visitor_email.as_deref()?;
        EmailAddress::parse(email).ok()
    }

    /// No human can take the conversation now: it is with the bot, or waits with no agent of its
    /// department online.
    fn no_human_now(&self, id: ConversationId) -> bool {
        let Some(c) = self.convs.get(&id) else { return false };
        match c.rec.status {
            Status::Bot => true,
            Status::Queued => {
                !self.agents.values().any(|a| a.online() && a.record.departments.contains(&c.rec.department))
            }
            Status::Assigned | Status::Resolved => false,
        }
    }

    /// The acknowledgement, once per conversation, if it is due (see the module's notes).
    pub(super) fn consider_ack(&mut self, id: ConversationId) {
        if self.email_policy().is_none() || self.mail.acked.contains(&id) || !self.no_human_now(id) {
            return;
        }
        let (Some(to), Some(c)) = (self.recipient(id), self.convs.get(&id)) else { return };
        let (visitor, ticket) = (c.rec.visitor_id, c.rec.ticket.0);
        let content = EmailContent { ticket, link: self.chat_link(visitor), ..Default::default() };
        self.mail.acked.insert(id);
        self.queue_email(OutboxEmail {
            id: EmailId::random(),
            conversation: id,
            visitor,
            kind: EmailKind::Ack,
            to,
            state: EmailState::Ready,
            content,
            due_at: self.now,
            attempts: 0,
            next_attempt_at: self.now,
            created_at: self.now,
        });
    }

    /// An agent wrote in the conversation: if its visitor has no connection, the message waits to be
    /// seen, and is emailed if it is not within `unseen_after`.
    pub(super) fn agent_message_for_mail(&mut self, id: ConversationId, message: QuotedMessage) {
        let Some(after) = self.email_policy().map(|p| p.unseen_after) else { return };
        let Some(visitor) = self.convs.get(&id).map(|c| c.rec.visitor_id) else { return };
        if self.visitors.get(&visitor).is_some_and(|v| v.conns > 0) {
            return;
        }
        let Some(to) = self.recipient(id) else { return };
        let now = self.now;
        if self.mail.waiting.get(&visitor).is_none_or(|w| w.conversation != id) {
            let email = OutboxEmail {
                id: EmailId::random(),
                conversation: id,
                visitor,
                kind: EmailKind::Unseen,
                to,
                state: EmailState::Waiting,
                content: EmailContent {
                    ticket: self.convs.get(&id).map_or(0, |c| c.rec.ticket.0),
                    link: self.chat_link(visitor),
                    ..Default::default()
                },
                due_at: now + after,
                attempts: 0,
                next_attempt_at: now + after,
                created_at: now,
            };
            self.deadlines.set(email.due_at, Timer::UnseenEmail { visitor, due: email.due_at });
            // One of an earlier conversation (resolved while the visitor was away) goes now, not lost.
            if let Some(earlier) = self.mail.waiting.insert(visitor, email) {
                self.release(earlier);
            }
        }
        if let Some(email) = self.mail.waiting.get_mut(&visitor) {
            email.quote(message);
            let row = Box::new(email.clone());
            self.op(StoreOp::PutEmail(row));
        }
    }

    /// The visitor connected: the messages of its open conversation are seen (the welcome carries the
    /// conversation and the widget syncs it). Those of a conversation resolved meanwhile are not brought
    /// back by a welcome, so their email still goes.
    pub(super) fn visitor_saw(&mut self, visitor: VisitorId) {
        let open = self.convs.open_of(visitor);
        if self.mail.waiting.get(&visitor).is_some_and(|w| Some(w.conversation) == open)
            && let Some(email) = self.mail.waiting.remove(&visitor)
        {
            self.op(StoreOp::DeleteWaitingEmail(email.id));
        }
    }

    /// The timer of a waiting email: released with every message gathered, unless seen or superseded.
    pub(super) fn unseen_due(&mut self, visitor: VisitorId, due: Timestamp) {
        if self.mail.waiting.get(&visitor).is_none_or(|w| w.due_at != due) {
            return;
        }
        if let Some(email) = self.mail.waiting.remove(&visitor) {
            self.release(email);
        }
    }

    /// A waiting email becomes ready to send now.
    fn release(&mut self, mut email: OutboxEmail) {
        email.state = EmailState::Ready;
        email.next_attempt_at = self.now;
        self.queue_email(email);
    }

    /// A conversation ended: its acknowledgement is history (a waiting email is still sent).
    pub(super) fn mail_resolved(&mut self, id: ConversationId) {
        self.mail.acked.remove(&id);
    }

    /// The visitor gave an email address in the widget: it becomes the conversation's contact (a verified
    /// identity's email is kept) and is remembered for the visitor's next conversation.
    pub(super) fn set_visitor_email(&mut self, visitor: VisitorId, email: EmailAddress) {
        self.visitors.set_given_email(visitor, email.as_arc().clone());
        let Some(id) = self.convs.open_of(visitor) else { return };
        let Some(c) = self.convs.get_mut(&id) else { return };
        if c.rec.verified && c.rec.visitor_email.is_some() {
            return;
        }
        if c.rec.visitor_email.as_deref() != Some(email.as_str()) {
            c.rec.visitor_email = Some(email.as_arc().clone());
            self.save(id);
        }
        self.consider_ack(id);
    }

    fn queue_email(&mut self, email: OutboxEmail) {
        metrics::counter!("switchboard_emails_queued_total", "kind" => email.kind.as_str()).increment(1);
        self.op(StoreOp::PutEmail(Box::new(email)));
        self.job.mail_ready = true;
    }

    #[cfg(test)]
    pub(crate) fn waiting_email(&self, visitor: VisitorId) -> Option<&OutboxEmail> {
        self.mail.waiting.get(&visitor)
    }
}

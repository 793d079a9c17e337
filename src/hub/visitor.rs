//! Visitors: hello, identity, their messages, ending and rating.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::conversation::Author;
use super::dispatch::Effect;
use super::state::{Conv, Hub, VisitorState};
use super::{ConnId, OutItem, Participant, VisitorHello};
use crate::auth::IdentityCheck;
use crate::domain::{ConversationId, Plan, Role, Status, Ticket, VisitorId};
use crate::protocol::{ClientFrame, DepartmentView, ErrorCode, PROTOCOL_VERSION, Ref, ServerFrame, VisitorWelcome};
use crate::store::{ConversationRecord, IdentityLink, StoreOp};

/// Longest rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// What a hello's identity token earns, after the link between user id and email is checked.
struct Identity {
    verified: bool,
    plan: Plan,
    urgent: bool,
    name: Option<Arc<str>>,
    email: Option<Arc<str>>,
    conflict: bool,
    error: Option<String>,
}

impl Hub {
    pub fn visitor_hello(&mut self, conn: ConnId, tx: mpsc::Sender<OutItem>, hello: VisitorHello) {
        let id = hello.visitor;
        let identity = self.check_link(&hello.site, hello.identity);
        let department: Arc<str> = hello
            .department
            .as_deref()
            .and_then(|d| self.dept(d).map(|d| d.name.clone()))
            .unwrap_or_else(|| self.depts[0].name.clone());
        let conns = self.visitors.get(&id).map_or(0, |v| v.conns);
        self.visitors.insert(
            id,
            VisitorState {
                conns: conns + 1,
                site: hello.site.clone(),
                verified: identity.verified,
                plan: identity.plan,
                urgent: identity.urgent,
                name: identity.name,
                email: identity.email,
                locale: hello.locale.map(Arc::from),
                department: department.clone(),
            },
        );
        let open = self.by_visitor.get(&id).copied();
        let dept = self.dept(&department).map(|d| DepartmentView {
            name: d.name.clone(),
            open: d.open,
            next_change: d.schedule.next_change(self.now),
        });
        let welcome = VisitorWelcome {
            v: PROTOCOL_VERSION,
            visitor_token: hello.token,
            verified: identity.verified,
            plan: identity.plan,
            identity_conflict: identity.conflict,
            identity_error: identity.error,
            department: dept.expect("a visitor's department exists"),
            conversation: open.and_then(|c| self.view(c, true)),
            reference: hello.reference,
        };
        self.effect(Effect::Attach { conn, who: Participant::Visitor(id), tx });
        self.send_conn(conn, ServerFrame::VisitorWelcome(welcome));
    }

    /// Spec 3: a user id is linked to the first verified email it is seen with; another email later is
    /// an identity conflict, and the visitor is treated as unverified.
    fn check_link(&mut self, site: &Arc<str>, check: IdentityCheck) -> Identity {
        let unverified = |error: Option<String>, conflict: bool| Identity {
            verified: false,
            plan: Plan::Standard,
            urgent: false,
            name: None,
            email: None,
            conflict,
            error,
        };
        let claims = match check {
            IdentityCheck::Absent => return unverified(None, false),
            IdentityCheck::Invalid(reason) => return unverified(Some(reason), false),
            IdentityCheck::Valid(c) => c,
        };
        if !claims.email_verified || claims.email.is_empty() {
            return unverified(Some("the identity's email is not verified".into()), false);
        }
        let key = (site.clone(), Arc::<str>::from(claims.sub.as_str()));
        match self.identities.get(&key) {
            Some(email) if email.as_ref() != claims.email => {
                tracing::warn!(site = %site, sub = %claims.sub, "identity conflict: user id seen with another email");
                metrics::counter!("switchboard_identity_conflicts_total").increment(1);
                return unverified(Some("this user id is linked to another email".into()), true);
            }
            Some(_) => {}
            None => {
                let email: Arc<str> = claims.email.as_str().into();
                self.identities.insert(key.clone(), email.clone());
                self.op(StoreOp::PutIdentity(IdentityLink { site: key.0, sub: key.1, email }));
            }
        }
        Identity {
            verified: true,
            plan: claims.plan,
            urgent: claims.urgent,
            name: claims.name.map(Arc::from),
            email: Some(claims.email.into()),
            conflict: false,
            error: None,
        }
    }

    pub fn visitor_frame(
        &mut self,
        conn: ConnId,
        id: VisitorId,
        frame: ClientFrame,
        reference: Option<Ref>,
        received: Instant,
    ) {
        let open = self.by_visitor.get(&id).copied();
        let owns = |c: Option<ConversationId>| c.is_none() || c == open;
        match frame {
            ClientFrame::Message { conversation_id, client_msg_id, text } => {
                // Naming the conversation the visitor just ended is fine: the message opens a new one.
                let ended = conversation_id.is_some() && conversation_id == self.recently_resolved.get(id);
                let reopens = open.is_none() && ended;
                if !(owns(conversation_id) || reopens) {
                    return self.error(conn, ErrorCode::NotFound, "no such open conversation", reference);
                }
                let (conv, new) = match open {
                    Some(c) => (c, false),
                    None => (self.open_conversation(id), true),
                };
                let changed = self.observe_language(conv, &text);
                let author = Author { role: Role::Visitor, name: None, conn };
                self.append(conv, author, text, client_msg_id, reference, received);
                if new || changed {
                    self.place(conv);
                }
            }
            ClientFrame::Typing { on, .. } => {
                if let Some(c) = open {
                    self.typing(c, crate::protocol::From { role: Role::Visitor, name: None }, on, conn);
                }
            }
            ClientFrame::End { conversation_id } => match open.filter(|_| owns(conversation_id)) {
                Some(c) => {
                    self.ack(conn, reference);
                    self.resolve(c);
                }
                None => self.error(conn, ErrorCode::NotFound, "no open conversation to end", reference),
            },
            ClientFrame::Rating { conversation_id, score, comment } => {
                self.rate(conn, id, conversation_id, score, comment, reference)
            }
            ClientFrame::Sync { conversation_id, after_seq } => {
                let last = self.last_seq_for_visitor(id, conversation_id);
                match last {
                    Some(last) => self.sync(conn, conversation_id, after_seq, last, reference),
                    None => self.error(conn, ErrorCode::NotFound, "no such conversation of yours", reference),
                }
            }
            _ => self.error(conn, ErrorCode::Forbidden, "visitors cannot send this frame", reference),
        }
    }

    /// The last seq of a conversation this visitor may read: the open one, or one it ended lately
    /// (`Some(None)`: no longer live, the store knows its last seq).
    fn last_seq_for_visitor(&self, visitor: VisitorId, id: ConversationId) -> Option<Option<u64>> {
        if let Some(c) = self.convs.get(&id).filter(|c| c.rec.visitor_id == visitor) {
            return Some(Some(c.rec.last_seq));
        }
        (self.recently_resolved.get(visitor) == Some(id)).then_some(None)
    }

    fn open_conversation(&mut self, visitor: VisitorId) -> ConversationId {
        let v = self.visitors.get(&visitor);
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        let (plan, urgent) = v.map_or((Plan::Standard, false), |v| (v.plan, v.urgent));
        let locale = v.and_then(|v| v.locale.clone());
        let rec = ConversationRecord {
            id: ConversationId::random(),
            ticket,
            visitor_id: visitor,
            site: v.map_or_else(|| "default".into(), |v| v.site.clone()),
            department: v.map_or_else(|| self.depts[0].name.clone(), |v| v.department.clone()),
            language: locale.as_deref().and_then(crate::routing::language::from_locale),
            locale,
            priority: crate::domain::base_priority(plan, urgent),
            tier: 1,
            status: Status::Queued,
            agent_id: None,
            bot_id: None,
            bot_reason: None,
            handoff_requested: false,
            verified: v.is_some_and(|v| v.verified),
            plan,
            urgent,
            visitor_name: v.and_then(|v| v.name.clone()),
            visitor_email: v.and_then(|v| v.email.clone()),
            created_at: self.now,
            resolved_at: None,
            last_seq: 0,
            rating: None,
            rating_comment: None,
        };
        let id = rec.id;
        metrics::gauge!("switchboard_conversations", "status" => Status::Queued.as_str()).increment(1.0);
        metrics::counter!("switchboard_conversations_opened_total").increment(1);
        let conv =
            Conv { rec, client_ids: Default::default(), sample: String::new(), queue_key: None, last_position: None };
        self.convs.insert(id, conv);
        self.by_visitor.insert(visitor, id);
        self.save(id);
        id
    }

    fn rate(
        &mut self,
        conn: ConnId,
        visitor: VisitorId,
        conversation: Option<ConversationId>,
        score: u8,
        comment: Option<String>,
        reference: Option<Ref>,
    ) {
        if !(1..=5).contains(&score) {
            return self.error(conn, ErrorCode::BadRequest, "score must be 1 to 5", reference);
        }
        if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return self.error(conn, ErrorCode::TooLarge, "the comment is too long", reference);
        }
        let last = self.recently_resolved.get(visitor);
        match last.filter(|l| conversation.is_none_or(|c| c == *l)) {
            Some(id) => {
                self.op(StoreOp::SetRating { conversation: id, score, comment: comment.map(Arc::from) });
                self.ack(conn, reference);
            }
            None => self.error(conn, ErrorCode::NotFound, "no resolved conversation of yours to rate", reference),
        }
    }

    pub fn visitor_gone(&mut self, id: VisitorId) {
        let gone = self.visitors.get_mut(&id).is_some_and(|v| {
            v.conns = v.conns.saturating_sub(1);
            v.conns == 0
        });
        if gone {
            // Keep the facts while a conversation is open: a message from another tab may still arrive.
            if !self.by_visitor.contains_key(&id) {
                self.visitors.remove(&id);
            }
        }
    }

    /// Typing notices go to the other side only, and are not stored.
    pub fn typing(&mut self, id: ConversationId, from: crate::protocol::From, on: bool, conn: ConnId) {
        let Some(c) = self.convs.get(&id) else { return };
        let targets = [
            Some(Participant::Visitor(c.rec.visitor_id)).filter(|_| from.role != Role::Visitor),
            c.rec.agent_id.filter(|_| c.rec.status == Status::Assigned).map(Participant::Agent),
            c.rec.bot_id.filter(|_| c.rec.status == Status::Bot).map(Participant::Bot),
        ];
        let frame = ServerFrame::Typing { conversation_id: id, from, on };
        let item = OutItem::frame(frame);
        for who in targets.into_iter().flatten() {
            self.effect(Effect::ToParticipant { who, item: item.clone(), except: Some(conn) });
        }
    }
}

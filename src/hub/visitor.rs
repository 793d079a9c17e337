//! Visitors: hello, identity, their messages, ending and rating.

use std::sync::Arc;
use std::time::Instant;

use super::VisitorHello;
use super::commands::{Outcome, Refusal, Reply, refuse};
use super::conversation::Author;
use super::core::Hub;
use super::dispatch::Effect;
use super::events::DomainEvent;
use super::owners::{Conv, VisitorState};
use crate::auth::IdentityCheck;
use crate::delivery::ConnId;
use crate::domain::{ConversationId, LanguageSource, Participant, Plan, Role, Status, VisitorId};
use crate::protocol::{
    ClientFrame, DepartmentView, ErrorCode, PROTOCOL_VERSION, Ref, ServerFrame, TopicView, VisitorWelcome,
};
use crate::routing::language;
use crate::store::{ConversationRecord, IdentityLink, StoreOp};

pub use crate::protocol::MAX_COMMENT_CHARS;

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
    pub(super) fn visitor_hello(&mut self, conn: ConnId, hello: VisitorHello) {
        let id = hello.visitor;
        self.visitor_back(id);
        self.visitor_saw(id);
        let identity = self.check_link(&hello.site, hello.identity);
        let department: Arc<str> = hello
            .department
            .as_deref()
            .and_then(|d| self.depts.get(d).map(|d| d.name.clone()))
            .unwrap_or_else(|| self.depts.default_name().clone());
        self.visitors.connect(
            id,
            VisitorState {
                conns: 0,
                site: hello.site.clone(),
                verified: identity.verified,
                plan: identity.plan,
                urgent: identity.urgent,
                name: identity.name,
                email: identity.email,
                given_email: None,
                locale: hello.locale.map(Arc::from),
                department: department.clone(),
                client: hello.client,
                ip: hello.ip,
            },
        );
        let open = self.convs.open_of(id);
        let language = self.visitors.get(&id).and_then(|v| v.locale.as_deref()).and_then(language::from_locale);
        let dept = self.depts.get(&department).map(|d| DepartmentView {
            name: d.name.clone(),
            open: d.open,
            next_change: d.schedule.next_change(self.now),
            topics: d
                .topics
                .iter()
                .map(|t| TopicView { key: t.key.clone(), label: t.label(language.as_ref().map(|l| l.as_str())).into() })
                .collect(),
            reply_minutes: d.reply_minutes,
        });
        let welcome = VisitorWelcome {
            v: PROTOCOL_VERSION,
            visitor_token: hello.token,
            verified: identity.verified,
            plan: identity.plan,
            identity_conflict: identity.conflict,
            identity_error: identity.error,
            department: dept.expect("a visitor's department exists"),
            widget: hello.widget,
            conversation: open.and_then(|c| self.view(c, true)),
            email_replies: self.settings.email.is_some(),
            notices: self.notice_list(false, Some(&department)),
            reference: hello.reference,
        };
        self.effect(Effect::Subscribe { conn, who: Participant::Visitor(id) });
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
        match self.visitors.link(&key.0, &key.1) {
            Some(email) if email.as_ref() != claims.email => {
                tracing::warn!(site = %site, sub = %claims.sub, "identity conflict: user id seen with another email");
                metrics::counter!("switchboard_identity_conflicts_total").increment(1);
                return unverified(Some("this user id is linked to another email".into()), true);
            }
            Some(_) => {}
            None => {
                let email: Arc<str> = claims.email.as_str().into();
                self.visitors.set_link(key.0.clone(), key.1.clone(), email.clone());
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

    pub(super) fn visitor_command(
        &mut self,
        conn: ConnId,
        id: VisitorId,
        frame: ClientFrame,
        reference: &Option<Ref>,
        received: Instant,
    ) -> Outcome {
        let open = self.convs.open_of(id);
        let owns = |c: Option<ConversationId>| c.is_none() || c == open;
        match frame {
            ClientFrame::Message { conversation_id, client_msg_id, text, topic } => {
                // Naming the conversation the visitor just ended is fine: the message opens a new one.
                let ended = conversation_id.is_some() && conversation_id == self.convs.last_resolved_of(id);
                if !(owns(conversation_id) || (open.is_none() && ended)) {
                    return Err(refuse(ErrorCode::NotFound, "no such open conversation"));
                }
                let (conv, new) = match open {
                    Some(c) => (c, false),
                    None => {
                        let ip = self.visitors.get(&id).and_then(|v| v.ip);
                        self.guard.open(id, ip, self.now)?;
                        (self.open_conversation(id, topic.as_deref())?, true)
                    }
                };
                let changed = self.observe_language(conv, &text);
                let author = Author { role: Role::Visitor, name: None, conn };
                self.append(conv, author, text, client_msg_id, reference.clone(), received);
                if new || changed {
                    self.place(conv);
                }
                if new {
                    self.consider_ack(conv);
                }
                Ok(Reply::Answered)
            }
            ClientFrame::Typing { on, .. } => {
                if let Some(c) = open {
                    self.typing(c, crate::protocol::From { role: Role::Visitor, name: None }, on, conn);
                }
                Ok(Reply::Answered)
            }
            ClientFrame::End { conversation_id } => match open.filter(|_| owns(conversation_id)) {
                Some(c) => {
                    // Acknowledged before the frames that report the end.
                    self.ack(conn, reference.clone());
                    self.resolve(c);
                    Ok(Reply::Answered)
                }
                None => Err(refuse(ErrorCode::NotFound, "no open conversation to end")),
            },
            ClientFrame::SetEmail { email } => {
                self.set_visitor_email(id, email);
                Ok(Reply::Ack)
            }
            ClientFrame::Rating { conversation_id, score, comment } => self.rate(id, conversation_id, score, comment),
            ClientFrame::Sync { conversation_id, after_seq } => match self.last_seq_for_visitor(id, conversation_id) {
                Some(last) => {
                    self.sync(conn, conversation_id, after_seq, last, reference.clone());
                    Ok(Reply::Answered)
                }
                None => Err(refuse(ErrorCode::NotFound, "no such conversation of yours")),
            },
            _ => Err(refuse(ErrorCode::Forbidden, "visitors cannot send this frame")),
        }
    }

    /// The last seq of a conversation this visitor may read: the open one, or one it ended lately
    /// (`Some(None)`: no longer live, the store knows its last seq).
    fn last_seq_for_visitor(&self, visitor: VisitorId, id: ConversationId) -> Option<Option<u64>> {
        if let Some(c) = self.convs.get(&id).filter(|c| c.rec.visitor_id == visitor) {
            return Some(Some(c.rec.last_seq));
        }
        (self.convs.last_resolved_of(visitor) == Some(id)).then_some(None)
    }

    /// Opens the visitor's conversation; a topic, if given, must be one of its department's, and sets the
    /// tier it starts at (never its priority: that comes from identity alone).
    fn open_conversation(&mut self, visitor: VisitorId, topic: Option<&str>) -> Result<ConversationId, Refusal> {
        let department =
            self.visitors.get(&visitor).map_or_else(|| self.depts.default_name().clone(), |v| v.department.clone());
        let topic = match topic {
            None => None,
            Some(key) => {
                let t = self.depts.get(&department).and_then(|d| d.topic(key));
                Some(t.ok_or(refuse(ErrorCode::BadRequest, "no such topic in this department"))?.clone())
            }
        };
        let (ticket, reserve) = self.tickets.take();
        if let Some(op) = reserve {
            self.op(op);
        }
        let v = self.visitors.get(&visitor);
        let (plan, urgent) = v.map_or((Plan::Standard, false), |v| (v.plan, v.urgent));
        let locale = v.and_then(|v| v.locale.clone());
        let rec = ConversationRecord {
            id: ConversationId::random(),
            ticket,
            visitor_id: visitor,
            site: v.map_or_else(|| "default".into(), |v| v.site.clone()),
            department,
            language: locale.as_deref().and_then(crate::routing::language::from_locale),
            language_source: Some(match locale.as_deref().and_then(crate::routing::language::from_locale) {
                Some(_) => LanguageSource::Locale,
                None => LanguageSource::Default,
            }),
            locale,
            priority: crate::domain::base_priority(plan, urgent),
            tier: topic.as_ref().map_or(1, |t| t.tier),
            status: Status::Queued,
            agent_id: None,
            bot_id: None,
            bot_reason: None,
            handoff_requested: false,
            verified: v.is_some_and(|v| v.verified),
            plan,
            urgent,
            visitor_name: v.and_then(|v| v.name.clone()),
            visitor_email: v.and_then(|v| v.email.clone().or_else(|| v.given_email.clone())),
            created_at: self.now,
            resolved_at: None,
            last_seq: 0,
            rating: None,
            rating_comment: None,
            topic: topic.map(|t| t.key),
            sla_started_at: None,
            first_response_at: None,
            sla_sent: 0,
        };
        let id = rec.id;
        metrics::gauge!("switchboard_conversations", "status" => Status::Queued.as_str()).increment(1.0);
        self.convs.insert(Conv::new(rec, Default::default()));
        self.save(id);
        self.emit(DomainEvent::Opened { conversation: id });
        Ok(id)
    }

    fn rate(
        &mut self,
        visitor: VisitorId,
        conversation: Option<ConversationId>,
        score: u8,
        comment: Option<String>,
    ) -> Outcome {
        if !(1..=5).contains(&score) {
            return Err(refuse(ErrorCode::BadRequest, "score must be 1 to 5"));
        }
        if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return Err(refuse(ErrorCode::TooLarge, "the comment is too long"));
        }
        let last = self.convs.last_resolved_of(visitor);
        let id = last
            .filter(|l| conversation.is_none_or(|c| c == *l))
            .ok_or(refuse(ErrorCode::NotFound, "no resolved conversation of yours to rate"))?;
        self.op(StoreOp::SetRating { conversation: id, score, comment: comment.map(Arc::from) });
        Ok(Reply::Ack)
    }
}

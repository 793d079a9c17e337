//! The command table: which role may send which frame, and on which conversation, checked in one place
//! in front of handlers that agents and bots share. A command answers with a typed `Reply` or a
//! `Refusal`; `reply` turns either into the frame the client gets.

use std::time::Instant;

use super::conversation::Author;
use super::core::Hub;
use super::transition::Change;
use crate::delivery::ConnId;
use crate::domain::{AgentId, Availability, ConversationId, Participant, Role, Status, Tier};
use crate::protocol::{ClientFrame, ErrorCode, From, Ref, ServerFrame, TransferTarget};

/// How a command that succeeded is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A plain `ack` with the frame's `ref`.
    Ack,
    /// The command sent its own answer (a message's ack with its seq, a sync's backlog), or none is due.
    Answered,
}

/// Why a command was refused: the error frame's code and message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: &'static str,
}

pub type Outcome = Result<Reply, Refusal>;

pub(super) const fn refuse(code: ErrorCode, message: &'static str) -> Refusal {
    Refusal { code, message }
}

const NO_SUCH_OPEN: Refusal = refuse(ErrorCode::NotFound, "no such open conversation");
const NEEDS_CONVERSATION: Refusal = refuse(ErrorCode::BadRequest, "\"conversation_id\" is required");

/// Spec 4: the frames each role may send (`hello` is the transport's, `ping` anyone's).
pub fn allowed(role: Role, frame: &ClientFrame) -> bool {
    use ClientFrame as F;
    match frame {
        F::Ping | F::Message { .. } | F::Typing { .. } | F::Sync { .. } => true,
        F::End { .. } | F::Rating { .. } | F::SetEmail { .. } => role == Role::Visitor,
        F::Resolve { .. } => matches!(role, Role::Agent | Role::Bot),
        F::Availability { .. } | F::Transfer { .. } | F::Pick { .. } | F::Note { .. } => role == Role::Agent,
        F::Handoff { .. } => role == Role::Bot,
        F::Hello(_) => false,
    }
}

fn role_of(who: Participant) -> Role {
    match who {
        Participant::Visitor(_) => Role::Visitor,
        Participant::Agent(_) => Role::Agent,
        Participant::Bot(_) => Role::Bot,
    }
}

impl Hub {
    pub(super) fn frame(
        &mut self,
        conn: ConnId,
        who: Participant,
        frame: ClientFrame,
        reference: Option<Ref>,
        received: Instant,
    ) {
        if let ClientFrame::Ping = frame {
            return self.send_conn(conn, ServerFrame::Pong { reference });
        }
        let outcome = if self.guard.store_away {
            Err(super::guard::STORE_AWAY)
        } else if !allowed(role_of(who), &frame) {
            Err(match who {
                Participant::Visitor(_) => refuse(ErrorCode::Forbidden, "visitors cannot send this frame"),
                Participant::Agent(_) => refuse(ErrorCode::Forbidden, "agents cannot send this frame"),
                Participant::Bot(_) => refuse(ErrorCode::Forbidden, "bots cannot send this frame"),
            })
        } else {
            match who {
                Participant::Visitor(v) => self.visitor_command(conn, v, frame, &reference, received),
                Participant::Agent(_) | Participant::Bot(_) => {
                    self.staff_command(conn, who, frame, &reference, received)
                }
            }
        };
        self.reply(conn, outcome, reference);
    }

    pub(super) fn reply(&mut self, conn: ConnId, outcome: Outcome, reference: Option<Ref>) {
        match outcome {
            Ok(Reply::Ack) => self.ack(conn, reference),
            Ok(Reply::Answered) => {}
            Err(r) => self.error(conn, r.code, r.message, reference),
        }
    }

    /// The open conversation, if `who` holds it.
    fn held(&self, who: Participant, id: ConversationId) -> Result<(), Refusal> {
        let c = self.convs.get(&id).ok_or(NO_SUCH_OPEN)?;
        let holder = match c.rec.status {
            Status::Assigned => c.rec.agent_id.map(Participant::Agent),
            Status::Bot => c.rec.bot_id.map(Participant::Bot),
            _ => None,
        };
        match who {
            _ if holder == Some(who) => Ok(()),
            Participant::Bot(_) => Err(refuse(ErrorCode::Forbidden, "this conversation is not with this bot")),
            _ => Err(refuse(ErrorCode::Forbidden, "this conversation is not assigned to you")),
        }
    }

    /// Commands of agents and bots: the same handlers for both, behind the table and `held`.
    fn staff_command(
        &mut self,
        conn: ConnId,
        who: Participant,
        frame: ClientFrame,
        reference: &Option<Ref>,
        received: Instant,
    ) -> Outcome {
        let (role, name) = match who {
            Participant::Agent(a) => (Role::Agent, self.agents.get(&a).map(|a| a.record.name.clone())),
            Participant::Bot(b) => (Role::Bot, self.bots.get(&b).map(|b| b.record.name.clone())),
            Participant::Visitor(_) => (Role::Visitor, None),
        };
        match frame {
            ClientFrame::Message { conversation_id: Some(id), client_msg_id, text, .. } => {
                self.held(who, id)?;
                // A bot writes under the name of the conversation's site (`[[sites]] bot_name`).
                let name = match (who, self.convs.get(&id)) {
                    (Participant::Bot(b), Some(c)) => self.bot_name(&c.rec.site, b),
                    _ => name,
                };
                let author = Author { role, name, conn };
                self.append(id, author, text, client_msg_id, reference.clone(), received);
                if role == Role::Agent {
                    self.first_response(id);
                }
                Ok(Reply::Answered)
            }
            ClientFrame::Typing { conversation_id: Some(id), on } => {
                self.held(who, id)?;
                self.typing(id, From { role, name }, on, conn);
                Ok(Reply::Answered)
            }
            ClientFrame::Message { .. } | ClientFrame::Typing { .. } => Err(NEEDS_CONVERSATION),
            ClientFrame::Resolve { conversation_id } => {
                self.held(who, conversation_id)?;
                self.resolve(conversation_id);
                Ok(Reply::Ack)
            }
            ClientFrame::Sync { conversation_id, after_seq } => {
                let last = match who {
                    // Resolved conversations are stored in full; agents may read any.
                    Participant::Agent(_) => self.convs.get(&conversation_id).map(|c| c.rec.last_seq),
                    _ => {
                        self.held(who, conversation_id)?;
                        self.convs.get(&conversation_id).map(|c| c.rec.last_seq)
                    }
                };
                self.sync(conn, conversation_id, after_seq, last, reference.clone());
                Ok(Reply::Answered)
            }
            ClientFrame::Transfer { conversation_id, target } => {
                self.held(who, conversation_id)?;
                self.transfer(conversation_id, target)
            }
            ClientFrame::Note { conversation_id, text } => match who {
                Participant::Agent(agent) => {
                    self.held(who, conversation_id)?;
                    self.note(conn, agent, conversation_id, text, reference)
                }
                _ => Err(refuse(ErrorCode::Forbidden, "only agents write notes")),
            },
            ClientFrame::Pick { conversation_id } => match who {
                Participant::Agent(agent) => self.pick(agent, conversation_id),
                _ => Err(refuse(ErrorCode::Forbidden, "only agents pick")),
            },
            ClientFrame::Availability { status } => match who {
                Participant::Agent(agent) => {
                    self.agents.set_availability(agent, status);
                    if status == Availability::Online {
                        self.serve_agent(agent);
                    }
                    Ok(Reply::Ack)
                }
                _ => Err(refuse(ErrorCode::Forbidden, "only agents have availability")),
            },
            ClientFrame::Handoff { conversation_id, reason } => {
                self.held(who, conversation_id)?;
                tracing::debug!(conversation = %conversation_id, reason = reason.as_deref().unwrap_or(""), "handoff");
                if let Some(c) = self.convs.get_mut(&conversation_id) {
                    c.rec.handoff_requested = true;
                }
                self.queue.touch();
                self.save(conversation_id);
                self.emit(super::events::DomainEvent::HandoffRequested { conversation: conversation_id });
                self.place(conversation_id);
                Ok(Reply::Ack)
            }
            ClientFrame::Hello(_)
            | ClientFrame::Ping
            | ClientFrame::End { .. }
            | ClientFrame::Rating { .. }
            | ClientFrame::SetEmail { .. } => Err(refuse(ErrorCode::Forbidden, "not allowed")),
        }
    }

    /// `transfer` from the holder: to another agent, or up a tier (escalation).
    fn transfer(&mut self, id: ConversationId, target: TransferTarget) -> Outcome {
        let previous = self.convs.get(&id).and_then(|c| c.rec.agent_id);
        match target {
            TransferTarget::Agent(to) => {
                let a = self.agents.get(&to).ok_or(refuse(ErrorCode::NotFound, "no such agent"))?;
                if a.conns == 0 {
                    return Err(refuse(ErrorCode::BadRequest, "that agent is offline"));
                }
                self.transition(id, Change::Assign { agent: to });
                if let Some(prev) = previous.filter(|p| *p != to) {
                    self.serve_agent(prev);
                }
            }
            TransferTarget::Tier(tier) => {
                let c = self.convs.get(&id).ok_or(NO_SUCH_OPEN)?;
                let exists = self.depts.get(&c.rec.department).and_then(|d| d.tier_name(tier)).is_some();
                if Tier::new(tier).is_none() || !exists {
                    return Err(refuse(ErrorCode::BadRequest, "this department has no such tier"));
                }
                if tier <= c.rec.tier {
                    return Err(refuse(
                        ErrorCode::BadRequest,
                        "escalation goes up: the tier must be above the conversation's own",
                    ));
                }
                self.transition(id, Change::Escalate { tier });
                self.place(id);
                if let Some(prev) = previous {
                    self.serve_agent(prev);
                }
            }
        }
        Ok(Reply::Ack)
    }

    /// Spec 4: an agent takes a queued or bot conversation by hand.
    fn pick(&mut self, agent: AgentId, id: ConversationId) -> Outcome {
        let c = self.convs.get(&id).ok_or(NO_SUCH_OPEN)?;
        if !matches!(c.rec.status, Status::Queued | Status::Bot) {
            return Err(refuse(ErrorCode::BadRequest, "only queued or bot conversations can be picked"));
        }
        let allowed = self.agents.get(&agent).is_some_and(|a| a.record.departments.contains(&c.rec.department));
        if !allowed {
            return Err(refuse(ErrorCode::Forbidden, "the conversation belongs to another department"));
        }
        self.transition(id, Change::Assign { agent });
        Ok(Reply::Ack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_spec_4() {
        let id = ConversationId(1);
        let frames = [
            (ClientFrame::End { conversation_id: None }, [true, false, false]),
            (ClientFrame::Rating { conversation_id: None, score: 5, comment: None }, [true, false, false]),
            (ClientFrame::Resolve { conversation_id: id }, [false, true, true]),
            (ClientFrame::Pick { conversation_id: id }, [false, true, false]),
            (ClientFrame::Availability { status: Availability::Away }, [false, true, false]),
            (ClientFrame::Transfer { conversation_id: id, target: TransferTarget::Tier(2) }, [false, true, false]),
            (ClientFrame::Handoff { conversation_id: id, reason: None }, [false, false, true]),
            (ClientFrame::Note { conversation_id: id, text: "n".into() }, [false, true, false]),
            (ClientFrame::Sync { conversation_id: id, after_seq: 0 }, [true, true, true]),
            (ClientFrame::Typing { conversation_id: None, on: true }, [true, true, true]),
            (ClientFrame::Ping, [true, true, true]),
        ];
        for (frame, want) in frames {
            let got = [Role::Visitor, Role::Agent, Role::Bot].map(|r| allowed(r, &frame));
            assert_eq!(got, want, "{frame:?}");
        }
    }
}

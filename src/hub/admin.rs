//! Commands from the HTTP API that change live state. Each answers once its change is durable.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::core::Hub;
use super::dispatch::Effect;
use super::owners::AgentState;
use super::transition::Change;
use crate::delivery::OutItem;
use crate::domain::Language;
use crate::domain::{AgentId, BotId, Participant, Status};
use crate::protocol::rest::{AgentOut, DepartmentStatus};
use crate::protocol::{AgentInfo, BotInfo};
use crate::store::{AgentRecord, BotRecord, IdentityLink, StoreOp, TokenRecord};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    #[error("{0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
}

#[derive(Clone, Debug)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub languages: Vec<Language>,
    pub tier: u8,
    pub max_chats: u32,
    pub departments: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct AgentChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password_hash: Option<String>,
    pub languages: Option<Vec<Language>>,
    pub tier: Option<u8>,
    pub max_chats: Option<u32>,
    pub departments: Option<Vec<String>>,
}

pub(super) type Reply<T> = oneshot::Sender<Result<T, AdminError>>;

pub enum AdminCommand {
    CreateAgent(NewAgent, Reply<AgentInfo>),
    UpdateAgent(AgentId, AgentChanges, Reply<AgentInfo>),
    DeleteAgent(AgentId, Reply<()>),
    ListAgents(oneshot::Sender<Vec<AgentOut>>),
    /// Creates the bot if it does not exist; stores its token hash when one is given.
    EnsureBot {
        id: BotId,
        name: String,
        token_hash: Option<[u8; 32]>,
        reply: Reply<BotInfo>,
    },
    IssueToken(TokenRecord, Reply<()>),
    RevokeToken([u8; 32], Reply<()>),
    Relink {
        site: String,
        sub: String,
        email: String,
        reply: Reply<()>,
    },
    Status(oneshot::Sender<Vec<DepartmentStatus>>),
    /// Records the hub keeps no live state of (canned replies, knowledge-base articles): written, then
    /// answered once durable.
    Persist(Vec<StoreOp>, Reply<()>),
    /// Status notices (spec 7.4).
    Notice(super::NoticeCommand),
}

impl Hub {
    pub(super) fn admin(&mut self, cmd: AdminCommand) {
        match cmd {
            AdminCommand::CreateAgent(new, reply) => {
                let result = self.create_agent(new);
                self.reply_after_commit(reply, result);
            }
            AdminCommand::UpdateAgent(id, changes, reply) => {
                let result = self.update_agent(id, changes);
                self.reply_after_commit(reply, result);
            }
            AdminCommand::DeleteAgent(id, reply) => {
                let result = self.delete_agent(id);
                self.reply_after_commit(reply, result);
            }
            AdminCommand::ListAgents(reply) => {
                let mut list: Vec<AgentOut> = self.agents.values().map(agent_out).collect();
                list.sort_by(|a, b| a.info.name.cmp(&b.info.name));
                let _ = reply.send(list);
            }
            AdminCommand::EnsureBot { id, name, token_hash, reply } => {
                let bot = self.bots.ensure(BotRecord { id, name: name.as_str().into(), created_at: self.now });
                let info = BotInfo { id, name: bot.record.name.clone() };
                let record = bot.record.clone();
                self.op(StoreOp::PutBot(record));
                if let Some(hash) = token_hash {
                    let principal = Participant::Bot(id);
                    self.op(StoreOp::PutToken(TokenRecord { hash, principal, expires_at: None }));
                }
                self.reply_after_commit(reply, Ok(info));
            }
            AdminCommand::Persist(ops, reply) => {
                for op in ops {
                    self.op(op);
                }
                self.reply_after_commit(reply, Ok(()));
            }
            AdminCommand::IssueToken(token, reply) => {
                self.op(StoreOp::PutToken(token));
                self.reply_after_commit(reply, Ok(()));
            }
            AdminCommand::RevokeToken(hash, reply) => {
                self.op(StoreOp::DeleteToken(hash));
                self.reply_after_commit(reply, Ok(()));
            }
            AdminCommand::Relink { site, sub, email, reply } => {
                let link =
                    IdentityLink { site: site.into(), sub: sub.into(), email: email.trim().to_lowercase().into() };
                self.visitors.set_link(link.site.clone(), link.sub.clone(), link.email.clone());
                self.op(StoreOp::PutIdentity(link));
                self.reply_after_commit(reply, Ok(()));
            }
            AdminCommand::Status(reply) => {
                let _ = reply.send(self.status());
            }
            AdminCommand::Notice(cmd) => self.notice_command(cmd),
        }
    }

    pub(super) fn reply_after_commit<T: Send + 'static>(&mut self, reply: Reply<T>, result: Result<T, AdminError>) {
        self.effect(Effect::Reply(Box::new(move || {
            let _ = reply.send(result);
        })));
    }

    fn check_departments(&self, names: &[String]) -> Result<Vec<Arc<str>>, AdminError> {
        if names.is_empty() {
            return Ok(vec![self.depts.default_name().clone()]);
        }
        names
            .iter()
            .map(|n| {
                self.depts
                    .get(n)
                    .map(|d| d.name.clone())
                    .ok_or_else(|| AdminError::Invalid(format!("no department \"{n}\"")))
            })
            .collect()
    }

    fn create_agent(&mut self, new: NewAgent) -> Result<AgentInfo, AdminError> {
        let email = new.email.trim().to_lowercase();
        if self.agents.values().any(|a| a.record.email == email) {
            return Err(AdminError::Conflict("an agent with this email exists"));
        }
        let record = AgentRecord {
            id: AgentId::random(),
            email,
            name: new.name.into(),
            password_hash: new.password_hash,
            languages: new.languages,
            tier: new.tier,
            max_chats: new.max_chats,
            departments: self.check_departments(&new.departments)?,
            created_at: self.now,
        };
        let info = super::views::agent_info(&record);
        self.op(StoreOp::PutAgent(record.clone()));
        self.agents.add(record, self.now);
        // A new agent may cover a language that handed-off bot chats were waiting for.
        self.release_handoffs(None);
        Ok(info)
    }

    fn update_agent(&mut self, id: AgentId, ch: AgentChanges) -> Result<AgentInfo, AdminError> {
        let departments = ch.departments.as_deref().map(|d| self.check_departments(d)).transpose()?;
        if let Some(email) = &ch.email {
            let email = email.trim().to_lowercase();
            if self.agents.values().any(|a| a.record.email == email && a.record.id != id) {
                return Err(AdminError::Conflict("an agent with this email exists"));
            }
        }
        let r = self.agents.record_mut(id).ok_or(AdminError::NotFound)?;
        if let Some(v) = ch.email {
            r.email = v.trim().to_lowercase();
        }
        if let Some(v) = ch.name {
            r.name = v.into();
        }
        if let Some(v) = ch.password_hash {
            r.password_hash = v;
        }
        if let Some(v) = ch.languages {
            r.languages = v;
        }
        if let Some(v) = ch.tier {
            r.tier = v;
        }
        if let Some(v) = ch.max_chats {
            r.max_chats = v;
        }
        if let Some(v) = departments {
            r.departments = v;
        }
        let record = r.clone();
        let info = super::views::agent_info(&record);
        self.op(StoreOp::PutAgent(record));
        self.release_handoffs(None);
        self.serve_agent(id);
        Ok(info)
    }

    fn delete_agent(&mut self, id: AgentId) -> Result<(), AdminError> {
        // Its open chats go back to routing rather than being stranded.
        let orphans: Vec<_> = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Assigned && c.rec.agent_id == Some(id))
            .map(|c| c.rec.id)
            .collect();
        for conv in &orphans {
            self.transition(*conv, Change::Unassign);
        }
        self.agents.remove(id).ok_or(AdminError::NotFound)?;
        self.op(StoreOp::DeleteAgent(id));
        self.effect(Effect::ToParticipant {
            who: Participant::Agent(id),
            item: OutItem::Close(4001, "agent removed"),
            except: None,
        });
        for conv in orphans {
            self.place(conv);
        }
        Ok(())
    }

    fn status(&self) -> Vec<DepartmentStatus> {
        self.depts
            .iter()
            .map(|d| DepartmentStatus {
                name: d.name.clone(),
                open: d.open,
                next_change: d.schedule.next_change(self.now),
                agents_online: self
                    .agents
                    .values()
                    .filter(|a| a.online() && a.record.departments.contains(&d.name))
                    .count() as u32,
                queued: self
                    .queue
                    .ids()
                    .filter(|id| self.convs.get(id).is_some_and(|c| c.rec.department == d.name))
                    .count() as u32,
            })
            .collect()
    }
}

fn agent_out(a: &AgentState) -> AgentOut {
    AgentOut {
        info: super::views::agent_info(&a.record),
        email: a.record.email.clone(),
        online: a.conns > 0,
        availability: a.availability,
        open_chats: a.open,
    }
}

//! Status notices (spec 7.4): incidents and maintenance windows, kept live by the hub so that a visitor's
//! welcome carries them and a change reaches connected visitors at once. A notice's start and end are
//! timers in the deadline queue (`Timer::Notice`), never a poll: each fires once at its instant, and a
//! timer whose instant the notice no longer has (it was changed or removed) does nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::oneshot;

use super::admin::{AdminError, Reply};
use super::core::Hub;
use super::dispatch::Effect;
use super::timers::Timer;
use crate::delivery::OutItem;
use crate::domain::{NoticeId, NoticeKind, Participant};
use crate::protocol::{NoticeView, ServerFrame};
use crate::store::{NoticeRecord, StoreOp};

/// Notices kept at most, ended ones included; past it, creating one is refused until some are removed.
pub const MAX_NOTICES: usize = 1000;

#[derive(Clone, Debug)]
pub struct NewNotice {
    pub kind: NoticeKind,
    pub title: String,
    pub text: String,
    /// None: now.
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub departments: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NoticeChanges {
    pub kind: Option<NoticeKind>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub starts_at: Option<Timestamp>,
    /// `Some(None)`: no end (in force until changed or removed).
    pub ends_at: Option<Option<Timestamp>>,
    pub departments: Option<Vec<String>>,
}

pub enum NoticeCommand {
    Create(NewNotice, Reply<NoticeView>),
    Update(NoticeId, NoticeChanges, Reply<NoticeView>),
    Delete(NoticeId, Reply<()>),
    /// `all`: ended ones too, newest first (the admin's list); else those in force and announced,
    /// soonest first, of `department` if given.
    List {
        all: bool,
        department: Option<String>,
        reply: oneshot::Sender<Vec<NoticeView>>,
    },
}

/// Every notice, by id.
#[derive(Default)]
pub struct Notices {
    map: BTreeMap<NoticeId, NoticeRecord>,
}

impl Notices {
    pub fn get(&self, id: &NoticeId) -> Option<&NoticeRecord> {
        self.map.get(id)
    }

    pub fn values(&self) -> impl Iterator<Item = &NoticeRecord> {
        self.map.values()
    }
}

/// `announced`, `in_force` or `ended` at `now`.
pub fn status(n: &NoticeRecord, now: Timestamp) -> &'static str {
    if n.ends_at.is_some_and(|e| e <= now) {
        "ended"
    } else if n.starts_at <= now {
        "in_force"
    } else {
        "announced"
    }
}

pub fn view(n: &NoticeRecord, now: Timestamp) -> NoticeView {
    NoticeView {
        id: n.id,
        kind: n.kind,
        title: n.title.clone(),
        text: n.text.clone(),
        starts_at: n.starts_at,
        ends_at: n.ends_at,
        departments: n.departments.clone(),
        status: status(n, now),
    }
}

/// Whether the notice concerns this department (none listed: every department).
pub fn concerns(n: &NoticeRecord, department: &str) -> bool {
    n.departments.is_empty() || n.departments.iter().any(|d| d.as_ref() == department)
}

fn check_window(starts_at: Timestamp, ends_at: Option<Timestamp>) -> Result<(), AdminError> {
    match ends_at {
        Some(end) if end <= starts_at => Err(AdminError::Invalid(format!(
            "\"ends_at\" ({end}) must be after \"starts_at\" ({starts_at}): a notice cannot end before it starts"
        ))),
        _ => Ok(()),
    }
}

impl Hub {
    /// The notices from the store, with their timers (a start or end that passed while the hub was down
    /// needs none: welcomes and lists compute the status at their own instant).
    pub(super) fn restore_notices(&mut self, records: Vec<NoticeRecord>) {
        for n in records {
            self.schedule_notice(&n);
            self.notices.map.insert(n.id, n);
        }
    }

    pub(super) fn notice_command(&mut self, cmd: NoticeCommand) {
        match cmd {
            NoticeCommand::Create(new, reply) => {
                let result = self.create_notice(new);
                self.reply_after_commit(reply, result);
            }
            NoticeCommand::Update(id, changes, reply) => {
                let result = self.update_notice(id, changes);
                self.reply_after_commit(reply, result);
            }
            NoticeCommand::Delete(id, reply) => {
                let result = self.delete_notice(id);
                self.reply_after_commit(reply, result);
            }
            NoticeCommand::List { all, department, reply } => {
                let _ = reply.send(self.notice_list(all, department.as_deref()));
            }
        }
    }

    /// In force and announced (of `department`, if given), soonest first; or with `all`, every notice,
    /// newest first.
    pub(super) fn notice_list(&self, all: bool, department: Option<&str>) -> Vec<NoticeView> {
        let mut list: Vec<&NoticeRecord> = self
            .notices
            .values()
            .filter(|n| all || status(n, self.now) != "ended")
            .filter(|n| department.is_none_or(|d| concerns(n, d)))
            .collect();
        if all {
            list.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id)));
        } else {
            list.sort_by_key(|n| (n.starts_at, n.id));
        }
        list.into_iter().map(|n| view(n, self.now)).collect()
    }

    fn notice_departments(&self, names: &[String]) -> Result<Vec<Arc<str>>, AdminError> {
        let mut out: Vec<Arc<str>> = Vec::new();
        for n in names {
            let d = self.depts.get(n).ok_or_else(|| AdminError::Invalid(format!("no department \"{n}\"")))?;
            if !out.contains(&d.name) {
                out.push(d.name.clone());
            }
        }
        Ok(out)
    }

    fn create_notice(&mut self, new: NewNotice) -> Result<NoticeView, AdminError> {
        if self.notices.map.len() >= MAX_NOTICES {
            return Err(AdminError::Conflict("too many notices: remove ended ones first"));
        }
        let starts_at = new.starts_at.unwrap_or(self.now);
        check_window(starts_at, new.ends_at)?;
        let record = NoticeRecord {
            id: NoticeId::random(),
            kind: new.kind,
            title: new.title.into(),
            text: new.text.into(),
            starts_at,
            ends_at: new.ends_at,
            departments: self.notice_departments(&new.departments)?,
            created_at: self.now,
            updated_at: self.now,
        };
        self.op(StoreOp::PutNotice(Box::new(record.clone())));
        self.schedule_notice(&record);
        if status(&record, self.now) != "ended" {
            self.tell_notice(None, &record, "posted");
        }
        let out = view(&record, self.now);
        self.notices.map.insert(record.id, record);
        Ok(out)
    }

    fn update_notice(&mut self, id: NoticeId, ch: NoticeChanges) -> Result<NoticeView, AdminError> {
        let departments = ch.departments.as_deref().map(|d| self.notice_departments(d)).transpose()?;
        let old = self.notices.get(&id).ok_or(AdminError::NotFound)?.clone();
        let mut n = old.clone();
        if let Some(v) = ch.kind {
            n.kind = v;
        }
        if let Some(v) = ch.title {
            n.title = v.into();
        }
        if let Some(v) = ch.text {
            n.text = v.into();
        }
        if let Some(v) = ch.starts_at {
            n.starts_at = v;
        }
        if let Some(v) = ch.ends_at {
            n.ends_at = v;
        }
        if let Some(v) = departments {
            n.departments = v;
        }
        check_window(n.starts_at, n.ends_at)?;
        n.updated_at = self.now;
        self.op(StoreOp::PutNotice(Box::new(n.clone())));
        self.schedule_notice(&n);
        let state = if status(&n, self.now) == "ended" { "ended" } else { "updated" };
        if !(state == "ended" && status(&old, self.now) == "ended") {
            self.tell_notice(Some(&old), &n, state);
        }
        let out = view(&n, self.now);
        self.notices.map.insert(id, n);
        Ok(out)
    }

    fn delete_notice(&mut self, id: NoticeId) -> Result<(), AdminError> {
        let mut n = self.notices.map.remove(&id).ok_or(AdminError::NotFound)?;
        self.op(StoreOp::DeleteNotice(id));
        if status(&n, self.now) != "ended" {
            // It ends now, as far as anyone who saw it is concerned.
            n.ends_at = Some(self.now);
            self.tell_notice(None, &n, "ended");
        }
        Ok(())
    }

    fn schedule_notice(&mut self, n: &NoticeRecord) {
        for at in [Some(n.starts_at), n.ends_at].into_iter().flatten() {
            if at > self.now {
                self.deadlines.set(at, Timer::Notice { notice: n.id, at });
            }
        }
    }

    /// A notice's start or end came: tell whom it concerns, unless the notice no longer has this instant.
    pub(super) fn notice_due(&mut self, id: NoticeId, at: Timestamp) {
        let Some(n) = self.notices.get(&id).cloned() else { return };
        if n.ends_at == Some(at) {
            tracing::info!(notice = %id, "notice ended");
            self.tell_notice(None, &n, "ended");
        } else if n.starts_at == at {
            tracing::info!(notice = %id, "notice in force");
            self.tell_notice(None, &n, "updated");
        }
    }

    /// Sends a `notice` frame (encoded once) to every connected visitor it concerns and to every bot. With
    /// `before`, visitors that the old version concerned and the new one does not get `ended`.
    fn tell_notice(&mut self, before: Option<&NoticeRecord>, n: &NoticeRecord, state: &'static str) {
        let item = OutItem::frame(ServerFrame::Notice { notice: view(n, self.now), state });
        let mut gone = None;
        let mut to: Vec<(Participant, bool)> = Vec::new();
        for (id, v) in self.visitors.connected() {
            if concerns(n, &v.department) {
                to.push((Participant::Visitor(id), true));
            } else if before.is_some_and(|b| concerns(b, &v.department)) {
                to.push((Participant::Visitor(id), false));
            }
        }
        to.extend(self.bots.connected().map(|b| (Participant::Bot(b), true)));
        for (who, concerned) in to {
            let item = if concerned {
                item.clone()
            } else {
                gone.get_or_insert_with(|| {
                    let mut ended = view(n, self.now);
                    ended.status = "ended";
                    OutItem::frame(ServerFrame::Notice { notice: ended, state: "ended" })
                })
                .clone()
            };
            self.effect(Effect::ToParticipant { who, item, except: None });
        }
    }
}

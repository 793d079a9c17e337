//! Departments and whether each is open now.

use std::sync::Arc;

use jiff::Timestamp;

use crate::config::{Department, Topic};
use crate::routing::hours::Schedule;

/// The department a visitor belongs to when its hello names none (spec 5.1), if it is configured.
pub const DEFAULT_DEPARTMENT: &str = "support";

pub struct DeptState {
    pub name: Arc<str>,
    pub schedule: Schedule,
    pub open: bool,
    /// Tier names, tier 1 first.
    pub tiers: Vec<Arc<str>>,
    pub topics: Vec<Topic>,
    pub reply_minutes: Option<u32>,
}

impl DeptState {
    /// The name of tier `n`, if the department has it.
    pub fn tier_name(&self, n: u8) -> Option<&Arc<str>> {
        self.tiers.get(usize::from(n).checked_sub(1)?)
    }

    pub fn topic(&self, key: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| &*t.key == key)
    }
}

/// The configured departments; the first is the default.
pub struct Departments(Vec<DeptState>);

impl Departments {
    pub fn new(config: &[Department], now: Timestamp) -> Departments {
        Departments(
            config
                .iter()
                .map(|d| DeptState {
                    name: d.name.clone(),
                    schedule: d.schedule.clone(),
                    open: d.schedule.is_open(now),
                    tiers: d.tiers.clone(),
                    topics: d.topics.clone(),
                    reply_minutes: d.reply_minutes,
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&DeptState> {
        self.0.iter().find(|d| d.name.as_ref() == name)
    }

    /// The department of a hello that names none, and of an agent created without any: `support` when it
    /// is configured (spec 5.1), else the first in the file.
    pub fn default_name(&self) -> &Arc<str> {
        self.0.iter().find(|d| &*d.name == DEFAULT_DEPARTMENT).map_or(&self.0[0].name, |d| &d.name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &DeptState> {
        self.0.iter()
    }

    /// Looks again at the department's hours; returns whether it is open, if that changed.
    pub fn refresh(&mut self, name: &str, now: Timestamp) -> Option<bool> {
        let d = self.0.iter_mut().find(|d| d.name.as_ref() == name)?;
        let open = d.schedule.is_open(now);
        (open != d.open).then(|| {
            d.open = open;
            open
        })
    }

    /// When the department's hours next change.
    pub fn next_change(&self, name: &str, now: Timestamp) -> Option<Timestamp> {
        self.get(name)?.schedule.next_change(now)
    }
}

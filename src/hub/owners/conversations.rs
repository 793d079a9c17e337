//! Open conversations, each visitor's open one, and the last one each visitor ended.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::domain::{ConversationId, IdMap, Seq, VisitorId};
use crate::store::ConversationRecord;

/// Visitor text kept for language detection, in bytes: enough for a reliable guess, bounded per chat.
pub const LANGUAGE_SAMPLE_BYTES: usize = 2048;

/// Visitors' last resolved conversations remembered for rating, oldest forgotten first.
pub const RECENTLY_RESOLVED: usize = 100_000;

/// An open conversation. Its `rec.status` changes only in `Hub::transition`.
pub struct Conv {
    pub rec: ConversationRecord,
    pub client_ids: HashMap<Arc<str>, Seq>,
    pub sample: String,
    /// The queue position the visitor was last told.
    pub last_position: Option<u32>,
    /// When the service-level clocks warn and fall due (worked out from the record).
    pub sla: crate::hub::workflow::SlaTimes,
    /// Escalated and waiting to be placed: its next queue entry is reported by the `escalated` line,
    /// not by a `queued` one.
    pub escalated: bool,
}

impl Conv {
    pub fn new(rec: ConversationRecord, client_ids: HashMap<Arc<str>, Seq>) -> Conv {
        Conv { rec, client_ids, sample: String::new(), last_position: None, sla: Default::default(), escalated: false }
    }
}

/// Open conversations. A visitor has at most one (spec 4), found through `open_of`.
#[derive(Default)]
pub struct Conversations {
    live: IdMap<ConversationId, Conv>,
    by_visitor: IdMap<VisitorId, ConversationId>,
    recently_resolved: RecentlyResolved,
}

impl Conversations {
    pub fn get(&self, id: &ConversationId) -> Option<&Conv> {
        self.live.get(id)
    }

    pub fn get_mut(&mut self, id: &ConversationId) -> Option<&mut Conv> {
        self.live.get_mut(id)
    }

    pub fn values(&self) -> impl Iterator<Item = &Conv> {
        self.live.values()
    }

    pub fn insert(&mut self, conv: Conv) {
        self.by_visitor.insert(conv.rec.visitor_id, conv.rec.id);
        self.live.insert(conv.rec.id, conv);
    }

    /// The visitor's open conversation.
    pub fn open_of(&self, visitor: VisitorId) -> Option<ConversationId> {
        self.by_visitor.get(&visitor).copied()
    }

    /// The last conversation the visitor ended (for rating and a final sync).
    pub fn last_resolved_of(&self, visitor: VisitorId) -> Option<ConversationId> {
        self.recently_resolved.get(visitor)
    }

    /// A resolved conversation leaves memory; the store keeps it.
    pub fn close(&mut self, id: ConversationId) -> Option<Conv> {
        let conv = self.live.remove(&id)?;
        let visitor = conv.rec.visitor_id;
        if self.by_visitor.get(&visitor) == Some(&id) {
            self.by_visitor.remove(&visitor);
        }
        self.recently_resolved.insert(visitor, id);
        Some(conv)
    }
}

#[derive(Default)]
struct RecentlyResolved {
    by_visitor: IdMap<VisitorId, ConversationId>,
    order: VecDeque<(VisitorId, ConversationId)>,
}

impl RecentlyResolved {
    fn insert(&mut self, visitor: VisitorId, id: ConversationId) {
        self.by_visitor.insert(visitor, id);
        self.order.push_back((visitor, id));
        while self.order.len() > RECENTLY_RESOLVED {
            if let Some((v, c)) = self.order.pop_front()
                && self.by_visitor.get(&v) == Some(&c)
            {
                self.by_visitor.remove(&v);
            }
        }
    }

    fn get(&self, visitor: VisitorId) -> Option<ConversationId> {
        self.by_visitor.get(&visitor).copied()
    }
}

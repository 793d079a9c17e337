//! The human queue (all departments, in service order) and the bot conversations that wait for a
//! connected bot. Each conversation has at most one key, and the order holds exactly the keys.

use std::collections::BTreeMap;

use crate::domain::{ConversationId, IdMap, Priority};
use crate::routing::assign::QueueKey;

/// Conversations waiting for a human, ordered by priority then arrival (spec 5.5).
#[derive(Default)]
pub struct HumanQueue {
    order: BTreeMap<QueueKey, ConversationId>,
    keys: IdMap<ConversationId, QueueKey>,
    arrivals: u64,
    /// Whether the order changed since the last `take_changed`.
    changed: bool,
}

impl HumanQueue {
    /// A key for a conversation arriving now with this priority.
    pub fn next_key(&mut self, priority: Priority) -> QueueKey {
        self.arrivals += 1;
        QueueKey { priority, arrival: self.arrivals }
    }

    /// Queues the conversation with this priority. One already queued with the same priority keeps its
    /// place; with another it moves to the end of its new priority.
    pub fn enter(&mut self, id: ConversationId, priority: Priority) {
        match self.keys.get(&id) {
            Some(k) if k.priority == priority => {}
            _ => {
                let key = self.next_key(priority);
                self.insert(id, key);
            }
        }
    }

    /// Queues the conversation under this key (replacing any key it had).
    pub fn insert(&mut self, id: ConversationId, key: QueueKey) {
        if let Some(old) = self.keys.insert(id, key) {
            self.order.remove(&old);
        }
        self.order.insert(key, id);
        self.changed = true;
    }

    pub fn remove(&mut self, id: ConversationId) -> bool {
        match self.keys.remove(&id) {
            Some(key) => {
                self.order.remove(&key);
                self.changed = true;
                true
            }
            None => false,
        }
    }

    pub fn contains(&self, id: ConversationId) -> bool {
        self.keys.contains_key(&id)
    }

    /// Queued conversations in service order.
    pub fn ids(&self) -> impl Iterator<Item = ConversationId> + '_ {
        self.order.values().copied()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the queue changed since the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Marks the queue as changed (a conversation in it changed what agents see of it).
    pub fn touch(&mut self) {
        self.changed = true;
    }
}

/// Bot conversations that no connected bot has yet, served in priority and arrival order.
#[derive(Default)]
pub struct BotQueue {
    order: BTreeMap<QueueKey, ConversationId>,
    keys: IdMap<ConversationId, QueueKey>,
}

impl BotQueue {
    pub fn insert(&mut self, id: ConversationId, key: QueueKey) {
        if let Some(old) = self.keys.insert(id, key) {
            self.order.remove(&old);
        }
        self.order.insert(key, id);
    }

    pub fn remove(&mut self, id: ConversationId) {
        if let Some(key) = self.keys.remove(&id) {
            self.order.remove(&key);
        }
    }

    pub fn pop_first(&mut self) -> Option<ConversationId> {
        let (_, id) = self.order.pop_first()?;
        self.keys.remove(&id);
        Some(id)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_keys_stay_in_step() {
        let mut q = HumanQueue::default();
        let (a, b, c) = (ConversationId(1), ConversationId(2), ConversationId(3));
        q.enter(a, Priority::Standard);
        q.enter(b, Priority::Standard);
        q.enter(c, Priority::Premium);
        assert_eq!(q.ids().collect::<Vec<_>>(), [c, a, b]);
        q.enter(a, Priority::Standard);
        assert_eq!(q.ids().collect::<Vec<_>>(), [c, a, b], "same priority: same place");
        q.enter(a, Priority::Low);
        assert_eq!(q.ids().collect::<Vec<_>>(), [c, b, a]);
        assert!(q.remove(c));
        assert!(!q.remove(c));
        assert_eq!(q.len(), 2);
        assert!(q.take_changed());
        assert!(!q.take_changed());
    }

    #[test]
    fn bot_queue_serves_in_key_order_once() {
        let mut q = BotQueue::default();
        let key = |p, n| QueueKey { priority: p, arrival: n };
        q.insert(ConversationId(1), key(Priority::Low, 1));
        q.insert(ConversationId(2), key(Priority::Standard, 2));
        q.insert(ConversationId(1), key(Priority::Low, 3));
        assert_eq!(q.pop_first(), Some(ConversationId(2)));
        q.remove(ConversationId(1));
        assert!(q.is_empty());
        assert_eq!(q.pop_first(), None);
    }
}

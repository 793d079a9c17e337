//! `queue` frames for agents (the waiting list and the conversations the bot holds, each with its first
//! message): sent to an agent only when the lists it can see changed since the last one it was sent, and built once per distinct list however many agents share it. Sending to every
//! agent whenever the queue was touched (a conversation queued and assigned within one batch leaves it as
//! it was) cost one frame per conversation per agent: ~500k frames to set up 5,000 chats with 100
//! agents, enough to overflow agents' outbound queues.

use std::collections::HashMap;
use std::sync::Arc;

use super::core::Hub;
use crate::delivery::OutItem;
use crate::domain::{AgentId, Participant};
use crate::protocol::{ServerFrame, WaitingView};

/// The last list built for each set of departments, with a version that changes whenever the list does.
#[derive(Default)]
pub(super) struct QueueFrames {
    lists: HashMap<Vec<Arc<str>>, Built>,
    /// Versions are unique across all department sets, so an agent whose departments change never
    /// mistakes another set's list for the one it was sent.
    next_version: u64,
}

struct Built {
    waiting: Vec<WaitingView>,
    bot: Vec<WaitingView>,
    version: u64,
    item: OutItem,
}

impl Hub {
    /// The current `queue` frame for these departments and its version, rebuilt only when the list
    /// differs from the last one built for them.
    pub(super) fn queue_frame(&mut self, departments: &[Arc<str>]) -> (u64, OutItem) {
        let waiting = self.waiting_for(departments);
        let bot = self.bot_held_for(departments);
        let frames = &mut self.queue_frames;
        if let Some(built) = frames.lists.get(departments)
            && built.waiting == waiting
            && built.bot == bot
        {
            return (built.version, built.item.clone());
        }
        frames.next_version += 1;
        let version = frames.next_version;
        let item = OutItem::frame(ServerFrame::Queue { waiting: waiting.clone(), bot: bot.clone() });
        frames.lists.insert(departments.to_vec(), Built { waiting, bot, version, item: item.clone() });
        (version, item)
    }

    /// Sends every connected agent the waiting list of its departments if it changed since its last one.
    pub(super) fn send_queue_frames(&mut self) {
        let connected: Vec<(AgentId, Vec<Arc<str>>, u64)> = self
            .agents
            .values()
            .filter(|a| a.conns > 0)
            .map(|a| (a.record.id, a.record.departments.clone(), a.queue_sent))
            .collect();
        let mut current: HashMap<Vec<Arc<str>>, (u64, OutItem)> = HashMap::new();
        for (agent, depts, sent) in connected {
            let (version, item) = match current.get(&depts) {
                Some(built) => built.clone(),
                None => {
                    let built = self.queue_frame(&depts);
                    current.insert(depts, built.clone());
                    built
                }
            };
            if version == sent {
                continue;
            }
            self.agents.mark_queue_sent(agent, version);
            self.effect(super::dispatch::Effect::ToParticipant { who: Participant::Agent(agent), item, except: None });
        }
    }
}

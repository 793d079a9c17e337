//! The owners of the hub's live state. Each keeps its own invariants behind methods (a queue's order
//! and its keys, an agent's open count and the online gauge, a visitor's open conversation); the hub
//! coordinates them and is the only one that changes them.

mod conversations;
mod departments;
mod queue;
mod roster;
mod tickets;

pub use conversations::{Conv, Conversations, LANGUAGE_SAMPLE_BYTES};
pub use departments::Departments;
pub use queue::{BotQueue, HumanQueue};
pub use roster::{AgentState, Agents, Bots, VisitorState, Visitors};
pub use tickets::Tickets;

//! Every Redis key the cluster uses, in one place (docs/cluster.md has the table: key, type, what it
//! holds, who writes it). All start with `sb:`; ids appear in their wire form (`cv_…`).

use crate::domain::{AgentId, BotId, ConversationId, EmailId};

/// The leader's lease: `"<node>:<fence>"`, with an expiry of `node_timeout_secs`.
pub const LEADER: &str = "sb:leader";
/// The fencing counter: incremented each time a node takes the lease.
pub const FENCE: &str = "sb:fence";
/// Conversation ids by creation time (score: milliseconds).
pub const CONVERSATIONS: &str = "sb:conversations";
/// Ids of conversations not resolved.
pub const OPEN: &str = "sb:open";
/// Ticket number → conversation id.
pub const TICKETS: &str = "sb:tickets";
/// The highest ticket number used.
pub const LAST_TICKET: &str = "sb:tickets:last";
/// The ticket reservation mark (`StoreOp::ReserveTickets`).
pub const TICKETS_RESERVED: &str = "sb:tickets:reserved";
/// Visitor id → their open conversation's id.
pub const VISITOR_OPEN: &str = "sb:visitor_open";
pub const AGENTS: &str = "sb:agents";
/// Lowercased email → agent id.
pub const AGENT_EMAILS: &str = "sb:agent_emails";
pub const BOTS: &str = "sb:bots";
/// `site \u{1f} sub` → identity link.
pub const IDENTITIES: &str = "sb:identities";
pub const NOTICES: &str = "sb:notices";
pub const ARTICLES: &str = "sb:kb";
/// Incremented on every article change: readers rebuild their search index when it moves.
pub const KB_VERSION: &str = "sb:kb:version";
pub const CANNED: &str = "sb:canned";
/// Every email of the outbox (spec 7.6) by creation time (score: milliseconds).
pub const OUTBOX: &str = "sb:outbox";
/// Ids of the `ready` emails by their next attempt's time (score: milliseconds): what the sender reads.
pub const OUTBOX_DUE: &str = "sb:outbox:due";
/// Ids of the `waiting` emails (unseen agent messages gathering): what a new leader restores.
pub const OUTBOX_WAITING: &str = "sb:outbox:waiting";
/// Ids of open conversations whose acknowledgement email is in the outbox (removed when resolved).
pub const OUTBOX_ACKED: &str = "sb:outbox:acked";
/// Node id → last heartbeat (JSON: address, connections by role, time).
pub const NODES: &str = "sb:nodes";

/// Client events from gateways to the leader holding lease `fence` (a stream).
pub fn events(fence: u64) -> String {
    format!("sb:events:{fence}")
}
/// Frames from the leader for gateway node `node`'s connections (a stream).
pub fn deliveries(node: u16) -> String {
    format!("sb:deliver:{node}")
}
/// Node id → its number in connection ids.
pub const NODE_NUMBERS: &str = "sb:node_numbers";
/// The highest node number given.
pub const NODE_NUMBERS_LAST: &str = "sb:node_numbers:last";

pub fn conversation(id: ConversationId) -> String {
    format!("sb:cv:{id}")
}
/// The transcript: a stream whose entry ids are `0-<seq>`, so that `sync` is one range read.
pub fn messages(id: ConversationId) -> String {
    format!("sb:cv:{id}:msgs")
}
/// `client_msg_id` → seq.
pub fn client_msg_ids(id: ConversationId) -> String {
    format!("sb:cv:{id}:cmids")
}
pub fn history(id: ConversationId) -> String {
    format!("sb:cv:{id}:history")
}
pub fn notes(id: ConversationId) -> String {
    format!("sb:cv:{id}:notes")
}
pub fn rating(id: ConversationId) -> String {
    format!("sb:cv:{id}:rating")
}
pub fn agent(id: AgentId) -> String {
    format!("sb:agent:{id}")
}
/// The hashes of an agent's session tokens (deleted with the agent).
pub fn agent_tokens(id: AgentId) -> String {
    format!("sb:agent:{id}:tokens")
}
pub fn bot(id: BotId) -> String {
    format!("sb:bot:{id}")
}
pub fn token(hash: &[u8; 32]) -> String {
    format!("sb:token:{}", hex::encode(hash))
}
/// An email of the outbox: its record (JSON).
pub fn email(id: EmailId) -> String {
    format!("sb:email:{id}")
}
pub fn secret(name: &str) -> String {
    format!("sb:secret:{name}")
}
pub fn identity_field(site: &str, sub: &str) -> String {
    format!("{site}\u{1f}{sub}")
}

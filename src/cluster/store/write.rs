//! Batches of `StoreOp`s as Redis commands, applied by one Lua script that first checks the caller's
//! lease: a paused or partitioned ex-leader's batch is refused whole, and a batch is one script call, so
//! one AOF fsync (`appendfsync always`) covers every message in it.
//!
//! Every command is safe to repeat (a batch whose reply was lost is sent again): messages are stream
//! entries with their seq as id (a repeated `XADD` is ignored), history and notes are sorted-set members,
//! the rest are plain sets of keys; the outbox's conditional changes are guarded by `IFEQ`/`IFMEMBER`
//! (`outbox`).

use super::super::keys;
use super::outbox::{self, Records};
use crate::domain::Status;
use crate::store::{ConversationRecord, StoreError, StoreOp};

/// Checks `sb:leader` against ARGV[1] (`LAPSED` when nobody holds it: the renewal may take it back;
/// `FENCED` when another node does), then runs the commands packed after it: a count, then that many
/// arguments, per command. An `XADD` whose id is taken is a repeat when that entry holds the same
/// message (skipped), and refuses the batch otherwise, before anything in it is written: a seq is never
/// given to two messages. `SETMAX key n`, `HDELIFEQ key field value`, `RPUSHONCE list member` (appends
/// unless that member was appended before: history and notes, in the order they happened),
/// `DELTOKENS set` (every token listed in the set), and the conditions `IFEQ key value n` and
/// `IFMEMBER set member n` (the `n` commands after it run only if `key` holds `value`, or `member` is in
/// `set`; never around an `XADD`) are this script's own.
pub const APPLY: &str = r#"
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then
  if holder == false then return redis.error_reply('LAPSED the lease expired') end
  return redis.error_reply('FENCED another node leads')
end
-- First pass, before anything is written: a seq that another message holds, or that lies below the
-- transcript's end without being there, refuses the whole batch. Each transcript's end is read once per
-- batch (`tops`); a seq above it is new (`fresh`), one at or below it must be that very message again.
local tops, fresh, mine = {}, {}, {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  if ARGV[i + 1] == 'XADD' then
    local key, id = ARGV[i + 2], ARGV[i + 3]
    local seq = tonumber(string.sub(id, 3))
    local top = tops[key]
    if top == nil then
      local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
      top = 0
      if #last > 0 then top = tonumber(string.sub(last[1][1], 3)) end
    end
    if seq > top then
      fresh[i] = true
      tops[key] = seq
      mine[key .. ' ' .. id] = ARGV[i + 5]
    else
      tops[key] = top
      local held = mine[key .. ' ' .. id]
      if held == nil then
        local there = redis.call('XRANGE', key, id, id)
        if #there == 0 then
          return redis.error_reply('SEQ ' .. key .. ' ' .. id .. ' is below the end of the transcript')
        end
        held = there[1][2][2]
      end
      if held ~= ARGV[i + 5] then
        return redis.error_reply('SEQ ' .. key .. ' ' .. id .. ' holds another message')
      end
    end
  end
  i = i + n + 1
end
i = 2
local skip = 0
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local cmd = ARGV[i + 1]
  if skip > 0 then
    skip = skip - 1
  elseif cmd == 'XADD' then
    if fresh[i] then
      redis.call(unpack(ARGV, i + 1, i + n))
    end
  elseif cmd == 'SETMAX' then
    local cur = tonumber(redis.call('GET', ARGV[i + 2]) or '0')
    if tonumber(ARGV[i + 3]) > cur then redis.call('SET', ARGV[i + 2], ARGV[i + 3]) end
  elseif cmd == 'HDELIFEQ' then
    if redis.call('HGET', ARGV[i + 2], ARGV[i + 3]) == ARGV[i + 4] then redis.call('HDEL', ARGV[i + 2], ARGV[i + 3]) end
  elseif cmd == 'RPUSHONCE' then
    if redis.call('SADD', ARGV[i + 2] .. ':seen', redis.sha1hex(ARGV[i + 3])) == 1 then
      redis.call('RPUSH', ARGV[i + 2], ARGV[i + 3])
    end
  elseif cmd == 'IFEQ' then
    if redis.call('GET', ARGV[i + 2]) ~= ARGV[i + 3] then skip = tonumber(ARGV[i + 4]) end
  elseif cmd == 'IFMEMBER' then
    if redis.call('SISMEMBER', ARGV[i + 2], ARGV[i + 3]) == 0 then skip = tonumber(ARGV[i + 4]) end
  elseif cmd == 'DELTOKENS' then
    for _, hash in ipairs(redis.call('SMEMBERS', ARGV[i + 2])) do redis.call('DEL', 'sb:token:' .. hash) end
    redis.call('DEL', ARGV[i + 2])
  else
    redis.call(unpack(ARGV, i + 1, i + n))
  end
  i = i + n + 1
end
return 'OK'
"#;

/// Commands for one batch, packed as the script reads them.
#[derive(Default)]
pub struct Packed {
    pub args: Vec<Vec<u8>>,
}

impl Packed {
    pub(super) fn cmd(&mut self, parts: &[&[u8]]) {
        self.args.push(parts.len().to_string().into_bytes());
        self.args.extend(parts.iter().map(|p| p.to_vec()));
    }
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Backend(format!("encoding a record: {e}")))
}

/// Packs `ops` into script arguments (after the lease token, which the caller puts first). `emails`
/// holds the outbox records the batch's attempts change, as Redis held them before it (`outbox::before`).
pub fn pack(ops: &[StoreOp], mut emails: Records) -> Result<Packed, StoreError> {
    let mut p = Packed::default();
    for op in ops {
        pack_one(&mut p, op, &mut emails)?;
    }
    Ok(p)
}

fn pack_one(p: &mut Packed, op: &StoreOp, emails: &mut Records) -> Result<(), StoreError> {
    match op {
        StoreOp::PutMessage(m) => {
            let id = format!("0-{}", m.seq);
            p.cmd(&[b"XADD", keys::messages(m.conversation_id).as_bytes(), id.as_bytes(), b"m", &json(m)?]);
            if let Some(cmid) = &m.client_msg_id {
                let key = keys::client_msg_ids(m.conversation_id);
                p.cmd(&[b"HSET", key.as_bytes(), cmid.as_bytes(), m.seq.to_string().as_bytes()]);
            }
        }
        StoreOp::PutConversation(c) => pack_conversation(p, c)?,
        StoreOp::PutAgent(a) => {
            let id = a.id.to_string();
            p.cmd(&[b"SET", keys::agent(a.id).as_bytes(), &json(a)?]);
            p.cmd(&[b"SADD", keys::AGENTS.as_bytes(), id.as_bytes()]);
            p.cmd(&[b"HSET", keys::AGENT_EMAILS.as_bytes(), a.email.to_lowercase().as_bytes(), id.as_bytes()]);
        }
        StoreOp::DeleteAgent(id) => {
            // Its session tokens die with it, as in the embedded store.
            p.cmd(&[b"DELTOKENS", keys::agent_tokens(*id).as_bytes()]);
            p.cmd(&[b"DEL", keys::agent(*id).as_bytes()]);
            p.cmd(&[b"SREM", keys::AGENTS.as_bytes(), id.to_string().as_bytes()]);
        }
        StoreOp::PutBot(b) => {
            p.cmd(&[b"SET", keys::bot(b.id).as_bytes(), &json(b)?]);
            p.cmd(&[b"SADD", keys::BOTS.as_bytes(), b.id.to_string().as_bytes()]);
        }
        StoreOp::PutToken(t) => {
            p.cmd(&[b"SET", keys::token(&t.hash).as_bytes(), &json(t)?]);
            if let crate::domain::Participant::Agent(agent) = t.principal {
                p.cmd(&[b"SADD", keys::agent_tokens(agent).as_bytes(), hex::encode(t.hash).as_bytes()]);
            }
        }
        StoreOp::DeleteToken(hash) => p.cmd(&[b"DEL", keys::token(hash).as_bytes()]),
        StoreOp::PutIdentity(link) => {
            let field = keys::identity_field(&link.site, &link.sub);
            p.cmd(&[b"HSET", keys::IDENTITIES.as_bytes(), field.as_bytes(), &json(link)?]);
        }
        StoreOp::SetRating { conversation, score, comment } => {
            p.cmd(&[b"SET", keys::rating(*conversation).as_bytes(), &json(&(score, comment))?]);
        }
        StoreOp::AddHistory(h) => p.cmd(&[b"RPUSHONCE", keys::history(h.conversation_id).as_bytes(), &json(h)?]),
        StoreOp::PutNotice(n) => p.cmd(&[b"HSET", keys::NOTICES.as_bytes(), n.id.to_string().as_bytes(), &json(n)?]),
        StoreOp::DeleteNotice(id) => p.cmd(&[b"HDEL", keys::NOTICES.as_bytes(), id.to_string().as_bytes()]),
        StoreOp::PutArticle(a) => {
            p.cmd(&[b"HSET", keys::ARTICLES.as_bytes(), a.id.to_string().as_bytes(), &json(a)?]);
            p.cmd(&[b"INCR", keys::KB_VERSION.as_bytes()]);
        }
        StoreOp::DeleteArticle(id) => {
            p.cmd(&[b"HDEL", keys::ARTICLES.as_bytes(), id.to_string().as_bytes()]);
            p.cmd(&[b"INCR", keys::KB_VERSION.as_bytes()]);
        }
        StoreOp::ReserveTickets { up_to } => {
            p.cmd(&[b"SETMAX", keys::TICKETS_RESERVED.as_bytes(), up_to.to_string().as_bytes()])
        }
        StoreOp::PutNote(n) => p.cmd(&[b"RPUSHONCE", keys::notes(n.conversation_id).as_bytes(), &json(n)?]),
        StoreOp::PutCanned(c) => p.cmd(&[b"HSET", keys::CANNED.as_bytes(), c.id.as_bytes(), &json(c)?]),
        StoreOp::DeleteCanned(id) => p.cmd(&[b"HDEL", keys::CANNED.as_bytes(), id.as_bytes()]),
        StoreOp::PutEmail(e) => outbox::pack_put(p, e, emails)?,
        StoreOp::DeleteWaitingEmail(id) => outbox::pack_delete_waiting(p, *id, emails)?,
        StoreOp::EmailAttempt { id, outcome } => outbox::pack_attempt(p, *id, outcome, emails)?,
    }
    Ok(())
}

fn pack_conversation(p: &mut Packed, c: &ConversationRecord) -> Result<(), StoreError> {
    let id = c.id.to_string();
    let visitor = c.visitor_id.to_string();
    let ticket = c.ticket.0.to_string();
    p.cmd(&[b"SET", keys::conversation(c.id).as_bytes(), &json(c)?]);
    let created = c.created_at.as_millisecond().to_string();
    p.cmd(&[b"ZADD", keys::CONVERSATIONS.as_bytes(), created.as_bytes(), id.as_bytes()]);
    p.cmd(&[b"HSET", keys::TICKETS.as_bytes(), ticket.as_bytes(), id.as_bytes()]);
    p.cmd(&[b"SETMAX", keys::LAST_TICKET.as_bytes(), ticket.as_bytes()]);
    if c.status == Status::Resolved {
        p.cmd(&[b"SREM", keys::OPEN.as_bytes(), id.as_bytes()]);
        // Its acknowledgement is history (the snapshot only asks about open conversations).
        p.cmd(&[b"SREM", keys::OUTBOX_ACKED.as_bytes(), id.as_bytes()]);
        p.cmd(&[b"HDELIFEQ", keys::VISITOR_OPEN.as_bytes(), visitor.as_bytes(), id.as_bytes()]);
    } else {
        p.cmd(&[b"SADD", keys::OPEN.as_bytes(), id.as_bytes()]);
        p.cmd(&[b"HSET", keys::VISITOR_OPEN.as_bytes(), visitor.as_bytes(), id.as_bytes()]);
    }
    Ok(())
}

//! The cluster's bus, on Redis Streams: gateways send their clients' events to the leader on
//! `sb:events:<fence>` (one stream per lease, so that a new leader never reads events meant for the old
//! one), and the leader sends each gateway the frames for its connections on `sb:deliver:<node>`.
//! Streams rather than Pub/Sub: a reader that lost Redis for a moment resumes after the last entry it
//! read, with no gap; each delivery entry is numbered, so a gap (the stream trimmed under a reader that
//! fell far behind) is seen and answered by closing that gateway's connections, which then sync.
//!
//! This module only encodes and decodes entries (plain functions over field lists, tested here); the
//! tasks that read and write the streams are `forward` (gateway) and `relay` (leader).

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::auth::IdentityCheck;
use crate::delivery::{ConnId, HoldFacts};
use crate::domain::{AgentId, BotId, ConversationId, Participant, Seq, VisitorId};
use crate::hub::{ClientFacts, VisitorHello};
use crate::protocol::Ref;

/// Entries kept in a delivery stream (`XADD … MAXLEN ~`): a gateway further behind than this has lost
/// its place and resets its connections.
pub const DELIVERY_STREAM_LEN: usize = 100_000;
/// Entries kept in an event stream; the leader reads it as it comes, so this only bounds a stream
/// nobody reads (no leader).
pub const EVENT_STREAM_LEN: usize = 100_000;

/// A field list as read from or written to a stream entry.
pub type Fields = Vec<(&'static str, Bytes)>;

/// What a gateway tells the leader.
#[derive(Debug, PartialEq)]
pub enum Inbound {
    /// A gateway process starts serving under this lease: connections the leader holds from an
    /// earlier process of the same node are gone.
    Start {
        node: u16,
        instance: u64,
    },
    Visitor {
        conn: ConnId,
        hello: Box<HelloWire>,
    },
    Agent {
        conn: ConnId,
        agent: AgentId,
        reference: Option<Ref>,
    },
    Bot {
        conn: ConnId,
        bot: BotId,
        reference: Option<Ref>,
    },
    /// A client frame's text, checked by the gateway (size, rate, shape) and decoded again by the leader.
    Frame {
        conn: ConnId,
        who: Participant,
        text: Bytes,
    },
    Disconnected {
        conn: ConnId,
        who: Participant,
    },
}

/// A visitor's admitted hello, as the leader needs it (the site's widget look comes from the leader's
/// own configuration).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct HelloWire {
    visitor: VisitorId,
    token: String,
    site: String,
    locale: Option<String>,
    department: Option<String>,
    identity: IdentityCheck,
    page: Option<String>,
    user_agent: Option<String>,
    timezone: Option<String>,
    reference: Option<String>,
    ip: Option<std::net::IpAddr>,
}

impl HelloWire {
    pub fn from_hello(h: &VisitorHello) -> HelloWire {
        HelloWire {
            visitor: h.visitor,
            token: h.token.clone(),
            site: h.site.to_string(),
            locale: h.locale.clone(),
            department: h.department.clone(),
            identity: h.identity.clone(),
            page: h.client.page.as_deref().map(str::to_owned),
            user_agent: h.client.user_agent.as_deref().map(str::to_owned),
            timezone: h.client.timezone.as_deref().map(str::to_owned),
            reference: h.reference.as_ref().map(|r| r.0.to_string()),
            ip: h.ip,
        }
    }

    /// The hello for the hub; `widget` is the site's look from the leader's configuration.
    pub fn into_hello(self, widget: Option<std::sync::Arc<crate::config::WidgetTheme>>) -> VisitorHello {
        VisitorHello {
            visitor: self.visitor,
            token: self.token,
            site: self.site.into(),
            locale: self.locale,
            department: self.department,
            identity: self.identity,
            client: ClientFacts {
                page: self.page.map(Into::into),
                user_agent: self.user_agent.map(Into::into),
                timezone: self.timezone.map(Into::into),
            },
            widget,
            reference: self.reference.map(|r| Ref(r.into())),
            ip: self.ip,
        }
    }

    pub fn site(&self) -> &str {
        &self.site
    }
}

/// Why an entry could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("a malformed bus entry: {0}")]
pub struct Malformed(pub &'static str);

fn field<'a>(fields: &'a [(String, Bytes)], name: &'static str) -> Result<&'a Bytes, Malformed> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v).ok_or(Malformed(name))
}

fn number(fields: &[(String, Bytes)], name: &'static str) -> Result<u64, Malformed> {
    std::str::from_utf8(field(fields, name)?).ok().and_then(|s| s.parse().ok()).ok_or(Malformed(name))
}

fn json<T: for<'de> Deserialize<'de>>(fields: &[(String, Bytes)], name: &'static str) -> Result<T, Malformed> {
    serde_json::from_slice(field(fields, name)?).map_err(|_| Malformed(name))
}

fn to_json(value: &impl Serialize) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("bus values encode"))
}

fn num(n: u64) -> Bytes {
    Bytes::from(n.to_string())
}

fn reference(r: &Option<Ref>) -> Bytes {
    r.as_ref().map_or_else(Bytes::new, |r| Bytes::from(r.0.to_string()))
}

fn read_reference(fields: &[(String, Bytes)]) -> Result<Option<Ref>, Malformed> {
    let r = field(fields, "r")?;
    if r.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(r).map(|s| Some(Ref(s.into()))).map_err(|_| Malformed("r"))
}

impl Inbound {
    pub fn encode(&self) -> Fields {
        match self {
            Inbound::Start { node, instance } => {
                vec![("k", Bytes::from_static(b"s")), ("n", num(u64::from(*node))), ("i", num(*instance))]
            }
            Inbound::Visitor { conn, hello } => {
                vec![("k", Bytes::from_static(b"v")), ("c", num(conn.get())), ("h", to_json(hello))]
            }
            Inbound::Agent { conn, agent, reference: r } => vec![
                ("k", Bytes::from_static(b"a")),
                ("c", num(conn.get())),
                ("p", to_json(agent)),
                ("r", reference(r)),
            ],
            Inbound::Bot { conn, bot, reference: r } => {
                vec![("k", Bytes::from_static(b"b")), ("c", num(conn.get())), ("p", to_json(bot)), ("r", reference(r))]
            }
            Inbound::Frame { conn, who, text } => {
                vec![("k", Bytes::from_static(b"f")), ("c", num(conn.get())), ("w", to_json(who)), ("t", text.clone())]
            }
            Inbound::Disconnected { conn, who } => {
                vec![("k", Bytes::from_static(b"d")), ("c", num(conn.get())), ("w", to_json(who))]
            }
        }
    }

    pub fn decode(fields: &[(String, Bytes)]) -> Result<Inbound, Malformed> {
        let conn = || number(fields, "c").map(ConnId::from_raw);
        Ok(match field(fields, "k")?.as_ref() {
            b"s" => Inbound::Start {
                node: u16::try_from(number(fields, "n")?).map_err(|_| Malformed("n"))?,
                instance: number(fields, "i")?,
            },
            b"v" => Inbound::Visitor { conn: conn()?, hello: Box::new(json(fields, "h")?) },
            b"a" => Inbound::Agent { conn: conn()?, agent: json(fields, "p")?, reference: read_reference(fields)? },
            b"b" => Inbound::Bot { conn: conn()?, bot: json(fields, "p")?, reference: read_reference(fields)? },
            b"f" => Inbound::Frame { conn: conn()?, who: json(fields, "w")?, text: field(fields, "t")?.clone() },
            b"d" => Inbound::Disconnected { conn: conn()?, who: json(fields, "w")? },
            _ => return Err(Malformed("k")),
        })
    }
}

/// What the leader sends a gateway: an item for some of its connections, numbered per gateway.
#[derive(Debug, PartialEq)]
pub struct Delivery {
    /// Counts this gateway's deliveries under this lease from 1: a gap means entries were lost.
    pub number: u64,
    pub conns: Vec<ConnId>,
    pub item: Item,
}

#[derive(Debug, PartialEq)]
pub enum Item {
    /// Encoded frames (one, or several that go out together), each with what holds need.
    Frames(Vec<(Bytes, HoldFacts)>),
    Close(u16, String),
    /// A backlog the gateway reads from the store itself (`delivery::Backlog`).
    Backlog(Box<BacklogWire>),
    /// Close every connection of this gateway: it missed deliveries, its clients reconnect and sync.
    Reset,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct BacklogWire {
    pub conversation: ConversationId,
    pub after_seq: Seq,
    pub last_seq: Option<Seq>,
    /// For `sync`: its ref (raw JSON), if any.
    pub sync_ref: Option<Option<String>>,
    /// For a transcript: the conversation as the leader encoded it.
    pub view: Option<String>,
}

/// Several entries' field lists packed into one stream entry (field `b`), so that a batch of events or of
/// deliveries is one `XADD`: per entry a field count (u8), then per field its name (u8 length, bytes)
/// and its value (u32 length, bytes), big-endian.
pub fn pack(entries: impl IntoIterator<Item = Fields>) -> Bytes {
    use bytes::BufMut;
    let mut out = bytes::BytesMut::new();
    for fields in entries {
        out.put_u8(fields.len() as u8);
        for (name, value) in fields {
            out.put_u8(name.len() as u8);
            out.put_slice(name.as_bytes());
            out.put_u32(value.len() as u32);
            out.put_slice(&value);
        }
    }
    out.freeze()
}

/// The field lists `pack` packed, values sharing `packed`'s memory.
pub fn unpack(packed: &Bytes) -> Result<Vec<Vec<(String, Bytes)>>, Malformed> {
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Result<Bytes, Malformed> {
        let end = at.checked_add(n).filter(|e| *e <= packed.len()).ok_or(Malformed("b"))?;
        let slice = packed.slice(*at..end);
        *at = end;
        Ok(slice)
    };
    let mut entries = Vec::new();
    while at < packed.len() {
        let count = take(&mut at, 1)?[0];
        let mut fields = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let len = usize::from(take(&mut at, 1)?[0]);
            let name = String::from_utf8(take(&mut at, len)?.to_vec()).map_err(|_| Malformed("b"))?;
            let len = take(&mut at, 4)?;
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            fields.push((name, take(&mut at, len)?));
        }
        entries.push(fields);
    }
    Ok(entries)
}

/// The packed field of a stream entry as read (`XREAD`): the field lists in it.
pub fn entries_of(
    map: std::collections::HashMap<String, redis::Value>,
) -> Result<Vec<Vec<(String, Bytes)>>, Malformed> {
    match map.get("b") {
        Some(redis::Value::BulkString(b)) => unpack(&Bytes::copy_from_slice(b)),
        _ => Err(Malformed("b")),
    }
}

/// Frame texts never hold a raw newline (JSON escapes it), so several frames join with one.
const FRAME_SEPARATOR: u8 = b'\n';

impl Delivery {
    pub fn encode(&self) -> Fields {
        let conns = self.conns.iter().map(|c| c.get().to_string()).collect::<Vec<_>>().join(",");
        let mut fields = vec![("n", num(self.number)), ("c", Bytes::from(conns))];
        match &self.item {
            Item::Frames(frames) => {
                let texts: Vec<&[u8]> = frames.iter().map(|(t, _)| t.as_ref()).collect();
                let facts: Vec<&HoldFacts> = frames.iter().map(|(_, f)| f).collect();
                fields.push(("k", Bytes::from_static(b"f")));
                fields.push(("t", Bytes::from(texts.join(&FRAME_SEPARATOR))));
                fields.push(("h", to_json(&facts)));
            }
            Item::Close(code, reason) => {
                fields.push(("k", Bytes::from_static(b"x")));
                fields.push(("t", Bytes::from(format!("{code} {reason}"))));
            }
            Item::Backlog(b) => {
                fields.push(("k", Bytes::from_static(b"b")));
                fields.push(("t", to_json(b)));
            }
            Item::Reset => fields.push(("k", Bytes::from_static(b"r"))),
        }
        fields
    }

    pub fn decode(fields: &[(String, Bytes)]) -> Result<Delivery, Malformed> {
        let number = number(fields, "n")?;
        let conns = std::str::from_utf8(field(fields, "c")?)
            .map_err(|_| Malformed("c"))?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map(ConnId::from_raw).map_err(|_| Malformed("c")))
            .collect::<Result<Vec<_>, _>>()?;
        let item = match field(fields, "k")?.as_ref() {
            b"f" => {
                let facts: Vec<HoldFacts> = json(fields, "h")?;
                let text = field(fields, "t")?;
                let texts: Vec<Bytes> = text.split(|b| *b == FRAME_SEPARATOR).map(|t| text.slice_ref(t)).collect();
                if facts.len() != texts.len() {
                    return Err(Malformed("h"));
                }
                Item::Frames(texts.into_iter().zip(facts).collect())
            }
            b"x" => {
                let t = std::str::from_utf8(field(fields, "t")?).map_err(|_| Malformed("t"))?;
                let (code, reason) = t.split_once(' ').ok_or(Malformed("t"))?;
                Item::Close(code.parse().map_err(|_| Malformed("t"))?, reason.to_string())
            }
            b"b" => Item::Backlog(Box::new(json(fields, "t")?)),
            b"r" => Item::Reset,
            _ => return Err(Malformed("k")),
        };
        Ok(Delivery { number, conns, item })
    }
}

#[cfg(test)]
#[path = "bus_tests.rs"]
mod tests;

//! Client frames: the text a client sends, decoded into one flat `RawFrame` and checked into a
//! `ClientFrame`.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Deserialize;

use crate::domain::{AgentId, Availability, ConversationId, Seq};

/// Every field any client frame may carry, all optional. Decoding into one flat struct is a single pass
/// with no buffering; `ClientFrame::try_from` then checks that the fields a type needs are there.
#[derive(Debug, Default, Deserialize)]
pub struct RawFrame<'a> {
    #[serde(rename = "type", default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "ref", default)]
    pub reference: Option<Box<serde_json::value::RawValue>>,
    pub v: Option<u32>,
    pub site: Option<String>,
    pub visitor_token: Option<String>,
    pub locale: Option<String>,
    pub department: Option<String>,
    pub identity: Option<String>,
    pub token: Option<String>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub client_msg_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub text: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub conversation_id: Option<Cow<'a, str>>,
    pub on: Option<bool>,
    pub score: Option<u8>,
    pub comment: Option<String>,
    pub after_seq: Option<Seq>,
    pub status: Option<String>,
    pub to_agent: Option<String>,
    pub tier: Option<u8>,
    pub reason: Option<String>,
    pub topic: Option<String>,
    pub page: Option<String>,
    pub user_agent: Option<String>,
    pub timezone: Option<String>,
    pub email: Option<String>,
}

/// The `hello` that opens every connection; which fields matter depends on the endpoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hello {
    pub v: u32,
    pub site: Option<String>,
    pub visitor_token: Option<String>,
    pub locale: Option<String>,
    pub department: Option<String>,
    /// Signed identity token (visitor).
    pub identity: Option<String>,
    /// Session token (agent) or bot token (bot).
    pub token: Option<String>,
    /// Visitor: the page the widget is on, the browser's user agent and its IANA time zone, for the
    /// agent's visitor panel. Optional; cut to `MAX_PAGE`, `MAX_USER_AGENT`, `MAX_TIMEZONE` bytes.
    pub page: Option<String>,
    pub user_agent: Option<String>,
    pub timezone: Option<String>,
}

/// Longest `page`, `user_agent` and `timezone` of a visitor's hello kept, in bytes.
pub const MAX_PAGE: usize = 512;
pub const MAX_USER_AGENT: usize = 256;
pub const MAX_TIMEZONE: usize = 64;
/// Longest rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Cuts a client-supplied string to at most `max` bytes on a character boundary; empty means absent.
pub fn bounded(s: Option<String>, max: usize) -> Option<String> {
    let mut s = s?;
    let end = (0..=s.len().min(max)).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    s.truncate(end);
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Where a `transfer` sends a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferTarget {
    Agent(AgentId),
    Tier(u8),
}

/// A decoded client frame.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientFrame {
    Hello(Hello),
    Message {
        conversation_id: Option<ConversationId>,
        client_msg_id: Option<Arc<str>>,
        text: Arc<str>,
        /// The topic the visitor chose (spec 7.6); it matters on the message that opens a conversation.
        topic: Option<Arc<str>>,
    },
    Typing {
        conversation_id: Option<ConversationId>,
        on: bool,
    },
    End {
        conversation_id: Option<ConversationId>,
    },
    Rating {
        conversation_id: Option<ConversationId>,
        score: u8,
        comment: Option<String>,
    },
    Sync {
        conversation_id: ConversationId,
        after_seq: Seq,
    },
    Availability {
        status: Availability,
    },
    Resolve {
        conversation_id: ConversationId,
    },
    Transfer {
        conversation_id: ConversationId,
        target: TransferTarget,
    },
    Pick {
        conversation_id: ConversationId,
    },
    Handoff {
        conversation_id: ConversationId,
        reason: Option<String>,
    },
    /// An internal note on a conversation: for agents only, never sent to the visitor or a bot.
    Note {
        conversation_id: ConversationId,
        text: Arc<str>,
    },
    /// The visitor's email address, for the emails of spec 7.6 (docs/email.md).
    SetEmail {
        email: crate::email::EmailAddress,
    },
    Ping,
}

impl ClientFrame {
    /// Whether the hub must store something to answer it: such frames are refused with `unavailable`
    /// while the store takes no commits (`hub::StoreHealth`); typing, sync and ping need no write.
    pub fn needs_write(&self) -> bool {
        !matches!(
            self,
            ClientFrame::Typing { .. } | ClientFrame::Sync { .. } | ClientFrame::Ping | ClientFrame::Hello(_)
        )
    }
}

/// Why a well-formed JSON object is still not a valid frame.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("missing \"type\"")]
    MissingType,
    #[error("unknown type \"{0}\"")]
    UnknownType(String),
    #[error("\"{0}\" is required")]
    Missing(&'static str),
    #[error("\"{0}\" is malformed")]
    Malformed(&'static str),
}

fn id<T: std::str::FromStr>(raw: Option<impl AsRef<str>>, field: &'static str) -> Result<Option<T>, FrameError> {
    raw.map(|s| s.as_ref().parse().map_err(|_| FrameError::Malformed(field))).transpose()
}

/// A string field borrowed from the frame's text when it has no escapes (most do not): the type needs no
/// copy at all, and a message's text and ids are copied once, into the hub's shared copy, rather than into
/// a `String` first. (Serde borrows a bare `Cow` field, not one inside an `Option`, hence this.)
fn borrowed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);
    Option::<Borrowed<'de>>::deserialize(d).map(|o| o.map(|b| b.0))
}

fn required<T>(v: Option<T>, field: &'static str) -> Result<T, FrameError> {
    v.ok_or(FrameError::Missing(field))
}

impl TryFrom<RawFrame<'_>> for ClientFrame {
    type Error = FrameError;

    fn try_from(r: RawFrame<'_>) -> Result<Self, FrameError> {
        let kind = r.kind.ok_or(FrameError::MissingType)?;
        let conv = id::<ConversationId>(r.conversation_id, "conversation_id")?;
        Ok(match kind.as_ref() {
            "hello" => ClientFrame::Hello(Hello {
                v: required(r.v, "v")?,
                site: r.site,
                visitor_token: r.visitor_token,
                locale: r.locale,
                department: r.department,
                identity: r.identity,
                token: r.token,
                page: bounded(r.page, MAX_PAGE),
                user_agent: bounded(r.user_agent, MAX_USER_AGENT),
                timezone: bounded(r.timezone, MAX_TIMEZONE),
            }),
            "message" => ClientFrame::Message {
                conversation_id: conv,
                client_msg_id: r.client_msg_id.map(Arc::from),
                text: required(r.text, "text")?.into(),
                topic: r.topic.map(Arc::from),
            },
            "typing" => ClientFrame::Typing { conversation_id: conv, on: r.on.unwrap_or(true) },
            "end" => ClientFrame::End { conversation_id: conv },
            "rating" => {
                ClientFrame::Rating { conversation_id: conv, score: required(r.score, "score")?, comment: r.comment }
            }
            "sync" => ClientFrame::Sync {
                conversation_id: required(conv, "conversation_id")?,
                after_seq: r.after_seq.unwrap_or(0),
            },
            "availability" => ClientFrame::Availability {
                status: required(r.status, "status")?.parse().map_err(|_| FrameError::Malformed("status"))?,
            },
            "resolve" => ClientFrame::Resolve { conversation_id: required(conv, "conversation_id")? },
            "transfer" => {
                let target = match (id::<AgentId>(r.to_agent, "to_agent")?, r.tier) {
                    (Some(agent), _) => TransferTarget::Agent(agent),
                    (None, Some(tier)) => TransferTarget::Tier(tier),
                    (None, None) => return Err(FrameError::Missing("to_agent")),
                };
                ClientFrame::Transfer { conversation_id: required(conv, "conversation_id")?, target }
            }
            "pick" => ClientFrame::Pick { conversation_id: required(conv, "conversation_id")? },
            "handoff" => ClientFrame::Handoff { conversation_id: required(conv, "conversation_id")?, reason: r.reason },
            "note" => ClientFrame::Note {
                conversation_id: required(conv, "conversation_id")?,
                text: required(r.text, "text")?.into(),
            },
            "set_email" => ClientFrame::SetEmail {
                email: crate::email::EmailAddress::parse(&required(r.email, "email")?)
                    .map_err(|_| FrameError::Malformed("email"))?,
            },
            "ping" => ClientFrame::Ping,
            other => return Err(FrameError::UnknownType(other.chars().take(40).collect())),
        })
    }
}

#[cfg(test)]
mod bounded_tests {
    use super::*;

    #[test]
    fn hello_facts_are_cut_on_a_character_boundary() {
        assert_eq!(bounded(Some("  ".into()), 10), None);
        assert_eq!(bounded(Some("Europe/Helsinki".into()), 64).as_deref(), Some("Europe/Helsinki"));
        let long = "ä".repeat(400); // 800 bytes
        let cut = bounded(Some(long), MAX_PAGE).unwrap();
        assert_eq!(cut.len(), MAX_PAGE);
        assert!(cut.chars().all(|c| c == 'ä'));
    }
}

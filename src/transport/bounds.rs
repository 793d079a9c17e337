//! Bounds on every string a client writes, checked before the hub sees the frame. The frame size bounds
//! them all (`limits.max_frame_bytes`); these keep what the hub remembers or stores small: a locale or
//! a department kept for every visitor, a comment or a reason kept with a conversation.

use crate::config::Limits;
use crate::protocol::{ClientFrame, ErrorCode, Ref};

/// Longest `client_msg_id`, in bytes.
pub const MAX_CLIENT_MSG_ID: usize = 128;
/// Longest `ref`, in bytes of JSON: every reply echoes it, so its size multiplies.
pub const MAX_REF_BYTES: usize = 256;
/// Longest `locale` (BCP 47 tags in use are far shorter).
pub const MAX_LOCALE_BYTES: usize = 35;
/// Longest `site`, `department` and `topic` names.
pub const MAX_NAME_BYTES: usize = 100;
/// Longest token (`visitor_token`, `token`, and the signed `identity`).
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Longest handoff `reason`, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why a frame is refused: the error's code and message.
pub type Refused = (ErrorCode, String);

fn too_long(field: &str, max: usize, unit: &str) -> Refused {
    (ErrorCode::BadRequest, format!("{field} is limited to {max} {unit}"))
}

/// A `ref` the hub will echo.
pub fn check_ref(reference: &Option<Ref>) -> Result<(), Refused> {
    match reference {
        Some(r) if r.0.len() > MAX_REF_BYTES => Err(too_long("ref", MAX_REF_BYTES, "bytes")),
        _ => Ok(()),
    }
}

/// Limits on the content of frames that the hub should never see violated.
pub fn check(frame: &ClientFrame, limits: &Limits) -> Result<(), Refused> {
    let bytes = |field: &str, value: &Option<String>, max: usize| match value {
        Some(v) if v.len() > max => Err(too_long(field, max, "bytes")),
        _ => Ok(()),
    };
    match frame {
        ClientFrame::Note { text, .. } => {
            if text.trim().is_empty() {
                return Err((ErrorCode::BadRequest, "the note is empty".into()));
            }
            if text.chars().count() > limits.max_text_chars {
                let message = format!("notes are limited to {} characters", limits.max_text_chars);
                return Err((ErrorCode::TooLarge, message));
            }
        }
        ClientFrame::Message { text, client_msg_id, topic, .. } => {
            if text.trim().is_empty() {
                return Err((ErrorCode::BadRequest, "the message is empty".into()));
            }
            if text.chars().count() > limits.max_text_chars {
                let message = format!("messages are limited to {} characters", limits.max_text_chars);
                return Err((ErrorCode::TooLarge, message));
            }
            if client_msg_id.as_ref().is_some_and(|id| id.len() > MAX_CLIENT_MSG_ID) {
                return Err(too_long("client_msg_id", MAX_CLIENT_MSG_ID, "bytes"));
            }
            if topic.as_ref().is_some_and(|t| t.len() > MAX_NAME_BYTES) {
                return Err(too_long("topic", MAX_NAME_BYTES, "bytes"));
            }
        }
        ClientFrame::Hello(h) => {
            bytes("locale", &h.locale, MAX_LOCALE_BYTES)?;
            bytes("site", &h.site, MAX_NAME_BYTES)?;
            bytes("department", &h.department, MAX_NAME_BYTES)?;
            bytes("visitor_token", &h.visitor_token, MAX_TOKEN_BYTES)?;
            bytes("token", &h.token, MAX_TOKEN_BYTES)?;
            bytes("identity", &h.identity, MAX_TOKEN_BYTES)?;
        }
        ClientFrame::Handoff { reason: Some(r), .. } if r.chars().count() > MAX_REASON_CHARS => {
            return Err(too_long("reason", MAX_REASON_CHARS, "characters"));
        }
        ClientFrame::Rating { comment: Some(c), .. } if c.chars().count() > crate::protocol::MAX_COMMENT_CHARS => {
            return Err((ErrorCode::TooLarge, "the comment is too long".into()));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Hello;

    #[test]
    fn every_client_string_is_bounded() {
        let limits = Limits::default();
        let long = |n: usize| Some("x".repeat(n));
        let hellos = [
            Hello { locale: long(36), ..Hello::default() },
            Hello { site: long(101), ..Hello::default() },
            Hello { department: long(101), ..Hello::default() },
            Hello { visitor_token: long(4097), ..Hello::default() },
            Hello { token: long(4097), ..Hello::default() },
            Hello { identity: long(4097), ..Hello::default() },
        ];
        for h in hellos {
            assert!(check(&ClientFrame::Hello(h.clone()), &limits).is_err(), "{h:?}");
        }
        let ok = Hello { locale: Some("de-CH".into()), site: Some("default".into()), ..Hello::default() };
        assert!(check(&ClientFrame::Hello(ok), &limits).is_ok());
        let id = crate::domain::ConversationId(1);
        let handoff = ClientFrame::Handoff { conversation_id: id, reason: long(501) };
        assert!(check(&handoff, &limits).is_err());
        let rating = ClientFrame::Rating { conversation_id: None, score: 5, comment: long(2001) };
        assert!(check(&rating, &limits).is_err());
        let topic = ClientFrame::Message {
            conversation_id: None,
            client_msg_id: None,
            text: "hi".into(),
            topic: Some("t".repeat(101).into()),
        };
        assert!(check(&topic, &limits).is_err());
        let message = ClientFrame::Message {
            conversation_id: None,
            client_msg_id: Some("c".repeat(129).into()),
            text: "hi".into(),
            topic: None,
        };
        assert!(check(&message, &limits).is_err());
        assert!(check_ref(&Some(Ref("1".repeat(257).into()))).is_err());
        assert!(check_ref(&Some(Ref("\"r-1\"".into()))).is_ok());
    }
}

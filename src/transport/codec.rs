//! Text frames to `ClientFrame`s and `ServerFrame`s to text: the only JSON in the WebSocket path.

#[cfg(feature = "server")]
use axum::extract::ws::Utf8Bytes;
#[cfg(feature = "server")]
use bytes::Bytes;

#[cfg(feature = "server")]
use crate::delivery::OutFrame;
#[cfg(feature = "server")]
use crate::protocol::ServerFrame;
use crate::protocol::{ClientFrame, ErrorCode, RawFrame, Ref};

/// A frame that could not be decoded: what to tell the client, with its ref when one could be read.
#[derive(Debug)]
pub struct DecodeError {
    pub code: ErrorCode,
    pub message: String,
    pub reference: Option<Ref>,
}

pub fn decode(text: &str) -> Result<(Option<Ref>, ClientFrame), DecodeError> {
    // A JSON object whose fields have the wrong types still has its `ref` echoed (spec 4): it is read
    // on its own, only on this error path.
    let raw: RawFrame<'_> = serde_json::from_str(text).map_err(|e| DecodeError {
        code: ErrorCode::BadRequest,
        message: format!("not a valid frame: {}", short(&e.to_string())),
        reference: peek_ref(text),
    })?;
    let reference = raw.reference.as_ref().map(|r| Ref(r.get().into()));
    ClientFrame::try_from(raw).map(|f| (reference.clone(), f)).map_err(|e| DecodeError {
        code: ErrorCode::BadRequest,
        message: e.to_string(),
        reference,
    })
}

/// The `ref` of a frame that will not be decoded (too large, rate-limited), so that its error can carry
/// it; `None` when the text is not a JSON object or has no `ref`.
pub fn peek_ref(text: &str) -> Option<Ref> {
    #[derive(serde::Deserialize)]
    struct RefOnly<'a> {
        #[serde(rename = "ref", borrow)]
        reference: Option<&'a serde_json::value::RawValue>,
    }
    let only: RefOnly<'_> = serde_json::from_str(text).ok()?;
    only.reference.map(|r| Ref(r.get().into()))
}

/// Room for a frame's JSON, so that a message is written without growing its buffer: the envelope of a
/// `message` (type, conversation id, seq, author, time) is ~150 bytes besides its text and name; other
/// frames start small and grow.
#[cfg(feature = "server")]
fn capacity(frame: &ServerFrame) -> usize {
    const ENVELOPE: usize = 192;
    match frame {
        ServerFrame::Message(m) => ENVELOPE + m.text.len() + m.from.name.as_ref().map_or(0, |n| n.len()),
        _ => ENVELOPE,
    }
}

fn short(s: &str) -> &str {
    let end = (0..=s.len().min(200)).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    &s[..end]
}

/// The frame's JSON, encoded once and shared by every connection it goes to.
#[cfg(feature = "server")]
pub fn encode(frame: &OutFrame) -> Utf8Bytes {
    let bytes: &Bytes = frame.encoded.get_or_init(|| {
        // A relayed frame is created with its text, so only a frame of this node gets here.
        let Some(f) = frame.frame() else {
            return Bytes::from_static(br#"{"type":"error","code":"internal","message":"encoding failed"}"#);
        };
        let mut out = Vec::with_capacity(capacity(f));
        match serde_json::to_writer(&mut out, f) {
            Ok(()) => Bytes::from(out),
            Err(e) => {
                tracing::error!(error = %e, "a server frame failed to encode");
                Bytes::from_static(br#"{"type":"error","code":"internal","message":"encoding failed"}"#)
            }
        }
    });
    // serde_json writes UTF-8 only, so this never fails; the check is a cheap SIMD scan.
    Utf8Bytes::try_from(bytes.clone()).unwrap_or_else(|_| Utf8Bytes::from_static("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "server")]
    use crate::protocol::ServerFrame;

    #[test]
    fn decode_table() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            (r#"{"type":"ping"}"#, Ok("Ping")),
            (r#"{"type":"message","text":"hi","client_msg_id":"c1","ref":7}"#, Ok("Message")),
            (r#"{"type":"sync","conversation_id":"cv_00000000000000ff","after_seq":3}"#, Ok("Sync")),
            (r#"{"type":"hello","v":1,"unknown_field":{"x":1}}"#, Ok("Hello")),
            ("not json", Err("not a valid frame")),
            (r#"{"type":"teleport"}"#, Err("unknown type")),
            (r#"{"text":"no type"}"#, Err("missing \"type\"")),
            (r#"{"type":"message"}"#, Err("\"text\" is required")),
            (r#"{"type":"sync","conversation_id":"nope"}"#, Err("malformed")),
            (r#"{"type":"availability","status":"asleep"}"#, Err("malformed")),
        ];
        for (text, want) in cases {
            match (decode(text), want) {
                (Ok((_, frame)), Ok(kind)) => {
                    assert!(format!("{frame:?}").starts_with(kind), "{text}: {frame:?}")
                }
                (Err(e), Err(msg)) => assert!(e.message.contains(msg), "{text}: {}", e.message),
                (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn message_strings_decode_with_and_without_escapes() {
        let cases = [
            (r#"{"type":"message","text":"plain words","client_msg_id":"c1"}"#, "plain words", "c1"),
            (
                r#"{"type":"message","text":"a \"quoted\"\nline \u00e9","client_msg_id":"c\u0031"}"#,
                "a \"quoted\"\nline é",
                "c1",
            ),
        ];
        for (text, want_text, want_id) in cases {
            match decode(text) {
                Ok((_, ClientFrame::Message { text, client_msg_id, conversation_id: None, .. })) => {
                    assert_eq!(&*text, want_text);
                    assert_eq!(client_msg_id.as_deref(), Some(want_id));
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        let escaped_id = r#"{"type":"end","conversation_id":"cv_00000000000000\u0066f"}"#;
        assert!(matches!(decode(escaped_id), Ok((_, ClientFrame::End { conversation_id: Some(_) }))));
    }

    /// Strings without escapes are borrowed from the frame's text, not copied (the point of
    /// `protocol::borrowed`); a string with escapes has to be owned.
    #[test]
    fn plain_strings_are_borrowed_while_decoding() {
        use std::borrow::Cow;
        let text =
            r#"{"type":"message","text":"plain","client_msg_id":"c\u0031","conversation_id":"cv_00000000000000ff"}"#;
        let raw: RawFrame<'_> = serde_json::from_str(text).unwrap();
        assert!(matches!(raw.kind, Some(Cow::Borrowed("message"))));
        assert!(matches!(raw.text, Some(Cow::Borrowed("plain"))));
        assert!(matches!(raw.conversation_id, Some(Cow::Borrowed(_))));
        assert!(matches!(raw.client_msg_id.as_deref(), Some("c1")));
        assert!(matches!(raw.client_msg_id, Some(Cow::Owned(_))));
        let raw: RawFrame<'_> = serde_json::from_str(r#"{"type":"message","text":null}"#).unwrap();
        assert!(raw.text.is_none() && raw.client_msg_id.is_none());
    }

    #[test]
    fn a_field_of_the_wrong_type_keeps_the_ref() {
        for text in [r#"{"type":"typing","on":"yes","ref":"r1"}"#, r#"{"type":"hello","v":"1","ref":"r1"}"#] {
            let err = decode(text).unwrap_err();
            assert_eq!(err.reference.map(|r| r.0.to_string()).as_deref(), Some(r#""r1""#), "{text}");
        }
        assert!(decode("not json").unwrap_err().reference.is_none());
    }

    #[test]
    fn peek_ref_reads_only_the_ref() {
        assert_eq!(peek_ref(r#"{"type":"message","text":"x","ref":"r9"}"#).map(|r| r.0), Some(r#""r9""#.into()));
        assert_eq!(
            peek_ref(r#"{"type":"message","ref":{"a":1},"extra":[1,2]}"#).map(|r| r.0),
            Some(r#"{"a":1}"#.into())
        );
        assert!(peek_ref(r#"{"type":"message"}"#).is_none());
        assert!(peek_ref("garbage{").is_none());
    }

    #[test]
    #[cfg(feature = "server")]
    fn ref_is_echoed_verbatim() {
        let (reference, _) = decode(r#"{"type":"ping","ref":"abc-1"}"#).unwrap();
        let out = OutFrame::new(ServerFrame::ack(reference));
        assert_eq!(encode(&out).as_str(), r#"{"type":"ack","ref":"abc-1"}"#);
        let err = decode(r#"{"type":"nope","ref":{"n":[1,2]}}"#).unwrap_err();
        let out = OutFrame::new(ServerFrame::error(err.code, err.message, err.reference));
        assert!(encode(&out).as_str().ends_with(r#""ref":{"n":[1,2]}}"#));
    }
}

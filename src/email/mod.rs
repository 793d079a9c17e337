//! Email to visitors (spec 7.6). The hub decides what is sent and writes it to the store's outbox in the
//! same commit as the decision (`OutboxEmail`); the sender task (`sender`) reads the outbox and hands
//! each email to the SMTP server, so that email never blocks chat and a restart loses none. `render`
//! turns an outbox row into the text the visitor reads. See docs/email.md.

#[cfg(feature = "server")]
pub mod sender;

use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{ConversationId, EmailId, Ticket, VisitorId};

/// Longest email address accepted (RFC 5321's path limit).
pub const MAX_ADDRESS_CHARS: usize = 254;
/// Agent messages carried by one email at most; later ones are counted ("and 3 more").
pub const MAX_MESSAGES_PER_EMAIL: usize = 50;

/// A checked email address (lettre's parser: `local@domain`, no spaces or angle brackets).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(Arc<str>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an email address")]
pub struct BadAddress;

impl EmailAddress {
    pub fn parse(text: &str) -> Result<EmailAddress, BadAddress> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_ADDRESS_CHARS {
            return Err(BadAddress);
        }
        text.parse::<lettre::Address>().map_err(|_| BadAddress)?;
        Ok(EmailAddress(text.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_arc(&self) -> &Arc<str> {
        &self.0
    }
}

/// What an email is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailKind {
    /// The conversation started while no human could take it: its ticket number.
    Ack,
    /// Agent messages the visitor has not seen within `email.unseen_after`.
    Unseen,
}

/// Where an email stands in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailState {
    /// Unseen agent messages gathering until the hub's timer (`due_at`) releases them; deleted if the
    /// visitor sees them first.
    Waiting,
    /// To be sent at `next_attempt_at` (again, after a failure).
    Ready,
    /// The SMTP server accepted it.
    Sent,
    /// Given up after `sender::RETRY_CAP` attempts.
    Failed,
}

macro_rules! names {
    ($t:ident { $($v:ident => $s:literal),+ }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $($t::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$t> {
                match s { $($s => Some($t::$v),)+ _ => None }
            }
        }
    };
}
names!(EmailKind { Ack => "ack", Unseen => "unseen" });
names!(EmailState { Waiting => "waiting", Ready => "ready", Sent => "sent", Failed => "failed" });

/// One agent message as the email quotes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotedMessage {
    pub seq: u64,
    pub name: Option<Arc<str>>,
    pub text: Arc<str>,
    #[serde(with = "millis")]
    pub at: Timestamp,
}

/// Instants as milliseconds since the epoch in the outbox's JSON (what the store's columns keep).
mod millis {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.as_millisecond())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        Timestamp::from_millisecond(i64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// What the email says, kept as JSON in the outbox row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailContent {
    pub ticket: u64,
    /// Back to the chat (docs/email.md: `email.chat_url`, else the page the widget reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<QuotedMessage>,
    /// Messages past `MAX_MESSAGES_PER_EMAIL`, only counted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A row of the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEmail {
    pub id: EmailId,
    pub conversation: ConversationId,
    pub visitor: VisitorId,
    pub kind: EmailKind,
    pub to: EmailAddress,
    pub state: EmailState,
    pub content: EmailContent,
    /// Waiting: when the hub's timer releases it. Otherwise when it was released.
    pub due_at: Timestamp,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub created_at: Timestamp,
}

impl OutboxEmail {
    /// Adds an agent message to the batch (counted only, past `MAX_MESSAGES_PER_EMAIL`).
    pub fn quote(&mut self, message: QuotedMessage) {
        if self.content.messages.len() < MAX_MESSAGES_PER_EMAIL {
            self.content.messages.push(message);
        } else {
            self.content.more = self.content.more.saturating_add(1);
        }
    }
}

/// The subject and plain-text body of an email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The email as the visitor reads it.
pub fn render(kind: EmailKind, content: &EmailContent) -> Rendered {
    let ticket = Ticket(content.ticket);
    let mut body = String::new();
    let subject = match kind {
        EmailKind::Ack => {
            body.push_str(&format!(
                "Thank you for contacting us. Your ticket number is {ticket}.\n\n\
                 No one from our team could answer right away; we will reply as soon as we can, \
                 in the chat and by email.\n"
            ));
            format!("[{ticket}] We have your message")
        }
        EmailKind::Unseen => {
            body.push_str(&format!("You have a reply about ticket {ticket}:\n"));
            for m in &content.messages {
                let who = m.name.as_deref().unwrap_or("Support");
                body.push_str(&format!("\n{who} ({}):\n", m.at.strftime("%Y-%m-%d %H:%M UTC")));
                for line in m.text.lines() {
                    body.push_str("  ");
                    body.push_str(line);
                    body.push('\n');
                }
            }
            if content.more > 0 {
                body.push_str(&format!("\n… and {} more message(s) in the chat.\n", content.more));
            }
            format!("[{ticket}] New reply from support")
        }
    };
    if let Some(link) = &content.link {
        body.push_str(&format!("\nContinue the conversation: {link}\n"));
    }
    body.push_str(&format!("\nPlease keep the ticket number {ticket} when you write about this.\n"));
    Rendered { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(EmailAddress::parse("ada@example.com").is_ok());
        assert_eq!(EmailAddress::parse(" ada@example.com ").unwrap().as_str(), "ada@example.com");
        for bad in ["", "ada", "ada@", "a b@example.com", "<ada@example.com>", "ada@example.com\r\nBcc: x@y.z"] {
            assert_eq!(EmailAddress::parse(bad), Err(BadAddress), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(BadAddress));
    }

    #[test]
    fn an_unseen_email_quotes_every_message_and_the_link() {
        let at: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let content = EmailContent {
            ticket: 1042,
            link: Some("https://shop.example/help".into()),
            messages: vec![
                QuotedMessage { seq: 3, name: Some("Dana".into()), text: "Your refund is on its way.".into(), at },
                QuotedMessage { seq: 4, name: Some("Dana".into()), text: "Line one\nline two".into(), at },
            ],
            more: 2,
        };
        let r = render(EmailKind::Unseen, &content);
        assert_eq!(r.subject, "[SB-1042] New reply from support");
        assert!(r.body.contains("Dana (2026-11-23 10:00 UTC):\n  Your refund is on its way.\n"), "{}", r.body);
        assert!(r.body.contains("  Line one\n  line two\n"), "{}", r.body);
        assert!(r.body.contains("and 2 more message(s)"), "{}", r.body);
        assert!(r.body.contains("Continue the conversation: https://shop.example/help"), "{}", r.body);
    }

    #[test]
    fn an_acknowledgement_names_the_ticket() {
        let r = render(EmailKind::Ack, &EmailContent { ticket: 7, ..Default::default() });
        assert_eq!(r.subject, "[SB-7] We have your message");
        assert!(r.body.contains("Your ticket number is SB-7."));
        assert!(!r.body.contains("Continue the conversation"));
    }
}

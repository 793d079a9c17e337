//! `[email]` (spec 7.6): the SMTP server, the sender's address, when unseen agent messages are emailed,
//! and the link back to the chat. Off unless `smtp_url` is set; checked naming the key.

use std::sync::Arc;

use jiff::SignedDuration;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS), `smtps://host:port` (TLS);
    /// user and password may be in the URL. None: no email.
    #[serde(default)]
    pub smtp_url: Option<String>,
    /// The sender: `support@example.com` or `Example Support <support@example.com>`.
    #[serde(default)]
    pub from: Option<String>,
    /// How long an agent message may stay unseen before it is emailed (`"90s"`, `"5m"`, `"1h"`).
    #[serde(default = "default_unseen_after")]
    pub unseen_after: String,
    /// The link back to the chat in every email; without it, the page the widget reported it was on.
    #[serde(default)]
    pub chat_url: Option<String>,
}

fn default_unseen_after() -> String {
    "5m".into()
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig { smtp_url: None, from: None, unseen_after: default_unseen_after(), chat_url: None }
    }
}

/// `[email]` as the sender needs it.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://host:port` (TLS).
    pub url: String,
    pub from: Mailbox,
}

/// What the hub needs to know of `[email]` (none: no email is sent).
#[derive(Clone, Debug)]
pub struct EmailPolicy {
    pub unseen_after: SignedDuration,
    /// The link back to the chat; without it, the page the widget reported.
    pub chat_url: Option<Arc<str>>,
}

/// `[email]` checked: what the sender and the hub need.
#[derive(Clone, Debug)]
pub struct EmailSettings {
    pub smtp: SmtpSettings,
    pub policy: EmailPolicy,
}

impl EmailConfig {
    /// The settings, or `None` when email is off (no `smtp_url`).
    pub fn check(&self) -> Result<Option<EmailSettings>, ConfigError> {
        let unseen_after =
            crate::routing::sla::parse_duration(&self.unseen_after).map_err(|e| invalid("email.unseen_after", e))?;
        let chat_url = match self.chat_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) if (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(char::is_whitespace) => {
                Some(Arc::from(u))
            }
            Some(_) => return Err(invalid("email.chat_url", "must be an http:// or https:// URL")),
        };
        let Some(url) = self.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        check_smtp_url(url)?;
        let from = self
            .from
            .as_deref()
            .ok_or_else(|| invalid("email.from", "is required when email.smtp_url is set"))?
            .parse::<Mailbox>()
            .map_err(|e| invalid("email.from", format!("not an email address: {e}")))?;
        Ok(Some(EmailSettings {
            smtp: SmtpSettings { url: url.to_string(), from },
            policy: EmailPolicy { unseen_after, chat_url },
        }))
    }
}

/// The URL as the sender will read it (lettre's SMTP transport). Without the `server` feature (the fuzz
/// build) there is no transport, and so no check.
#[cfg(feature = "server")]
fn check_smtp_url(url: &str) -> Result<(), ConfigError> {
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).map(drop).map_err(|e| {
        invalid(
            "email.smtp_url",
            format!("{e} (use smtp://host:port, smtp://host:port?tls=required or smtps://host:port)"),
        )
    })
}

#[cfg(not(feature = "server"))]
fn check_smtp_url(_url: &str) -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn err(toml: &str) -> String {
        Config::from_toml(toml).unwrap_err().to_string()
    }

    #[test]
    fn email_is_off_by_default_and_five_minutes_when_on() {
        let c = Config::from_toml("").unwrap();
        assert!(c.email.check().unwrap().is_none());
        let c = Config::from_toml("[email]\nsmtp_url = \"smtp://127.0.0.1:2525\"\nfrom = \"support@example.com\"\n")
            .unwrap();
        let s = c.email.check().unwrap().unwrap();
        assert_eq!(s.policy.unseen_after, jiff::SignedDuration::from_mins(5));
        assert_eq!(s.smtp.from.email.to_string(), "support@example.com");
        assert_eq!(s.policy.chat_url, None);
    }

    #[test]
    fn bad_email_settings_name_their_key() {
        let on = "[email]\nsmtp_url = \"smtp://127.0.0.1:2525\"\n";
        assert!(err(on).contains("`email.from`"), "{}", err(on));
        let bad_from = format!("{on}from = \"not an address\"\n");
        assert!(err(&bad_from).contains("`email.from`"));
        if cfg!(feature = "server") {
            let bad_url = "[email]\nsmtp_url = \"http://mail\"\nfrom = \"a@b.c\"\n";
            assert!(err(bad_url).contains("`email.smtp_url`"), "{}", err(bad_url));
        }
        let bad_after = format!("{on}from = \"a@b.c\"\nunseen_after = \"5\"\n");
        assert!(err(&bad_after).contains("`email.unseen_after`"));
        let bad_link = format!("{on}from = \"a@b.c\"\nchat_url = \"javascript:alert(1)\"\n");
        assert!(err(&bad_link).contains("`email.chat_url`"));
        assert!(err("[email]\nsmtp = \"x\"\n").contains("smtp"), "unknown keys are refused");
    }

    #[test]
    fn email_is_on_in_cluster_mode_too() {
        let on = "[email]\nsmtp_url = \"smtp://127.0.0.1:2525\"\nfrom = \"a@b.c\"\n";
        let clustered = format!("{on}[cluster]\nredis_url = \"redis://127.0.0.1:6379\"\n");
        let c = Config::from_toml(&clustered).unwrap();
        assert!(c.cluster.enabled() && c.email.check().unwrap().is_some());
    }
}

//! The email sender: its own task, reading the store's outbox and handing each due email to the SMTP
//! server (lettre, async, TLS for `smtps://` or `?tls=required`). It never blocks chat: the hub only
//! writes outbox rows, and this task reports each attempt back as a store op (through the hub's one
//! writer) and waits for that commit before it reads the outbox again.
//!
//! Delivery is at least once: an email is marked sent after the SMTP server accepted it, so a crash
//! between the server's acceptance and that commit sends it again after the restart (the same
//! `Message-ID`, `<em_…@switchboard>`, lets a mail client fold the two). Nothing else repeats one.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::{OutboxEmail, render};
pub use crate::config::SmtpSettings;
use crate::hub::{AdminCommand, HubHandle};
use crate::store::{EmailOutcome, ReadPool, StoreOp};

/// Emails read from the outbox per pass; a full pass reads again at once.
pub const OUTBOX_BATCH: usize = 32;
/// Attempts before an email is given up (its row stays, `failed`, with the last error).
pub const RETRY_CAP: u32 = 12;
/// The wait after the first failure; it doubles with each further failure up to `BACKOFF_MAX`.
pub const BACKOFF_FIRST: SignedDuration = SignedDuration::from_secs(1);
pub const BACKOFF_MAX: SignedDuration = SignedDuration::from_mins(15);
/// The longest one SMTP exchange may take (connect, greeting, each command).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the sender sleeps without looking at the outbox (a wall clock that jumps is noticed).
pub const IDLE_LOOK: Duration = Duration::from_secs(60);
/// After the store could not be read, the wait before trying again.
const STORE_RETRY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("building the email: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("recipient: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// The wait before the next attempt after `failures` failures (1 for the first).
pub fn backoff(failures: u32) -> SignedDuration {
    let doublings = failures.saturating_sub(1).min(30);
    let wait = BACKOFF_FIRST.checked_mul(1 << doublings).unwrap_or(BACKOFF_MAX);
    wait.min(BACKOFF_MAX)
}

/// What an attempt that failed with `error` leads to: another at `now + backoff`, or giving up.
pub fn after_failure(failures: u32, now: Timestamp, error: &str) -> EmailOutcome {
    let next = (failures < RETRY_CAP).then(|| now + backoff(failures));
    EmailOutcome::Failed { attempts: failures, next, error: error.chars().take(500).collect::<String>().into() }
}

pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    readers: ReadPool,
    hub: HubHandle,
    wake: Arc<Notify>,
}

impl Sender {
    pub fn new(
        settings: &SmtpSettings,
        readers: ReadPool,
        hub: HubHandle,
        wake: Arc<Notify>,
    ) -> Result<Sender, SendError> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)?.timeout(Some(SEND_TIMEOUT)).build();
        Ok(Sender { transport, from: settings.from.clone(), readers, hub, wake })
    }

    /// Runs until the hub stops.
    pub async fn run(self) {
        loop {
            let now = Timestamp::now();
            let due = match self.readers.run(move |s| s.emails_due(now, OUTBOX_BATCH)).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::error!(error = %e, "email outbox: reading failed");
                    tokio::time::sleep(STORE_RETRY).await;
                    continue;
                }
            };
            let full = due.len() == OUTBOX_BATCH;
            for email in due {
                if !self.attempt(email).await {
                    return;
                }
            }
            if full {
                continue;
            }
            let next = self.readers.run(|s| s.next_email_due()).await.ok().flatten();
            let wait = next.map_or(IDLE_LOOK, |at| {
                let until = at.duration_since(Timestamp::now()).max(SignedDuration::ZERO);
                Duration::try_from(until).unwrap_or_default().min(IDLE_LOOK)
            });
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends one email and records the outcome durably; false once the hub has stopped.
    async fn attempt(&self, email: OutboxEmail) -> bool {
        let outcome = match self.send(&email).await {
            Ok(()) => {
                metrics::counter!("switchboard_emails_sent_total", "kind" => email.kind.as_str()).increment(1);
                tracing::info!(email = %email.id, conversation = %email.conversation, kind = email.kind.as_str(), "email sent");
                EmailOutcome::Sent { at: Timestamp::now() }
            }
            Err(e) => {
                metrics::counter!("switchboard_email_failures_total").increment(1);
                let outcome = after_failure(email.attempts + 1, Timestamp::now(), &e.to_string());
                match &outcome {
                    EmailOutcome::Failed { next: None, .. } => {
                        tracing::error!(email = %email.id, error = %e, "email given up after {RETRY_CAP} attempts")
                    }
                    _ => {
                        tracing::warn!(email = %email.id, attempt = email.attempts + 1, error = %e, "email failed; will retry")
                    }
                }
                outcome
            }
        };
        let op = StoreOp::EmailAttempt { id: email.id, outcome };
        match self.hub.admin(|reply| AdminCommand::Persist(vec![op], reply)).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "email outbox: recording an attempt failed");
                true
            }
            Err(_) => false,
        }
    }

    async fn send(&self, email: &OutboxEmail) -> Result<(), SendError> {
        let text = render(email.kind, &email.content);
        let to = Mailbox::new(None, email.to.as_str().parse()?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.subject)
            .message_id(Some(format!("<{}@switchboard>", email.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(text.body)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        assert_eq!(backoff(1), SignedDuration::from_secs(1));
        assert_eq!(backoff(2), SignedDuration::from_secs(2));
        assert_eq!(backoff(5), SignedDuration::from_secs(16));
        assert_eq!(backoff(11), BACKOFF_MAX);
        assert_eq!(backoff(40), BACKOFF_MAX);
    }

    #[test]
    fn an_email_is_given_up_at_the_retry_cap() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let EmailOutcome::Failed { next, attempts, .. } = after_failure(1, now, "451 try later") else { panic!() };
        assert_eq!((attempts, next), (1, Some(now + BACKOFF_FIRST)));
        let EmailOutcome::Failed { next, .. } = after_failure(RETRY_CAP, now, "550 no") else { panic!() };
        assert_eq!(next, None, "given up");
    }
}

//! One connection's life: hello within the deadline, then frames in (checked, rate-limited, handed to
//! the hub) and frames out (from its bounded queue), pings, and an idle deadline.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::mpsc;

use super::codec;
use super::hello::{self, Admitted};
use crate::app::App;
use crate::domain::Role;
use crate::hub::{ConnId, HubEvent, OutItem, Participant};
use crate::protocol::{ClientFrame, ErrorCode, Hello, Ref, ServerFrame};

/// Frames written before a flush, so that a burst goes out in few syscalls.
const WRITE_BURST: usize = 64;

pub async fn run(mut socket: WebSocket, role: Role, app: App, origin: Option<String>) {
    let conn = app.next_conn_id();
    metrics::gauge!("switchboard_connections", "role" => role.as_str()).increment(1.0);
    let mut limiter = Limiter::new(&app);
    if let Some((who, rx)) = start(&mut socket, role, &app, conn, origin.as_deref(), &mut limiter).await {
        serve(&mut socket, &app, conn, (who, rx), limiter).await;
        app.fanout.detach(conn);
        let _ = app.hub.send(HubEvent::Disconnected { conn, who }).await;
    }
    metrics::gauge!("switchboard_connections", "role" => role.as_str()).decrement(1.0);
}

/// Waits for `hello`, admits the client and hands it to the hub. `None`: the connection is over.
async fn start(
    socket: &mut WebSocket,
    role: Role,
    app: &App,
    conn: ConnId,
    origin: Option<&str>,
    limiter: &mut Limiter,
) -> Option<(Participant, mpsc::Receiver<OutItem>)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(app.limits.hello_timeout_secs);
    let (hello, reference) = loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = tokio::time::sleep_until(deadline) => {
                send_error(socket, ErrorCode::BadRequest, "no hello within the time allowed", None).await;
                close(socket, 1008, "hello timeout").await;
                return None;
            }
        };
        match read(socket, msg, app, limiter).await? {
            Some((reference, ClientFrame::Hello(h))) => break (h, reference),
            Some((reference, _)) => {
                send_error(socket, ErrorCode::BadRequest, "the first frame must be hello", reference).await
            }
            None => {}
        }
    };
    admit(socket, role, app, conn, origin, hello, reference).await
}

async fn admit(
    socket: &mut WebSocket,
    role: Role,
    app: &App,
    conn: ConnId,
    origin: Option<&str>,
    hello: Hello,
    reference: Option<Ref>,
) -> Option<(Participant, mpsc::Receiver<OutItem>)> {
    let (tx, rx) = mpsc::channel(app.limits.outbound_queue);
    let (event, who) = match hello::admit(app, role, hello, origin).await {
        Ok(Admitted::Visitor(h)) => {
            let who = Participant::Visitor(h.visitor);
            (HubEvent::Visitor { conn, tx, hello: h }, who)
        }
        Ok(Admitted::Known(who @ Participant::Agent(agent))) => (HubEvent::Agent { conn, tx, agent }, who),
        Ok(Admitted::Known(who @ Participant::Bot(bot))) => (HubEvent::Bot { conn, tx, bot }, who),
        Ok(Admitted::Known(Participant::Visitor(_))) => return None,
        Err(refusal) => {
            send_error(socket, refusal.code, &refusal.message, reference).await;
            close(socket, refusal.close, "hello refused").await;
            return None;
        }
    };
    app.hub.send(event).await.ok()?;
    Some((who, rx))
}

async fn serve(
    socket: &mut WebSocket,
    app: &App,
    conn: ConnId,
    (who, mut rx): (Participant, mpsc::Receiver<OutItem>),
    mut limiter: Limiter,
) {
    let mut ping = tokio::time::interval(Duration::from_secs(app.limits.ping_interval_secs));
    ping.reset();
    let idle = Duration::from_secs(app.limits.idle_timeout_secs);
    let mut last_heard = Instant::now();
    let mut live = LiveSeqs::default();
    loop {
        tokio::select! {
            biased;
            item = rx.recv() => {
                let Some(item) = item else {
                    // The fan-out let go of this connection: its queue was full.
                    close(socket, 1008, "too slow to read").await;
                    return;
                };
                if !write_burst(socket, item, &mut rx, &mut live).await {
                    return;
                }
            }
            msg = socket.recv() => {
                last_heard = Instant::now();
                match read(socket, msg, app, &mut limiter).await {
                    None => return,
                    Some(None) => {}
                    Some(Some((reference, ClientFrame::Hello(_)))) => {
                        send_error(socket, ErrorCode::BadRequest, "hello was already sent", reference).await;
                    }
                    Some(Some((reference, frame))) => {
                        let event = HubEvent::Frame { conn, who, frame, reference, received: Instant::now() };
                        if app.hub.send(event).await.is_err() {
                            return;
                        }
                    }
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > idle {
                    close(socket, 1001, "idle timeout").await;
                    return;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Seqs of each conversation that reached this connection live. Live delivery starts when the
/// connection attaches and never skips, so they form one range; a `sync` backlog (which may overlap a
/// reconnecting client's first live messages) skips them, so that nothing is sent twice.
#[derive(Default)]
struct LiveSeqs(std::collections::HashMap<crate::domain::ConversationId, (u64, u64)>);

impl LiveSeqs {
    fn live(&mut self, frame: &ServerFrame) {
        if let ServerFrame::Message(m) = frame {
            let range = self.0.entry(m.conversation_id).or_insert((m.seq, m.seq));
            range.1 = range.1.max(m.seq);
        }
    }

    fn already_sent(&self, frame: &ServerFrame) -> bool {
        match frame {
            ServerFrame::Message(m) => {
                self.0.get(&m.conversation_id).is_some_and(|(lo, hi)| (*lo..=*hi).contains(&m.seq))
            }
            _ => false,
        }
    }
}

/// Writes one queued item and whatever else is already waiting, then flushes. `false`: stop.
async fn write_burst(
    socket: &mut WebSocket,
    first: OutItem,
    rx: &mut mpsc::Receiver<OutItem>,
    live: &mut LiveSeqs,
) -> bool {
    let mut next = Some(first);
    let mut written = 0;
    while let Some(item) = next.take() {
        match item {
            OutItem::Frame(f) => {
                live.live(&f.frame);
                if socket.feed(Message::Text(codec::encode(&f))).await.is_err() {
                    return false;
                }
            }
            OutItem::Frames(frames) => {
                for f in frames.iter().filter(|f| !live.already_sent(&f.frame)) {
                    if socket.feed(Message::Text(codec::encode(f))).await.is_err() {
                        return false;
                    }
                }
            }
            OutItem::Close(code, reason) => {
                let _ = socket.flush().await;
                close(socket, code, reason).await;
                return false;
            }
        }
        written += 1;
        if written < WRITE_BURST {
            next = rx.try_recv().ok();
        }
    }
    socket.flush().await.is_ok()
}

/// Reads one client message. `None`: the connection is over; `Some(None)`: nothing for the hub.
async fn read(
    socket: &mut WebSocket,
    msg: Option<Result<Message, axum::Error>>,
    app: &App,
    limiter: &mut Limiter,
) -> Option<Option<(Option<Ref>, ClientFrame)>> {
    let text = match msg {
        None | Some(Ok(Message::Close(_))) => return None,
        Some(Err(e)) => {
            if e.to_string().contains("too long") || e.to_string().contains("Space limit") {
                close(socket, 1009, "frame too large").await;
            }
            return None;
        }
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Some(None),
        Some(Ok(Message::Binary(_))) => {
            send_error(socket, ErrorCode::BadRequest, "frames must be text", None).await;
            return Some(None);
        }
        Some(Ok(Message::Text(t))) => t,
    };
    if !limiter.allow() {
        metrics::counter!("switchboard_rate_limited_total").increment(1);
        if limiter.violations > app.limits.max_violations {
            close(socket, 1008, "too many frames").await;
            return None;
        }
        send_error(socket, ErrorCode::RateLimited, "slow down", None).await;
        return Some(None);
    }
    if text.len() > app.limits.max_frame_bytes {
        send_error(
            socket,
            ErrorCode::TooLarge,
            format!("frames are limited to {} bytes", app.limits.max_frame_bytes),
            None,
        )
        .await;
        return Some(None);
    }
    match codec::decode(&text) {
        Ok((reference, frame)) => match check(&frame, app) {
            Ok(()) => Some(Some((reference, frame))),
            Err((code, message)) => {
                send_error(socket, code, message, reference).await;
                Some(None)
            }
        },
        Err(e) => {
            send_error(socket, e.code, e.message, e.reference).await;
            Some(None)
        }
    }
}

/// Limits on the content of frames that the hub should never see violated.
fn check(frame: &ClientFrame, app: &App) -> Result<(), (ErrorCode, String)> {
    if let ClientFrame::Message { text, client_msg_id, .. } = frame {
        if text.trim().is_empty() {
            return Err((ErrorCode::BadRequest, "the message is empty".into()));
        }
        if text.chars().count() > app.limits.max_text_chars {
            return Err((
                ErrorCode::TooLarge,
                format!("messages are limited to {} characters", app.limits.max_text_chars),
            ));
        }
        if client_msg_id.as_ref().is_some_and(|id| id.len() > MAX_CLIENT_MSG_ID) {
            return Err((ErrorCode::BadRequest, format!("client_msg_id is limited to {MAX_CLIENT_MSG_ID} bytes")));
        }
    }
    Ok(())
}

/// Longest `client_msg_id`, in bytes.
pub const MAX_CLIENT_MSG_ID: usize = 128;

async fn send_error(socket: &mut WebSocket, code: ErrorCode, message: impl Into<String>, reference: Option<Ref>) {
    let frame = OutItem::frame(ServerFrame::error(code, message, reference));
    if let OutItem::Frame(f) = frame {
        let _ = socket.send(Message::Text(codec::encode(&f))).await;
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

/// Per-connection frame rate (governor), with a count of consecutive refusals.
struct Limiter {
    inner: DefaultDirectRateLimiter,
    violations: u32,
}

impl Limiter {
    fn new(app: &App) -> Limiter {
        let rate = NonZeroU32::new(app.limits.frames_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(app.limits.frame_burst).unwrap_or(rate);
        Limiter { inner: RateLimiter::direct(Quota::per_second(rate).allow_burst(burst)), violations: 0 }
    }

    fn allow(&mut self) -> bool {
        let ok = self.inner.check().is_ok();
        self.violations = if ok { 0 } else { self.violations + 1 };
        ok
    }
}

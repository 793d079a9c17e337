//! One connection's life: hello within the deadline, then frames in (checked, rate-limited, handed to
//! the hub) and frames out (from its bounded queue), pings, and an idle deadline.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::bounds::{self, MAX_REF_BYTES};
use super::codec;
use super::hello::{self, Admitted};
use super::hold::Holds;
use super::write::{self, Written};
use crate::app::App;
use crate::delivery::{ConnId, OutItem, OutboxRx};
use crate::domain::Participant;
use crate::domain::Role;
use crate::hub::HubEvent;
use crate::protocol::{ClientFrame, ErrorCode, Hello, Ref, ServerFrame};

pub async fn run(mut socket: WebSocket, role: Role, app: App, origin: Option<String>, ip: std::net::IpAddr) {
    let conn = app.next_conn_id();
    metrics::gauge!("switchboard_connections", "role" => role.as_str()).increment(1.0);
    let mut limiter = Limiter::new(&app);
    // The hello phase runs boxed: its futures (the store lookups of `hello::admit`) are large and
    // needed once, and an inline state machine is as large as its largest await for the whole life of
    // the connection. Inside `serve`, the rare paths (refusals, closing, a full hub queue) are boxed
    // for the same reason; reads and writes are not, as they run for every frame.
    let started = Box::pin(start(&mut socket, role, &app, (conn, ip), origin.as_deref(), &mut limiter)).await;
    if let Some((who, rx)) = started {
        serve(&mut socket, &app, conn, (who, rx), limiter).await;
        app.registry.remove(conn);
        let _ = app.hub.send(HubEvent::Disconnected { conn, who }).await;
    }
    metrics::gauge!("switchboard_connections", "role" => role.as_str()).decrement(1.0);
}

/// Waits for `hello`, admits the client and hands it to the hub. `None`: the connection is over.
async fn start(
    socket: &mut WebSocket,
    role: Role,
    app: &App,
    conn: (ConnId, std::net::IpAddr),
    origin: Option<&str>,
    limiter: &mut Limiter,
) -> Option<(Participant, OutboxRx)> {
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
            Some((reference, ClientFrame::Hello(h), _)) => break (h, reference),
            Some((reference, _, _)) => {
                let _ = send_error(socket, ErrorCode::BadRequest, "the first frame must be hello", reference).await;
            }
            None => {}
        }
    };
    if app.hub.store_health().commits_failing() {
        // Every welcome waits behind the batch the dispatcher holds: say so now rather than leave the
        // client waiting for it (1013: try again later).
        send_error(socket, ErrorCode::Unavailable, STORE_FULL, reference).await;
        close(socket, 1013, "store full").await;
        return None;
    }
    admit(socket, role, app, conn, origin, hello, reference).await
}

async fn admit(
    socket: &mut WebSocket,
    role: Role,
    app: &App,
    (conn, ip): (ConnId, std::net::IpAddr),
    origin: Option<&str>,
    hello: Hello,
    reference: Option<Ref>,
) -> Option<(Participant, OutboxRx)> {
    let (event, who) = match hello::admit(app, role, hello, origin).await {
        Ok(Admitted::Visitor(mut h)) => {
            let who = Participant::Visitor(h.visitor);
            h.reference = reference;
            h.ip = Some(ip);
            (HubEvent::Visitor { conn, hello: h }, who)
        }
        Ok(Admitted::Known(who @ Participant::Agent(agent))) => (HubEvent::Agent { conn, agent, reference }, who),
        Ok(Admitted::Known(who @ Participant::Bot(bot))) => (HubEvent::Bot { conn, bot, reference }, who),
        Ok(Admitted::Known(Participant::Visitor(_))) => return None,
        Err(refusal) => {
            send_error(socket, refusal.code, &refusal.message, reference).await;
            close(socket, refusal.close, "hello refused").await;
            return None;
        }
    };
    // The queue is registered before the hub hears of the connection, so that its welcome has somewhere
    // to go; the session removes it when it ends, whatever the hub did meanwhile.
    let (tx, rx) = crate::delivery::outbox(app.limits.outbound_queue, app.limits.outbound_queue_bytes);
    app.registry.register(conn, tx);
    if app.hub.send(event).await.is_err() {
        app.registry.remove(conn);
        return None;
    }
    Some((who, rx))
}

async fn serve(
    socket: &mut WebSocket,
    app: &App,
    conn: ConnId,
    (who, mut rx): (Participant, OutboxRx),
    mut limiter: Limiter,
) {
    let mut ping = tokio::time::interval(Duration::from_secs(app.limits.ping_interval_secs));
    ping.reset();
    let idle = Duration::from_secs(app.limits.idle_timeout_secs);
    let write_limit = Duration::from_secs(app.limits.write_timeout_secs);
    let mut last_heard = Instant::now();
    let mut holds = Holds::default();
    loop {
        let hold_until = holds.deadline();
        tokio::select! {
            biased;
            item = rx.recv() => {
                let Some(item) = item else {
                    // The fan-out let go of this connection: its queue was full.
                    close(socket, 1008, "too slow to read").await;
                    return;
                };
                if let Written::Stop = write::burst(socket, app, item, &mut rx, &mut holds).await {
                    return;
                }
            }
            _ = tokio::time::sleep_until(hold_until.map_or_else(tokio::time::Instant::now, Into::into)),
                if hold_until.is_some() => {
                if !write::all(socket, holds.expire(Instant::now()), write_limit).await {
                    return;
                }
            }
            msg = socket.recv() => {
                // One clock read per frame: it is the idle clock, the hold clock and the delivery metric's start.
                let now = Instant::now();
                last_heard = now;
                match read(socket, msg, app, &mut limiter).await {
                    None => return,
                    Some(None) => {}
                    Some(Some((reference, ClientFrame::Hello(_), _))) => {
                        let frame = send_error(socket, ErrorCode::BadRequest, "hello was already sent", reference);
                        if !Box::pin(frame).await {
                            return;
                        }
                    }
                    Some(Some((reference, frame, _))) if frame.needs_write() && app.hub.store_health().commits_failing() => {
                        // Answered here, not through the hub: the dispatcher holds every effect until the
                        // store takes commits again. Nothing was accepted, so nothing is lost.
                        metrics::counter!("switchboard_frames_refused_store_full_total").increment(1);
                        let frame = send_error(socket, ErrorCode::Unavailable, STORE_FULL, reference);
                        if !Box::pin(frame).await {
                            return;
                        }
                    }
                    Some(Some((reference, frame, text))) => {
                        holds.incoming(&frame, now);
                        let raw = app.forwards_raw.then(|| bytes::Bytes::from(text));
                        let event = HubEvent::Frame { conn, who, frame, reference, received: now, raw };
                        if app.hub.send_small(event).await.is_err() {
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
                if !write::send(socket, Message::Ping(Default::default()), write_limit).await {
                    return;
                }
            }
        }
    }
}

/// Reads one client message. `None`: the connection is over; `Some(None)`: nothing for the hub.
async fn read(
    socket: &mut WebSocket,
    msg: Option<Result<Message, axum::Error>>,
    app: &App,
    limiter: &mut Limiter,
) -> Option<Option<(Option<Ref>, ClientFrame, Utf8Bytes)>> {
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
            let sent = Box::pin(send_error(socket, ErrorCode::BadRequest, "frames must be text", None)).await;
            return sent.then_some(None);
        }
        Some(Ok(Message::Text(t))) => t,
    };
    if text.len() > app.limits.max_frame_bytes {
        let message = format!("frames are limited to {} bytes", app.limits.max_frame_bytes);
        return refuse(socket, limiter, ErrorCode::TooLarge, message, codec::peek_ref(&text)).await;
    }
    if !limiter.allow() {
        metrics::counter!("switchboard_rate_limited_total").increment(1);
        return refuse(socket, limiter, ErrorCode::RateLimited, "slow down".into(), codec::peek_ref(&text)).await;
    }
    match codec::decode(&text) {
        Ok((reference, frame)) => match bounds::check_ref(&reference).and_then(|()| bounds::check(&frame, &app.limits))
        {
            Ok(()) => Some(Some((reference, frame, text))),
            Err((code, message)) => refuse(socket, limiter, code, message, reference).await,
        },
        Err(e) => refuse(socket, limiter, e.code, e.message, e.reference).await,
    }
}

/// Answers a refused frame with its error, or closes with 1008 when the client keeps doing it.
async fn refuse(
    socket: &mut WebSocket,
    limiter: &mut Limiter,
    code: ErrorCode,
    message: String,
    reference: Option<Ref>,
) -> Option<Option<(Option<Ref>, ClientFrame, Utf8Bytes)>> {
    if !Box::pin(send_error(socket, code, message, reference)).await {
        // The client does not read its errors either.
        return None;
    }
    if limiter.violation() {
        close(socket, 1008, "repeated abuse").await;
        return None;
    }
    Some(None)
}

/// Sends an error straight to the socket (the reading side's answers do not queue); `false` when it could
/// not be written within `SMALL_WRITE_TIMEOUT`.
async fn send_error(
    socket: &mut WebSocket,
    code: ErrorCode,
    message: impl Into<String>,
    reference: Option<Ref>,
) -> bool {
    // A ref too long to echo is not echoed (the frame is refused for it, see `check_ref`).
    let reference = reference.filter(|r| r.0.len() <= MAX_REF_BYTES);
    let frame = OutItem::frame(ServerFrame::error(code, message, reference));
    match frame {
        OutItem::Frame(f) => write::send(socket, Message::Text(codec::encode(&f)), SMALL_WRITE_TIMEOUT).await,
        _ => true,
    }
}

/// The error for a frame refused while the store takes no commits (a full disk).
pub const STORE_FULL: &str = "the service cannot store anything now; try again later";

/// How long an error or a close frame, written by the reading side, may take to go out.
pub const SMALL_WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends the close frame, then reads and discards what the client had already sent until it answers
/// (or `CLOSE_DRAIN` passes): dropping a socket with unread input makes the kernel reset it, and the
/// client would lose the close frame and the errors before it.
///
/// Boxed: the close handshake is rare, and inline its timer and drain loop would enlarge every idle
/// connection's task (see `run`).
pub(super) async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    Box::pin(close_now(socket, code, reason)).await
}

async fn close_now(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    if !write::send(socket, frame, SMALL_WRITE_TIMEOUT).await {
        return;
    }
    let drain = async {
        while let Some(Ok(msg)) = socket.recv().await {
            if matches!(msg, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_DRAIN, drain).await;
}

/// How long a closing connection waits for the client's close frame.
pub const CLOSE_DRAIN: Duration = Duration::from_secs(2);

/// Per-connection frame rate (governor), and the refused frames (rate-limited, too large, malformed)
/// of the current abuse window.
struct Limiter {
    inner: DefaultDirectRateLimiter,
    max_violations: u32,
    window: Duration,
    window_start: Instant,
    violations: u32,
}

impl Limiter {
    fn new(app: &App) -> Limiter {
        let rate = NonZeroU32::new(app.limits.frames_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(app.limits.frame_burst).unwrap_or(rate);
        Limiter {
            inner: RateLimiter::direct_with_clock(Quota::per_second(rate).allow_burst(burst), app.clock.clone()),
            max_violations: app.limits.max_violations,
            window: Duration::from_secs(app.limits.violation_window_secs),
            window_start: Instant::now(),
            violations: 0,
        }
    }

    fn allow(&mut self) -> bool {
        self.inner.check().is_ok()
    }

    /// Counts one refused frame; `true` when the window now holds more than the limit allows.
    fn violation(&mut self) -> bool {
        let now = Instant::now();
        if now.duration_since(self.window_start) > self.window {
            self.window_start = now;
            self.violations = 0;
        }
        self.violations += 1;
        self.violations > self.max_violations
    }
}

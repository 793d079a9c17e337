//! A session's writes: bursts from its queue, backlogs read page by page, each socket write bounded in
//! time. A client that stops reading fills its TCP window, the write waits, and after
//! `limits.write_timeout_secs` the connection is dropped: no task waits on a reader for ever.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures_util::SinkExt;

use super::codec;
use super::hold::{Holds, Verdict};
use crate::app::App;
use crate::delivery::{Backlog, OutFrame, OutItem, OutboxRx, Pages};
use crate::protocol::ServerFrame;

/// Frames written before a flush, so that a burst goes out in few syscalls.
const WRITE_BURST: usize = 64;

/// How a burst of writes ended.
pub enum Written {
    /// All written; go on.
    Ok,
    /// Stop: the socket failed or timed out, or a close was written.
    Stop,
}

/// One frame into the socket's buffer, within `limit`.
async fn feed(socket: &mut WebSocket, frame: &OutFrame, limit: Duration) -> bool {
    matches!(tokio::time::timeout(limit, socket.feed(Message::Text(codec::encode(frame)))).await, Ok(Ok(())))
}

async fn flush(socket: &mut WebSocket, limit: Duration) -> bool {
    matches!(tokio::time::timeout(limit, socket.flush()).await, Ok(Ok(())))
}

/// Sends one message (a ping, an error) within `limit`.
pub async fn send(socket: &mut WebSocket, msg: Message, limit: Duration) -> bool {
    matches!(tokio::time::timeout(limit, socket.send(msg)).await, Ok(Ok(())))
}

/// Writes one queued item and whatever else is already waiting, then flushes.
pub async fn burst(socket: &mut WebSocket, app: &App, first: OutItem, rx: &mut OutboxRx, holds: &mut Holds) -> Written {
    let limit = Duration::from_secs(app.limits.write_timeout_secs);
    let mut next = Some(first);
    let mut written = 0;
    // The frames of one burst are written together: one clock read serves them all.
    let now = Instant::now();
    while let Some(item) = next.take() {
        match item {
            OutItem::Frame(f) => {
                let verdict = holds.outgoing(&f, now);
                if verdict == Verdict::ReleaseThenWrite {
                    for held in holds.release_all() {
                        if !feed(socket, &held, limit).await {
                            return Written::Stop;
                        }
                    }
                }
                if verdict != Verdict::Held && !feed(socket, &f, limit).await {
                    return Written::Stop;
                }
            }
            OutItem::Frames(frames) => {
                for f in frames.iter() {
                    if !feed(socket, f, limit).await {
                        return Written::Stop;
                    }
                }
            }
            OutItem::Backlog(backlog) => {
                if !flush(socket, limit).await || !self::backlog(socket, app, &backlog, holds, limit).await {
                    return Written::Stop;
                }
            }
            OutItem::Close(code, reason) => {
                let _ = flush(socket, limit).await;
                super::session::close(socket, code, reason).await;
                return Written::Stop;
            }
        }
        written += 1;
        if written < WRITE_BURST {
            next = rx.try_recv();
        }
    }
    if flush(socket, limit).await { Written::Ok } else { Written::Stop }
}

/// Writes a backlog page by page: each page is read when the one before has been written, so a client
/// that reads slowly slows its own backlog and nothing else, and holds one page in memory at most.
async fn backlog(socket: &mut WebSocket, app: &App, backlog: &Backlog, holds: &mut Holds, limit: Duration) -> bool {
    let mut pages = Pages::new(backlog);
    loop {
        let frames = match pages.next(&app.readers).await {
            Ok(Some(frames)) => frames,
            Ok(None) => return true,
            Err(e) => {
                // A backlog with a hole would break "nothing lost": the client reconnects and syncs again.
                tracing::error!(error = %e, conversation = %backlog.conversation, "reading a backlog failed");
                super::session::close(socket, 1011, "could not read the backlog").await;
                return false;
            }
        };
        for frame in frames {
            let f = Arc::new(OutFrame::new(frame));
            // `synced` ends the conversation's hold (and drops what the backlog carried); the backlog's
            // messages themselves are never held.
            if matches!(f.frame(), Some(ServerFrame::Synced { .. })) {
                holds.outgoing(&f, Instant::now());
            }
            if !feed(socket, &f, limit).await {
                return false;
            }
        }
        if !flush(socket, limit).await {
            return false;
        }
    }
}

/// Writes frames released from a hold, then flushes. `false`: stop.
pub async fn all(socket: &mut WebSocket, frames: Vec<Arc<OutFrame>>, limit: Duration) -> bool {
    for f in &frames {
        if !feed(socket, f, limit).await {
            return false;
        }
    }
    flush(socket, limit).await
}

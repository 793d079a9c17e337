//! A WebSocket client over tokio-tungstenite that waits for the frame proving a state.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::FRAME_TIMEOUT;

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Shown in panics.
    pub label: String,
    /// The welcome frame, once connected through a helper.
    pub welcome: Value,
    /// Frames `recv_until` skipped, in order.
    pub skipped: Vec<Value>,
}

impl Client {
    pub async fn connect(addr: &str, path: &str) -> Client {
        let url = format!("ws://{addr}{path}");
        let (ws, _) = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(url.as_str()))
            .await
            .unwrap_or_else(|_| panic!("connect {url}: timed out"))
            .unwrap_or_else(|e| panic!("connect {url}: {e}"));
        Client { ws, label: path.to_string(), welcome: Value::Null, skipped: Vec::new() }
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_raw(&frame.to_string()).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws
            .send(Message::text(text.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{}: send failed: {e}", self.label));
    }

    /// The next text frame as JSON, or `None` if none arrives within `timeout`. Panics if the
    /// connection closes.
    pub async fn try_recv(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return None,
                Ok(next) => next,
            };
            match next {
                Some(Ok(Message::Text(t))) => {
                    return Some(
                        serde_json::from_str(t.as_str())
                            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {t}", self.label)),
                    );
                }
                Some(Ok(Message::Close(frame))) => {
                    panic!("{}: connection closed while waiting for a frame: {frame:?}", self.label)
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("{}: connection failed while waiting for a frame: {e}", self.label),
                None => panic!("{}: connection ended while waiting for a frame", self.label),
            }
        }
    }

    /// The next text frame; panics after `FRAME_TIMEOUT`.
    pub async fn recv(&mut self) -> Value {
        match self.try_recv(FRAME_TIMEOUT).await {
            Some(v) => v,
            None => panic!("{}: no frame within {FRAME_TIMEOUT:?}; skipped so far: {:?}", self.label, self.skipped),
        }
    }

    /// Reads until a frame matches, keeping the others in `skipped`; panics after `timeout`.
    pub async fn recv_until_within(&mut self, timeout: Duration, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.try_recv(left).await {
                Some(v) if pred(&v) => return v,
                Some(v) => self.skipped.push(v),
                None => panic!(
                    "{}: waited {timeout:?} for {what}; frames skipped meanwhile (last 20): {:#?}",
                    self.label,
                    &self.skipped[self.skipped.len().saturating_sub(20)..]
                ),
            }
        }
    }

    /// Like `recv_until`, but first takes the earliest matching frame out of `skipped` (a frame that
    /// arrived while the test was waiting for another one).
    pub async fn seen_or_recv(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        match self.skipped.iter().position(&pred) {
            Some(i) => self.skipped.remove(i),
            None => self.recv_until(what, pred).await,
        }
    }

    pub async fn recv_until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.recv_until_within(FRAME_TIMEOUT, what, pred).await
    }

    pub async fn recv_type(&mut self, kind: &str) -> Value {
        self.recv_until(&format!("a {kind:?} frame"), |v| v["type"] == kind).await
    }

    /// The next `conversation` frame with this status.
    /// The next chat message: a `message` frame from a visitor, agent or bot (system lines are skipped).
    pub async fn recv_said(&mut self) -> Value {
        self.recv_until("a chat message", |v| v["type"] == "message" && v["from"]["role"] != "system").await
    }

    /// The next system line (spec 7.1) reporting `event`.
    pub async fn recv_system(&mut self, event: &str) -> Value {
        let what = format!("the {event} system line");
        self.recv_until(&what, |v| v["type"] == "message" && v["from"]["role"] == "system" && v["event"] == event).await
    }

    pub async fn recv_status(&mut self, status: &str) -> Value {
        self.recv_until(&format!("conversation status {status:?}"), |v| {
            v["type"] == "conversation" && v["status"] == status
        })
        .await
    }

    /// The ack of a message with this client_msg_id.
    pub async fn recv_ack(&mut self, client_msg_id: &str) -> Value {
        self.recv_until(&format!("ack of {client_msg_id}"), |v| {
            v["type"] == "ack" && v["client_msg_id"] == client_msg_id
        })
        .await
    }

    /// Sends a ping and returns the frames received before the pong (proves the connection works and
    /// that everything sent before it has arrived).
    pub async fn ping_pong(&mut self) -> Vec<Value> {
        self.send(json!({"type": "ping"})).await;
        let mut before = Vec::new();
        loop {
            let v = self.recv().await;
            if v["type"] == "pong" {
                return before;
            }
            before.push(v);
        }
    }

    /// Reads until the server closes the connection; returns the close code. Text frames before the
    /// close are kept in `skipped`.
    pub async fn expect_close(&mut self) -> u16 {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("{}: not closed within {FRAME_TIMEOUT:?}; frames: {:?}", self.label, self.skipped),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return frame
                        .map(|f| u16::from(f.code))
                        .unwrap_or_else(|| panic!("{}: close without a code", self.label));
                }
                Ok(Some(Ok(Message::Text(t)))) => {
                    self.skipped.push(serde_json::from_str(t.as_str()).unwrap_or(Value::String(t.to_string())))
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => {
                    panic!("{}: connection failed without a close frame: {e}; frames: {:?}", self.label, self.skipped)
                }
                Ok(None) => {
                    panic!("{}: connection ended without a close frame; frames: {:?}", self.label, self.skipped)
                }
            }
        }
    }

    /// Every text frame until the connection ends, however it ends (a process that died resets it).
    pub async fn frames_until_gone(&mut self, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut frames = std::mem::take(&mut self.skipped);
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("{}: still open after {timeout:?}; frames: {frames:?}", self.label),
                Ok(Some(Ok(Message::Text(t)))) => {
                    frames.push(serde_json::from_str(t.as_str()).unwrap_or(Value::String(t.to_string())))
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => return frames,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Closes our side politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

//! A WebSocket client over a bare TCP socket, for tests of clients that misbehave: it never answers
//! pings, reads only when told, and can shrink its receive buffer or bind another source address.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::{FRAME_TIMEOUT, Server};

/// A WebSocket client over a bare TCP socket: it never answers the hub's pings (unlike tungstenite, which
/// pongs by itself whenever it is read), and it reads only when the test says so.
pub struct RawWs {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// What a raw read saw.
#[derive(Debug)]
pub enum Frame {
    Text(Value),
    Ping,
    Close(u16, String),
    Other,
}

impl RawWs {
    /// Upgrades `path`, from `source` if given, with a receive buffer of `rcvbuf` bytes if given.
    pub async fn connect(addr: &str, path: &str, source: Option<&str>, rcvbuf: Option<u32>) -> Result<RawWs, u16> {
        RawWs::connect_with(addr, path, source, rcvbuf, "").await
    }

    /// `connect` with more request headers (each line ending in CRLF).
    pub async fn connect_with(
        addr: &str,
        path: &str,
        source: Option<&str>,
        rcvbuf: Option<u32>,
        headers: &str,
    ) -> Result<RawWs, u16> {
        let socket = TcpSocket::new_v4().unwrap();
        if let Some(size) = rcvbuf {
            socket.set_recv_buffer_size(size).unwrap();
        }
        if let Some(ip) = source {
            socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
        }
        let mut stream = socket.connect(addr.parse().unwrap()).await.expect("TCP connect");
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n"
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 1024];
            let n =
                tokio::time::timeout(FRAME_TIMEOUT, stream.read(&mut chunk)).await.expect("upgrade answer").unwrap();
            assert!(n > 0, "connection closed during the upgrade");
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
        if status != 101 {
            return Err(status);
        }
        Ok(RawWs { stream, buf: buf[end..].to_vec() })
    }

    /// A masked text frame (with an all-zero mask, so the payload goes as it is).
    pub async fn send(&mut self, frame: Value) {
        let payload = frame.to_string().into_bytes();
        let mut out = vec![0x81u8];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&payload);
        self.stream.write_all(&out).await.unwrap();
    }

    pub async fn fill(&mut self, n: usize, deadline: tokio::time::Instant) {
        while self.buf.len() < n {
            let mut chunk = vec![0u8; 64 * 1024];
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await;
            let got = read.expect("raw client: no frame in time").expect("raw client: read failed");
            assert!(got > 0, "raw client: connection ended without a close frame");
            self.buf.extend_from_slice(&chunk[..got]);
        }
    }

    /// The next frame from the hub (unmasked), waiting until `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Frame {
        let deadline = tokio::time::Instant::now() + timeout;
        self.fill(2, deadline).await;
        let opcode = self.buf[0] & 0x0f;
        let (len, head) = match self.buf[1] & 0x7f {
            126 => {
                self.fill(4, deadline).await;
                (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
            }
            127 => {
                self.fill(10, deadline).await;
                (u64::from_be_bytes(self.buf[2..10].try_into().unwrap()) as usize, 10)
            }
            n => (n as usize, 2),
        };
        self.fill(head + len, deadline).await;
        let payload: Vec<u8> = self.buf.drain(..head + len).skip(head).collect();
        match opcode {
            1 => Frame::Text(serde_json::from_slice(&payload).expect("JSON text frame")),
            8 => Frame::Close(
                u16::from_be_bytes([payload[0], payload[1]]),
                String::from_utf8_lossy(&payload[2..]).to_string(),
            ),
            9 => Frame::Ping,
            _ => Frame::Other,
        }
    }

    /// Reads until the close frame; returns (code, reason, text frames before it).
    pub async fn until_close(&mut self, timeout: Duration) -> (u16, String, Vec<Value>) {
        let deadline = Instant::now() + timeout;
        let mut texts = Vec::new();
        loop {
            match self.next(deadline.saturating_duration_since(Instant::now())).await {
                Frame::Close(code, reason) => return (code, reason, texts),
                Frame::Text(v) => texts.push(v),
                Frame::Ping | Frame::Other => {}
            }
        }
    }
}

/// A visitor hello on a raw socket, answered by its welcome.
pub async fn raw_visitor(server: &Server, extras: Value, rcvbuf: Option<u32>) -> RawWs {
    let mut ws = RawWs::connect(&server.addr, "/ws/visitor", None, rcvbuf).await.expect("upgrade");
    let mut hello = json!({"type": "hello", "v": 1, "site": "default"});
    hello.as_object_mut().unwrap().extend(extras.as_object().unwrap().clone());
    ws.send(hello).await;
    match ws.next(FRAME_TIMEOUT).await {
        Frame::Text(v) if v["type"] == "welcome" => ws,
        other => panic!("expected the welcome, got {other:?}"),
    }
}

impl RawWs {
    /// Reads (and decodes) everything until the hub drops the connection: `Some(texts)` if it did within
    /// `timeout`, with a close frame or without one.
    pub async fn until_dropped(&mut self, timeout: Duration) -> Option<Vec<Value>> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut raw = Vec::new();
        raw.append(&mut self.buf);
        loop {
            let mut chunk = vec![0u8; 64 * 1024];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => raw.extend_from_slice(&chunk[..n]),
            }
        }
        // Decode the text frames that made it (a partial last frame is left out).
        let mut texts = Vec::new();
        let mut i = 0;
        while i + 2 <= raw.len() {
            let (len, head) = match raw[i + 1] & 0x7f {
                126 if i + 4 <= raw.len() => (u16::from_be_bytes([raw[i + 2], raw[i + 3]]) as usize, 4),
                127 if i + 10 <= raw.len() => (u64::from_be_bytes(raw[i + 2..i + 10].try_into().unwrap()) as usize, 10),
                126 | 127 => break,
                n => (n as usize, 2),
            };
            if i + head + len > raw.len() {
                break;
            }
            if raw[i] & 0x0f == 1
                && let Ok(v) = serde_json::from_slice(&raw[i + head..i + head + len])
            {
                texts.push(v);
            }
            i += head + len;
        }
        Some(texts)
    }
}

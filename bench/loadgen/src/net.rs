//! Connections: TCP with a chosen source address, the WebSocket handshake, the three framings
//! (Switchboard JSON, relay JSON, Socket.IO/Engine.IO v4), a per-connection writer task, and a tiny
//! HTTP/1.1 client for the admin and login calls.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Ws = WebSocketStream<TcpStream>;
pub type Tx = UnboundedSender<Message>;
pub type Reader = SplitStream<Ws>;
pub type Res<T> = Result<T, String>;

#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Target {
    /// the Switchboard hub (spec section 4)
    Switchboard,
    /// relay-rust or relay-ws: plain JSON frames, pairing rule in bench/README.md
    Relay,
    /// relay-socketio: the relay frames as Socket.IO events over Engine.IO v4 WebSocket
    Socketio,
}

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub target: Target,
    pub addr: SocketAddrV4,
    /// number of 127.0.0.x source addresses to spread connections over (0: let the kernel choose)
    pub sources: u32,
}

impl Endpoint {
    pub fn parse(url: &str, target: Target, sources: u32) -> Res<Self> {
        let rest =
            url.strip_prefix("ws://").or_else(|| url.strip_prefix("http://")).ok_or("url must be ws://HOST:PORT")?;
        let hostport = rest.split('/').next().unwrap_or("");
        let hostport = hostport.replace("localhost", "127.0.0.1");
        let addr: SocketAddrV4 = hostport.parse().map_err(|e| format!("bad address {hostport}: {e}"))?;
        Ok(Endpoint { target, addr, sources })
    }

    /// Source address for connection number `i`: one source IP has ~28k ephemeral ports, and ports in
    /// TIME_WAIT from earlier runs count against it, so large runs spread over 127.0.0.2.. .
    fn source(&self, i: usize) -> Option<Ipv4Addr> {
        (self.sources > 0).then(|| Ipv4Addr::new(127, 0, 0, 2 + (i as u32 % self.sources) as u8))
    }

    /// TCP connect + WebSocket handshake (+ Engine.IO open and Socket.IO namespace connect).
    pub async fn open(&self, role: &str, i: usize) -> Res<Ws> {
        let sock = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
        if let Some(ip) = self.source(i) {
            // Without IP_BIND_ADDRESS_NO_PORT, bind() must pick a port unique for the address alone and
            // scans past every port in TIME_WAIT from earlier runs: that search, not the server, then
            // limits the setup rate. With it the port is chosen at connect() for the full 4-tuple.
            let one: libc::c_int = 1;
            // SAFETY: a valid socket fd and a c_int option value of the right size.
            unsafe {
                use std::os::fd::AsRawFd;
                libc::setsockopt(
                    sock.as_raw_fd(),
                    libc::IPPROTO_IP,
                    libc::IP_BIND_ADDRESS_NO_PORT,
                    (&one as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
            sock.bind(SocketAddr::V4(SocketAddrV4::new(ip, 0))).map_err(|e| format!("bind {ip}: {e}"))?;
        }
        let tcp = sock.connect(SocketAddr::V4(self.addr)).await.map_err(|e| format!("connect: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let path = match self.target {
            Target::Switchboard | Target::Relay => format!("/ws/{role}"),
            Target::Socketio => "/socket.io/?EIO=4&transport=websocket".to_string(),
        };
        let url = format!("ws://{}{}", self.addr, path);
        // A small eager read buffer keeps the generator's own memory sane at 19k connections.
        let cfg = WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(16 * 1024);
        let (mut ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(cfg))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        if self.target == Target::Socketio {
            // Engine.IO open packet "0{...}", then connect to the default namespace: "40" -> "40{sid}".
            expect_prefix(&mut ws, "0").await?;
            ws.send(Message::text("40")).await.map_err(|e| e.to_string())?;
            expect_prefix(&mut ws, "40").await?;
        }
        Ok(ws)
    }

    /// Wraps one JSON object in the target's framing.
    pub fn frame(&self, json: String) -> Message {
        match self.target {
            Target::Socketio => Message::text(format!("42[\"msg\",{json}]")),
            _ => Message::text(json),
        }
    }

    /// Sends `hello` and waits for `welcome` (other frames before it are skipped).
    pub async fn hello(&self, ws: &mut Ws, hello: String) -> Res<String> {
        ws.send(self.frame(hello)).await.map_err(|e| format!("send hello: {e}"))?;
        loop {
            let m = tokio::time::timeout(Duration::from_secs(30), ws.next())
                .await
                .map_err(|_| "no welcome within 30 s".to_string())?
                .ok_or("closed before welcome")?
                .map_err(|e| format!("read: {e}"))?;
            let Message::Text(t) = m else { continue };
            match unwrap(self.target, t.as_str()) {
                Frame::Json(j) if j.contains("\"welcome\"") => return Ok(j.to_string()),
                Frame::Json(j) if j.contains("\"error\"") => {
                    return Err(format!("hello refused: {j}"));
                }
                Frame::Ping => ws.send(Message::text("3")).await.map_err(|e| e.to_string())?,
                _ => {}
            }
        }
    }
}

async fn expect_prefix(ws: &mut Ws, prefix: &str) -> Res<()> {
    let m = tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .map_err(|_| format!("no Engine.IO '{prefix}' packet"))?
        .ok_or("closed during Engine.IO handshake")?
        .map_err(|e| e.to_string())?;
    match m {
        Message::Text(t) if t.as_str().starts_with(prefix) => Ok(()),
        other => Err(format!("expected Engine.IO '{prefix}...', got {other:?}")),
    }
}

pub enum Frame<'a> {
    Json(&'a str),
    /// Engine.IO ping: must be answered with "3" or the server drops the connection
    Ping,
    Other,
}

pub fn unwrap(target: Target, s: &str) -> Frame<'_> {
    if target != Target::Socketio {
        return Frame::Json(s);
    }
    if s == "2" {
        return Frame::Ping;
    }
    match s.strip_prefix("42[\"msg\",").and_then(|r| r.strip_suffix(']')) {
        Some(j) => Frame::Json(j),
        None => Frame::Other,
    }
}

/// Spawns the writer task: it feeds everything queued and flushes once, so a burst costs one write.
pub fn spawn_writer(mut sink: SplitSink<Ws, Message>) -> Tx {
    let (tx, mut rx) = unbounded_channel::<Message>();
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if sink.feed(m).await.is_err() {
                return;
            }
            while let Ok(m) = rx.try_recv() {
                if sink.feed(m).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    tx
}

/// Minimal HTTP/1.1 request (Connection: close); returns status and body.
pub async fn http(addr: SocketAddrV4, method: &str, path: &str, token: Option<&str>, body: &str) -> Res<(u16, String)> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| format!("http connect {addr}: {e}"))?;
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .map_err(|_| format!("{method} {path}: timeout"))?
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf);
    let (head, rest) = text.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("bad status line")?;
    let chunked = head.lines().any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding: chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_string() };
    Ok((status, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// VmRSS of a process in bytes (for the idle-density benchmark).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

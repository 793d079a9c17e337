//! A real SMTP sink on 127.0.0.1 for the email tests: a tokio listener speaking enough SMTP (220, EHLO or
//! HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to take mail from the hub, and made to fail on purpose:
//! each connection takes the next planned fault, then behaves.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// One message the sink accepted.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-stuffing undone, lines joined with `\n`).
    pub data: String,
}

impl Mail {
    /// The value of a header (first line only).
    pub fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}:", name.to_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.to_lowercase().starts_with(&prefix).then(|| l[prefix.len()..].trim()))
    }

    /// The body, after the headers, with quoted-printable soft breaks and `=XX` escapes undone.
    pub fn body(&self) -> String {
        let raw = self.data.split_once("\n\n").map_or("", |(_, b)| b);
        let joined = raw.replace("=\n", "");
        let mut out = Vec::new();
        let bytes = joined.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            if let (b'=', Some(Ok(b))) = (bytes[i], hex.map(|h| u8::from_str_radix(h, 16))) {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// What a connection does wrong.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Answers DATA's end with `451 4.3.0` (try again later).
    TempFailData,
    /// Answers DATA's end with `554 5.3.0` (a permanent refusal).
    PermFailData,
    /// Closes the connection right after accepting it, with no greeting.
    Drop,
}

pub struct SmtpSink {
    pub addr: SocketAddr,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    rx: mpsc::UnboundedReceiver<Mail>,
    /// One item per connection accepted: the fault it was given.
    conns: mpsc::UnboundedReceiver<Option<Fault>>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1 at a free port; connections fail as `faults` says, in order, then behave.
    pub async fn start(faults: &[Fault]) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let addr = listener.local_addr().unwrap();
        let faults = Arc::new(Mutex::new(faults.iter().copied().collect::<VecDeque<_>>()));
        let (tx, rx) = mpsc::unbounded_channel();
        let (conn_tx, conns) = mpsc::unbounded_channel();
        let plan = faults.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let fault = plan.lock().unwrap().pop_front();
                let _ = conn_tx.send(fault);
                tokio::spawn(session(stream, fault, tx.clone()));
            }
        });
        SmtpSink { addr, faults, rx, conns }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Plans more faults for the next connections.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.faults.lock().unwrap().extend(faults.iter().copied());
    }

    /// The next accepted message, within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Mail {
        tokio::time::timeout(timeout, self.rx.recv()).await.expect("no email within the time").expect("sink stopped")
    }

    /// The next connection the sink accepted (the fault it was given), within `timeout`.
    pub async fn next_connection(&mut self, timeout: Duration) -> Option<Fault> {
        tokio::time::timeout(timeout, self.conns.recv()).await.expect("no SMTP connection within the time").unwrap()
    }

    /// Messages accepted and not yet taken.
    pub fn pending(&mut self) -> Vec<Mail> {
        std::iter::from_fn(|| self.rx.try_recv().ok()).collect()
    }
}

async fn session(stream: TcpStream, fault: Option<Fault>, tx: mpsc::UnboundedSender<Mail>) {
    if matches!(fault, Some(Fault::Drop)) {
        drop(stream);
        return;
    }
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    say(&mut write, "220 sink.test ESMTP").await;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            say(&mut write, "250-sink.test\r\n250 8BITMIME").await;
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            say(&mut write, "250 OK").await;
        } else if upper.starts_with("RSET") {
            (from, to) = (String::new(), Vec::new());
            say(&mut write, "250 OK").await;
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&line);
            say(&mut write, "250 OK").await;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&line));
            say(&mut write, "250 OK").await;
        } else if upper.starts_with("DATA") {
            say(&mut write, "354 end with <CRLF>.<CRLF>").await;
            let mut data = Vec::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push(l.strip_prefix('.').filter(|_| l.starts_with("..")).map_or(l.clone(), String::from));
            }
            match fault {
                Some(Fault::TempFailData) => say(&mut write, "451 4.3.0 try again later").await,
                Some(Fault::PermFailData) => say(&mut write, "554 5.3.0 refused").await,
                _ => {
                    let mail = Mail { from: from.clone(), to: to.clone(), data: data.join("\n") };
                    say(&mut write, "250 2.0.0 queued").await;
                    let _ = tx.send(mail);
                }
            }
        } else if upper.starts_with("QUIT") {
            say(&mut write, "221 bye").await;
            return;
        } else {
            say(&mut write, "502 not implemented").await;
        }
    }
}

async fn say(w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) {
    let _ = w.write_all(format!("{text}\r\n").as_bytes()).await;
}

/// `MAIL FROM:<a@b>` → `a@b`.
fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_string()
}

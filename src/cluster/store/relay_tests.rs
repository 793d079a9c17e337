//! A TCP relay for the Redis store's tests: it can forget the connections it has, as a NAT or a proxy
//! forgets an idle one without a reset (bytes stop flowing both ways, the sockets stay open), while the
//! connections made afterwards are relayed as usual.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

pub(crate) struct Relay {
    /// `redis://127.0.0.1:<relay port>/0`
    pub url: String,
    /// Connections accepted under an older generation are forgotten.
    generation: Arc<AtomicUsize>,
}

impl Relay {
    /// Relays to the Redis at `redis_url` (`redis://127.0.0.1:<port>/0`) until the test ends.
    pub fn start(redis_url: &str) -> Relay {
        let target = redis_url.trim_start_matches("redis://").trim_end_matches("/0").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}/0", listener.local_addr().unwrap());
        let generation = Arc::new(AtomicUsize::new(0));
        let now = generation.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(upstream) = TcpStream::connect(&target) else { return };
                let mine = now.load(SeqCst);
                let (c2, u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let n2 = now.clone();
                std::thread::spawn(move || pipe(client, upstream, mine, &n2));
                let n3 = now.clone();
                std::thread::spawn(move || pipe(u2, c2, mine, &n3));
            }
        });
        Relay { url, generation }
    }

    /// From now on the open connections carry nothing, in either direction.
    pub fn forget_open_connections(&self) {
        self.generation.fetch_add(1, SeqCst);
    }
}

/// Copies `from` to `to` while the connection's generation is current; after that it reads and drops.
fn pipe(mut from: TcpStream, mut to: TcpStream, mine: usize, now: &AtomicUsize) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        if now.load(SeqCst) == mine && to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    if now.load(SeqCst) == mine {
        let _ = to.shutdown(Shutdown::Write);
    }
}

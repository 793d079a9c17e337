//! The HTTP listener against slow and many clients (issue 16): a request's headers must arrive within
//! `limits.http_header_timeout_secs`, at most `limits.max_http_connections` plain HTTP connections are
//! open at once, and SIGTERM stops the process within a bounded time whatever the clients do.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the hub closes `stream` within `timeout` (reading and discarding what it sends).
async fn closed_within(stream: &mut TcpStream, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_and_others_are_served() {
    let server = Server::start(&format!("{CONFIG_247}[limits]\nhttp_header_timeout_secs = 1\n"));
    let mut slow = TcpStream::connect(&server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200, "others are served meanwhile");
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await, "the slow client was not cut");
    assert!(started.elapsed() < Duration::from_secs(4), "cut after {:?}", started.elapsed());
}

#[tokio::test]
async fn plain_http_connections_over_the_limit_are_closed_at_once() {
    let server = Server::start(&format!("{CONFIG_247}[limits]\nmax_http_connections = 3\n"));
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(&server.addr).await.unwrap());
    }
    // Give the accept loop the three before the fourth.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(&server.addr).await.unwrap();
    assert!(closed_within(&mut fourth, Duration::from_secs(2)).await, "the fourth was kept");
    drop(idle.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200, "a freed place is used again");
}

#[tokio::test]
async fn sigterm_stops_within_a_bounded_time_whatever_the_clients_do() {
    let mut server = Server::start(&format!("{CONFIG_247}[limits]\nhttp_header_timeout_secs = 600\n"));
    // A request whose headers never end, and a visitor connected over WebSocket.
    let mut slow = TcpStream::connect(&server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let (_visitor, _) = server.visitor_connect(serde_json::json!({})).await;
    let started = Instant::now();
    server.sigterm();
    let status = server.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "stopped after {:?}", started.elapsed());
}

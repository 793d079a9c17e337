//! The shipped deployment files: the compose file is valid for docker-compose, and the nginx config in
//! front of two real cluster nodes serves one address (HTTP and WebSocket), a leader's death costing the
//! clients only a reconnect through the same address.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::redis::Redis;
use common::*;
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_compose_file_is_valid() {
    let out = Command::new("docker-compose")
        .args(["-f", &format!("{ROOT}/docker-compose.yml"), "config", "-q"])
        .output()
        .expect("docker-compose must be installed (apt-get install docker-compose)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(format!("{ROOT}/docker-compose.yml")).unwrap();
    for must in ["--appendfsync", "always", "hub-a", "hub-b", "deploy/nginx.conf", "healthcheck"] {
        assert!(text.contains(must), "docker-compose.yml lacks {must}");
    }
}

/// nginx on a free port with the shipped config, its upstreams pointed at these nodes.
struct Nginx {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(nodes: [&str; 2]) -> Nginx {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let conf = std::fs::read_to_string(format!("{ROOT}/deploy/nginx.conf"))
            .unwrap()
            .replace("hub-a:8080", nodes[0])
            .replace("hub-b:8080", nodes[1])
            .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"))
            .replace("worker_processes auto;", "worker_processes 1;\npid nginx.pid;\nerror_log stderr;");
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        let check = Command::new("nginx").arg("-t").arg("-p").arg(dir.path()).arg("-c").arg(&path).output();
        let check = check.expect("nginx must be installed (apt-get install nginx)");
        assert!(check.status.success(), "nginx -t: {}", String::from_utf8_lossy(&check.stderr));
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "nginx did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { port, child, _dir: dir }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn one_address_in_front_of_two_nodes_survives_the_leaders_death() {
    let redis = Redis::start();
    let admin = format!("test-admin-{:032x}", rand::random::<u128>());
    let config = |node: &str| {
        format!(
            "{CONFIG_247}\n[bot]\nbuiltin = false\n\n[cluster]\nredis_url = \"{}\"\nnode_id = \"{node}\"\nnode_timeout_secs = 2\n",
            redis.url()
        )
    };
    let mut a = Server::start_node(&config("hub-a"), &admin, true);
    a.wait_line("hub-a: leading", Duration::from_secs(20));
    let b = Server::start_node(&config("hub-b"), &admin, true);
    b.wait_line("hub-b: gateway", Duration::from_secs(20));
    let proxy = Nginx::start([&a.addr, &b.addr]);
    // The proxy is used exactly like a node: same API, one address.
    let front = Server::front(&proxy.addr(), &admin);

    let (_, mut agent) = front.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, welcome) = front.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    agent.send(agent_message(&conv, "a1", "Through the proxy.")).await;
    let a1 = agent.recv_ack("a1").await["seq"].as_u64().unwrap();
    assert_eq!(visitor.recv_said().await["text"], "Through the proxy.");

    a.kill9();
    b.wait_line("hub-b: leading", Duration::from_secs(20));
    let token = s(&welcome["visitor_token"]);
    let (mut visitor, _) = front.visitor_connect(json!({"visitor_token": token})).await;
    visitor.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0})).await;
    let synced = visitor.recv_type("synced").await;
    assert!(synced["last_seq"].as_u64().unwrap() >= a1, "{synced}");
    let texts: Vec<_> = visitor.skipped.iter().filter(|f| f["type"] == "message").map(|f| f["text"].clone()).collect();
    assert!(texts.contains(&json!("Through the proxy.")), "{texts:?}");
    assert_eq!(front.get("/healthz", None).await.0, 200);
}

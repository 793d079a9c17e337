//! The server process: a real `switchboard` per test in a fresh data dir, its output, restarts and
//! the helpers that create agents and visitors through it.

use super::*;

pub struct Server {
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub admin_token: String,
    dir: tempfile::TempDir,
    config: PathBuf,
    child: Option<Child>,
    stderr: Arc<Mutex<String>>,
    /// Where stderr goes instead of a pipe (`log_to`).
    log_file: Option<PathBuf>,
    /// Lines the process printed, until it printed its address.
    stdout: Option<mpsc::Receiver<String>>,
    /// Every line printed after that.
    later: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the hub with this configuration in a fresh data dir and waits until it listens. The admin
    /// token is passed in `SWITCHBOARD_ADMIN_TOKEN` and also written as `admin_token` at the top of the
    /// config file, so that only `admin_token_from_environment` depends on the environment layer.
    pub fn start(config_toml: &str) -> Server {
        Server::start_with(config_toml, true)
    }

    /// Like `start`; with `admin_token_in_file == false` the token is given by the environment only.
    pub fn start_with(config_toml: &str, admin_token_in_file: bool) -> Server {
        Server::start_prepared(config_toml, admin_token_in_file, |_| {})
    }

    /// Like `start_with`; `prepare` gets the data dir (made, still empty) before the process starts.
    pub fn start_prepared(config_toml: &str, admin_token_in_file: bool, prepare: impl FnOnce(&Path)) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("switchboard.toml");
        let admin_token = format!("test-admin-{:032x}", rand::random::<u128>());
        let text = if admin_token_in_file {
            format!("admin_token = \"{admin_token}\"\n{config_toml}")
        } else {
            config_toml.to_string()
        };
        std::fs::write(&config, text).expect("write config");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        prepare(&dir.path().join("data"));
        let mut server = Server::unstarted(String::new(), admin_token, dir, config);
        server.spawn();
        server
    }

    /// A handle on an address served by something else (a reverse proxy in front of nodes): the same
    /// HTTP and WebSocket helpers, no process of its own.
    pub fn front(addr: &str, admin_token: &str) -> Server {
        Server::unstarted(
            addr.to_string(),
            admin_token.to_string(),
            tempfile::tempdir().expect("temp dir"),
            PathBuf::new(),
        )
    }

    /// A handle with no process yet.
    fn unstarted(addr: String, admin_token: String, dir: tempfile::TempDir, config: PathBuf) -> Server {
        Server {
            addr,
            admin_token,
            dir,
            config,
            child: None,
            stderr: Default::default(),
            log_file: None,
            stdout: None,
            later: Default::default(),
        }
    }

    /// A cluster node: this configuration and admin token (the same on every node), in a fresh data
    /// dir. With `wait` false it returns at once (a standby prints its address only once it leads):
    /// `wait_listening` waits for it.
    pub fn start_node(config_toml: &str, admin_token: &str, wait: bool) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("switchboard.toml");
        std::fs::write(&config, format!("admin_token = \"{admin_token}\"\n{config_toml}")).expect("write config");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        let mut server = Server::unstarted(String::new(), admin_token.to_string(), dir, config);
        server.spawn_process();
        if wait {
            server.wait_listening(START_TIMEOUT);
        }
        server
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn spawn(&mut self) {
        self.spawn_process();
        self.wait_listening(START_TIMEOUT);
    }

    fn spawn_process(&mut self) {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(&self.config)
            .env("SWITCHBOARD_ADMIN_TOKEN", &self.admin_token)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(match &self.log_file {
                Some(path) => {
                    Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(path).expect("log file"))
                }
                None => Stdio::piped(),
            })
            .spawn()
            .expect("spawn switchboard");
        let stdout = child.stdout.take().unwrap();
        let Some(stderr) = child.stderr.take() else {
            self.child = Some(child);
            self.stdout = Some(spawn_lines(stdout));
            return;
        };
        let rx = spawn_lines(stdout);
        let log = Arc::new(Mutex::new(String::new()));
        self.stderr = log.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        self.child = Some(child);
        self.stdout = Some(rx);
    }

    /// Waits until the process printed the address it listens on.
    pub fn wait_listening(&mut self, timeout: Duration) {
        let rx = self.stdout.take().expect("a process whose address is not yet known");
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.trim().strip_prefix("switchboard listening on http://") {
                        self.addr = addr.trim().to_string();
                        // Keep reading stdout (the process must never block on a full pipe), and keep
                        // the lines for `wait_line`.
                        let later = Arc::new(Mutex::new(Vec::new()));
                        self.later = later.clone();
                        std::thread::spawn(move || {
                            while let Ok(line) = rx.recv() {
                                later.lock().unwrap().push(line);
                            }
                        });
                        return;
                    }
                }
                Err(_) => {
                    let status = self.child.as_mut().unwrap().try_wait().ok().flatten();
                    panic!(
                        "switchboard did not print its address within {timeout:?} (exit: {status:?})\nstderr:\n{}",
                        self.stderr()
                    );
                }
            }
        }
    }

    /// Waits until the process printed a line containing `text` after its address (a cluster node that
    /// starts leading, say).
    pub fn wait_line(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.later.lock().unwrap().iter().any(|l| l.contains(text)) {
            assert!(
                Instant::now() < deadline,
                "no line with {text:?} within {timeout:?}; printed: {:?}\nstderr:\n{}",
                self.later.lock().unwrap(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process printed a line containing `text` after its address.
    pub fn printed(&self, text: &str) -> bool {
        self.later.lock().unwrap().iter().any(|l| l.contains(text))
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// Everything the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        match &self.log_file {
            // A device (`/dev/full`) is not a log to read back.
            Some(path) if path.starts_with("/dev") => format!("(stderr went to {})", path.display()),
            Some(path) => String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned(),
            None => self.stderr.lock().unwrap().clone(),
        }
    }

    /// Restarts the process with its stderr appended to `path` (a file on a disk that may fill up).
    pub fn log_to(&mut self, path: PathBuf) {
        self.log_file = Some(path);
        self.restart();
    }

    /// Starts the process again on the same data dir and config (after `kill9` or `sigterm`).
    pub fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn();
    }

    /// `restart` without waiting for the address (a start that waits for something first).
    pub fn restart_in_background(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn_process();
    }

    /// Waits until the process wrote `text` to stderr.
    pub fn wait_stderr(&mut self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.stderr().contains(text) {
            assert!(self.is_running(), "exited before writing {text:?}:\n{}", self.stderr());
            assert!(Instant::now() < deadline, "no {text:?} on stderr within {timeout:?}:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        let child = self.child.as_mut().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }

    /// Sends a signal to the process (SIGSTOP and SIGCONT pause and resume it).
    pub fn signal(&self, signal: libc::c_int) {
        let pid = self.child.as_ref().expect("running").id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({signal}) failed");
    }

    pub fn sigterm(&self) {
        let pid = self.child.as_ref().expect("running").id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill(SIGTERM) failed");
    }

    /// Waits for the process to exit (polling its status; there is no event to await across processes).
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                panic!("switchboard did not exit within {timeout:?}\nstderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    // --- HTTP -------------------------------------------------------------------------------------

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        http(&self.addr, "GET", path, token, None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        http(&self.addr, "POST", path, token, Some(&body)).await
    }
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        http(&self.addr, "PATCH", path, token, Some(&body)).await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        http(&self.addr, "DELETE", path, token, None).await
    }
    pub fn admin(&self) -> Option<&str> {
        Some(&self.admin_token)
    }

    /// GET /api/tickets/{ticket} as the admin, asserting 200, with every page of its transcript
    /// (`more: true` means: ask again with `after_seq` set to the last seq of the page).
    pub async fn ticket(&self, ticket: &str) -> Value {
        let (status, mut body) = self.get(&format!("/api/tickets/{ticket}"), self.admin()).await;
        assert_eq!(status, 200, "GET ticket {ticket}: {body}");
        while body["more"] == true {
            let after = body["messages"].as_array().and_then(|m| m.last()).expect("a page")["seq"].clone();
            let (status, page) = self.get(&format!("/api/tickets/{ticket}?after_seq={after}"), self.admin()).await;
            assert_eq!(status, 200, "GET ticket {ticket} after {after}: {page}");
            let more = page["messages"].as_array().expect("messages").clone();
            body["messages"].as_array_mut().unwrap().extend(more);
            body["more"] = page["more"].clone();
        }
        body.as_object_mut().unwrap().remove("more");
        body
    }

    // --- People -----------------------------------------------------------------------------------

    /// Creates an agent of `support` through the admin API; its email is derived from the name.
    pub async fn create_agent(&self, name: &str, languages: &[&str], max_chats: u32) -> Agent {
        let email = format!("{}@agents.test", name.to_lowercase());
        let body = json!({
            "email": email, "name": name, "password": PASSWORD, "languages": languages,
            "tier": 1, "max_chats": max_chats, "departments": ["support"],
        });
        let (status, agent) = self.post("/api/admin/agents", self.admin(), body).await;
        assert_eq!(status, 201, "create agent {name}: {agent}");
        let id = agent["id"].as_str().unwrap_or_else(|| panic!("agent id in {agent}")).to_string();
        Agent { id, name: name.to_string(), email }
    }

    /// POST /api/login; panics unless it is 200.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self.post("/api/login", None, json!({"email": email, "password": password})).await;
        assert_eq!(status, 200, "login {email}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Connects an agent with a session token and returns once its welcome arrived (`client.welcome`).
    pub async fn agent_connect(&self, token: &str) -> Client {
        let mut c = Client::connect(&self.addr, "/ws/agent").await;
        c.label = "agent".into();
        c.send(json!({"type": "hello", "v": 1, "token": token})).await;
        let welcome = c.recv_type("welcome").await;
        c.welcome = welcome;
        c
    }

    /// Creates, logs in and connects an agent.
    pub async fn online_agent(&self, name: &str, languages: &[&str], max_chats: u32) -> (Agent, Client) {
        let agent = self.create_agent(name, languages, max_chats).await;
        let token = self.login(&agent.email, PASSWORD).await;
        let mut client = self.agent_connect(&token).await;
        client.label = format!("agent {name}");
        (agent, client)
    }

    /// Connects a visitor of site `default` with locale en-US; `extras` are merged into the hello.
    pub async fn visitor_connect(&self, extras: Value) -> (Client, Value) {
        let mut c = Client::connect(&self.addr, "/ws/visitor").await;
        c.label = "visitor".into();
        let mut hello = json!({"type": "hello", "v": 1, "site": "default", "locale": "en-US"});
        if let Value::Object(extra) = extras {
            hello.as_object_mut().unwrap().extend(extra);
        }
        c.send(hello).await;
        let welcome = c.recv_type("welcome").await;
        c.welcome = welcome.clone();
        (c, welcome)
    }

    /// Creates a bot with the admin API: (id, token).
    pub async fn create_bot(&self, name: &str) -> (String, String) {
        let (status, bot) = self.post("/api/admin/bots", self.admin(), json!({"name": name})).await;
        assert_eq!(status, 201, "create bot: {bot}");
        (bot["id"].as_str().expect("bot id").into(), bot["token"].as_str().expect("bot token").into())
    }

    pub async fn bot_connect(&self, token: &str) -> Client {
        let mut c = Client::connect(&self.addr, "/ws/bot").await;
        c.label = "bot".into();
        c.send(json!({"type": "hello", "v": 1, "token": token})).await;
        c.welcome = c.recv_type("welcome").await;
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            let log = self.stderr();
            let tail: String = log.chars().rev().take(6000).collect::<Vec<_>>().into_iter().rev().collect();
            eprintln!("---- switchboard stderr (tail) ----\n{tail}\n----");
        }
    }
}

pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// Reads `stdout` line by line on a thread of its own (the process must never block on a full pipe).
fn spawn_lines(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}

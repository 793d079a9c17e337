//! Spec 6.2: a node acks only what Redis has fsynced. At start it reads Redis's `appendonly` and
//! `appendfsync` and refuses to run unless they are `yes` and `always` (`require_fsync = false` lets it
//! run, with a warning at start and in `/healthz`).

/// What the running Redis does with writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Durability {
    pub appendonly: String,
    pub appendfsync: String,
}

impl Durability {
    pub fn is_fsync_always(&self) -> bool {
        self.appendonly == "yes" && self.appendfsync == "always"
    }

    pub async fn read(conn: &mut redis::aio::ConnectionManager) -> redis::RedisResult<Durability> {
        let get = |name: &'static str| {
            let mut conn = conn.clone();
            async move {
                let pair: Vec<String> = redis::cmd("CONFIG").arg("GET").arg(name).query_async(&mut conn).await?;
                Ok::<_, redis::RedisError>(pair.get(1).cloned().unwrap_or_default())
            }
        };
        Ok(Durability { appendonly: get("appendonly").await?, appendfsync: get("appendfsync").await? })
    }
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "appendonly {}, appendfsync {}", self.appendonly, self.appendfsync)
    }
}

//! The leader's lease (spec 6.4, "routing is decided once"): one node at a time runs the hub core for the
//! whole cluster. It holds `sb:leader = "<node>:<fence>"` with an expiry and renews it; every batch it
//! writes is checked against that value inside Redis (`store::write::APPLY`), so a node that lost the
//! lease (paused, partitioned) can write nothing more. Taking the lease increments `sb:fence`, so a new
//! leader's token never equals an old one's.

use std::sync::Arc;
use std::time::Duration;

use super::keys;
use super::store::LeaseToken;

/// Takes the lease if nobody holds it: returns the new token.
const ACQUIRE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('INCR', KEYS[2])
local token = ARGV[1] .. ':' .. fence
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
"#;

/// Extends the lease if this token still holds it. A lease that expired while Redis was away may be taken
/// back by the same token when no other node took it meanwhile (the fence did not move): nobody else
/// can have written in between.
const RENEW: &str = r#"
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if cur == false and (ARGV[3] .. ':' .. (redis.call('GET', KEYS[2]) or '')) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"#;

/// What became of a renewal.
#[derive(Debug, PartialEq, Eq)]
pub enum Renewal {
    Held,
    /// Another node holds the lease, or took it and lost it: this node must stop deciding.
    Lost,
    /// Redis did not answer: try again (writes are refused meanwhile if the lease expires).
    Unreachable,
}

pub struct Lease {
    conn: redis::aio::ConnectionManager,
    node: Arc<str>,
    ttl: Duration,
    pub token: LeaseToken,
}

impl Lease {
    pub fn new(conn: redis::aio::ConnectionManager, node: &str, ttl: Duration, token: LeaseToken) -> Lease {
        Lease { conn, node: node.into(), ttl, token }
    }

    /// Renew at this interval: a third of the lease, so two renewals may fail before it lapses.
    pub fn renew_every(&self) -> Duration {
        self.ttl / 3
    }

    /// Tries once to take the lease; `Ok(true)` when this node now holds it.
    pub async fn try_acquire(&mut self) -> redis::RedisResult<bool> {
        let token: Option<String> = redis::Script::new(ACQUIRE)
            .key(keys::LEADER)
            .key(keys::FENCE)
            .arg(self.node.as_ref())
            .arg(self.ttl.as_millis() as u64)
            .invoke_async(&mut self.conn)
            .await?;
        let held = token.is_some();
        if let Some(t) = token {
            self.token.set(Some(t.into()));
        }
        Ok(held)
    }

    pub async fn renew(&mut self) -> Renewal {
        let Some(token) = self.token.get() else { return Renewal::Lost };
        let result: redis::RedisResult<i64> = redis::Script::new(RENEW)
            .key(keys::LEADER)
            .key(keys::FENCE)
            .arg(token.as_ref())
            .arg(self.ttl.as_millis() as u64)
            .arg(self.node.as_ref())
            .invoke_async(&mut self.conn)
            .await;
        match result {
            Ok(1) => Renewal::Held,
            Ok(_) => {
                self.token.set(None);
                Renewal::Lost
            }
            Err(_) => Renewal::Unreachable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::store::tests::TestRedis;

    async fn lease(redis: &TestRedis, node: &str, ttl_ms: u64) -> Lease {
        let client = redis::Client::open(redis.url.as_str()).unwrap();
        let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
        Lease::new(conn, node, Duration::from_millis(ttl_ms), LeaseToken::default())
    }

    /// The lease's expiry, without waiting for it.
    fn lapse(redis: &TestRedis) {
        let mut c = redis::Client::open(redis.url.as_str()).unwrap().get_connection().unwrap();
        redis::cmd("DEL").arg(keys::LEADER).exec(&mut c).unwrap();
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_a_new_holder_fences_the_old_one() {
        let redis = TestRedis::start();
        let mut a = lease(&redis, "hub-a", 60_000).await;
        let mut b = lease(&redis, "hub-b", 60_000).await;
        assert!(a.try_acquire().await.unwrap());
        assert_eq!(a.token.get().as_deref(), Some("hub-a:1"));
        assert!(!b.try_acquire().await.unwrap(), "held by a");
        assert_eq!(a.renew().await, Renewal::Held);

        // a stops renewing (paused); the lease lapses and b takes it with the next fence.
        lapse(&redis);
        assert!(b.try_acquire().await.unwrap());
        assert_eq!(b.token.get().as_deref(), Some("hub-b:2"));
        assert_eq!(a.renew().await, Renewal::Lost, "a woke up too late");
        assert_eq!(a.token.get(), None, "and holds no token any more");
    }

    #[tokio::test]
    async fn a_lease_that_lapsed_with_no_successor_is_taken_back() {
        let redis = TestRedis::start();
        let mut a = lease(&redis, "hub-a", 60_000).await;
        assert!(a.try_acquire().await.unwrap());
        // Redis away past the lease: the key expired, nobody else took it (the fence did not move).
        lapse(&redis);
        assert_eq!(a.renew().await, Renewal::Held);
        let mut b = lease(&redis, "hub-b", 60_000).await;
        assert!(!b.try_acquire().await.unwrap(), "a holds it again");
    }
}

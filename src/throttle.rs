//! Who is calling from where, and how often: the client's address (through trusted proxies only), and
//! the per-address and per-account rates of new connections and logins (governor, keyed).

use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::app::App;
use crate::config::Limits;
pub use crate::net::Net;

/// Keys a limiter remembers before it forgets those that are back to a full bucket.
const RETAIN_AFTER: usize = 10_000;

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most address
/// of `X-Forwarded-For` that is not itself a trusted proxy (the ones to its left are the client's to
/// write, and so cannot be believed).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Net]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

/// The calling client's address, as `client_ip` decides (the peer's when there is no connection info,
/// as in tests that call the router directly).
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<App> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<ClientAddr, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(ClientAddr(client_ip(peer, &parts.headers, &app.throttles.trusted)))
    }
}

/// A keyed rate per minute, or none (0).
struct PerMinute<K: Hash + Eq + Clone>(Option<DefaultKeyedRateLimiter<K>>);

impl<K: Hash + Eq + Clone> PerMinute<K> {
    fn new(per_minute: u32) -> Self {
        PerMinute(NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))))
    }

    fn allow(&self, key: &K) -> bool {
        let Some(limiter) = &self.0 else { return true };
        if limiter.len() > RETAIN_AFTER {
            limiter.retain_recent();
        }
        limiter.check_key(key).is_ok()
    }
}

/// The rates of new connections and logins.
pub struct Throttles {
    pub trusted: Vec<Net>,
    connections_per_ip: PerMinute<IpAddr>,
    logins_per_ip: PerMinute<IpAddr>,
    logins_per_account: PerMinute<String>,
}

impl Throttles {
    pub fn new(limits: &Limits, trusted: Vec<Net>) -> Throttles {
        Throttles {
            trusted,
            connections_per_ip: PerMinute::new(limits.connections_per_ip_per_minute),
            logins_per_ip: PerMinute::new(limits.logins_per_ip_per_minute),
            logins_per_account: PerMinute::new(limits.logins_per_account_per_minute),
        }
    }

    /// A new WebSocket connection from `ip`.
    pub fn connection(&self, ip: IpAddr) -> bool {
        self.connections_per_ip.allow(&ip)
    }

    /// A login attempt for `account` (the email as typed, lowercased) from `ip`: both must have room.
    pub fn login(&self, ip: IpAddr, account: &str) -> bool {
        self.logins_per_ip.allow(&ip) && self.logins_per_account.allow(&account.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Net> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = nets(&["10.0.0.0/8", "::1"]);
        // Not a proxy: its header is the client's own writing.
        assert_eq!(client_ip(ip("203.0.113.9"), &xff("1.2.3.4"), &trusted), ip("203.0.113.9"));
        // A proxy: the right-most address it did not add itself.
        assert_eq!(client_ip(ip("10.1.2.3"), &xff("6.6.6.6, 1.2.3.4"), &trusted), ip("1.2.3.4"));
        assert_eq!(client_ip(ip("10.1.2.3"), &xff("1.2.3.4, 10.9.9.9"), &trusted), ip("1.2.3.4"));
        assert_eq!(client_ip(ip("::1"), &xff("2001:db8::7"), &trusted), ip("2001:db8::7"));
        // A proxy that forwards nothing (or garbage): the proxy is all we know.
        assert_eq!(client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted), ip("10.1.2.3"));
        assert_eq!(client_ip(ip("10.1.2.3"), &xff("junk"), &trusted), ip("10.1.2.3"));
        // No trusted proxies: never read.
        assert_eq!(client_ip(ip("10.1.2.3"), &xff("1.2.3.4"), &[]), ip("10.1.2.3"));
    }

    #[test]
    fn logins_are_limited_per_account_and_per_address() {
        let limits = Limits { logins_per_ip_per_minute: 5, logins_per_account_per_minute: 2, ..Limits::default() };
        let t = Throttles::new(&limits, Vec::new());
        let (a, b) = ("1.1.1.1".parse().unwrap(), "2.2.2.2".parse().unwrap());
        assert!(t.login(a, "anna@x") && t.login(b, "anna@x"));
        assert!(!t.login(a, "anna@x"), "a third try at one account within the minute");
        assert!(t.login(a, "ben@x") && t.login(a, "carl@x") && t.login(a, "dora@x"));
        assert!(!t.login(a, "emil@x"), "a sixth try from one address");
        assert!(t.login(b, "emil@x"), "another address still may");
        let off = Throttles::new(&Limits { logins_per_ip_per_minute: 0, ..limits }, Vec::new());
        assert!((0..100).all(|i| off.login(a, &format!("{i}@x"))), "0 means no limit");
    }
}

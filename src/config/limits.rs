//! `[limits]`: every bounded resource a client can reach, with its default (docs/configuration.md).

use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

/// Every bounded resource, with its default. Documented in docs/configuration.md.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest WebSocket frame or message a client may send, in bytes.
    pub max_frame_bytes: usize,
    /// Longest chat message, in characters.
    pub max_text_chars: usize,
    /// Sustained frames per second one connection may send.
    pub frames_per_second: u32,
    /// Frames a connection may send at once above the sustained rate.
    pub frame_burst: u32,
    /// Refused frames (rate-limited, too large or malformed) within `violation_window_secs` beyond which
    /// the connection is closed (1008).
    pub max_violations: u32,
    /// The window, in seconds, over which refused frames are counted.
    pub violation_window_secs: u64,
    /// Seconds a new connection has to send `hello`.
    pub hello_timeout_secs: u64,
    /// Seconds between WebSocket pings from the hub.
    pub ping_interval_secs: u64,
    /// Seconds without any frame from the client after which the connection is closed.
    pub idle_timeout_secs: u64,
    /// Frames queued for one connection; a client that lets it fill up is disconnected.
    pub outbound_queue: usize,
    /// Bytes (estimated, encoded) queued for one connection; a client that lets them pile up is
    /// disconnected like one that fills `outbound_queue`.
    pub outbound_queue_bytes: usize,
    /// Seconds one write to a client's socket may take; a client that stops reading is then dropped.
    pub write_timeout_secs: u64,
    /// Concurrent WebSocket connections from one IP address.
    pub connections_per_ip: usize,
    /// Concurrent WebSocket connections in all.
    pub max_connections: usize,
    /// New WebSocket connections per minute from one IP address (0: no limit).
    pub connections_per_ip_per_minute: u32,
    /// Login attempts per minute from one IP address (0: no limit).
    pub logins_per_ip_per_minute: u32,
    /// Login attempts per minute for one account, wherever from (0: no limit).
    pub logins_per_account_per_minute: u32,
    /// Conversations one visitor may open per hour (0: no limit).
    pub conversations_per_visitor_per_hour: u32,
    /// Conversations visitors from one IP address may open per hour (0: no limit).
    pub conversations_per_ip_per_hour: u32,
    /// Free bytes on the data directory's disk below which new conversations are refused (0: never).
    pub min_free_disk_bytes: u64,
    /// Plain HTTP connections (not yet upgraded to WebSocket) open at once; more are closed at accept.
    pub max_http_connections: usize,
    /// Seconds a client has to send a request's headers.
    pub http_header_timeout_secs: u64,
    /// Minutes a conversation's visitor may be gone (no connection) before it is resolved (0: never).
    pub inactive_resolve_minutes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: 64 * 1024,
            max_text_chars: 4000,
            frames_per_second: 20,
            frame_burst: 40,
            max_violations: 20,
            violation_window_secs: 10,
            hello_timeout_secs: 10,
            ping_interval_secs: 25,
            idle_timeout_secs: 75,
            outbound_queue: 256,
            outbound_queue_bytes: 1 << 20,
            write_timeout_secs: 10,
            connections_per_ip: 500,
            max_connections: 19_000,
            connections_per_ip_per_minute: 600,
            logins_per_ip_per_minute: 30,
            logins_per_account_per_minute: 10,
            conversations_per_visitor_per_hour: 30,
            conversations_per_ip_per_hour: 600,
            min_free_disk_bytes: 128 << 20,
            max_http_connections: 4096,
            http_header_timeout_secs: 10,
            inactive_resolve_minutes: 60,
        }
    }
}

impl super::Config {
    pub(super) fn check_limits(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        let checks: [(&str, bool, &str); 9] = [
            ("limits.max_frame_bytes", (1024..=16 << 20).contains(&l.max_frame_bytes), "must be 1 KiB to 16 MiB"),
            ("limits.max_text_chars", l.max_text_chars >= 1, "must be at least 1"),
            ("limits.frames_per_second", l.frames_per_second >= 1, "must be at least 1"),
            ("limits.outbound_queue", l.outbound_queue >= 8, "must be at least 8"),
            ("limits.hello_timeout_secs", l.hello_timeout_secs >= 1, "must be at least 1"),
            ("limits.outbound_queue_bytes", l.outbound_queue_bytes >= 64 * 1024, "must be at least 65536"),
            ("limits.write_timeout_secs", l.write_timeout_secs >= 1, "must be at least 1"),
            ("limits.max_http_connections", l.max_http_connections >= 1, "must be at least 1"),
            ("limits.http_header_timeout_secs", l.http_header_timeout_secs >= 1, "must be at least 1"),
        ];
        match checks.iter().find(|(_, ok, _)| !ok) {
            Some((key, _, reason)) => Err(invalid(*key, reason)),
            None => Ok(()),
        }
    }
}

//! Guards on opening a conversation, the one thing an anonymous client can make the hub keep for good:
//! at most so many per visitor and per address in an hour, and none while the disk is nearly full (the
//! runner measures the disk and tells the core, which does no IO itself).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};

use super::commands::{Refusal, refuse};
use crate::domain::VisitorId;
use crate::protocol::ErrorCode;

/// The window over which openings are counted.
const WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Keys remembered before the expired ones are dropped (then again at twice what is left).
const PRUNE_AT: usize = 4096;

pub const TOO_MANY: Refusal = refuse(ErrorCode::RateLimited, "too many new conversations; try again later");
pub const STORE_AWAY: Refusal =
    refuse(ErrorCode::Unavailable, "the service cannot store anything right now; send it again shortly");
pub const DISK_FULL: Refusal =
    refuse(ErrorCode::Unavailable, "the service cannot take new conversations now; try again later");

/// What the configuration says (`limits.conversations_per_*`, `limits.min_free_disk_bytes`).
#[derive(Clone, Debug, Default)]
pub struct GuardSettings {
    /// 0: no limit.
    pub per_visitor_per_hour: u32,
    /// 0: no limit.
    pub per_ip_per_hour: u32,
    /// The data directory to watch and the free bytes below which new conversations are refused; the
    /// runner checks it, `None` checks nothing.
    pub disk: Option<(PathBuf, u64)>,
    /// A conversation whose visitor has had no connection for this long is resolved; `None`: never.
    pub inactive_after: Option<jiff::SignedDuration>,
}

/// Fixed windows of counts, one per key.
struct Counts<K> {
    max: u32,
    windows: HashMap<K, (Timestamp, u32)>,
    prune_at: usize,
}

impl<K: Hash + Eq + Copy> Counts<K> {
    fn new(max: u32) -> Self {
        Counts { max, windows: HashMap::new(), prune_at: PRUNE_AT }
    }

    fn has_room(&self, key: K, now: Timestamp) -> bool {
        self.max == 0 || self.windows.get(&key).is_none_or(|(start, n)| *start + WINDOW <= now || *n < self.max)
    }

    fn count(&mut self, key: K, now: Timestamp) {
        if self.max == 0 {
            return;
        }
        let w = self.windows.entry(key).or_insert((now, 0));
        if w.0 + WINDOW <= now {
            *w = (now, 0);
        }
        w.1 += 1;
        if self.windows.len() >= self.prune_at {
            self.windows.retain(|_, (start, _)| *start + WINDOW > now);
            self.prune_at = (self.windows.len() * 2).max(PRUNE_AT);
        }
    }
}

pub struct OpenGuard {
    visitors: Counts<VisitorId>,
    ips: Counts<IpAddr>,
    /// The disk is nearly full (as the runner last measured).
    pub disk_low: bool,
    /// The store cannot be reached (cluster mode: Redis is away): every frame is refused.
    pub store_away: bool,
}

impl OpenGuard {
    pub fn new(settings: &GuardSettings) -> OpenGuard {
        OpenGuard {
            visitors: Counts::new(settings.per_visitor_per_hour),
            ips: Counts::new(settings.per_ip_per_hour),
            disk_low: false,
            store_away: false,
        }
    }

    /// May `visitor`, connected from `ip`, open a conversation at `now`? Counts it if so.
    pub fn open(&mut self, visitor: VisitorId, ip: Option<IpAddr>, now: Timestamp) -> Result<(), Refusal> {
        if self.disk_low {
            return Err(DISK_FULL);
        }
        if !self.visitors.has_room(visitor, now) || ip.is_some_and(|ip| !self.ips.has_room(ip, now)) {
            metrics::counter!("switchboard_conversations_refused_total", "reason" => "rate").increment(1);
            return Err(TOO_MANY);
        }
        self.visitors.count(visitor, now);
        if let Some(ip) = ip {
            self.ips.count(ip, now);
        }
        Ok(())
    }
}

/// Free bytes on the file system that holds `path` (statvfs).
pub fn free_bytes(path: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid C string and `st` a valid out-pointer for the duration of the call.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // The fields are u64 here but narrower on some targets: the conversion keeps this portable.
    #[allow(clippy::useless_conversion)]
    Ok(u64::from(st.f_bavail) * u64::from(st.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_reset_after_the_window_and_zero_means_no_limit() {
        let t0: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut c = Counts::new(2);
        for _ in 0..2 {
            assert!(c.has_room(1u8, t0));
            c.count(1u8, t0);
        }
        assert!(!c.has_room(1u8, t0 + SignedDuration::from_mins(59)));
        assert!(c.has_room(2u8, t0), "another key has its own count");
        assert!(c.has_room(1u8, t0 + WINDOW), "a new window");
        let mut off = Counts::new(0);
        (0..100).for_each(|_| off.count(1u8, t0));
        assert!(off.has_room(1u8, t0) && off.windows.is_empty());
    }

    #[test]
    fn expired_keys_are_dropped_as_the_map_grows() {
        let t0: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut c = Counts::new(5);
        for k in 0..PRUNE_AT as u32 - 1 {
            c.count(k, t0);
        }
        c.count(u32::MAX, t0 + WINDOW);
        assert_eq!(c.windows.len(), 1, "only the live key is left");
    }

    #[test]
    fn the_data_dir_has_free_bytes() {
        assert!(free_bytes(std::path::Path::new(".")).unwrap() > 0);
    }
}

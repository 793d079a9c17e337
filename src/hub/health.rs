//! Whether the store is taking commits: set by the dispatcher, read by connections (which refuse what
//! would have to be written while it is not), by `/healthz` and by the tests that wait for it.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// The dispatcher's view of the store, shared with everyone who must know.
#[derive(Debug)]
pub struct StoreHealth {
    failing: AtomicBool,
    /// The same flag as a channel, for whoever waits for a change (tests, never the hot path).
    changes: watch::Sender<bool>,
}

impl Default for StoreHealth {
    fn default() -> Self {
        StoreHealth { failing: AtomicBool::new(false), changes: watch::Sender::new(false) }
    }
}

impl StoreHealth {
    /// Commits are failing for want of space, and the dispatcher is retrying the batch it holds.
    pub fn commits_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    pub(super) fn set_failing(&self, failing: bool) {
        if self.failing.swap(failing, Ordering::Relaxed) != failing {
            metrics::gauge!("switchboard_store_commits_failing").set(f64::from(u8::from(failing)));
            self.changes.send_replace(failing);
        }
    }

    /// Waits until `commits_failing()` is `failing`.
    pub async fn wait_for(&self, failing: bool) {
        let mut rx = self.changes.subscribe();
        let _ = rx.wait_for(|now| *now == failing).await;
    }
}

//! The runner: the one task that feeds the pure core. It reads the clock once per batch of events,
//! wakes at the core's next deadline, and hands each batch's job to the dispatcher.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc;

use super::core::Hub;
use super::dispatch::{Dispatcher, Effect, Job};
use super::{EVENTS_PER_JOB, HubEvent, TIMERS_PER_TURN};

/// Where the hub's `now` comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The system's wall clock, in whole milliseconds: what the store keeps, so that live and stored copies
/// of a message agree.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let now = Timestamp::now();
        Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
    }
}

/// The longest the runner sleeps without looking at its deadlines: a wall clock that jumps (NTP, a
/// suspended machine) is noticed within this.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(1);

/// How often the runner measures the data directory's free disk space.
pub const DISK_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

pub async fn run(
    mut hub: Hub,
    mut rx: mpsc::Receiver<HubEvent>,
    dispatcher: Dispatcher,
    clock: Arc<dyn Clock>,
    disk: Option<(std::path::PathBuf, u64)>,
    mail_wake: Option<Arc<tokio::sync::Notify>>,
) {
    let mut disk_checked: Option<std::time::Instant> = None;
    // One timer for the life of the runner, moved only when the next deadline changes or it fired: a
    // timer made per batch of events cost a registration in tokio's wheel for every batch.
    let sleep = tokio::time::sleep(MAX_SLEEP);
    tokio::pin!(sleep);
    let mut armed_for: Option<Option<Timestamp>> = None;
    loop {
        if let Some((dir, min_free)) = &disk
            && disk_checked.is_none_or(|t| t.elapsed() >= DISK_CHECK)
        {
            disk_checked = Some(std::time::Instant::now());
            // A failed measurement is not a full disk: the commit itself would say so.
            let low = super::guard::free_bytes(dir).is_ok_and(|free| free < *min_free);
            hub.handle(HubEvent::DiskSpace { low }, clock.now());
        }
        let next = hub.next_deadline();
        if armed_for != Some(next) {
            let wait = next.map_or(MAX_SLEEP, |due| until(due, clock.now()));
            sleep.as_mut().reset(tokio::time::Instant::now() + wait);
            armed_for = Some(next);
        }
        let first = tokio::select! {
            event = rx.recv() => match event {
                Some(event) => Some(event),
                None => break,
            },
            _ = &mut sleep => {
                armed_for = None;
                None
            }
        };
        let now = clock.now();
        // The rest of a burst is due still: the sleep, armed for a past instant, wakes the next turn.
        hub.fire_due_at_most(now, TIMERS_PER_TURN);
        let mut stop = None;
        if let Some(event) = first {
            stop = feed(&mut hub, event, now);
            for _ in 1..EVENTS_PER_JOB {
                if stop.is_some() {
                    break;
                }
                match rx.try_recv() {
                    Ok(event) => stop = feed(&mut hub, event, now),
                    Err(_) => break,
                }
            }
        }
        let mut job = hub.take_job();
        if let (true, Some(wake)) = (job.mail_ready, &mail_wake) {
            // After the commit: the sender reads the email from the store.
            let wake = wake.clone();
            job.effects.push(Effect::Reply(Box::new(move || wake.notify_one())));
        }
        if !job.is_empty() {
            dispatcher.submit(job).await;
        }
        if let Some(done) = stop {
            dispatcher.submit(Job { effects: vec![Effect::CloseAll], ..Job::default() }).await;
            dispatcher.finish().await;
            let _ = done.send(());
            return;
        }
    }
    dispatcher.finish().await;
}

/// Hands one event to the core; returns the shutdown reply when asked to stop.
fn feed(hub: &mut Hub, event: HubEvent, now: Timestamp) -> Option<tokio::sync::oneshot::Sender<()>> {
    match event {
        HubEvent::Shutdown(done) => Some(done),
        event => {
            hub.handle(event, now);
            None
        }
    }
}

/// How long to sleep until `due`, at most `MAX_SLEEP`.
fn until(due: Timestamp, now: Timestamp) -> std::time::Duration {
    let wait = due.duration_since(now).max(SignedDuration::ZERO);
    std::time::Duration::try_from(wait).unwrap_or_default().min(MAX_SLEEP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{ConnRegistry, LocalBroker};
    use crate::hub::{AdminCommand, HubHandle, HubSettings};
    use crate::store::StoreFactory;

    /// Tokio's clock from a fixed wall-clock start: with paused time, the test moves both at once.
    struct TestClock {
        start: Timestamp,
        origin: tokio::time::Instant,
    }

    impl Clock for TestClock {
        fn now(&self) -> Timestamp {
            let elapsed = SignedDuration::try_from(self.origin.elapsed()).unwrap();
            self.start.checked_add(elapsed).unwrap()
        }
    }

    async fn open(hub: &HubHandle) -> bool {
        hub.admin(AdminCommand::Status).await.unwrap()[0].open
    }

    /// The runner wakes for the department's opening by itself (a timer, not an event).
    #[tokio::test(start_paused = true)]
    async fn the_runner_fires_a_department_opening_at_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::sqlite::SqliteFactory::new(dir.path()).unwrap().open_writer().unwrap();
        let clock =
            Arc::new(TestClock { start: "2026-11-23T08:59:30Z".parse().unwrap(), origin: tokio::time::Instant::now() });
        let settings = HubSettings {
            departments: vec![crate::hub::tests::office("support")],
            require_verified: false,
            ..Default::default()
        };
        let broker = Arc::new(LocalBroker(ConnRegistry::new()));
        let hub = crate::hub::start(settings, Default::default(), store, broker, clock.clone(), None);
        assert!(!open(&hub).await, "08:59:30 on a Monday: closed");
        tokio::time::sleep(std::time::Duration::from_secs(29)).await;
        assert!(!open(&hub).await, "08:59:59: still closed");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert!(open(&hub).await, "09:00:00: open");
        hub.shutdown().await;
    }
}

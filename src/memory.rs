//! Memory the allocator keeps after it was freed goes back to the system now and then. glibc's malloc
//! returns free memory only from the top of each arena's heap, and the top rarely comes free in a busy
//! process: in the soak (docs/benchmarks.md, "Soak: memory attributed") the hub held 366 MiB from the
//! system while 201 MiB were in use, one thread's arena holding 152 MiB of which 0.2 MiB were in use, and
//! the RSS grew by that free memory, slowly, for half an hour. `malloc_trim(0)` gives back every whole
//! free page of every arena (`madvise(MADV_DONTNEED)`); a page used again costs a page fault.

use std::time::{Duration, Instant};

/// How often free memory is given back: the RSS then stays within what the last `TRIM_EVERY` freed of
/// the memory in use. Each trim walks the free chunks of every arena, holding one arena's lock at a time
/// (`switchboard_malloc_trim_seconds`).
pub const TRIM_EVERY: Duration = Duration::from_secs(10);

/// Gives free memory back every `TRIM_EVERY`, on the blocking pool, for as long as the runtime runs.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(TRIM_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            every.tick().await;
            if tokio::task::spawn_blocking(trim).await.is_err() {
                return;
            }
        }
    });
}

/// One trim, timed.
pub fn trim() {
    let started = Instant::now();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the system; it is safe from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
    metrics::histogram!("switchboard_malloc_trim_seconds").record(started.elapsed().as_secs_f64());
}

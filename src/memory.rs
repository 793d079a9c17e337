//! Memory the allocator keeps after it was freed goes back to the system now and then. glibc's malloc
//! returns free memory only from the top of each arena's heap, and the top rarely comes free in a busy
//! process: in the soak (docs/benchmarks.md, "Soak: memory attributed") the hub held 366 MiB from the
//! system while 201 MiB were in use, one thread's arena holding 152 MiB of which 0.2 MiB were in use, and
//! the RSS grew by that free memory, slowly, for half an hour. `malloc_trim(0)` gives back every whole
//! free page of every arena (`madvise(MADV_DONTNEED)`); a page used again costs a page fault.

use std::time::{Duration, Instant};

/// Arenas glibc's malloc may use. With one per thread (its default, up to eight per core), memory
/// freed on one thread stays in another's arena, and each arena's free chunks serve only its own
/// threads, so under churn the heap taken from the system grew while the heap in use stayed level (the
/// soak, docs/benchmarks.md: +1.0-1.3 MiB a minute of RSS with the heap in use flat). One arena shares
/// every free chunk; the tokio threads still allocate small blocks from their per-thread caches without
/// the lock.
pub const MALLOC_ARENAS: i32 = 1;
/// Allocations from this size up get their own mapping, given back to the system when freed. Fixed, so
/// that glibc does not raise it (up to 32 MiB) each time a large block is freed, after which large
/// buffers would come from the heap and leave holes there.
pub const MMAP_THRESHOLD_BYTES: i32 = 128 * 1024;

/// Sets `MALLOC_ARENAS` and `MMAP_THRESHOLD_BYTES`, unless the operator tuned malloc through the
/// environment (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, `GLIBC_TUNABLES`). Call it first thing,
/// before any thread starts.
pub fn configure_allocator() {
    let tuned =
        ["MALLOC_ARENA_MAX", "GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_"].iter().any(|k| std::env::var_os(k).is_some());
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !tuned {
        // SAFETY: mallopt only changes the allocator's parameters; no other thread is running yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        }
    }
    let _ = tuned;
}

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
    record_heap();
}

/// Sets `switchboard_heap_bytes`: the heap in use (what the program holds) and held (what the allocator
/// took from the system, in use or free), over all arenas. In use rising means live data grows; held
/// rising while in use stays level means the allocator keeps freed memory.
fn record_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's counters (it takes each arena's lock in turn).
        let m = unsafe { libc::mallinfo2() };
        let in_use = m.uordblks + m.hblkhd;
        let held = m.arena + m.hblkhd;
        metrics::gauge!("switchboard_heap_bytes", "kind" => "in_use").set(in_use as f64);
        metrics::gauge!("switchboard_heap_bytes", "kind" => "held").set(held as f64);
    }
}

//! Load on the task APIs: a million tasks in batches, 5,000 blocking closures at once.
//!
//! Heavy ones are `#[ignore]`d in the plain test run; `.ci/run` runs them in release mode with
//! `--include-ignored --test-threads 1`, so the memory figures are this test's alone.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::time::Instant;

use common::{rss_kib, within};

const TASKS: u64 = 1_000_000;
const BATCH: u64 = 10_000;

#[anyrt::test]
#[ignore = "heavy: run by .ci/run in release mode"]
async fn a_million_tasks_in_batches_and_memory_returns() {
    let (baseline, _) = rss_kib();
    let start = Instant::now();
    let mut checked = 0u64;
    for batch in 0..TASKS / BATCH {
        let handles: Vec<_> = (0..BATCH)
            .map(|i| {
                let n = batch * BATCH + i;
                anyrt::spawn(async move { n.wrapping_mul(3) ^ 0x5555 })
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let n = batch * BATCH + i as u64;
            assert_eq!(
                within("task", handle).await.unwrap(),
                n.wrapping_mul(3) ^ 0x5555
            );
            checked += 1;
        }
    }
    let elapsed = start.elapsed();
    // Give the runtime a moment to free what finished tasks left behind.
    anyrt::time::sleep(Duration::from_millis(100)).await;
    let (after, peak) = rss_kib();
    eprintln!(
        "stress_tasks on {}: {checked} tasks in {:.2} s, RSS {} -> {} MiB (peak {} MiB)",
        anyrt::Backend::current(),
        elapsed.as_secs_f64(),
        baseline >> 10,
        after >> 10,
        peak >> 10
    );
    assert_eq!(checked, TASKS);
    // Back to the baseline, give or take the allocator's caches: nothing is kept per task.
    assert!(
        after <= baseline + 64 * 1024,
        "RSS grew from {baseline} KiB to {after} KiB"
    );
}

#[anyrt::test(except(
    sim = "a load test of a blocking pool; the simulation starts a thread per closure and has no pool"
))]
async fn five_thousand_blocking_closures_at_once_all_return() {
    const CLOSURES: usize = 5_000;
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..CLOSURES)
        .map(|i| {
            let (running, most) = (running.clone(), most.clone());
            anyrt::task::spawn_blocking(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(within("blocking closure", handle).await.unwrap(), i * 2);
    }
    let most = most.load(Ordering::SeqCst);
    eprintln!(
        "stress_blocking on {}: {CLOSURES} closures in {:.2} s, at most {most} at once",
        anyrt::Backend::current(),
        start.elapsed().as_secs_f64()
    );
    // The pool grew well beyond the core count, and stayed under this backend's cap: it
    // saturated rather than growing without bound. (Other tests share the pool in a parallel
    // run, so only the bound holds here; `blocking_pool_saturates_at_its_cap` checks equality.)
    assert!(most > 16, "only {most} closures ever ran at once");
    let cap = blocking_pool_cap();
    assert!(
        most <= cap,
        "{most} closures at once, above {}'s pool cap of {cap}",
        anyrt::Backend::current()
    );
}

/// The size of the current backend's blocking pool (SEMANTICS.md row 11b): tokio's default
/// `max_blocking_threads`, and the `blocking` crate's default under async-std and smol.
fn blocking_pool_cap() -> usize {
    match anyrt::Backend::current() {
        anyrt::Backend::Tokio => 512,
        anyrt::Backend::AsyncStd | anyrt::Backend::Smol => 500,
        other => panic!("no known blocking pool cap for {other}"),
    }
}

#[anyrt::test(except(
    sim = "the simulation has no blocking pool (a thread per closure), so no cap to reach"
))]
#[ignore = "heavy, and exact only when no other test uses the pool: run by .ci/run with --test-threads 1"]
async fn blocking_pool_saturates_at_its_cap() {
    let pool = common::Occupied::blocking_pool();
    let threads = pool.threads;
    pool.release().await;
    eprintln!(
        "stress_blocking_cap on {}: {threads} threads",
        anyrt::Backend::current()
    );
    assert_eq!(threads, blocking_pool_cap());
}

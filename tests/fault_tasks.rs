//! Faults in tasks: a storm of panics, a storm of aborts. Nothing is lost, nothing hangs.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::time::Instant;

use common::{panic_text, within};

const TASKS: usize = 100_000;

#[anyrt::test]
#[ignore = "heavy: run by .ci/run in release mode"]
async fn one_in_ten_of_100k_tasks_panics_and_the_rest_are_unharmed() {
    common::quiet_panics_starting_with("fault:");
    let start = Instant::now();
    let handles: Vec<_> = (0..TASKS)
        .map(|i| {
            anyrt::spawn(async move {
                if i % 10 == 3 {
                    panic!("fault: task {i}");
                }
                anyrt::task::yield_now().await;
                i * 7
            })
        })
        .collect();
    let (mut ok, mut panicked) = (0, 0);
    for (i, handle) in handles.into_iter().enumerate() {
        match within("task", handle).await {
            Ok(value) => {
                assert_ne!(i % 10, 3, "task {i} should have panicked");
                assert_eq!(value, i * 7);
                ok += 1;
            }
            Err(error) => {
                assert!(error.is_panic(), "task {i}: {error}");
                assert_eq!(panic_text(&*error.into_panic()), format!("fault: task {i}"));
                panicked += 1;
            }
        }
    }
    eprintln!(
        "fault_panics on {}: {ok} ok, {panicked} panicked, {:.2} s",
        anyrt::Backend::current(),
        start.elapsed().as_secs_f64()
    );
    assert_eq!((ok, panicked), (TASKS - TASKS / 10, TASKS / 10));
    // Still serving.
    assert_eq!(
        within("after the storm", anyrt::spawn(async { 1 }))
            .await
            .unwrap(),
        1
    );
}

/// Counts how many task locals were dropped.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[anyrt::test]
#[ignore = "heavy: run by .ci/run in release mode"]
async fn half_of_100k_tasks_aborted_at_random_points() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut rng = fastrand::Rng::with_seed(7);
    let start = Instant::now();
    let handles: Vec<_> = (0..TASKS)
        .map(|i| {
            let local = Counted(drops.clone());
            let yields = rng.usize(0..8);
            // Long enough that most tasks are still running when the aborts come, short enough
            // that the ones left alone finish soon.
            let nap = Duration::from_millis(rng.u64(0..200));
            anyrt::spawn(async move {
                let _local = local;
                for _ in 0..yields {
                    anyrt::task::yield_now().await;
                }
                anyrt::time::sleep(nap).await;
                i
            })
        })
        .collect();
    // Abort every other task, at random moments while the runtime works through them.
    for (i, handle) in handles.iter().enumerate() {
        if i % 2 == 0 {
            handle.abort();
        }
        if rng.usize(0..50) == 0 {
            anyrt::task::yield_now().await;
        }
    }
    let (mut completed, mut cancelled) = (0, 0);
    for (i, handle) in handles.into_iter().enumerate() {
        match within("task", handle).await {
            Ok(value) => {
                assert_eq!(value, i);
                completed += 1;
            }
            Err(error) => {
                assert!(error.is_cancelled(), "task {i}: {error}");
                assert_eq!(i % 2, 0, "task {i} was never aborted");
                cancelled += 1;
            }
        }
    }
    let dropped = drops.load(Ordering::SeqCst);
    eprintln!(
        "fault_aborts on {}: {completed} completed, {cancelled} cancelled, {dropped} locals \
         dropped, {:.2} s",
        anyrt::Backend::current(),
        start.elapsed().as_secs_f64()
    );
    // Every task's locals are gone once its handle returned: completed or cancelled.
    assert_eq!(dropped, TASKS);
    assert!(cancelled > 0, "no abort took effect");
    assert!(completed >= TASKS / 2);
}

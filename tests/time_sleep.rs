//! `sleep` and `sleep_until` (SEMANTICS.md rows 7, 7b, 7c, 7d).

mod common;

use std::time::{Duration, Instant};

use anyrt::time::{sleep, sleep_until, timeout};
use common::within;
use futures_lite::future::poll_once;

#[anyrt::test]
async fn sleep_lasts_at_least_its_duration() {
    for ms in [1, 5, 20, 50] {
        let d = Duration::from_millis(ms);
        let start = Instant::now();
        within("sleep", sleep(d)).await;
        assert!(start.elapsed() >= d, "slept {:?} < {d:?}", start.elapsed());
    }
}

#[anyrt::test]
async fn sleep_zero_is_ready_on_first_poll() {
    assert_eq!(poll_once(sleep(Duration::ZERO)).await, Some(()));
}

#[anyrt::test]
async fn sleep_until_a_past_instant_is_ready_on_first_poll() {
    let past = Instant::now() - Duration::from_millis(5);
    assert_eq!(poll_once(sleep_until(past)).await, Some(()));
}

#[anyrt::test]
async fn sleep_duration_max_never_fires_and_never_panics() {
    let mut forever = Box::pin(sleep(Duration::MAX));
    assert_eq!(forever.deadline(), None);
    assert!(!forever.is_elapsed());
    assert_eq!(poll_once(forever.as_mut()).await, None);
    assert!(timeout(Duration::from_millis(20), forever).await.is_err());
}

#[anyrt::test]
async fn far_future_sleep_until_never_fires_and_never_panics() {
    let far = Instant::now() + Duration::from_secs(100 * 365 * 86_400);
    let result = timeout(Duration::from_millis(20), sleep_until(far)).await;
    assert!(result.is_err());
}

#[anyrt::test]
async fn deadline_and_is_elapsed() {
    let start = Instant::now();
    let mut s = Box::pin(sleep(Duration::from_millis(10)));
    let deadline = s.deadline().unwrap();
    assert!(deadline >= start + Duration::from_millis(10));
    within("sleep", s.as_mut()).await;
    assert!(s.is_elapsed());
    assert!(Instant::now() >= deadline);
}

#[anyrt::test]
async fn reset_moves_the_deadline_both_ways() {
    let mut s = Box::pin(sleep(Duration::from_secs(3600)));
    assert_eq!(poll_once(s.as_mut()).await, None);
    let soon = Instant::now() + Duration::from_millis(10);
    s.as_mut().reset(soon);
    within("reset sleep", s.as_mut()).await;
    assert!(Instant::now() >= soon);

    // A completed sleep can be reset and awaited again.
    let later = Instant::now() + Duration::from_millis(10);
    s.as_mut().reset(later);
    assert_eq!(poll_once(s.as_mut()).await, None);
    within("sleep again", s.as_mut()).await;
    assert!(Instant::now() >= later);

    // Resetting to the past makes it ready at once.
    s.as_mut().reset(Instant::now() + Duration::from_secs(3600));
    assert_eq!(poll_once(s.as_mut()).await, None);
    s.as_mut().reset(Instant::now() - Duration::from_millis(1));
    assert_eq!(poll_once(s.as_mut()).await, Some(()));
}

#[anyrt::test]
async fn many_concurrent_sleeps_all_complete() {
    let start = Instant::now();
    let handles: Vec<_> = (0..1000u64)
        .map(|i| anyrt::spawn(sleep(Duration::from_millis(10 + i % 10))))
        .collect();
    for handle in handles {
        within("sleep task", handle).await.unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(10));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[anyrt::test]
async fn sleep_made_here_works_on_a_thread_outside_any_runtime() {
    // Created inside the runtime, awaited by a plain executor on a thread of its own.
    let s = sleep(Duration::from_millis(10));
    let start = Instant::now();
    std::thread::spawn(move || futures_lite::future::block_on(s))
        .join()
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[anyrt::test]
async fn sleep_made_and_awaited_outside_any_runtime_works() {
    let elapsed = std::thread::spawn(|| {
        let start = Instant::now();
        futures_lite::future::block_on(sleep(Duration::from_millis(10)));
        start.elapsed()
    })
    .join()
    .unwrap();
    assert!(elapsed >= Duration::from_millis(10));
}

#[anyrt::test]
async fn sleep_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let s = sleep(Duration::from_millis(1));
    assert_send_sync(&s);
    s.await;
}

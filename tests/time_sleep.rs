//! `sleep` and `sleep_until` (SEMANTICS.md rows 7, 7b, 7c, 7d).

mod common;

use std::future::{poll_fn, Future};
use std::task::Poll;
use std::time::Duration;

use anyrt::time::Instant;

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
async fn reset_to_a_passed_deadline_wakes_the_waiting_task() {
    // The task polls the sleep (arming its timer), moves the deadline into the past and returns
    // `Pending` without polling again: only the sleep can wake it. The outer timeout polls it one
    // last time when it gives up, so a missing wake shows as the time taken, not as a hang.
    for initial in [Duration::from_secs(3600), Duration::MAX] {
        let mut s = Box::pin(sleep(initial));
        let mut reset = false;
        let start = Instant::now();
        let woken = timeout(
            Duration::from_secs(3),
            poll_fn(|cx| {
                if reset {
                    return s.as_mut().poll(cx);
                }
                assert!(s.as_mut().poll(cx).is_pending());
                s.as_mut().reset(Instant::now() - Duration::from_millis(1));
                reset = true;
                Poll::Pending
            }),
        )
        .await;
        assert_eq!(woken, Ok(()), "{initial:?}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "reset from {initial:?}: woken only after {:?}",
            start.elapsed()
        );
    }
}

#[anyrt::test]
async fn reset_of_a_never_ending_sleep_to_a_near_deadline_fires() {
    let mut s = Box::pin(sleep(Duration::MAX));
    assert_eq!(poll_once(s.as_mut()).await, None);
    let soon = Instant::now() + Duration::from_millis(10);
    s.as_mut().reset(soon);
    within("reset sleep", s.as_mut()).await;
    assert!(Instant::now() >= soon);
}

#[anyrt::test(except(
    sim = "the simulation's clock moves only while its thread runs, and here that thread waits for the sleep"
))]
async fn a_started_sleep_completes_on_a_thread_outside_any_runtime() {
    // Polled here first, so the backend's timer exists; then awaited by a plain executor on a
    // thread of its own.
    let mut s = Box::pin(sleep(Duration::from_millis(20)));
    let start = Instant::now();
    assert_eq!(poll_once(s.as_mut()).await, None);
    std::thread::spawn(move || futures_lite::future::block_on(s))
        .join()
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(20));
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

/// tokio's paused test clock (`test-util`): anyrt's timers on tokio read tokio's clock, so they
/// follow it like tokio's own (SEMANTICS.md row 7e).
#[cfg(feature = "rt-tokio")]
mod tokio_paused_clock {
    use super::*;
    use futures_lite::future::or;

    const YEAR: Duration = Duration::from_secs(365 * 86_400);

    /// Runs `body` on a paused current-thread runtime of its own thread, failing after ten
    /// seconds of real time (a sleep that does not follow the paused clock takes real time).
    fn on_paused_clock<F: std::future::Future<Output = ()>>(
        body: impl FnOnce() -> F + Send + 'static,
    ) {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap()
                .block_on(body());
            let _ = done.send(());
        });
        match finished.recv_timeout(common::HANG) {
            Ok(()) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("still running after {:?} of real time", common::HANG)
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the body panicked"),
        }
    }

    #[test]
    fn sleeps_run_on_the_paused_clock() {
        on_paused_clock(|| async {
            let start = tokio::time::Instant::now();
            sleep(Duration::from_secs(3600)).await;
            let slept = start.elapsed();
            assert!(slept >= Duration::from_secs(3600), "{slept:?}");
            assert!(slept < Duration::from_secs(3601), "{slept:?}");
            let result = timeout(Duration::from_secs(60), sleep(Duration::from_secs(61))).await;
            assert!(result.is_err());
            assert!(start.elapsed() >= Duration::from_secs(3660));
        });
    }

    #[test]
    fn a_deadline_years_away_is_reached_in_steps_never_early() {
        on_paused_clock(|| async {
            // Backend timers are armed at most a year ahead; the sleep ends only at its deadline.
            let start = tokio::time::Instant::now();
            let deadline = start.into_std() + 3 * YEAR;
            sleep_until(deadline).await;
            let slept = start.elapsed();
            assert!(slept >= 3 * YEAR, "a 3-year sleep ended after {slept:?}");
            assert!(slept < 3 * YEAR + Duration::from_secs(1), "{slept:?}");

            // Thirty years, and `Duration::MAX`, outlast ten years of tokio's own timer.
            let start = tokio::time::Instant::now();
            let far = start.into_std() + 30 * YEAR;
            let first = or(
                async {
                    sleep_until(far).await;
                    "the 30-year sleep"
                },
                or(
                    async {
                        sleep(Duration::MAX).await;
                        "sleep(Duration::MAX)"
                    },
                    async {
                        tokio::time::sleep(10 * YEAR).await;
                        "tokio's 10-year sleep"
                    },
                ),
            )
            .await;
            assert_eq!(first, "tokio's 10-year sleep");
            assert!(start.elapsed() >= 10 * YEAR);
        });
    }
}

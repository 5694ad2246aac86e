//! `timeout` and `timeout_at` (SEMANTICS.md rows 8, 8b, 8c).

mod common;

use std::io;
use std::time::Duration;

use anyrt::time::Instant;

use anyrt::task::yield_now;
use anyrt::time::{sleep, timeout, timeout_at, Elapsed};
use common::{within, DropFlag};

#[anyrt::test]
async fn zero_timeout_around_a_ready_future_succeeds() {
    assert_eq!(timeout(Duration::ZERO, async { 5 }).await, Ok(5));
}

#[anyrt::test]
async fn zero_timeout_around_a_future_that_yields_elapses() {
    let result = timeout(Duration::ZERO, async {
        yield_now().await;
        5
    })
    .await;
    assert!(result.is_err());
}

#[anyrt::test]
async fn past_deadline_around_a_pending_future_elapses() {
    let past = Instant::now() - Duration::from_secs(1);
    assert!(timeout_at(past, sleep(Duration::from_millis(50)))
        .await
        .is_err());
    assert_eq!(timeout_at(past, async { 1 }).await, Ok(1));
}

#[anyrt::test]
async fn slow_future_times_out_no_earlier_than_the_deadline() {
    let d = Duration::from_millis(20);
    let start = Instant::now();
    let result = within("timeout", timeout(d, sleep(Duration::from_secs(3600)))).await;
    assert_eq!(result, Err(elapsed()));
    assert!(start.elapsed() >= d);
}

#[anyrt::test]
async fn fast_future_finishes_within_a_generous_timeout() {
    let result = timeout(Duration::from_secs(5), async {
        sleep(Duration::from_millis(5)).await;
        "done"
    })
    .await;
    assert_eq!(result, Ok("done"));
}

#[anyrt::test]
async fn duration_max_timeout_never_panics() {
    assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
    let slow = async {
        sleep(Duration::from_millis(5)).await;
        2
    };
    assert_eq!(within("timeout", timeout(Duration::MAX, slow)).await, Ok(2));
}

#[anyrt::test]
async fn elapsed_timeout_drops_the_future() {
    let (guard, dropped) = DropFlag::new();
    let future = async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    };
    assert!(timeout(Duration::from_millis(5), future).await.is_err());
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
}

#[anyrt::test]
async fn elapsed_converts_to_timed_out_io_error() {
    let error = timeout(Duration::ZERO, std::future::pending::<()>())
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "deadline has elapsed");
    let io: io::Error = error.into();
    assert_eq!(io.kind(), io::ErrorKind::TimedOut);
    assert_eq!(io.to_string(), "deadline has elapsed");
}

#[anyrt::test]
async fn timeout_gives_access_to_the_inner_future() {
    let mut t = timeout(
        Duration::from_secs(5),
        Box::pin(sleep(Duration::from_secs(3600))),
    );
    assert!(t.get_ref().deadline().unwrap() > Instant::now() + Duration::from_secs(3000));
    // Bring the inner sleep forward through `get_mut`: it now beats the timeout.
    t.get_mut().as_mut().reset(Instant::now());
    assert_eq!(within("timeout", t).await, Ok(()));
    let inner = timeout(Duration::ZERO, std::future::ready(3)).into_inner();
    assert_eq!(inner.await, 3);
}

/// An `Elapsed` to compare against: the only way to get one is from a timeout.
fn elapsed() -> Elapsed {
    futures_lite::future::block_on(timeout(Duration::ZERO, std::future::pending::<()>()))
        .unwrap_err()
}

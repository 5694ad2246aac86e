//! `interval` and `interval_at` (SEMANTICS.md rows 9, 9b, 9c).

mod common;

use std::time::Duration;

use anyrt::time::Instant;

use anyrt::time::{interval, interval_at, sleep, MissedTickBehavior};
use common::{panic_message_of, within};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn first_tick_completes_immediately() {
    let start = Instant::now();
    let mut ticks = interval(Duration::from_secs(3600));
    let first = poll_once(ticks.tick())
        .await
        .expect("first tick is immediate");
    assert!(first >= start && first <= Instant::now());
}

#[anyrt::test]
async fn ticks_stay_on_the_grid() {
    let period = Duration::from_millis(10);
    let start = Instant::now() + Duration::from_millis(5);
    let mut ticks = interval_at(start, period);
    for k in 0..5 {
        let tick = within("tick", ticks.tick()).await;
        assert_eq!(tick, start + period * k);
        assert!(Instant::now() >= tick, "tick {k} fired early");
    }
}

/// Stalls for 3.5 periods after the first tick, so the ticks at 1, 2 and 3 periods are missed.
async fn stalled(
    behavior: MissedTickBehavior,
    period: Duration,
) -> (Instant, anyrt::time::Interval) {
    let start = Instant::now();
    let mut ticks = interval_at(start, period);
    ticks.set_missed_tick_behavior(behavior);
    assert_eq!(ticks.missed_tick_behavior(), behavior);
    assert_eq!(ticks.tick().await, start);
    sleep(period * 7 / 2).await;
    (start, ticks)
}

#[anyrt::test]
async fn burst_fires_missed_ticks_at_once() {
    let period = Duration::from_millis(40);
    let (start, mut ticks) = stalled(MissedTickBehavior::Burst, period).await;
    for k in 1..=3 {
        let tick = poll_once(ticks.tick())
            .await
            .expect("missed tick fires at once");
        assert_eq!(tick, start + period * k);
    }
    let next = within("tick", ticks.tick()).await;
    assert_eq!(next, start + period * 4);
}

#[anyrt::test]
async fn burst_is_the_default() {
    assert_eq!(
        interval(Duration::from_secs(1)).missed_tick_behavior(),
        MissedTickBehavior::Burst
    );
}

#[anyrt::test]
async fn delay_restarts_the_schedule_after_a_late_tick() {
    let period = Duration::from_millis(40);
    let (start, mut ticks) = stalled(MissedTickBehavior::Delay, period).await;
    let before_late = Instant::now();
    let late = poll_once(ticks.tick())
        .await
        .expect("late tick fires at once");
    let after_late = Instant::now();
    assert_eq!(late, start + period);
    // The new schedule starts one period after the late tick completed, off the old grid.
    let next = within("tick", ticks.tick()).await;
    assert!(next >= before_late + period && next <= after_late + period);
    assert!(Instant::now() >= next);
    let following = within("tick", ticks.tick()).await;
    assert_eq!(following, next + period);
}

#[anyrt::test]
async fn skip_drops_missed_ticks_and_keeps_the_grid() {
    let period = Duration::from_millis(40);
    let (start, mut ticks) = stalled(MissedTickBehavior::Skip, period).await;
    let late = poll_once(ticks.tick())
        .await
        .expect("late tick fires at once");
    assert_eq!(late, start + period);
    let resumed = Instant::now();
    let next = within("tick", ticks.tick()).await;
    let offset = next - start;
    assert_eq!(
        offset.as_nanos() % period.as_nanos(),
        0,
        "off the grid: {offset:?}"
    );
    assert!(
        offset >= period * 4,
        "missed ticks were not skipped: {offset:?}"
    );
    assert!(next > resumed, "skipped to a tick that had already passed");
}

#[anyrt::test]
async fn reset_starts_a_period_from_now() {
    let period = Duration::from_millis(20);
    let mut ticks = interval(period);
    ticks.tick().await;
    let before = Instant::now();
    ticks.reset();
    assert_eq!(poll_once(ticks.tick()).await, None);
    let next = within("tick", ticks.tick()).await;
    assert!(next >= before + period);
    assert_eq!(ticks.period(), period);
}

#[anyrt::test]
async fn zero_period_panics_with_an_anyrt_message() {
    let message = panic_message_of(|| interval(Duration::ZERO));
    assert_eq!(message, "anyrt: an interval's `period` must be non-zero");
    let message = panic_message_of(|| interval_at(Instant::now(), Duration::ZERO));
    assert_eq!(message, "anyrt: an interval's `period` must be non-zero");
}

#[anyrt::test]
async fn huge_period_never_panics() {
    let mut ticks = interval(Duration::MAX);
    poll_once(ticks.tick())
        .await
        .expect("first tick is immediate");
    assert_eq!(poll_once(ticks.tick()).await, None);
}

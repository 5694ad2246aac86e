//! [`interval`], [`interval_at`] and their [`Interval`].

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use super::{sleep_until, Instant, Sleep};

/// Ticks every `period`, the first tick at once.
///
/// # Panics
///
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use anyrt::time::Instant;
///
/// # anyrt::block_on(async {
/// let start = Instant::now();
/// let mut interval = anyrt::time::interval(Duration::from_millis(10));
/// interval.tick().await; // at once
/// interval.tick().await;
/// interval.tick().await;
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// # });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`, an [`Instant`] or a [`std::time::Instant`].
///
/// # Panics
///
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use anyrt::time::Instant;
///
/// # anyrt::block_on(async {
/// let start = Instant::now() + Duration::from_millis(5);
/// let mut interval = anyrt::time::interval_at(start, Duration::from_millis(10));
/// assert_eq!(interval.tick().await, start);
/// assert_eq!(interval.tick().await, start + Duration::from_millis(10));
/// # });
/// ```
pub fn interval_at(start: impl Into<Instant>, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "anyrt: an interval's `period` must be non-zero"
    );
    Interval {
        sleep: Box::pin(sleep_until(start)),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when a tick is late by a whole period or more.
///
/// A tick is *missed* when the next one's scheduled instant has already passed by the time the
/// late tick completes (the task was busy, or the machine stalled).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one per `tick()`, until caught up with the schedule.
    #[default]
    Burst,
    /// Start a new schedule: the next tick comes one period after the late one.
    Delay,
    /// Drop the missed ticks and fire at the next instant of the original schedule.
    Skip,
}

/// An instant no interval reaches in practice, for periods too large for `Instant` arithmetic.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365 * 30)
}

/// A stream of ticks, made by [`interval`] and [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    // Boxed so `Interval` is `Unpin` and `tick(&mut self)` needs no pinning.
    sleep: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the future is dropped before it completes, no tick is lost.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; returns its scheduled instant when it is due.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.sleep.as_mut().poll(cx));
        let scheduled = self
            .sleep
            .deadline()
            .expect("an interval's sleep always has a deadline");
        let now = Instant::now();
        let on_grid = scheduled.checked_add(self.period);
        let next = match on_grid {
            Some(next) if next > now => next,
            _ => self.next_after_miss(scheduled, now),
        };
        self.sleep.as_mut().reset(next);
        Poll::Ready(scheduled)
    }

    fn next_after_miss(&self, scheduled: Instant, now: Instant) -> Instant {
        match self.missed_tick_behavior {
            MissedTickBehavior::Burst => scheduled.checked_add(self.period),
            MissedTickBehavior::Delay => now.checked_add(self.period),
            MissedTickBehavior::Skip => {
                let period = self.period.as_nanos();
                let behind = (now - scheduled).as_nanos();
                let remaining = period - behind % period;
                u64::try_from(remaining)
                    .ok()
                    .and_then(|nanos| now.checked_add(Duration::from_nanos(nanos)))
            }
        }
        .unwrap_or_else(|| far_future(now))
    }

    /// Restarts the schedule: the next tick comes one period from now.
    pub fn reset(&mut self) {
        let now = Instant::now();
        let next = now
            .checked_add(self.period)
            .unwrap_or_else(|| far_future(now));
        self.sleep.as_mut().reset(next);
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Chooses what happens to missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

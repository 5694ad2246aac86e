//! Time: [`sleep`], [`timeout`], [`interval`], with [`std::time::Instant`] as the instant type.
//!
//! The same on every backend:
//!
//! - a sleep never completes before its deadline; one whose deadline has already passed
//!   (including `sleep(Duration::ZERO)`) is ready on its first poll;
//! - `sleep(Duration::MAX)` and a far-future `sleep_until` never panic and never fire;
//! - [`timeout`] polls the future first, so a future that is ready wins even with a zero
//!   duration;
//! - an [`Interval`]'s first tick completes at once, later ticks stay on the
//!   `start + k * period` grid, and missed ticks follow its [`MissedTickBehavior`].
//!
//! Timer resolution is backend-defined: tokio rounds deadlines up to the next millisecond,
//! async-std fires within tens of microseconds.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::rt;

/// Waits until `duration` has elapsed.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// # anyrt::block_on(async {
/// let start = Instant::now();
/// anyrt::time::sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Instant::now().checked_add(duration))
}

/// Waits until `deadline`.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// # anyrt::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(10);
/// anyrt::time::sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Some(deadline))
}

pin_project! {
    /// The future returned by [`sleep`] and [`sleep_until`].
    ///
    /// The backend's timer is created on the first poll that finds the deadline still ahead, by
    /// the backend running that poll; a sleep that is already due never touches a runtime.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        // `None`: the deadline cannot be represented (`sleep(Duration::MAX)`); it never fires.
        deadline: Option<Instant>,
        #[pin]
        timer: Option<rt::Timer>,
    }
}

impl Sleep {
    fn new(deadline: Option<Instant>) -> Sleep {
        Sleep {
            deadline,
            timer: None,
        }
    }

    /// The instant this sleep completes at, or `None` if it never does.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        self.deadline.is_some_and(|d| d <= Instant::now())
    }

    /// Moves the deadline; the sleep can be awaited again even if it had completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// # anyrt::block_on(async {
    /// let mut sleep = Box::pin(anyrt::time::sleep(Duration::from_secs(3600)));
    /// let soon = Instant::now() + Duration::from_millis(5);
    /// sleep.as_mut().reset(soon);
    /// sleep.await;
    /// assert!(Instant::now() >= soon);
    /// # });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let mut this = self.project();
        *this.deadline = Some(deadline);
        match this.timer.as_mut().as_pin_mut() {
            Some(timer) if deadline > Instant::now() => timer.reset(deadline),
            // Already due: the next poll completes without a timer.
            _ => this.timer.set(None),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let Some(deadline) = *this.deadline else {
            // Nothing will ever wake this future, which is what a sleep that never ends needs.
            return Poll::Pending;
        };
        if this.timer.is_none() {
            if Instant::now() >= deadline {
                return Poll::Ready(());
            }
            this.timer.set(Some(rt::Timer::new(deadline)));
        }
        match this.timer.as_pin_mut() {
            Some(timer) => timer.poll(cx),
            None => unreachable!("the timer was just created"),
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Requires `future` to complete within `duration`.
///
/// The future is polled before the deadline is checked, so a future that is ready at once
/// completes even with `Duration::ZERO`. When the deadline passes first, the future is dropped
/// and [`Elapsed`] returned.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use anyrt::time::{sleep, timeout};
///
/// # anyrt::block_on(async {
/// assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
/// assert!(timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await.is_err());
/// # });
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep(duration),
    }
}

/// Requires `future` to complete before `deadline`; see [`timeout`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// # anyrt::block_on(async {
/// let deadline = Instant::now() + Duration::from_secs(5);
/// assert_eq!(anyrt::time::timeout_at(deadline, async { "done" }).await, Ok("done"));
/// # });
/// ```
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep_until(deadline),
    }
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        #[pin]
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Gives the wrapped future back, dropping the deadline.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        ready!(this.sleep.poll(cx));
        Poll::Ready(Err(Elapsed(())))
    }
}

/// The error of a [`Timeout`] whose deadline passed before its future completed.
///
/// It converts to an [`io::Error`] of kind [`io::ErrorKind::TimedOut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}

/// Ticks every `period`, the first tick at once.
///
/// # Panics
///
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
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

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
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

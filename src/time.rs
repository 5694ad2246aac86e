//! Time: [`sleep`], [`timeout`], [`interval`], with [`std::time::Instant`] as the instant type.
//!
//! The same on every backend:
//!
//! - a sleep never completes before its deadline; one whose deadline has already passed
//!   (including `sleep(Duration::ZERO)`) is ready on its first poll;
//! - `sleep(Duration::MAX)` and a far-future `sleep_until` never panic and never fire: a
//!   backend timer is armed at most a year ahead and armed again when it fires short of the
//!   deadline, so no backend's timer range (about 2.2 years for tokio's) can end a sleep early;
//! - [`Sleep::reset`] to a deadline already passed wakes the task waiting on the sleep;
//! - [`timeout`] polls the future first, so a future that is ready wins even with a zero
//!   duration;
//! - an [`Interval`]'s first tick completes at once, later ticks stay on the
//!   `start + k * period` grid, and missed ticks follow its [`MissedTickBehavior`].
//!
//! Timer resolution is backend-defined: tokio rounds deadlines up to the next millisecond,
//! async-std fires within tens of microseconds.
//!
//! Deadlines are compared with the clock of the backend serving the call: the real clock,
//! except inside a tokio runtime whose clock tokio's `test-util` paused (`start_paused`,
//! `tokio::time::pause`). There anyrt's sleeps, timeouts and intervals follow tokio's paused
//! clock as tokio's own timers do, so `sleep(Duration::from_secs(3600))` completes as soon as
//! the runtime auto-advances an hour; [`Sleep::deadline`] is then an instant of that clock.

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
/// # Panics
///
/// The returned future panics when polled if the backend must start a thread for its timers
/// and the operating system refuses (see the crate's [Panics](crate#panics) section).
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
    Sleep::new(rt::now().checked_add(duration))
}

/// Waits until `deadline`.
///
/// # Panics
///
/// The returned future panics when polled if the backend must start a thread for its timers
/// and the operating system refuses (see the crate's [Panics](crate#panics) section).
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

/// The longest a backend timer is armed for. A deadline further away is reached in steps: when
/// the timer fires early, it is armed again. tokio documents about 2.2 years as its timers'
/// maximum; async-io has none. A step of a year keeps every backend well inside its range, and
/// the check at each firing means no backend can end a sleep before its deadline.
const MAX_ARM: Duration = Duration::from_secs(365 * 86_400);

/// The instant to arm a backend timer for, on the way to `deadline` (`None`: never).
fn arm_at(now: Instant, deadline: Option<Instant>) -> Option<Instant> {
    let step = now.checked_add(MAX_ARM);
    match (step, deadline) {
        (Some(step), Some(deadline)) => Some(step.min(deadline)),
        (step, deadline) => step.or(deadline),
    }
}

pin_project! {
    /// The future returned by [`sleep`] and [`sleep_until`].
    ///
    /// The backend's timer is created on the first poll that finds the deadline still ahead, by
    /// the backend running that poll; a sleep that is already due never touches a runtime. It
    /// completes when the clock of that backend reaches the deadline, never earlier, however far
    /// away the deadline is.
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
        self.deadline.is_some_and(|d| d <= rt::now())
    }

    /// Moves the deadline; the sleep can be awaited again even if it had completed.
    ///
    /// A task waiting on the sleep is woken if the new deadline has already passed, as when
    /// the timer fires.
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
        let this = self.project();
        *this.deadline = Some(deadline);
        // A timer exists only once a poll found the deadline ahead, so a task may be waiting
        // on it: move the timer rather than drop it, even to a deadline already passed, so that
        // the backend fires it and wakes that task. Without a timer the next poll decides.
        if let Some(timer) = this.timer.as_pin_mut() {
            let now = timer.as_ref().get_ref().now();
            if let Some(at) = arm_at(now, Some(deadline)) {
                timer.reset(at);
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let deadline = *this.deadline;
        if this.timer.is_none() {
            let now = rt::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                return Poll::Ready(());
            }
            let Some(at) = arm_at(now, deadline) else {
                // Not even one step can be represented: nothing will ever wake this future.
                return Poll::Pending;
            };
            this.timer.set(Some(rt::Timer::new(at)));
        }
        let Some(mut timer) = this.timer.as_pin_mut() else {
            unreachable!("anyrt: the timer was just created")
        };
        // The timer fires at its armed instant or later; the sleep ends only once the timer's
        // own clock has reached the deadline, else the timer is armed for the next step.
        for _ in 0..2 {
            ready!(timer.as_mut().poll(cx));
            let now = timer.as_ref().get_ref().now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                return Poll::Ready(());
            }
            match arm_at(now, deadline) {
                Some(at) => timer.as_mut().reset(at),
                None => return Poll::Pending,
            }
        }
        // Fired twice in a row short of the deadline: the timer's clock and the one read here
        // disagree (a timer of a paused tokio runtime polled outside it). Let other tasks run
        // rather than spin inside this poll.
        cx.waker().wake_by_ref();
        Poll::Pending
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
/// # Panics
///
/// The returned future panics when polled if the backend must start a thread for its timers
/// and the operating system refuses (see the crate's [Panics](crate#panics) section).
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
/// # Panics
///
/// The returned future panics when polled if the backend must start a thread for its timers
/// and the operating system refuses (see the crate's [Panics](crate#panics) section).
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
    interval_at(rt::now(), period)
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
        let now = rt::now();
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
        let now = rt::now();
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

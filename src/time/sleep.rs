//! [`sleep`], [`sleep_until`] and their [`Sleep`] future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::Instant;
use crate::rt;

/// The clock readings this file works with; the public API speaks [`Instant`].
type StdInstant = std::time::Instant;

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
/// use std::time::Duration;
/// use anyrt::time::Instant;
///
/// # anyrt::block_on(async {
/// let start = Instant::now();
/// anyrt::time::sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
#[inline]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(rt::now().checked_add(duration))
}

/// Waits until `deadline`, an [`Instant`] or a [`std::time::Instant`].
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
/// use anyrt::time::Instant;
///
/// # anyrt::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(10);
/// anyrt::time::sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
///
/// // std's instants work too, and are read as instants of the same clock.
/// anyrt::time::sleep_until(std::time::Instant::now()).await;
/// # });
/// ```
#[inline]
pub fn sleep_until(deadline: impl Into<Instant>) -> Sleep {
    Sleep::new(Some(deadline.into().into_std()))
}

/// The longest a backend timer is armed for. A deadline further away is reached in steps: when
/// the timer fires early, it is armed again. tokio documents about 2.2 years as its timers'
/// maximum; async-io has none. A step of a year keeps every backend well inside its range, and
/// the check at each firing means no backend can end a sleep before its deadline.
const MAX_ARM: Duration = Duration::from_secs(365 * 86_400);

/// The instant to arm a backend timer for, on the way to `deadline` (`None`: never).
fn arm_at(now: StdInstant, deadline: Option<StdInstant>) -> Option<StdInstant> {
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
        deadline: Option<StdInstant>,
        #[pin]
        timer: Option<rt::Timer>,
    }
}

impl Sleep {
    #[inline]
    fn new(deadline: Option<StdInstant>) -> Sleep {
        Sleep {
            deadline,
            timer: None,
        }
    }

    /// The instant this sleep completes at, or `None` if it never does.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline.map(Instant::from_std)
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
    /// use std::time::Duration;
    /// use anyrt::time::Instant;
    ///
    /// # anyrt::block_on(async {
    /// let mut sleep = Box::pin(anyrt::time::sleep(Duration::from_secs(3600)));
    /// let soon = Instant::now() + Duration::from_millis(5);
    /// sleep.as_mut().reset(soon);
    /// sleep.await;
    /// assert!(Instant::now() >= soon);
    /// # });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: impl Into<Instant>) {
        let deadline = deadline.into().into_std();
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
        // A deadline already passed is ready whether or not the backend has fired the timer yet
        // (after a `reset` to the past, tokio's driver fires it on its next turn).
        if deadline.is_some_and(|deadline| timer.as_ref().get_ref().now() >= deadline) {
            return Poll::Ready(());
        }
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

//! [`timeout`], [`timeout_at`], their [`Timeout`] future and its [`Elapsed`] error.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::{sleep, sleep_until, Instant, Sleep};

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
#[inline]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep(duration),
    }
}

/// Requires `future` to complete before `deadline`, an [`Instant`] or a
/// [`std::time::Instant`]; see [`timeout`].
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
/// let deadline = Instant::now() + Duration::from_secs(5);
/// assert_eq!(anyrt::time::timeout_at(deadline, async { "done" }).await, Ok("done"));
/// # });
/// ```
#[inline]
pub fn timeout_at<F: IntoFuture>(
    deadline: impl Into<Instant>,
    future: F,
) -> Timeout<F::IntoFuture> {
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

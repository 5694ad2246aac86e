//! [`Notify`]: wake one task or all of them, for every backend, on tokio's.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// Wakes tasks waiting for an event, with no data attached: a shutdown signal, "the queue has
/// work", "the state changed".
///
/// - [`notify_one`](Notify::notify_one) wakes one waiter, the one that waited longest. With no
///   waiter, the notification is **kept** (one at most) and the next
///   [`notified`](Notify::notified) completes at once, so a notification sent just before the
///   receiver starts waiting is not lost.
/// - [`notify_waiters`](Notify::notify_waiters) wakes every task waiting now, including
///   `Notified` futures created but not yet polled, and keeps nothing for later ones.
///
/// [`new`](Notify::new) is a `const fn`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use anyrt::sync::Notify;
///
/// # anyrt::block_on(async {
/// let notify = Arc::new(Notify::new());
/// let waiter = {
///     let notify = notify.clone();
///     anyrt::spawn(async move {
///         notify.notified().await;
///         "woken"
///     })
/// };
/// notify.notify_one(); // kept if the task is not waiting yet
/// assert_eq!(waiter.await.unwrap(), "woken");
/// # });
/// ```
pub struct Notify {
    inner: tokio::sync::Notify,
}

impl Notify {
    /// A `Notify` with no waiter and no kept notification.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let notify = anyrt::sync::Notify::new();
    /// notify.notify_one(); // kept for the next waiter
    /// notify.notified().await;
    /// # });
    /// ```
    pub const fn new() -> Notify {
        Notify {
            inner: tokio::sync::Notify::const_new(),
        }
    }

    /// The same as [`new`](Notify::new), under the name tokio gives its `const` constructor.
    ///
    /// # Examples
    ///
    /// ```
    /// static SHUTDOWN: anyrt::sync::Notify = anyrt::sync::Notify::const_new();
    ///
    /// # anyrt::block_on(async {
    /// SHUTDOWN.notify_one();
    /// SHUTDOWN.notified().await;
    /// # });
    /// ```
    pub const fn const_new() -> Notify {
        Notify::new()
    }

    /// A future that completes when this is notified.
    ///
    /// It completes at once if a [`notify_one`](Notify::notify_one) was kept. It is woken by
    /// [`notify_waiters`](Notify::notify_waiters) calls made after `notified` returned, even
    /// before it is first polled; by [`notify_one`](Notify::notify_one) only once it is waiting
    /// (polled, or [`enable`](Notified::enable)d).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, and no notification is lost: a `notify_one` that reached this future before
    /// it was dropped goes to the next waiter, or is kept for the next `notified`. Dropping the
    /// future gives up its place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let notify = Arc::new(anyrt::sync::Notify::new());
    /// let waiter = {
    ///     let notify = notify.clone();
    ///     anyrt::spawn(async move { notify.notified().await })
    /// };
    /// notify.notify_one();
    /// waiter.await.unwrap();
    /// # });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            inner: self.inner.notified(),
        }
    }

    /// Wakes the task that has waited longest; with no task waiting, keeps the notification
    /// (one at most) for the next [`notified`](Notify::notified).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let notify = anyrt::sync::Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // one is kept, not two
    /// notify.notified().await;
    /// let mut second = std::pin::pin!(notify.notified());
    /// assert!(futures_lite::future::poll_once(second.as_mut()).await.is_none());
    /// # });
    /// ```
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Like [`notify_one`](Notify::notify_one), but wakes the task that waited the shortest.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use futures_lite::future::poll_once;
    ///
    /// # anyrt::block_on(async {
    /// let notify = anyrt::sync::Notify::new();
    /// let mut first = pin!(notify.notified());
    /// let mut last = pin!(notify.notified());
    /// first.as_mut().enable();
    /// last.as_mut().enable();
    /// notify.notify_last();
    /// assert!(poll_once(last.as_mut()).await.is_some());
    /// assert!(poll_once(first.as_mut()).await.is_none());
    /// # });
    /// ```
    pub fn notify_last(&self) {
        self.inner.notify_last();
    }

    /// Wakes every task waiting now, and keeps nothing for later `notified` calls.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let notify = anyrt::sync::Notify::new();
    /// let a = notify.notified();
    /// let b = notify.notified();
    /// notify.notify_waiters();
    /// a.await;
    /// b.await;
    /// # });
    /// ```
    pub fn notify_waiters(&self) {
        self.inner.notify_waiters();
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`Notify::notified`].
    #[must_use = "futures do nothing unless polled or `.await`ed"]
    pub struct Notified<'a> {
        #[pin]
        inner: tokio::sync::futures::Notified<'a>,
    }
}

impl Notified<'_> {
    /// Puts this future in the queue for [`Notify::notify_one`] without polling it, and returns
    /// whether it was notified already.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let notify = anyrt::sync::Notify::new();
    /// let mut notified = std::pin::pin!(notify.notified());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one(); // reaches the enabled future
    /// notified.await;
    /// # });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.project().inner.enable()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

//! A channel for one value, from one task to another, on tokio's.
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`]. The receiver is itself a future: awaiting it
//! yields the value, or [`RecvError`] once the sender is dropped without
//! sending. [`Sender::send`] fails, giving the value back, once the receiver is dropped or
//! [closed](Receiver::close).
//!
//! # Examples
//!
//! ```
//! use anyrt::sync::oneshot;
//!
//! # anyrt::block_on(async {
//! let (tx, rx) = oneshot::channel();
//! anyrt::spawn(async move {
//!     let _ = tx.send(6 * 7);
//! });
//! assert_eq!(rx.await, Ok(42));
//! # });
//! ```
//!
//! The sender dropped without sending:
//!
//! ```
//! # anyrt::block_on(async {
//! let (tx, rx) = anyrt::sync::oneshot::channel::<u8>();
//! drop(tx);
//! assert!(rx.await.is_err());
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub mod error {
    //! The errors of a [`oneshot`](super) channel.

    use std::fmt;

    /// The sender was dropped without sending a value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value was sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was received already.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// A new channel for one value.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let (tx, rx) = anyrt::sync::oneshot::channel();
/// anyrt::spawn(async move { tx.send(42).unwrap() });
/// assert_eq!(rx.await, Ok(42));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// Sends the value of a [`oneshot`](self) channel.
pub struct Sender<T> {
    inner: tokio::sync::oneshot::Sender<T>,
}

impl<T> Sender<T> {
    /// Sends `value`, without waiting; consumes the sender.
    ///
    /// # Errors
    ///
    /// `Err(value)` if the receiver was dropped or closed: the value was not delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        self.inner.send(value)
    }

    /// Waits until the receiver is dropped or closed: a way to stop work nobody wants any more.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (mut tx, rx) = anyrt::sync::oneshot::channel::<()>();
    /// drop(rx);
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub async fn closed(&mut self) {
        self.inner.closed().await;
    }

    /// Whether the receiver was dropped or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Polls for the receiver going away, as [`closed`](Sender::closed) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let (mut tx, rx) = anyrt::sync::oneshot::channel::<u8>();
    /// anyrt::spawn(async move { drop(rx) });
    /// poll_fn(|cx| tx.poll_closed(cx)).await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.inner.poll_closed(cx)
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Receives the value of a [`oneshot`](self) channel: await it.
///
/// Awaiting yields `Ok(value)`, or [`RecvError`] if the sender was dropped without sending.
///
/// # Panics
///
/// Polling it again after it returned (or after [`try_recv`](Receiver::try_recv) took the value)
/// panics with an `anyrt:` message; [`is_terminated`](Receiver::is_terminated) tells.
///
/// # Cancel safety
///
/// Cancel-safe when awaited by reference (`&mut rx`): a value not yet received stays in the
/// channel for the next poll. Dropping the receiver itself closes the channel, and a value sent
/// but not received is dropped with it.
#[must_use = "futures do nothing unless polled or `.await`ed"]
pub struct Receiver<T> {
    inner: tokio::sync::oneshot::Receiver<T>,
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: the sender's `send` fails from now on,
    /// but a value sent before can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Takes the value if it has been sent, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet; [`TryRecvError::Closed`] if the sender
    /// was dropped without sending, or the value was taken already.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(|error| match error {
            tokio::sync::oneshot::error::TryRecvError::Empty => TryRecvError::Empty,
            tokio::sync::oneshot::error::TryRecvError::Closed => TryRecvError::Closed,
        })
    }

    /// Waits for the value from synchronous code, blocking the thread.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped without sending.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the `sync` module](super#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send("done").unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok("done"));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        super::block_on_sync("oneshot::Receiver::blocking_recv", self)
    }

    /// Whether the receiver has returned its result (as a future, or through `try_recv`), so
    /// that polling it again would panic.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::oneshot::channel();
    /// assert!(rx.is_empty() && !rx.is_terminated());
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.is_terminated(), "polling it again would panic");
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }

    /// Whether no value is waiting to be received.
    ///
    /// # Examples
    ///
    /// See [`is_terminated`](Receiver::is_terminated).
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.inner.is_terminated() {
            panic!("anyrt: a oneshot `Receiver` was polled after it returned its result");
        }
        let result = ready!(Pin::new(&mut self.inner).poll(cx));
        Poll::Ready(result.map_err(|_| RecvError(())))
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("terminated", &self.is_terminated())
            .finish()
    }
}

//! The unbounded channel: sending never waits.

use std::fmt;
use std::task::{Context, Poll};

use super::error::{self, SendError, TryRecvError};

/// A channel without a capacity: [`UnboundedSender::send`] never waits, so nothing slows a
/// producer that outruns its consumer, and the queue grows in memory instead.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
/// tx.send("a").unwrap();
/// tx.send("b").unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, Some("b"));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (
        UnboundedSender { inner: tx },
        UnboundedReceiver { inner: rx },
    )
}

/// Sends messages into an [`unbounded_channel`]; clone it for more producers.
pub struct UnboundedSender<T> {
    inner: tokio::sync::mpsc::UnboundedSender<T>,
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> UnboundedSender<T> {
    /// Sends `value`, without waiting.
    ///
    /// # Errors
    ///
    /// [`SendError`], with `value`, if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value).map_err(error::send)
    }

    /// Waits until the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, rx) = anyrt::sync::mpsc::unbounded_channel::<u8>();
    /// let other = tx.clone();
    /// assert!(tx.same_channel(&other) && !tx.is_closed());
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.strong_count(), tx.weak_count()), (2, 1));
    /// assert_eq!((weak.strong_count(), weak.weak_count()), (2, 1));
    /// anyrt::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// drop((tx, other));
    /// assert!(weak.upgrade().is_none());
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.inner.closed().await;
    }

    /// Whether the receiver is gone (dropped or closed).
    ///
    /// # Examples
    ///
    /// See [`closed`](UnboundedSender::closed).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Whether both senders send into the same channel.
    ///
    /// # Examples
    ///
    /// See [`closed`](UnboundedSender::closed).
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }

    /// A [`WeakUnboundedSender`], which does not keep the channel open.
    ///
    /// # Examples
    ///
    /// See [`closed`](UnboundedSender::closed).
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            inner: self.inner.downgrade(),
        }
    }

    /// How many [`UnboundedSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`closed`](UnboundedSender::closed).
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many [`WeakUnboundedSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`closed`](UnboundedSender::closed).
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// An unbounded sender that does not keep the channel open.
pub struct WeakUnboundedSender<T> {
    inner: tokio::sync::mpsc::WeakUnboundedSender<T>,
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`], if one still exists.
    ///
    /// # Examples
    ///
    /// See [`UnboundedSender::closed`].
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.inner.upgrade().map(|inner| UnboundedSender { inner })
    }

    /// How many [`UnboundedSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`UnboundedSender::closed`].
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many [`WeakUnboundedSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`UnboundedSender::closed`].
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

/// Receives the messages of an [`unbounded_channel`].
pub struct UnboundedReceiver<T> {
    inner: tokio::sync::mpsc::UnboundedReceiver<T>,
}

impl<T> UnboundedReceiver<T> {
    /// Waits for the next message; `None` once the channel is closed and empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the future is dropped before it completes, no message was taken from the
    /// channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
    /// anyrt::spawn(async move { tx.send("hi").unwrap() });
    /// assert_eq!(rx.recv().await, Some("hi"));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        self.inner.recv().await
    }

    /// Waits for at least one message, then moves up to `limit` queued messages into `buffer`;
    /// returns how many. 0 means the channel is closed and empty (or `limit` is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`recv`](UnboundedReceiver::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
    /// for i in 0..4 {
    ///     tx.send(i).unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
    /// assert_eq!(batch, [0, 1, 2]);
    /// # });
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        self.inner.recv_many(buffer, limit).await
    }

    /// Takes the next message if one is queued, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if none is queued, [`TryRecvError::Disconnected`] if none is
    /// queued and none can come.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!((rx.len(), rx.is_empty()), (1, false));
    /// assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 0));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(error::try_recv)
    }

    /// Waits for the next message from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the `sync` module](crate::sync#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
    /// std::thread::spawn(move || {
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap();
    /// });
    /// assert_eq!(rx.blocking_recv(), Some(1));
    /// let mut rest = Vec::new();
    /// while rx.blocking_recv_many(&mut rest, 8) > 0 {}
    /// assert_eq!(rest, [2]);
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::block_on_sync("mpsc::UnboundedReceiver::blocking_recv", self.recv())
    }

    /// [`recv_many`](UnboundedReceiver::recv_many) from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the `sync` module](crate::sync#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// See [`blocking_recv`](UnboundedReceiver::blocking_recv).
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::block_on_sync(
            "mpsc::UnboundedReceiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel for senders, keeping the messages already queued for `recv`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(rx.is_closed() && tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1), "what was queued stays");
    /// ```
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Whether the channel is closed: every sender gone, or [`close`](UnboundedReceiver::close)
    /// called.
    ///
    /// # Examples
    ///
    /// See [`close`](UnboundedReceiver::close).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Whether no message is queued.
    ///
    /// # Examples
    ///
    /// See [`try_recv`](UnboundedReceiver::try_recv).
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// How many messages are queued.
    ///
    /// # Examples
    ///
    /// See [`try_recv`](UnboundedReceiver::try_recv).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Polls for the next message, as [`recv`](UnboundedReceiver::recv) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(1));
    /// let mut rest = Vec::new();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut rest, 8)).await, 1);
    /// assert_eq!(rest, [2]);
    /// # });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_recv(cx)
    }

    /// Polls for messages, as [`recv_many`](UnboundedReceiver::recv_many) does.
    ///
    /// # Examples
    ///
    /// See [`poll_recv`](UnboundedReceiver::poll_recv).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.inner.poll_recv_many(cx, buffer, limit)
    }

    /// How many [`UnboundedSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`try_recv`](UnboundedReceiver::try_recv).
    pub fn sender_strong_count(&self) -> usize {
        self.inner.sender_strong_count()
    }

    /// How many [`WeakUnboundedSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`try_recv`](UnboundedReceiver::try_recv).
    pub fn sender_weak_count(&self) -> usize {
        self.inner.sender_weak_count()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

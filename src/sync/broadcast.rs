//! A multi-producer, multi-consumer channel where every receiver sees every message, on
//! tokio's.
//!
//! [`channel`] makes a [`Sender`] and a first [`Receiver`]; [`Sender::subscribe`] makes more.
//! Each message is cloned to each receiver that exists when it is sent.
//!
//! # Lagging
//!
//! The channel keeps the last `capacity` messages (`capacity` rounded up to a power of two).
//! A receiver that falls further behind does not slow the senders: it loses the oldest messages,
//! and its next `recv` returns [`RecvError::Lagged`]`(n)` with the number
//! lost, then continues from the oldest message still kept.
//!
//! # Closing
//!
//! When every [`Sender`] is dropped, receivers get the messages still kept for them, then
//! [`RecvError::Closed`]. [`Sender::send`] fails (giving the message
//! back) while no receiver exists; a later `subscribe` makes it succeed again.
//!
//! # Examples
//!
//! ```
//! use anyrt::sync::broadcast;
//!
//! # anyrt::block_on(async {
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! tx.send("hello").unwrap();
//! assert_eq!(rx1.recv().await.unwrap(), "hello");
//! assert_eq!(rx2.recv().await.unwrap(), "hello");
//! # });
//! ```

use std::fmt;

pub mod error {
    //! The errors of a [`broadcast`](super) channel.

    use std::fmt;

    /// No receiver exists: the message could not be sent, and is given back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Why [`Receiver::recv`](super::Receiver::recv) returned no message.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum RecvError {
        /// Every sender is gone and no message is left for this receiver.
        Closed,
        /// This receiver fell behind and this many messages were lost to it; the next `recv`
        /// returns the oldest message still kept.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no message.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// No message is waiting for this receiver.
        Empty,
        /// Every sender is gone and no message is left for this receiver.
        Closed,
        /// This receiver fell behind and this many messages were lost to it.
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

/// Panics unless `capacity` makes a channel.
#[track_caller]
fn check_capacity(capacity: usize) {
    if capacity == 0 {
        panic!("anyrt: `broadcast::channel` needs a capacity of at least 1");
    }
    if capacity > usize::MAX >> 1 {
        panic!(
            "anyrt: `broadcast::channel` takes a capacity of at most `usize::MAX / 2`, not \
             {capacity}"
        );
    }
}

/// A channel keeping the last `capacity` messages for slow receivers (rounded up to a power of
/// two); see [Lagging](self#lagging).
///
/// # Panics
///
/// If `capacity` is 0 or more than `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let (tx, mut first) = anyrt::sync::broadcast::channel(16);
/// let mut second = tx.subscribe();
/// tx.send("to all").unwrap();
/// assert_eq!(first.recv().await, Ok("to all"));
/// assert_eq!(second.recv().await, Ok("to all"));
/// # });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    check_capacity(capacity);
    let (tx, rx) = tokio::sync::broadcast::channel(capacity);
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// Sends messages to every [`Receiver`] of a [`broadcast`](self) channel.
pub struct Sender<T> {
    inner: tokio::sync::broadcast::Sender<T>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Sender<T> {
    /// A channel with no receiver yet; [`subscribe`](Sender::subscribe) makes them.
    ///
    /// # Panics
    ///
    /// As [`channel`].
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::broadcast;
    ///
    /// let tx = broadcast::Sender::new(8);
    /// assert_eq!(tx.receiver_count(), 0);
    /// assert!(tx.send(1).is_err(), "no receiver yet");
    /// let mut rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        check_capacity(capacity);
        Sender {
            inner: tokio::sync::broadcast::Sender::new(capacity),
        }
    }

    /// Sends `value` to every receiver, without waiting; returns how many receivers it will
    /// reach.
    ///
    /// # Errors
    ///
    /// [`SendError`], with `value`, if no receiver exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::broadcast::channel(4);
    /// assert_eq!(tx.send(1), Ok(1)); // one receiver
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        self.inner.send(value).map_err(|e| SendError(e.0))
    }

    /// A new receiver, which gets the messages sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = anyrt::sync::broadcast::channel(4);
    /// tx.send("before").unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send("after").unwrap();
    /// assert_eq!(late.try_recv(), Ok("after"));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.inner.subscribe(),
        }
    }

    /// How many messages are kept for the receiver furthest behind.
    ///
    /// # Examples
    ///
    /// See [`receiver_count`](Sender::receiver_count).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether every receiver has received every message.
    ///
    /// # Examples
    ///
    /// See [`receiver_count`](Sender::receiver_count).
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// How many receivers exist.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::broadcast::channel(4);
    /// let other = tx.clone();
    /// assert_eq!((tx.receiver_count(), tx.strong_count()), (1, 2));
    /// assert!(tx.same_channel(&other));
    /// tx.send("a").unwrap();
    /// assert_eq!((tx.len(), tx.is_empty()), (1, false));
    /// assert_eq!((rx.len(), rx.is_empty()), (1, false));
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// drop((tx, other));
    /// assert!(rx.is_closed());
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }

    /// Whether both senders send into the same channel.
    ///
    /// # Examples
    ///
    /// See [`receiver_count`](Sender::receiver_count).
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }

    /// Waits until no receiver exists.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, rx) = anyrt::sync::broadcast::channel::<u8>(1);
    /// anyrt::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert_eq!(tx.receiver_count(), 0);
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.inner.closed().await;
    }

    /// How many [`Sender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`receiver_count`](Sender::receiver_count).
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// A [`WeakSender`], which does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::broadcast::{self, error::RecvError};
    ///
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.strong_count(), tx.weak_count(), rx.sender_weak_count()), (1, 1, 1));
    /// weak.upgrade().unwrap().send(1).unwrap();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.recv().await, Ok(1));
    /// assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// # });
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            inner: self.inner.downgrade(),
        }
    }

    /// How many [`WeakSender`]s of this channel exist; see [`downgrade`](Sender::downgrade).
    ///
    /// # Examples
    ///
    /// See [`downgrade`](Sender::downgrade).
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
/// Made by [`Sender::downgrade`].
pub struct WeakSender<T> {
    inner: tokio::sync::broadcast::WeakSender<T>,
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if one still exists; see [`Sender::downgrade`].
    ///
    /// # Examples
    ///
    /// See [`Sender::downgrade`].
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.inner.upgrade().map(|inner| Sender { inner })
    }

    /// How many [`Sender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`Sender::downgrade`].
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many [`WeakSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`Sender::downgrade`].
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

/// Receives every message of a [`broadcast`](self) channel sent since it was made.
pub struct Receiver<T> {
    inner: tokio::sync::broadcast::Receiver<T>,
}

impl<T> Receiver<T> {
    /// How many messages wait for this receiver.
    ///
    /// # Examples
    ///
    /// See [`Sender::receiver_count`].
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no message waits for this receiver.
    ///
    /// # Examples
    ///
    /// See [`Sender::receiver_count`].
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// See [`Sender::receiver_count`].
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }

    /// Whether every sender is gone.
    ///
    /// # Examples
    ///
    /// See [`Sender::receiver_count`].
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// How many [`Sender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`Sender::receiver_count`].
    pub fn sender_strong_count(&self) -> usize {
        self.inner.sender_strong_count()
    }

    /// How many [`WeakSender`]s of this channel exist; see [`Sender::downgrade`].
    ///
    /// # Examples
    ///
    /// See [`Sender::downgrade`].
    pub fn sender_weak_count(&self) -> usize {
        self.inner.sender_weak_count()
    }
}

impl<T: Clone> Receiver<T> {
    /// A new receiver of the same channel, which gets the messages sent from now on (not those
    /// waiting for this one).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(fresh.try_recv(), Ok(2), "only what was sent after it");
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.inner.resubscribe(),
        }
    }

    /// Waits for the next message.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] if messages were lost to this receiver (see
    /// [Lagging](self#lagging)); [`RecvError::Closed`] once every sender is gone and nothing is
    /// left.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the future is dropped before it completes, no message was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::broadcast::{self, error::RecvError};
    ///
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = broadcast::channel(2);
    /// for i in 1..=3 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
    /// assert_eq!(rx.recv().await, Ok(2));
    /// assert_eq!(rx.recv().await, Ok(3));
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        self.inner.recv().await.map_err(|error| match error {
            tokio::sync::broadcast::error::RecvError::Closed => RecvError::Closed,
            tokio::sync::broadcast::error::RecvError::Lagged(n) => RecvError::Lagged(n),
        })
    }

    /// Takes the next message if one is waiting, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if none waits; otherwise as [`recv`](Receiver::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(|error| match error {
            tokio::sync::broadcast::error::TryRecvError::Empty => TryRecvError::Empty,
            tokio::sync::broadcast::error::TryRecvError::Closed => TryRecvError::Closed,
            tokio::sync::broadcast::error::TryRecvError::Lagged(n) => TryRecvError::Lagged(n),
        })
    }

    /// Waits for the next message from synchronous code, blocking the thread.
    ///
    /// # Errors
    ///
    /// As [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// If called from async code; see [the `sync` module](super#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::broadcast::channel(1);
    /// std::thread::spawn(move || tx.send(3).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(3));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        super::block_on_sync("broadcast::Receiver::blocking_recv", self.recv())
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .finish()
    }
}

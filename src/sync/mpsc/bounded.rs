//! The bounded channel: senders wait while it is full.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use super::error::{self, SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::sync::Semaphore;

/// A channel holding at most `buffer` messages; senders wait while it is full.
///
/// # Panics
///
/// If `buffer` is 0 (there is no rendezvous channel; use a capacity of 1, or a
/// [`oneshot`](crate::sync::oneshot) per message) or more than
/// [`Semaphore::MAX_PERMITS`].
///
/// # Examples
///
/// ```
/// use anyrt::sync::mpsc::{self, error::TrySendError};
///
/// # anyrt::block_on(async {
/// let (tx, mut rx) = mpsc::channel(1);
/// tx.send(1).await.unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// assert_eq!(rx.recv().await, Some(1));
/// # });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    if buffer == 0 {
        panic!(
            "anyrt: `mpsc::channel` needs a capacity of at least 1 (a zero-capacity rendezvous \
             channel does not exist); use `mpsc::channel(1)` or a `oneshot` channel"
        );
    }
    if buffer > Semaphore::MAX_PERMITS {
        panic!(
            "anyrt: `mpsc::channel` takes a capacity of at most `Semaphore::MAX_PERMITS` ({}), \
             not {buffer}; use `mpsc::unbounded_channel` for no limit",
            Semaphore::MAX_PERMITS
        );
    }
    let (tx, rx) = tokio::sync::mpsc::channel(buffer);
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// Sends messages into a bounded [`channel`]; clone it for more producers.
pub struct Sender<T> {
    inner: tokio::sync::mpsc::Sender<T>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room while the channel is full. Waiting senders get room in
    /// the order they started waiting.
    ///
    /// # Errors
    ///
    /// [`SendError`], with `value`, if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes means `value` was **not** sent; it is dropped
    /// with the future, and the sender loses its place in the queue for room. To keep the
    /// message when the send may be cancelled, [`reserve`](Sender::reserve) room first (that
    /// future holds no message), then send through the permit.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// anyrt::spawn(async move {
    ///     for i in 0..3 {
    ///         tx.send(i).await.unwrap(); // waits while the channel is full
    ///     }
    /// });
    /// assert_eq!(rx.recv().await, Some(0));
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, Some(2));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value).await.map_err(error::send)
    }

    /// Sends `value` if there is room now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is full, [`TrySendError::Closed`] if the receiver
    /// is gone; both give `value` back.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, rx) = mpsc::channel(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(value).map_err(error::try_send)
    }

    /// Sends `value`, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] if no room came in time, [`SendTimeoutError::Closed`] if
    /// the receiver is gone; both give `value` back.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send): dropped before completing, `value` was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use anyrt::sync::mpsc::{self, error::SendTimeoutError};
    ///
    /// # anyrt::block_on(async {
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.send(1).await.unwrap();
    /// let result = tx.send_timeout(2, Duration::from_millis(10)).await;
    /// assert_eq!(result, Err(SendTimeoutError::Timeout(2)));
    /// # });
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends `value` from synchronous code, blocking the thread while the channel is full.
    ///
    /// # Errors
    ///
    /// [`SendError`], with `value`, if the receiver is gone.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the `sync` module](crate::sync#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// std::thread::spawn(move || {
    ///     tx.blocking_send(1).unwrap();
    ///     tx.blocking_send(2).unwrap(); // waits for room
    /// });
    /// assert_eq!(rx.blocking_recv(), Some(1));
    /// assert_eq!(rx.blocking_recv(), Some(2));
    /// assert_eq!(rx.blocking_recv(), None);
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::block_on_sync("mpsc::Sender::blocking_send", self.send(value))
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
    /// let (tx, rx) = anyrt::sync::mpsc::channel::<u8>(1);
    /// anyrt::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.inner.closed().await;
    }

    /// Whether the receiver is gone (dropped or closed).
    ///
    /// # Examples
    ///
    /// See [`closed`](Sender::closed).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Waits for room for one message and reserves it: the [`Permit`] then sends without
    /// waiting, or gives the room back when dropped.
    ///
    /// # Errors
    ///
    /// [`SendError`]`(())` if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue for room, and no
    /// message is involved.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(tx.try_send(1).is_err()); // the room is taken by the permit
    /// permit.send(2);
    /// assert_eq!(rx.recv().await, Some(2));
    /// # });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        let inner = self.inner.reserve().await.map_err(error::send)?;
        Ok(Permit { inner })
    }

    /// Waits for room for `n` messages and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`]`(())` if the receiver is gone, or `n` is more than the channel's capacity.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue for room.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(4);
    /// let permits = tx.reserve_many(3).await.unwrap();
    /// assert_eq!(tx.capacity(), 1);
    /// for (permit, i) in permits.zip(1..) {
    ///     permit.send(i);
    /// }
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        let inner = self.inner.reserve_many(n).await.map_err(error::send)?;
        Ok(PermitIterator { inner })
    }

    /// Like [`reserve`](Sender::reserve), with a permit that owns the sender.
    ///
    /// # Errors
    ///
    /// [`SendError`]`(())` if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, but the sender moved into the future is dropped with it.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let tx = anyrt::spawn(async move { permit.send("from a task") }).await.unwrap();
    /// assert_eq!(rx.recv().await, Some("from a task"));
    /// assert!(tx.try_send("again").is_ok());
    /// # });
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        let inner = self.inner.reserve_owned().await.map_err(error::send)?;
        Ok(OwnedPermit { inner })
    }

    /// Reserves room for one message if there is some now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`]`(())` or [`TrySendError::Closed`]`(())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    /// permit.send(5);
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        let inner = self.inner.try_reserve().map_err(error::try_send)?;
        Ok(Permit { inner })
    }

    /// Reserves room for `n` messages if there is that much now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`]`(())` if there is not (or `n` is more than the capacity),
    /// [`TrySendError::Closed`]`(())` if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(2);
    /// assert!(tx.try_reserve_many(3).is_err());
    /// for permit in tx.try_reserve_many(2).unwrap() {
    ///     permit.send('x');
    /// }
    /// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok('x'), Ok('x')));
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        let inner = self.inner.try_reserve_many(n).map_err(error::try_send)?;
        Ok(PermitIterator { inner })
    }

    /// Like [`try_reserve`](Sender::try_reserve), with a permit that owns the sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let tx = match tx.try_reserve_owned() {
    ///     Err(TrySendError::Full(tx)) => tx, // the sender comes back
    ///     _ => unreachable!(),
    /// };
    /// drop(permit.release()); // the room goes back unused
    /// assert!(tx.try_send(1).is_ok());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.inner.try_reserve_owned() {
            Ok(inner) => Ok(OwnedPermit { inner }),
            Err(tokio::sync::mpsc::error::TrySendError::Full(inner)) => {
                Err(TrySendError::Full(Sender { inner }))
            }
            Err(tokio::sync::mpsc::error::TrySendError::Closed(inner)) => {
                Err(TrySendError::Closed(Sender { inner }))
            }
        }
    }

    /// Whether both senders send into the same channel.
    ///
    /// # Examples
    ///
    /// See [`capacity`](Sender::capacity).
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }

    /// How many more messages fit now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::mpsc::channel::<u8>(2);
    /// let other = tx.clone();
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!((tx.capacity(), tx.max_capacity()), (1, 2));
    /// assert_eq!((rx.capacity(), rx.max_capacity()), (1, 2));
    /// assert!(tx.same_channel(&other));
    /// assert_eq!((tx.strong_count(), rx.sender_strong_count()), (2, 2));
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.weak_count(), rx.sender_weak_count(), weak.weak_count()), (1, 1, 1));
    /// assert_eq!(weak.strong_count(), 2);
    /// drop(permit);
    /// assert_eq!(tx.capacity(), 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// The capacity the channel was made with.
    ///
    /// # Examples
    ///
    /// See [`capacity`](Sender::capacity).
    pub fn max_capacity(&self) -> usize {
        self.inner.max_capacity()
    }

    /// A [`WeakSender`], which does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.try_recv(), Err(anyrt::sync::mpsc::error::TryRecvError::Disconnected));
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            inner: self.inner.downgrade(),
        }
    }

    /// How many [`Sender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`capacity`](Sender::capacity).
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many [`WeakSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`capacity`](Sender::capacity).
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
pub struct WeakSender<T> {
    inner: tokio::sync::mpsc::WeakSender<T>,
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if one still exists.
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
    /// See [`Sender::capacity`].
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many [`WeakSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`Sender::capacity`].
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

/// Room for one message, reserved by [`Sender::reserve`]; given back if dropped unused.
#[must_use = "the reserved room is given back as soon as the permit is dropped"]
pub struct Permit<'a, T> {
    inner: tokio::sync::mpsc::Permit<'a, T>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved room, without waiting. If the receiver is gone by now, the
    /// value is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// permit.send("reserved");
    /// assert_eq!(rx.recv().await, Some("reserved"));
    /// # });
    /// ```
    pub fn send(self, value: T) {
        self.inner.send(value);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// Room for several messages, reserved by [`Sender::reserve_many`]: one [`Permit`] per item.
#[must_use = "the reserved room is given back as soon as the permits are dropped"]
pub struct PermitIterator<'a, T> {
    inner: tokio::sync::mpsc::PermitIterator<'a, T>,
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        self.inner.next().map(|inner| Permit { inner })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.len())
            .finish()
    }
}

/// Room for one message, reserved by [`Sender::reserve_owned`], owning its sender.
#[must_use = "the reserved room is given back as soon as the permit is dropped"]
pub struct OwnedPermit<T> {
    inner: tokio::sync::mpsc::OwnedPermit<T>,
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved room and gives the sender back.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let tx = permit.send(1);
    /// assert_eq!(tx.capacity(), 0);
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub fn send(self, value: T) -> Sender<T> {
        Sender {
            inner: self.inner.send(value),
        }
    }

    /// Gives the room back unused, and the sender with it.
    ///
    /// # Examples
    ///
    /// See [`Sender::try_reserve_owned`].
    pub fn release(self) -> Sender<T> {
        Sender {
            inner: self.inner.release(),
        }
    }

    /// Whether both permits belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, _rx) = anyrt::sync::mpsc::channel::<u8>(2);
    /// let first = tx.clone().reserve_owned().await.unwrap();
    /// let second = tx.clone().reserve_owned().await.unwrap();
    /// assert!(first.same_channel(&second));
    /// assert!(first.same_channel_as_sender(&tx));
    /// # });
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }

    /// Whether this permit belongs to `sender`'s channel.
    ///
    /// # Examples
    ///
    /// See [`same_channel`](OwnedPermit::same_channel).
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.inner.same_channel_as_sender(&sender.inner)
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

/// Receives the messages of a bounded [`channel`].
pub struct Receiver<T> {
    inner: tokio::sync::mpsc::Receiver<T>,
}

impl<T> Receiver<T> {
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
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(4);
    /// tx.send("a").await.unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some("a"));
    /// assert_eq!(rx.recv().await, None); // every sender is gone
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
    /// Cancel-safe, like [`recv`](Receiver::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
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
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
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
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(5).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(5));
    /// assert_eq!(rx.blocking_recv(), None);
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::block_on_sync("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// [`recv_many`](Receiver::recv_many) from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the `sync` module](crate::sync#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(4);
    /// std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.blocking_send(i).unwrap();
    ///     }
    /// });
    /// let mut got = Vec::new();
    /// while rx.blocking_recv_many(&mut got, 2) > 0 {}
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::block_on_sync(
            "mpsc::Receiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel for senders, keeping the messages already queued for `recv`.
    /// Permits already reserved can still send.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(4);
    /// tx.send(1).await.unwrap();
    /// rx.close();
    /// assert!(tx.send(2).await.is_err());
    /// assert_eq!(rx.recv().await, Some(1)); // queued before the close
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Whether the channel is closed: every sender gone, or [`close`](Receiver::close) called.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!((rx.len(), rx.is_empty(), rx.is_closed()), (1, false, false));
    /// rx.close();
    /// assert!(rx.is_closed() && tx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1), "what was queued stays");
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Whether no message is queued.
    ///
    /// # Examples
    ///
    /// See [`is_closed`](Receiver::is_closed).
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// How many messages are queued.
    ///
    /// # Examples
    ///
    /// See [`is_closed`](Receiver::is_closed).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// How many more messages fit now.
    ///
    /// # Examples
    ///
    /// See [`Sender::capacity`].
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// The capacity the channel was made with.
    ///
    /// # Examples
    ///
    /// See [`Sender::capacity`].
    pub fn max_capacity(&self) -> usize {
        self.inner.max_capacity()
    }

    /// Polls for the next message, as [`recv`](Receiver::recv) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::mpsc::channel(2);
    /// tx.send(1).await.unwrap();
    /// tx.send(2).await.unwrap();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(1));
    /// let mut rest = Vec::new();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut rest, 8)).await, 1);
    /// assert_eq!(rest, [2]);
    /// # });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_recv(cx)
    }

    /// Polls for messages, as [`recv_many`](Receiver::recv_many) does.
    ///
    /// # Examples
    ///
    /// See [`poll_recv`](Receiver::poll_recv).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.inner.poll_recv_many(cx, buffer, limit)
    }

    /// How many [`Sender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`Sender::capacity`].
    pub fn sender_strong_count(&self) -> usize {
        self.inner.sender_strong_count()
    }

    /// How many [`WeakSender`]s of this channel exist.
    ///
    /// # Examples
    ///
    /// See [`Sender::capacity`].
    pub fn sender_weak_count(&self) -> usize {
        self.inner.sender_weak_count()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

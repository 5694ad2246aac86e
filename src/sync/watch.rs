//! A single value that senders replace and receivers watch for changes, on tokio's.
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`] around an initial value. Receivers see the
//! latest value, not every one: [`Receiver::changed`] completes when a value newer than the last
//! one this receiver marked as seen has been sent, and [`Receiver::borrow_and_update`] reads it
//! and marks it seen.
//!
//! # Closing
//!
//! When every [`Sender`] is dropped, `changed` returns an error, once any value not yet seen has
//! been reported; the last value can still be borrowed. [`Sender::send`] fails while no receiver
//! exists ([`Sender::send_replace`] and [`Sender::send_modify`] store the value anyway).
//!
//! # Holding a [`Ref`]
//!
//! [`Ref`] holds a read lock on the value: keep it short and never across an `.await`, since
//! senders wait for it (synchronously).
//!
//! # Examples
//!
//! ```
//! use anyrt::sync::watch;
//!
//! # anyrt::block_on(async {
//! let (tx, mut rx) = watch::channel("starting");
//! anyrt::spawn(async move {
//!     tx.send("ready").unwrap();
//! });
//! rx.changed().await.unwrap();
//! assert_eq!(*rx.borrow_and_update(), "ready");
//! # });
//! ```

use std::fmt;
use std::ops::Deref;

pub mod error {
    //! The errors of a [`watch`](super) channel.

    use std::fmt;

    /// No receiver exists: the value was not stored, and is given back.
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

    /// Every sender is gone.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

/// A watch channel holding `init`.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let (tx, mut rx) = anyrt::sync::watch::channel("starting");
/// anyrt::spawn(async move { tx.send("running").unwrap() });
/// rx.changed().await.unwrap();
/// assert_eq!(*rx.borrow_and_update(), "running");
/// # });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::watch::channel(init);
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// Replaces the value of a [`watch`](self) channel.
pub struct Sender<T> {
    inner: tokio::sync::watch::Sender<T>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Default> Default for Sender<T> {
    fn default() -> Self {
        Sender::new(T::default())
    }
}

impl<T> Sender<T> {
    /// A channel holding `init`, with no receiver yet; [`subscribe`](Sender::subscribe) makes
    /// them.
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = anyrt::sync::watch::Sender::new(0);
    /// let rx = tx.subscribe();
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        Sender {
            inner: tokio::sync::watch::Sender::new(init),
        }
    }

    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`], with `value`, if no receiver exists; the stored value is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value).map_err(|e| SendError(e.0))
    }

    /// Changes the value in place and notifies the receivers, whether or not any exists.
    ///
    /// `modify` runs with the value locked: keep it short.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.inner.send_modify(modify);
    }

    /// Like [`send_modify`](Sender::send_modify), but notifies the receivers only if `modify`
    /// returns true; returns what `modify` returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|v| false)); // unchanged: no receiver is told
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|v| {
    ///     *v += 1;
    ///     true
    /// }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        self.inner.send_if_modified(modify)
    }

    /// Replaces the value, whether or not a receiver exists, notifies the receivers, and returns
    /// the old value.
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = anyrt::sync::watch::Sender::new("old");
    /// assert!(tx.is_closed(), "no receiver");
    /// assert_eq!(tx.send_replace("new"), "old"); // stored all the same
    /// assert_eq!(*tx.borrow(), "new");
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        self.inner.send_replace(value)
    }

    /// The current value, read-locked while the [`Ref`] lives.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = anyrt::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*tx.borrow(), [1, 2]);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.inner.borrow(),
        }
    }

    /// Whether no receiver exists.
    ///
    /// # Examples
    ///
    /// See [`closed`](Sender::closed).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
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
    /// let (tx, rx) = anyrt::sync::watch::channel(0);
    /// assert!(!tx.is_closed());
    /// anyrt::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert!(tx.is_closed() && tx.send(1).is_err());
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.inner.closed().await;
    }

    /// A new receiver, which counts the current value as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, rx) = anyrt::sync::watch::channel(0);
    /// let mut second = tx.subscribe();
    /// assert_eq!((tx.receiver_count(), tx.sender_count()), (2, 1));
    /// assert!(second.same_channel(&rx));
    /// assert!(!second.has_changed().unwrap(), "the current value counts as seen");
    /// tx.send(1).unwrap();
    /// second.changed().await.unwrap();
    /// assert_eq!(*second.borrow(), 1);
    /// # });
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.inner.subscribe(),
        }
    }

    /// How many receivers exist.
    ///
    /// # Examples
    ///
    /// See [`subscribe`](Sender::subscribe).
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }

    /// How many senders exist.
    ///
    /// # Examples
    ///
    /// See [`subscribe`](Sender::subscribe).
    pub fn sender_count(&self) -> usize {
        self.inner.sender_count()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = anyrt::sync::watch::channel(0);
    /// let (other, _other_rx) = anyrt::sync::watch::channel(0);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

// Without the value: reading it takes the value's lock, which the caller may hold (formatting
// the sender inside `send_modify` would then never return).
impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receiver_count", &self.receiver_count())
            .finish_non_exhaustive()
    }
}

/// Watches the value of a [`watch`](self) channel; clone it for more watchers.
pub struct Receiver<T> {
    inner: tokio::sync::watch::Receiver<T>,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// The current value, read-locked while the [`Ref`] lives; does not mark it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// let value = rx.borrow();
    /// assert_eq!(*value, 2);
    /// assert!(value.has_changed(), "borrow does not mark it seen");
    /// drop(value);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.inner.borrow(),
        }
    }

    /// The current value, marked as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        Ref {
            inner: self.inner.borrow_and_update(),
        }
    }

    /// Whether a value not yet seen is there.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = anyrt::sync::watch::channel(1);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(2).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.is_closed() && rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        self.inner.has_changed().map_err(|_| RecvError(()))
    }

    /// Whether every sender is gone.
    ///
    /// # Examples
    ///
    /// See [`has_changed`](Receiver::has_changed).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Marks the current value as not seen, so the next [`changed`](Receiver::changed) completes
    /// at once.
    ///
    /// # Examples
    ///
    /// See [`has_changed`](Receiver::has_changed).
    pub fn mark_changed(&mut self) {
        self.inner.mark_changed();
    }

    /// Marks the current value as seen.
    ///
    /// # Examples
    ///
    /// See [`has_changed`](Receiver::has_changed).
    pub fn mark_unchanged(&mut self) {
        self.inner.mark_unchanged();
    }

    /// Waits for a value not yet seen, and marks it seen (read it with
    /// [`borrow`](Receiver::borrow)).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and no unseen value is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropped before it completes, it marked nothing as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::watch::channel("old");
    /// anyrt::spawn(async move { tx.send("new").unwrap() });
    /// rx.changed().await.unwrap();
    /// assert_eq!(*rx.borrow_and_update(), "new");
    /// assert!(rx.changed().await.is_err()); // the sender is gone
    /// # });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        self.inner.changed().await.map_err(|_| RecvError(()))
    }

    /// Waits until the value satisfies `f` (checking the current value first), marks it seen and
    /// returns it.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender goes before a value satisfies `f`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropped before it completes, the values it saw did not satisfy `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, mut rx) = anyrt::sync::watch::channel(0);
    /// anyrt::spawn(async move {
    ///     for i in 1..=5 {
    ///         tx.send(i).unwrap();
    ///         anyrt::task::yield_now().await;
    ///     }
    ///     tx.closed().await;
    /// });
    /// let seen = *rx.wait_for(|v| *v >= 3).await.unwrap();
    /// assert!(seen >= 3);
    /// # });
    /// ```
    pub async fn wait_for(&mut self, f: impl FnMut(&T) -> bool) -> Result<Ref<'_, T>, RecvError> {
        match self.inner.wait_for(f).await {
            Ok(inner) => Ok(Ref { inner }),
            Err(_) => Err(RecvError(())),
        }
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = anyrt::sync::watch::channel(0);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// assert!(!rx.same_channel(&anyrt::sync::watch::channel(0).1));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

// Without the value, as `Sender`'s.
impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A read-locked view of a [`watch`](self) channel's value; see
/// [Holding a `Ref`](self#holding-a-ref).
#[must_use = "the value is read-locked until the `Ref` is dropped"]
pub struct Ref<'a, T> {
    inner: tokio::sync::watch::Ref<'a, T>,
}

impl<T> Ref<'_, T> {
    /// Whether the value was not yet seen by the receiver that borrowed it, at the time it
    /// borrowed it.
    ///
    /// # Examples
    ///
    /// See [`Receiver::borrow`].
    pub fn has_changed(&self) -> bool {
        self.inner.has_changed()
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

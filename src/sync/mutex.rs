//! [`Mutex`]: one fair async mutex for every backend, on tokio's.

use std::fmt;
use std::sync::Arc;

use super::guard::guard_traits;
use super::lazy::{Lazy, Place};

/// An async mutual-exclusion lock, fair on every backend.
///
/// - **Fair**: tasks acquire the lock in the order they called [`lock`](Mutex::lock). A task
///   that unlocks and immediately locks again queues behind the tasks already waiting, so no
///   waiter starves. (async-std's and smol's native mutex lets the unlocking task barge ahead.)
/// - **No poisoning**: a panic while holding the guard releases the lock.
/// - Its guards may be held across `.await` and sent between threads.
/// - [`new`](Mutex::new) is a `const fn`, so a `Mutex` can be a `static`.
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
///
/// In a `static`:
///
/// ```
/// use anyrt::sync::Mutex;
///
/// static NAMES: Mutex<Vec<&str>> = Mutex::new(Vec::new());
///
/// # anyrt::block_on(async {
/// NAMES.lock().await.push("anyrt");
/// assert_eq!(*NAMES.lock().await, ["anyrt"]);
/// # });
/// ```
pub struct Mutex<T> {
    // tokio's mutex, in an `Arc` of its own so that owned guards can hold it (see `lazy.rs`, which
    // also explains how `new` stays `const`). Every owned guard holds an `Arc<Mutex<T>>` too, so
    // while one exists nobody has `&mut self`, and the inner `Arc` is unique in `get_mut` and
    // `into_inner`.
    inner: Lazy<tokio::sync::Mutex<T>, T>,
}

/// The error of [`Mutex::try_lock`] and of the `try_` methods of [`RwLock`](super::RwLock) when
/// the lock is held, or queued for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLockError(Lock);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lock {
    Mutex,
    RwLock,
}

impl TryLockError {
    pub(super) fn rwlock() -> TryLockError {
        TryLockError(Lock::RwLock)
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Lock::Mutex => f.write_str("the mutex is locked"),
            Lock::RwLock => f.write_str("the lock is held"),
        }
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    ///
    /// `const`, so it can initialise a `static`. The value moves to the heap the first time the
    /// mutex is locked; until then it stays inline. (The room it had inline stays part of the
    /// mutex, so a `Mutex<T>` takes `size_of::<T>()` more than one boxing its value.)
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = anyrt::sync::Mutex::new(vec![1]);
    /// mutex.try_lock().unwrap().push(2);
    /// assert_eq!(mutex.into_inner(), [1, 2]);
    /// ```
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            inner: Lazy::new(value),
        }
    }

    /// The same as [`new`](Mutex::new), under the name tokio gives its `const` constructor.
    ///
    /// # Examples
    ///
    /// ```
    /// static COUNT: anyrt::sync::Mutex<u32> = anyrt::sync::Mutex::const_new(0);
    /// *COUNT.try_lock().unwrap() += 1;
    /// assert_eq!(*COUNT.try_lock().unwrap(), 1);
    /// ```
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex::new(value)
    }

    #[inline]
    fn inner(&self) -> &Arc<tokio::sync::Mutex<T>> {
        self.inner.get(tokio::sync::Mutex::new)
    }

    /// Waits for the lock and returns a guard that releases it when dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue, and the tasks behind
    /// it move up. It never holds the lock once dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let mutex = anyrt::sync::Mutex::new(1);
    /// *mutex.lock().await += 1;
    /// assert_eq!(*mutex.lock().await, 2);
    /// # });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        let inner = self.inner();
        // A free lock is taken without the wait queue's machinery, spending the cooperative
        // budget as that machinery does: uncontended lock and unlock take 0.70x the time of
        // tokio's `lock` (three runs; 0.62x before the budget was spent here); `try_lock` fails
        // while tasks wait, so this never jumps the queue.
        let inner = match super::try_first(|| inner.try_lock().ok()).await {
            Some(inner) => inner,
            None => inner.lock().await,
        };
        MutexGuard { inner }
    }

    /// Takes the lock if it is free right now.
    ///
    /// A waiting task does not count as holding the lock, but `try_lock` never jumps the queue:
    /// it fails while other tasks wait, keeping the lock fair.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or tasks are queued for it.
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
        match self.inner().try_lock() {
            Ok(inner) => Ok(MutexGuard { inner }),
            Err(_) => Err(TryLockError(Lock::Mutex)),
        }
    }

    /// Like [`lock`](Mutex::lock), but the guard owns an `Arc` of the mutex instead of
    /// borrowing it, so it can be moved into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`lock`](Mutex::lock).
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
        let inner = self.inner().clone();
        // As in `lock`: the fast path when the lock is free and no one waits.
        let inner = match super::try_first(|| inner.clone().try_lock_owned().ok()).await {
            Some(inner) => inner,
            None => inner.lock_owned().await,
        };
        OwnedMutexGuard { inner, mutex: self }
    }

    /// Like [`try_lock`](Mutex::try_lock), with a guard that owns an `Arc` of the mutex.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or tasks are queued for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(anyrt::sync::Mutex::new(0));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// assert!(mutex.clone().try_lock_owned().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock_owned().is_ok());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.inner().clone().try_lock_owned() {
            Ok(inner) => Ok(OwnedMutexGuard { inner, mutex: self }),
            Err(_) => Err(TryLockError(Lock::Mutex)),
        }
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
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        super::block_on_sync("Mutex::blocking_lock", self.lock())
    }

    /// Like [`blocking_lock`](Mutex::blocking_lock), with a guard that owns an `Arc` of the
    /// mutex.
    ///
    /// # Panics
    ///
    /// If called from async code, like [`blocking_lock`](Mutex::blocking_lock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(anyrt::sync::Mutex::new(1));
    /// let guard = mutex.clone().blocking_lock_owned();
    /// assert_eq!(*guard, 1);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        super::block_on_sync("Mutex::blocking_lock_owned", self.lock_owned())
    }

    /// The value, through exclusive access to the mutex (no locking needed).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mutex = anyrt::sync::Mutex::new(1);
    /// *mutex.get_mut() += 1;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        match self.inner.get_mut() {
            Place::Shared(inner) => Arc::get_mut(inner)
                .expect("anyrt: no owned guard can exist while the mutex is borrowed mutably")
                .get_mut(),
            Place::Seed(value) => value,
        }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Examples
    ///
    /// See [`new`](Mutex::new).
    pub fn into_inner(self) -> T {
        match self.inner.into_inner() {
            Place::Shared(inner) => match Arc::try_unwrap(inner) {
                Ok(inner) => inner.into_inner(),
                Err(_) => unreachable!("anyrt: no owned guard can exist while the mutex is owned"),
            },
            Place::Seed(value) => value,
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
        match self.inner().try_lock() {
            Ok(value) => d.field("data", &&*value),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Holds the lock of a [`Mutex`] until dropped; dereferences to the value.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    inner: tokio::sync::MutexGuard<'a, T>,
}

impl<'a, T> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the value, keeping the lock held.
    ///
    /// An associated function (`MutexGuard::map(guard, ...)`), so it does not hide a method of
    /// the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Mutex::new((1, String::from("a")));
    /// let mut name: MappedMutexGuard<'_, String> = MutexGuard::map(mutex.lock().await, |v| &mut v.1);
    /// name.push('b');
    /// drop(name);
    /// assert_eq!(mutex.lock().await.1, "ab");
    /// # });
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            inner: tokio::sync::MutexGuard::map(this.inner, f),
        }
    }

    /// Narrows the guard to a part of the value if `f` finds one; else gives the guard back.
    ///
    /// # Errors
    ///
    /// The unchanged guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{Mutex, MutexGuard};
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Mutex::new(vec![1, 2]);
    /// let guard = MutexGuard::try_map(mutex.lock().await, |v| v.get_mut(5)).unwrap_err();
    /// let first = MutexGuard::try_map(guard, |v| v.first_mut()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match tokio::sync::MutexGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(MappedMutexGuard { inner }),
            Err(inner) => Err(MutexGuard { inner }),
        }
    }
}

/// A [`MutexGuard`] narrowed to a part of the value by [`MutexGuard::map`]; holds the lock until
/// dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    inner: tokio::sync::MappedMutexGuard<'a, T>,
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further; see [`MutexGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Mutex::new((0, vec![1, 2]));
    /// let list = MutexGuard::map(mutex.lock().await, |v| &mut v.1);
    /// let list = MappedMutexGuard::try_map(list, |l| l.get_mut(5)).unwrap_err();
    /// *MappedMutexGuard::map(list, |l| &mut l[1]) = 9;
    /// assert_eq!(mutex.lock().await.1, [1, 9]);
    /// # });
    /// ```
    pub fn map<U, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            inner: tokio::sync::MappedMutexGuard::map(this.inner, f),
        }
    }

    /// Narrows the guard further if `f` finds a part; see [`MutexGuard::try_map`].
    ///
    /// # Errors
    ///
    /// The unchanged guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// See [`map`](MappedMutexGuard::map).
    pub fn try_map<U, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match tokio::sync::MappedMutexGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(MappedMutexGuard { inner }),
            Err(inner) => Err(MappedMutexGuard { inner }),
        }
    }
}

/// Holds the lock of an `Arc<Mutex<T>>` until dropped; made by [`Mutex::lock_owned`].
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T> {
    inner: tokio::sync::OwnedMutexGuard<T>,
    mutex: Arc<Mutex<T>>,
}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard holds the lock of.
    ///
    /// An associated function (`OwnedMutexGuard::mutex(&guard)`), as in tokio, so it does not
    /// hide a method of the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Arc::new(Mutex::new(0));
    /// let guard = mutex.clone().lock_owned().await;
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }

    /// Narrows the guard to a part of the value, keeping the lock held; see
    /// [`MutexGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Arc::new(Mutex::new((0, 0)));
    /// let mut second = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |v| &mut v.1);
    /// *second = 7;
    /// drop(second);
    /// assert_eq!(*mutex.lock().await, (0, 7));
    /// # });
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedMappedMutexGuard {
            inner: tokio::sync::OwnedMutexGuard::map(this.inner, f),
            mutex: this.mutex,
        }
    }

    /// Narrows the guard to a part of the value if `f` finds one; else gives the guard back.
    ///
    /// # Errors
    ///
    /// The unchanged guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// # anyrt::block_on(async {
    /// let mutex = Arc::new(Mutex::new(vec![1, 2]));
    /// let guard = OwnedMutexGuard::try_map(mutex.clone().lock_owned().await, |v| v.get_mut(5))
    ///     .unwrap_err();
    /// let first = OwnedMutexGuard::try_map(guard, |v| v.first_mut()).unwrap();
    /// assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&first), &mutex));
    /// let mut first = OwnedMappedMutexGuard::map(first, |n| n);
    /// *first = 5;
    /// let first = OwnedMappedMutexGuard::try_map(first, |n| Some(n)).unwrap();
    /// drop(first);
    /// assert_eq!(*mutex.lock().await, [5, 2]);
    /// # });
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let mutex = this.mutex;
        match tokio::sync::OwnedMutexGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(OwnedMappedMutexGuard { inner, mutex }),
            Err(inner) => Err(OwnedMutexGuard { inner, mutex }),
        }
    }
}

/// An [`OwnedMutexGuard`] narrowed to a part of the value; holds the lock until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMappedMutexGuard<T, U: ?Sized = T> {
    inner: tokio::sync::OwnedMappedMutexGuard<T, U>,
    mutex: Arc<Mutex<T>>,
}

impl<T, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// The mutex this guard holds the lock of; an associated function, see
    /// [`OwnedMutexGuard::mutex`].
    ///
    /// # Examples
    ///
    /// See [`OwnedMutexGuard::try_map`].
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }

    /// Narrows the guard further; see [`MutexGuard::map`].
    ///
    /// # Examples
    ///
    /// See [`OwnedMutexGuard::try_map`].
    pub fn map<V, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        OwnedMappedMutexGuard {
            inner: tokio::sync::OwnedMappedMutexGuard::map(this.inner, f),
            mutex: this.mutex,
        }
    }

    /// Narrows the guard further if `f` finds a part; see [`MutexGuard::try_map`].
    ///
    /// # Errors
    ///
    /// The unchanged guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// See [`OwnedMutexGuard::try_map`].
    pub fn try_map<V, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let mutex = this.mutex;
        match tokio::sync::OwnedMappedMutexGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(OwnedMappedMutexGuard { inner, mutex }),
            Err(inner) => Err(OwnedMappedMutexGuard { inner, mutex }),
        }
    }
}

guard_traits! {
    [T] MutexGuard<'_, T> => T;
    [T: ?Sized] MappedMutexGuard<'_, T> => T;
    [T] OwnedMutexGuard<T> => T;
    [T, U: ?Sized] OwnedMappedMutexGuard<T, U> => U;
}

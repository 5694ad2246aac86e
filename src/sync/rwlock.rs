//! [`RwLock`]: a fair, write-preferring async reader-writer lock for every backend, on tokio's.

use std::fmt;
use std::sync::Arc;

use super::guard::{guard_traits, read_guard_traits};
use super::lazy::{Lazy, Place};
use super::TryLockError;

/// An async reader-writer lock: many readers at once, or one writer.
///
/// **Fair and write-preferring**, on every backend: tasks are served in the order they asked.
/// Once a writer waits, readers that come after it wait behind it, even while the lock is held
/// only by readers, so a stream of readers cannot starve a writer. (async-std's and smol's
/// native `RwLock`, from async-lock, lets a releasing task barge ahead of waiters.)
///
/// There is no poisoning: a panic while holding a guard releases the lock. Guards may be held
/// across `.await` and sent between threads. [`new`](RwLock::new) is a `const fn`.
///
/// # Examples
///
/// ```
/// use anyrt::sync::RwLock;
///
/// # anyrt::block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let a = lock.read().await;
///     let b = lock.read().await;
///     assert_eq!(*a + *b, 10);
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
pub struct RwLock<T> {
    // As `Mutex`: tokio's lock in an `Arc` of its own, built on first use (see `lazy.rs`); owned
    // guards hold an `Arc<RwLock<T>>` too, so `get_mut` and `into_inner` find the inner `Arc`
    // unique.
    inner: Lazy<tokio::sync::RwLock<T>, T>,
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    ///
    /// `const`, so it can initialise a `static`; the value moves to the heap on first use (see
    /// [`Mutex::new`](super::Mutex::new)).
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::RwLock;
    ///
    /// static CONFIG: RwLock<Option<String>> = RwLock::new(None);
    /// # anyrt::block_on(async {
    /// *CONFIG.write().await = Some("on".into());
    /// assert_eq!(CONFIG.read().await.as_deref(), Some("on"));
    /// # });
    /// ```
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            inner: Lazy::new(value),
        }
    }

    /// The same as [`new`](RwLock::new), under the name tokio gives its `const` constructor.
    ///
    /// # Examples
    ///
    /// ```
    /// static TABLE: anyrt::sync::RwLock<Vec<u8>> = anyrt::sync::RwLock::const_new(Vec::new());
    ///
    /// # anyrt::block_on(async {
    /// TABLE.write().await.push(1);
    /// assert_eq!(*TABLE.read().await, [1]);
    /// # });
    /// ```
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::new(value)
    }

    #[inline]
    fn inner(&self) -> &Arc<tokio::sync::RwLock<T>> {
        self.inner.get(tokio::sync::RwLock::new)
    }

    /// Waits for shared read access, behind any writer already waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let lock = anyrt::sync::RwLock::new(1);
    /// let (a, b) = (lock.read().await, lock.read().await);
    /// assert_eq!(*a + *b, 2);
    /// # });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            inner: self.inner().read().await,
        }
    }

    /// Takes read access if it is available now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds the lock or waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let lock = anyrt::sync::RwLock::new(1);
    /// let writer = lock.write().await;
    /// assert!(lock.try_read().is_err());
    /// drop(writer);
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// # });
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.inner().try_read() {
            Ok(inner) => Ok(RwLockReadGuard { inner }),
            Err(_) => Err(TryLockError::rwlock()),
        }
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue, and readers queued
    /// behind it may go ahead.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let lock = anyrt::sync::RwLock::new(vec![1]);
    /// lock.write().await.push(2);
    /// assert_eq!(*lock.read().await, [1, 2]);
    /// # });
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            inner: self.inner().write().await,
        }
    }

    /// Takes write access if the lock is free now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held, or tasks wait for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let lock = anyrt::sync::RwLock::new(0);
    /// let reader = lock.read().await;
    /// assert!(lock.try_write().is_err());
    /// drop(reader);
    /// *lock.try_write().unwrap() = 1;
    /// # });
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.inner().try_write() {
            Ok(inner) => Ok(RwLockWriteGuard { inner }),
            Err(_) => Err(TryLockError::rwlock()),
        }
    }

    /// Like [`read`](RwLock::read), with a guard that owns an `Arc` of the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`read`](RwLock::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(anyrt::sync::RwLock::new(3));
    /// let guard = lock.clone().read_owned().await;
    /// let doubled = anyrt::spawn(async move { *guard * 2 }).await.unwrap();
    /// assert_eq!(doubled, 6);
    /// # });
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard {
            inner: self.inner().clone().read_owned().await,
            lock: self,
        }
    }

    /// Like [`try_read`](RwLock::try_read), with a guard that owns an `Arc` of the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds the lock or waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(anyrt::sync::RwLock::new(1));
    /// let reader = lock.clone().try_read_owned().unwrap();
    /// assert!(lock.clone().try_read_owned().is_ok(), "readers share");
    /// assert!(lock.clone().try_write_owned().is_err());
    /// drop(reader);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.inner().clone().try_read_owned() {
            Ok(inner) => Ok(OwnedRwLockReadGuard { inner, lock: self }),
            Err(_) => Err(TryLockError::rwlock()),
        }
    }

    /// Like [`write`](RwLock::write), with a guard that owns an `Arc` of the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`write`](RwLock::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(anyrt::sync::RwLock::new(0));
    /// let mut writer = lock.clone().write_owned().await;
    /// anyrt::spawn(async move { *writer = 5 }).await.unwrap();
    /// assert_eq!(*lock.read().await, 5);
    /// # });
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        OwnedRwLockWriteGuard {
            inner: self.inner().clone().write_owned().await,
            lock: self,
        }
    }

    /// Like [`try_write`](RwLock::try_write), with a guard that owns an `Arc` of the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held, or tasks wait for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(anyrt::sync::RwLock::new(1));
    /// let mut writer = lock.clone().try_write_owned().unwrap();
    /// *writer = 2;
    /// assert!(lock.clone().try_read_owned().is_err());
    /// drop(writer);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.inner().clone().try_write_owned() {
            Ok(inner) => Ok(OwnedRwLockWriteGuard { inner, lock: self }),
            Err(_) => Err(TryLockError::rwlock()),
        }
    }

    /// Takes read access from synchronous code, blocking the thread until it is granted.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the module](super#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = anyrt::sync::RwLock::new(3);
    /// assert_eq!(*lock.blocking_read(), 3);
    /// *lock.blocking_write() += 1;
    /// assert_eq!(lock.into_inner(), 4);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        super::block_on_sync("RwLock::blocking_read", self.read())
    }

    /// Takes write access from synchronous code, blocking the thread until it is granted.
    ///
    /// # Panics
    ///
    /// If called from async code; see [the module](super#blocking-from-synchronous-code).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = anyrt::sync::RwLock::new(1);
    /// *lock.blocking_write() += 1;
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        super::block_on_sync("RwLock::blocking_write", self.write())
    }

    /// The value, through exclusive access to the lock (no locking needed).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = anyrt::sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        match self.inner.get_mut() {
            Place::Shared(inner) => Arc::get_mut(inner)
                .expect("anyrt: no owned guard can exist while the lock is borrowed mutably")
                .get_mut(),
            Place::Seed(value) => value,
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = anyrt::sync::RwLock::new(String::from("value"));
    /// assert_eq!(lock.into_inner(), "value");
    /// ```
    pub fn into_inner(self) -> T {
        match self.inner.into_inner() {
            Place::Shared(inner) => match Arc::try_unwrap(inner) {
                Ok(inner) => inner.into_inner(),
                Err(_) => unreachable!("anyrt: no owned guard can exist while the lock is owned"),
            },
            Place::Seed(value) => value,
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.inner().try_read() {
            Ok(value) => d.field("data", &&*value),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Shared read access to the value of a [`RwLock`], until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    inner: tokio::sync::RwLockReadGuard<'a, T>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the value, keeping read access.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{RwLock, RwLockReadGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new((1, "one"));
    /// let name = RwLockReadGuard::map(lock.read().await, |v| &v.1);
    /// assert_eq!(*name, "one");
    /// # });
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard {
            inner: tokio::sync::RwLockReadGuard::map(this.inner, f),
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
    /// use anyrt::sync::{RwLock, RwLockReadGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// let reader = RwLockReadGuard::try_map(lock.read().await, |v| v.get(5)).unwrap_err();
    /// let first = RwLockReadGuard::try_map(reader, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        match tokio::sync::RwLockReadGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(RwLockReadGuard { inner }),
            Err(inner) => Err(RwLockReadGuard { inner }),
        }
    }
}

/// Exclusive write access to the value of a [`RwLock`], until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    inner: tokio::sync::RwLockWriteGuard<'a, T>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    /// Turns write access into read access without releasing the lock in between; tasks
    /// waiting to read may then read alongside.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let lock = anyrt::sync::RwLock::new(1);
    /// let mut writer = lock.write().await;
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// assert_eq!(*reader, 2);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// # });
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            inner: self.inner.downgrade(),
        }
    }

    /// Narrows the guard to a part of the value, keeping write access.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// *RwLockWriteGuard::map(lock.write().await, |v| &mut v[1]) = 5;
    /// assert_eq!(*lock.read().await, [1, 5]);
    /// # });
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
            inner: tokio::sync::RwLockWriteGuard::map(this.inner, f),
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
    /// use anyrt::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// let writer = RwLockWriteGuard::try_map(lock.write().await, |v| v.get_mut(5)).unwrap_err();
    /// *RwLockWriteGuard::try_map(writer, |v| v.last_mut()).unwrap() = 9;
    /// assert_eq!(*lock.read().await, [1, 9]);
    /// # });
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match tokio::sync::RwLockWriteGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(RwLockMappedWriteGuard { inner }),
            Err(inner) => Err(RwLockWriteGuard { inner }),
        }
    }

    /// Turns write access into read access to a part of the value, without releasing the lock
    /// in between.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new((1, String::from("a")));
    /// let mut writer = lock.write().await;
    /// writer.0 = 2;
    /// let name = RwLockWriteGuard::downgrade_map(writer, |v| &v.1);
    /// assert_eq!(*name, "a");
    /// assert_eq!(lock.try_read().unwrap().0, 2, "readers may now read alongside");
    /// # });
    /// ```
    pub fn downgrade_map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard {
            inner: tokio::sync::RwLockWriteGuard::downgrade_map(this.inner, f),
        }
    }

    /// Like [`downgrade_map`](RwLockWriteGuard::downgrade_map) if `f` finds a part; else gives
    /// the write guard back.
    ///
    /// # Errors
    ///
    /// The unchanged guard, still writing, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// let writer = RwLockWriteGuard::try_downgrade_map(lock.write().await, |v| v.get(5)).unwrap_err();
    /// let first = RwLockWriteGuard::try_downgrade_map(writer, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    pub fn try_downgrade_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        match tokio::sync::RwLockWriteGuard::try_downgrade_map(this.inner, f) {
            Ok(inner) => Ok(RwLockReadGuard { inner }),
            Err(inner) => Err(RwLockWriteGuard { inner }),
        }
    }

    /// The same guard as a [`RwLockMappedWriteGuard`] of the whole value.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new(1);
    /// let mut all: RwLockMappedWriteGuard<'_, i32> = RwLockWriteGuard::into_mapped(lock.write().await);
    /// *all += 1;
    /// drop(all);
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockMappedWriteGuard {
            inner: tokio::sync::RwLockWriteGuard::into_mapped(this.inner),
        }
    }
}

/// A [`RwLockWriteGuard`] narrowed to a part of the value; write access until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    inner: tokio::sync::RwLockMappedWriteGuard<'a, T>,
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further; see [`RwLockWriteGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// # anyrt::block_on(async {
    /// let lock = RwLock::new((0, vec![1, 2]));
    /// let list = RwLockWriteGuard::map(lock.write().await, |v| &mut v.1);
    /// *RwLockMappedWriteGuard::map(list, |l| &mut l[0]) = 7;
    /// assert_eq!(lock.read().await.1, [7, 2]);
    /// # });
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
            inner: tokio::sync::RwLockMappedWriteGuard::map(this.inner, f),
        }
    }

    /// Narrows the guard further if `f` finds a part; see [`RwLockWriteGuard::try_map`].
    ///
    /// # Errors
    ///
    /// The unchanged guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// See [`map`](RwLockMappedWriteGuard::map).
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match tokio::sync::RwLockMappedWriteGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(RwLockMappedWriteGuard { inner }),
            Err(inner) => Err(RwLockMappedWriteGuard { inner }),
        }
    }
}

/// Shared read access to the value of an `Arc<RwLock<T>>`, until dropped; made by
/// [`RwLock::read_owned`]. `U` is the part of the value it shows, after
/// [`map`](OwnedRwLockReadGuard::map).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T, U: ?Sized = T> {
    inner: tokio::sync::OwnedRwLockReadGuard<T, U>,
    lock: Arc<RwLock<T>>,
}

impl<T, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// See [`map`](OwnedRwLockReadGuard::map).
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Narrows the guard to a part of the value, keeping read access.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, String::from("name"))));
    /// let name = OwnedRwLockReadGuard::map(lock.clone().read_owned().await, |v| &v.1);
    /// assert_eq!(*name, "name");
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&name), &lock));
    /// let short = OwnedRwLockReadGuard::try_map(name, |n| n.get(..2)).unwrap();
    /// assert_eq!(&*short, "na");
    /// # });
    /// ```
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        OwnedRwLockReadGuard {
            inner: tokio::sync::OwnedRwLockReadGuard::map(this.inner, f),
            lock: this.lock,
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
    /// See [`map`](OwnedRwLockReadGuard::map).
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let lock = this.lock;
        match tokio::sync::OwnedRwLockReadGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(OwnedRwLockReadGuard { inner, lock }),
            Err(inner) => Err(OwnedRwLockReadGuard { inner, lock }),
        }
    }
}

/// Exclusive write access to the value of an `Arc<RwLock<T>>`, until dropped; made by
/// [`RwLock::write_owned`].
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T> {
    inner: tokio::sync::OwnedRwLockWriteGuard<T>,
    lock: Arc<RwLock<T>>,
}

impl<T> OwnedRwLockWriteGuard<T> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// See [`try_map`](OwnedRwLockWriteGuard::try_map).
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns write access into read access without releasing the lock in between.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(anyrt::sync::RwLock::new(1));
    /// let mut writer = lock.clone().write_owned().await;
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// assert_eq!((*reader, *lock.try_read().unwrap()), (2, 2));
    /// # });
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard {
            inner: self.inner.downgrade(),
            lock: self.lock,
        }
    }

    /// Narrows the guard to a part of the value, keeping write access; see
    /// [`RwLockWriteGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(RwLock::new((0, 0)));
    /// let mut second = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |v| &mut v.1);
    /// *second = 7;
    /// drop(second);
    /// assert_eq!(*lock.read().await, (0, 7));
    /// # });
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedRwLockMappedWriteGuard {
            inner: tokio::sync::OwnedRwLockWriteGuard::map(this.inner, f),
            lock: this.lock,
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
    /// use anyrt::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1, 2]));
    /// let writer = lock.clone().write_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&writer), &lock));
    /// let writer = OwnedRwLockWriteGuard::try_map(writer, |v| v.get_mut(5)).unwrap_err();
    /// let last = OwnedRwLockWriteGuard::try_map(writer, |v| v.last_mut()).unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&last), &lock));
    /// let last = OwnedRwLockMappedWriteGuard::try_map(last, |n| Some(n)).unwrap();
    /// *OwnedRwLockMappedWriteGuard::map(last, |n| n) = 9;
    /// assert_eq!(*lock.read().await, [1, 9]);
    /// # });
    /// ```
    pub fn try_map<U: ?Sized, F>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let lock = this.lock;
        match tokio::sync::OwnedRwLockWriteGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(OwnedRwLockMappedWriteGuard { inner, lock }),
            Err(inner) => Err(OwnedRwLockWriteGuard { inner, lock }),
        }
    }

    /// Turns write access into read access to a part of the value, without releasing the lock
    /// in between; see [`RwLockWriteGuard::downgrade_map`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let mut writer = lock.clone().write_owned().await;
    /// writer.1 = 3;
    /// let second = OwnedRwLockWriteGuard::downgrade_map(writer, |v| &v.1);
    /// assert_eq!((*second, lock.try_read().unwrap().0), (3, 1));
    /// # });
    /// ```
    pub fn downgrade_map<U: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        OwnedRwLockReadGuard {
            inner: tokio::sync::OwnedRwLockWriteGuard::downgrade_map(this.inner, f),
            lock: this.lock,
        }
    }

    /// Like [`downgrade_map`](OwnedRwLockWriteGuard::downgrade_map) if `f` finds a part; else
    /// gives the write guard back.
    ///
    /// # Errors
    ///
    /// The unchanged guard, still writing, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1, 2]));
    /// let writer = lock.clone().write_owned().await;
    /// let writer = OwnedRwLockWriteGuard::try_downgrade_map(writer, |v| v.get(5)).unwrap_err();
    /// let first = OwnedRwLockWriteGuard::try_downgrade_map(writer, |v| v.first()).unwrap();
    /// assert_eq!((*first, lock.try_read().unwrap().len()), (1, 2));
    /// # });
    /// ```
    pub fn try_downgrade_map<U: ?Sized, F>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let lock = this.lock;
        match tokio::sync::OwnedRwLockWriteGuard::try_downgrade_map(this.inner, f) {
            Ok(inner) => Ok(OwnedRwLockReadGuard { inner, lock }),
            Err(inner) => Err(OwnedRwLockWriteGuard { inner, lock }),
        }
    }

    /// The same guard as an [`OwnedRwLockMappedWriteGuard`] of the whole value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # anyrt::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut all: OwnedRwLockMappedWriteGuard<i32> =
    ///     OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
    /// *all += 1;
    /// drop(all);
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockMappedWriteGuard {
            inner: tokio::sync::OwnedRwLockWriteGuard::into_mapped(this.inner),
            lock: this.lock,
        }
    }
}

/// An [`OwnedRwLockWriteGuard`] narrowed to a part `U` of the value; write access until
/// dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockMappedWriteGuard<T, U: ?Sized = T> {
    inner: tokio::sync::OwnedRwLockMappedWriteGuard<T, U>,
    lock: Arc<RwLock<T>>,
}

impl<T, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// The lock this guard holds; see [`OwnedRwLockWriteGuard::rwlock`].
    ///
    /// # Examples
    ///
    /// See [`OwnedRwLockWriteGuard::try_map`].
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Narrows the guard further; see [`RwLockWriteGuard::map`].
    ///
    /// # Examples
    ///
    /// See [`OwnedRwLockWriteGuard::try_map`].
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        OwnedRwLockMappedWriteGuard {
            inner: tokio::sync::OwnedRwLockMappedWriteGuard::map(this.inner, f),
            lock: this.lock,
        }
    }

    /// Narrows the guard further if `f` finds a part; see [`RwLockWriteGuard::try_map`].
    ///
    /// # Errors
    ///
    /// The unchanged guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// See [`OwnedRwLockWriteGuard::try_map`].
    pub fn try_map<V: ?Sized, F>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let lock = this.lock;
        match tokio::sync::OwnedRwLockMappedWriteGuard::try_map(this.inner, f) {
            Ok(inner) => Ok(OwnedRwLockMappedWriteGuard { inner, lock }),
            Err(inner) => Err(OwnedRwLockMappedWriteGuard { inner, lock }),
        }
    }
}

guard_traits! {
    [T] RwLockWriteGuard<'_, T> => T;
    [T: ?Sized] RwLockMappedWriteGuard<'_, T> => T;
    [T] OwnedRwLockWriteGuard<T> => T;
    [T, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U;
}

read_guard_traits! {
    [T: ?Sized] RwLockReadGuard<'_, T> => T;
    [T, U: ?Sized] OwnedRwLockReadGuard<T, U> => U;
}

//! [`Semaphore`]: a fair async counting semaphore for every backend, on tokio's.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A count of permits that tasks acquire and give back, to bound how many do something at once.
///
/// **Fair (first in, first out)** on every backend: permits go to waiters in the order they
/// called `acquire`. A waiter asking for many permits ([`acquire_many`](Semaphore::acquire_many))
/// is not overtaken by later, smaller requests, so it cannot starve; permits are set aside for it
/// as they are released. (async-lock's semaphore, native to async-std and smol, lets a newcomer
/// take a free permit ahead of waiters.)
///
/// A permit gives its permits back when dropped, unless [`forget`](SemaphorePermit::forget)
/// is called. After [`close`](Semaphore::close), waiting and later calls to acquire fail with an
/// error; permits already held stay valid.
///
/// [`new`](Semaphore::new) is a `const fn`, so a `Semaphore` can be a `static`.
///
/// # Examples
///
/// At most two tasks in the section at once:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use anyrt::sync::Semaphore;
///
/// # anyrt::block_on(async {
/// static SLOTS: Semaphore = Semaphore::new(2);
/// let inside = Arc::new(AtomicUsize::new(0));
/// let tasks: Vec<_> = (0..8)
///     .map(|_| {
///         let inside = inside.clone();
///         anyrt::spawn(async move {
///             let _permit = SLOTS.acquire().await.unwrap();
///             assert!(inside.fetch_add(1, Ordering::SeqCst) < 2);
///             anyrt::task::yield_now().await;
///             inside.fetch_sub(1, Ordering::SeqCst);
///         })
///     })
///     .collect();
/// for task in tasks {
///     task.await.unwrap();
/// }
/// # });
/// ```
pub struct Semaphore {
    inner: tokio::sync::Semaphore,
    /// Every permit the semaphore has: free, held, or set aside for a waiter. Only `add_permits`
    /// raises it, with a compare-and-swap that keeps it at most `MAX_PERMITS`, so the free
    /// permits (fewer) never exceed it: tokio's check, which panics with its own message (also
    /// in a permit's `Drop`), never fires, however adds and releases race.
    total: AtomicUsize,
}

/// The error of the `acquire` methods once the semaphore is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// The error of the `try_acquire` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are free now, or tasks are waiting ahead.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

fn acquire_error(_: tokio::sync::AcquireError) -> AcquireError {
    AcquireError(())
}

fn try_acquire_error(error: tokio::sync::TryAcquireError) -> TryAcquireError {
    match error {
        tokio::sync::TryAcquireError::Closed => TryAcquireError::Closed,
        tokio::sync::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
    }
}

/// Panics unless `n` permits can be asked for at once.
#[track_caller]
fn check_request(n: u32) {
    // Reachable on 32-bit targets only, where `MAX_PERMITS` is below `u32::MAX`.
    #[allow(clippy::absurd_extreme_comparisons, clippy::cast_possible_truncation)]
    if n as usize > Semaphore::MAX_PERMITS {
        panic!(
            "anyrt: a semaphore holds at most `Semaphore::MAX_PERMITS` ({}) permits; {n} were \
             asked for at once",
            Semaphore::MAX_PERMITS
        );
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = tokio::sync::Semaphore::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(3);
    /// assert_eq!(semaphore.available_permits(), 3);
    /// ```
    pub const fn new(permits: usize) -> Semaphore {
        if permits > Semaphore::MAX_PERMITS {
            panic!("anyrt: a semaphore holds at most `Semaphore::MAX_PERMITS` permits");
        }
        Semaphore {
            inner: tokio::sync::Semaphore::const_new(permits),
            total: AtomicUsize::new(permits),
        }
    }

    /// The same as [`new`](Semaphore::new), under the name tokio gives its `const` constructor.
    ///
    /// # Panics
    ///
    /// If `permits` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    ///
    /// # Examples
    ///
    /// ```
    /// static CONNECTIONS: anyrt::sync::Semaphore = anyrt::sync::Semaphore::const_new(2);
    ///
    /// let permit = CONNECTIONS.try_acquire().unwrap();
    /// assert_eq!(CONNECTIONS.available_permits(), 1);
    /// drop(permit);
    /// ```
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore::new(permits)
    }

    /// How many permits are free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(2);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, serving waiters first, in order.
    ///
    /// # Panics
    ///
    /// If the semaphore would then have more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS)
    /// permits, counting those that are held (tokio counts only the free ones, and panics later,
    /// when a permit given back overflows them). The check and the addition are one atomic step.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(0);
    /// semaphore.add_permits(2);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        let added = self
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |total| {
                total
                    .checked_add(n)
                    .filter(|&sum| sum <= Semaphore::MAX_PERMITS)
            });
        if let Err(total) = added {
            panic!(
                "anyrt: adding {n} permits to a semaphore of {total} would exceed \
                 `Semaphore::MAX_PERMITS` ({})",
                Semaphore::MAX_PERMITS
            );
        }
        self.inner.add_permits(n);
    }

    /// Removes up to `n` free permits and returns how many were removed.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(3);
    /// assert_eq!(semaphore.forget_permits(2), 2);
    /// assert_eq!(semaphore.forget_permits(5), 1);
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        let forgotten = self.inner.forget_permits(n);
        self.forgot(forgotten);
        forgotten
    }

    /// Takes `n` permits that are gone for good off the total.
    fn forgot(&self, n: usize) {
        if n > 0 {
            self.total.fetch_sub(n, Ordering::AcqRel);
        }
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue; it holds no permit
    /// once dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let semaphore = anyrt::sync::Semaphore::new(1);
    /// let permit = semaphore.acquire().await.unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// # });
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        // As in `Mutex::lock`, free permits are taken without the wait queue's future (spending
        // the cooperative budget as that future does), and `try_acquire` never takes permits set
        // aside for a waiter. Uncontended acquire and release: 0.80-0.94x the time of tokio's
        // `acquire` over three runs on a shared machine (0.73x before the fast path spent the
        // budget), 1.33x through tokio's future alone (`benches/paired.rs`).
        let permit = match super::try_first(|| self.inner.try_acquire().ok()).await {
            Some(permit) => permit,
            None => self.inner.acquire().await.map_err(acquire_error)?,
        };
        Ok(SemaphorePermit::new(self, permit))
    }

    /// Waits for `n` permits at once. Permits released while it waits at the head of the queue
    /// are set aside for it, so later requests cannot starve it.
    ///
    /// A semaphore has no fixed total (permits can be added and forgotten), so asking for more
    /// permits than it holds waits until enough are added, or until it is closed.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Panics
    ///
    /// If `n` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (possible on 32-bit targets
    /// only).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue, and the permits set
    /// aside for it go back to the semaphore (to the next waiters).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let semaphore = anyrt::sync::Semaphore::new(5);
    /// let permit = semaphore.acquire_many(3).await.unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// # });
    /// ```
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl std::future::Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + Send + '_
    {
        check_request(n);
        async move {
            // The fast path of `acquire`.
            let permit = match super::try_first(|| self.inner.try_acquire_many(n).ok()).await {
                Some(permit) => permit,
                None => self.inner.acquire_many(n).await.map_err(acquire_error)?,
            };
            Ok(SemaphorePermit::new(self, permit))
        }
    }

    /// Takes one permit if one is free now and nobody waits ahead.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if none is free or tasks wait ahead;
    /// [`TryAcquireError::Closed`] if the semaphore is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    /// drop(permit);
    /// semaphore.close();
    /// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::Closed);
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free now and nobody waits ahead.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Semaphore::try_acquire).
    ///
    /// # Panics
    ///
    /// If `n` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (32-bit targets only).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(2);
    /// assert!(semaphore.try_acquire_many(3).is_err());
    /// assert_eq!(semaphore.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        check_request(n);
        let permit = self.inner.try_acquire_many(n).map_err(try_acquire_error)?;
        Ok(SemaphorePermit::new(self, permit))
    }

    /// Like [`acquire`](Semaphore::acquire), with a permit that owns an `Arc` of the
    /// semaphore, so it can move into a spawned task.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`acquire`](Semaphore::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let semaphore = Arc::new(anyrt::sync::Semaphore::new(3));
    /// let mut tasks = Vec::new();
    /// for i in 0..10 {
    ///     let permit = semaphore.clone().acquire_owned().await.unwrap();
    ///     tasks.push(anyrt::spawn(async move {
    ///         let _permit = permit; // released when the task ends
    ///         i * 2
    ///     }));
    /// }
    /// for task in tasks {
    ///     task.await.unwrap();
    /// }
    /// # });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Like [`acquire_many`](Semaphore::acquire_many), with a permit that owns an `Arc` of the
    /// semaphore.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Panics
    ///
    /// If `n` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (32-bit targets only).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`acquire_many`](Semaphore::acquire_many).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let semaphore = Arc::new(anyrt::sync::Semaphore::new(4));
    /// let permits = semaphore.clone().acquire_many_owned(3).await.unwrap();
    /// let task = anyrt::spawn(async move { permits.num_permits() });
    /// assert_eq!(task.await.unwrap(), 3);
    /// assert_eq!(semaphore.available_permits(), 4, "given back when the task dropped them");
    /// # });
    /// ```
    #[track_caller]
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> impl std::future::Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send {
        check_request(n);
        async move {
            let permit = match super::try_first(|| self.inner.try_acquire_many(n).ok()).await {
                Some(permit) => permit,
                None => self.inner.acquire_many(n).await.map_err(acquire_error)?,
            };
            permit.forget();
            Ok(OwnedSemaphorePermit {
                semaphore: self,
                permits: n as usize,
            })
        }
    }

    /// Like [`try_acquire`](Semaphore::try_acquire), with a permit that owns an `Arc` of the
    /// semaphore.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Semaphore::try_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use anyrt::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert_eq!(semaphore.clone().try_acquire_owned().unwrap_err(), TryAcquireError::NoPermits);
    /// drop(permit);
    /// assert!(semaphore.try_acquire_owned().is_ok());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Like [`try_acquire_many`](Semaphore::try_acquire_many), with a permit that owns an `Arc`
    /// of the semaphore.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Semaphore::try_acquire).
    ///
    /// # Panics
    ///
    /// If `n` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (32-bit targets only).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(anyrt::sync::Semaphore::new(3));
    /// assert!(semaphore.clone().try_acquire_many_owned(4).is_err());
    /// let permits = semaphore.clone().try_acquire_many_owned(3).unwrap();
    /// assert_eq!((permits.num_permits(), semaphore.available_permits()), (3, 0));
    /// ```
    #[track_caller]
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        check_request(n);
        self.inner
            .try_acquire_many(n)
            .map_err(try_acquire_error)?
            .forget();
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n as usize,
        })
    }

    /// Waits for one permit from synchronous code, blocking the thread.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Panics
    ///
    /// If called from async code (inside a task or `block_on`), where blocking the thread could
    /// deadlock the runtime; in a closure run by [`spawn_blocking`](crate::task::spawn_blocking)
    /// it is fine.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(anyrt::sync::Semaphore::new(1));
    /// let permit = semaphore.blocking_acquire().unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// drop(permit);
    /// let permits = semaphore.clone().blocking_acquire_many_owned(1).unwrap();
    /// assert_eq!(permits.num_permits(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::block_on_sync("Semaphore::blocking_acquire", self.acquire())
    }

    /// Like [`blocking_acquire`](Semaphore::blocking_acquire), for `n` permits at once.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Panics
    ///
    /// If called from async code, like [`blocking_acquire`](Semaphore::blocking_acquire); if
    /// `n` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (32-bit targets only).
    ///
    /// # Examples
    ///
    /// See [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::block_on_sync("Semaphore::blocking_acquire_many", self.acquire_many(n))
    }

    /// Like [`blocking_acquire`](Semaphore::blocking_acquire), with a permit that owns an `Arc`
    /// of the semaphore.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Panics
    ///
    /// If called from async code, like [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Examples
    ///
    /// See [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::block_on_sync("Semaphore::blocking_acquire_owned", self.acquire_owned())
    }

    /// Like [`blocking_acquire_many`](Semaphore::blocking_acquire_many), with a permit that
    /// owns an `Arc` of the semaphore.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Panics
    ///
    /// If called from async code, like [`blocking_acquire`](Semaphore::blocking_acquire); if
    /// `n` is more than [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (32-bit targets only).
    ///
    /// # Examples
    ///
    /// See [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::block_on_sync(
            "Semaphore::blocking_acquire_many_owned",
            self.acquire_many_owned(n),
        )
    }

    /// Closes the semaphore: waiting and later acquires fail with an error. Permits already held
    /// stay valid and are given back as usual.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let semaphore = anyrt::sync::Semaphore::new(0);
    /// semaphore.close();
    /// assert!(semaphore.is_closed());
    /// assert!(semaphore.acquire().await.is_err());
    /// # });
    /// ```
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    ///
    /// # Examples
    ///
    /// See [`close`](Semaphore::close).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

// Permits hold a count, not tokio's permit: tokio's is forgotten as soon as it is acquired, and
// dropping ours adds the count back, which is what dropping tokio's does. The owned permit then
// needs no `Arc` of tokio's semaphore, so the semaphore stays inline and `new` stays `const`.

/// Permits acquired from a [`Semaphore`]; they go back to it when this is dropped.
#[must_use = "the permits go back to the semaphore as soon as this is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl<'a> SemaphorePermit<'a> {
    fn new(semaphore: &'a Semaphore, permit: tokio::sync::SemaphorePermit<'_>) -> Self {
        let permits = permit.num_permits();
        permit.forget();
        SemaphorePermit { semaphore, permits }
    }

    /// Keeps the permits from going back: the semaphore has that many fewer for good.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(2);
    /// semaphore.try_acquire().unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.semaphore.forgot(std::mem::take(&mut self.permits));
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(3);
    /// let permit = semaphore.try_acquire_many(2).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// assert!(std::ptr::eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// See [`num_permits`](SemaphorePermit::num_permits).
    pub fn semaphore(&self) -> &'a Semaphore {
        self.semaphore
    }

    /// Moves `other`'s permits into this one.
    ///
    /// # Panics
    ///
    /// If `other` came from another semaphore.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire().unwrap();
    /// permit.merge(semaphore.try_acquire_many(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: SemaphorePermit<'_>) {
        if !std::ptr::eq(self.semaphore, other.semaphore) {
            panic!("anyrt: permits of two different semaphores cannot be merged");
        }
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if this holds fewer than `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = anyrt::sync::Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire_many(3).unwrap();
    /// let part = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), part.num_permits()), (2, 1));
    /// drop(part);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            semaphore: self.semaphore,
            permits: n,
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.inner.add_permits(self.permits);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// Permits acquired from an `Arc<Semaphore>`; they go back to it when this is dropped. Made by
/// [`Semaphore::acquire_owned`].
#[must_use = "the permits go back to the semaphore as soon as this is dropped"]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// Keeps the permits from going back: the semaphore has that many fewer for good.
    ///
    /// # Examples
    ///
    /// See [`merge`](OwnedSemaphorePermit::merge).
    pub fn forget(mut self) {
        self.semaphore.forgot(std::mem::take(&mut self.permits));
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// See [`merge`](OwnedSemaphorePermit::merge).
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// See [`merge`](OwnedSemaphorePermit::merge).
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    /// Moves `other`'s permits into this one.
    ///
    /// # Panics
    ///
    /// If `other` came from another semaphore.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(anyrt::sync::Semaphore::new(3));
    /// let mut permit = semaphore.clone().try_acquire_owned().unwrap();
    /// permit.merge(semaphore.clone().try_acquire_many_owned(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// let part = permit.split(1).unwrap();
    /// assert!(Arc::ptr_eq(part.semaphore(), &semaphore));
    /// part.forget();
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 2, "the forgotten permit is gone for good");
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        if !Arc::ptr_eq(&self.semaphore, &other.semaphore) {
            panic!("anyrt: permits of two different semaphores cannot be merged");
        }
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if this holds fewer than `n`.
    ///
    /// # Examples
    ///
    /// See [`merge`](OwnedSemaphorePermit::merge).
    pub fn split(&mut self, n: usize) -> Option<OwnedSemaphorePermit> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            semaphore: self.semaphore.clone(),
            permits: n,
        })
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.inner.add_permits(self.permits);
        }
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

//! [`Barrier`]: let a group of tasks wait for each other, for every backend, on tokio's.

use std::fmt;

/// Makes `n` tasks wait until all of them have called [`wait`](Barrier::wait); then releases them
/// together, and starts over for the next `n`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use anyrt::sync::Barrier;
///
/// # anyrt::block_on(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         anyrt::spawn(async move { barrier.wait().await.is_leader() })
///     })
///     .collect();
/// let mut leaders = 0;
/// for task in tasks {
///     leaders += task.await.unwrap() as usize;
/// }
/// assert_eq!(leaders, 1);
/// # });
/// ```
pub struct Barrier {
    inner: tokio::sync::Barrier,
}

impl Barrier {
    /// A barrier for groups of `n` tasks.
    ///
    /// `n = 0` behaves as `n = 1`, as with `std::sync::Barrier`: every `wait` returns at once,
    /// as the leader.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let barrier = anyrt::sync::Barrier::new(0); // acts as 1
    /// assert!(barrier.wait().await.is_leader());
    /// # });
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            inner: tokio::sync::Barrier::new(n),
        }
    }

    /// Waits until `n` tasks are waiting, then returns in all of them. Exactly one of each group
    /// gets a result whose [`is_leader`](BarrierWaitResult::is_leader) is true.
    ///
    /// # Cancel safety
    ///
    /// **Not cancel-safe**: a task counts as arrived from the first poll, and dropping the future
    /// does not take it back. The group then completes with one task fewer actually waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # anyrt::block_on(async {
    /// let barrier = Arc::new(anyrt::sync::Barrier::new(2));
    /// let other = {
    ///     let barrier = barrier.clone();
    ///     anyrt::spawn(async move { barrier.wait().await.is_leader() })
    /// };
    /// let here = barrier.wait().await.is_leader();
    /// assert!(here ^ other.await.unwrap());
    /// # });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        BarrierWaitResult(self.inner.wait().await.is_leader())
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}

/// What [`Barrier::wait`] returns: whether this task is its group's leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task is the one leader of its group.
    ///
    /// # Examples
    ///
    /// See [`Barrier::wait`].
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

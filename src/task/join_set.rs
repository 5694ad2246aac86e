//! [`JoinSet`]: a set of spawned tasks, joined in the order they finish.
//!
//! One implementation for every backend, on anyrt's [`JoinHandle`]s. Each task gets an entry,
//! one allocation holding its handle, which is also the waker its handle is polled with and the
//! [`AbortHandle`] `spawn` returns. A woken entry queues its slot, so `join_next` polls only the
//! tasks that made progress, not all of them. When the set lets its tasks go (`detach_all`, or
//! dropped), each entry drops its `JoinHandle`, so a finished task's output is dropped as a
//! detached task's is; an entry something else still holds keeps the task's remote abort.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use atomic_waker::AtomicWaker;

use super::{AbortHandle, JoinError, JoinHandle};
use crate::rt::RemoteAbort;

/// A set of tasks spawned on the current backend, awaited in the order they finish.
///
/// - [`join_next`](JoinSet::join_next) waits for the next task to finish and returns its result;
///   `None` once the set is empty.
/// - **Dropping the set aborts every task still in it**, as
///   [`abort_all`](JoinSet::abort_all) does; [`detach_all`](JoinSet::detach_all) lets them run
///   on instead.
/// - Each task follows the task contract of [`spawn`](crate::spawn): a panic arrives as a
///   [`JoinError`], and aborting drops the task's future.
///
/// # Examples
///
/// ```
/// use anyrt::task::JoinSet;
///
/// # anyrt::block_on(async {
/// let mut set = JoinSet::new();
/// for i in 0..10u64 {
///     set.spawn(async move { i * i });
/// }
/// let mut sum = 0;
/// while let Some(result) = set.join_next().await {
///     sum += result.unwrap();
/// }
/// assert_eq!(sum, 285);
/// # });
/// ```
pub struct JoinSet<T> {
    /// The entries, by slot; `None` for a free slot.
    entries: Vec<Option<Arc<Entry<T>>>>,
    /// Free slots, reused before the vector grows.
    free: Vec<usize>,
    len: usize,
    ready: Arc<Ready>,
}

/// What the entries share with their set.
#[derive(Default)]
struct Ready {
    /// The slots whose task woke them, to poll next.
    slots: Mutex<VecDeque<usize>>,
    /// The task waiting in `join_next`.
    waker: AtomicWaker,
}

impl Ready {
    fn slots(&self) -> MutexGuard<'_, VecDeque<usize>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One task of a set.
struct Entry<T> {
    slot: usize,
    ready: Arc<Ready>,
    /// Whether `slot` is queued in `ready` already, so a burst of wakes queues it once.
    queued: AtomicBool,
    task: Mutex<Task<T>>,
}

/// What an [`Entry`] holds of its task.
enum Task<T> {
    /// In the set.
    Joined(JoinHandle<T>),
    /// Let go by the set (`detach_all`, or the set dropped) while an [`AbortHandle`] may still
    /// ask for it: its remote abort only, since the `JoinHandle` would keep the task's output
    /// alive for as long as the `AbortHandle` lives.
    Released(AbortHandle),
    /// The set returned the result.
    Done,
}

impl<T> Entry<T> {
    fn task(&self) -> MutexGuard<'_, Task<T>> {
        self.task.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn queue(&self) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.ready.slots().push_back(self.slot);
            self.ready.waker.wake();
        }
    }

    fn abort(&self) {
        match &*self.task() {
            Task::Joined(handle) => handle.abort(),
            Task::Released(handle) => handle.abort(),
            Task::Done => {}
        }
    }

    /// Drops the task's `JoinHandle`, detaching the task, and keeps its remote abort if anyone
    /// beside the set holds this entry.
    fn release(self: &Arc<Self>) {
        let mut task = self.task();
        let Task::Joined(handle) = std::mem::replace(&mut *task, Task::Done) else {
            return;
        };
        // Other holders: `AbortHandle`s, and the task itself while it keeps this entry as its
        // waker. Only then is a remote abort needed, which may allocate.
        if Arc::strong_count(self) > 1 {
            *task = Task::Released(handle.abort_handle());
        }
        drop(task);
        // Outside the lock, as it may drop the task's output, whose destructor may use an
        // `AbortHandle` of this entry.
        drop(handle);
    }
}

impl<T: Send + 'static> Wake for Entry<T> {
    fn wake(self: Arc<Self>) {
        self.queue();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue();
    }
}

impl<T: Send + 'static> RemoteAbort for Entry<T> {
    fn abort(&self) {
        Entry::abort(self);
    }

    fn is_finished(&self) -> bool {
        match &*self.task() {
            Task::Joined(handle) => handle.is_finished(),
            Task::Released(handle) => handle.is_finished(),
            Task::Done => true,
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// assert!(set.is_empty());
    /// set.spawn(async { "done" });
    /// assert_eq!(set.len(), 1);
    /// set.join_next().await;
    /// assert_eq!((set.len(), set.is_empty()), (0, true));
    /// # });
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Vec::new(),
            free: Vec::new(),
            len: 0,
            ready: Arc::default(),
        }
    }

    /// How many tasks are in the set: spawned, and not yet returned by `join_next`.
    ///
    /// # Examples
    ///
    /// See [`new`](JoinSet::new).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no task.
    ///
    /// # Examples
    ///
    /// See [`new`](JoinSet::new).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Aborts every task in the set, without waiting. They stay in the set: `join_next` returns
    /// their results (a cancelled [`JoinError`], or the output of a task that finished first).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// set.spawn(anyrt::time::sleep(Duration::from_secs(60)));
    /// set.abort_all();
    /// assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_all(&mut self) {
        for entry in self.entries.iter().flatten() {
            entry.abort();
        }
    }

    /// Removes every task from the set without aborting it: they run on, detached, and the set
    /// is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (tx, rx) = anyrt::sync::oneshot::channel();
    /// let mut set = anyrt::task::JoinSet::new();
    /// set.spawn(async move { tx.send("still ran").unwrap() });
    /// set.detach_all();
    /// drop(set); // would abort the task, had it not been detached
    /// assert_eq!(rx.await.unwrap(), "still ran");
    /// # });
    /// ```
    pub fn detach_all(&mut self) {
        for entry in self.entries.drain(..).flatten() {
            entry.release();
        }
        self.free.clear();
        self.len = 0;
        self.ready = Arc::default();
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current backend, as [`spawn`](crate::spawn) does, into the set.
    /// The returned [`AbortHandle`] aborts it; it can be ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// let slow = set.spawn(anyrt::time::sleep(Duration::from_secs(60)));
    /// slow.abort();
    /// assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Runs `f` on the blocking pool, as [`spawn_blocking`](super::spawn_blocking) does, into
    /// the set.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// set.spawn_blocking(|| (1..=10u32).product::<u32>());
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 3_628_800);
    /// # });
    /// ```
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(super::spawn_blocking(f))
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let slot = self.free.pop().unwrap_or(self.entries.len());
        let entry = Arc::new(Entry {
            slot,
            ready: self.ready.clone(),
            // Queued at once, so that the first `join_next` polls it and registers its waker.
            queued: AtomicBool::new(true),
            task: Mutex::new(Task::Joined(handle)),
        });
        self.ready.slots().push_back(slot);
        if slot == self.entries.len() {
            self.entries.push(Some(entry.clone()));
        } else {
            self.entries[slot] = Some(entry.clone());
        }
        self.len += 1;
        AbortHandle::new(entry)
    }

    /// Waits for the next task to finish and returns its result; `None` if the set is empty.
    /// Tasks come out in the order they finish, whatever the order they were spawned in.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the future is dropped before it completes, no result was taken from the
    /// set; the task stays in it for the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// set.spawn(async {
    ///     anyrt::time::sleep(Duration::from_millis(20)).await;
    ///     "slow"
    /// });
    /// set.spawn(async { "quick" });
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), "quick");
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), "slow");
    /// assert!(set.join_next().await.is_none());
    /// # });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task, as [`join_next`](JoinSet::join_next) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// // In a hand-written future, or through `poll_fn`:
    /// let result = poll_fn(|cx| set.poll_join_next(cx)).await;
    /// assert_eq!(result.unwrap().unwrap(), 1);
    /// assert!(poll_fn(|cx| set.poll_join_next(cx)).await.is_none());
    /// # });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        self.ready.waker.register(cx.waker());
        if let Some(result) = self.poll_queued() {
            return Poll::Ready(Some(result));
        }
        if !self.ready.slots().is_empty() {
            // Slots woken while this poll ran, beyond its budget: come back for them.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// The result of a task that has finished, if one has; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// assert!(set.try_join_next().is_none());
    /// set.spawn(async { 7 });
    /// let result = loop {
    ///     match set.try_join_next() {
    ///         Some(result) => break result,
    ///         None => anyrt::task::yield_now().await,
    ///     }
    /// };
    /// assert_eq!(result.unwrap(), 7);
    /// # });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        if self.len == 0 {
            return None;
        }
        self.poll_queued()
    }

    /// Polls the tasks whose slots are queued, at most as many as are queued when it starts (so
    /// a task that keeps waking itself cannot hold it), until one has finished.
    fn poll_queued(&mut self) -> Option<Result<T, JoinError>> {
        let budget = self.ready.slots().len();
        for _ in 0..budget {
            let slot = self.ready.slots().pop_front()?;
            // A slot freed (and perhaps reused) since it was queued is polled for nothing; its
            // entry, if any, just registers its waker again.
            let Some(entry) = self.entries.get(slot).and_then(Option::clone) else {
                continue;
            };
            // Cleared before polling, so a wake during the poll queues the slot again.
            entry.queued.store(false, Ordering::Release);
            let waker = Waker::from(entry.clone());
            let mut task = entry.task();
            let Task::Joined(join) = &mut *task else {
                continue;
            };
            if let Poll::Ready(result) = Pin::new(join).poll(&mut Context::from_waker(&waker)) {
                *task = Task::Done;
                drop(task);
                self.entries[slot] = None;
                self.free.push(slot);
                self.len -= 1;
                return Some(result);
            }
        }
        None
    }

    /// Aborts every task and waits until they have all finished; the set is then empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: the tasks are aborted at the first poll; dropped before it completes, the
    /// set keeps the tasks whose results were not yet taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// for _ in 0..3 {
    ///     set.spawn(anyrt::time::sleep(Duration::from_secs(60)));
    /// }
    /// set.shutdown().await;
    /// assert!(set.is_empty());
    /// # });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs, in the order they finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, with that task's payload; if one was aborted, with an `anyrt:`
    /// message. The tasks left are aborted, as the set is dropped.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the set, which aborts the tasks not yet joined; the outputs
    /// already collected are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let mut set = anyrt::task::JoinSet::new();
    /// for i in 0..3 {
    ///     set.spawn(async move { i });
    /// }
    /// let mut outputs = set.join_all().await;
    /// outputs.sort();
    /// assert_eq!(outputs, [0, 1, 2]);
    /// # });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len);
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(error) => match error.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(_) => panic!("anyrt: `JoinSet::join_all` found a task that was aborted"),
                },
            }
        }
        outputs
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
        for entry in self.entries.iter().flatten() {
            entry.release();
        }
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

impl<T, F> FromIterator<F> for JoinSet<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(futures: I) -> Self {
        let mut set = JoinSet::new();
        set.extend(futures);
        set
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, futures: I) {
        for future in futures {
            self.spawn(future);
        }
    }
}

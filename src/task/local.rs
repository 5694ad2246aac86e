//! Local tasks: `!Send` futures that run on the one thread driving their [`LocalSet`].
//!
//! One implementation for every backend, a small executor of anyrt's on async-task (below):
//! natively tokio needs a `LocalSet` or `LocalRuntime`, async-std an unstable feature, smol a
//! `LocalExecutor`, and each behaves differently. Local tasks follow the same contract as spawned ones (panics
//! arrive as [`JoinError`](super::JoinError)s, dropping a handle detaches, `abort` cancels) and
//! run only while their set is being driven by [`LocalSet::run_until`] or [`LocalSet::block_on`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use async_task::Runnable;
use atomic_waker::AtomicWaker;
use pin_project_lite::pin_project;

use super::JoinHandle;
use crate::rt::enter_task;
use crate::rt::supervised::{supervise, SupervisedTask};
use crate::Backend;

thread_local! {
    /// The set being driven on this thread, for `spawn_local`.
    static CURRENT: RefCell<Option<Rc<LocalExecutor>>> = const { RefCell::new(None) };
}

/// A set of local tasks, run on the thread that drives it.
///
/// Inside [`run_until`](LocalSet::run_until) (or [`block_on`](LocalSet::block_on)), the free
/// function [`spawn_local`] adds tasks to the set; they may hold `Rc`, `RefCell` and other
/// `!Send` values. Tasks left when the set is dropped are dropped with it, and awaiting their
/// handles yields a cancelled [`JoinError`](super::JoinError).
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use anyrt::task::{spawn_local, LocalSet};
///
/// let local = LocalSet::new();
/// let total = local.block_on(async {
///     let shared = Rc::new(RefCell::new(0));
///     let tasks: Vec<_> = (1..=3)
///         .map(|i| {
///             let shared = shared.clone();
///             spawn_local(async move { *shared.borrow_mut() += i })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     let total = *shared.borrow();
///     total
/// });
/// assert_eq!(total, 6);
/// ```
pub struct LocalSet {
    executor: Rc<LocalExecutor>,
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            executor: Rc::new(LocalExecutor::new()),
        }
    }

    /// Adds a task to this set. It runs the next time the set is driven.
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_on(&self.executor, future)
    }

    /// Runs `future` and this set's tasks until `future` completes; returns its output.
    ///
    /// Tasks still unfinished stay in the set and run again the next time it is driven.
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        Driven {
            executor: self.executor.clone(),
            future,
        }
        .await
    }

    /// Runs `future` and this set's tasks on the current thread until `future` completes, with
    /// [`crate::block_on`].
    ///
    /// # Panics
    ///
    /// Like [`crate::block_on`], if called from async code.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::block_on(self.run_until(future))
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}

pin_project! {
    /// Polls `future`, then runs the set's queued tasks, with `executor` the current set.
    struct Driven<F> {
        executor: Rc<LocalExecutor>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Driven<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let previous = CURRENT.with(|c| c.replace(Some(this.executor.clone())));
        // Restores the previous set even if a task panics through this poll.
        struct Restore(Option<Rc<LocalExecutor>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| *c.borrow_mut() = self.0.take());
            }
        }
        let _restore = Restore(previous);
        // Registered before the queue is read, so a task queued from another thread after the
        // read still wakes this poll's task.
        this.executor.queue.driver.register(cx.waker());
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(output);
        }
        for _ in 0..RUNS_PER_POLL {
            match this.executor.queue.pop() {
                Some(runnable) => {
                    runnable.run();
                }
                None => return Poll::Pending,
            }
        }
        // Tasks are still queued: yield to the runtime, as a task that used its budget does,
        // and go on at the next poll.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

pin_project! {
    /// Polls a local task one task level deeper than the code driving its set (see
    /// `task_local.rs`), so that it does not inherit that code's task-locals.
    struct Nested<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Nested<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _nested = enter_task();
        self.project().future.poll(cx)
    }
}

fn spawn_on<F>(executor: &Rc<LocalExecutor>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let (future, state) = supervise(Nested { future });
    JoinHandle::local(
        SupervisedTask::new(LocalExecutor::spawn(executor, future), state),
        Backend::current(),
    )
}

/// Spawns a `!Send` future on the [`LocalSet`] being driven on this thread.
///
/// # Panics
///
/// If no `LocalSet` is being driven on this thread: call it from code run by
/// [`LocalSet::run_until`], [`LocalSet::block_on`] or [`block_on_local`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let answer = anyrt::task::block_on_local(async {
///     let not_send = Rc::new(41);
///     anyrt::task::spawn_local(async move { *not_send + 1 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match CURRENT.with(|c| c.borrow().clone()) {
        Some(executor) => spawn_on(&executor, future),
        None => panic!(
            "anyrt: `spawn_local` was called outside a `LocalSet`; run this code inside \
             `LocalSet::run_until`, `LocalSet::block_on` or `anyrt::task::block_on_local`"
        ),
    }
}

/// Runs `future` on the current thread inside a new [`LocalSet`], so that it can call
/// [`spawn_local`]; see [`crate::block_on`].
///
/// # Panics
///
/// Like [`crate::block_on`], if called from async code.
pub fn block_on_local<F: Future>(future: F) -> F::Output {
    LocalSet::new().block_on(future)
}

/// How many tasks a set runs per poll of the future driving it before it yields to the runtime.
const RUNS_PER_POLL: usize = 200;

/// The executor behind a [`LocalSet`]: its tasks run on the thread that drives the set, inside
/// that poll. Their wakers may be called from any thread, so the queue is shared; everything
/// else stays on the set's thread.
struct LocalExecutor {
    queue: Arc<Queue>,
    /// The waker of every task alive in the set, so that dropping the set can reach the tasks
    /// parked on something else and drop them too.
    active: RefCell<Active>,
}

/// The tasks ready to run, in the order they were woken.
struct Queue {
    runnables: Mutex<VecDeque<Runnable>>,
    /// The task driving the set, woken when a runnable is queued.
    driver: AtomicWaker,
}

impl Queue {
    fn push(&self, runnable: Runnable) {
        lock(&self.runnables).push_back(runnable);
        self.driver.wake();
    }

    fn pop(&self) -> Option<Runnable> {
        lock(&self.runnables).pop_front()
    }
}

/// The queue's lock; a panic while it was held cannot leave the queue half-changed.
fn lock(runnables: &Mutex<VecDeque<Runnable>>) -> std::sync::MutexGuard<'_, VecDeque<Runnable>> {
    runnables.lock().unwrap_or_else(|e| e.into_inner())
}

/// The wakers of the tasks alive in a set, by key; a free key is reused.
#[derive(Default)]
struct Active {
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl LocalExecutor {
    fn new() -> LocalExecutor {
        LocalExecutor {
            queue: Arc::new(Queue {
                runnables: Mutex::new(VecDeque::new()),
                driver: AtomicWaker::new(),
            }),
            active: RefCell::new(Active::default()),
        }
    }

    fn spawn<F>(executor: &Rc<LocalExecutor>, future: F) -> async_task::Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let key = {
            let mut active = executor.active.borrow_mut();
            match active.free.pop() {
                Some(key) => key,
                None => {
                    active.wakers.push(None);
                    active.wakers.len() - 1
                }
            }
        };
        let future = Tracked {
            key,
            executor: Rc::downgrade(executor),
            future,
        };
        let queue = executor.queue.clone();
        let (runnable, task) =
            async_task::spawn_local(future, move |runnable| queue.push(runnable));
        executor.active.borrow_mut().wakers[key] = Some(runnable.waker());
        runnable.schedule();
        task
    }
}

impl Drop for LocalExecutor {
    fn drop(&mut self) {
        // Wake every task still alive, so each is queued, then drop them all unrun: dropping a
        // runnable drops its task's future here, on the set's thread, and its handle reports
        // the task cancelled. A task's `Tracked` finds the executor gone and touches nothing.
        let wakers: Vec<Waker> = self.active.get_mut().wakers.drain(..).flatten().collect();
        for waker in wakers {
            waker.wake();
        }
        while let Some(runnable) = self.queue.pop() {
            drop(runnable);
        }
    }
}

pin_project! {
    /// A task's future, which leaves the set's list of active tasks when it is dropped.
    struct Tracked<F> {
        key: usize,
        executor: Weak<LocalExecutor>,
        #[pin]
        future: F,
    }

    impl<F> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(executor) = this.executor.upgrade() {
                let mut active = executor.active.borrow_mut();
                active.wakers[this.key] = None;
                active.free.push(this.key);
            }
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

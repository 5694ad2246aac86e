//! Local tasks: `!Send` futures that run on the one thread driving their [`LocalSet`].
//!
//! One implementation for every backend, on async-executor's `LocalExecutor`: natively tokio
//! needs a `LocalSet` or `LocalRuntime`, async-std an unstable feature, smol a `LocalExecutor`,
//! and each behaves differently. Local tasks follow the same contract as spawned ones (panics
//! arrive as [`JoinError`](super::JoinError)s, dropping a handle detaches, `abort` cancels) and
//! run only while their set is being driven by [`LocalSet::run_until`] or [`LocalSet::block_on`].

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use async_executor::LocalExecutor;
use pin_project_lite::pin_project;

use super::JoinHandle;
use crate::rt::enter_task;
use crate::rt::supervised::{supervise, SupervisedTask};
use crate::Backend;

thread_local! {
    /// The set being driven on this thread, for `spawn_local`.
    static CURRENT: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
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
    executor: Rc<LocalExecutor<'static>>,
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
            future: self.executor.run(future),
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
    /// Makes `executor` the current set while `future` is polled.
    struct Driven<F> {
        executor: Rc<LocalExecutor<'static>>,
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
        struct Restore(Option<Rc<LocalExecutor<'static>>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| *c.borrow_mut() = self.0.take());
            }
        }
        let _restore = Restore(previous);
        this.future.poll(cx)
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

fn spawn_on<F>(executor: &LocalExecutor<'static>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let (future, state) = supervise(Nested { future });
    JoinHandle::local(
        SupervisedTask::new(executor.spawn(future), state),
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

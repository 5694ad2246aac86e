//! Task supervision for executors whose handles lack the contract anyrt promises.
//!
//! async-std re-raises a task's panic in the awaiter and cancels only through an `async fn`;
//! async-task (under smol and anyrt's local executor) cancels a task when its handle is dropped.
//! Every task's future runs inside [`CatchUnwind`], so a panic becomes a [`JoinError`] (and each
//! poll gets a fresh cooperative budget, see `coop.rs`). Two
//! handles then give the abort contract:
//!
//! - [`SupervisedTask`] (blocking closures, local tasks; async-std's blocking handle keeps the
//!   same state): the future runs inside [`Supervised`], and `abort` sets a flag in an `Arc`
//!   shared with the task, which drops its future at its next poll. One allocation per task.
//! - [`AbortableTask`] (the tasks of smol, async-std and custom executors): `abort` starts
//!   async-task's own cancellation (async-std's handle reaches it through its `cancel`), which
//!   drops the future on the executor before it tells the awaiter. No allocation until `abort`
//!   or `abort_handle`.
//!
//! Both detach on drop, like tokio's handle, and in both the future, and whatever it holds (a
//! lock guard, a connection), is gone before the awaiter learns of the cancellation.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, TryLockError, Weak};
use std::task::{ready, Context, Poll, Wake, Waker};

use async_task::FallibleTask;

use atomic_waker::AtomicWaker;
use pin_project_lite::pin_project;

use super::coop::TaskBudget;
use super::JoinError;
use super::RemoteAbort;

/// What a supervised task and its handle share.
///
/// `abort` and the task's completion race for one state word, so exactly one of them wins: an
/// abort that finds the task unfinished cancels it, even if the task completes in the poll the
/// abort lands in (its output is then dropped), as async-task decides for smol's tasks.
#[derive(Debug, Default)]
pub(crate) struct TaskState {
    /// [`ABORTED`] and [`FINISHED`] bits.
    state: AtomicU8,
    /// The task's waker, so `abort` can get it polled.
    waker: AtomicWaker,
}

/// Set by an `abort` that came before the task finished: the task drops its future at its next
/// poll and reports a cancellation.
const ABORTED: u8 = 1;
/// Set once the task has produced its result, or been dropped after an abort.
const FINISHED: u8 = 2;

impl TaskState {
    /// Asks the task to stop at its next poll, and gets it polled; nothing if it has finished.
    pub(crate) fn abort(&self) {
        if self
            .state
            .compare_exchange(0, ABORTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.waker.wake();
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) & FINISHED != 0
    }

    fn is_aborted(&self) -> bool {
        self.state.load(Ordering::Acquire) & ABORTED != 0
    }

    /// Records that the task produced its result; false if an abort came first.
    fn try_finish(&self) -> bool {
        self.state
            .compare_exchange(0, FINISHED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Records that the task is done, whatever came first.
    fn finish(&self) {
        self.state.fetch_or(FINISHED, Ordering::AcqRel);
    }
}

impl RemoteAbort for TaskState {
    fn abort(&self) {
        TaskState::abort(self);
    }

    fn is_finished(&self) -> bool {
        TaskState::is_finished(self)
    }
}

pin_project! {
    /// Runs a task's future, turning a panic into a [`JoinError`], and drops the future as soon
    /// as it finishes. A panic while dropping it is the task's panic if the task had succeeded;
    /// it never unwinds into the executor, even when the executor drops a cancelled task.
    #[derive(Debug)]
    pub(crate) struct CatchUnwind<F> {
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for CatchUnwind<F> {
        fn drop(this: Pin<&mut Self>) {
            // The payload of a panic in a cancelled task's destructor has no one to go to.
            let _ = catch_unwind(AssertUnwindSafe(|| this.project().future.set(None)));
        }
    }
}

impl<F> CatchUnwind<F> {
    pub(crate) fn new(future: F) -> Self {
        CatchUnwind {
            future: Some(future),
        }
    }

    /// Drops the future now, and returns `result`, or the destructor's panic if `result` was a
    /// success.
    fn close<T>(self: Pin<&mut Self>, result: Result<T, JoinError>) -> Result<T, JoinError> {
        match catch_unwind(AssertUnwindSafe(|| self.project().future.set(None))) {
            Err(payload) if result.is_ok() => Err(JoinError::panic(payload)),
            _ => result,
        }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every task anyrt polls itself passes here, whichever executor runs it.
        let _budget = TaskBudget::start();
        let mut future = self.as_mut().project().future;
        if future.is_none() {
            panic!("anyrt: a task was polled after it completed");
        }
        // One unwind guard around the poll and, once it is ready, the drop of the future: a
        // panic in either is the task's. The output waits outside the guard, so it is never
        // dropped while a panic unwinds.
        let mut output = None;
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let Some(running) = future.as_mut().as_pin_mut() else {
                unreachable!("the future was checked above")
            };
            output = Some(ready!(running.poll(cx)));
            future.set(None);
            Poll::Ready(())
        }));
        match (polled, output) {
            (Ok(Poll::Pending), _) => Poll::Pending,
            (Ok(Poll::Ready(())), Some(output)) => Poll::Ready(Ok(output)),
            (Ok(Poll::Ready(())), None) => unreachable!("a ready poll leaves its output"),
            // The future panicked, or its destructor did: what is left of it goes now, and an
            // output it had produced is dropped (a panic there has no one to go to).
            (Err(payload), output) => {
                let _ = catch_unwind(AssertUnwindSafe(|| drop(output)));
                Poll::Ready(self.close(Err(JoinError::panic(payload))))
            }
        }
    }
}

pin_project! {
    /// Keeps a task alive as long as its future is, for executors that hold no reference to a
    /// parked task (async-executor's `StaticExecutor`, most custom executors): at its first
    /// `Pending` the future keeps a clone of the task's waker. Without it, a detached task that
    /// nothing can wake (parked on `pending()`, or on a source that dropped its waker) would be
    /// let go by async-task once no waker is left: its future dropped by the executor if the
    /// handle went after the task parked, or freed without being dropped if before. tokio and
    /// async-std keep such a task parked, with all it holds. Costs nothing to a task that
    /// finishes in its first poll.
    #[derive(Debug)]
    pub(crate) struct KeepAlive<F> {
        #[pin]
        future: F,
        waker: Option<Waker>,
    }
}

impl<F> KeepAlive<F> {
    pub(crate) fn new(future: F) -> Self {
        KeepAlive {
            future,
            waker: None,
        }
    }
}

impl<F: Future> Future for KeepAlive<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let poll = this.future.poll(cx);
        if poll.is_pending() && !this.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *this.waker = Some(cx.waker().clone());
        }
        poll
    }
}

pin_project! {
    /// Runs a task's future like [`CatchUnwind`], and drops it at the first poll after an abort.
    #[derive(Debug)]
    pub(crate) struct Supervised<F> {
        #[pin]
        inner: CatchUnwind<F>,
        state: Arc<TaskState>,
    }

    impl<F> PinnedDrop for Supervised<F> {
        // A task dropped unfinished (its `LocalSet` dropped) counts as finished, also for an
        // `AbortHandle`, which sees only the state; its future goes first.
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let _ = this.inner.close::<()>(Ok(()));
            this.state.finish();
        }
    }
}

/// Wraps `future` for spawning; the state goes into the handle.
pub(crate) fn supervise<F: Future>(future: F) -> (Supervised<F>, Arc<TaskState>) {
    let state = Arc::new(TaskState::default());
    let supervised = Supervised {
        inner: CatchUnwind::new(future),
        state: state.clone(),
    };
    (supervised, state)
}

impl<F: Future> Future for Supervised<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = if this.state.is_aborted() {
            this.inner.close(Err(JoinError::cancelled()))
        } else {
            match this.inner.as_mut().poll(cx) {
                Poll::Pending => {
                    // Registered only now, as most tasks finish in their first poll; the flag is
                    // read again after, so an abort racing with this poll is never lost.
                    this.state.waker.register(cx.waker());
                    if !this.state.is_aborted() {
                        return Poll::Pending;
                    }
                    this.inner.close(Err(JoinError::cancelled()))
                }
                Poll::Ready(result) if this.state.try_finish() => return Poll::Ready(result),
                // Aborted during this poll: the result, output or panic, goes with the task, as
                // when the abort came first.
                Poll::Ready(_) => Err(JoinError::cancelled()),
            }
        };
        this.state.finish();
        Poll::Ready(result)
    }
}

// Unused when tokio, whose blocking pool already keeps this contract, is the only backend.
#[allow(dead_code)]
/// Wraps a blocking closure: like tokio, one aborted before it starts never runs, and once
/// started it cannot be interrupted.
pub(crate) fn supervise_blocking<F, T>(
    f: F,
) -> (impl FnOnce() -> Result<T, JoinError>, Arc<TaskState>)
where
    F: FnOnce() -> T,
{
    let state = Arc::new(TaskState::default());
    let shared = state.clone();
    let run = move || {
        let result = if shared.is_aborted() {
            Err(JoinError::cancelled())
        } else {
            catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panic)
        };
        shared.finish();
        result
    };
    (run, state)
}

/// The handle of a supervised async-task task: detaches when dropped. `M` is the task's
/// async-task metadata (a custom executor's tasks carry their executor).
#[derive(Debug)]
pub(crate) struct SupervisedTask<T, M = ()> {
    // `None` once its result was returned, or the handle dropped.
    task: Option<async_task::FallibleTask<Result<T, JoinError>, M>>,
    state: Arc<TaskState>,
}

impl<T, M> SupervisedTask<T, M> {
    pub(crate) fn new(
        task: async_task::Task<Result<T, JoinError>, M>,
        state: Arc<TaskState>,
    ) -> Self {
        SupervisedTask {
            task: Some(task.fallible()),
            state,
        }
    }

    pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let Some(task) = self.task.as_mut() else {
            crate::rt::polled_after_result()
        };
        let output = ready!(Pin::new(task).poll(cx));
        if let Some(task) = self.task.take() {
            task.detach();
        }
        // The state alone answers from now on: a closure the executor dropped unstarted never
        // marked it.
        self.state.finish();
        // `None`: the executor was dropped with the task still in it.
        Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled())))
    }

    pub(crate) fn abort(&self) {
        self.state.abort();
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.state.is_finished() || self.task.as_ref().is_some_and(|task| task.is_finished())
    }

    pub(crate) fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        self.state.clone()
    }
}

impl<T, M> Drop for SupervisedTask<T, M> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

// The abortable handle, in `supervised/abortable.rs`.
mod abortable;
#[allow(unused_imports)]
pub(crate) use abortable::{AbortableTask, Cancel, CancellableTask, Cancelling, TaskHandle};

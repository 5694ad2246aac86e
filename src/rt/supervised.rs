//! Task supervision for executors whose handles lack the contract anyrt promises.
//!
//! async-std re-raises a task's panic in the awaiter and cancels only through an `async fn`;
//! async-task (under smol and anyrt's local executor) cancels a task when its handle is dropped.
//! Running the task's future inside [`Supervised`] fixes both: the panic is caught and becomes a
//! [`JoinError`], and `abort` sets a flag the task checks at its next poll. The handle types
//! here then detach on drop, like tokio's.
//!
//! The flag costs one allocation per task (an `Arc`). Dropping an async-task handle would cancel
//! without it, but then the awaiter could see the task cancelled while its future, and whatever
//! it holds (a lock guard, a connection), is still alive; with the flag, the future is dropped
//! before the awaiter hears of it, as on tokio.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;
use pin_project_lite::pin_project;

use crate::task::JoinError;

/// What a supervised task and its handle share.
#[derive(Debug, Default)]
pub(crate) struct TaskState {
    /// Set by `abort`: the task drops its future at its next poll.
    aborted: AtomicBool,
    /// Set when the task has produced its result.
    finished: AtomicBool,
    /// The task's waker, so `abort` can get it polled.
    waker: AtomicWaker,
}

impl TaskState {
    /// Asks the task to stop at its next poll, and gets it polled.
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::Release);
        self.waker.wake();
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::Acquire)
    }

    fn finish(&self) {
        self.finished.store(true, Ordering::Release);
    }
}

pin_project! {
    /// Runs a task's future, catching its panic, and drops it at the first poll after an abort.
    #[derive(Debug)]
    pub(crate) struct Supervised<F> {
        #[pin]
        future: Option<F>,
        state: Arc<TaskState>,
    }
}

/// Wraps `future` for spawning; the state goes into the handle.
pub(crate) fn supervise<F: Future>(future: F) -> (Supervised<F>, Arc<TaskState>) {
    let state = Arc::new(TaskState::default());
    let supervised = Supervised {
        future: Some(future),
        state: state.clone(),
    };
    (supervised, state)
}

impl<F: Future> Future for Supervised<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut result = if this.state.is_aborted() {
            Err(JoinError::cancelled())
        } else {
            let future = this.future.as_mut().as_pin_mut();
            let future = future.expect("anyrt: a task was polled after it completed");
            match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                Ok(Poll::Pending) => {
                    // Registered only now, as most tasks finish in their first poll; the flag is
                    // read again after, so an abort racing with this poll is never lost.
                    this.state.waker.register(cx.waker());
                    if !this.state.is_aborted() {
                        return Poll::Pending;
                    }
                    Err(JoinError::cancelled())
                }
                Ok(Poll::Ready(output)) => Ok(output),
                Err(payload) => Err(JoinError::panic(payload)),
            }
        };
        // Drop the future now, not when the handle goes, so an aborted task's locals are dropped
        // promptly; a panic in a destructor is the task's panic, as on tokio.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| this.future.set(None))) {
            if result.is_ok() {
                result = Err(JoinError::panic(payload));
            }
        }
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

/// The handle of a supervised async-task task: detaches when dropped.
#[derive(Debug)]
pub(crate) struct SupervisedTask<T> {
    // `None` only once dropped.
    task: Option<async_task::FallibleTask<Result<T, JoinError>>>,
    state: Arc<TaskState>,
}

impl<T> SupervisedTask<T> {
    pub(crate) fn new(task: async_task::Task<Result<T, JoinError>>, state: Arc<TaskState>) -> Self {
        SupervisedTask {
            task: Some(task.fallible()),
            state,
        }
    }

    pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let task = self.task.as_mut().expect("a live handle has its task");
        // `None`: the executor was dropped with the task still in it.
        Pin::new(task)
            .poll(cx)
            .map(|output| output.unwrap_or_else(|| Err(JoinError::cancelled())))
    }

    pub(crate) fn abort(&self) {
        self.state.abort();
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.state.is_finished() || self.task.as_ref().is_some_and(|task| task.is_finished())
    }
}

impl<T> Drop for SupervisedTask<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

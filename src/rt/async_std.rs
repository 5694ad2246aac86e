//! The async-std backend: every call anyrt makes into async-std.
//!
//! Natively, awaiting an async-std task that panicked re-raises the panic in the awaiter, and a
//! task can only be cancelled by consuming its handle in an `async fn`. Tasks run inside
//! `CatchUnwind` and their handle is an `AbortableTask` (see `supervised.rs`), which starts that
//! `async fn` to abort, so the handle behaves like every other backend's with no allocation of
//! its own; blocking closures run supervised. Timers and sockets
//! are async-io's, the reactor async-std runs on (see `async_io.rs`).

use std::future::Future;
use std::panic::catch_unwind;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll, Waker};

use super::async_io::AsyncIo;
use super::supervised::{
    supervise_blocking, AbortableTask, Cancel, CancellableTask, Cancelling, CatchUnwind, TaskState,
};
use super::JoinError;
use super::{Presence, RemoteAbort, Runtime};

/// The async-std backend.
pub(crate) struct AsyncStd;

/// Starts async-std's executor threads (and async-io's reactor thread) before their first use.
///
/// async-std starts its executor's threads on first use; when one cannot start it panics with
/// its own message once, marks itself started anyway, and every task spawned after that waits
/// forever for a thread. Here the first attempt is caught, and later calls start the threads
/// through async-global-executor, which reports a failure as an error and can be retried.
#[inline]
fn start() {
    if !STARTED.load(Ordering::Acquire) {
        start_slow();
    }
}

static STARTED: AtomicBool = AtomicBool::new(false);

#[cold]
fn start_slow() {
    static FIRST_ATTEMPT: Mutex<bool> = Mutex::new(true);
    super::async_io::start_reactor();
    let mut first = FIRST_ATTEMPT.lock().unwrap_or_else(PoisonError::into_inner);
    if STARTED.load(Ordering::Acquire) {
        return;
    }
    let started = if std::mem::replace(&mut *first, false) {
        catch_unwind(|| drop(async_std::task::spawn(async {})))
            .map_err(|_| "async-std could not start its executor threads".to_string())
    } else {
        let threads = std::env::var("ASYNC_STD_THREAD_COUNT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        async_io::block_on(async_global_executor::spawn_more_threads(threads))
            .map(drop)
            .map_err(|e| e.to_string())
    };
    match started {
        Ok(()) => STARTED.store(true, Ordering::Release),
        Err(e) => panic!("anyrt: could not start async-std's executor threads: {e}"),
    }
}

/// The handle of an async-std task run by this backend; async-std's own handle detaches on
/// drop already.
pub(crate) enum JoinHandle<T> {
    Abortable(AbortableTask<T, Task<T>>),
    /// A blocking closure: its abort must not stop a started closure.
    Supervised {
        /// `None` once the result was returned (async-std's handle would panic with its own
        /// message if polled again).
        task: Option<async_std::task::JoinHandle<Result<T, JoinError>>>,
        state: Arc<TaskState>,
    },
}

/// async-std's handle of a [`CatchUnwind`] task, as an [`AbortableTask`] drives it.
///
/// An `Arc` of abort state shared with the task (what blocking closures keep) was the one
/// allocation per spawn anyrt added on async-std (tests/alloc_count.rs). async-std's handle
/// cancels through async-task, like smol's, and has no `is_finished`: that polls the task, with
/// the awaiter's waker so the awaiter is still woken, and keeps the output if it is there.
pub(crate) struct Task<T> {
    task: async_std::task::JoinHandle<Result<T, JoinError>>,
    side: Side<T>,
}

/// What an async-std [`Task`] keeps beside async-std's handle: never both a waker and an
/// output, so one enum (the handle is 8 bytes smaller than with two `Option`s, and with every
/// backend compiled the public `JoinHandle` is as big as the biggest backend's).
enum Side<T> {
    Idle,
    /// The waker of the last poll that returned `Pending`, for `is_finished` to poll with.
    Awaiting(Waker),
    /// The output, found by `is_finished`.
    Done(Result<T, JoinError>),
}

impl<T> CancellableTask<T> for Task<T> {
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if matches!(self.side, Side::Done(_)) {
            if let Side::Done(output) = std::mem::replace(&mut self.side, Side::Idle) {
                return Poll::Ready(Some(output));
            }
        }
        let poll = Pin::new(&mut self.task).poll(cx);
        if poll.is_pending()
            && !matches!(&self.side, Side::Awaiting(waker) if waker.will_wake(cx.waker()))
        {
            self.side = Side::Awaiting(cx.waker().clone());
        }
        poll.map(Some)
    }

    fn is_finished(&mut self) -> bool {
        let waker = match &self.side {
            Side::Done(_) => return true,
            Side::Awaiting(waker) => waker,
            Side::Idle => Waker::noop(),
        };
        match Pin::new(&mut self.task).poll(&mut Context::from_waker(waker)) {
            Poll::Ready(output) => {
                // async-task skips waking a registered waker that `will_wake` the one of the
                // poll that takes the output: polled here with the awaiter's, in the moment
                // between the task completing and it waking its awaiter, the awaiter would
                // never hear. Wake it: at worst a spurious wake-up.
                if let Side::Awaiting(awaiter) =
                    std::mem::replace(&mut self.side, Side::Done(output))
                {
                    awaiter.wake();
                }
                true
            }
            Poll::Pending => false,
        }
    }

    fn detach(self) {
        // async-std's handle detaches when dropped. A joined task's `Side` is `Idle`, as a rule:
        // forgotten, not dropped, as its drop glue is a call.
        let Task { task, side } = self;
        drop(task);
        if let Side::Idle = side {
            std::mem::forget(side);
        }
    }
}

impl<T: Send + 'static> Cancel<T> for Task<T> {
    fn cancel(self) -> Cancelling<T> {
        match self.side {
            // Finished: the output goes to the awaiter, as async-task's `cancel` gives it.
            Side::Done(output) => Box::pin(std::future::ready(Some(output))),
            Side::Idle | Side::Awaiting(_) => Box::pin(self.task.cancel()),
        }
    }
}

impl<T> super::Task<T> for JoinHandle<T> {
    /// Inline into the awaiting code, as tokio's is: out of line it cost 12-15 of the caller's
    /// instructions per spawn + await (callgrind, both spawn shapes, alone and with every backend
    /// compiled). The same on the async-task handle's join (smol) changed nothing.
    #[inline(always)]
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match self {
            JoinHandle::Abortable(task) => task.poll_join(cx),
            JoinHandle::Supervised { task, .. } => {
                let Some(handle) = task.as_mut() else {
                    crate::rt::polled_after_result()
                };
                let result = ready!(Pin::new(handle).poll(cx));
                *task = None;
                Poll::Ready(result)
            }
        }
    }

    fn abort(&self) {
        match self {
            JoinHandle::Abortable(task) => task.abort(),
            JoinHandle::Supervised { state, .. } => state.abort(),
        }
    }

    fn is_finished(&self) -> bool {
        match self {
            JoinHandle::Abortable(task) => task.is_finished(),
            JoinHandle::Supervised { state, .. } => state.is_finished(),
        }
    }

    fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        match self {
            JoinHandle::Abortable(task) => task.abort_handle(),
            JoinHandle::Supervised { state, .. } => state.clone(),
        }
    }

    #[inline]
    fn holds_nothing(&mut self) -> bool {
        match self {
            JoinHandle::Abortable(task) => task.holds_nothing(),
            JoinHandle::Supervised { .. } => false,
        }
    }
}

impl Runtime for AsyncStd {
    type JoinHandle<T> = JoinHandle<T>;
    type Reactor = AsyncIo;

    fn presence() -> Presence {
        if async_std::task::try_current().is_some() {
            Presence::Running
        } else {
            Presence::Absent
        }
    }

    #[inline]
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        start();
        let task = async_std::task::spawn(CatchUnwind::new(future));
        JoinHandle::Abortable(AbortableTask::from_task(Task {
            task,
            side: Side::Idle,
        }))
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        start();
        let (f, state) = supervise_blocking(f);
        let task = async_std::task::spawn_blocking(f);
        JoinHandle::Supervised {
            task: Some(task),
            state,
        }
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        async_std::task::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        start();
        async_std::task::block_on(future)
    }
}

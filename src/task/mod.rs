//! Tasks: [`spawn`], [`spawn_blocking`], [`yield_now`], the [`JoinHandle`] they return and its
//! [`AbortHandle`]; [`JoinSet`]; local tasks ([`LocalSet`]); task-local storage ([`LocalKey`]).
//!
//! The task contract is the same on every backend:
//!
//! - awaiting a [`JoinHandle`] never unwinds: a panic in the task arrives as a [`JoinError`]
//!   carrying the panic payload, and the runtime keeps working;
//! - dropping a [`JoinHandle`] detaches the task, which runs to completion;
//! - [`JoinHandle::abort`] is synchronous and idempotent; the task's future is dropped at its next
//!   scheduling point and awaiting the handle yields a cancelled [`JoinError`], unless the task
//!   had already finished when `abort` was called, in which case its output is still returned
//!   (a task that finishes in the very poll the abort lands in is cancelled, its output dropped);
//! - a blocking closure is never interrupted: aborting it before it starts means it never runs,
//!   aborting it later has no effect.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::rt::supervised::SupervisedTask;
use crate::rt::{self, RemoteAbort};
use crate::Backend;

mod join_set;
mod local;
mod task_local;

pub use crate::rt::JoinError;
pub use join_set::JoinSet;
pub use local::{block_on_local, spawn_local, LocalSet};
#[doc(hidden)]
pub use task_local::Slot as __Slot;
pub use task_local::{AccessError, LocalKey};

/// The named futures of this module.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

/// Spawns a task on the runtime running the caller, and returns a handle to await its output.
///
/// Outside any runtime, the task goes to a shared runtime of the default backend (started on
/// first use), so `spawn` works from any thread.
///
/// # Panics
///
/// If the backend's worker threads are not running yet and the operating system refuses to
/// start them (the message starts with `anyrt:`); a later call tries again. See the crate's
/// [Panics](crate#panics) section.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let handle = anyrt::spawn(async { 1 + 2 });
/// assert_eq!(handle.await.unwrap(), 3);
/// # });
/// ```
///
/// A panic in the task reaches the awaiter as an error:
///
/// ```
/// # anyrt::block_on(async {
/// let error = anyrt::spawn(async { panic!("boom") }).await.unwrap_err();
/// assert!(error.is_panic());
/// assert_eq!(error.into_panic().downcast_ref::<&str>(), Some(&"boom"));
/// # });
/// ```
///
/// The task may run on any worker thread, so its future must be `Send`: one that holds an `Rc`
/// across an `.await` does not compile (use [`spawn_local`] for those):
///
/// ```compile_fail,E0277
/// use std::rc::Rc;
///
/// # anyrt::block_on(async {
/// let shared = Rc::new(5);
/// let handle = anyrt::spawn(async move {
///     anyrt::task::yield_now().await;
///     *shared + 1
/// });
/// # });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    JoinHandle::new(rt::spawn(future))
}

/// Runs a blocking closure on the backend's blocking thread pool and returns a handle to await
/// its result.
///
/// Use it for CPU-heavy work and blocking I/O that would otherwise stall the runtime's worker
/// threads. The pool's size is backend-defined (512 threads on tokio, 500 on async-std and smol).
///
/// # Panics
///
/// If the backend's threads are not running yet and the operating system refuses to start
/// them, or, on tokio, if no blocking thread is idle and none can start (the message starts
/// with `anyrt:`); a later call tries again. See the crate's [Panics](crate#panics) section.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let sum = anyrt::task::spawn_blocking(|| (1..=100u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
///
/// The closure runs on another thread, so it must be `Send`:
///
/// ```compile_fail,E0277
/// use std::rc::Rc;
///
/// # anyrt::block_on(async {
/// let shared = Rc::new(5);
/// let handle = anyrt::task::spawn_blocking(move || *shared + 1);
/// # });
/// ```
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    JoinHandle::new(rt::spawn_blocking(f))
}

/// Yields once to the scheduler, letting other tasks run before this one continues.
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// anyrt::task::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    rt::yield_now().await
}

/// An owned permission to await a task's output.
///
/// Awaiting it yields `Ok(output)`, or a [`JoinError`] if the task panicked or was aborted.
/// Dropping it detaches the task. A handle must not be polled again after it returned its result.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// # anyrt::block_on(async {
/// let handle = anyrt::spawn(anyrt::time::sleep(Duration::from_secs(60)));
/// handle.abort();
/// assert!(handle.await.unwrap_err().is_cancelled());
/// # });
/// ```
pub struct JoinHandle<T> {
    /// `None` only inside `Drop`. `ManuallyDrop`: the `Drop` below checks inline whether the
    /// backend's handle still holds anything, so a joined handle drops without a call (the drop
    /// glue of every kind of handle, out of line, was 23 instructions per spawn + await on tokio).
    inner: ManuallyDrop<Option<Inner<T>>>,
}

enum Inner<T> {
    /// A task of a backend's runtime.
    Runtime(rt::JoinHandle<T>),
    /// A task of a [`LocalSet`], with the backend that served the `spawn_local` call.
    Local(SupervisedTask<T>, Backend),
}
// Once the result is returned, the backend's handle has let go of its task and answers later
// calls itself (a second poll panics with anyrt's message, `is_finished` is true, `abort` does
// nothing), so a join does not pay for a second state here.

impl<T> JoinHandle<T> {
    pub(crate) fn new(inner: rt::JoinHandle<T>) -> Self {
        JoinHandle {
            inner: ManuallyDrop::new(Some(Inner::Runtime(inner))),
        }
    }

    fn local(task: SupervisedTask<T>, backend: Backend) -> Self {
        JoinHandle {
            inner: ManuallyDrop::new(Some(Inner::Local(task, backend))),
        }
    }

    #[inline]
    fn inner(&self) -> &Inner<T> {
        match &*self.inner {
            Some(inner) => inner,
            None => emptied(),
        }
    }

    #[inline]
    fn inner_mut(&mut self) -> &mut Inner<T> {
        match &mut *self.inner {
            Some(inner) => inner,
            None => emptied(),
        }
    }

    /// Drops a handle that still holds something: a task not joined, or the state shared with
    /// an `AbortHandle`.
    #[inline(never)]
    fn drop_holding(&mut self) {
        drop(self.inner.take());
    }

    /// Cancels the task, without waiting.
    ///
    /// The task's future is dropped the next time the runtime handles the task; awaiting the
    /// handle then yields a [`JoinError`] for which [`JoinError::is_cancelled`] is true. If the task
    /// had already finished when `abort` was called, its output is kept and awaiting yields it; a
    /// task still running its last poll counts as unfinished, and the output that poll produces
    /// is dropped. Calling `abort` again, or on a finished task, does nothing.
    ///
    /// A closure passed to [`spawn_blocking`] cannot be interrupted: if it has not started yet
    /// it never will, otherwise it runs to completion and its result is kept.
    pub fn abort(&self) {
        match self.inner() {
            Inner::Runtime(handle) => handle.abort(),
            Inner::Local(task, _) => task.abort(),
        }
    }

    /// Whether the task has finished: returned, panicked, or been cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let handle = anyrt::spawn(async {});
    /// while !handle.is_finished() {
    ///     anyrt::task::yield_now().await;
    /// }
    /// assert!(handle.await.is_ok());
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        match self.inner() {
            Inner::Runtime(handle) => handle.is_finished(),
            Inner::Local(task, _) => task.is_finished(),
        }
    }

    /// An [`AbortHandle`] for this task: it can abort the task (and ask whether it finished)
    /// from anywhere, while this handle is awaited elsewhere or after it was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # anyrt::block_on(async {
    /// let handle = anyrt::spawn(anyrt::time::sleep(Duration::from_secs(60)));
    /// let abort = handle.abort_handle();
    /// anyrt::spawn(async move { abort.abort() });
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        let inner = match self.inner() {
            Inner::Runtime(handle) => handle.abort_handle(),
            Inner::Local(task, _) => task.abort_handle(),
        };
        AbortHandle { inner }
    }

    /// The backend running the task; for a local task, the backend that served the
    /// [`spawn_local`] call.
    pub fn backend(&self) -> Backend {
        match self.inner() {
            Inner::Runtime(handle) => handle.backend(),
            Inner::Local(_, backend) => *backend,
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.inner_mut() {
            Inner::Runtime(handle) => handle.poll_join(cx),
            Inner::Local(task, _) => task.poll_join(cx),
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    #[inline]
    fn drop(&mut self) {
        let holds_nothing = match self.inner_mut() {
            Inner::Runtime(handle) => handle.holds_nothing(),
            Inner::Local(..) => false,
        };
        if !holds_nothing {
            self.drop_holding();
        }
    }
}

/// A `JoinHandle` is emptied only by its `Drop`, after which nothing reads it.
#[cold]
fn emptied() -> ! {
    unreachable!("anyrt: a `JoinHandle` was used after its drop")
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("backend", &self.backend())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task without owning its output; made by [`JoinHandle::abort_handle`] and
/// [`JoinSet::spawn`].
///
/// It may be cloned and sent between threads; dropping it does nothing to the task. `abort`
/// works like [`JoinHandle::abort`], whether or not the task's `JoinHandle` still exists.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// # anyrt::block_on(async {
/// let handle = anyrt::spawn(anyrt::time::sleep(Duration::from_secs(60)));
/// let abort = handle.abort_handle();
/// drop(handle); // detached, but still abortable
/// assert!(!abort.is_finished());
/// abort.abort();
/// while !abort.is_finished() {
///     anyrt::task::yield_now().await;
/// }
/// # });
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    inner: Arc<dyn RemoteAbort>,
}

impl AbortHandle {
    pub(crate) fn new(inner: Arc<dyn RemoteAbort>) -> AbortHandle {
        AbortHandle { inner }
    }

    /// Cancels the task, without waiting; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// Whether the task has finished: returned, panicked, or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

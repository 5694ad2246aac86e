//! Bring your own executor: run anyrt code on an executor anyrt does not ship.
//!
//! Implement [`Executor`] for your executor (a GUI toolkit's main loop, a thread-per-core
//! executor, a game engine's task pool, `futures`' `ThreadPool`, a test executor), wrap it in a
//! [`Runtime`], and run code on it with [`Runtime::block_on`] or [`Runtime::spawn`]. Every anyrt
//! call made inside its tasks is then served by it: [`spawn`](crate::spawn) puts the new task on
//! the same executor, [`spawn_blocking`](crate::task::spawn_blocking) goes through
//! [`Executor::spawn_blocking`], and [`Backend::current`] is [`Backend::Custom`].
//!
//! anyrt builds each task itself (one allocation, async-task's) and hands the executor a
//! [`Runnable`] whenever the task should run: the executor only decides where and when
//! [`Runnable::run`] is called. So tasks keep the contract they have on every backend: dropping a
//! [`JoinHandle`] detaches the task, [`JoinHandle::abort`] is synchronous and drops the task's
//! future on the executor, and a panic arrives as a [`JoinError`](crate::task::JoinError).
//!
//! What the executor does not provide comes from the default backend, the first compiled one
//! (tokio, async-std, smol): **timers and sockets** use its reactor, which runs on threads of its
//! own (tokio's shared runtime, async-io's reactor thread), so they work under any executor; the
//! **blocking pool** is its pool unless [`Executor::spawn_blocking`] is implemented; and
//! [`Executor::block_on`] parks the calling thread unless implemented. An executor that cannot
//! block a thread refuses `block_on` with [`Refused`], and anyrt panics with a message that says
//! so instead of hanging.
//!
//! # Examples
//!
//! An executor of one thread, fed through a channel:
//!
//! ```
//! use std::sync::mpsc;
//! use std::time::Duration;
//! use anyrt::custom::{Executor, Runnable, Runtime};
//! use anyrt::Backend;
//!
//! struct OneThread(mpsc::Sender<Runnable>);
//!
//! impl OneThread {
//!     fn start() -> OneThread {
//!         let (sender, receiver) = mpsc::channel::<Runnable>();
//!         std::thread::spawn(move || {
//!             for runnable in receiver {
//!                 runnable.run();
//!             }
//!         });
//!         OneThread(sender)
//!     }
//! }
//!
//! impl Executor for OneThread {
//!     fn schedule(&self, runnable: Runnable) {
//!         // If the thread is gone, the runnable is dropped, which cancels its task.
//!         let _ = self.0.send(runnable);
//!     }
//! }
//!
//! let runtime = Runtime::new(OneThread::start());
//! let answer = runtime.block_on(async {
//!     assert_eq!(Backend::current(), Backend::Custom);
//!     // Runs on the executor's thread, and is served by it too.
//!     let task = anyrt::spawn(async { Backend::current() });
//!     anyrt::time::sleep(Duration::from_millis(1)).await;
//!     assert_eq!(task.await.unwrap(), Backend::Custom);
//!     42
//! });
//! assert_eq!(answer, 42);
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

pub use crate::rt::custom::{Executor, Refused, Runnable};
use crate::rt::{self, custom};
use crate::task::JoinHandle;
#[cfg(doc)]
use crate::Backend;

/// An [`Executor`] that anyrt runs tasks on: clone it freely, every clone is the same executor.
///
/// The executor lives as long as a clone of the runtime or one of its tasks does. A detached task
/// parked on something that will never wake it stays parked with what it holds, as on every
/// backend, and so keeps the executor alive too: abort such a task (through its handle or an
/// [`AbortHandle`](crate::task::AbortHandle)) if the executor should go away.
///
/// # Examples
///
/// ```
/// use anyrt::custom::{Executor, Runnable, Runtime};
///
/// // An executor that starts a thread per run: wasteful, but it works.
/// struct ThreadPerRun;
///
/// impl Executor for ThreadPerRun {
///     fn schedule(&self, runnable: Runnable) {
///         std::thread::spawn(move || runnable.run());
///     }
/// }
///
/// let runtime = Runtime::new(ThreadPerRun);
/// let task = runtime.spawn(async { anyrt::Backend::current() });
/// assert_eq!(anyrt::block_on(task).unwrap(), anyrt::Backend::Custom);
/// ```
#[derive(Clone)]
pub struct Runtime {
    executor: Arc<dyn Executor>,
}

impl Runtime {
    /// A runtime that runs its tasks on `executor`.
    pub fn new(executor: impl Executor) -> Runtime {
        Runtime {
            executor: Arc::new(executor),
        }
    }

    /// Runs `future` to completion on the calling thread with [`Executor::block_on`], and
    /// returns its output. Inside it, anyrt calls are served by this executor.
    ///
    /// Like [`crate::block_on`], it returns as soon as `future` completes, without waiting for
    /// the tasks it spawned.
    ///
    /// # Panics
    ///
    /// If called from async code (see [`crate::block_on`]), if the executor refuses `block_on`
    /// ([`Refused`]), or if its `block_on` returns before `future` completed. A panic in
    /// `future` propagates to the caller.
    ///
    /// # Examples
    ///
    /// ```
    /// # use anyrt::custom::{Executor, Runnable, Runtime};
    /// # struct ThreadPerRun;
    /// # impl Executor for ThreadPerRun {
    /// #     fn schedule(&self, runnable: Runnable) {
    /// #         std::thread::spawn(move || runnable.run());
    /// #     }
    /// # }
    /// let runtime = Runtime::new(ThreadPerRun);
    /// let sum = runtime.block_on(async {
    ///     let blocking = anyrt::task::spawn_blocking(|| (1..=10).sum::<u32>());
    ///     blocking.await.unwrap()
    /// });
    /// assert_eq!(sum, 55);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        custom::block_on(&self.executor, future)
    }

    /// Spawns `future` on this executor, from any thread, and returns its handle.
    ///
    /// The handle keeps the contract of every anyrt task: dropping it detaches the task,
    /// `abort` cancels it, a panic arrives as a `JoinError`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use anyrt::custom::{Executor, Runnable, Runtime};
    /// # struct ThreadPerRun;
    /// # impl Executor for ThreadPerRun {
    /// #     fn schedule(&self, runnable: Runnable) {
    /// #         std::thread::spawn(move || runnable.run());
    /// #     }
    /// # }
    /// let runtime = Runtime::new(ThreadPerRun);
    /// let task = runtime.spawn(async { panic!("boom") });
    /// assert!(anyrt::block_on(task).unwrap_err().is_panic());
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        JoinHandle::new(rt::JoinHandle::Custom(custom::spawn_on(
            self.executor.clone(),
            future,
        )))
    }

    /// Runs `f` with this executor's [`Executor::spawn_blocking`], from any thread, and returns
    /// its handle; see [`crate::task::spawn_blocking`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use anyrt::custom::{Executor, Runnable, Runtime};
    /// # struct ThreadPerRun;
    /// # impl Executor for ThreadPerRun {
    /// #     fn schedule(&self, runnable: Runnable) {
    /// #         std::thread::spawn(move || runnable.run());
    /// #     }
    /// # }
    /// let runtime = Runtime::new(ThreadPerRun);
    /// let task = runtime.spawn_blocking(|| anyrt::Backend::current());
    /// assert_eq!(anyrt::block_on(task).unwrap(), anyrt::Backend::Custom);
    /// ```
    pub fn spawn_blocking<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle::new(rt::JoinHandle::Custom(custom::spawn_blocking_on(
            self.executor.clone(),
            f,
        )))
    }
}

// As tokio's `Runtime` and `Handle` are: a panic in `block_on` or `spawn` leaves nothing of
// anyrt's half-updated, and the executor is shared with other threads anyway (`Sync`), so it
// must stay usable when one of them panics.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

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
use std::pin::Pin;
use std::sync::Arc;

use crate::rt::{self, custom};
use crate::task::JoinHandle;
#[cfg(doc)]
use crate::Backend;

/// An executor anyrt can run tasks on: the one method it must have is [`schedule`].
///
/// Implementations must be `Send + Sync`: anyrt calls `schedule` from any thread, whenever a
/// task is woken (by a timer, a socket, a channel, another task).
///
/// [`schedule`]: Executor::schedule
///
/// # Examples
///
/// `futures`' `ThreadPool` (crate futures-executor, feature `thread-pool`) needs three lines:
///
/// ```
/// use anyrt::custom::{Executor, Runnable, Runtime};
///
/// struct Pool(futures_executor::ThreadPool);
///
/// impl Executor for Pool {
///     fn schedule(&self, runnable: Runnable) {
///         self.0.spawn_ok(async move {
///             runnable.run();
///         });
///     }
/// }
///
/// let runtime = Runtime::new(Pool(futures_executor::ThreadPool::new().unwrap()));
/// let sum = runtime.block_on(async {
///     let tasks: Vec<_> = (1..=10).map(|i| anyrt::spawn(async move { i })).collect();
///     let mut sum = 0;
///     for task in tasks {
///         sum += task.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 55);
/// ```
///
/// An executor that runs on one thread it does not own (a GUI main loop) cannot block that
/// thread in `block_on`, and says so:
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use anyrt::custom::{Executor, Refused, Runnable, Runtime};
///
/// struct MainLoop(std::sync::mpsc::Sender<Runnable>);
///
/// impl Executor for MainLoop {
///     fn schedule(&self, runnable: Runnable) {
///         let _ = self.0.send(runnable);
///     }
///
///     fn block_on(&self, _: Pin<&mut (dyn Future<Output = ()> + '_)>) -> Result<(), Refused> {
///         Err(Refused::new("the main loop must not be blocked"))
///     }
/// }
///
/// let (sender, _receiver) = std::sync::mpsc::channel();
/// let runtime = Runtime::new(MainLoop(sender));
/// let refused = std::panic::catch_unwind(|| runtime.block_on(async {})).unwrap_err();
/// let message = refused.downcast_ref::<String>().unwrap();
/// assert!(message.starts_with("anyrt: this custom executor does not run `block_on`"));
/// ```
pub trait Executor: Send + Sync + 'static {
    /// Runs `runnable` soon: calls [`Runnable::run`] on any thread, once.
    ///
    /// Called when a task is spawned and each time it is woken, from any thread, also from
    /// inside `run` (a task that wakes itself). The executor must not run the task inside
    /// `schedule` itself, but queue it. Dropping the runnable instead (an executor shutting
    /// down) cancels the task: its future is dropped, and awaiting its handle gives a cancelled
    /// `JoinError`. A panic in `schedule` does the same, and goes no further: the thread that
    /// woke the task (a reactor's, another runtime's) carries on.
    fn schedule(&self, runnable: Runnable);

    /// Runs a blocking closure: calls [`Runnable::run`] once, on a thread where blocking for a
    /// long time is fine (not one that runs [`schedule`](Executor::schedule)'s runnables).
    ///
    /// By default it goes to the blocking pool of the default backend (the first compiled).
    fn spawn_blocking(&self, runnable: Runnable) {
        custom::run_on_default_pool(runnable);
    }

    /// Polls `future` to completion on the calling thread, running tasks meanwhile if the
    /// executor wants to; or refuses, when this executor cannot block a thread.
    ///
    /// By default it parks the thread between polls, and tasks run wherever `schedule` sends
    /// them. Implement it when the tasks need this thread to run (a single-threaded executor
    /// driven by whoever blocks on it). It must not return `Ok` before `future` is ready; anyrt
    /// panics if it does.
    fn block_on(&self, future: Pin<&mut (dyn Future<Output = ()> + '_)>) -> Result<(), Refused> {
        futures_lite::future::block_on(future);
        Ok(())
    }
}

/// A task of a custom executor, ready to run: [`Executor::schedule`] gets one each time the
/// task should be polled.
///
/// Run it on any thread with [`run`](Runnable::run); while it runs, anyrt calls made by the task
/// are served by its executor. Dropping it without running it cancels the task.
pub struct Runnable {
    inner: async_task::Runnable<custom::Meta>,
}

impl Runnable {
    pub(crate) fn new(inner: async_task::Runnable<custom::Meta>) -> Runnable {
        Runnable { inner }
    }

    /// Polls the task once (or runs the blocking closure).
    ///
    /// Returns `true` if the task woke itself while it ran (it yielded): it has then been
    /// scheduled again already, and a fair executor puts it behind the others. A panic in the
    /// task does not unwind out of `run`; it reaches the task's handle as a `JoinError`.
    pub fn run(self) -> bool {
        custom::run(self.inner)
    }
}

impl fmt::Debug for Runnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runnable").finish_non_exhaustive()
    }
}

/// Why an executor does not do what anyrt asked (see [`Executor::block_on`]); anyrt panics
/// with this reason in its message.
#[derive(Clone, Debug)]
pub struct Refused {
    reason: &'static str,
}

impl Refused {
    /// A refusal for `reason`, a phrase such as "the main loop must not be blocked".
    pub const fn new(reason: &'static str) -> Refused {
        Refused { reason }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl std::error::Error for Refused {}

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

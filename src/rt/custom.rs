//! Custom executors: what runs the tasks of an [`Executor`] the application implements. The
//! traits and types an application names ([`Executor`], [`Runnable`], [`Refused`]) are defined
//! here, where anyrt calls them, and re-exported by `anyrt::custom` (`src/custom.rs`).
//!
//! anyrt builds each task itself with async-task, as smol's backend does, so the handle keeps the
//! same contract ([`TaskHandle`]: detach on drop, synchronous abort, panics as `JoinError`), and
//! the executor only decides where and when each [`Runnable`] runs. The task's header carries its
//! executor ([`Meta`]), so running it needs nothing more: [`run`] marks the thread as served by
//! that executor (`Scope::Custom` in `rt/mod.rs`) while the task is polled, and remembers which
//! executor it is, for the `spawn` calls the task makes.
//!
//! Timers and sockets are not here: a custom executor's tasks use the default backend's reactor,
//! which runs on threads of its own (tokio's shared runtime, async-io's reactor thread).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::supervised::{
    supervise_blocking, AbortableTask, CatchUnwind, KeepAlive, SupervisedTask, TaskHandle,
};
#[cfg(doc)]
use super::Backend;
use super::{in_custom_scope, Scope, ScopeGuard};

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
        run_on_default_pool(runnable);
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
    inner: async_task::Runnable<Meta>,
}

impl Runnable {
    pub(crate) fn new(inner: async_task::Runnable<Meta>) -> Runnable {
        Runnable { inner }
    }

    /// Polls the task once (or runs the blocking closure).
    ///
    /// Returns `true` if the task woke itself while it ran (it yielded): it has then been
    /// scheduled again already, and a fair executor puts it behind the others. A panic in the
    /// task does not unwind out of `run`; it reaches the task's handle as a `JoinError`.
    pub fn run(self) -> bool {
        run(self.inner)
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

/// The handle of a custom executor's task or blocking closure.
pub(crate) type JoinHandle<T> = TaskHandle<T, Meta>;

/// What every task of a custom executor carries in its async-task header.
pub(crate) struct Meta {
    executor: Arc<dyn Executor>,
    /// A blocking closure, run where blocking is allowed (not async code).
    blocking: bool,
}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meta")
            .field("blocking", &self.blocking)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The custom executor that last ran something on this thread: the one `Scope::Custom`
    /// means while it is set. Replaced only when another executor runs here, so a thread that
    /// serves one executor pays no reference count per task it runs; `Weak`, so it keeps no
    /// executor alive.
    static LAST: RefCell<Option<Weak<dyn Executor>>> = const { RefCell::new(None) };
    /// The address of `LAST`'s executor (0 for none), compared with at every `run` instead of
    /// `LAST` itself: `LAST` has a destructor, so each access checks that it is alive, and the
    /// check and the borrow cost 40 instructions per task. The `Weak` in `LAST` keeps the
    /// address from being reused while it is here.
    static LAST_ADDRESS: Cell<usize> = const { Cell::new(0) };
}

fn address(executor: &Arc<dyn Executor>) -> usize {
    Arc::as_ptr(executor) as *const () as usize
}

/// Marks this thread as served by `executor` until dropped; restores what was before.
struct Entered {
    _scope: ScopeGuard,
    /// What `LAST` held before, when it was replaced inside another custom scope (a blocking
    /// closure of one executor running `block_on` on another).
    outer: Option<Option<Weak<dyn Executor>>>,
}

fn enter(executor: &Arc<dyn Executor>, scope: Scope) -> Entered {
    let scope = ScopeGuard::enter(scope);
    let outer = if LAST_ADDRESS.get() == address(executor) {
        None
    } else {
        let in_custom_scope = matches!(scope.0, Scope::Custom | Scope::CustomBlocking);
        replace_last(executor).filter(|_| in_custom_scope)
    };
    Entered {
        _scope: scope,
        outer,
    }
}

/// Makes `executor` the one `LAST` holds, and returns what it held.
#[cold]
fn replace_last(executor: &Arc<dyn Executor>) -> Option<Option<Weak<dyn Executor>>> {
    LAST.try_with(|last| {
        LAST_ADDRESS.set(address(executor));
        last.replace(Some(Arc::downgrade(executor)))
    })
    .ok()
}

impl Drop for Entered {
    fn drop(&mut self) {
        if let Some(outer) = self.outer.take() {
            let _ = LAST.try_with(|last| {
                LAST_ADDRESS.set(
                    outer
                        .as_ref()
                        .map_or(0, |w| w.as_ptr() as *const () as usize),
                );
                *last.borrow_mut() = outer;
            });
        }
    }
}

/// The custom executor serving this thread; only called inside a custom scope, whose task (or
/// `block_on`) holds the executor alive.
fn current_executor() -> Arc<dyn Executor> {
    LAST.try_with(|last| last.borrow().as_ref().and_then(Weak::upgrade))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("anyrt: no custom executor serves this thread"))
}

/// Runs a task of a custom executor: what [`Runnable::run`] does.
pub(crate) fn run(runnable: async_task::Runnable<Meta>) -> bool {
    let meta = runnable.metadata();
    let scope = if meta.blocking {
        Scope::CustomBlocking
    } else {
        Scope::Custom
    };
    let _entered = enter(&meta.executor, scope);
    // A task polled inside another task's poll (an executor driven from an anyrt task) must
    // not see that task's task-locals.
    let _nested = super::enter_task();
    runnable.run()
}

/// Spawns `future` on the custom executor serving this thread.
///
/// Out of line and cold: `rt::spawn` inlines into every caller, and the backends' path should
/// not carry this one (inlined, it cost smol's `spawn` 35 instructions more, 2 out of line).
#[cold]
#[inline(never)]
pub(crate) fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_on(current_executor(), future)
}

/// Spawns `future` on `executor`: one allocation, async-task's, which holds the future, the
/// executor twice (the header's and the schedule function's, so a wake-up needs no reference
/// count) and the output. An executor holds a task only while it is scheduled, so the task keeps
/// a waker of its own once parked ([`KeepAlive`]): a detached task nothing can wake stays parked
/// with what it holds, as on every backend.
pub(crate) fn spawn_on<F>(executor: Arc<dyn Executor>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let schedule_on = executor.clone();
    let (runnable, task) = async_task::Builder::new()
        .metadata(Meta {
            executor,
            blocking: false,
        })
        .spawn(
            |_| KeepAlive::new(CatchUnwind::new(future)),
            move |runnable| contain(|| schedule_on.schedule(Runnable::new(runnable))),
        );
    runnable.schedule();
    TaskHandle::Abortable(AbortableTask::new(task))
}

/// Runs a call into the executor's `schedule` or `spawn_blocking`, which happens wherever a task
/// is woken: in a reactor's thread, in another runtime's task, in a `Drop`. A panic there (a
/// broken executor) must not unwind into that caller: the runnable it held is dropped on the
/// way out, which cancels its task, and the panic hook has reported the panic.
fn contain(schedule: impl FnOnce()) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(schedule));
}

/// Runs `f` on the blocking pool of the custom executor serving this thread; out of line, as
/// [`spawn`] is.
#[cold]
#[inline(never)]
pub(crate) fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    spawn_blocking_on(current_executor(), f)
}

/// Runs `f` through `executor`'s `spawn_blocking`: a task whose only poll runs `f`, scheduled
/// once, supervised like smol's blocking closures so an abort never interrupts a started one.
pub(crate) fn spawn_blocking_on<F, T>(executor: Arc<dyn Executor>, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (f, state) = supervise_blocking(f);
    let schedule_on = executor.clone();
    let (runnable, task) = async_task::Builder::new()
        .metadata(Meta {
            executor,
            blocking: true,
        })
        .spawn(
            |_| async move { f() },
            move |runnable| contain(|| schedule_on.spawn_blocking(Runnable::new(runnable))),
        );
    runnable.schedule();
    TaskHandle::Supervised(SupervisedTask::new(task, state))
}

/// Runs a blocking job on the default backend's blocking pool: [`Executor::spawn_blocking`]'s
/// default.
pub(crate) fn run_on_default_pool(runnable: Runnable) {
    // `run` marks the thread as the executor's.
    super::spawn_blocking_on_default(move || {
        runnable.run();
    });
}

pin_project! {
    /// The future of a custom executor's `block_on`: polls the caller's future inside the
    /// executor's scope, and keeps its output.
    struct BlockOn<'a, F: Future> {
        executor: &'a Arc<dyn Executor>,
        #[pin]
        future: F,
        output: &'a mut Option<F::Output>,
    }
}

impl<F: Future> Future for BlockOn<'_, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.output.is_some() {
            return Poll::Ready(());
        }
        let _entered = enter(this.executor, Scope::Custom);
        this.future
            .poll(cx)
            .map(|output| **this.output = Some(output))
    }
}

/// Runs `future` to completion with `executor`'s `block_on`.
///
/// # Panics
/// If this thread is running async code, if the executor refuses `block_on`, or if its
/// `block_on` returns before the future completed.
pub(crate) fn block_on<F: Future>(executor: &Arc<dyn Executor>, future: F) -> F::Output {
    super::refuse_block_on_in_async_code();
    let mut output = None;
    let driven = pin!(BlockOn {
        executor,
        future,
        output: &mut output,
    });
    if let Err(refused) = executor.block_on(driven) {
        panic!(
            "anyrt: this custom executor does not run `block_on` ({refused}); spawn the future \
             with `Runtime::spawn` instead"
        );
    }
    output.unwrap_or_else(|| {
        panic!(
            "anyrt: the custom executor's `block_on` returned before its future completed; it \
             must poll the future until it is ready"
        )
    })
}

/// `Backend::Custom.block_on`: `block_on` on the custom executor serving this thread (a
/// blocking closure run for it).
///
/// # Panics
/// If this thread is running async code, or no custom executor serves it.
pub(crate) fn block_on_current<F: Future>(future: F) -> F::Output {
    if !in_custom_scope() {
        panic!(
            "anyrt: `Backend::Custom.block_on` was called where no custom executor serves the \
             thread; run the future with `anyrt::custom::Runtime::block_on`"
        );
    }
    // Inside one of the executor's tasks this panics, as every `block_on` in async code does.
    block_on(&current_executor(), future)
}

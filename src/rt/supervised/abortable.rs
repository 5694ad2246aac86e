//! The handle of an async-task task that can be aborted from another thread while it runs:
//! what smol's backend and custom executors return from `spawn`. Its shared state is the
//! crate's subtlest concurrency code; the comments at each step say which race it closes.

// Used by smol's backend and by custom executors; builds without smol use only part of it.
#![allow(dead_code)]

use super::*;

/// The cancellation of an [`AbortableTask`] in progress: async-task's `cancel` future.
pub(crate) type Cancelling<T> = Pin<Box<dyn Future<Output = Option<Result<T, JoinError>>> + Send>>;

/// What a handle does with its shared form that needs `T: Send + 'static`: a function
/// written in [`AbortableTask::from_task`], where the bounds are known, so that the handle's
/// methods need none and the handle carries one pointer for both.
enum SharedOp<'a, T, I: CancellableTask<T>> {
    /// `abort_handle`: share the handle (if not yet), and give what an `AbortHandle` holds.
    Share(&'a AbortableTask<T, I>),
    /// The `JoinHandle` is gone: hand the task to a [`Reaper`].
    Orphan(Arc<Shared<T, I>>),
}

fn shared_op<T: Send + 'static, I: Cancel<T>>(
    op: SharedOp<'_, T, I>,
) -> Option<Arc<dyn RemoteAbort>> {
    match op {
        SharedOp::Share(task) => Some(task.share()),
        SharedOp::Orphan(shared) => {
            let reaper = Waker::from(Arc::new(Reaper(Arc::downgrade(&shared))));
            if shared.orphan.set(reaper).is_ok() {
                shared.woken.store(true, Ordering::SeqCst);
                shared.reap_if_woken();
            }
            None
        }
    }
}

/// The handle of a [`CatchUnwind`] task on an async-task executor (smol's, a custom one, or
/// async-std's through its handle), which needs no state beside the task's own allocation:
/// `abort` cancels through async-task, which drops the future on the executor before it
/// tells the awaiter; dropping the handle detaches the task.
///
/// A separate `Arc` of abort state, as [`Supervised`] keeps, made spawning 10,000 tasks on smol
/// 25-40% slower in `benches/paired.rs` than smol's own `spawn`; a bigger task allocation of the
/// same size cost 5-10%, so the cost is the second allocation, not the bytes.
///
/// An `AbortHandle` must abort the task from anywhere, after this handle is gone too, and
/// async-task cancels only through the `Task`. So the first `abort_handle` call moves the
/// `Task` into an `Arc` this handle shares with the abort handles (the one allocation, made
/// only then); each of them then works on the same state.
///
/// The handle is four words: users keep thousands of them, and each spawn moves it through
/// every layer up to the public `JoinHandle`. What only a shared handle needs lives in
/// [`Shared`] (this made smol's public `JoinHandle<usize>` 40 bytes instead of 80).
pub(crate) struct AbortableTask<T, I: CancellableTask<T>> {
    // Locked only by `abort`, `is_finished` and `abort_handle`; the `&mut self` paths use
    // `get_mut`.
    // `ManuallyDrop`: `Drop` below takes the state out, so no drop glue runs after it.
    handle: Mutex<ManuallyDrop<Handle<T, I>>>,
    shared_op: SharedOpFn<T, I>,
}

type SharedOpFn<T, I> = fn(SharedOp<'_, T, I>) -> Option<Arc<dyn RemoteAbort>>;

/// The state a handle shares with its `AbortHandle`s, once one exists.
struct Shared<T, I: CancellableTask<T>> {
    /// The task, never `Shared` itself.
    task: AbortableTask<T, I>,
    /// Set once the `JoinHandle` is gone: the [`Reaper`]'s waker.
    orphan: OnceLock<Waker>,
    /// A wake of the reaper that is not yet handled.
    woken: AtomicBool,
}

enum Handle<T, I: CancellableTask<T>> {
    Running(I),
    /// Aborted: boxed, as it is rare and the handle should stay small.
    Aborted(Box<Abort<T>>),
    /// An `AbortHandle` exists: the state moved into this `Arc`, which it holds too.
    Shared(Arc<Shared<T, I>>),
    /// The result was taken, or the handle dropped.
    Gone,
}

enum Abort<T> {
    /// The task is being cancelled; `waker` is the awaiter's, kept so `is_finished` can drive
    /// the cancellation without taking the awaiter's place.
    Cancelling {
        cancel: Cancelling<T>,
        waker: Option<Waker>,
    },
    /// The future is gone: this is the output if the task had finished first, `None` if it
    /// was cancelled.
    Done(Option<Result<T, JoinError>>),
}

impl<T> Abort<T> {
    /// Drives the cancellation, registering `waker` if given; true once the future is gone.
    fn poll(&mut self, waker: Option<&Waker>) -> bool {
        let Abort::Cancelling {
            cancel,
            waker: awaiter,
        } = self
        else {
            return true;
        };
        if let Some(waker) = waker {
            if !awaiter.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *awaiter = Some(waker.clone());
            }
        }
        let waker = awaiter.as_ref().unwrap_or(Waker::noop());
        match cancel.as_mut().poll(&mut Context::from_waker(waker)) {
            Poll::Ready(output) => {
                *self = Abort::Done(output);
                true
            }
            Poll::Pending => false,
        }
    }
}

/// A task an [`AbortableTask`] can drive: async-task's, or async-std's handle.
pub(crate) trait CancellableTask<T>: Sized {
    /// Polls for the output; `None` if the executor dropped the task unfinished.
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>>;

    /// Whether the output is ready; may poll the task, with the awaiter's waker.
    fn is_finished(&mut self) -> bool;

    /// Lets the task run to completion without a handle.
    fn detach(self);
}

/// A [`CancellableTask`] that can be cancelled from any thread, which needs its output
/// `Send`: apart, so the handle's other methods need no bounds.
pub(crate) trait Cancel<T>: CancellableTask<T> + Send + 'static {
    /// Starts the cancellation: its first poll marks the task cancelled, synchronously.
    fn cancel(self) -> Cancelling<T>;
}

impl<T, M> CancellableTask<T> for FallibleTask<Result<T, JoinError>, M> {
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        Pin::new(self).poll(cx)
    }

    fn is_finished(&mut self) -> bool {
        FallibleTask::is_finished(self)
    }

    fn detach(self) {
        FallibleTask::detach(self);
    }
}

impl<T: Send + 'static, M: Send + Sync + 'static> Cancel<T>
    for FallibleTask<Result<T, JoinError>, M>
{
    fn cancel(self) -> Cancelling<T> {
        Box::pin(FallibleTask::cancel(self))
    }
}

impl<T, M> AbortableTask<T, FallibleTask<Result<T, JoinError>, M>> {
    pub(crate) fn new(task: async_task::Task<Result<T, JoinError>, M>) -> Self
    where
        T: Send + 'static,
        M: Send + Sync + 'static,
    {
        AbortableTask::from_task(task.fallible())
    }
}

impl<T, I: CancellableTask<T>> AbortableTask<T, I> {
    /// Wraps a task that runs inside [`CatchUnwind`].
    pub(crate) fn from_task(task: I) -> Self
    where
        T: Send + 'static,
        I: Cancel<T>,
    {
        AbortableTask {
            handle: Mutex::new(ManuallyDrop::new(Handle::Running(task))),
            shared_op: shared_op::<T, I>,
        }
    }

    /// Whether the result was returned: then the task is gone.
    #[inline]
    fn joined(&mut self) -> bool {
        let handle = self
            .handle
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        matches!(**handle, Handle::Gone)
    }

    /// Whether dropping this handle would do nothing: the result was returned, and the
    /// `Mutex` owns nothing (see [`MUTEX_DROP_FREES_NOTHING`]).
    #[inline]
    pub(crate) fn holds_nothing(&mut self) -> bool {
        MUTEX_DROP_FREES_NOTHING && self.joined()
    }

    fn lock(&self) -> MutexGuard<'_, ManuallyDrop<Handle<T, I>>> {
        self.handle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        self.handle
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .poll_join(cx)
    }

    pub(crate) fn abort(&self) {
        if matches!(**self.lock(), Handle::Running(_) | Handle::Shared(_)) {
            // Starting the cancellation needs `T: Send + 'static`, which the shared form's
            // `RemoteAbort` impl has: go through it. That costs an allocation, once, on a
            // path that is rare.
            self.abort_handle().abort();
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        match &mut **self.lock() {
            Handle::Running(task) => task.is_finished(),
            Handle::Aborted(abort) => abort.poll(None),
            Handle::Shared(shared) => shared.finished(),
            Handle::Gone => true,
        }
    }

    pub(crate) fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        (self.shared_op)(SharedOp::Share(self)).expect("sharing gives a handle")
    }

    fn share(&self) -> Arc<dyn RemoteAbort>
    where
        T: Send + 'static,
        I: Cancel<T>,
    {
        let mut handle = self.lock();
        match &**handle {
            Handle::Shared(shared) => shared.clone(),
            _ => {
                let state = std::mem::replace(&mut **handle, Handle::Gone);
                let shared = Arc::new(Shared {
                    task: AbortableTask {
                        handle: Mutex::new(ManuallyDrop::new(state)),
                        shared_op: self.shared_op,
                    },
                    orphan: OnceLock::new(),
                    woken: AtomicBool::new(false),
                });
                **handle = Handle::Shared(shared.clone());
                shared
            }
        }
    }
}

impl<T, I: CancellableTask<T>> Shared<T, I> {
    fn finished(&self) -> bool {
        let finished = self.task.is_finished();
        self.reap_if_woken();
        finished
    }

    /// On a shared handle whose `JoinHandle` is gone, takes the task's output, if the
    /// [`Reaper`] was woken, and drops it. Called after every unlock, since a wake that finds
    /// the state locked leaves the work to the lock's holder: polling the task under the
    /// lock can wake the reaper on the same thread (async-task wakes the awaiter from
    /// `cancel`, and a new awaiter while it notifies).
    fn reap_if_woken(&self) {
        let Some(waker) = self.orphan.get() else {
            return;
        };
        // Pairs with the fence in `Reaper::wake`: either the wake sees the lock free, or
        // its holder sees `woken`.
        fence(Ordering::SeqCst);
        while self.woken.load(Ordering::SeqCst) {
            let mut handle = match self.task.handle.try_lock() {
                Ok(handle) => handle,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            self.woken.store(false, Ordering::SeqCst);
            let output = match &**handle {
                Handle::Gone => None,
                _ => match handle.poll_join(&mut Context::from_waker(waker)) {
                    Poll::Ready(output) => {
                        **handle = Handle::Gone;
                        Some(output)
                    }
                    Poll::Pending => None,
                },
            };
            drop(handle);
            // Outside the lock: the output's destructor may use the task's `AbortHandle`.
            drop(output);
            fence(Ordering::SeqCst);
        }
    }
}

/// The shared form of a handle, as an `AbortHandle` holds it.
impl<T: Send + 'static, I: Cancel<T>> RemoteAbort for Shared<T, I> {
    fn abort(&self) {
        let mut handle = self.task.lock();
        **handle = match std::mem::replace(&mut **handle, Handle::Gone) {
            Handle::Running(task) => {
                let mut abort = Abort::Cancelling {
                    cancel: Cancel::cancel(task),
                    waker: None,
                };
                // The first poll marks the task cancelled (and schedules it, so the executor
                // drops its future), synchronously. It also wakes whoever awaited the handle
                // before, so the no-op waker it registers loses no one: the awaiter polls
                // again and lands in `Abort::poll` with its own waker.
                abort.poll(None);
                Handle::Aborted(Box::new(abort))
            }
            // Aborted or finished already: nothing to do.
            other => other,
        };
        drop(handle);
        self.reap_if_woken();
    }

    fn is_finished(&self) -> bool {
        self.finished()
    }
}

impl<T, I: CancellableTask<T>> Handle<T, I> {
    /// The common case, a running task, inline; the others in [`Handle::poll_join_rare`].
    #[inline]
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match self {
            Handle::Running(task) => {
                let output = ready!(task.poll_output(cx));
                // The task's allocation goes now; the handle answers from `Gone`. Taken
                // apart whole, so no drop glue runs for the replaced state.
                let Handle::Running(task) = std::mem::replace(self, Handle::Gone) else {
                    unreachable!("the state was `Running` above")
                };
                task.detach();
                // `None`: the executor was dropped with the task still in it.
                Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled())))
            }
            _ => self.poll_join_rare(cx),
        }
    }

    #[inline(never)]
    fn poll_join_rare(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match self {
            Handle::Running(_) => unreachable!("a running task is polled inline"),
            Handle::Aborted(abort) => {
                if !abort.poll(Some(cx.waker())) {
                    return Poll::Pending;
                }
                let output = match abort.as_mut() {
                    Abort::Done(output) => output.take(),
                    Abort::Cancelling { .. } => None,
                };
                *self = Handle::Gone;
                Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled())))
            }
            Handle::Shared(shared) => {
                let mut handle = shared.task.lock();
                let result = handle.poll_join(cx);
                if result.is_ready() {
                    // Taken: the `AbortHandle`s then see a finished task, with nothing in it.
                    **handle = Handle::Gone;
                }
                result
            }
            Handle::Gone => crate::rt::polled_after_result(),
        }
    }
}

// The output is only ever moved, never pinned.
impl<T, I: CancellableTask<T>> Unpin for AbortableTask<T, I> {}

/// Whether dropping a `std::sync::Mutex` frees nothing, so a joined handle may skip its
/// drop. std builds its mutex on futexes on these systems; elsewhere (macOS and other
/// pthread-based ones) its first `lock` allocates a pthread mutex that only the `Mutex`'s
/// drop frees, and a handle whose `is_finished` or `abort` was called would leak it. Found in
/// review; it cannot be tested on Linux, where nothing is allocated.
const MUTEX_DROP_FREES_NOTHING: bool = cfg!(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "dragonfly",
));

impl<T, I: CancellableTask<T>> Drop for AbortableTask<T, I> {
    /// Inline for the common case, a handle whose result was taken.
    #[inline]
    fn drop(&mut self) {
        if !self.joined() {
            self.drop_unjoined();
        }
    }
}

impl<T, I: CancellableTask<T>> AbortableTask<T, I> {
    /// Drops a handle whose result was not taken.
    #[inline(never)]
    fn drop_unjoined(&mut self) {
        let handle = self
            .handle
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        match std::mem::replace(&mut **handle, Handle::Gone) {
            Handle::Running(task) => task.detach(),
            // The `AbortHandle`s keep the task, to abort it, and with it the output: the
            // reaper awaits the task in this handle's place and drops the output, as a
            // detached task's is dropped.
            Handle::Shared(shared) => {
                (self.shared_op)(SharedOp::Orphan(shared));
            }
            Handle::Aborted(_) | Handle::Gone => {}
        }
    }
}

/// Awaits the task of a shared handle whose `JoinHandle` is gone, and drops its output.
/// Weak, so the task (which holds its awaiter's waker) does not keep the `AbortHandle`s'
/// state alive: once they are all gone, that state's `Drop` detaches the task, which then
/// drops its output itself.
struct Reaper<T, I: CancellableTask<T>>(Weak<Shared<T, I>>);

impl<T: Send + 'static, I: Cancel<T>> Wake for Reaper<T, I> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(shared) = self.0.upgrade() {
            // Never waits for the lock: its holder may be this thread.
            shared.woken.store(true, Ordering::SeqCst);
            shared.reap_if_woken();
        }
    }
}

impl<T, I: CancellableTask<T>> fmt::Debug for AbortableTask<T, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortableTask").finish_non_exhaustive()
    }
}

/// The handle of a task on an async-task executor: an [`AbortableTask`], or a
/// [`SupervisedTask`] for the blocking closures, whose abort must not stop a started closure.
#[derive(Debug)]
pub(crate) enum TaskHandle<T, M = ()> {
    Abortable(AbortableTask<T, FallibleTask<Result<T, JoinError>, M>>),
    Supervised(SupervisedTask<T, M>),
}

impl<T, M> crate::rt::Task<T> for TaskHandle<T, M> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match self {
            TaskHandle::Abortable(task) => task.poll_join(cx),
            TaskHandle::Supervised(task) => task.poll_join(cx),
        }
    }

    fn abort(&self) {
        match self {
            TaskHandle::Abortable(task) => task.abort(),
            TaskHandle::Supervised(task) => task.abort(),
        }
    }

    fn is_finished(&self) -> bool {
        match self {
            TaskHandle::Abortable(task) => task.is_finished(),
            TaskHandle::Supervised(task) => task.is_finished(),
        }
    }

    fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        match self {
            TaskHandle::Abortable(task) => task.abort_handle(),
            TaskHandle::Supervised(task) => task.abort_handle(),
        }
    }

    #[inline]
    fn holds_nothing(&mut self) -> bool {
        match self {
            TaskHandle::Abortable(task) => task.holds_nothing(),
            TaskHandle::Supervised(_) => false,
        }
    }
}

//! The tokio backend: every call anyrt makes into tokio.
//!
//! tokio panics when one of its primitives is created outside a runtime; this backend enters the
//! runtime of the current context if there is one, else a shared multi-threaded runtime started
//! on first use. That runtime drives its own reactor and timers, so everything created in it
//! keeps working when polled from any thread or any other executor.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{ready, Context, Poll, Waker};
use std::time::Instant;

use ::tokio::task::coop::{poll_proceed, unconstrained};

use ::tokio::io::unix::AsyncFd;
use ::tokio::io::Interest;
use ::tokio::runtime::{EnterGuard, Handle};

use super::JoinError;
use super::{Direction, Presence, Reactor, RemoteAbort, Runtime, Source, Task};

/// The tokio backend.
pub(crate) struct Tokio;

/// The runtime that serves calls made outside any tokio runtime. It lives in a static and is
/// never dropped, so returning from `block_on` does not wait for its tasks or blocking closures.
fn shared() -> &'static ::tokio::runtime::Runtime {
    static SHARED: OnceLock<::tokio::runtime::Runtime> = OnceLock::new();
    SHARED.get_or_init(|| {
        // tokio panics with its own message when a worker thread cannot start; either way the
        // next call tries again, as a panic leaves the `OnceLock` empty.
        let built = std::panic::catch_unwind(|| {
            ::tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("anyrt-tokio")
                // tokio calls these with the runtime entered, on workers and blocking threads.
                .on_thread_start(|| ENTERED.set(true))
                .on_thread_stop(|| ENTERED.set(false))
                .build()
        });
        match built {
            Ok(Ok(runtime)) => runtime,
            Ok(Err(e)) => panic!("anyrt: could not start the shared tokio runtime: {e}"),
            Err(payload) => panic!(
                "anyrt: could not start the shared tokio runtime: {}",
                super::join_error::panic_message(&*payload)
                    .unwrap_or("a worker thread did not start")
            ),
        }
    })
}

thread_local! {
    /// Set where a tokio context is known to be entered: on the shared runtime's threads and
    /// inside this backend's `block_on`.
    static ENTERED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a tokio context is entered, answered without `Handle::try_current`, which clones the
/// handle's `Arc` (a shared cache line every worker touches): `false` means "not known".
#[inline]
fn surely_entered() -> bool {
    ENTERED.get() || ::tokio::task::try_id().is_some()
}

/// Enters the shared runtime when no tokio context is entered on this thread.
fn enter_if_needed() -> Option<EnterGuard<'static>> {
    if surely_entered() {
        return None;
    }
    match Handle::try_current() {
        Ok(_) => None,
        Err(_) => Some(shared().enter()),
    }
}

/// Whether tokio is polling async code on this thread: a task on a worker, or the future of a
/// runtime's `block_on`. tokio gives exactly those polls a cooperative budget; its blocking
/// closures and plain threads with a runtime entered (`Handle::enter`) run unconstrained, and
/// tokio's own `Handle::block_on` is allowed there. tokio has no query for it, so the budget is
/// drawn on step by step with `poll_proceed`: a constrained budget (128 steps in tokio 1.x)
/// runs out within the probe, an unconstrained one never does. Every step is given back: the
/// first step's guard restores the budget it found when dropped, the later ones restore nothing.
/// Only `block_on` and `blocking_lock` ask, and only on threads with a tokio context.
fn budget_is_constrained() -> bool {
    /// Far above tokio's budget, so a larger one in a later release still runs out.
    const PROBE_STEPS: usize = 4096;
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready(first) = poll_proceed(&mut cx) else {
        return true;
    };
    let constrained = (0..PROBE_STEPS).any(|_| match poll_proceed(&mut cx) {
        Poll::Ready(step) => {
            step.made_progress();
            false
        }
        Poll::Pending => true,
    });
    drop(first);
    constrained
}

/// A tokio task's handle, and whether `abort` reached the task before it finished.
pub(crate) struct TaskHandle<T> {
    /// `None` once the result was returned: the task's allocation goes then, and a second poll
    /// gets anyrt's panic rather than tokio's.
    task: Option<::tokio::task::JoinHandle<T>>,
    aborted: AtomicBool,
    blocking: bool,
    /// Made by the first `abort_handle` (tasks rarely get one): an abort through it counts as
    /// `aborted` too.
    remote: OnceLock<Arc<RemoteTask>>,
}

impl<T> TaskHandle<T> {
    fn new(task: ::tokio::task::JoinHandle<T>, blocking: bool) -> Self {
        TaskHandle {
            task: Some(task),
            aborted: AtomicBool::new(false),
            blocking,
            remote: OnceLock::new(),
        }
    }

    fn aborted(&self) -> bool {
        self.aborted.load(Ordering::Acquire)
            || self
                .remote
                .get()
                .is_some_and(|remote| remote.aborted.load(Ordering::Acquire))
    }
}

/// Aborts a tokio task with `abort` (its `JoinHandle`'s or an `AbortHandle`'s), first noting in
/// `aborted` whether the abort reaches it unfinished.
fn abort_task(finished: bool, abort: impl FnOnce(), aborted: &AtomicBool, blocking: bool) {
    // A started blocking closure runs on and keeps its result, panic included.
    if !blocking && !finished {
        aborted.store(true, Ordering::Release);
    }
    abort();
}

/// What a tokio task's `AbortHandle`s share with its handle.
struct RemoteTask {
    task: ::tokio::task::AbortHandle,
    aborted: AtomicBool,
    blocking: bool,
}

impl RemoteAbort for RemoteTask {
    fn abort(&self) {
        let task = &self.task;
        abort_task(
            task.is_finished(),
            || task.abort(),
            &self.aborted,
            self.blocking,
        );
    }

    fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

fn join_error(error: ::tokio::task::JoinError) -> JoinError {
    match error.try_into_panic() {
        Ok(payload) => JoinError::panic(payload),
        Err(_) => JoinError::cancelled(),
    }
}

impl<T> Task<T> for TaskHandle<T> {
    #[inline(always)]
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let Some(task) = self.task.as_mut() else {
            crate::rt::polled_after_result()
        };
        let result = ready!(Pin::new(task).poll(cx));
        self.task = None;
        if self.aborted() {
            // Aborted before it finished: whatever the poll the abort raced with produced, an
            // output or a panic on its way out, goes with the task, as on the other backends.
            return Poll::Ready(Err(JoinError::cancelled()));
        }
        Poll::Ready(result.map_err(join_error))
    }

    fn abort(&self) {
        // Returned its result: nothing to abort.
        let Some(task) = &self.task else { return };
        abort_task(
            task.is_finished(),
            || task.abort(),
            &self.aborted,
            self.blocking,
        );
    }

    fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|task| task.is_finished())
    }

    #[inline]
    fn holds_nothing(&mut self) -> bool {
        self.task.is_none() && self.remote.get().is_none()
    }

    fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        if let Some(remote) = self.remote.get() {
            return remote.clone();
        }
        let Some(task) = &self.task else {
            return Arc::new(Finished);
        };
        self.remote
            .get_or_init(|| {
                Arc::new(RemoteTask {
                    task: task.abort_handle(),
                    aborted: AtomicBool::new(false),
                    blocking: self.blocking,
                })
            })
            .clone()
    }
}

/// The `AbortHandle` of a task whose handle returned its result before any was asked for.
struct Finished;

impl RemoteAbort for Finished {
    fn abort(&self) {}

    fn is_finished(&self) -> bool {
        true
    }
}

impl Runtime for Tokio {
    type JoinHandle<T> = TaskHandle<T>;
    type Reactor = Tokio;

    fn presence() -> Presence {
        if surely_entered() || Handle::try_current().is_ok() {
            Presence::Entered
        } else {
            Presence::Absent
        }
    }

    fn polls_async_code() -> bool {
        Self::presence() == Presence::Entered && budget_is_constrained()
    }

    #[inline]
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = if surely_entered() {
            ::tokio::spawn(future)
        } else {
            match Handle::try_current() {
                Ok(handle) => handle.spawn(future),
                Err(_) => shared().spawn(future),
            }
        };
        TaskHandle::new(task, false)
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // tokio panics with its own message when it has no blocking thread and cannot start one.
        let spawned = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if surely_entered() {
                ::tokio::task::spawn_blocking(f)
            } else {
                match Handle::try_current() {
                    Ok(handle) => handle.spawn_blocking(f),
                    Err(_) => shared().spawn_blocking(f),
                }
            }
        }));
        match spawned {
            Ok(task) => TaskHandle::new(task, true),
            Err(payload) => match super::join_error::panic_message(&*payload) {
                Some(message) if !message.starts_with("anyrt: ") => {
                    panic!("anyrt: could not start a blocking thread: {message}")
                }
                _ => std::panic::resume_unwind(payload),
            },
        }
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        ::tokio::task::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        // Not `Handle::block_on`: anyrt checks for nested calls itself, with its own message, and
        // the shared runtime's workers drive the reactor and timers this future waits on.
        let _guard = enter_if_needed();
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                ENTERED.set(self.0);
            }
        }
        let _restore = Restore(ENTERED.replace(true));
        futures_lite::future::block_on(future)
    }
}

/// A source as tokio's `AsyncFd` wants it (`AsRawFd`).
#[derive(Debug)]
pub(crate) struct Fd<S>(S);

impl<S: AsFd> AsRawFd for Fd<S> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// tokio's interest for a direction. A pending socket error (an ICMP "port unreachable" on a
/// connected UDP socket) is an `EPOLLERR` alone, which tokio files under `ERROR`, not under
/// `READABLE`: waiting for reads includes it, so `recv` returns the error as async-io does
/// instead of waiting for a datagram that never comes.
fn interest(direction: Direction) -> Interest {
    match direction {
        Direction::Read => Interest::READABLE | Interest::ERROR,
        Direction::Write => Interest::WRITABLE,
    }
}

/// A wait for `ERROR` readiness, owned so it can be kept between polls.
type ErrorWait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source registered with tokio's reactor.
pub(crate) struct TokioIo<S: Source> {
    fd: Arc<AsyncFd<Fd<S>>>,
    /// The `poll_*` path waits in tokio's one reader slot, which `ERROR` alone never wakes
    /// (async-io wakes readers on `EPOLLERR`). While a read is pending there, this waits for
    /// `ERROR` beside it: one allocation per read that has to wait. Only for sources where an
    /// error can come alone (datagram sockets, users' descriptors); see `errors_come_alone`.
    error_wait: Option<Mutex<Option<ErrorWait>>>,
}

/// Whether an error can be reported on `S` with no read readiness beside it. Not on stream
/// sockets and listeners: Linux reports their errors with `EPOLLHUP` or `EPOLLIN`, which tokio
/// files under `READ_CLOSED` or `READABLE`, so their readers wake without the error wait (which
/// cost 5-10% of a TCP round trip on tokio).
fn errors_come_alone<S: 'static>() -> bool {
    use std::any::TypeId;
    let id = TypeId::of::<S>();
    ![
        TypeId::of::<std::net::TcpStream>(),
        TypeId::of::<std::net::TcpListener>(),
        TypeId::of::<std::os::unix::net::UnixStream>(),
        TypeId::of::<std::os::unix::net::UnixListener>(),
    ]
    .contains(&id)
}

impl<S: Source> TokioIo<S> {
    /// Polls the wait for `ERROR` readiness alone, starting it if needed.
    fn poll_error(&self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(error_wait) = &self.error_wait else {
            return Poll::Pending;
        };
        let mut slot = error_wait.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = slot.get_or_insert_with(|| {
            let fd = self.fd.clone();
            Box::pin(async move {
                let _ = fd.ready(Interest::ERROR).await;
            })
        });
        let ready = wait.as_mut().poll(cx);
        if ready.is_ready() {
            *slot = None;
        }
        ready
    }

    /// Ends the wait for `ERROR`, once a read no longer waits.
    fn end_error_wait(&self) {
        if let Some(Ok(mut slot)) = self.error_wait.as_ref().map(Mutex::try_lock) {
            *slot = None;
        }
    }

    /// Runs `op` at once; if it would block, forgets the readiness of `interest` that tokio had
    /// cached *before* the call. The readiness is read first because its tick is what makes the
    /// clearing safe: an event that arrives during `op` has a newer tick and is kept (clearing
    /// whatever is cached after the call would lose it, and the waiting task with it).
    fn try_io<R>(&self, interest: Interest, op: impl FnOnce(&S) -> io::Result<R>) -> io::Result<R> {
        // Polled once with a no-op waker: a guard if readiness is cached, and no waker left
        // behind when it is not (the waiter is removed when the future drops).
        let mut ready = pin!(self.fd.ready(interest));
        match ready.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(mut guard)) => match guard.try_io(|fd| op(&fd.get_ref().0)) {
                Ok(result) => result,
                Err(_would_block) => Err(io::ErrorKind::WouldBlock.into()),
            },
            // Not reported yet (or the reactor failed): make the call all the same; there is no
            // readiness to forget.
            _ => op(&self.fd.get_ref().0),
        }
    }
}

impl Reactor for Tokio {
    type Timer = ::tokio::time::Sleep;
    type Io<S: Source> = TokioIo<S>;

    fn now() -> Instant {
        // The real clock, unless tokio's `test-util` paused it for the runtime entered here.
        ::tokio::time::Instant::now().into_std()
    }

    fn timer(deadline: Instant) -> Self::Timer {
        let _guard = enter_if_needed();
        ::tokio::time::sleep_until(deadline.into())
    }

    fn poll_timer(mut timer: Pin<&mut Self::Timer>, cx: &mut Context<'_>) -> Poll<()> {
        // A timer whose runtime has shut down (a user's runtime, dropped) panics when polled; its
        // deadline is all it holds, so it moves to the shared runtime, which never shuts down.
        // (tokio's panic message still reaches the panic hook, once per such timer.)
        match std::panic::catch_unwind(AssertUnwindSafe(|| timer.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => {
                let deadline = timer.deadline();
                let _shared = shared().enter();
                timer.set(::tokio::time::sleep_until(deadline));
                timer.poll(cx)
            }
        }
    }

    fn reset_timer(timer: Pin<&mut Self::Timer>, deadline: Instant) {
        timer.reset(deadline.into());
    }

    fn register<S: Source>(source: S) -> io::Result<Self::Io<S>> {
        let _guard = enter_if_needed();
        // tokio 1.54 deprecates the safe constructor in favour of an `unsafe` one whose contract
        // is that the descriptor stays open and unchanged while registered. anyrt forbids
        // `unsafe`, and keeps that contract by construction: its sockets own their descriptor
        // for life, and `io::AsyncFd` hands out no `&mut` to its source (as async-io 2 makes its
        // own `get_mut` unsafe for this reason).
        #[allow(deprecated)]
        let fd = AsyncFd::try_new(Fd(source)).map_err(|e| e.into_parts().1)?;
        Ok(TokioIo {
            fd: Arc::new(fd),
            error_wait: errors_come_alone::<S>().then(|| Mutex::new(None)),
        })
    }

    fn get_ref<S: Source>(io: &Self::Io<S>) -> &S {
        &io.fd.get_ref().0
    }

    fn into_inner<S: Source>(io: Self::Io<S>) -> io::Result<S> {
        // The error wait holds the only other reference.
        drop(io.error_wait);
        match Arc::into_inner(io.fd) {
            Some(fd) => Ok(fd.into_inner().0),
            None => Err(io::Error::other(
                "anyrt: a tokio registration is still in use and cannot be taken back",
            )),
        }
    }

    fn poll_ready<S: Source>(
        io: &Self::Io<S>,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        // The guard is dropped without clearing: readiness stays until an operation blocks.
        match direction {
            Direction::Read => match io.fd.poll_read_ready(cx) {
                Poll::Ready(ready) => {
                    io.end_error_wait();
                    Poll::Ready(ready.map(drop))
                }
                Poll::Pending => io.poll_error(cx).map(Ok),
            },
            Direction::Write => io.fd.poll_write_ready(cx).map_ok(drop),
        }
    }

    async fn ready<S: Source>(io: &Self::Io<S>, direction: Direction) -> io::Result<()> {
        io.fd.ready(interest(direction)).await.map(drop)
    }

    fn try_io<S: Source, R>(
        io: &Self::Io<S>,
        direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        // tokio's own `try_io` skips the call while its reactor has not reported readiness, so
        // data queued before the reactor's next turn reads as `WouldBlock`; async-io always
        // makes the call. anyrt always makes it, and forgets the readiness if it blocked.
        io.try_io(interest(direction), op)
    }

    async fn io<S: Source, R>(
        io: &Self::Io<S>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R> + Send,
    ) -> io::Result<R> {
        // The operation first (data may be queued before tokio has reported it), then tokio's
        // own loop, whose guards forget exactly the readiness each attempt used.
        match io.try_io(interest(direction), &mut op) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            result => return result,
        }
        // Unconstrained, as in `poll_io`.
        unconstrained(io.fd.async_io(interest(direction), |fd| op(&fd.0))).await
    }

    fn poll_io<S: Source, R>(
        io: &Self::Io<S>,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // The operations of `net` spend the task's budget themselves (`coop.rs`), on every
        // backend; tokio's readiness poll would spend a second unit: it runs unconstrained.
        let poll = poll_fn(|cx| poll_io(io, direction, cx, &mut op));
        pin!(unconstrained(poll)).poll(cx)
    }
}

/// [`Reactor::poll_io`] on tokio, whose readiness polls spend tokio's budget.
fn poll_io<S: Source, R>(
    io: &TokioIo<S>,
    direction: Direction,
    cx: &mut Context<'_>,
    mut op: impl FnMut(&S) -> io::Result<R>,
) -> Poll<io::Result<R>> {
    loop {
        let ready = match direction {
            Direction::Read => io.fd.poll_read_ready(cx),
            Direction::Write => io.fd.poll_write_ready(cx),
        };
        let mut guard = match ready {
            Poll::Ready(guard) => guard?,
            Poll::Pending if direction == Direction::Read => {
                ready!(io.poll_error(cx));
                // An error alone: the operation reports it (and consumes it).
                match io.try_io(Interest::ERROR, &mut op) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    result => return Poll::Ready(result),
                }
            }
            Poll::Pending => return Poll::Pending,
        };
        if direction == Direction::Read {
            io.end_error_wait();
        }
        match guard.try_io(|fd| op(&fd.get_ref().0)) {
            Ok(result) => return Poll::Ready(result),
            // Would block: the guard cleared the readiness; wait for the next event.
            Err(_would_block) => continue,
        }
    }
}

/// `SO_PEERCRED` through tokio's `UnixStream::peer_cred`, for builds without rustix: a
/// duplicate of the descriptor is registered with a tokio reactor for the one call.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(feature = "rt-async-std", feature = "rt-smol", feature = "rt-sim"))
))]
/// Returns the peer's process id, user id and group id.
pub(crate) fn peer_cred(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<(Option<i32>, u32, u32)> {
    let std = std::os::unix::net::UnixStream::from(fd.try_clone_to_owned()?);
    let _entered = enter_if_needed();
    let stream = ::tokio::net::UnixStream::from_std(std)?;
    let cred = stream.peer_cred()?;
    Ok((cred.pid(), cred.uid(), cred.gid()))
}

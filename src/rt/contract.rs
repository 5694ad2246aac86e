//! The contract every backend implements: [`Runtime`], the task half (spawn, blocking pool,
//! `block_on`, yield, presence); its [`Reactor`], the time and I/O half (timers, and readiness of
//! registered sources); and [`Task`], the handle of one spawned task.
//!
//! The I/O half is readiness over a *source*: anyrt registers a socket (`S`, a std socket type or
//! a user's descriptor) with the reactor, waits for it to become readable or writable, and runs
//! the system call on `&S` itself. Every OS socket type of `net` is written once on top of that,
//! so the backends agree on error kinds, truncation and FIN by construction. Backends that share
//! a reactor share its implementation: async-std and smol both name `async_io::AsyncIo`.
//!
//! A backend without OS sockets (the simulation) sets `Reactor::SIMULATED` (under `rt-sim`): the socket types
//! of `net` then take their simulated variant, built on `rt::simulation::net`, through the three
//! seams of `net` (`stream.rs`, `listener.rs`, `datagram.rs`), the only files that name it; its
//! [`Reactor::register`] refuses OS descriptors (`AsyncFd`, `from_std`) with an `Unsupported`
//! `io::Error`. [`StreamOptions`] and [`DatagramOptions`] are what such a backend keeps of the
//! socket options a program sets. Without `rt-sim` none of this is compiled.

use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::JoinError;

/// The task half of the contract every backend implements, in the order its file lists the
/// items.
///
/// Everything a backend does differently from the others is normalised here or in the backend's
/// file, never in the public modules: handles return [`JoinError`] instead of unwinding, a dropped
/// handle detaches, timers and sockets work from threads outside the backend's runtime.
pub(crate) trait Runtime {
    /// The handle of a spawned task or blocking closure.
    type JoinHandle<T>: Task<T>;
    /// The timers and I/O readiness this backend's tasks use.
    type Reactor: Reactor;

    /// How strongly this backend claims the current thread.
    fn presence() -> Presence;
    /// Whether this thread is polling the backend's async code (a task, or the future of a
    /// runtime's `block_on`), where blocking the thread would stall the backend. Threads that
    /// merely have the backend's context (a blocking closure, an `enter` guard) are not.
    fn polls_async_code() -> bool {
        Self::presence() == Presence::Running
    }

    /// Spawns `future`; a panic in it reaches the handle as a [`JoinError`].
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Runs `f` on the blocking pool; if the handle is aborted before `f` starts, `f` never runs.
    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Yields once to the backend's scheduler.
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// A random number below `n` (at least 1), for choices such as `select!`'s branch order; a
    /// deterministic backend draws it from its seed.
    fn random_below(n: u32) -> u32 {
        fastrand::u32(..n)
    }
    /// Runs `future` to completion on the current thread.
    fn block_on<F: Future>(future: F) -> F::Output;
    /// Runs `future` to completion on a thread allowed to block (a blocking closure, a plain
    /// thread), for the `blocking_*` methods: by parking the thread, unless the backend runs
    /// blocking closures on its own scheduler's thread (the simulation), where it keeps
    /// scheduling meanwhile.
    fn wait<F: Future>(future: F) -> F::Output {
        futures_lite::future::block_on(future)
    }
}

/// What can be registered with a reactor: a descriptor that can be shared between tasks.
pub(crate) trait Source: AsFd + Send + Sync + 'static {}

impl<S: AsFd + Send + Sync + 'static> Source for S {}

/// Which readiness an I/O operation waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Readable: data, a connection to accept, end-of-file, or a pending socket error.
    Read,
    /// Writable: room in the send buffer, or the write side closed.
    Write,
}

/// The time and I/O half of the contract: timers, and readiness of registered sources.
///
/// Two ways to wait exist because the natives offer both: `poll_ready` and `poll_io` keep one
/// waker per direction (for `poll_*` methods and `AsyncRead`), `ready` and `io` are futures any
/// number of tasks can wait on at once (for `async fn`s on sockets shared through `Arc`).
pub(crate) trait Reactor {
    /// A one-shot timer, created for a deadline that is still in the future.
    type Timer;
    /// A source registered with the reactor.
    type Io<S: Source>: Send + Sync;
    /// Whether this backend's sockets are simulated in memory (`rt::simulation`) rather than
    /// OS sockets registered with it.
    #[cfg(feature = "rt-sim")]
    const SIMULATED: bool = false;

    /// The backend's clock: what its timers compare their deadlines with. The real clock, except
    /// under tokio's paused test clock.
    fn now() -> Instant;
    /// A timer firing at `deadline` or later by [`Reactor::now`], never earlier.
    fn timer(deadline: Instant) -> Self::Timer;
    /// Polls a timer.
    fn poll_timer(timer: Pin<&mut Self::Timer>, cx: &mut Context<'_>) -> Poll<()>;
    /// Moves a timer's deadline.
    fn reset_timer(timer: Pin<&mut Self::Timer>, deadline: Instant);

    /// Registers `source`, whose blocking mode is left as it is.
    fn register<S: Source>(source: S) -> io::Result<Self::Io<S>>;
    /// The registered source.
    fn get_ref<S: Source>(io: &Self::Io<S>) -> &S;
    /// Deregisters the source and gives it back.
    fn into_inner<S: Source>(io: Self::Io<S>) -> io::Result<S>;
    /// Polls for readiness in `direction`, keeping one waker per direction.
    fn poll_ready<S: Source>(
        io: &Self::Io<S>,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>>;
    /// Waits for readiness in `direction`; any number of tasks may wait at once.
    fn ready<S: Source>(
        io: &Self::Io<S>,
        direction: Direction,
    ) -> impl Future<Output = io::Result<()>> + Send + '_;
    /// Runs `op` at once; if it would block, forgets the readiness seen in `direction`, so that
    /// the next wait waits for a new event.
    fn try_io<S: Source, R>(
        io: &Self::Io<S>,
        direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R>;
    /// Runs `op` until it does not block, waiting for readiness in `direction` in between; any
    /// number of tasks may wait at once. `op` is tried first. A wake-up may be taken as readiness
    /// without checking (async-io's `read_with` does: its re-check can miss an event delivered
    /// in the reactor tick that registered the waiter, 1.3x the time of a UDP round trip), since
    /// a wrong guess only costs one more `op` that would block.
    fn io<S: Source, R>(
        io: &Self::Io<S>,
        direction: Direction,
        op: impl FnMut(&S) -> io::Result<R> + Send,
    ) -> impl Future<Output = io::Result<R>> + Send;
    /// Runs `op` until it does not block, waiting for readiness in `direction` in between; one
    /// waker per direction, like `poll_ready`.
    fn poll_io<S: Source, R>(
        io: &Self::Io<S>,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>>;
}

/// The reactor of backend `R`.
pub(crate) type ReactorOf<R> = <R as Runtime>::Reactor;

/// A backend's handle of one spawned task or blocking closure, what a
/// [`crate::task::JoinHandle`] drives: the handle half of the contract.
pub(crate) trait Task<T>: Unpin {
    /// Polls for the task's result.
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    /// Requests cancellation; returns at once. A blocking closure that has started runs on.
    fn abort(&self);
    /// Whether the task has produced its result (or been cancelled).
    fn is_finished(&self) -> bool;
    /// `abort` and `is_finished`, shared with other threads (for
    /// [`crate::task::AbortHandle`]); they keep working once the handle is dropped. Allocates at
    /// most once per task, and only when called: `spawn` pays nothing for it.
    fn abort_handle(&self) -> Arc<dyn RemoteAbort>;
    /// Whether dropping this handle would do nothing: its result was returned, so it let go of
    /// its task, and no `AbortHandle` shares its state. A few loads, inline: the public handle's
    /// `Drop` asks it before dropping anything.
    fn holds_nothing(&mut self) -> bool;
}

/// The panic of a task handle polled again after it returned its result: one message for
/// every backend's handle.
#[cold]
#[track_caller]
pub(crate) fn polled_after_result() -> ! {
    panic!("anyrt: a `JoinHandle` was polled after it returned its result")
}

/// A task's `abort` and `is_finished`, shareable between threads: what an
/// [`AbortHandle`](crate::task::AbortHandle) holds.
pub(crate) trait RemoteAbort: Send + Sync {
    /// Requests cancellation, as [`Task::abort`] does; returns at once.
    fn abort(&self);
    /// Whether the task has produced its result (or been cancelled).
    fn is_finished(&self) -> bool;
}

/// How strongly a backend claims the current thread, for [`current`].
// A single-backend build constructs only its own backend's variants.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Presence {
    /// One of the backend's tasks is being polled on this thread.
    Running,
    /// The backend's context is entered (a tokio runtime's thread, or an `enter` guard).
    Entered,
    /// Nothing of the backend's on this thread.
    Absent,
}

/// The options a program sets on a stream and reads back, as a backend without OS sockets (the
/// simulation) keeps them: they change nothing else, except a zero linger, which makes dropping
/// the stream reset the connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamOptions {
    pub(crate) nodelay: bool,
    pub(crate) ttl: u32,
    pub(crate) linger: Option<std::time::Duration>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            nodelay: false,
            ttl: 64,
            linger: None,
        }
    }
}

/// The options a program sets on a datagram socket and reads back, as a backend without OS
/// sockets (the simulation) keeps them: they change nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DatagramOptions {
    pub(crate) broadcast: bool,
    pub(crate) ttl: u32,
    pub(crate) multicast_loop_v4: bool,
    pub(crate) multicast_ttl_v4: u32,
    pub(crate) multicast_loop_v6: bool,
}

impl Default for DatagramOptions {
    fn default() -> Self {
        DatagramOptions {
            broadcast: false,
            ttl: 64,
            multicast_loop_v4: true,
            multicast_ttl_v4: 1,
            multicast_loop_v6: true,
        }
    }
}

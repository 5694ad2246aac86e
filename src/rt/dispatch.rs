//! The calls the public modules make, each served by the backend [`current`] or [`tasks`]
//! chooses; and the enums that hold a backend's own handle, timer or registered source.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::backend::{Backend, Kind, Wrap, COMPILED_COUNT, DEFAULT};
use super::contract::{Direction, Reactor, ReactorOf, RemoteAbort, Runtime, Source, Task};
use super::coop;
use super::scope::{current, in_async_context, tasks, Scope, ScopeGuard, Tasks};
use super::JoinError;

/// Defines the enums that hold one compiled backend's value: one tuple variant per compiled
/// backend, except [`Timer`], whose variants all exist (see there).
macro_rules! define_dispatch_enums {
    ([] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        /// A compiled backend's half of a [`crate::task::JoinHandle`].
        pub(crate) enum BackendJoinHandle<T> {
            $(
                #[cfg(feature = $feature)]
                $Variant(<super::$module::$Variant as Runtime>::JoinHandle<T>),
            )*
        }

        /// A source registered with a backend's reactor: the backend half of every OS socket
        /// and of `anyrt::io::AsyncFd`.
        pub(crate) enum Io<S: Source> {
            $(
                #[cfg(feature = $feature)]
                $Variant(<ReactorOf<super::$module::$Variant> as Reactor>::Io<S>),
            )*
        }

        /// Each backend's timer type, or [`Absent`] where the backend is not compiled.
        mod timer_of {
            $(
                #[cfg(feature = $feature)]
                pub(crate) type $Variant = <super::ReactorOf<super::super::$module::$Variant> as
                    super::Reactor>::Timer;
                #[cfg(not(feature = $feature))]
                pub(crate) type $Variant = super::Absent;
            )*
        }

        pin_project_lite::pin_project! {
            /// The backend half of a `anyrt::time::Sleep`.
            ///
            /// Pinned, since tokio's timer is `!Unpin`. pin-project-lite cannot keep a `cfg` on
            /// a variant, so every backend has one, holding [`Absent`] where it is not compiled:
            /// such a variant cannot exist, takes no room, and its arms fold away.
            #[project = TimerProj]
            pub(crate) enum Timer {
                $(
                    $Variant { #[pin] timer: timer_of::$Variant },
                )*
            }
        }
    };
}

with_backends!(define_dispatch_enums![]);

/// The payload of a [`Timer`] variant whose backend is not compiled: no value of it exists.
// Unused in a build with every backend.
#[allow(dead_code)]
pub(crate) enum Absent {}

#[allow(dead_code)]
impl Absent {
    fn never(&self) -> ! {
        match *self {}
    }
}

/// Makes a [`Timer`] on the compiled backend `$kind`.
macro_rules! timer_new_arms {
    ([$kind:expr, $deadline:expr] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        match $kind {
            $(
                #[cfg(feature = $feature)]
                Kind::$Variant => Timer::$Variant {
                    timer: ReactorOf::<super::$module::$Variant>::timer($deadline),
                },
            )*
        }
    };
}

/// Matches a [`Timer`] (or its projection `$Enum`): as [`each!`], with the arms of backends not
/// compiled unreachable.
macro_rules! timer_arms {
    ([$value:expr, $Enum:ident, |$rt:ident, $x:pat_param| $body:expr] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        match $value {
            $(
                #[cfg(feature = $feature)]
                $Enum::$Variant { timer: $x } => {
                    #[allow(dead_code)]
                    type $rt = super::$module::$Variant;
                    $body
                }
                #[cfg(not(feature = $feature))]
                $Enum::$Variant { timer } => Absent::never(&timer),
            )*
        }
    };
}

/// A random number below `n` (at least 1): the one place anyrt draws randomness (`select!`'s
/// branch order), so that a deterministic backend can make it seeded.
pub(crate) fn random_below(n: u32) -> u32 {
    on!(current(), |Rt| Rt::random_below(n))
}

/// Whether the backend serving a call made here has a simulated network instead of OS sockets.
#[cfg(feature = "rt-sim")]
#[inline]
pub(crate) fn simulated() -> bool {
    on!(current(), |Rt| ReactorOf::<Rt>::SIMULATED)
}

/// Spawns `future` on the current backend, or custom executor.
///
/// Inline where one backend is compiled (callgrind, tokio `spawn_20k_then_await`: 14 fewer
/// instructions per spawn + await), a call where several are: inlined there, every backend's
/// `spawn` in the caller left async-std's own `Builder::spawn` out of line (23 more).
#[inline]
pub(crate) fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if COMPILED_COUNT == 1 {
        spawn_here(future)
    } else {
        spawn_called(future)
    }
}

#[inline(never)]
fn spawn_called<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_here(future)
}

#[inline]
fn spawn_here<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match tasks() {
        Tasks::Backend(kind) => {
            JoinHandle::Backend(on!(kind, BackendJoinHandle, |Rt| Rt::spawn(future)))
        }
        Tasks::Custom => JoinHandle::Custom(super::custom::spawn(future)),
    }
}

/// Runs `f` on the current backend's blocking pool, or the current custom executor's.
pub(crate) fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let kind = match tasks() {
        Tasks::Backend(kind) => kind,
        Tasks::Custom => return JoinHandle::Custom(super::custom::spawn_blocking(f)),
    };
    JoinHandle::Backend(on!(kind, BackendJoinHandle, |Rt| Rt::spawn_blocking(
        move || {
            let _scope = ScopeGuard::enter(Scope::Blocking(kind));
            f()
        }
    )))
}

/// Runs `f` on the default backend's blocking pool, detached: the pool of a custom executor
/// that has none. The backend's own `spawn_blocking`, not [`spawn_blocking`], which would hand
/// it back to the executor.
pub(crate) fn spawn_blocking_on_default(f: impl FnOnce() + Send + 'static) {
    on!(DEFAULT, |Rt| drop(Rt::spawn_blocking(f)));
}

/// Yields once to the current backend's scheduler, or custom executor's.
pub(crate) async fn yield_now() {
    match tasks() {
        Tasks::Backend(kind) => on!(kind, |Rt| Rt::yield_now().await),
        // The task is woken at once, so the executor queues it again behind what is queued.
        Tasks::Custom => futures_lite::future::yield_now().await,
    }
}

/// Panics if this thread is running async code, where a `block_on` would stall a runtime; the
/// one message of every `block_on`, a custom executor's too.
pub(crate) fn refuse_block_on_in_async_code() {
    if in_async_context() {
        panic!(
            "anyrt: `block_on` was called from async code (inside a task or another `block_on`); \
             `.await` the future instead, or move the blocking call into `spawn_blocking`"
        );
    }
}

/// Runs `future` to completion on `kind`, on this thread.
///
/// # Panics
/// If this thread is already running async code.
pub(crate) fn block_on<F: Future>(kind: Kind, future: F) -> F::Output {
    refuse_block_on_in_async_code();
    let _scope = ScopeGuard::enter(Scope::BlockOn(kind));
    // Polled like a task, with a budget per poll, on every backend.
    let future = coop::Budgeted::new(future);
    on!(kind, |Rt| Rt::block_on(future))
}

/// Runs `future` to completion for a `blocking_*` method, on a thread allowed to block.
pub(crate) fn wait<F: Future>(future: F) -> F::Output {
    on!(current(), |Rt| Rt::wait(future))
}

/// The backend half of a [`crate::task::JoinHandle`]: a compiled backend's handle, or a custom
/// executor's.
pub(crate) enum JoinHandle<T> {
    Backend(BackendJoinHandle<T>),
    Custom(super::custom::JoinHandle<T>),
}

impl<T> JoinHandle<T> {
    #[inline(always)]
    pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match self {
            JoinHandle::Backend(handle) => {
                each!(handle, BackendJoinHandle, |_Rt, handle| handle
                    .poll_join(cx))
            }
            JoinHandle::Custom(handle) => handle.poll_join(cx),
        }
    }

    pub(crate) fn abort(&self) {
        match self {
            JoinHandle::Backend(handle) => {
                each!(handle, BackendJoinHandle, |_Rt, handle| handle.abort())
            }
            JoinHandle::Custom(handle) => handle.abort(),
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        match self {
            JoinHandle::Backend(handle) => {
                each!(handle, BackendJoinHandle, |_Rt, handle| handle
                    .is_finished())
            }
            JoinHandle::Custom(handle) => handle.is_finished(),
        }
    }

    pub(crate) fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        match self {
            JoinHandle::Backend(handle) => {
                each!(handle, BackendJoinHandle, |_Rt, handle| handle
                    .abort_handle())
            }
            JoinHandle::Custom(handle) => handle.abort_handle(),
        }
    }

    #[inline]
    pub(crate) fn holds_nothing(&mut self) -> bool {
        match self {
            JoinHandle::Backend(handle) => {
                each!(handle, BackendJoinHandle, |_Rt, handle| handle
                    .holds_nothing())
            }
            JoinHandle::Custom(handle) => handle.holds_nothing(),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            JoinHandle::Backend(handle) => {
                each!(handle, BackendJoinHandle, |Rt, _handle| Rt::KIND.backend())
            }
            JoinHandle::Custom(_) => Backend::Custom,
        }
    }
}

/// The clock of the current backend.
#[inline]
pub(crate) fn now() -> Instant {
    on!(current(), |Rt| ReactorOf::<Rt>::now())
}

impl Timer {
    /// A timer on the current backend; `deadline` must be in the future.
    pub(crate) fn new(deadline: Instant) -> Timer {
        with_backends!(timer_new_arms![current(), deadline])
    }

    pub(crate) fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        with_backends!(timer_arms![self.project(), TimerProj, |Rt, timer| {
            ReactorOf::<Rt>::poll_timer(timer, cx)
        }])
    }

    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        with_backends!(timer_arms![self.project(), TimerProj, |Rt, timer| {
            ReactorOf::<Rt>::reset_timer(timer, deadline)
        }])
    }

    /// The clock of the backend this timer belongs to.
    pub(crate) fn now(&self) -> Instant {
        with_backends!(timer_arms![self, Timer, |Rt, _timer| ReactorOf::<Rt>::now()])
    }
}

impl<S: Source> Io<S> {
    /// Registers `source` with the current backend's reactor.
    pub(crate) fn new(source: S) -> io::Result<Io<S>> {
        Ok(on!(current(), Io, |Rt| ReactorOf::<Rt>::register(source)?))
    }

    pub(crate) fn get_ref(&self) -> &S {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::get_ref(io))
    }

    pub(crate) fn into_inner(self) -> io::Result<S> {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::into_inner(io))
    }

    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::poll_ready(
            io, direction, cx
        ))
    }

    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<()> {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::ready(io, direction)
            .await)
    }

    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::try_io(
            io, direction, op
        ))
    }

    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::poll_io(
            io, direction, cx, op
        ))
    }

    /// Runs `op` until it does not block, waiting for readiness in `direction` in between.
    /// Any number of tasks may wait at once. Cancel-safe: `op` either ran to a result that is
    /// returned, or its effect (a datagram, a connection) stays queued for the next call.
    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        op: impl FnMut(&S) -> io::Result<R> + Send,
    ) -> io::Result<R> {
        each!(self, Io, |Rt, io| ReactorOf::<Rt>::io(io, direction, op)
            .await)
    }

    pub(crate) fn backend(&self) -> Backend {
        each!(self, Io, |Rt, _io| Rt::KIND.backend())
    }
}

impl<S: Source + fmt::Debug> fmt::Debug for Io<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Io")
            .field("source", self.get_ref())
            .field("backend", &self.backend())
            .finish()
    }
}

impl Backend {
    /// The backend that serves a call made here: the runtime running the current task
    /// ([`Backend::Custom`] in a task of a [custom executor](crate::custom)), or outside any
    /// runtime the first compiled backend in the order tokio, async-std, smol.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::Backend;
    ///
    /// for backend in Backend::compiled() {
    ///     assert_eq!(backend.block_on(async { Backend::current() }), *backend);
    /// }
    /// ```
    pub fn current() -> Backend {
        match tasks() {
            Tasks::Backend(kind) => kind.backend(),
            Tasks::Custom => Backend::Custom,
        }
    }

    /// Runs `future` to completion on this backend, blocking the current thread.
    ///
    /// Tasks spawned from `future` run on this backend. Like [`crate::block_on`], this returns as
    /// soon as `future` completes, without waiting for spawned tasks.
    ///
    /// [`Backend::Custom`] needs its executor: it runs `future` on the custom executor serving
    /// this thread (from a blocking closure run for one); elsewhere use
    /// [`custom::Runtime::block_on`](crate::custom::Runtime::block_on).
    ///
    /// # Panics
    ///
    /// If the backend is not compiled in, if it is [`Backend::Custom`] and no custom executor
    /// serves this thread, or if called from async code (see [`crate::block_on`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::Backend;
    ///
    /// let backend = Backend::compiled()[0];
    /// let served_by = backend.block_on(async {
    ///     anyrt::spawn(async { Backend::current() }).await.unwrap()
    /// });
    /// assert_eq!(served_by, backend);
    /// ```
    pub fn block_on<F: Future>(self, future: F) -> F::Output {
        match Kind::from_backend(self) {
            Some(kind) => block_on(kind, future),
            None if self == Backend::Custom => super::custom::block_on_current(future),
            None => panic!(
                "anyrt: the {} backend is not compiled in; enable anyrt's `{}` feature",
                self.name(),
                self.feature()
            ),
        }
    }
}

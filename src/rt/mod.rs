//! Backend selection: the only module that names the `rt-*` features.
//!
//! Every backend lives in one file (`rt/<name>.rs`) and implements [`Runtime`], the contract the rest
//! of the crate is written against. The public modules never name a backend; they call the
//! functions and enums of this module, which decide which backend serves a call:
//!
//! 1. inside a task of a custom executor (`anyrt::custom`), a closure run by `spawn_blocking`
//!    or a `block_on`, the executor or backend that runs it (the innermost, when they nest);
//! 2. else a backend that is polling the current task (an async-std task);
//! 3. else a backend whose context is entered on this thread (a tokio runtime);
//! 4. else the first compiled backend of [`with_backends!`]'s list.
//!
//! A custom executor (`custom.rs`) is not a backend of that list: it runs tasks only. Its tasks'
//! timers and sockets are the default backend's (the first compiled), so [`current`], which
//! picks the backend for those, answers the default inside them; the task calls (`spawn`,
//! `spawn_blocking`, `yield_now`) and [`Backend::current`] ask [`tasks`] instead.
//!
//! The contract has two halves. [`Runtime`] is the task half (spawn, blocking pool, `block_on`,
//! yield, presence); its associated [`Reactor`] is the time and I/O half (timers, and readiness
//! of registered sockets). Backends that share a reactor share its implementation: async-std and
//! smol both name `async_io::AsyncIo`, written once as plain code.
//!
//! The I/O half is readiness over a *source*: anyrt registers a socket (`S`, a std socket type
//! or a user's descriptor) with the reactor, waits for it to become readable or writable, and
//! runs the system call on `&S` itself. Every socket type of `net` is written once on top of
//! that, so the backends agree on error kinds, truncation and FIN by construction. A backend with
//! no OS sockets (the planned simulation) implements [`Reactor`] for its own in-memory sources:
//! its `Io<S>` answers readiness from the simulated network, and registering an OS descriptor
//! (`AsyncFd`, `from_std`) is where it returns an `Unsupported` `io::Error`.
//!
//! With a single backend compiled, [`Kind`] has one variant: every `match` below folds away and
//! calls go straight to the backend.
//!
//! Adding a backend means writing its file, adding one line to [`with_backends!`] (which
//! generates its variant of the public [`Backend`] enum, of [`Kind`] and of every dispatch enum)
//! and declaring its cargo feature.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::task::JoinError;

/// Hands the list of backends to `$callback`: cargo feature, module, variant of [`Backend`], crate
/// name, and the name of the exported macro that keeps its input only when that backend is compiled (used by
/// `#[anyrt::test]`, which cannot see anyrt's features itself). The order is the order of
/// preference outside any runtime.
macro_rules! with_backends {
    ($callback:ident! [$($args:tt)*]) => {
        $callback! {
            [$($args)*]
            "rt-tokio" tokio Tokio "tokio" __anyrt_if_tokio,
            "rt-async-std" async_std AsyncStd "async-std" __anyrt_if_async_std,
            "rt-smol" smol Smol "smol" __anyrt_if_smol,
            "rt-sim" sim Sim "sim" __anyrt_if_sim,
        }
    };
}

// The reactor shared by the async-io backends, and the task supervision of those that need it.
#[cfg(any(feature = "rt-async-std", feature = "rt-smol"))]
mod async_io;
pub(crate) mod coop;
pub(crate) mod supervised;
// The simulation's world, named by the socket types of `net` in every build.
#[cfg_attr(not(feature = "rt-sim"), allow(dead_code))]
pub(crate) mod simulation;

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
type ReactorOf<R> = <R as Runtime>::Reactor;

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

/// What ties a backend's own types to the enums of this module; implemented for every backend
/// by `define_backends!`, so backend files never name another backend's variant.
trait Wrap: Runtime {
    /// This backend.
    const KIND: Kind;
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

macro_rules! define_backends {
    ([$d:tt] $($feature:literal $module:ident $Variant:ident $name:literal $gate:ident,)*) => {
        #[cfg(not(any($(feature = $feature),*)))]
        compile_error!(concat!(
            "anyrt: no runtime backend is enabled. Enable one of anyrt's features:",
            $(" `", $feature, "`",)*
            " (`rt-tokio` is the default). Library authors: depend on anyrt with \
             `default-features = false` and forward these features from your own crate's \
             features, so the application picks the backend."
        ));

        $(
            #[cfg(feature = $feature)]
            pub(crate) mod $module;
        )*

        /// One of the async runtimes anyrt can run on.
        ///
        /// Every backend exists as a variant, whichever features are enabled, so that code naming
        /// one compiles in every build; [`Backend::is_compiled`] tells whether it can run anything.
        ///
        /// # Examples
        ///
        /// ```
        /// use anyrt::Backend;
        ///
        /// // Run the same future on every backend this build has.
        /// for backend in Backend::compiled() {
        ///     let answer = backend.block_on(async { 6 * 7 });
        ///     assert_eq!(answer, 42);
        /// }
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Backend {
            $(
                #[doc = concat!("[", $name, "](https://docs.rs/", $name, "), feature `", $feature, "`.")]
                $Variant,
            )*
            /// An executor of the application's, run through
            /// [`custom::Runtime`](crate::custom::Runtime). Every build has it; it is not in
            /// [`Backend::all`] or [`Backend::compiled`], which list the backends the cargo
            /// features choose from.
            Custom,
        }

        impl Backend {
            /// Every backend anyrt knows, compiled in or not, in order of preference; not
            /// [`Backend::Custom`], which no feature selects.
            ///
            /// # Examples
            ///
            /// ```
            /// use anyrt::Backend;
            ///
            /// let compiled: Vec<_> = Backend::all().iter().filter(|b| b.is_compiled()).collect();
            /// assert_eq!(compiled.len(), Backend::compiled().len());
            /// ```
            pub const fn all() -> &'static [Backend] {
                &[$(Backend::$Variant),*]
            }

            /// The backend's name, as in its crate name: `"tokio"`, `"async-std"`, `"smol"`; and
            /// `"custom"` for [`Backend::Custom`].
            ///
            /// # Examples
            ///
            /// ```
            /// assert_eq!(anyrt::Backend::AsyncStd.name(), "async-std");
            /// ```
            pub const fn name(self) -> &'static str {
                match self {
                    $(Backend::$Variant => $name,)*
                    Backend::Custom => "custom",
                }
            }

            /// The cargo feature of anyrt that compiles this backend in; empty for
            /// [`Backend::Custom`], which needs none.
            ///
            /// # Examples
            ///
            /// ```
            /// assert_eq!(anyrt::Backend::Smol.feature(), "rt-smol");
            /// assert_eq!(anyrt::Backend::Custom.feature(), "");
            /// ```
            pub const fn feature(self) -> &'static str {
                match self {
                    $(Backend::$Variant => $feature,)*
                    Backend::Custom => "",
                }
            }
        }

        /// A compiled backend. Unlike the public [`Backend`], it has only the variants that exist
        /// in this build, so a single-backend build matches on a one-variant enum.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Kind {
            $(
                #[cfg(feature = $feature)]
                $Variant,
            )*
        }

        impl Kind {
            /// The public name of this backend.
            pub(crate) const fn backend(self) -> Backend {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Kind::$Variant => Backend::$Variant,
                    )*
                }
            }

            /// The compiled backend behind `backend`, if it is compiled.
            pub(crate) const fn from_backend(backend: Backend) -> Option<Kind> {
                #[allow(unreachable_patterns)]
                match backend {
                    $(
                        #[cfg(feature = $feature)]
                        Backend::$Variant => Some(Kind::$Variant),
                    )*
                    _ => None,
                }
            }
        }

        const COMPILED_COUNT: usize = 0 $(+ cfg!(feature = $feature) as usize)*;

        /// Backends in order of preference, with `None` for those not compiled.
        const KNOWN: &[Option<Kind>] = &[
            $(
                {
                    #[cfg(feature = $feature)]
                    let kind = Some(Kind::$Variant);
                    #[cfg(not(feature = $feature))]
                    let kind = None;
                    kind
                },
            )*
        ];

        /// Finds the backend that should serve a call made on this thread now.
        fn detect() -> Kind {
            let mut entered = None;
            $(
                #[cfg(feature = $feature)]
                match <$module::$Variant as Runtime>::presence() {
                    Presence::Running => return Kind::$Variant,
                    Presence::Entered if entered.is_none() => entered = Some(Kind::$Variant),
                    Presence::Entered | Presence::Absent => {}
                }
            )*
            entered.unwrap_or(DEFAULT)
        }

        /// Whether any backend is polling async code on this thread.
        fn any_backend_polls_async_code() -> bool {
            false $(|| {
                #[cfg(feature = $feature)]
                let polls = <$module::$Variant as Runtime>::polls_async_code();
                #[cfg(not(feature = $feature))]
                let polls = false;
                polls
            })*
        }

        /// A compiled backend's half of a [`crate::task::JoinHandle`].
        pub(crate) enum BackendJoinHandle<T> {
            $(
                #[cfg(feature = $feature)]
                $Variant(<$module::$Variant as Runtime>::JoinHandle<T>),
            )*
        }

        /// The backend half of a [`crate::time::Sleep`].
        // pin-project (not -lite) because only it keeps `cfg` on enum variants.
        #[pin_project::pin_project(project = TimerProj)]
        pub(crate) enum Timer {
            $(
                #[cfg(feature = $feature)]
                $Variant(#[pin] <ReactorOf<$module::$Variant> as Reactor>::Timer),
            )*
        }

        /// A source registered with a backend's reactor: the backend half of every socket and
        /// of [`crate::io::AsyncFd`].
        pub(crate) enum Io<S: Source> {
            $(
                #[cfg(feature = $feature)]
                $Variant(<ReactorOf<$module::$Variant> as Reactor>::Io<S>),
            )*
        }

        $(
            #[cfg(feature = $feature)]
            impl Wrap for $module::$Variant {
                const KIND: Kind = Kind::$Variant;
            }
        )*

        /// Matches a backend enum `$value` of type `$Enum`: in `$body`, `$x` is the backend's
        /// own value and `$rt` names the backend's [`Runtime`].
        macro_rules! each {
            ($d value:expr, $d Enum:ident, |$d rt:ident, $d x:pat_param| $d body:expr) => {
                match $d value {
                    $(
                        #[cfg(feature = $feature)]
                        $d Enum::$Variant($d x) => {
                            #[allow(dead_code)]
                            type $d rt = $module::$Variant;
                            $d body
                        }
                    )*
                }
            };
        }

        /// Runs `$body` on the backend `$kind`, with `$rt` naming its [`Runtime`]; with `$Enum`,
        /// wraps the result in that backend enum.
        macro_rules! on {
            ($d kind:expr, |$d rt:ident| $d body:expr) => {
                match $d kind {
                    $(
                        #[cfg(feature = $feature)]
                        Kind::$Variant => {
                            type $d rt = $module::$Variant;
                            $d body
                        }
                    )*
                }
            };
            ($d kind:expr, $d Enum:ident, |$d rt:ident| $d body:expr) => {
                match $d kind {
                    $(
                        #[cfg(feature = $feature)]
                        Kind::$Variant => {
                            type $d rt = $module::$Variant;
                            $d Enum::$Variant($d body)
                        }
                    )*
                }
            };
        }

        $(
            #[cfg(feature = $feature)]
            #[doc(hidden)]
            #[macro_export]
            macro_rules! $gate {
                ($d($d item:tt)*) => { $d($d item)* };
            }

            #[cfg(not(feature = $feature))]
            #[doc(hidden)]
            #[macro_export]
            macro_rules! $gate {
                ($d($d item:tt)*) => {};
            }
        )*

        /// Expands one `#[test]` function per compiled backend not in the leading list of
        /// excluded backends; the body of `#[anyrt::test]`.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_test_each_backend {
            ([$d($d excluded:ident)*] $d($d input:tt)*) => {
                $d($crate::__anyrt_known_backend!($d excluded);)*
                $(
                    $crate::$gate! {
                        $crate::__anyrt_unless_excluded! {
                            $module [$d($d excluded)*]
                            $crate::__anyrt_test_on_backend! { $module $Variant $d($d input)* }
                        }
                    }
                )*
            };
        }

        /// The first block if `$a` and `$b` are the same backend's module, else the second.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_if_same {
            $(
                ($module $module {$d($d same:tt)*} {$d($d other:tt)*}) => { $d($d same)* };
            )*
            ($d a:ident $d b:ident {$d($d same:tt)*} {$d($d other:tt)*}) => { $d($d other)* };
        }

        /// Nothing for a backend's module name; a compile error naming the backends otherwise.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_known_backend {
            $(($module) => {};)*
            ($d other:ident) => {
                compile_error!(concat!(
                    "anyrt: `except` names a backend anyrt does not have: `",
                    stringify!($d other),
                    "`; the backends are:",
                    $(" `", stringify!($module), "`",)*
                ));
            };
        }
    };
}

with_backends!(define_backends![$]);

/// `$items`, unless `$module` is in the list.
#[doc(hidden)]
#[macro_export]
macro_rules! __anyrt_unless_excluded {
    ($module:ident [] $($items:tt)*) => { $($items)* };
    ($module:ident [$first:ident $($rest:ident)*] $($items:tt)*) => {
        $crate::__anyrt_if_same! { $module $first
            {}
            { $crate::__anyrt_unless_excluded! { $module [$($rest)*] $($items)* } }
        }
    };
}

// Executors of the application's (`anyrt::custom`), in every build; after the macros above,
// which it uses.
pub(crate) mod custom;

/// One `#[test]` function that runs the async test function `$name` on one backend.
#[doc(hidden)]
#[macro_export]
macro_rules! __anyrt_test_on_backend {
    ($module:ident $Variant:ident [$(#[$attr:meta])*] $name:ident -> $ret:ty) => {
        #[test]
        $(#[$attr])*
        fn $module() -> $ret {
            $crate::Backend::$Variant.block_on(super::$name())
        }
    };
}

/// The backend that serves calls made outside any runtime: the first compiled one.
const DEFAULT: Kind = {
    let mut i = 0;
    loop {
        if let Some(kind) = KNOWN[i] {
            break kind;
        }
        i += 1;
    }
};

/// The compiled backends, in order of preference.
static COMPILED: [Backend; COMPILED_COUNT] = {
    let mut out = [DEFAULT.backend(); COMPILED_COUNT];
    let (mut i, mut j) = (0, 0);
    while i < KNOWN.len() {
        if let Some(kind) = KNOWN[i] {
            out[j] = kind.backend();
            j += 1;
        }
        i += 1;
    }
    out
};

/// What anyrt itself is running on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Nothing of anyrt's.
    None,
    /// The future of `block_on` on this backend.
    BlockOn(Kind),
    /// A closure of `spawn_blocking` on this backend.
    Blocking(Kind),
    /// A task of a custom executor, or the future of its `block_on` (which executor:
    /// `custom.rs` keeps it beside).
    Custom,
    /// A closure of `spawn_blocking` run for a custom executor.
    CustomBlocking,
}

thread_local! {
    static SCOPE: Cell<Scope> = const { Cell::new(Scope::None) };
}

/// Sets [`SCOPE`] until dropped, then restores the previous one (also when unwinding).
struct ScopeGuard(Scope);

impl ScopeGuard {
    fn enter(scope: Scope) -> ScopeGuard {
        ScopeGuard(SCOPE.with(|s| s.replace(scope)))
    }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(self.0));
    }
}

/// The compiled backend that serves a call made on this thread now; under a custom executor,
/// the one whose timers and sockets its tasks use (the default).
#[inline]
pub(crate) fn current() -> Kind {
    if COMPILED_COUNT == 1 {
        return DEFAULT;
    }
    match SCOPE.with(Cell::get) {
        Scope::BlockOn(kind) | Scope::Blocking(kind) => kind,
        Scope::Custom | Scope::CustomBlocking => DEFAULT,
        Scope::None => detect(),
    }
}

/// Who runs the tasks spawned on this thread now.
enum Tasks {
    Backend(Kind),
    /// The custom executor of the innermost custom scope (`custom.rs` knows which).
    Custom,
}

/// Who runs the tasks spawned here: a custom executor when one of its tasks, its `block_on`
/// future or a blocking closure run for it is the innermost thing anyrt runs on this thread,
/// else [`current`]. One read of a thread-local, also in single-backend builds: what custom
/// executors cost `spawn` (callgrind, `spawn_10k` per spawn + await + drop: -4 instructions on
/// tokio, +2 on smol, +4 on async-std, +13 with every backend compiled, of 1,050-1,800).
#[inline]
fn tasks() -> Tasks {
    match SCOPE.with(Cell::get) {
        Scope::Custom | Scope::CustomBlocking => Tasks::Custom,
        _ if COMPILED_COUNT == 1 => Tasks::Backend(DEFAULT),
        Scope::BlockOn(kind) | Scope::Blocking(kind) => Tasks::Backend(kind),
        Scope::None => Tasks::Backend(detect()),
    }
}

/// Whether a custom executor serves the task calls made on this thread now.
fn in_custom_scope() -> bool {
    matches!(tasks(), Tasks::Custom)
}

/// A random number below `n` (at least 1): the one place anyrt draws randomness (`select!`'s
/// branch order), so that a deterministic backend can make it seeded.
pub(crate) fn random_below(n: u32) -> u32 {
    on!(current(), |Rt| Rt::random_below(n))
}

/// Whether the backend serving a call made here has a simulated network instead of OS sockets.
#[inline]
pub(crate) fn simulated() -> bool {
    on!(current(), |Rt| ReactorOf::<Rt>::SIMULATED)
}

/// Whether this thread is running async code (a task, or the future of a `block_on`), where
/// blocking the thread would stall a runtime. Blocking closures (anyrt's or a backend's own) and
/// plain threads with a runtime entered are not async code.
pub(crate) fn in_async_context() -> bool {
    match SCOPE.with(Cell::get) {
        Scope::BlockOn(_) | Scope::Custom => true,
        Scope::Blocking(_) | Scope::CustomBlocking => false,
        Scope::None => any_backend_polls_async_code(),
    }
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
        Tasks::Custom => JoinHandle::Custom(custom::spawn(future)),
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
        Tasks::Custom => return JoinHandle::Custom(custom::spawn_blocking(f)),
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
fn spawn_blocking_on_default(f: impl FnOnce() + Send + 'static) {
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
fn refuse_block_on_in_async_code() {
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
    Custom(custom::JoinHandle<T>),
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
        on!(current(), Timer, |Rt| ReactorOf::<Rt>::timer(deadline))
    }

    pub(crate) fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        each!(self.project(), TimerProj, |Rt, timer| {
            ReactorOf::<Rt>::poll_timer(timer, cx)
        })
    }

    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        each!(self.project(), TimerProj, |Rt, timer| {
            ReactorOf::<Rt>::reset_timer(timer, deadline)
        })
    }

    /// The clock of the backend this timer belongs to.
    pub(crate) fn now(&self) -> Instant {
        each!(self, Timer, |Rt, _timer| ReactorOf::<Rt>::now())
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

    /// The backends compiled into this build, in order of preference; not [`Backend::Custom`],
    /// which every build has.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!anyrt::Backend::compiled().is_empty());
    /// ```
    pub fn compiled() -> &'static [Backend] {
        &COMPILED
    }

    /// Whether this backend is compiled into this build; [`Backend::Custom`] always is.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::Backend;
    ///
    /// assert!(Backend::compiled().iter().all(|b| b.is_compiled()));
    /// assert!(Backend::Custom.is_compiled());
    /// ```
    pub const fn is_compiled(self) -> bool {
        matches!(self, Backend::Custom) || Kind::from_backend(self).is_some()
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
            None if self == Backend::Custom => custom::block_on_current(future),
            None => panic!(
                "anyrt: the {} backend is not compiled in; enable anyrt's `{}` feature",
                self.name(),
                self.feature()
            ),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

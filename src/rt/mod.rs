//! Backend selection: the only module that names the `rt-*` features.
//!
//! Every backend lives in one file (`rt/<name>.rs`) and implements [`Runtime`], the contract the rest
//! of the crate is written against. The public modules never name a backend; they call the
//! functions and enums of this module, which decide which backend serves a call:
//!
//! 1. inside a closure run by `spawn_blocking` or inside `block_on`, the backend that runs it;
//! 2. else a backend that is polling the current task (an async-std task);
//! 3. else a backend whose context is entered on this thread (a tokio runtime);
//! 4. else the first compiled backend of [`with_backends!`]'s list.
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
use std::net::SocketAddr;
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
        }
    };
}

// Helpers shared by backends, declared before them so their macros are in scope.
#[cfg(any(feature = "rt-async-std", feature = "rt-smol"))]
#[macro_use]
mod async_io;
pub(crate) mod coop;
pub(crate) mod supervised;

/// The contract every backend implements, in the order its file lists the items.
///
/// Everything a backend does differently from the others is normalised here or in the backend's
/// file, never in the public modules: handles return [`JoinError`] instead of unwinding, a dropped
/// handle detaches, timers and sockets work from threads outside the backend's runtime.
pub(crate) trait Runtime {
    /// The handle of a spawned task or blocking closure.
    type JoinHandle<T>: Unpin;
    /// A one-shot timer, created for a deadline that is still in the future.
    type Timer;
    /// A listening socket registered with the backend's reactor.
    type TcpListener: Unpin;
    /// A connected socket registered with the backend's reactor.
    type TcpStream: Unpin;

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
    /// Polls a handle for the task's result.
    fn poll_join<T>(
        handle: &mut Self::JoinHandle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>>;
    /// Requests cancellation; returns at once.
    fn abort<T>(handle: &Self::JoinHandle<T>);
    /// Whether the task has produced its result (or been cancelled).
    fn is_finished<T>(handle: &Self::JoinHandle<T>) -> bool;
    /// The handle's `abort` and `is_finished`, shared with other threads (for
    /// [`crate::task::AbortHandle`]); they keep working once the handle is dropped. Allocates at
    /// most once per task, and only when called: `spawn` pays nothing for it.
    fn abort_handle<T>(handle: &Self::JoinHandle<T>) -> Arc<dyn RemoteAbort>;
    /// Yields once to the backend's scheduler.
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// Runs `future` to completion on the current thread.
    fn block_on<F: Future>(future: F) -> F::Output;

    /// The backend's clock: what its timers compare their deadlines with. The real clock, except
    /// under tokio's paused test clock.
    fn now() -> Instant;
    /// A timer firing at `deadline` or later by [`Runtime::now`], never earlier.
    fn timer(deadline: Instant) -> Self::Timer;
    /// Polls a timer.
    fn poll_timer(timer: Pin<&mut Self::Timer>, cx: &mut Context<'_>) -> Poll<()>;
    /// Moves a timer's deadline.
    fn reset_timer(timer: Pin<&mut Self::Timer>, deadline: Instant);

    /// Registers a bound, listening, non-blocking socket.
    fn listener_from_std(listener: std::net::TcpListener) -> io::Result<Self::TcpListener>;
    /// Accepts one connection; cancel-safe.
    fn poll_accept(
        listener: &Self::TcpListener,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::TcpStream, SocketAddr)>>;
    /// Opens a connection to one address.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send;
    /// Registers a connected socket.
    fn stream_from_std(stream: std::net::TcpStream) -> io::Result<Self::TcpStream>;
    /// Reads into `buf`.
    fn poll_read(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;
    /// Writes from `buf`.
    fn poll_write(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;
    /// Writes from several buffers.
    fn poll_write_vectored(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    /// Flushes buffered output (sockets have none; kept for the contract's completeness).
    fn poll_flush(stream: &mut Self::TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Shuts down the write half, sending FIN.
    fn poll_shutdown(stream: &mut Self::TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A task's `abort` and `is_finished`, shareable between threads: what an
/// [`AbortHandle`](crate::task::AbortHandle) holds.
pub(crate) trait RemoteAbort: Send + Sync {
    /// Requests cancellation, as [`Runtime::abort`] does; returns at once.
    fn abort(&self);
    /// Whether the task has produced its result (or been cancelled).
    fn is_finished(&self) -> bool;
}

/// What ties a backend's own types to the enums of this module; implemented for every backend
/// by `define_backends!`, so backend files never name another backend's variant.
trait Wrap: Runtime {
    /// This backend.
    const KIND: Kind;
    /// Wraps a listener of this backend.
    fn wrap_listener(listener: Self::TcpListener) -> TcpListener;
    /// Wraps a stream of this backend.
    fn wrap_stream(stream: Self::TcpStream) -> TcpStream;
    /// This backend's stream inside `stream`, if it holds one.
    // Only the tokio backend's trait impls need it.
    #[allow(dead_code)]
    fn stream_mut(stream: &mut TcpStream) -> Option<&mut Self::TcpStream>;
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
            mod $module;
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
        }

        impl Backend {
            /// Every backend anyrt knows, compiled in or not, in order of preference.
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

            /// The backend's name, as in its crate name: `"tokio"`, `"async-std"`, `"smol"`.
            ///
            /// # Examples
            ///
            /// ```
            /// assert_eq!(anyrt::Backend::AsyncStd.name(), "async-std");
            /// ```
            pub const fn name(self) -> &'static str {
                match self {
                    $(Backend::$Variant => $name,)*
                }
            }

            /// The cargo feature of anyrt that compiles this backend in.
            ///
            /// # Examples
            ///
            /// ```
            /// assert_eq!(anyrt::Backend::Smol.feature(), "rt-smol");
            /// ```
            pub const fn feature(self) -> &'static str {
                match self {
                    $(Backend::$Variant => $feature,)*
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

        /// The backend half of a [`crate::task::JoinHandle`].
        pub(crate) enum JoinHandle<T> {
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
                $Variant(#[pin] <$module::$Variant as Runtime>::Timer),
            )*
        }

        /// The backend half of a [`crate::net::TcpListener`].
        pub(crate) enum TcpListener {
            $(
                #[cfg(feature = $feature)]
                $Variant(<$module::$Variant as Runtime>::TcpListener),
            )*
        }

        /// The backend half of a [`crate::net::TcpStream`].
        pub(crate) enum TcpStream {
            $(
                #[cfg(feature = $feature)]
                $Variant(<$module::$Variant as Runtime>::TcpStream),
            )*
        }

        $(
            #[cfg(feature = $feature)]
            impl Wrap for $module::$Variant {
                const KIND: Kind = Kind::$Variant;

                fn wrap_listener(listener: Self::TcpListener) -> TcpListener {
                    TcpListener::$Variant(listener)
                }

                fn wrap_stream(stream: Self::TcpStream) -> TcpStream {
                    TcpStream::$Variant(stream)
                }

                fn stream_mut(stream: &mut TcpStream) -> Option<&mut Self::TcpStream> {
                    // Irrefutable in a single-backend build.
                    #[allow(unreachable_patterns)]
                    match stream {
                        TcpStream::$Variant(stream) => Some(stream),
                        _ => None,
                    }
                }
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

        /// Expands one `#[test]` function per compiled backend; the body of `#[anyrt::test]`.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_test_each_backend {
            ($d($d input:tt)*) => {
                $(
                    $crate::$gate! {
                        $crate::__anyrt_test_on_backend! { $module $Variant $d($d input)* }
                    }
                )*
            };
        }
    };
}

with_backends!(define_backends![$]);

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

/// The backend that serves a call made on this thread now.
#[inline]
pub(crate) fn current() -> Kind {
    if COMPILED_COUNT == 1 {
        return DEFAULT;
    }
    match SCOPE.with(Cell::get) {
        Scope::BlockOn(kind) | Scope::Blocking(kind) => kind,
        Scope::None => detect(),
    }
}

/// A random number below `n` (at least 1): the one place anyrt draws randomness (`select!`'s
/// branch order), so that a deterministic backend can make it seeded.
pub(crate) fn random_below(n: u32) -> u32 {
    fastrand::u32(..n)
}

/// Whether this thread is running async code (a task, or the future of a `block_on`), where
/// blocking the thread would stall a runtime. Blocking closures (anyrt's or a backend's own) and
/// plain threads with a runtime entered are not async code.
pub(crate) fn in_async_context() -> bool {
    match SCOPE.with(Cell::get) {
        Scope::BlockOn(_) => true,
        Scope::Blocking(_) => false,
        Scope::None => any_backend_polls_async_code(),
    }
}

/// Spawns `future` on the current backend.
pub(crate) fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    on!(current(), JoinHandle, |Rt| Rt::spawn(future))
}

/// Runs `f` on the current backend's blocking pool.
pub(crate) fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let kind = current();
    on!(kind, JoinHandle, |Rt| Rt::spawn_blocking(move || {
        let _scope = ScopeGuard::enter(Scope::Blocking(kind));
        f()
    }))
}

/// Yields once to the current backend's scheduler.
pub(crate) async fn yield_now() {
    on!(current(), |Rt| Rt::yield_now().await)
}

/// Runs `future` to completion on `kind`, on this thread.
///
/// # Panics
/// If this thread is already running async code.
pub(crate) fn block_on<F: Future>(kind: Kind, future: F) -> F::Output {
    if in_async_context() {
        panic!(
            "anyrt: `block_on` was called from async code (inside a task or another `block_on`); \
             `.await` the future instead, or move the blocking call into `spawn_blocking`"
        );
    }
    let _scope = ScopeGuard::enter(Scope::BlockOn(kind));
    on!(kind, |Rt| Rt::block_on(future))
}

impl<T> JoinHandle<T> {
    pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        each!(self, JoinHandle, |Rt, handle| Rt::poll_join(handle, cx))
    }

    pub(crate) fn abort(&self) {
        each!(self, JoinHandle, |Rt, handle| Rt::abort(handle))
    }

    pub(crate) fn is_finished(&self) -> bool {
        each!(self, JoinHandle, |Rt, handle| Rt::is_finished(handle))
    }

    pub(crate) fn abort_handle(&self) -> Arc<dyn RemoteAbort> {
        each!(self, JoinHandle, |Rt, handle| Rt::abort_handle(handle))
    }

    pub(crate) fn backend(&self) -> Backend {
        each!(self, JoinHandle, |Rt, _handle| Rt::KIND.backend())
    }
}

/// The clock of the current backend.
#[inline]
pub(crate) fn now() -> Instant {
    on!(current(), |Rt| Rt::now())
}

impl Timer {
    /// A timer on the current backend; `deadline` must be in the future.
    pub(crate) fn new(deadline: Instant) -> Timer {
        on!(current(), Timer, |Rt| Rt::timer(deadline))
    }

    pub(crate) fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        each!(self.project(), TimerProj, |Rt, timer| Rt::poll_timer(
            timer, cx
        ))
    }

    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        each!(self.project(), TimerProj, |Rt, timer| Rt::reset_timer(
            timer, deadline
        ))
    }

    /// The clock of the backend this timer belongs to.
    pub(crate) fn now(&self) -> Instant {
        each!(self, Timer, |Rt, _timer| Rt::now())
    }
}

impl TcpListener {
    /// Registers `listener` with the current backend.
    pub(crate) fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        on!(current(), |Rt| Rt::listener_from_std(listener)
            .map(Rt::wrap_listener))
    }

    pub(crate) fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        each!(self, TcpListener, |Rt, listener| Rt::poll_accept(
            listener, cx
        )
        .map_ok(|(stream, addr)| (Rt::wrap_stream(stream), addr)))
    }

    pub(crate) fn socket(&self) -> socket2::SockRef<'_> {
        each!(self, TcpListener, |Rt, listener| socket2::SockRef::from(
            listener
        ))
    }

    pub(crate) fn backend(&self) -> Backend {
        each!(self, TcpListener, |Rt, _listener| Rt::KIND.backend())
    }
}

impl TcpStream {
    /// Connects to `addr` with the current backend.
    pub(crate) async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        on!(current(), |Rt| Rt::connect(addr).await.map(Rt::wrap_stream))
    }

    /// Registers `stream` with the current backend.
    pub(crate) fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        on!(current(), |Rt| Rt::stream_from_std(stream)
            .map(Rt::wrap_stream))
    }

    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, TcpStream, |Rt, stream| Rt::poll_read(stream, cx, buf))
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, TcpStream, |Rt, stream| Rt::poll_write(
            stream, cx, buf
        ))
    }

    pub(crate) fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self, TcpStream, |Rt, stream| Rt::poll_write_vectored(
            stream, cx, bufs
        ))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, TcpStream, |Rt, stream| Rt::poll_flush(stream, cx))
    }

    pub(crate) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, TcpStream, |Rt, stream| Rt::poll_shutdown(stream, cx))
    }

    pub(crate) fn socket(&self) -> socket2::SockRef<'_> {
        each!(self, TcpStream, |Rt, stream| socket2::SockRef::from(stream))
    }

    pub(crate) fn backend(&self) -> Backend {
        each!(self, TcpStream, |Rt, _stream| Rt::KIND.backend())
    }
}

impl Backend {
    /// The backend that serves a call made here: the runtime running the current task, or outside
    /// any runtime the first compiled backend in the order tokio, async-std, smol.
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
        current().backend()
    }

    /// The backends compiled into this build, in order of preference.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!anyrt::Backend::compiled().is_empty());
    /// ```
    pub fn compiled() -> &'static [Backend] {
        &COMPILED
    }

    /// Whether this backend is compiled into this build.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::Backend;
    ///
    /// assert!(Backend::compiled().iter().all(|b| b.is_compiled()));
    /// ```
    pub const fn is_compiled(self) -> bool {
        Kind::from_backend(self).is_some()
    }

    /// Runs `future` to completion on this backend, blocking the current thread.
    ///
    /// Tasks spawned from `future` run on this backend. Like [`crate::block_on`], this returns as
    /// soon as `future` completes, without waiting for spawned tasks.
    ///
    /// # Panics
    ///
    /// If the backend is not compiled in, or if called from async code (see
    /// [`crate::block_on`]).
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

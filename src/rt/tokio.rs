//! The tokio backend: every call anyrt makes into tokio.
//!
//! tokio panics when one of its primitives is created outside a runtime; this backend enters the
//! runtime of the current context if there is one, else a shared multi-threaded runtime started
//! on first use. That runtime drives its own reactor and timers, so everything created in it
//! keeps working when polled from any thread or any other executor.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll, Waker};
use std::time::Instant;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::runtime::{EnterGuard, Handle};
use ::tokio::task::coop::poll_proceed;
use pin_project_lite::pin_project;

use super::{Presence, RemoteAbort, Runtime, Wrap};
use crate::task::JoinError;

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
                crate::task::panic_message(&*payload).unwrap_or("a worker thread did not start")
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
fn surely_entered() -> bool {
    ENTERED.get() || ::tokio::task::try_id().is_some()
}

/// The runtime of the current context, else the shared one.
fn handle() -> Handle {
    Handle::try_current().unwrap_or_else(|_| shared().handle().clone())
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
    task: ::tokio::task::JoinHandle<T>,
    aborted: AtomicBool,
    blocking: bool,
    /// Made by the first `abort_handle` (tasks rarely get one): an abort through it counts as
    /// `aborted` too.
    remote: OnceLock<Arc<RemoteTask>>,
}

impl<T> TaskHandle<T> {
    fn new(task: ::tokio::task::JoinHandle<T>, blocking: bool) -> Self {
        TaskHandle {
            task,
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
        abort_task(task.is_finished(), || task.abort(), &self.aborted, self.blocking);
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

pin_project! {
    /// Polls `future` with `handle` entered, for tokio futures that look their runtime up on
    /// first poll and may be polled from a thread outside any tokio runtime.
    struct Entered<F> {
        handle: Handle,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Entered<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // Entering clones the handle's `Arc`: skip it where a context is entered already.
        let _guard = (!surely_entered()).then(|| this.handle.enter());
        this.future.poll(cx)
    }
}

impl Runtime for Tokio {
    type JoinHandle<T> = TaskHandle<T>;
    type Timer = ::tokio::time::Sleep;
    type TcpListener = ::tokio::net::TcpListener;
    type TcpStream = ::tokio::net::TcpStream;

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
            Err(payload) => match crate::task::panic_message(&*payload) {
                Some(message) if !message.starts_with("anyrt: ") => {
                    panic!("anyrt: could not start a blocking thread: {message}")
                }
                _ => std::panic::resume_unwind(payload),
            },
        }
    }

    fn poll_join<T>(
        handle: &mut Self::JoinHandle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        let result = ready!(Pin::new(&mut handle.task).poll(cx));
        if handle.aborted() {
            // Aborted before it finished: whatever the poll the abort raced with produced, an
            // output or a panic on its way out, goes with the task, as on the other backends.
            return Poll::Ready(Err(JoinError::cancelled()));
        }
        Poll::Ready(result.map_err(join_error))
    }

    fn abort<T>(handle: &Self::JoinHandle<T>) {
        let task = &handle.task;
        abort_task(task.is_finished(), || task.abort(), &handle.aborted, handle.blocking);
    }

    fn is_finished<T>(handle: &Self::JoinHandle<T>) -> bool {
        handle.task.is_finished()
    }

    fn abort_handle<T>(handle: &Self::JoinHandle<T>) -> Arc<dyn RemoteAbort> {
        handle
            .remote
            .get_or_init(|| {
                Arc::new(RemoteTask {
                    task: handle.task.abort_handle(),
                    aborted: AtomicBool::new(false),
                    blocking: handle.blocking,
                })
            })
            .clone()
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

    fn listener_from_std(listener: std::net::TcpListener) -> io::Result<Self::TcpListener> {
        let _guard = enter_if_needed();
        ::tokio::net::TcpListener::from_std(listener)
    }

    fn poll_accept(
        listener: &Self::TcpListener,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::TcpStream, SocketAddr)>> {
        // The accepted stream is registered with the runtime of the current context, and this
        // may be polled from another backend's task.
        let _guard = enter_if_needed();
        listener.poll_accept(cx)
    }

    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        Entered {
            handle: handle(),
            future: ::tokio::net::TcpStream::connect(addr),
        }
    }

    fn stream_from_std(stream: std::net::TcpStream) -> io::Result<Self::TcpStream> {
        let _guard = enter_if_needed();
        ::tokio::net::TcpStream::from_std(stream)
    }

    fn poll_read(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(Pin::new(stream).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }

    fn poll_write(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(stream).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(stream: &mut Self::TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(stream).poll_flush(cx)
    }

    fn poll_shutdown(stream: &mut Self::TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(stream).poll_shutdown(cx)
    }
}

/// tokio's I/O traits, so a stream can be handed to tokio-based code (hyper-util, tokio-util
/// codecs) whichever backend it was opened on.
#[cfg_attr(docsrs, doc(cfg(feature = "rt-tokio")))]
impl AsyncRead for crate::net::TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        // A tokio stream takes the `ReadBuf` as it is.
        if let Some(stream) = Tokio::stream_mut(inner) {
            return Pin::new(stream).poll_read(cx, buf);
        }
        let n = ready!(inner.poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "rt-tokio")))]
impl AsyncWrite for crate::net::TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_close_write(cx)
    }
}

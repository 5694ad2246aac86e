//! The async-std backend: every call anyrt makes into async-std, and into async-io, the reactor
//! async-std itself runs its timers and sockets on.
//!
//! Natively, awaiting an async-std task that panicked re-raises the panic in the awaiter, and a
//! task can only be cancelled by consuming its handle in an `async fn`. This backend runs every
//! task inside [`Supervised`], which catches the panic and watches a flag that `abort` sets, so
//! the handle behaves like every other backend's.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use async_io::Async;
use atomic_waker::AtomicWaker;
use futures_lite::io::{AsyncRead, AsyncWrite};
use pin_project_lite::pin_project;

use super::{Presence, Runtime};
use crate::task::JoinError;

/// The async-std backend.
pub(crate) struct AsyncStd;

/// What a task and its handle share.
#[derive(Default)]
struct TaskState {
    /// Set by `abort`: the task drops its future at its next poll.
    aborted: AtomicBool,
    /// Set when the task has produced its result.
    finished: AtomicBool,
    /// The task's waker, so `abort` can get it polled.
    waker: AtomicWaker,
}

/// The handle of an async-std task run by this backend.
pub(crate) struct JoinHandle<T> {
    task: async_std::task::JoinHandle<Result<T, JoinError>>,
    state: Arc<TaskState>,
}

pin_project! {
    /// Runs a task's future, catching its panic, and drops it at the first poll after an abort.
    struct Supervised<F> {
        #[pin]
        future: Option<F>,
        state: Arc<TaskState>,
    }
}

impl<F: Future> Future for Supervised<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        // Register before reading the flag, so an abort between the two still wakes us.
        this.state.waker.register(cx.waker());
        let mut result = if this.state.aborted.load(Ordering::Acquire) {
            Err(JoinError::cancelled())
        } else {
            let future = this.future.as_mut().as_pin_mut();
            let future = future.expect("anyrt: a task was polled after it completed");
            match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(output)) => Ok(output),
                Err(payload) => Err(JoinError::panic(payload)),
            }
        };
        // Drop the future now, not when the handle goes, so an aborted task's locals are dropped
        // promptly; a panic in a destructor is the task's panic, as on tokio.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| this.future.set(None))) {
            if result.is_ok() {
                result = Err(JoinError::panic(payload));
            }
        }
        this.state.finished.store(true, Ordering::Release);
        Poll::Ready(result)
    }
}

impl Runtime for AsyncStd {
    type JoinHandle<T> = JoinHandle<T>;
    type Timer = async_io::Timer;
    type TcpListener = Async<std::net::TcpListener>;
    type TcpStream = Async<std::net::TcpStream>;

    fn presence() -> Presence {
        if async_std::task::try_current().is_some() {
            Presence::Running
        } else {
            Presence::Absent
        }
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let state = Arc::new(TaskState::default());
        let task = async_std::task::spawn(Supervised {
            future: Some(future),
            state: state.clone(),
        });
        JoinHandle { task, state }
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let state = Arc::new(TaskState::default());
        let shared = state.clone();
        let task = async_std::task::spawn_blocking(move || {
            // Like tokio: a closure aborted before it starts never runs; once started, it
            // cannot be interrupted.
            let result = if shared.aborted.load(Ordering::Acquire) {
                Err(JoinError::cancelled())
            } else {
                catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panic)
            };
            shared.finished.store(true, Ordering::Release);
            result
        });
        JoinHandle { task, state }
    }

    fn poll_join<T>(
        handle: &mut Self::JoinHandle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        Pin::new(&mut handle.task).poll(cx)
    }

    fn abort<T>(handle: &Self::JoinHandle<T>) {
        handle.state.aborted.store(true, Ordering::Release);
        handle.state.waker.wake();
    }

    fn is_finished<T>(handle: &Self::JoinHandle<T>) -> bool {
        handle.state.finished.load(Ordering::Acquire)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        async_std::task::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn timer(deadline: Instant) -> Self::Timer {
        async_io::Timer::at(deadline)
    }

    fn poll_timer(timer: Pin<&mut Self::Timer>, cx: &mut Context<'_>) -> Poll<()> {
        timer.poll(cx).map(drop)
    }

    fn reset_timer(timer: Pin<&mut Self::Timer>, deadline: Instant) {
        timer.get_mut().set_at(deadline);
    }

    fn listener_from_std(listener: std::net::TcpListener) -> io::Result<Self::TcpListener> {
        Async::new(listener)
    }

    fn poll_accept(
        listener: &Self::TcpListener,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::TcpStream, SocketAddr)>> {
        loop {
            match listener.get_ref().accept() {
                Ok((stream, addr)) => return Poll::Ready(Async::new(stream).map(|s| (s, addr))),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(listener.poll_readable(cx))?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        Async::<std::net::TcpStream>::connect(addr)
    }

    fn stream_from_std(stream: std::net::TcpStream) -> io::Result<Self::TcpStream> {
        Async::new(stream)
    }

    fn poll_read(
        stream: &mut Self::TcpStream,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(stream).poll_read(cx, buf)
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

    fn poll_shutdown(stream: &mut Self::TcpStream, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Both async-std's and async-io's `poll_close` only flush: the peer would never read
        // EOF. shutdown(2) does not block, so it needs no readiness.
        Poll::Ready(stream.get_ref().shutdown(std::net::Shutdown::Write))
    }
}

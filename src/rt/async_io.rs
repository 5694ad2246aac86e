//! Timers and sockets for the backends that run on async-io (async-std, smol).
//!
//! Both backends drive the same reactor, so their [`Runtime`](super::Runtime) items for time and
//! TCP are the same code: each backend's `impl Runtime` expands [`async_io_items!`] for them and
//! writes only what differs (tasks, blocking pool, `block_on`).
//!
//! Natively, `close()` on an async-io or async-std stream only flushes: the peer never reads
//! EOF. `poll_shutdown` here shuts the write half down.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

/// Starts async-io's reactor thread, if it has not started yet.
///
/// async-io starts it on first use, with its own panic if the thread cannot start, and the first
/// use may be the end of a `block_on` that is already unwinding (a panic in a destructor then
/// aborts the process). Starting it here first turns a failure into anyrt's panic, and the next
/// call tries again.
pub(crate) fn start_reactor() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.load(Ordering::Acquire) {
        return;
    }
    // A `block_on` starts the thread as it returns.
    match catch_unwind(AssertUnwindSafe(|| async_io::block_on(async {}))) {
        Ok(()) => STARTED.store(true, Ordering::Release),
        Err(_) => panic!("anyrt: could not start async-io's reactor thread"),
    }
}

/// The [`Runtime`](super::Runtime) items of an async-io backend for timers and TCP.
macro_rules! async_io_items {
    () => {
        type Timer = ::async_io::Timer;
        type TcpListener = ::async_io::Async<::std::net::TcpListener>;
        type TcpStream = ::async_io::Async<::std::net::TcpStream>;

        fn now() -> ::std::time::Instant {
            ::std::time::Instant::now()
        }

        fn timer(deadline: ::std::time::Instant) -> Self::Timer {
            $crate::rt::async_io::start_reactor();
            ::async_io::Timer::at(deadline)
        }

        fn poll_timer(
            timer: ::std::pin::Pin<&mut Self::Timer>,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<()> {
            ::std::future::Future::poll(timer, cx).map(drop)
        }

        fn reset_timer(timer: ::std::pin::Pin<&mut Self::Timer>, deadline: ::std::time::Instant) {
            timer.get_mut().set_at(deadline);
        }

        fn listener_from_std(
            listener: ::std::net::TcpListener,
        ) -> ::std::io::Result<Self::TcpListener> {
            $crate::rt::async_io::start_reactor();
            ::async_io::Async::new(listener)
        }

        fn poll_accept(
            listener: &Self::TcpListener,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<(Self::TcpStream, ::std::net::SocketAddr)>> {
            loop {
                match listener.get_ref().accept() {
                    Ok((stream, addr)) => {
                        return ::std::task::Poll::Ready(
                            ::async_io::Async::new(stream).map(|s| (s, addr)),
                        )
                    }
                    Err(e) if e.kind() == ::std::io::ErrorKind::WouldBlock => {
                        ::std::task::ready!(listener.poll_readable(cx))?;
                    }
                    Err(e) => return ::std::task::Poll::Ready(Err(e)),
                }
            }
        }

        fn connect(
            addr: ::std::net::SocketAddr,
        ) -> impl ::std::future::Future<Output = ::std::io::Result<Self::TcpStream>> + Send {
            $crate::rt::async_io::start_reactor();
            ::async_io::Async::<::std::net::TcpStream>::connect(addr)
        }

        fn stream_from_std(stream: ::std::net::TcpStream) -> ::std::io::Result<Self::TcpStream> {
            $crate::rt::async_io::start_reactor();
            ::async_io::Async::new(stream)
        }

        fn poll_read(
            stream: &mut Self::TcpStream,
            cx: &mut ::std::task::Context<'_>,
            buf: &mut [u8],
        ) -> ::std::task::Poll<::std::io::Result<usize>> {
            ::futures_lite::io::AsyncRead::poll_read(::std::pin::Pin::new(stream), cx, buf)
        }

        fn poll_write(
            stream: &mut Self::TcpStream,
            cx: &mut ::std::task::Context<'_>,
            buf: &[u8],
        ) -> ::std::task::Poll<::std::io::Result<usize>> {
            ::futures_lite::io::AsyncWrite::poll_write(::std::pin::Pin::new(stream), cx, buf)
        }

        fn poll_write_vectored(
            stream: &mut Self::TcpStream,
            cx: &mut ::std::task::Context<'_>,
            bufs: &[::std::io::IoSlice<'_>],
        ) -> ::std::task::Poll<::std::io::Result<usize>> {
            ::futures_lite::io::AsyncWrite::poll_write_vectored(
                ::std::pin::Pin::new(stream),
                cx,
                bufs,
            )
        }

        fn poll_flush(
            stream: &mut Self::TcpStream,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            ::futures_lite::io::AsyncWrite::poll_flush(::std::pin::Pin::new(stream), cx)
        }

        fn poll_shutdown(
            stream: &mut Self::TcpStream,
            _: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            // shutdown(2) does not block, so it needs no readiness.
            ::std::task::Poll::Ready(stream.get_ref().shutdown(::std::net::Shutdown::Write))
        }
    };
}

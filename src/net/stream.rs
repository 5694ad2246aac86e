//! What TCP and Unix streams share: reads and writes on a registered std stream (or on a
//! stream of the simulated network), closing the write half, and the I/O trait impls of every
//! stream type and half.
//!
//! The system calls are std's (`read`, `write`, `writev`, `shutdown`), made by anyrt on every
//! backend, so byte counts, EOF and error kinds cannot differ between backends.

use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::task::{Context, Poll, Waker};

use crate::io::{Interest, Ready};
use crate::rt::coop;
use crate::rt::simulation::SimStream;
use crate::rt::{Direction, Io, Source};
use crate::Backend;

/// A std stream socket: what TCP and Unix streams have in common.
pub(crate) trait StdStream: Source
where
    for<'a> &'a Self: Read + Write,
{
    /// `shutdown(2)` of one or both directions.
    fn shutdown_std(&self, how: Shutdown) -> io::Result<()>;
}

impl StdStream for std::net::TcpStream {
    fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.shutdown(how)
    }
}

#[cfg(unix)]
impl StdStream for std::os::unix::net::UnixStream {
    fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.shutdown(how)
    }
}

/// A connected stream: an OS socket registered with the serving backend's reactor, or a stream
/// of the simulation's in-memory network (under `rt-sim`).
pub(crate) enum Conn<S: Source> {
    Os(Io<S>),
    Sim(SimStream),
}

impl<S: StdStream> Conn<S>
where
    for<'a> &'a S: Read + Write,
{
    /// The registered OS socket, or `Unsupported` for a simulated one.
    pub(crate) fn os(&self) -> io::Result<&Io<S>> {
        match self {
            Conn::Os(io) => Ok(io),
            Conn::Sim(_) => Err(crate::rt::simulation::no_descriptor()),
        }
    }

    /// The registered OS socket.
    ///
    /// # Panics
    /// For a simulated socket, which has no descriptor (`AsFd`).
    pub(crate) fn os_or_panic(&self) -> &Io<S> {
        match self {
            Conn::Os(io) => io,
            Conn::Sim(_) => panic!(
                "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
                 `AsRawFd`)"
            ),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Os(io) => io.backend(),
            Conn::Sim(_) => Backend::Sim,
        }
    }

    // Reads, writes and peeks spend the task's cooperative budget here, for every backend and
    // the simulation alike: a loop over a stream that always has data (or room) yields now and
    // then, as under tokio.

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| match self {
            Conn::Os(io) => io.poll_io(Direction::Read, cx, |s| (&*s).read(buf)),
            Conn::Sim(sim) => sim.poll_read(cx, buf, false),
        })
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| match self {
            Conn::Os(io) => io.poll_io(Direction::Write, cx, |s| (&*s).write(buf)),
            Conn::Sim(sim) => sim.poll_write(cx, buf),
        })
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| match self {
            Conn::Os(io) => io.poll_io(Direction::Write, cx, |s| (&*s).write_vectored(bufs)),
            Conn::Sim(sim) => sim.poll_write_vectored(cx, bufs),
        })
    }

    /// Shuts the write half down, sending FIN. `shutdown(2)` never blocks, so no readiness is
    /// needed. A peer that already closed or reset (`NotConnected` on some systems) leaves the
    /// write half shut all the same, so that is `Ok`.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Conn::Os(io) => match io.get_ref().shutdown_std(Shutdown::Write) {
                Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
                result => result,
            },
            Conn::Sim(sim) => sim.shutdown_write(),
        }
    }

    /// Reads without removing, with `peek_os` on an OS socket (`recv` with `MSG_PEEK`).
    pub(crate) async fn peek(
        &self,
        buf: &mut [u8],
        peek_os: fn(&S, &mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        coop::cooperative(async {
            match self {
                Conn::Os(io) => io.io(Direction::Read, |s| peek_os(s, buf)).await,
                Conn::Sim(sim) => poll_fn(|cx| sim.poll_read(cx, buf, true)).await,
            }
        })
        .await
    }

    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        match self {
            Conn::Os(io) => io.poll_ready(direction, cx),
            Conn::Sim(sim) => sim.poll_ready(direction, cx).map(Ok),
        }
    }

    pub(crate) async fn ready_in(&self, direction: Direction) -> io::Result<()> {
        match self {
            Conn::Os(io) => io.ready(direction).await,
            Conn::Sim(sim) => {
                poll_fn(|cx| sim.poll_ready(direction, cx)).await;
                Ok(())
            }
        }
    }

    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        match self {
            Conn::Os(io) => crate::io::ready(io, interest).await,
            Conn::Sim(sim) => Ok(poll_fn(|cx| {
                let mut ready = Ready::EMPTY;
                if interest.is_readable() && sim.poll_ready(Direction::Read, cx).is_ready() {
                    ready = ready | Ready::READABLE;
                }
                if interest.is_writable() && sim.poll_ready(Direction::Write, cx).is_ready() {
                    ready = ready | Ready::WRITABLE;
                }
                if ready.is_empty() {
                    Poll::Pending
                } else {
                    Poll::Ready(ready)
                }
            })
            .await),
        }
    }

    /// Reads what is queued now; `WouldBlock` if nothing is.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Os(io) => io.try_io(Direction::Read, |s| (&*s).read(buf)),
            Conn::Sim(sim) => now(|cx| sim.poll_read(cx, buf, false)),
        }
    }

    /// Like [`try_read`](Conn::try_read), into several buffers.
    pub(crate) fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        match self {
            Conn::Os(io) => io.try_io(Direction::Read, |s| (&*s).read_vectored(bufs)),
            Conn::Sim(sim) => {
                let buf = bufs.iter_mut().find(|b| !b.is_empty());
                now(|cx| sim.poll_read(cx, buf.map_or(&mut [][..], |b| &mut **b), false))
            }
        }
    }

    /// Writes what fits now; `WouldBlock` if nothing does.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Os(io) => io.try_io(Direction::Write, |s| (&*s).write(buf)),
            Conn::Sim(sim) => now(|cx| sim.poll_write(cx, buf)),
        }
    }

    /// Like [`try_write`](Conn::try_write), from several buffers.
    pub(crate) fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Conn::Os(io) => io.try_io(Direction::Write, |s| (&*s).write_vectored(bufs)),
            Conn::Sim(sim) => now(|cx| sim.poll_write_vectored(cx, bufs)),
        }
    }
}

/// The outcome of `poll` now, with `WouldBlock` for `Pending` (no waker is kept).
pub(crate) fn now<R>(poll: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<R>>) -> io::Result<R> {
    match poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

/// Implements futures-io's and tokio's `AsyncRead` for a stream type or read half, given how to
/// reach its stream (`|this| -> &Conn<S>`).
macro_rules! read_traits {
    ($({$($generics:tt)*})? $Type:ty, |$this:ident| $io:expr) => {
        impl$(<$($generics)*>)? ::futures_lite::io::AsyncRead for $Type {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_read(cx, buf)
            }
        }

        impl$(<$($generics)*>)? ::tokio::io::AsyncRead for $Type {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut ::tokio::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                let n = ::std::task::ready!($io.poll_read(cx, buf.initialize_unfilled()))?;
                buf.advance(n);
                ::std::task::Poll::Ready(Ok(()))
            }
        }

    };
}
pub(crate) use read_traits;

/// Implements futures-io's and tokio's `AsyncWrite` for a stream type or write half, given how to
/// reach its stream (`|this| -> &Conn<S>`). Writes are not buffered, so flushing does
/// nothing; closing (`close` / `shutdown`) sends FIN.
macro_rules! write_traits {
    ($({$($generics:tt)*})? $Type:ty, |$this:ident| $io:expr) => {
        impl$(<$($generics)*>)? ::futures_lite::io::AsyncWrite for $Type {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            /// Shuts down the write half, sending FIN.
            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                ::std::task::Poll::Ready($io.shutdown_write())
            }
        }

        impl$(<$($generics)*>)? ::tokio::io::AsyncWrite for $Type {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            /// Shuts down the write half, sending FIN.
            fn poll_shutdown(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                ::std::task::Poll::Ready($io.shutdown_write())
            }
        }
    };
}
pub(crate) use write_traits;

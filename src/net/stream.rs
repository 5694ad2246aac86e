//! What TCP and Unix streams share: reads and writes on a registered std stream, closing the
//! write half, and the I/O trait impls of every stream type and half.
//!
//! The system calls are std's (`read`, `write`, `writev`, `shutdown`), made by anyrt on every
//! backend, so byte counts, EOF and error kinds cannot differ between backends.

use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::task::{Context, Poll};

use crate::rt::{Direction, Io, Source};

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

pub(crate) fn poll_read<S>(
    io: &Io<S>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>>
where
    S: StdStream,
    for<'a> &'a S: Read + Write,
{
    io.poll_io(Direction::Read, cx, |s| (&*s).read(buf))
}

pub(crate) fn poll_write<S>(io: &Io<S>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
where
    S: StdStream,
    for<'a> &'a S: Read + Write,
{
    io.poll_io(Direction::Write, cx, |s| (&*s).write(buf))
}

pub(crate) fn poll_write_vectored<S>(
    io: &Io<S>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>>
where
    S: StdStream,
    for<'a> &'a S: Read + Write,
{
    io.poll_io(Direction::Write, cx, |s| (&*s).write_vectored(bufs))
}

/// Shuts the write half down, sending FIN. `shutdown(2)` never blocks, so no readiness is
/// needed. A peer that already closed or reset (`NotConnected` on some systems) leaves the write
/// half shut all the same, so that is `Ok`.
pub(crate) fn shutdown_write<S>(io: &Io<S>) -> io::Result<()>
where
    S: StdStream,
    for<'a> &'a S: Read + Write,
{
    match io.get_ref().shutdown_std(Shutdown::Write) {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
    }
}

/// Implements futures-io's and tokio's `AsyncRead` for a stream type or read half, given how to
/// reach its registered stream (`|this| -> &Io<S>`).
macro_rules! read_traits {
    ($({$($generics:tt)*})? $Type:ty, |$this:ident| $io:expr) => {
        impl$(<$($generics)*>)? ::futures_lite::io::AsyncRead for $Type {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream::poll_read($io, cx, buf)
            }
        }

        impl$(<$($generics)*>)? ::tokio::io::AsyncRead for $Type {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut ::tokio::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                let n = ::std::task::ready!($crate::net::stream::poll_read(
                    $io,
                    cx,
                    buf.initialize_unfilled()
                ))?;
                buf.advance(n);
                ::std::task::Poll::Ready(Ok(()))
            }
        }

    };
}
pub(crate) use read_traits;

/// Implements futures-io's and tokio's `AsyncWrite` for a stream type or write half, given how to
/// reach its registered stream (`|this| -> &Io<S>`). Writes are not buffered, so flushing does
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
                $crate::net::stream::poll_write($io, cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream::poll_write_vectored($io, cx, bufs)
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
                ::std::task::Poll::Ready($crate::net::stream::shutdown_write($io))
            }
        }

        impl$(<$($generics)*>)? ::tokio::io::AsyncWrite for $Type {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream::poll_write($io, cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $crate::net::stream::poll_write_vectored($io, cx, bufs)
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
                ::std::task::Poll::Ready($crate::net::stream::shutdown_write($io))
            }
        }
    };
}
pub(crate) use write_traits;

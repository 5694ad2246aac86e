//! What TCP and Unix streams share: reads and writes on a registered std stream (or on a
//! stream of the simulated network), closing the write half, and the I/O trait impls of every
//! stream type and half.
//!
//! The system calls are std's (`read`, `write`, `writev`, `shutdown`), made by anyrt on every
//! backend, so byte counts, EOF and error kinds cannot differ between backends.
//!
//! This file is the streams' seam with the simulation: [`Conn`] has a simulated variant only
//! under `rt-sim`, every `match` on it goes through `seam!` (in `net/mod.rs`), where that arm is gated, and what
//! else the simulation needs (connecting in its network, its addresses, its stream options)
//! sits in the gated module `sim` at the end. `TcpStream` and `UnixStream` never name it.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::task::{Context, Poll};

use crate::io::{Interest, Ready};
use crate::rt::coop;
#[cfg(feature = "rt-sim")]
use crate::rt::simulation::SimStream;
use crate::rt::{Direction, Io, Source, StreamOptions};
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
    #[cfg(feature = "rt-sim")]
    Sim(SimStream),
}

/// Where a socket connects, binds or sends to, in either family: what the simulation is told.
// Only the simulation reads the address; an OS socket's call is made by the caller.
#[cfg_attr(not(feature = "rt-sim"), allow(dead_code))]
pub(crate) enum Endpoint<'a> {
    Ip(std::net::SocketAddr),
    Unix(&'a std::path::Path),
}

/// A socket address of one family, as the socket types return it.
pub(crate) trait Address: Sized {
    /// The address of a simulated socket, in this family.
    #[cfg(feature = "rt-sim")]
    fn from_sim(addr: &crate::rt::simulation::SimAddr) -> io::Result<Self>;
}

impl Address for std::net::SocketAddr {
    #[cfg(feature = "rt-sim")]
    fn from_sim(addr: &crate::rt::simulation::SimAddr) -> io::Result<Self> {
        addr.ip()
    }
}

#[cfg(unix)]
impl Address for std::os::unix::net::SocketAddr {
    #[cfg(feature = "rt-sim")]
    fn from_sim(addr: &crate::rt::simulation::SimAddr) -> io::Result<Self> {
        addr.unix()
    }
}

impl<S: Source> Conn<S> {
    /// Under the simulation, a stream connected in its network (or the error); `None` on every
    /// other backend, where the caller connects an OS socket.
    pub(crate) async fn connect_simulated(_to: Endpoint<'_>) -> Option<io::Result<Conn<S>>> {
        #[cfg(feature = "rt-sim")]
        if crate::rt::simulated() {
            return Some(sim::connect(_to).await);
        }
        None
    }

    /// Under the simulation, the two ends of a connected Unix pair; `None` elsewhere.
    #[cfg(unix)]
    pub(crate) fn pair_simulated() -> Option<(Conn<S>, Conn<S>)> {
        #[cfg(feature = "rt-sim")]
        if crate::rt::simulated() {
            let (a, b) = SimStream::unix_pair();
            return Some((Conn::Sim(a), Conn::Sim(b)));
        }
        None
    }

    /// Registers an OS stream with the serving backend (after [`no_descriptor_in_simulation`]).
    pub(crate) fn from_os(stream: S) -> io::Result<Conn<S>> {
        Ok(Conn::Os(Io::new(stream)?))
    }

    /// Deregisters the OS stream; `Unsupported` for a simulated one.
    pub(crate) fn into_os(self) -> io::Result<S> {
        seam!(Conn, self, io => io.into_inner(), _ => Err(crate::rt::simulation::no_descriptor()))
    }

    /// The local address: `os`'s answer for an OS stream.
    pub(crate) fn local_addr<A: Address>(
        &self,
        os: impl FnOnce(&S) -> io::Result<A>,
    ) -> io::Result<A> {
        seam!(Conn, self, io => os(io.get_ref()), sim => A::from_sim(sim.local_addr()))
    }

    /// The peer's address: `os`'s answer for an OS stream.
    pub(crate) fn peer_addr<A: Address>(
        &self,
        os: impl FnOnce(&S) -> io::Result<A>,
    ) -> io::Result<A> {
        seam!(Conn, self, io => os(io.get_ref()), sim => A::from_sim(sim.peer_addr()))
    }

    /// A socket option: `os` on an OS stream; on a simulated one, `simulated` on the options it
    /// keeps.
    pub(crate) fn option<T>(
        &self,
        os: impl FnOnce(&S) -> io::Result<T>,
        _simulated: impl FnOnce(&mut StreamOptions) -> T,
    ) -> io::Result<T> {
        seam!(Conn, self, io => os(io.get_ref()), sim => Ok(_simulated(&mut sim.options())))
    }

    /// The peer's credentials, for a Unix stream; a simulated peer is always this process.
    #[cfg(unix)]
    pub(crate) fn peer_cred(&self) -> io::Result<crate::rt::os::Cred>
    where
        S: std::os::fd::AsFd,
    {
        seam!(Conn, self, io => crate::rt::os::peer_cred(io.get_ref().as_fd()), _ => crate::rt::os::own_cred())
    }
}

/// Under the simulation, what its names resolve to: `host` a "name:port" string, or a host name
/// with `port`; `None` elsewhere, where the machine's resolver is asked.
pub(crate) fn resolve_simulated(
    _host: &str,
    _port: Option<u16>,
) -> Option<io::Result<Vec<std::net::SocketAddr>>> {
    #[cfg(feature = "rt-sim")]
    if crate::rt::simulated() {
        return Some(match _port {
            None => crate::rt::simulation::net::resolve(_host),
            Some(port) => crate::rt::simulation::net::resolve_host(_host, port),
        });
    }
    None
}

/// `Unsupported` under the simulation, for the calls that need an OS descriptor (`from_std`);
/// `Ok` elsewhere.
pub(crate) fn no_descriptor_in_simulation() -> io::Result<()> {
    #[cfg(feature = "rt-sim")]
    if crate::rt::simulated() {
        return Err(crate::rt::simulation::no_descriptor());
    }
    Ok(())
}

impl<S: StdStream> Conn<S>
where
    for<'a> &'a S: Read + Write,
{
    /// The registered OS socket, or `Unsupported` for a simulated one.
    pub(crate) fn os(&self) -> io::Result<&Io<S>> {
        seam!(Conn, self, io => Ok(io), _ => Err(crate::rt::simulation::no_descriptor()))
    }

    /// The registered OS socket.
    ///
    /// # Panics
    /// For a simulated socket, which has no descriptor (`AsFd`).
    pub(crate) fn os_or_panic(&self) -> &Io<S> {
        seam!(Conn, self, io => io, _ => panic!(
            "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
             `AsRawFd`)"
        ))
    }

    pub(crate) fn backend(&self) -> Backend {
        seam!(Conn, self, io => io.backend(), _ => Backend::Sim)
    }

    // Reads, writes and peeks spend the task's cooperative budget here, for every backend and
    // the simulation alike: a loop over a stream that always has data (or room) yields now and
    // then, as under tokio.

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Conn, self,
                io => io.poll_io(Direction::Read, cx, |s| (&*s).read(buf)),
                sim => sim.poll_read(cx, buf, false),
            )
        })
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Conn, self,
                io => io.poll_io(Direction::Write, cx, |s| (&*s).write(buf)),
                sim => sim.poll_write(cx, buf),
            )
        })
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Conn, self,
                io => io.poll_io(Direction::Write, cx, |s| (&*s).write_vectored(bufs)),
                sim => sim.poll_write_vectored(cx, bufs),
            )
        })
    }

    /// Shuts the write half down, sending FIN. `shutdown(2)` never blocks, so no readiness is
    /// needed. A peer that already closed or reset (`NotConnected` on some systems) leaves the
    /// write half shut all the same, so that is `Ok`.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        seam!(Conn, self,
            io => match io.get_ref().shutdown_std(Shutdown::Write) {
                Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
                result => result,
            },
            sim => sim.shutdown_write(),
        )
    }

    /// Reads without removing, with `peek_os` on an OS socket (`recv` with `MSG_PEEK`).
    pub(crate) async fn peek(
        &self,
        buf: &mut [u8],
        peek_os: fn(&S, &mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        coop::cooperative(async {
            seam!(Conn, self,
                io => io.io(Direction::Read, |s| peek_os(s, buf)).await,
                sim => std::future::poll_fn(|cx| sim.poll_read(cx, buf, true)).await,
            )
        })
        .await
    }

    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        seam!(Conn, self, io => io.poll_ready(direction, cx), sim => sim.poll_ready(direction, cx).map(Ok))
    }

    pub(crate) async fn ready_in(&self, direction: Direction) -> io::Result<()> {
        seam!(Conn, self,
            io => io.ready(direction).await,
            sim => {
                std::future::poll_fn(|cx| sim.poll_ready(direction, cx)).await;
                Ok(())
            },
        )
    }

    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        seam!(Conn, self,
            io => crate::io::ready(io, interest).await,
            sim => Ok(std::future::poll_fn(|cx| {
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
        )
    }

    /// Reads what is queued now; `WouldBlock` if nothing is.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        seam!(Conn, self,
            io => io.try_io(Direction::Read, |s| (&*s).read(buf)),
            sim => now(|cx| sim.poll_read(cx, buf, false)),
        )
    }

    /// Like [`try_read`](Conn::try_read), into several buffers.
    pub(crate) fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        seam!(Conn, self,
            io => io.try_io(Direction::Read, |s| (&*s).read_vectored(bufs)),
            sim => {
                let buf = bufs.iter_mut().find(|b| !b.is_empty());
                now(|cx| sim.poll_read(cx, buf.map_or(&mut [][..], |b| &mut **b), false))
            },
        )
    }

    /// Writes what fits now; `WouldBlock` if nothing does.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        seam!(Conn, self,
            io => io.try_io(Direction::Write, |s| (&*s).write(buf)),
            sim => now(|cx| sim.poll_write(cx, buf)),
        )
    }

    /// Like [`try_write`](Conn::try_write), from several buffers.
    pub(crate) fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        seam!(Conn, self,
            io => io.try_io(Direction::Write, |s| (&*s).write_vectored(bufs)),
            sim => now(|cx| sim.poll_write_vectored(cx, bufs)),
        )
    }
}

/// The outcome of `poll` now, with `WouldBlock` for `Pending` (no waker is kept).
#[cfg(feature = "rt-sim")]
pub(crate) fn now<R>(poll: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<R>>) -> io::Result<R> {
    match poll(&mut Context::from_waker(std::task::Waker::noop())) {
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

/// What the streams need of the simulation's network.
#[cfg(feature = "rt-sim")]
mod sim {
    use std::io;

    use super::{Conn, Endpoint};
    use crate::rt::simulation::{self, SimAddr};
    use crate::rt::Source;

    pub(super) async fn connect<S: Source>(to: Endpoint<'_>) -> io::Result<Conn<S>> {
        simulation::connect(to.into()).await.map(Conn::Sim)
    }

    impl From<Endpoint<'_>> for SimAddr {
        fn from(endpoint: Endpoint<'_>) -> SimAddr {
            match endpoint {
                Endpoint::Ip(addr) => SimAddr::Ip(addr),
                Endpoint::Unix(path) => SimAddr::Unix(Some(path.to_path_buf())),
            }
        }
    }
}

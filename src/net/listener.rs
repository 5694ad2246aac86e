//! What TCP and Unix listeners share: accepting on a registered std listener (or on a listener
//! of the simulated network), and its address.
//!
//! This file is the listeners' seam with the simulation, as `stream.rs` is the streams': the
//! simulated variant of [`Listener`] and every arm on it exist only under `rt-sim` (through
//! `seam!`). `TcpListener` and `UnixListener` never name the simulation.

use std::io;
use std::task::{ready, Context, Poll};

use crate::net::stream::{Address, Conn, Endpoint};
use crate::rt::coop;
#[cfg(feature = "rt-sim")]
use crate::rt::simulation::SimListener;
use crate::rt::{Direction, Io, Source};
use crate::Backend;

/// A std listener: what TCP and Unix listeners have in common.
pub(crate) trait StdListener: Source {
    /// The streams it accepts.
    type Stream: Source;
    /// Its address family's address.
    type Addr: Address;

    /// `accept(2)`.
    fn accept_std(&self) -> io::Result<(Self::Stream, Self::Addr)>;
    /// Switches the listener to non-blocking mode.
    fn set_nonblocking_std(&self) -> io::Result<()>;
    /// Switches a stream it accepted to non-blocking mode, before it is registered.
    fn stream_nonblocking(stream: &Self::Stream) -> io::Result<()>;
}

impl StdListener for std::net::TcpListener {
    type Stream = std::net::TcpStream;
    type Addr = std::net::SocketAddr;

    fn accept_std(&self) -> io::Result<(Self::Stream, Self::Addr)> {
        self.accept()
    }

    fn set_nonblocking_std(&self) -> io::Result<()> {
        self.set_nonblocking(true)
    }

    fn stream_nonblocking(stream: &Self::Stream) -> io::Result<()> {
        stream.set_nonblocking(true)
    }
}

impl StdListener for std::os::unix::net::UnixListener {
    type Stream = std::os::unix::net::UnixStream;
    type Addr = std::os::unix::net::SocketAddr;

    fn accept_std(&self) -> io::Result<(Self::Stream, Self::Addr)> {
        self.accept()
    }

    fn set_nonblocking_std(&self) -> io::Result<()> {
        self.set_nonblocking(true)
    }

    fn stream_nonblocking(stream: &Self::Stream) -> io::Result<()> {
        stream.set_nonblocking(true)
    }
}

/// A connection accepted from a listener of kind `L`, with its peer's address.
pub(crate) type Accepted<L> = (Conn<<L as StdListener>::Stream>, <L as StdListener>::Addr);

/// A listener: an OS socket registered with the serving backend's reactor, or a listener of the
/// simulation's in-memory network (under `rt-sim`).
pub(crate) enum Listener<L: Source> {
    Os(Io<L>),
    #[cfg(feature = "rt-sim")]
    Sim(SimListener),
}

impl<L: StdListener> Listener<L> {
    /// Under the simulation, a listener bound in its network (or the error); `None` on every
    /// other backend, where the caller binds an OS socket.
    pub(crate) fn bind_simulated(_at: Endpoint<'_>) -> Option<io::Result<Listener<L>>> {
        #[cfg(feature = "rt-sim")]
        if crate::rt::simulated() {
            return Some(SimListener::bind(_at.into()).map(Listener::Sim));
        }
        None
    }

    /// Under the simulation, reserves `addr` in its network for a `TcpSocket` bound before it
    /// listens or connects: the address it will have, its port chosen if 0.
    #[cfg(feature = "rt-sim")]
    pub(crate) fn reserve_simulated(
        addr: std::net::SocketAddr,
    ) -> io::Result<std::net::SocketAddr> {
        crate::rt::simulation::net::bind_addr(addr)
    }

    /// Registers an OS listener, switched to non-blocking mode; `Unsupported` under the
    /// simulation, which has no OS descriptors.
    pub(crate) fn from_os(listener: L) -> io::Result<Self> {
        crate::net::stream::no_descriptor_in_simulation()?;
        listener.set_nonblocking_std()?;
        Ok(Listener::Os(Io::new(listener)?))
    }

    /// Deregisters the OS listener; `Unsupported` for a simulated one.
    pub(crate) fn into_os(self) -> io::Result<L> {
        seam!(Listener, self, io => io.into_inner(), _ => Err(crate::rt::simulation::no_descriptor()))
    }

    /// Waits for a connection. An OS stream accepted is switched to non-blocking mode and
    /// registered.
    pub(crate) async fn accept(&self) -> io::Result<Accepted<L>> {
        seam!(Listener, self,
            io => {
                let accepted = io.io(Direction::Read, |l| l.accept_std());
                let (stream, addr) = coop::cooperative(accepted).await?;
                L::stream_nonblocking(&stream)?;
                Ok((Conn::from_os(stream)?, addr))
            },
            // `poll_accept` spends the budget.
            _ => std::future::poll_fn(|cx| self.poll_accept(cx)).await,
        )
    }

    /// Polls for a connection, as [`accept`](Listener::accept) waits for one.
    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Accepted<L>>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Listener, self,
                io => {
                    let (stream, addr) =
                        ready!(io.poll_io(Direction::Read, cx, |l| l.accept_std()))?;
                    Poll::Ready(
                        L::stream_nonblocking(&stream)
                            .and_then(|()| Conn::from_os(stream))
                            .map(|conn| (conn, addr)),
                    )
                },
                sim => {
                    let (stream, addr) = ready!(sim.poll_accept(cx))?;
                    Poll::Ready(L::Addr::from_sim(&addr).map(|addr| (Conn::Sim(stream), addr)))
                },
            )
        })
    }

    /// The local address: `os`'s answer for an OS listener.
    pub(crate) fn local_addr(
        &self,
        os: impl FnOnce(&L) -> io::Result<L::Addr>,
    ) -> io::Result<L::Addr> {
        seam!(Listener, self, io => os(io.get_ref()), sim => L::Addr::from_sim(&sim.local_addr()))
    }

    /// The TTL of the packets sent: `os`'s answer for an OS listener.
    pub(crate) fn ttl(&self, os: impl FnOnce(&L) -> io::Result<u32>) -> io::Result<u32> {
        seam!(Listener, self, io => os(io.get_ref()), sim => Ok(sim.ttl()))
    }

    /// Sets the TTL: with `os` on an OS listener.
    pub(crate) fn set_ttl(
        &self,
        _ttl: u32,
        os: impl FnOnce(&L) -> io::Result<()>,
    ) -> io::Result<()> {
        seam!(Listener, self, io => os(io.get_ref()), sim => {
            sim.set_ttl(_ttl);
            Ok(())
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        seam!(Listener, self, io => io.backend(), _ => Backend::Sim)
    }

    /// The registered OS listener.
    ///
    /// # Panics
    /// For a simulated listener, which has no descriptor (`AsFd`).
    pub(crate) fn os_or_panic(&self) -> &L {
        seam!(Listener, self, io => io.get_ref(), _ => panic!(
            "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
             `AsRawFd`)"
        ))
    }
}

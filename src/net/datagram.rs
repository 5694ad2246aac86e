//! What UDP and Unix datagram sockets share: sends and receives on a registered std socket (or
//! on a socket of the simulated network), their addresses and options.
//!
//! This file is the datagrams' seam with the simulation, as `stream.rs` is the streams': the
//! simulated variant of [`Datagram`] and every arm on it exist only under `rt-sim` (through
//! `seam!`). `UdpSocket` and `UnixDatagram` never name the simulation; they pass the
//! system call to make on an OS socket, and the seam makes it, or asks the simulation instead.

use std::io;
use std::task::{Context, Poll};

use crate::io::{Interest, Ready};
#[cfg(feature = "rt-sim")]
use crate::net::stream::now;
use crate::net::stream::{Address, Endpoint};
use crate::rt::coop;
#[cfg(feature = "rt-sim")]
use crate::rt::simulation::SimDatagram;
use crate::rt::{DatagramOptions, Direction, Io, Source};
use crate::Backend;

/// A datagram socket: an OS socket registered with the serving backend's reactor, or a socket
/// of the simulation's in-memory network (under `rt-sim`).
pub(crate) enum Datagram<S: Source> {
    Os(Io<S>),
    #[cfg(feature = "rt-sim")]
    Sim(SimDatagram),
}

impl<S: Source> Datagram<S> {
    /// Under the simulation, a socket bound in its network at `at` (`None`: an unbound Unix
    /// socket); `None` on every other backend, where the caller binds an OS socket.
    pub(crate) fn bind_simulated(_at: Option<Endpoint<'_>>) -> Option<io::Result<Self>> {
        #[cfg(feature = "rt-sim")]
        if crate::rt::simulated() {
            let at = _at.map_or(crate::rt::simulation::SimAddr::Unix(None), Into::into);
            return Some(SimDatagram::bind(at).map(Datagram::Sim));
        }
        None
    }

    /// Under the simulation, a connected pair of Unix datagram sockets; `None` elsewhere.
    pub(crate) fn pair_simulated() -> Option<io::Result<(Self, Self)>> {
        #[cfg(feature = "rt-sim")]
        if crate::rt::simulated() {
            return Some(
                SimDatagram::unix_pair().map(|(a, b)| (Datagram::Sim(a), Datagram::Sim(b))),
            );
        }
        None
    }

    /// Registers an OS socket with the serving backend (after
    /// [`no_descriptor_in_simulation`](crate::net::stream::no_descriptor_in_simulation)).
    pub(crate) fn from_os(socket: S) -> io::Result<Self> {
        Ok(Datagram::Os(Io::new(socket)?))
    }

    /// Deregisters the OS socket; `Unsupported` for a simulated one.
    pub(crate) fn into_os(self) -> io::Result<S> {
        seam!(Datagram, self, io => io.into_inner(), _ => Err(crate::rt::simulation::no_descriptor()))
    }

    /// The registered OS socket, or `Unsupported` for a simulated one.
    pub(crate) fn os(&self) -> io::Result<&Io<S>> {
        seam!(Datagram, self, io => Ok(io), _ => Err(crate::rt::simulation::no_descriptor()))
    }

    /// The registered OS socket.
    ///
    /// # Panics
    /// For a simulated socket, which has no descriptor (`AsFd`).
    pub(crate) fn os_or_panic(&self) -> &S {
        seam!(Datagram, self, io => io.get_ref(), _ => panic!(
            "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
             `AsRawFd`)"
        ))
    }

    pub(crate) fn backend(&self) -> Backend {
        seam!(Datagram, self, io => io.backend(), _ => Backend::Sim)
    }

    /// Sets the default peer: `os` on an OS socket.
    pub(crate) fn connect(
        &self,
        _to: Endpoint<'_>,
        os: impl FnOnce(&S) -> io::Result<()>,
    ) -> io::Result<()> {
        seam!(Datagram, self, io => os(io.get_ref()), sim => sim.connect(_to.into()))
    }

    /// Sends to the connected peer, waiting for room: `os` on an OS socket.
    pub(crate) async fn send(
        &self,
        buf: &[u8],
        os: impl Fn(&S, &[u8]) -> io::Result<usize> + Send + Sync,
    ) -> io::Result<usize> {
        coop::cooperative(async {
            seam!(Datagram, self,
                io => io.io(Direction::Write, |s| os(s, buf)).await,
                sim => sim.send(buf),
            )
        })
        .await
    }

    /// Sends to `to`, waiting for room: `os` on an OS socket.
    pub(crate) async fn send_to(
        &self,
        buf: &[u8],
        _to: Endpoint<'_>,
        os: impl Fn(&S, &[u8]) -> io::Result<usize> + Send + Sync,
    ) -> io::Result<usize> {
        coop::cooperative(async {
            seam!(Datagram, self,
                io => io.io(Direction::Write, |s| os(s, buf)).await,
                sim => sim.send_to(buf, &_to.into()),
            )
        })
        .await
    }

    /// Receives one datagram and its sender's address (`peek`: leaving it queued), waiting for
    /// one: `os` on an OS socket.
    pub(crate) async fn recv_from<A: Address>(
        &self,
        buf: &mut [u8],
        _peek: bool,
        mut os: impl FnMut(&S, &mut [u8]) -> io::Result<(usize, A)> + Send,
    ) -> io::Result<(usize, A)> {
        coop::cooperative(async {
            seam!(Datagram, self,
                io => io.io(Direction::Read, |s| os(s, buf)).await,
                sim => from_sim(std::future::poll_fn(|cx| sim.poll_recv_from(cx, buf, _peek)).await),
            )
        })
        .await
    }

    /// Receives one datagram from the connected peer, waiting for one: `os` on an OS socket.
    pub(crate) async fn recv(
        &self,
        buf: &mut [u8],
        mut os: impl FnMut(&S, &mut [u8]) -> io::Result<usize> + Send,
    ) -> io::Result<usize> {
        coop::cooperative(async {
            seam!(Datagram, self,
                io => io.io(Direction::Read, |s| os(s, buf)).await,
                sim => std::future::poll_fn(|cx| sim.poll_recv_from(cx, buf, false))
                    .await
                    .map(|(n, _)| n),
            )
        })
        .await
    }

    /// Polls a send to the connected peer (`to`: to that address instead): `os` on an OS
    /// socket.
    pub(crate) fn poll_send(
        &self,
        cx: &mut Context<'_>,
        _buf: &[u8],
        _to: Option<Endpoint<'_>>,
        os: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Datagram, self,
                io => io.poll_io(Direction::Write, cx, os),
                sim => Poll::Ready(match _to {
                    Some(to) => sim.send_to(_buf, &to.into()),
                    None => sim.send(_buf),
                }),
            )
        })
    }

    /// Polls a receive, with the sender's address: `os` on an OS socket.
    pub(crate) fn poll_recv_from<A: Address>(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        mut os: impl FnMut(&S, &mut [u8]) -> io::Result<(usize, A)>,
    ) -> Poll<io::Result<(usize, A)>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Datagram, self,
                io => io.poll_io(Direction::Read, cx, |s| os(s, buf)),
                sim => sim.poll_recv_from(cx, buf, false).map(from_sim),
            )
        })
    }

    /// Polls a receive from the connected peer: `os` on an OS socket.
    pub(crate) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        mut os: impl FnMut(&S, &mut [u8]) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        coop::poll_cooperative(cx, |cx| {
            seam!(Datagram, self,
                io => io.poll_io(Direction::Read, cx, |s| os(s, buf)),
                sim => sim.poll_recv_from(cx, buf, false).map(|r| r.map(|(n, _)| n)),
            )
        })
    }

    /// Sends now (`to`: to that address instead of the connected peer); `WouldBlock` if there
    /// is no room: `os` on an OS socket.
    pub(crate) fn try_send(
        &self,
        _buf: &[u8],
        _to: Option<Endpoint<'_>>,
        os: impl FnOnce(&S) -> io::Result<usize>,
    ) -> io::Result<usize> {
        seam!(Datagram, self,
            io => io.try_io(Direction::Write, os),
            sim => match _to {
                Some(to) => sim.send_to(_buf, &to.into()),
                None => sim.send(_buf),
            },
        )
    }

    /// Receives now, with the sender's address (`peek`: leaving it queued); `WouldBlock` if
    /// nothing is queued: `os` on an OS socket.
    pub(crate) fn try_recv_from<A: Address>(
        &self,
        buf: &mut [u8],
        _peek: bool,
        os: impl FnOnce(&S, &mut [u8]) -> io::Result<(usize, A)>,
    ) -> io::Result<(usize, A)> {
        seam!(Datagram, self,
            io => io.try_io(Direction::Read, |s| os(s, buf)),
            sim => from_sim(now(|cx| sim.poll_recv_from(cx, buf, _peek))),
        )
    }

    /// Receives now from the connected peer; `WouldBlock` if nothing is queued.
    pub(crate) fn try_recv(
        &self,
        buf: &mut [u8],
        os: impl FnOnce(&S, &mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        seam!(Datagram, self,
            io => io.try_io(Direction::Read, |s| os(s, buf)),
            sim => now(|cx| sim.poll_recv_from(cx, buf, false)).map(|(n, _)| n),
        )
    }

    /// Waits until the socket is ready for one of `interest`'s directions.
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        seam!(Datagram, self,
            io => crate::io::ready(io, interest).await,
            // Writable always, readable with a datagram or an error queued.
            sim => Ok(std::future::poll_fn(|cx| {
                let mut ready = Ready::EMPTY;
                if interest.is_writable() {
                    ready = ready | Ready::WRITABLE;
                }
                if interest.is_readable() && sim.poll_ready(Direction::Read, cx).is_ready() {
                    ready = ready | Ready::READABLE;
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

    /// Waits until the socket is ready in `direction`; a simulated socket can always send.
    pub(crate) async fn ready_in(&self, direction: Direction) -> io::Result<()> {
        seam!(Datagram, self,
            io => io.ready(direction).await,
            sim => {
                if direction == Direction::Read {
                    std::future::poll_fn(|cx| sim.poll_ready(Direction::Read, cx)).await;
                }
                Ok(())
            },
        )
    }

    /// Polls for readiness in `direction`; a simulated socket can always send.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        seam!(Datagram, self,
            io => io.poll_ready(direction, cx),
            sim => match direction {
                Direction::Read => sim.poll_ready(Direction::Read, cx).map(Ok),
                Direction::Write => Poll::Ready(Ok(())),
            },
        )
    }

    /// The local address: `os`'s answer for an OS socket.
    pub(crate) fn local_addr<A: Address>(
        &self,
        os: impl FnOnce(&S) -> io::Result<A>,
    ) -> io::Result<A> {
        seam!(Datagram, self, io => os(io.get_ref()), sim => A::from_sim(&sim.local_addr()))
    }

    /// The connected peer's address: `os`'s answer for an OS socket.
    pub(crate) fn peer_addr<A: Address>(
        &self,
        os: impl FnOnce(&S) -> io::Result<A>,
    ) -> io::Result<A> {
        seam!(Datagram, self, io => os(io.get_ref()), sim => A::from_sim(&sim.peer_addr()?))
    }

    /// A socket option: `os` on an OS socket; on a simulated one, `simulated` on the options it
    /// keeps.
    pub(crate) fn option<T>(
        &self,
        os: impl FnOnce(&S) -> io::Result<T>,
        _simulated: impl FnOnce(&mut DatagramOptions) -> T,
    ) -> io::Result<T> {
        seam!(Datagram, self, io => os(io.get_ref()), sim => Ok(_simulated(&mut sim.options())))
    }

    /// Joins or leaves a multicast group: `os` on an OS socket; a simulated socket checks the
    /// address only (`EINVAL` unless `is_multicast`), as it delivers no multicast.
    pub(crate) fn multicast(
        &self,
        _is_multicast: bool,
        os: impl FnOnce(&S) -> io::Result<()>,
    ) -> io::Result<()> {
        seam!(Datagram, self,
            io => os(io.get_ref()),
            _ => crate::rt::simulation::net::check_multicast(_is_multicast),
        )
    }
}

/// A simulated receive's result with the address in the socket's family.
#[cfg(feature = "rt-sim")]
fn from_sim<A: Address>(
    result: io::Result<(usize, crate::rt::simulation::SimAddr)>,
) -> io::Result<(usize, A)> {
    let (n, addr) = result?;
    Ok((n, A::from_sim(&addr)?))
}

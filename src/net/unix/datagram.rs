//! [`UnixDatagram`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::{Interest, Ready};
use crate::net::stream::now;
use crate::rt::coop;
use crate::rt::simulation::{self, SimAddr, SimDatagram};
use crate::rt::{Direction, Io};
use crate::Backend;

/// A Unix datagram socket. Methods take `&self`; share it through an `Arc`.
///
/// # Examples
///
/// ```
/// use anyrt::net::UnixDatagram;
///
/// # anyrt::block_on(async {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"ping").await?;
/// let mut buf = [0; 8];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"ping");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixDatagram {
    inner: Inner,
}

/// An OS socket registered with the serving backend's reactor, or one of the simulation.
enum Inner {
    Os(Io<std::os::unix::net::UnixDatagram>),
    Sim(SimDatagram),
}

impl UnixDatagram {
    /// Binds a socket to `path` (not async). The path stays after the socket is dropped.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if `path` exists; `InvalidInput` for a path too long; the system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::UnixDatagram;
    ///
    /// # anyrt::block_on(async {
    /// let path = std::env::temp_dir().join(format!("anyrt-doc-dgram-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.send_to(b"hi", &path).await?;
    /// let mut buf = [0; 2];
    /// let (n, _from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        if crate::rt::simulated() {
            let path = path.as_ref().to_path_buf();
            return SimDatagram::bind(SimAddr::Unix(Some(path))).map(UnixDatagram::simulated);
        }
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no path.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`bind`](UnixDatagram::bind).
    pub fn unbound() -> io::Result<UnixDatagram> {
        if crate::rt::simulated() {
            return SimDatagram::bind(SimAddr::Unix(None)).map(UnixDatagram::simulated);
        }
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A pair of connected sockets.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`UnixDatagram`].
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        if crate::rt::simulated() {
            let (a, b) = SimDatagram::unix_pair()?;
            return Ok((UnixDatagram::simulated(a), UnixDatagram::simulated(b)));
        }
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Wraps a std socket; it is switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// If it cannot be switched or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = std::os::unix::net::UnixDatagram::unbound()?;
    /// let socket = anyrt::net::UnixDatagram::from_std(socket)?.into_std()?;
    /// # drop(socket);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        if crate::rt::simulated() {
            return Err(simulation::no_descriptor());
        }
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            inner: Inner::Os(Io::new(socket)?),
        })
    }

    /// Deregisters the socket and returns it, still non-blocking.
    ///
    /// # Errors
    ///
    /// If the reactor fails to deregister it.
    ///
    /// # Examples
    ///
    /// See [`from_std`](UnixDatagram::from_std).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        match self.inner {
            Inner::Os(io) => io.into_inner(),
            Inner::Sim(_) => Err(simulation::no_descriptor()),
        }
    }

    /// Connects the socket to `path` (not async, as in tokio).
    ///
    /// # Errors
    ///
    /// The system's error (`ConnectionRefused`, `NotFound`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let path = std::env::temp_dir().join(format!("anyrt-doc-dconn-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let server = anyrt::net::UnixDatagram::bind(&path)?;
    /// let client = anyrt::net::UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// client.send(b"x").await?;
    /// assert_eq!(server.recv(&mut [0; 1]).await?, 1);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        match &self.inner {
            Inner::Os(io) => io.get_ref().connect(path),
            Inner::Sim(sim) => sim.connect(SimAddr::Unix(Some(path.as_ref().to_path_buf()))),
        }
    }

    /// Sends to the connected peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`UnixDatagram`].
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        coop::cooperative(async {
            match &self.inner {
                Inner::Os(io) => io.io(Direction::Write, |s| s.send(buf)).await,
                Inner::Sim(sim) => sim.send(buf),
            }
        })
        .await
    }

    /// Receives from the connected peer; a datagram longer than `buf` is truncated.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`UnixDatagram`].
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        coop::cooperative(async {
            match &self.inner {
                Inner::Os(io) => io.io(Direction::Read, |s| s.recv(buf)).await,
                Inner::Sim(sim) => poll_fn(|cx| sim.poll_recv_from(cx, buf, false))
                    .await
                    .map(|(n, _)| n),
            }
        })
        .await
    }

    /// Sends to the socket bound at `path`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`bind`](UnixDatagram::bind).
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let path = path.as_ref();
        coop::cooperative(async {
            match &self.inner {
                Inner::Os(io) => io.io(Direction::Write, |s| s.send_to(buf, path)).await,
                Inner::Sim(sim) => sim.send_to(buf, &SimAddr::Unix(Some(path.to_path_buf()))),
            }
        })
        .await
    }

    /// Receives a datagram and its sender's address.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`bind`](UnixDatagram::bind).
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        coop::cooperative(async {
            match &self.inner {
                Inner::Os(io) => io.io(Direction::Read, |s| s.recv_from(buf)).await,
                Inner::Sim(sim) => {
                    let (n, from) = poll_fn(|cx| sim.poll_recv_from(cx, buf, false)).await?;
                    Ok((n, from.unix()?))
                }
            }
        })
        .await
    }

    /// Waits until the socket is ready for one of `interest`'s directions.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::io::Interest;
    ///
    /// # anyrt::block_on(async {
    /// let (a, _b) = anyrt::net::UnixDatagram::pair()?;
    /// assert!(a.ready(Interest::WRITABLE).await?.is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        match &self.inner {
            Inner::Os(io) => crate::io::ready(io, interest).await,
            Inner::Sim(sim) => Ok(poll_fn(|cx| sim.poll_ready_for(interest, cx)).await),
        }
    }

    /// Waits until a datagram can be received.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, b) = anyrt::net::UnixDatagram::pair()?;
    /// a.try_send(b"x")?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv(&mut [0; 1])?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        match &self.inner {
            Inner::Os(io) => io.ready(Direction::Read).await,
            Inner::Sim(sim) => {
                poll_fn(|cx| sim.poll_ready(Direction::Read, cx)).await;
                Ok(())
            }
        }
    }

    /// Waits until a datagram can be sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = anyrt::net::UnixDatagram::pair()?;
    /// a.writable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        match &self.inner {
            Inner::Os(io) => io.ready(Direction::Write).await,
            Inner::Sim(_) => Ok(()),
        }
    }

    /// Sends to the connected peer now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the buffer is full; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`readable`](UnixDatagram::readable).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        match &self.inner {
            Inner::Os(io) => io.try_io(Direction::Write, |s| s.send(buf)),
            Inner::Sim(sim) => sim.send(buf),
        }
    }

    /// Receives from the connected peer now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is queued; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`readable`](UnixDatagram::readable).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        match &self.inner {
            Inner::Os(io) => io.try_io(Direction::Read, |s| s.recv(buf)),
            Inner::Sim(sim) => now(|cx| sim.poll_recv_from(cx, buf, false)).map(|(n, _)| n),
        }
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UnixDatagram::unbound()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// assert!(a.peer_addr().is_err());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Inner::Os(io) => io.get_ref().local_addr(),
            Inner::Sim(sim) => sim.local_addr().unix(),
        }
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if not connected.
    ///
    /// # Examples
    ///
    /// See [`local_addr`](UnixDatagram::local_addr).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Inner::Os(io) => io.get_ref().peer_addr(),
            Inner::Sim(sim) => sim.peer_addr()?.unix(),
        }
    }

    /// The backend the socket is registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UnixDatagram::unbound()?;
    /// assert_eq!(a.backend(), anyrt::Backend::current());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Os(io) => io.backend(),
            Inner::Sim(_) => Backend::Sim,
        }
    }
}

impl UnixDatagram {
    fn simulated(sim: SimDatagram) -> UnixDatagram {
        UnixDatagram {
            inner: Inner::Sim(sim),
        }
    }

    /// The OS socket, for `AsFd`.
    ///
    /// # Panics
    /// For a socket of the simulation, which has no descriptor.
    fn os(&self) -> &Io<std::os::unix::net::UnixDatagram> {
        match &self.inner {
            Inner::Os(io) => io,
            Inner::Sim(_) => panic!(
                "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
                 `AsRawFd`)"
            ),
        }
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.os().get_ref().as_fd()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.os().get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .field("backend", &self.backend())
            .finish()
    }
}

//! [`UnixDatagram`].

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::{Interest, Ready};
use crate::net::datagram::Datagram;
use crate::net::stream::Endpoint;
use crate::rt::Direction;
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
    inner: Datagram<std::os::unix::net::UnixDatagram>,
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
        if let Some(simulated) = Datagram::bind_simulated(Some(Endpoint::Unix(path.as_ref()))) {
            return simulated.map(|inner| UnixDatagram { inner });
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
        if let Some(simulated) = Datagram::bind_simulated(None) {
            return simulated.map(|inner| UnixDatagram { inner });
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
        if let Some(simulated) = Datagram::pair_simulated() {
            let (a, b) = simulated?;
            return Ok((UnixDatagram { inner: a }, UnixDatagram { inner: b }));
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
        crate::net::stream::no_descriptor_in_simulation()?;
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            inner: Datagram::from_os(socket)?,
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
        self.inner.into_os()
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
        let path = path.as_ref();
        self.inner
            .connect(Endpoint::Unix(path), |s| s.connect(path))
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
        self.inner.send(buf, |s, buf| s.send(buf)).await
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
        self.inner.recv(buf, |s, buf| s.recv(buf)).await
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
        self.inner
            .send_to(buf, Endpoint::Unix(path), |s, buf| s.send_to(buf, path))
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
        self.inner
            .recv_from(buf, false, |s, buf| s.recv_from(buf))
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
        self.inner.ready(interest).await
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
        self.inner.ready_in(Direction::Read).await
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
        self.inner.ready_in(Direction::Write).await
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
        self.inner.try_send(buf, None, |s| s.send(buf))
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
        self.inner.try_recv(buf, |s, buf| s.recv(buf))
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
        self.inner
            .local_addr(std::os::unix::net::UnixDatagram::local_addr)
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
        self.inner
            .peer_addr(std::os::unix::net::UnixDatagram::peer_addr)
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
        self.inner.backend()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.os_or_panic().as_fd()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.os_or_panic().as_raw_fd()
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

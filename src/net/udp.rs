//! [`UdpSocket`].

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, Socket, Type};

use crate::io::{Interest, Ready};
use crate::net::addr::{each_addr, resolve, ToSocketAddrs};
use crate::net::datagram::Datagram;
use crate::net::stream::Endpoint;
use crate::net::tcp::set_v6_only;
use crate::rt::Direction;
use crate::Backend;

/// A UDP socket. Every method takes `&self`: share one socket between tasks through an `Arc`,
/// one task sending while others receive.
///
/// The same on every backend: a datagram longer than the buffer given to a receive is truncated
/// to the buffer's length and the rest is discarded (`recv` returns the buffer's length); on a
/// connected socket, an ICMP "port unreachable" from the peer makes the next receive fail with
/// `ConnectionRefused` (Linux) instead of waiting; IPv6 sockets are IPv6-only.
///
/// # Examples
///
/// ```
/// use anyrt::net::UdpSocket;
///
/// # anyrt::block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"ping", b.local_addr()?).await?;
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"ping");
/// assert_eq!(from, a.local_addr()?);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    inner: Datagram<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr`; with several addresses, the first that binds.
    ///
    /// # Errors
    ///
    /// As [`TcpListener::bind`](crate::net::TcpListener::bind).
    ///
    /// # Examples
    ///
    /// See [`UdpSocket`].
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr(&addr, |addr| async move {
            if let Some(simulated) = Datagram::bind_simulated(Some(Endpoint::Ip(addr))) {
                return simulated.map(|inner| UdpSocket { inner });
            }
            let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
            set_v6_only(&socket, addr)?;
            socket.set_nonblocking(true)?;
            socket.bind(&addr.into())?;
            UdpSocket::from_std(socket.into())
        })
        .await
    }

    /// Wraps a socket made by the standard library (or socket2); it is switched to
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// If it cannot be switched or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let socket = anyrt::net::UdpSocket::from_std(std_socket)?;
    /// # drop(socket);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        crate::net::stream::no_descriptor_in_simulation()?;
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
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
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let std_socket = socket.into_std()?;
    /// # drop(std_socket);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.inner.into_os()
    }

    /// Connects the socket to `addr` (the first address that works): `send` and `recv` then
    /// talk to it only, and datagrams from elsewhere are dropped by the OS.
    ///
    /// # Errors
    ///
    /// As the resolver's and the system's `connect`.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::UdpSocket;
    ///
    /// # anyrt::block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"hi").await?;
    /// let mut buf = [0; 2];
    /// assert_eq!(b.recv(&mut buf).await?, 2);
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let inner = &self.inner;
        each_addr(&addr, |addr| async move {
            inner.connect(Endpoint::Ip(addr), |s| s.connect(addr))
        })
        .await
    }

    /// Sends `buf` to the connected peer; waits for room in the send buffer.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a datagram is sent whole or not at all.
    ///
    /// # Errors
    ///
    /// The system's error; `EDESTADDRREQ` ("Destination address required") if the socket is
    /// not connected.
    ///
    /// # Examples
    ///
    /// See [`connect`](UdpSocket::connect).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.send(buf, |s, buf| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer; see [`UdpSocket`] for truncation and
    /// ICMP errors.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a datagram is either returned or left queued.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` after an ICMP "port unreachable" (Linux); the system's error.
    ///
    /// # Examples
    ///
    /// See [`connect`](UdpSocket::connect).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.recv(buf, |s, buf| s.recv(buf)).await
    }

    /// Sends `buf` to `target`, resolved like every address (its first address is used).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe once the address is resolved: a datagram is sent whole or not at all.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `target` resolves to nothing; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`UdpSocket`].
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let Some(target) = resolve(&target).await?.next() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no addresses to send data to",
            ));
        };
        self.inner
            .send_to(buf, Endpoint::Ip(target), |s, buf| s.send_to(buf, target))
            .await
    }

    /// Receives a datagram and the address it came from.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a datagram is either returned or left queued.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`UdpSocket`].
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner
            .recv_from(buf, false, |s, buf| s.recv_from(buf))
            .await
    }

    /// Like [`recv_from`](UdpSocket::recv_from), leaving the datagram queued.
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
    /// ```
    /// use anyrt::net::UdpSocket;
    ///
    /// # anyrt::block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"once", b.local_addr()?).await?;
    /// let mut buf = [0; 8];
    /// let (n, _) = b.peek_from(&mut buf).await?;
    /// let (m, _) = b.recv_from(&mut buf).await?;
    /// assert_eq!((n, m), (4, 4));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner
            .recv_from(buf, true, |s, buf| s.peek_from(buf))
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
    /// let socket = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.ready(Interest::WRITABLE).await?.is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.inner.ready(interest).await
    }

    /// Waits until a datagram (or an error) can be received.
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
    /// use anyrt::net::UdpSocket;
    ///
    /// # anyrt::block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// let mut buf = [0; 1];
    /// let (n, _) = loop {
    ///     b.readable().await?;
    ///     match b.try_recv_from(&mut buf) {
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         result => break result?,
    ///     }
    /// };
    /// assert_eq!(n, 1);
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
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send_to(b"x", a.local_addr()?)?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.ready_in(Direction::Write).await
    }

    /// Polls for receive readiness (one waker per direction: use
    /// [`readable`](UdpSocket::readable) from several tasks).
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", a.local_addr()?).await?;
    /// poll_fn(|cx| a.poll_recv_ready(cx)).await?;
    /// poll_fn(|cx| a.poll_send_ready(cx)).await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_ready(Direction::Read, cx)
    }

    /// Polls for send readiness; see [`poll_recv_ready`](UdpSocket::poll_recv_ready).
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// See [`poll_recv_ready`](UdpSocket::poll_recv_ready).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_ready(Direction::Write, cx)
    }

    /// Polls to send `buf` to the connected peer.
    ///
    /// # Errors
    ///
    /// As [`send`](UdpSocket::send).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(a.local_addr()?).await?;
    /// poll_fn(|cx| a.poll_send(cx, b"me")).await?;
    /// let mut buf = [0; 2];
    /// assert_eq!(poll_fn(|cx| a.poll_recv(cx, &mut buf)).await?, 2);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_send(cx, buf, None, |s| s.send(buf))
    }

    /// Polls to receive a datagram from the connected peer, into `buf`; returns its length
    /// (truncated to `buf`). tokio's takes a `ReadBuf`; anyrt keeps tokio types out of its API.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
    ///
    /// # Examples
    ///
    /// See [`poll_send`](UdpSocket::poll_send).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_recv(cx, buf, |s, buf| s.recv(buf))
    }

    /// Polls to send `buf` to `target`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let me = a.local_addr()?;
    /// poll_fn(|cx| a.poll_send_to(cx, b"me", me)).await?;
    /// let mut buf = [0; 2];
    /// let (n, from) = poll_fn(|cx| a.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((n, from), (2, me));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.inner
            .poll_send(cx, buf, Some(Endpoint::Ip(target)), |s| {
                s.send_to(buf, target)
            })
    }

    /// Polls to receive a datagram into `buf`, with its sender's address.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`poll_send_to`](UdpSocket::poll_send_to).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner
            .poll_recv_from(cx, buf, |s, buf| s.recv_from(buf))
    }

    /// Sends to the connected peer now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(a.local_addr()?).await?;
    /// assert_eq!(a.try_send(b"now")?, 3);
    /// let mut buf = [0; 3];
    /// a.readable().await?;
    /// assert_eq!(a.try_recv(&mut buf)?, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_send(buf, None, |s| s.send(buf))
    }

    /// Receives from the connected peer now, without waiting. Makes the system call whether or
    /// not the reactor has reported readiness yet.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is queued; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`try_send`](UdpSocket::try_send).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_recv(buf, |s, buf| s.recv(buf))
    }

    /// Sends to `target` now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`writable`](UdpSocket::writable).
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner
            .try_send(buf, Some(Endpoint::Ip(target)), |s| s.send_to(buf, target))
    }

    /// Receives a datagram now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is queued; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`readable`](UdpSocket::readable).
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner
            .try_recv_from(buf, false, |s, buf| s.recv_from(buf))
    }

    /// Peeks at a datagram now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is queued; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let error = a.try_peek_from(&mut [0; 4]).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner
            .try_recv_from(buf, true, |s, buf| s.peek_from(buf))
    }

    /// Runs `f`, a system call of yours on this socket (through [`AsRawFd`]), once and at once;
    /// if it returns `WouldBlock`, the readiness of `interest` is forgotten. This is the hook
    /// for `sendmsg`/`recvmsg` with GSO/GRO or ancillary data (quinn-udp).
    ///
    /// # Errors
    ///
    /// `f`'s error, `WouldBlock` included.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::io::Interest;
    ///
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let to = a.local_addr()?;
    /// let n = a.try_io(Interest::WRITABLE, || {
    ///     socket2::SockRef::from(&a).send_to(b"raw", &to.into())
    /// })?;
    /// assert_eq!(n, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        crate::io::try_io(self.inner.os()?, interest, f)
    }

    /// Like [`try_io`](UdpSocket::try_io), waiting for `interest` until `f` does not block.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe if `f` is.
    ///
    /// # Errors
    ///
    /// `f`'s error other than `WouldBlock`, or the reactor's.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::io::Interest;
    ///
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let to = a.local_addr()?;
    /// let n = a
    ///     .async_io(Interest::WRITABLE, || socket2::SockRef::from(&a).send_to(b"raw", &to.into()))
    ///     .await?;
    /// assert_eq!(n, 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            match self.try_io(interest, &mut f) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.ready(interest).await?;
                }
                result => return result,
            }
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
    /// See [`UdpSocket`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr(std::net::UdpSocket::local_addr)
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket is not connected.
    ///
    /// # Examples
    ///
    /// See [`connect`](UdpSocket::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr(std::net::UdpSocket::peer_addr)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.set_broadcast(true)?;
    /// assert!(a.broadcast()?);
    /// a.set_ttl(9)?;
    /// assert_eq!(a.ttl()?, 9);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.option(|s| s.broadcast(), |o| o.broadcast)
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`broadcast`](UdpSocket::broadcast).
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner
            .option(|s| s.set_broadcast(on), |o| o.broadcast = on)
    }

    /// `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`broadcast`](UdpSocket::broadcast).
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.option(|s| s.ttl(), |o| o.ttl)
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`broadcast`](UdpSocket::broadcast).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.option(|s| s.set_ttl(ttl), |o| o.ttl = ttl)
    }

    /// `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.set_multicast_loop_v4(false)?;
    /// assert!(!a.multicast_loop_v4()?);
    /// a.set_multicast_ttl_v4(4)?;
    /// assert_eq!(a.multicast_ttl_v4()?, 4);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.inner
            .option(|s| s.multicast_loop_v4(), |o| o.multicast_loop_v4)
    }

    /// Sets `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`multicast_loop_v4`](UdpSocket::multicast_loop_v4).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.inner.option(
            |s| s.set_multicast_loop_v4(on),
            |o| o.multicast_loop_v4 = on,
        )
    }

    /// `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`multicast_loop_v4`](UdpSocket::multicast_loop_v4).
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.inner
            .option(|s| s.multicast_ttl_v4(), |o| o.multicast_ttl_v4)
    }

    /// Sets `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`multicast_loop_v4`](UdpSocket::multicast_loop_v4).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.inner.option(
            |s| s.set_multicast_ttl_v4(ttl),
            |o| o.multicast_ttl_v4 = ttl,
        )
    }

    /// `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The system's error (on an IPv4 socket, for instance).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// if let Ok(a) = anyrt::net::UdpSocket::bind("[::1]:0").await {
    ///     a.set_multicast_loop_v6(false)?;
    ///     assert!(!a.multicast_loop_v6()?);
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner
            .option(|s| s.multicast_loop_v6(), |o| o.multicast_loop_v6)
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`multicast_loop_v6`](UdpSocket::multicast_loop_v6).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner.option(
            |s| s.set_multicast_loop_v6(on),
            |o| o.multicast_loop_v6 = on,
        )
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the OS picks).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `multiaddr` is not a multicast address (the same on every backend);
    /// the system's error otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    ///
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// let error = a.join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.inner.multicast(multiaddr.is_multicast(), |s| {
            s.join_multicast_v4(&multiaddr, &interface)
        })
    }

    /// Leaves an IPv4 multicast group; see [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    ///
    /// # Errors
    ///
    /// The system's error (`AddrNotAvailable` for a group not joined).
    ///
    /// # Examples
    ///
    /// See [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.inner.multicast(multiaddr.is_multicast(), |s| {
            s.leave_multicast_v4(&multiaddr, &interface)
        })
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index `interface` (0: any).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `multiaddr` is not a multicast address; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// if let Ok(a) = anyrt::net::UdpSocket::bind("[::1]:0").await {
    ///     assert!(a.join_multicast_v6(&std::net::Ipv6Addr::LOCALHOST, 0).is_err());
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.multicast(multiaddr.is_multicast(), |s| {
            s.join_multicast_v6(multiaddr, interface)
        })
    }

    /// Leaves an IPv6 multicast group.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`join_multicast_v6`](UdpSocket::join_multicast_v6).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.multicast(multiaddr.is_multicast(), |s| {
            s.leave_multicast_v6(multiaddr, interface)
        })
    }

    /// The backend the socket is registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(a.backend(), anyrt::Backend::current());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.os_or_panic().as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.os_or_panic().as_raw_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("backend", &self.backend())
            .finish()
    }
}

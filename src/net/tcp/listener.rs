//! [`TcpListener`] and [`Incoming`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_lite::Stream;
use socket2::{Domain, Protocol, Socket, Type};

use super::TcpStream;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::listener::Listener;
use crate::net::stream::Endpoint;
use crate::Backend;

/// A TCP socket listening for connections.
///
/// # Examples
///
/// ```
/// use anyrt::net::{TcpListener, TcpStream};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// # anyrt::block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let client = anyrt::spawn(async move {
///     let mut stream = TcpStream::connect(addr).await?;
///     stream.write_all(b"hello").await?;
///     stream.shutdown().await
/// });
/// let (mut stream, _peer) = listener.accept().await?;
/// let mut received = String::new();
/// stream.read_to_string(&mut received).await?;
/// assert_eq!(received, "hello");
/// client.await??;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpListener {
    inner: Listener<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr`; with several addresses, the first that binds.
    ///
    /// Port 0 picks a free port; see [`local_addr`](TcpListener::local_addr). Every listener is
    /// made alike on every backend: `SO_REUSEADDR` (Unix), `IPV6_V6ONLY` on for IPv6 addresses
    /// (a `[::]` listener takes no IPv4 connections, on every OS), a backlog of 1024.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `AddrNotAvailable`, `PermissionDenied` from the system; `InvalidInput` for
    /// an address that does not parse or resolves to nothing; the resolver's error for a name
    /// it cannot resolve (see [`lookup_host`](crate::net::lookup_host)).
    ///
    /// # Examples
    ///
    /// See [`TcpListener`].
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(&addr, |addr| async move {
            if let Some(simulated) = Listener::bind_simulated(Endpoint::Ip(addr)) {
                return simulated.map(|inner| TcpListener { inner });
            }
            bind_std(addr).and_then(Self::from_std)
        })
        .await
    }

    /// Wraps a listener made by the standard library (or socket2), for options anyrt does not
    /// set itself. The listener is switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// If it cannot be switched or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let listener = anyrt::net::TcpListener::from_std(std_listener)?;
    /// # drop(listener);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            inner: Listener::from_os(listener)?,
        })
    }

    /// Deregisters the listener and returns it, still in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If the reactor fails to deregister it.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let std_listener = listener.into_std()?;
    /// # drop(std_listener);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.inner.into_os()
    }

    /// Waits for a connection; returns it with the peer's address. Several tasks may wait on
    /// one listener at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a connection is never taken from the queue unless it is returned.
    ///
    /// # Errors
    ///
    /// The system's accept error, such as `EMFILE` when the process is out of descriptors. The
    /// connection then stays queued; see [`incoming`](TcpListener::incoming) for a loop that
    /// backs off.
    ///
    /// # Examples
    ///
    /// See [`TcpListener`].
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (conn, addr) = self.inner.accept().await?;
        Ok((TcpStream { conn }, addr))
    }

    /// Polls for a connection. Only the waker of the last call is woken; use
    /// [`accept`](TcpListener::accept) from several tasks.
    ///
    /// # Errors
    ///
    /// As [`accept`](TcpListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use anyrt::net::{TcpListener, TcpStream};
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let _client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (_stream, _peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (conn, addr) = ready!(self.inner.poll_accept(cx))?;
        Poll::Ready(Ok((TcpStream { conn }, addr)))
    }

    /// A stream of incoming connections. It never ends; an accept error is yielded as an item
    /// and the stream can be polled again.
    ///
    /// Errors come with no back-off on any backend: when the process is out of descriptors
    /// (`EMFILE`), the waiting connection stays queued, the listener stays readable, and a loop
    /// that polls again at once gets the same error at once, spinning a core. Pause after an
    /// error, as below.
    ///
    /// # Examples
    ///
    /// The recommended accept loop:
    ///
    /// ```
    /// use std::time::Duration;
    /// use anyrt::net::{TcpListener, TcpStream};
    /// use futures_lite::StreamExt;
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let _client = TcpStream::connect(listener.local_addr()?).await?;
    /// let mut incoming = listener.incoming();
    /// # let mut served = 0;
    /// while let Some(accepted) = incoming.next().await {
    ///     match accepted {
    ///         Ok(stream) => {
    ///             anyrt::spawn(async move { drop(stream) });
    /// #           served += 1;
    /// #           if served == 1 { break; }
    ///         }
    ///         // Out of descriptors or another transient error: let connections close first.
    ///         Err(_) => anyrt::time::sleep(Duration::from_millis(100)).await,
    ///     }
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpListener`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr(std::net::TcpListener::local_addr)
    }

    /// `IP_TTL` of the sockets this listener accepts.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// listener.set_ttl(42)?;
    /// assert_eq!(listener.ttl()?, 42);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl(std::net::TcpListener::ttl)
    }

    /// Sets `IP_TTL`; see [`ttl`](TcpListener::ttl).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`ttl`](TcpListener::ttl).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl, |l| l.set_ttl(ttl))
    }

    /// The backend the listener is registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert_eq!(listener.backend(), anyrt::Backend::current());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }
}

impl TcpListener {
    #[cfg(feature = "rt-sim")]
    pub(crate) fn from_listener(inner: Listener<std::net::TcpListener>) -> TcpListener {
        TcpListener { inner }
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.os_or_panic().as_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.os_or_panic().as_raw_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .field("backend", &self.backend())
            .finish()
    }
}

/// A listening socket, created the same way for every backend.
pub(crate) fn bind_std(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As tokio, async-io and std do: a restarted server can rebind its port while connections
    // of the previous one sit in TIME_WAIT. (On Windows the option means something else.)
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    set_v6_only(&socket, addr)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// `IPV6_V6ONLY` on for IPv6 sockets. The natives leave it at the OS default, which differs:
/// off on Linux (unless `net.ipv6.bindv6only`), on on Windows and the BSDs, and OpenBSD cannot
/// turn it off at all. On is the one value every OS supports, so a `[::]` socket takes IPv6
/// only, everywhere; bind `0.0.0.0` as well for IPv4.
pub(crate) fn set_v6_only(socket: &Socket, addr: SocketAddr) -> io::Result<()> {
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    Ok(())
}

/// The stream of connections of a [`TcpListener`]; see [`TcpListener::incoming`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

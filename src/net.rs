//! TCP: [`TcpListener`], [`TcpStream`], [`Incoming`].
//!
//! The same on every backend:
//!
//! - addresses are resolved by anyrt (literal addresses at once, host names on the blocking
//!   pool), so bind and connect errors have the same [`io::ErrorKind`] everywhere: an
//!   unparsable address or port is [`InvalidInput`](io::ErrorKind::InvalidInput), a port in use
//!   is [`AddrInUse`](io::ErrorKind::AddrInUse), never a panic;
//! - listeners are created alike (`SO_REUSEADDR` on Unix, a backlog of 1024);
//! - [`TcpListener::accept`] and [`Incoming`] are cancel-safe;
//! - closing the write half ([`TcpStream::shutdown`], or futures-io `close()`) sends FIN, and
//!   succeeds when the peer has already gone; a write after it fails.
//!
//! [`TcpStream`] implements the futures-io `AsyncRead` and `AsyncWrite` traits (those of
//! `futures-lite` and `futures`) on every backend, and tokio's `AsyncRead` and `AsyncWrite`
//! when the `rt-tokio` feature is enabled.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_lite::Stream;
use socket2::{Domain, Protocol, Socket, Type};

use crate::{rt, Backend};

/// Types that name one or more socket addresses: [`SocketAddr`] and its V4/V6 forms,
/// `(IpAddr, u16)`, `(&str, u16)`, `(String, u16)`, `&str` and `String` such as
/// `"127.0.0.1:8080"` or `"localhost:8080"`, and `&[SocketAddr]`.
///
/// Host names are resolved on the blocking pool, so resolution never stalls a runtime.
/// This trait is sealed: it cannot be implemented outside anyrt.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

mod sealed {
    use std::net::SocketAddr;

    /// What an address needs to become a list of socket addresses.
    #[derive(Debug)]
    pub enum Addrs {
        One(SocketAddr),
        Many(Vec<SocketAddr>),
        /// A `host:port` string for the system resolver.
        Lookup(String),
        /// A host name and a port for the system resolver.
        LookupHost(String, u16),
    }

    pub trait ToSocketAddrsPriv {
        fn to_addrs(&self) -> Addrs;
    }
}

use sealed::{Addrs, ToSocketAddrsPriv};

macro_rules! literal_addrs {
    ($($ty:ty => |$a:ident| $e:expr,)*) => {
        $(
            impl ToSocketAddrs for $ty {}
            impl ToSocketAddrsPriv for $ty {
                fn to_addrs(&self) -> Addrs {
                    let $a = *self;
                    Addrs::One($e)
                }
            }
        )*
    };
}

literal_addrs! {
    SocketAddr => |a| a,
    SocketAddrV4 => |a| a.into(),
    SocketAddrV6 => |a| a.into(),
    (IpAddr, u16) => |a| a.into(),
    (Ipv4Addr, u16) => |a| a.into(),
    (Ipv6Addr, u16) => |a| a.into(),
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_addrs(&self) -> Addrs {
        match self.parse() {
            Ok(addr) => Addrs::One(addr),
            Err(_) => Addrs::Lookup(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_addrs(&self) -> Addrs {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_addrs(&self) -> Addrs {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Addrs::One((ip, port).into()),
            Err(_) => Addrs::LookupHost(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_addrs(&self) -> Addrs {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl ToSocketAddrsPriv for [SocketAddr] {
    fn to_addrs(&self) -> Addrs {
        Addrs::Many(self.to_vec())
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn to_addrs(&self) -> Addrs {
        (**self).to_addrs()
    }
}

/// Resolves `addr`, off the runtime's threads when a resolver is needed. A single address (the
/// common case) is passed on without allocating.
async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Resolved> {
    use std::net::ToSocketAddrs as _;
    let lookup = match addr.to_addrs() {
        Addrs::One(addr) => return Ok(Resolved::One(Some(addr))),
        Addrs::Many(addrs) => return Ok(Resolved::Many(addrs.into_iter())),
        Addrs::Lookup(s) => {
            crate::task::spawn_blocking(move || s.to_socket_addrs().map(Vec::from_iter))
        }
        Addrs::LookupHost(host, port) => crate::task::spawn_blocking(move || {
            (host.as_str(), port).to_socket_addrs().map(Vec::from_iter)
        }),
    };
    Ok(Resolved::Many(lookup.await??.into_iter()))
}

/// The addresses [`resolve`] found.
enum Resolved {
    One(Option<SocketAddr>),
    Many(std::vec::IntoIter<SocketAddr>),
}

impl Iterator for Resolved {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match self {
            Resolved::One(addr) => addr.take(),
            Resolved::Many(addrs) => addrs.next(),
        }
    }
}

/// Tries `op` on each address of `addr` in turn; the last error if none works.
async fn each_addr<A, T, F, Fut>(addr: &A, mut op: F) -> io::Result<T>
where
    A: ToSocketAddrs + ?Sized,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last_error = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

fn socket_addr(addr: socket2::SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
}

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
    inner: rt::TcpListener,
}

impl TcpListener {
    /// Binds a listener to `addr`; with several addresses, the first that binds.
    ///
    /// Port 0 picks a free port; see [`local_addr`](TcpListener::local_addr).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(&addr, |addr| async move {
            bind_std(addr).and_then(Self::from_std)
        })
        .await
    }

    /// Wraps a listener made by the standard library (or socket2), for options anyrt does not
    /// set itself. The listener is switched to non-blocking mode.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            inner: rt::TcpListener::from_std(listener)?,
        })
    }

    /// Waits for a connection; returns it with the peer's address.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a connection is never taken from the queue unless it is returned.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (inner, addr) = ready!(self.inner.poll_accept(cx))?;
        Poll::Ready(Ok((TcpStream { inner }, addr)))
    }

    /// A stream of incoming connections. It never ends; an accept error (such as running out
    /// of file descriptors) is yielded as an item and the stream can be polled again.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::{TcpListener, TcpStream};
    /// use futures_lite::StreamExt;
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let _client = TcpStream::connect(listener.local_addr()?).await?;
    /// let first = listener.incoming().next().await.unwrap()?;
    /// assert_eq!(first.local_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        socket_addr(self.inner.socket().local_addr()?)
    }

    /// The backend the listener is registered with.
    pub fn backend(&self) -> Backend {
        self.inner.backend()
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
fn bind_std(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As tokio, async-io and std do: a restarted server can rebind its port while connections
    // of the previous one sit in TIME_WAIT. (On Windows the option means something else.)
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
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

/// A TCP connection.
///
/// Read and write it through the futures-io traits (`futures_lite::AsyncReadExt` and
/// `AsyncWriteExt`), or tokio's when the `rt-tokio` feature is enabled.
pub struct TcpStream {
    pub(crate) inner: rt::TcpStream,
}

impl TcpStream {
    /// Opens a connection to `addr`; with several addresses, the first that accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::{TcpListener, TcpStream};
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(&addr, |addr| async move {
            Ok(TcpStream {
                inner: rt::TcpStream::connect(addr).await?,
            })
        })
        .await
    }

    /// Wraps a connected stream made by the standard library (or socket2). The stream is
    /// switched to non-blocking mode.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            inner: rt::TcpStream::from_std(stream)?,
        })
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        socket_addr(self.inner.socket().peer_addr()?)
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        socket_addr(self.inner.socket().local_addr()?)
    }

    /// Sets `TCP_NODELAY`: with `true`, small writes are sent at once instead of being
    /// coalesced (Nagle's algorithm off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.socket().set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.socket().tcp_nodelay()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes dropping the stream reset the connection
    /// (RST) instead of closing it gracefully.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.socket().set_linger(linger)
    }

    /// The `SO_LINGER` setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.socket().linger()
    }

    /// Closes the write half of the connection: the peer reads end-of-file once it has read
    /// what was sent. Reading from this stream still works.
    ///
    /// Succeeds if the peer has already closed the connection. Writing after a shutdown
    /// fails.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_close_write(cx)).await
    }

    pub(crate) fn poll_close_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(self.inner.poll_shutdown(cx)) {
            // Some backends report that the peer already closed; the write half is shut either
            // way.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            result => Poll::Ready(result),
        }
    }

    /// The backend the stream is registered with.
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("backend", &self.backend())
            .finish()
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_flush(cx)
    }

    /// Shuts down the write half, sending FIN; see [`TcpStream::shutdown`].
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_close_write(cx)
    }
}

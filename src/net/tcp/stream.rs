//! [`TcpStream`].

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::io::{Interest, Ready};
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::stream::{read_traits, write_traits, Conn, Endpoint};
use crate::rt::{Direction, Io};
use crate::Backend;

/// A TCP connection.
///
/// Read and write it through the futures-io traits (`futures_lite::AsyncReadExt` and
/// `AsyncWriteExt`) or tokio's (`tokio::io::AsyncReadExt`), on every backend; `&TcpStream`
/// implements them too, so one task can read while another writes. [`split`](TcpStream::split)
/// and [`into_split`](TcpStream::into_split) give halves with the same traits.
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
pub struct TcpStream {
    pub(crate) conn: Conn<std::net::TcpStream>,
}

impl TcpStream {
    /// Opens a connection to `addr`; with several addresses, each in turn until one accepts.
    ///
    /// A host name is resolved on the blocking pool (see [`lookup_host`](crate::net::lookup_host)),
    /// and its addresses are tried in the resolver's order, each with the OS's connect timeout
    /// (no Happy Eyeballs): wrap the call in [`timeout`](crate::time::timeout) to bound it.
    ///
    /// # Cancel safety
    ///
    /// Not cancel-safe in the sense that matters: a connection being opened is closed when the
    /// future is dropped.
    ///
    /// # Errors
    ///
    /// The last address's error: `ConnectionRefused`, `TimedOut`, ...; `InvalidInput` for an
    /// address that does not parse or resolves to nothing.
    ///
    /// # Examples
    ///
    /// See [`TcpStream`].
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(&addr, |addr| async move {
            if let Some(simulated) = Conn::connect_simulated(Endpoint::Ip(addr)).await {
                return simulated.map(|conn| TcpStream { conn });
            }
            // Non-blocking from the start where the OS allows it: one system call fewer.
            #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
            let kind = Type::STREAM.nonblocking();
            #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
            let kind = Type::STREAM;
            let socket = Socket::new(Domain::for_address(addr), kind, Some(Protocol::TCP))?;
            connect_socket(socket, addr).await
        })
        .await
    }

    /// Wraps a connected stream made by the standard library (or socket2). The stream is
    /// switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// If it cannot be switched or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let stream = anyrt::net::TcpStream::from_std(std_stream)?;
    /// # drop(stream);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        crate::net::stream::no_descriptor_in_simulation()?;
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            conn: Conn::from_os(stream)?,
        })
    }

    /// Deregisters the stream and returns it, still in non-blocking mode.
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
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let std_stream = stream.into_std()?;
    /// std_stream.set_nonblocking(false)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.conn.into_os()
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection is gone, or another system error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.conn.peer_addr(std::net::TcpStream::peer_addr)
    }

    /// The local address of the connection.
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
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.conn.local_addr(std::net::TcpStream::local_addr)
    }

    /// Sets `TCP_NODELAY`: with `true`, small writes are sent at once instead of being
    /// coalesced (Nagle's algorithm off). It is off by default on every backend, as the OS
    /// leaves it, for connected and accepted streams alike.
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
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(!stream.nodelay()?);
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.conn
            .option(|s| s.set_nodelay(nodelay), |o| o.nodelay = nodelay)
    }

    /// Whether `TCP_NODELAY` is set; see [`set_nodelay`](TcpStream::set_nodelay).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_nodelay`](TcpStream::set_nodelay).
    pub fn nodelay(&self) -> io::Result<bool> {
        self.conn.option(|s| s.nodelay(), |o| o.nodelay)
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes dropping the stream reset the connection
    /// (RST) instead of closing it gracefully.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_linger(Some(Duration::ZERO))?;
    /// assert_eq!(stream.linger()?, Some(Duration::ZERO));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.conn.option(
            |s| SockRef::from(s).set_linger(linger),
            |o| o.linger = linger,
        )
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_linger`](TcpStream::set_linger).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.conn
            .option(|s| SockRef::from(s).linger(), |o| o.linger)
    }

    /// `IP_TTL` of the packets this stream sends.
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
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_ttl(17)?;
    /// assert_eq!(stream.ttl()?, 17);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.conn.option(|s| s.ttl(), |o| o.ttl)
    }

    /// Sets `IP_TTL`; see [`ttl`](TcpStream::ttl).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`ttl`](TcpStream::ttl).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.conn.option(|s| s.set_ttl(ttl), |o| o.ttl = ttl)
    }

    /// Reads received data without removing it from the queue; waits for data or end-of-file.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: peeking consumes nothing.
    ///
    /// # Errors
    ///
    /// The system's error (`ConnectionReset`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::{TcpListener, TcpStream};
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"hello").await?;
    /// let mut buf = [0; 5];
    /// let n = server.peek(&mut buf).await?;
    /// assert_eq!(&buf[..n], &b"hello"[..n]);
    /// server.read_exact(&mut buf).await?; // still there
    /// assert_eq!(&buf, b"hello");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.conn.peek(buf, std::net::TcpStream::peek).await
    }

    /// Waits until the stream is ready for one of `interest`'s directions.
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
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let ready = stream.ready(Interest::WRITABLE).await?;
    /// assert!(ready.is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.conn.ready(interest).await
    }

    /// Waits until the stream is readable: data, end-of-file or an error to read. Then call
    /// [`try_read`](TcpStream::try_read).
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
    /// use anyrt::net::{TcpListener, TcpStream};
    /// use futures_lite::AsyncWriteExt;
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"hi").await?;
    /// let mut buf = [0; 2];
    /// let n = loop {
    ///     server.readable().await?;
    ///     match server.try_read(&mut buf) {
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         result => break result?,
    ///     }
    /// };
    /// assert_eq!(&buf[..n], &b"hi"[..n]);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.conn.ready_in(Direction::Read).await
    }

    /// Waits until the stream is writable. Then call [`try_write`](TcpStream::try_write).
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
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.writable().await?;
    /// assert_eq!(stream.try_write(b"x")?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.conn.ready_in(Direction::Write).await
    }

    /// Polls for read readiness (one waker per direction; use
    /// [`readable`](TcpStream::readable) from several tasks).
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
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// poll_fn(|cx| stream.poll_write_ready(cx)).await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.conn.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness; see [`poll_read_ready`](TcpStream::poll_read_ready).
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// See [`poll_read_ready`](TcpStream::poll_read_ready).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.conn.poll_ready(Direction::Write, cx)
    }

    /// Reads what is there now, without waiting. Makes the system call whether or not the
    /// reactor has reported readiness yet (on every backend).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is there; the system's error otherwise. `Ok(0)` is end-of-file
    /// (or an empty `buf`).
    ///
    /// # Examples
    ///
    /// See [`readable`](TcpStream::readable).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.conn.try_read(buf)
    }

    /// Like [`try_read`](TcpStream::try_read), into several buffers.
    ///
    /// # Errors
    ///
    /// As [`try_read`](TcpStream::try_read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSliceMut;
    ///
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let mut buf = [0; 4];
    /// let error = stream.try_read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.conn.try_read_vectored(bufs)
    }

    /// Writes what fits now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`writable`](TcpStream::writable).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.conn.try_write(buf)
    }

    /// Like [`try_write`](TcpStream::try_write), from several buffers.
    ///
    /// # Errors
    ///
    /// As [`try_write`](TcpStream::try_write).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    ///
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let n = stream.try_write_vectored(&[IoSlice::new(b"a"), IoSlice::new(b"b")])?;
    /// assert_eq!(n, 2);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.conn.try_write_vectored(bufs)
    }

    /// Runs `f`, a system call of yours on this socket (through [`AsRawFd`]), once and at once;
    /// if it returns `WouldBlock`, the readiness of `interest` is forgotten.
    ///
    /// # Errors
    ///
    /// `f`'s error, `WouldBlock` included.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// use anyrt::io::Interest;
    ///
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let error = stream
    ///     .try_io(Interest::READABLE, || (&*socket2::SockRef::from(&stream)).read(&mut [0; 1]))
    ///     .unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        crate::io::try_io(self.conn.os()?, interest, f)
    }

    /// Closes the write half of the connection: the peer reads end-of-file once it has read
    /// what was sent. Reading from this stream still works.
    ///
    /// Succeeds if the peer has already closed the connection. Writing after a shutdown
    /// fails with `BrokenPipe`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpListener`](crate::net::TcpListener).
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.conn.shutdown_write()
    }

    /// Borrowed halves, to read and write from two futures of one task (in a `select!` or a
    /// `join`). [`into_split`](TcpStream::into_split) gives halves for two tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::{TcpListener, TcpStream};
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (mut reader, mut writer) = server.split();
    /// client.write_all(b"echo").await?;
    /// let mut buf = [0; 4];
    /// reader.read_exact(&mut buf).await?;
    /// writer.write_all(&buf).await?;
    /// client.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"echo");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf { stream: self }, WriteHalf { stream: self })
    }

    /// Owned halves, for a reader task and a writer task; [`OwnedReadHalf::reunite`] puts them
    /// back together. Dropping the write half shuts the write direction down (FIN), as
    /// [`shutdown`](TcpStream::shutdown) does, unless [`OwnedWriteHalf::forget`] was called.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::net::{TcpListener, TcpStream};
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # anyrt::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (mut reader, mut writer) = client.into_split();
    /// let writing = anyrt::spawn(async move { writer.write_all(b"owned").await });
    /// let mut buf = [0; 5];
    /// server.read_exact(&mut buf).await?;
    /// server.write_all(&buf).await?;
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"owned");
    /// writing.await??;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (
            OwnedReadHalf {
                stream: stream.clone(),
            },
            OwnedWriteHalf::new(stream),
        )
    }

    /// The backend the stream is registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.backend(), anyrt::Backend::current());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }
}

/// Connects `socket` (fresh, of `addr`'s family) to `addr` and registers it. Written once for
/// every backend: a non-blocking `connect(2)`, then a wait for writability, then the socket's
/// error, which is how tokio (mio) and async-io connect too.
pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if in_progress(&e) => {}
        Err(e) => return Err(e),
    }
    let io = Io::new(std::net::TcpStream::from(socket))?;
    // Wait for writability first, as tokio and async-io do: asking the socket first (it is often
    // connected at once on loopback) measured 1.4-1.6x native's connect + accept on async-io,
    // waiting first 0.98x. Then the peer's address says connected, the socket's error failed;
    // neither is a spurious wake-up, which waits again. (The op never answers `WouldBlock`
    // without asking the socket: that would forget readiness that was real, and tokio reports
    // a finished connect once.)
    io.ready(Direction::Write).await?;
    io.io(Direction::Write, |s| match s.peer_addr() {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => match s.take_error()? {
            Some(error) => Err(error),
            None => Err(io::ErrorKind::WouldBlock.into()),
        },
        Err(e) => Err(e),
    })
    .await?;
    Ok(TcpStream { conn: Conn::Os(io) })
}

fn in_progress(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::EINPROGRESS) || error.kind() == io::ErrorKind::WouldBlock
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.os_or_panic().get_ref().as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.conn.os_or_panic().get_ref().as_raw_fd()
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

read_traits!(TcpStream, |this| &this.conn);
write_traits!(TcpStream, |this| &this.conn);
read_traits!({'a} &'a TcpStream, |this| &this.conn);
write_traits!({'a} &'a TcpStream, |this| &this.conn);

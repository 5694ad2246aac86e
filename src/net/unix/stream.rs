//! [`UnixStream`] and its halves.

use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use socket2::{Domain, SockAddr, Socket, Type};

use super::UCred;
use crate::io::{Interest, Ready};
use crate::net::stream::{read_traits, write_traits, Conn, Endpoint};
use crate::rt::{Direction, Io};
use crate::Backend;

/// A connected Unix stream socket, with the same I/O traits as
/// [`TcpStream`](crate::net::TcpStream) (futures-io's and tokio's, on `&UnixStream` and on the
/// halves too).
///
/// # Examples
///
/// ```
/// use anyrt::net::UnixStream;
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// # anyrt::block_on(async {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"ping").await?;
/// a.shutdown().await?;
/// let mut received = String::new();
/// b.read_to_string(&mut received).await?;
/// assert_eq!(received, "ping");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixStream {
    pub(crate) conn: Conn<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the listener at `path`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the socket being connected.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing is at `path`, `ConnectionRefused` if no one listens there,
    /// `InvalidInput` for a path longer than the platform allows; the system's error.
    ///
    /// # Examples
    ///
    /// See [`UnixListener`](crate::net::UnixListener).
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        if let Some(simulated) = Conn::connect_simulated(Endpoint::Unix(path.as_ref())).await {
            return simulated.map(|conn| UnixStream { conn });
        }
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let io = Io::new(std::os::unix::net::UnixStream::from(
            std::os::fd::OwnedFd::from(socket),
        ))?;
        poll_fn(|cx| {
            io.poll_io(Direction::Write, cx, |s| match s.take_error()? {
                Some(error) => Err(error),
                None => Ok(()),
            })
        })
        .await?;
        Ok(UnixStream { conn: Conn::Os(io) })
    }

    /// A pair of connected streams (not async, as in tokio).
    ///
    /// # Errors
    ///
    /// The system's error (out of descriptors, ...).
    ///
    /// # Examples
    ///
    /// See [`UnixStream`].
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        if let Some((a, b)) = Conn::pair_simulated() {
            return Ok((UnixStream { conn: a }, UnixStream { conn: b }));
        }
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a std stream; it is switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// If it cannot be switched or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = anyrt::net::UnixStream::from_std(a)?;
    /// let a = a.into_std()?;
    /// # drop(a);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        crate::net::stream::no_descriptor_in_simulation()?;
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            conn: Conn::from_os(stream)?,
        })
    }

    /// Deregisters the stream and returns it, still non-blocking.
    ///
    /// # Errors
    ///
    /// If the reactor fails to deregister it.
    ///
    /// # Examples
    ///
    /// See [`from_std`](UnixStream::from_std).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.conn.into_os()
    }

    /// The local address (unnamed for a client or a pair).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, b) = anyrt::net::UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// assert!(b.peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.conn
            .local_addr(std::os::unix::net::UnixStream::local_addr)
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`local_addr`](UnixStream::local_addr).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.conn
            .peer_addr(std::os::unix::net::UnixStream::peer_addr)
    }

    /// The peer's credentials when it connected (`SO_PEERCRED`).
    ///
    /// # Errors
    ///
    /// `Unsupported` on platforms other than Linux and Android (not implemented there yet);
    /// the system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// if let Ok(cred) = a.peer_cred() {
    ///     assert_eq!(cred.pid(), Some(std::process::id() as i32));
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        self.conn.peer_cred().map(UCred::from)
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
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// assert!(a.ready(Interest::WRITABLE).await?.is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.conn.ready(interest).await
    }

    /// Waits until the stream is readable.
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
    /// let (a, b) = anyrt::net::UnixStream::pair()?;
    /// a.try_write(b"x")?;
    /// b.readable().await?;
    /// assert_eq!(b.try_read(&mut [0; 1])?, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.conn.ready_in(Direction::Read).await
    }

    /// Waits until the stream is writable.
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
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// a.writable().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.conn.ready_in(Direction::Write).await
    }

    /// Reads what is there now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is there; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`readable`](UnixStream::readable).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.conn.try_read(buf)
    }

    /// Writes what fits now, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the buffer is full; the system's error otherwise.
    ///
    /// # Examples
    ///
    /// See [`readable`](UnixStream::readable).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.conn.try_write(buf)
    }

    /// Runs `f` once and at once; see [`TcpStream::try_io`](crate::net::TcpStream::try_io).
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
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// let n = a.try_io(Interest::WRITABLE, || socket2::SockRef::from(&a).send(b"x"))?;
    /// assert_eq!(n, 1);
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

    /// Closes the write half: the peer reads end-of-file. Succeeds if the peer already closed.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`UnixStream`].
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.conn.shutdown_write()
    }

    /// Borrowed halves; see [`TcpStream::split`](crate::net::TcpStream::split).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # anyrt::block_on(async {
    /// let (mut a, mut b) = anyrt::net::UnixStream::pair()?;
    /// let (mut reader, mut writer) = a.split();
    /// writer.write_all(b"x").await?;
    /// b.write_all(b"y").await?;
    /// let mut buf = [0; 1];
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"y");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf { stream: self }, WriteHalf { stream: self })
    }

    /// Owned halves; see [`TcpStream::into_split`](crate::net::TcpStream::into_split).
    /// Dropping the write half shuts the write direction down unless it was
    /// [`forget`](OwnedWriteHalf::forget)-ed.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// let (reader, writer) = a.into_split();
    /// let a = reader.reunite(writer).expect("the same stream");
    /// # drop(a);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (
            OwnedReadHalf {
                stream: stream.clone(),
            },
            OwnedWriteHalf {
                stream,
                shutdown_on_drop: true,
            },
        )
    }

    /// The backend the stream is registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// assert_eq!(a.backend(), anyrt::Backend::current());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.os_or_panic().get_ref().as_fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.conn.os_or_panic().get_ref().as_raw_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("backend", &self.backend())
            .finish()
    }
}

read_traits!(UnixStream, |this| &this.conn);
write_traits!(UnixStream, |this| &this.conn);
read_traits!({'a} &'a UnixStream, |this| &this.conn);
write_traits!({'a} &'a UnixStream, |this| &this.conn);

/// The read half of a [`UnixStream`], borrowed; see [`UnixStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a> {
    stream: &'a UnixStream,
}

/// The write half of a [`UnixStream`], borrowed; closing it sends end-of-file.
#[derive(Debug)]
pub struct WriteHalf<'a> {
    stream: &'a UnixStream,
}

/// The read half of a [`UnixStream`], owned; see [`UnixStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<UnixStream>,
}

/// The write half of a [`UnixStream`], owned. Dropping it shuts the write direction down,
/// unless [`forget`](OwnedWriteHalf::forget) was called.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<UnixStream>,
    shutdown_on_drop: bool,
}

impl OwnedReadHalf {
    /// Puts the stream back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, if they come from different streams.
    ///
    /// # Examples
    ///
    /// See [`UnixStream::into_split`].
    pub fn reunite(self, mut other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        let stream = other.stream.clone();
        drop(other);
        drop(self);
        Ok(Arc::into_inner(stream).expect("anyrt: both halves of the stream were just dropped"))
    }
}

impl OwnedWriteHalf {
    /// Puts the stream back together; see [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] if the halves come from different streams.
    ///
    /// # Examples
    ///
    /// See [`UnixStream::into_split`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting the write direction down.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = anyrt::net::UnixStream::pair()?;
    /// let (_reader, writer) = a.into_split();
    /// writer.forget();
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.stream.conn.shutdown_write();
        }
    }
}

impl AsRef<UnixStream> for OwnedReadHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.stream
    }
}

impl AsRef<UnixStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.stream
    }
}

read_traits!(ReadHalf<'_>, |this| &this.stream.conn);
write_traits!(WriteHalf<'_>, |this| &this.stream.conn);
read_traits!(OwnedReadHalf, |this| &this.stream.conn);
write_traits!(OwnedWriteHalf, |this| &this.stream.conn);

/// Two halves of different streams were given to `reunite`; both are returned.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl Error for ReuniteError {}

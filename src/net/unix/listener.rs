//! [`UnixListener`].

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{ready, Context, Poll};

use super::UnixStream;
use crate::net::listener::Listener;
use crate::net::stream::Endpoint;
use crate::Backend;

/// A Unix socket listening for connections.
///
/// # Examples
///
/// ```
/// use anyrt::net::{UnixListener, UnixStream};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// # anyrt::block_on(async {
/// let path = std::env::temp_dir().join(format!("anyrt-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let mut client = UnixStream::connect(&path).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// drop(listener);
/// // The path stays until someone removes it.
/// assert!(path.exists());
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixListener {
    inner: Listener<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds a listener to `path` (not async, as in tokio).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if `path` exists (remove it first); `InvalidInput` ("path must be shorter
    /// than SUN_LEN") for a path longer than the platform allows; the system's error.
    ///
    /// # Panics
    ///
    /// Inside a user-built tokio runtime without `enable_io` (tokio's panic).
    ///
    /// # Examples
    ///
    /// See [`UnixListener`].
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        if let Some(simulated) = Listener::bind_simulated(Endpoint::Unix(path.as_ref())) {
            return simulated.map(|inner| UnixListener { inner });
        }
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Wraps a std listener; it is switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// If it cannot be switched or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let path = std::env::temp_dir().join(format!("anyrt-doc-std-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = anyrt::net::UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path)?)?;
    /// let std_listener = listener.into_std()?;
    /// # drop(std_listener);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            inner: Listener::from_os(listener)?,
        })
    }

    /// Deregisters the listener and returns it, still non-blocking.
    ///
    /// # Errors
    ///
    /// If the reactor fails to deregister it.
    ///
    /// # Examples
    ///
    /// See [`from_std`](UnixListener::from_std).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.inner.into_os()
    }

    /// Waits for a connection.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a connection is never taken from the queue unless it is returned.
    ///
    /// # Errors
    ///
    /// The system's accept error (`EMFILE`, ...); the connection then stays queued.
    ///
    /// # Examples
    ///
    /// See [`UnixListener`].
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (conn, addr) = self.inner.accept().await?;
        Ok((UnixStream { conn }, addr))
    }

    /// Polls for a connection (one waker: use [`accept`](UnixListener::accept) from several
    /// tasks).
    ///
    /// # Errors
    ///
    /// As [`accept`](UnixListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let path = std::env::temp_dir().join(format!("anyrt-doc-poll-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = anyrt::net::UnixListener::bind(&path)?;
    /// let _client = anyrt::net::UnixStream::connect(&path).await?;
    /// let (_server, _) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (conn, addr) = ready!(self.inner.poll_accept(cx))?;
        Poll::Ready(Ok((UnixStream { conn }, addr)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let path = std::env::temp_dir().join(format!("anyrt-doc-addr-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = anyrt::net::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr(std::os::unix::net::UnixListener::local_addr)
    }

    /// The backend the listener is registered with.
    ///
    /// # Examples
    ///
    /// See [`TcpListener::backend`](crate::net::TcpListener::backend).
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.os_or_panic().as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.os_or_panic().as_raw_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .field("backend", &self.backend())
            .finish()
    }
}

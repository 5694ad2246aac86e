//! [`UnixListener`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{ready, Context, Poll};

use super::UnixStream;
use crate::rt::coop;
use crate::rt::simulation::{self, SimAddr, SimListener};
use crate::rt::{Direction, Io};
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
    inner: Inner,
}

/// An OS listener registered with the serving backend's reactor, or one of the simulation.
enum Inner {
    Os(Io<std::os::unix::net::UnixListener>),
    Sim(SimListener),
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
        if crate::rt::simulated() {
            let sim = SimListener::bind(SimAddr::Unix(Some(path.as_ref().to_path_buf())))?;
            return Ok(UnixListener {
                inner: Inner::Sim(sim),
            });
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
        if crate::rt::simulated() {
            return Err(simulation::no_descriptor());
        }
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            inner: Inner::Os(Io::new(listener)?),
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
        match self.inner {
            Inner::Os(io) => io.into_inner(),
            Inner::Sim(_) => Err(simulation::no_descriptor()),
        }
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
        match &self.inner {
            Inner::Os(io) => {
                let accepted = io.io(Direction::Read, |l| l.accept());
                let (stream, addr) = coop::cooperative(accepted).await?;
                Ok((UnixStream::from_std(stream)?, addr))
            }
            // `poll_accept` spends the budget.
            Inner::Sim(_) => poll_fn(|cx| self.poll_accept(cx)).await,
        }
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
        coop::poll_cooperative(cx, |cx| match &self.inner {
            Inner::Os(io) => {
                let (stream, addr) = ready!(io.poll_io(Direction::Read, cx, |l| l.accept()))?;
                Poll::Ready(UnixStream::from_std(stream).map(|s| (s, addr)))
            }
            Inner::Sim(sim) => {
                let (stream, addr) = ready!(sim.poll_accept(cx))?;
                Poll::Ready(
                    addr.unix()
                        .map(|addr| (UnixStream::simulated(stream), addr)),
                )
            }
        })
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
        match &self.inner {
            Inner::Os(io) => io.get_ref().local_addr(),
            Inner::Sim(sim) => sim.local_addr().unix(),
        }
    }

    /// The backend the listener is registered with.
    ///
    /// # Examples
    ///
    /// See [`TcpListener::backend`](crate::net::TcpListener::backend).
    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Os(io) => io.backend(),
            Inner::Sim(_) => Backend::Sim,
        }
    }
}

impl UnixListener {
    /// The OS listener, for `AsFd`.
    ///
    /// # Panics
    /// For a listener of the simulation, which has no descriptor.
    fn os(&self) -> &Io<std::os::unix::net::UnixListener> {
        match &self.inner {
            Inner::Os(io) => io,
            Inner::Sim(_) => panic!(
                "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
                 `AsRawFd`)"
            ),
        }
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.os().get_ref().as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.os().get_ref().as_raw_fd()
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

//! [`AsyncFd`]: readiness for any descriptor, on every backend.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

use super::{Interest, Ready};
use crate::rt::{Direction, Io};
use crate::Backend;

/// A descriptor registered with the reactor of the backend that created it, to wait until it
/// is readable or writable: tokio's `AsyncFd` on tokio, async-io's `Async` on async-std and smol.
///
/// anyrt neither reads nor writes the descriptor: wait for readiness, then make the system call
/// yourself inside a guard's [`try_io`](AsyncFdReadyGuard::try_io) (or [`AsyncFd::try_io`]),
/// which forgets the readiness when the call would block. The descriptor's blocking mode is
/// left as it is on every backend (async-io natively sets `O_NONBLOCK`): set it non-blocking
/// yourself, or a call may block the runtime's thread.
///
/// `T` must keep the same descriptor for as long as it is registered; `AsyncFd` gives out no
/// `&mut T` for that reason (tokio and async-io both require it).
///
/// # Examples
///
/// A Unix socket pair, one end driven through `AsyncFd`:
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use anyrt::io::AsyncFd;
///
/// # anyrt::block_on(async {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// let a = AsyncFd::new(a)?;
/// b.write_all(b"ping")?;
/// let mut buf = [0; 4];
/// let n = loop {
///     let mut guard = a.readable().await?;
///     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// assert_eq!(&buf[..n], b"ping");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct AsyncFd<T: AsFd + Send + Sync + 'static> {
    io: Io<T>,
}

impl<T: AsFd + Send + Sync + 'static> AsyncFd<T> {
    /// Registers `inner` with the reactor of the backend serving the caller, for both readable
    /// and writable readiness.
    ///
    /// # Errors
    ///
    /// The reactor's error if the descriptor cannot be registered (for instance a regular
    /// file, which epoll refuses with `EPERM`), the same kind on every backend.
    ///
    /// # Panics
    ///
    /// Inside a user-built tokio runtime without `enable_io`, tokio panics with its own message
    /// (see SEMANTICS.md, "Known limits").
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// assert_eq!(fd.backend(), anyrt::Backend::current());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        Ok(AsyncFd {
            io: Io::new(inner)?,
        })
    }

    /// Like [`new`](AsyncFd::new); the interest is accepted for tokio's signature, and the
    /// descriptor is registered for both directions on every backend.
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::io::{AsyncFd, Interest};
    ///
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = AsyncFd::with_interest(a, Interest::READABLE)?;
    /// # drop(fd);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        let _ = interest;
        AsyncFd::new(inner)
    }

    /// The registered value.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// assert!(fd.get_ref().local_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io.get_ref()
    }

    /// Deregisters the descriptor and returns the value.
    ///
    /// # Errors
    ///
    /// If the reactor fails to deregister it (async-io reports that; the value is then closed).
    /// tokio's `into_inner` returns `T`; anyrt returns `io::Result<T>` because async-io can fail.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = anyrt::io::AsyncFd::new(a)?.into_inner()?;
    /// # drop(a);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_inner(self) -> io::Result<T> {
        self.io.into_inner()
    }

    /// Waits until the descriptor is readable.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future loses no readiness.
    ///
    /// # Errors
    ///
    /// The reactor's error, if it fails.
    ///
    /// # Examples
    ///
    /// See [`AsyncFd`].
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future loses no readiness.
    ///
    /// # Errors
    ///
    /// The reactor's error, if it fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// let guard = fd.writable().await?;
    /// assert!(guard.ready().is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Waits until the descriptor is ready for one of `interest`'s directions; with both,
    /// the guard holds the first that is.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The reactor's error, if it fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::io::{AsyncFd, Interest};
    ///
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = AsyncFd::new(a)?;
    /// let guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// assert!(guard.ready().is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let ready = super::ready(&self.io, interest).await?;
        Ok(AsyncFdReadyGuard { fd: self, ready })
    }

    /// Polls for read readiness. Only the waker of the last call is woken (one per direction);
    /// use [`readable`](AsyncFd::readable) from several tasks.
    ///
    /// # Errors
    ///
    /// The reactor's error, if it fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// let ready = poll_fn(|cx| fd.poll_write_ready(cx).map_ok(|guard| guard.ready())).await?;
    /// assert!(ready.is_writable());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        ready!(self.io.poll_ready(Direction::Read, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            fd: self,
            ready: Ready::READABLE,
        }))
    }

    /// Polls for write readiness; see [`poll_read_ready`](AsyncFd::poll_read_ready).
    ///
    /// # Errors
    ///
    /// The reactor's error, if it fails.
    ///
    /// # Examples
    ///
    /// See [`poll_read_ready`](AsyncFd::poll_read_ready).
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        ready!(self.io.poll_ready(Direction::Write, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            fd: self,
            ready: Ready::WRITABLE,
        }))
    }

    /// Runs `f` until it does not return `WouldBlock`, waiting for `interest` in between.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe if `f` is: a call that returned a value returns it.
    ///
    /// # Errors
    ///
    /// `f`'s error other than `WouldBlock`, or the reactor's.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// # anyrt::block_on(async {
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// b.write_all(b"x")?;
    /// let mut buf = [0; 1];
    /// let n = fd.async_io(anyrt::io::Interest::READABLE, |a| (&*a).read(&mut buf)).await?;
    /// assert_eq!(n, 1);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready(interest).await?;
            match guard.try_io(|fd| f(fd.get_ref())) {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// Runs `f` once, at once; if it returns `WouldBlock`, forgets the readiness of `interest`.
    ///
    /// # Errors
    ///
    /// `f`'s error, `WouldBlock` included.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// let error = fd.try_io(anyrt::io::Interest::READABLE, |a| (&*a).read(&mut [0; 1])).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        super::try_io(&self.io, interest, || f(self.io.get_ref()))
    }

    /// The backend whose reactor the descriptor is registered with.
    ///
    /// # Examples
    ///
    /// See [`new`](AsyncFd::new).
    pub fn backend(&self) -> Backend {
        self.io.backend()
    }
}

impl<T: AsFd + Send + Sync + 'static> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd + Send + Sync + 'static> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd + Send + Sync + 'static + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .field("backend", &self.backend())
            .finish()
    }
}

/// Readiness an [`AsyncFd`] reported; dropping the guard keeps it, [`clear_ready`] forgets it.
///
/// [`clear_ready`]: AsyncFdReadyGuard::clear_ready
#[must_use = "a readiness guard does nothing unless its `try_io` is called"]
pub struct AsyncFdReadyGuard<'a, T: AsFd + Send + Sync + 'static> {
    fd: &'a AsyncFd<T>,
    ready: Ready,
}

impl<'a, T: AsFd + Send + Sync + 'static> AsyncFdReadyGuard<'a, T> {
    /// The readiness the wait returned.
    ///
    /// # Examples
    ///
    /// See [`AsyncFd::writable`].
    pub fn ready(&self) -> Ready {
        self.ready
    }

    /// Forgets this readiness: the next wait waits for a new event.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// fd.writable().await?.clear_ready();
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn clear_ready(&mut self) {
        for (ready, direction) in [
            (Ready::READABLE, Direction::Read),
            (Ready::WRITABLE, Direction::Write),
        ] {
            if self.ready.0 & ready.0 != 0 {
                // The contract's way to forget readiness: an operation that would block.
                let _ = self
                    .fd
                    .io
                    .try_io(direction, |_| Err::<(), _>(super::would_block()));
            }
        }
    }

    /// Keeps the readiness (what dropping the guard does too).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// fd.writable().await?.retain_ready();
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn retain_ready(&mut self) {}

    /// Runs `f`; if it returns `WouldBlock`, clears the readiness and returns `Err(TryIoError)`,
    /// so the caller waits again.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block; `f`'s other results come back inside `Ok`.
    ///
    /// # Examples
    ///
    /// See [`AsyncFd`].
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard is for.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// let guard = fd.writable().await?;
    /// assert!(std::ptr::eq(guard.get_ref(), &fd));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The registered value.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = anyrt::io::AsyncFd::new(a)?;
    /// let guard = fd.writable().await?;
    /// assert!(guard.get_inner().local_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsFd + Send + Sync + 'static> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

/// The operation of a guard's [`try_io`](AsyncFdReadyGuard::try_io) would block; wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block")
    }
}

impl std::error::Error for TryIoError {}

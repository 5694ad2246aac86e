//! Readiness: [`Interest`], [`Ready`], and [`AsyncFd`] for any descriptor (Unix).
//!
//! The same on every backend: readiness is what the reactor last reported, and a `try_*`
//! operation (`try_read`, `try_io`, a guard's `try_io`) always makes its system call, so data
//! already queued is returned even before the reactor has reported it (tokio's own `try_*`
//! return `WouldBlock` until then). When the call would block, the readiness it relied on is
//! forgotten, and the next wait waits for a new event.
//!
//! Only readable and writable interest exist: async-io, which the async-std and smol backends
//! run on, cannot wait for priority data or for errors alone. A pending socket error (such as
//! an ICMP "port unreachable" on a connected UDP socket) counts as readable on every backend.

#[cfg(unix)]
mod async_fd;

#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use async_fd::{AsyncFd, AsyncFdReadyGuard, TryIoError};

use std::fmt;
use std::io;
use std::ops::{BitOr, BitOrAssign};

use crate::rt::{Direction, Io, Source};

/// Which readiness to wait for: readable, writable, or both (`Interest::READABLE |
/// Interest::WRITABLE`).
///
/// # Examples
///
/// ```
/// use anyrt::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Readable: data, a connection to accept, end-of-file, or a pending error.
    pub const READABLE: Interest = Interest(0b01);
    /// Writable: room to send, or the write side closed.
    pub const WRITABLE: Interest = Interest(0b10);

    /// Whether this includes readable interest.
    #[must_use]
    pub const fn is_readable(self) -> bool {
        self.0 & Self::READABLE.0 != 0
    }

    /// Whether this includes writable interest.
    #[must_use]
    pub const fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE.0 != 0
    }

    /// Both interests: `self` and `other`.
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }
}

impl BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, _) => f.write_str("WRITABLE"),
        }
    }
}

/// The readiness a wait returned.
///
/// # Examples
///
/// ```
/// use anyrt::io::Ready;
///
/// assert!(Ready::READABLE.is_readable());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ready(u8);

impl Ready {
    /// Nothing.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(0b01);
    /// Writable.
    pub const WRITABLE: Ready = Ready(0b10);

    /// Whether nothing is ready.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether this includes readable.
    #[must_use]
    pub const fn is_readable(self) -> bool {
        self.0 & Self::READABLE.0 != 0
    }

    /// Whether this includes writable.
    #[must_use]
    pub const fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE.0 != 0
    }
}

impl BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => f.write_str("EMPTY"),
        }
    }
}

/// Waits until `io` is ready for one of `interest`'s directions; with both, returns the first
/// that is. Cancel-safe: dropping it loses nothing.
pub(crate) async fn ready<S: Source>(io: &Io<S>, interest: Interest) -> io::Result<Ready> {
    use futures_lite::FutureExt;
    let read = async {
        io.ready(Direction::Read).await?;
        Ok(Ready::READABLE)
    };
    let write = async {
        io.ready(Direction::Write).await?;
        Ok(Ready::WRITABLE)
    };
    match (interest.is_readable(), interest.is_writable()) {
        (true, true) => read.or(write).await,
        (true, false) => read.await,
        (false, _) => write.await,
    }
}

/// Runs `op` once; if it would block, forgets the readiness of `interest`'s directions.
pub(crate) fn try_io<S: Source, R>(
    io: &Io<S>,
    interest: Interest,
    op: impl FnOnce() -> io::Result<R>,
) -> io::Result<R> {
    let direction = if interest.is_readable() {
        Direction::Read
    } else {
        Direction::Write
    };
    let result = io.try_io(direction, |_| op());
    if interest.is_readable() && interest.is_writable() && is_would_block(&result) {
        let _ = io.try_io(Direction::Write, |_| Err::<(), _>(would_block()));
    }
    result
}

pub(crate) fn is_would_block<R>(result: &io::Result<R>) -> bool {
    matches!(result, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

pub(crate) fn would_block() -> io::Error {
    io::Error::from(io::ErrorKind::WouldBlock)
}

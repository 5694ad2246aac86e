//! Unix domain sockets: [`UnixListener`], [`UnixStream`] and its halves, [`UnixDatagram`]
//! (Unix only; absent on other platforms).
//!
//! The same on every backend: anyrt binds and connects with std's system calls, so a path
//! longer than the platform allows (`sun_path`, 108 bytes on Linux) is an `InvalidInput` error
//! with std's message, binding a path that exists fails with `AddrInUse`, and **nobody removes
//! a socket's path**: it stays in the file system after the listener or datagram socket is
//! dropped (as with std, tokio and async-io), so remove it before binding it again.

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use std::os::unix::net::SocketAddr;
pub use stream::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, UnixStream, WriteHalf};

/// The credentials of a Unix socket's peer; see [`UnixStream::peer_cred`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    pid: Option<i32>,
    uid: u32,
    gid: u32,
}

impl UCred {
    /// The peer's user id.
    ///
    /// # Examples
    ///
    /// See [`UnixStream::peer_cred`].
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The peer's group id.
    ///
    /// # Examples
    ///
    /// See [`UnixStream::peer_cred`].
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// The peer's process id, where the platform reports it (Linux and Android do).
    ///
    /// # Examples
    ///
    /// See [`UnixStream::peer_cred`].
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }
}

impl From<crate::rt::os::Cred> for UCred {
    fn from(cred: crate::rt::os::Cred) -> UCred {
        UCred {
            pid: cred.pid,
            uid: cred.uid,
            gid: cred.gid,
        }
    }
}

//! What the operating system tells only through calls std has no safe API for: the credentials
//! of a Unix socket's peer (`SO_PEERCRED`). anyrt forbids `unsafe`, so it asks a crate the build
//! already has: rustix, which the async-io backends and the simulation bring, or else tokio,
//! whose `UnixStream::peer_cred` makes the same call. A tokio-only build so compiles no rustix.

use std::io;
use std::os::fd::BorrowedFd;

/// A socket peer's process id (where the platform reports it), user id and group id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cred {
    pub(crate) pid: Option<i32>,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// `SO_PEERCRED` on a connected Unix stream socket.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<Cred> {
    #[cfg(any(feature = "rt-async-std", feature = "rt-smol", feature = "rt-sim"))]
    {
        let cred = rustix::net::sockopt::socket_peercred(fd)?;
        Ok(Cred {
            pid: Some(cred.pid.as_raw_nonzero().get()),
            uid: cred.uid.as_raw(),
            gid: cred.gid.as_raw(),
        })
    }
    #[cfg(not(any(feature = "rt-async-std", feature = "rt-smol", feature = "rt-sim")))]
    {
        let (pid, uid, gid) = super::tokio::peer_cred(fd)?;
        Ok(Cred { pid, uid, gid })
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_cred(_fd: BorrowedFd<'_>) -> io::Result<Cred> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "anyrt: `peer_cred` is implemented on Linux and Android only",
    ))
}

/// The credentials of this process: those a socket pair's peer reports.
#[cfg(feature = "rt-sim")]
pub(crate) fn own_cred() -> io::Result<Cred> {
    use std::os::fd::AsFd;
    let (ours, _theirs) = std::os::unix::net::UnixStream::pair()?;
    peer_cred(ours.as_fd())
}

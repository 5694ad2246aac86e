//! Networking: TCP ([`TcpListener`], [`TcpStream`], [`TcpSocket`]), UDP ([`UdpSocket`]), Unix
//! sockets ([`UnixListener`], [`UnixStream`], [`UnixDatagram`]), and address resolution
//! ([`lookup_host`]).
//!
//! The same on every backend, because anyrt makes the system calls itself (std's) and uses a
//! backend only to wait for readiness:
//!
//! - addresses are resolved by anyrt: literal addresses at once, host names by the system
//!   resolver on the blocking pool. A name's addresses are tried in the resolver's order, each
//!   with the OS's connect timeout; errors have the same [`io::ErrorKind`] and message
//!   everywhere: an unparsable address or port is [`InvalidInput`](io::ErrorKind::InvalidInput),
//!   a port in use [`AddrInUse`](io::ErrorKind::AddrInUse), never a panic;
//! - sockets are created alike: `SO_REUSEADDR` on TCP listeners (Unix), `IPV6_V6ONLY` on every
//!   IPv6 socket (a `[::]` socket takes IPv6 only, on every OS), a backlog of 1024,
//!   `TCP_NODELAY` off;
//! - accepting, receiving and waiting for readiness are cancel-safe;
//! - closing a stream's write half ([`TcpStream::shutdown`], futures-io `close()`, tokio's
//!   `shutdown()`, dropping an owned write half) sends FIN, and succeeds when the peer has
//!   already gone; a write after it fails with `BrokenPipe`;
//! - a datagram longer than the buffer is truncated to it, the rest discarded.
//!
//! Every stream type and half implements the futures-io `AsyncRead` and `AsyncWrite` traits
//! (those of `futures-lite` and `futures`) and tokio's, in every build.
//!
//! [`io::ErrorKind`]: std::io::ErrorKind

use std::io;

/// `match` on one of the socket enums of `net` (`Conn`, `Listener`, `Datagram`, `TcpSocket`'s
/// `Inner`): its `Os` arm, and its `Sim` arm, which exists only under `rt-sim`. The one place
/// the simulated variants' arms are gated; defined before the modules, which use it.
macro_rules! seam {
    ($Enum:ident, $value:expr, $os:pat => $on_os:expr, $sim:pat => $on_sim:expr $(,)?) => {
        match $value {
            $Enum::Os($os) => $on_os,
            #[cfg(feature = "rt-sim")]
            $Enum::Sim($sim) => $on_sim,
        }
    };
}

mod addr;
pub(crate) mod datagram;
pub(crate) mod listener;
pub(crate) mod stream;
pub mod tcp;
mod udp;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{Incoming, TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use unix::{UnixDatagram, UnixListener, UnixStream};

// Kept for the docs' links.
#[allow(unused_imports)]
use io as _;

//! [`TcpSocket`]: options set before connecting or listening.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
#[cfg(feature = "rt-sim")]
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::stream::connect_socket;
use super::{TcpListener, TcpStream};
#[cfg(feature = "rt-sim")]
use crate::net::listener::Listener;
#[cfg(feature = "rt-sim")]
use crate::net::stream::{Conn, Endpoint};

/// A TCP socket not yet connected or listening, to set options first.
///
/// It is made like [`TcpListener::bind`]'s sockets, except that `SO_REUSEADDR` is left to you:
/// IPv6 sockets are IPv6-only, and the socket is non-blocking.
///
/// # Examples
///
/// ```
/// use anyrt::net::TcpSocket;
///
/// # anyrt::block_on(async {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(128)?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(listener.local_addr()?).await?;
/// assert!(stream.nodelay()?);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpSocket {
    inner: Inner,
}

/// An OS socket, or the options of a socket of the simulation, kept until it connects or
/// listens.
enum Inner {
    Os(Socket),
    #[cfg(feature = "rt-sim")]
    Sim(Mutex<KeptSocket>),
}

/// What a simulated `TcpSocket` remembers.
#[cfg(feature = "rt-sim")]
#[derive(Clone, Copy, Debug)]
struct KeptSocket {
    v6: bool,
    bound: Option<SocketAddr>,
    reuseaddr: bool,
    reuseport: bool,
    send_buffer_size: u32,
    recv_buffer_size: u32,
    nodelay: bool,
    linger: Option<Duration>,
    keepalive: bool,
}

impl TcpSocket {
    fn new(domain: Domain) -> io::Result<TcpSocket> {
        #[cfg(feature = "rt-sim")]
        if crate::rt::simulated() {
            let options = KeptSocket {
                v6: domain == Domain::IPV6,
                bound: None,
                reuseaddr: false,
                reuseport: false,
                send_buffer_size: 256 * 1024,
                recv_buffer_size: 256 * 1024,
                nodelay: false,
                linger: None,
                keepalive: false,
            };
            return Ok(TcpSocket {
                inner: Inner::Sim(Mutex::new(options)),
            });
        }
        let socket = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        if domain == Domain::IPV6 {
            socket.set_only_v6(true)?;
        }
        Ok(TcpSocket {
            inner: Inner::Os(socket),
        })
    }

    /// A new IPv4 socket.
    ///
    /// # Errors
    ///
    /// The system's error (out of descriptors, ...).
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 socket, IPv6-only (`IPV6_V6ONLY` on, on every OS).
    ///
    /// # Errors
    ///
    /// The system's error; `AddrNotAvailable` or `Unsupported`-like errors without IPv6.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// if let Ok(socket) = anyrt::net::TcpSocket::new_v6() {
    ///     socket.bind("[::1]:0".parse().unwrap())?;
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    /// Sets `SO_REUSEADDR`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_reuse_address(reuseaddr), sim => {
            lock(sim).reuseaddr = reuseaddr;
            Ok(())
        })
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        seam!(Inner, &self.inner, socket => socket.reuse_address(), sim => Ok(lock(sim).reuseaddr))
    }

    /// Sets `SO_REUSEPORT` (Unix, except Solaris and illumos).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::TcpSocket::new_v4()?;
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_reuse_port(reuseport), sim => {
            lock(sim).reuseport = reuseport;
            Ok(())
        })
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_reuseport`](TcpSocket::set_reuseport).
    pub fn reuseport(&self) -> io::Result<bool> {
        seam!(Inner, &self.inner, socket => socket.reuse_port(), sim => Ok(lock(sim).reuseport))
    }

    /// Sets `SO_SNDBUF`. The OS may round it (Linux doubles it).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 64 * 1024);
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 64 * 1024);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_send_buffer_size(size as usize), sim => {
            lock(sim).send_buffer_size = size;
            Ok(())
        })
    }

    /// `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_send_buffer_size`](TcpSocket::set_send_buffer_size).
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        seam!(Inner, &self.inner, socket => socket.send_buffer_size().map(|n| n as u32), sim => Ok(lock(sim).send_buffer_size))
    }

    /// Sets `SO_RCVBUF`. The OS may round it (Linux doubles it).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_send_buffer_size`](TcpSocket::set_send_buffer_size).
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_recv_buffer_size(size as usize), sim => {
            lock(sim).recv_buffer_size = size;
            Ok(())
        })
    }

    /// `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_send_buffer_size`](TcpSocket::set_send_buffer_size).
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        seam!(Inner, &self.inner, socket => socket.recv_buffer_size().map(|n| n as u32), sim => Ok(lock(sim).recv_buffer_size))
    }

    /// Sets `TCP_NODELAY` for the connection this socket makes.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_tcp_nodelay(nodelay), sim => {
            lock(sim).nodelay = nodelay;
            Ok(())
        })
    }

    /// Whether `TCP_NODELAY` is set (off unless set).
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// assert!(!anyrt::net::TcpSocket::new_v4()?.nodelay()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        seam!(Inner, &self.inner, socket => socket.tcp_nodelay(), sim => Ok(lock(sim).nodelay))
    }

    /// Sets `SO_LINGER`; see [`TcpStream::set_linger`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::TcpSocket::new_v4()?;
    /// socket.set_linger(None)?;
    /// assert_eq!(socket.linger()?, None);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_linger(linger), sim => {
            lock(sim).linger = linger;
            Ok(())
        })
    }

    /// `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_linger`](TcpSocket::set_linger).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        seam!(Inner, &self.inner, socket => socket.linger(), sim => Ok(lock(sim).linger))
    }

    /// Sets `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.set_keepalive(keepalive), sim => {
            lock(sim).keepalive = keepalive;
            Ok(())
        })
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`set_keepalive`](TcpSocket::set_keepalive).
    pub fn keepalive(&self) -> io::Result<bool> {
        seam!(Inner, &self.inner, socket => socket.keepalive(), sim => Ok(lock(sim).keepalive))
    }

    /// Binds the socket to `addr`.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `AddrNotAvailable`, `InvalidInput` (an address of the other family), ...
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        seam!(Inner, &self.inner, socket => socket.bind(&addr.into()), sim => {
            let mut sim = lock(sim);
            if sim.v6 != addr.is_ipv6() {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            sim.bound = Some(Listener::<std::net::TcpListener>::reserve_simulated(addr)?);
            Ok(())
        })
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let socket = anyrt::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        seam!(Inner, &self.inner, socket => crate::net::addr::socket_addr(socket.local_addr()?), sim => {
            let sim = lock(sim);
            let unspecified = if sim.v6 {
                SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
            } else {
                SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0))
            };
            Ok(sim.bound.unwrap_or(unspecified))
        })
    }

    /// Connects to `addr`, consuming the socket.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the socket.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::connect`].
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        seam!(Inner, self.inner, socket => {
            // A socket from `from_std_stream` may still be blocking.
            socket.set_nonblocking(true)?;
            connect_socket(socket, addr).await
        }, sim => {
            let sim = sim.into_inner().unwrap_or_else(PoisonError::into_inner);
            let conn = Conn::connect_simulated(Endpoint::Ip(addr))
                .await
                .expect("anyrt: a socket kept in memory outside the simulation")?;
            let stream = TcpStream { conn };
            stream.set_nodelay(sim.nodelay)?;
            stream.set_linger(sim.linger)?;
            Ok(stream)
        })
    }

    /// Starts listening with a queue of `backlog` connections, consuming the socket.
    ///
    /// # Errors
    ///
    /// The system's error (an unbound socket is bound to an ephemeral port first by the OS).
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        seam!(Inner, self.inner, socket => {
            socket.listen(backlog.min(i32::MAX as u32) as i32)?;
            TcpListener::from_std(socket.into())
        }, sim => {
            let sim = sim.into_inner().unwrap_or_else(PoisonError::into_inner);
            let unspecified = if sim.v6 {
                SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
            } else {
                SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0))
            };
            let addr = sim.bound.unwrap_or(unspecified);
            let listener = Listener::bind_simulated(Endpoint::Ip(addr))
                .expect("anyrt: a socket kept in memory outside the simulation")?;
            Ok(TcpListener::from_listener(listener))
        })
    }

    /// Wraps a std stream's socket, for its options (tokio's `TcpSocket::from_std_stream`).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let socket = anyrt::net::TcpSocket::from_std_stream(stream);
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn from_std_stream(stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            inner: Inner::Os(Socket::from(stream)),
        }
    }
}

#[cfg(feature = "rt-sim")]
fn lock(sim: &Mutex<KeptSocket>) -> MutexGuard<'_, KeptSocket> {
    sim.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        seam!(Inner, &self.inner, socket => socket.as_fd(), _ => panic!(
            "anyrt: a socket of the simulated network has no file descriptor (`AsFd`, \
             `AsRawFd`)"
        ))
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

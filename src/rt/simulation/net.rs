//! The simulation's network: TCP and Unix streams, UDP and Unix datagrams, in memory.
//!
//! No OS socket is opened. A connection is two byte pipes; a listener is a queue of connections
//! not yet accepted; a datagram socket is a queue of datagrams. Addresses live in the
//! simulation's registry: IP sockets on the loopback addresses (127.0.0.1 and ::1; a bind to
//! 0.0.0.0 or [::] listens there), Unix sockets on paths. A Unix socket's path also gets an
//! empty file on the real file system, so that its existence, its removal and the errors that
//! follow from them (`AddrInUse`, `NotFound`, `ConnectionRefused`) are the OS's.
//!
//! Every event is delivered at once: the data a write queues is readable by the peer's next
//! poll, woken by the write. A stream keeps the TCP rows of SEMANTICS.md: FIN on shutdown and
//! when the last owner drops, `BrokenPipe` for a write after shutdown or to a peer that closed,
//! `ConnectionReset` when a peer drops with unread data (or with a zero linger),
//! `ConnectionRefused` when nothing listens, `AddrInUse` for an address taken.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::world::World;
use crate::rt::Direction;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many bytes a pipe holds before writes wait: a socket buffer's worth.
const PIPE_CAPACITY: usize = 256 * 1024;
/// How many connections a listener queues before connecting is refused.
const BACKLOG: usize = 1024;
/// The first port handed out for port 0, as Linux does by default.
const EPHEMERAL_PORTS: std::ops::RangeInclusive<u16> = 49152..=65535;

/// A simulated socket's address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SimAddr {
    Ip(SocketAddr),
    /// A Unix socket's path; `None` when it has none (unbound, or one end of a pair).
    Unix(Option<PathBuf>),
}

impl SimAddr {
    pub(crate) fn ip(&self) -> io::Result<SocketAddr> {
        match self {
            SimAddr::Ip(addr) => Ok(*addr),
            SimAddr::Unix(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not an IP socket address",
            )),
        }
    }

    /// The address as a Unix socket address (unnamed without a path).
    pub(crate) fn unix(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        match self {
            SimAddr::Unix(path) => std::os::unix::net::SocketAddr::from_pathname(
                path.as_deref().unwrap_or(Path::new("")),
            ),
            SimAddr::Ip(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a Unix socket address",
            )),
        }
    }
}

/// The error of an operation that needs an OS descriptor, on a simulated socket.
pub(crate) fn no_descriptor() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "anyrt: the simulation has no OS descriptors: `AsyncFd`, `from_std`, `into_std` and \
         `try_io` are not available on its sockets",
    )
}

/// Options a program sets on a simulated stream and reads back; they change nothing else,
/// except a zero linger, which makes dropping the stream reset the connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamOptions {
    pub(crate) nodelay: bool,
    pub(crate) ttl: u32,
    pub(crate) linger: Option<std::time::Duration>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            nodelay: false,
            ttl: 64,
            linger: None,
        }
    }
}

/// Where a socket is registered: an IP address of the simulation's loopback host and a port, or
/// a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Ip(IpAddr, u16),
    Path(PathBuf),
}

/// The loopback host's address that `ip` means, or an error for an address the simulation has
/// no host for.
fn host_ip(ip: IpAddr, binding: bool) -> io::Result<IpAddr> {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() || (binding && v4.is_unspecified()) => {
            Ok(Ipv4Addr::LOCALHOST.into())
        }
        IpAddr::V6(v6) if v6.is_loopback() || (binding && v6.is_unspecified()) => {
            Ok(Ipv6Addr::LOCALHOST.into())
        }
        _ if binding => Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!(
                "anyrt: the simulation has only the loopback addresses (127.0.0.1, ::1); {ip} is \
                 not one of its hosts"
            ),
        )),
        _ => Err(io::Error::new(
            io::ErrorKind::NetworkUnreachable,
            format!(
                "anyrt: the simulation reaches only the loopback addresses (127.0.0.1, ::1), not {ip}"
            ),
        )),
    }
}

/// The simulation's registry of bound sockets.
#[derive(Default)]
pub(crate) struct Network {
    listeners: BTreeMap<Key, Arc<Mutex<ListenerState>>>,
    datagrams: BTreeMap<Key, Arc<Mutex<DatagramState>>>,
    /// Ports in use by connected streams' local ends, so port 0 never reuses one.
    stream_ports: BTreeMap<(IpAddr, u16), usize>,
    next_port: [u16; 2],
}

impl Network {
    fn port_taken(&self, ip: IpAddr, port: u16, datagram: bool) -> bool {
        let key = Key::Ip(ip, port);
        if datagram {
            self.datagrams.contains_key(&key)
        } else {
            self.listeners.contains_key(&key) || self.stream_ports.contains_key(&(ip, port))
        }
    }

    /// A free port for `ip`: the next one of the ephemeral range, round-robin, as Linux does.
    fn ephemeral(&mut self, ip: IpAddr, datagram: bool) -> io::Result<u16> {
        let family = usize::from(ip.is_ipv6());
        let span = u32::from(EPHEMERAL_PORTS.end() - EPHEMERAL_PORTS.start()) + 1;
        for _ in 0..span {
            let next = self.next_port[family].max(*EPHEMERAL_PORTS.start());
            self.next_port[family] = if next == *EPHEMERAL_PORTS.end() {
                *EPHEMERAL_PORTS.start()
            } else {
                next + 1
            };
            if !self.port_taken(ip, next, datagram) {
                return Ok(next);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            "anyrt: the simulation has no ephemeral port left",
        ))
    }

    fn hold_port(&mut self, ip: IpAddr, port: u16) {
        *self.stream_ports.entry((ip, port)).or_default() += 1;
    }

    fn release_port(&mut self, ip: IpAddr, port: u16) {
        if let Some(count) = self.stream_ports.get_mut(&(ip, port)) {
            *count -= 1;
            if *count == 0 {
                self.stream_ports.remove(&(ip, port));
            }
        }
    }
}

fn addr_in_use(what: &dyn std::fmt::Debug) -> io::Error {
    io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("Address already in use (simulated: {what:?})"),
    )
}

/// `InvalidInput` with std's message for a path longer than `sun_path` allows (107 bytes and the
/// terminating NUL, on Linux), as binding or connecting a real socket gives.
fn path_fits(path: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    if path.as_os_str().as_bytes().len() >= 108 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "path must be shorter than SUN_LEN",
        ));
    }
    Ok(())
}

/// Claims a path for a Unix socket: an empty file stands for the socket, so that the file
/// system says what it would of a real one.
fn claim_path(path: &Path) -> io::Result<()> {
    path_fits(path)?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(addr_in_use(&path)),
        Err(e) => Err(e),
    }
}

// ----------------------------------------------------------------------------------------------
// Streams

/// One direction of a connection.
#[derive(Default)]
struct Pipe {
    data: VecDeque<u8>,
    /// The writer shut its half down: after the data, end-of-file.
    fin: bool,
    /// The reading end is gone: writes fail.
    reader_gone: bool,
    /// Tasks waiting to read, or for room to write.
    readers: Vec<Waker>,
    writers: Vec<Waker>,
}

/// A connection: two pipes and whether it was reset.
#[derive(Default)]
struct Conn {
    /// `pipes[side]` is what `side` reads.
    pipes: [Pipe; 2],
    reset: bool,
}

fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        waker.wake();
    }
}

fn register(wakers: &mut Vec<Waker>, waker: &Waker) {
    if !wakers.iter().any(|w| w.will_wake(waker)) {
        wakers.push(waker.clone());
    }
}

/// One end of a simulated stream connection (TCP or Unix).
pub(crate) struct SimStream {
    conn: Arc<Mutex<Conn>>,
    side: usize,
    local: SimAddr,
    peer: SimAddr,
    world: Arc<World>,
    options: Mutex<StreamOptions>,
}

impl SimStream {
    fn pair(world: &Arc<World>, a: SimAddr, b: SimAddr) -> (SimStream, SimStream) {
        let conn = Arc::new(Mutex::new(Conn::default()));
        let end = |side, local, peer| SimStream {
            conn: conn.clone(),
            side,
            local,
            peer,
            world: world.clone(),
            options: Mutex::new(StreamOptions::default()),
        };
        (end(0, a.clone(), b.clone()), end(1, b, a))
    }

    /// A connected pair of Unix streams, neither with a path.
    pub(crate) fn unix_pair() -> (SimStream, SimStream) {
        SimStream::pair(&World::expect(), SimAddr::Unix(None), SimAddr::Unix(None))
    }

    pub(crate) fn local_addr(&self) -> &SimAddr {
        &self.local
    }

    pub(crate) fn options(&self) -> MutexGuard<'_, StreamOptions> {
        lock(&self.options)
    }

    pub(crate) fn peer_addr(&self) -> &SimAddr {
        &self.peer
    }

    /// Reads into `buf`, leaving the data queued with `peek`.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        peek: bool,
    ) -> Poll<io::Result<usize>> {
        let mut conn = lock(&self.conn);
        let reset = conn.reset;
        let pipe = &mut conn.pipes[self.side];
        if !pipe.data.is_empty() {
            let n = buf.len().min(pipe.data.len());
            for (slot, byte) in buf.iter_mut().zip(pipe.data.iter()) {
                *slot = *byte;
            }
            if !peek {
                pipe.data.drain(..n);
                wake_all(&mut pipe.writers);
            }
            return Poll::Ready(Ok(n));
        }
        if reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        if pipe.fin || buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        register(&mut pipe.readers, cx.waker());
        Poll::Pending
    }

    /// Writes as much of `bufs`, in order, as the pipe has room for, as `writev` does.
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut written = 0;
        for buf in bufs.iter().filter(|b| !b.is_empty()) {
            match self.poll_write(cx, buf) {
                Poll::Ready(Ok(n)) => {
                    written += n;
                    if n < buf.len() {
                        break;
                    }
                }
                Poll::Ready(Err(e)) if written == 0 => return Poll::Ready(Err(e)),
                Poll::Pending if written == 0 => return Poll::Pending,
                Poll::Ready(Err(_)) | Poll::Pending => break,
            }
        }
        Poll::Ready(Ok(written))
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut conn = lock(&self.conn);
        if conn.reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        let pipe = &mut conn.pipes[1 - self.side];
        if pipe.fin || pipe.reader_gone {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = PIPE_CAPACITY - pipe.data.len();
        if room == 0 {
            register(&mut pipe.writers, cx.waker());
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        pipe.data.extend(&buf[..n]);
        wake_all(&mut pipe.readers);
        Poll::Ready(Ok(n))
    }

    /// Shuts the write half down, sending FIN; `Ok` if the connection is already gone.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        let mut conn = lock(&self.conn);
        let pipe = &mut conn.pipes[1 - self.side];
        pipe.fin = true;
        wake_all(&mut pipe.readers);
        Ok(())
    }

    /// Readiness in `direction`, without reading or writing.
    pub(crate) fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        let mut conn = lock(&self.conn);
        let reset = conn.reset;
        match direction {
            Direction::Read => {
                let pipe = &mut conn.pipes[self.side];
                if reset || pipe.fin || !pipe.data.is_empty() {
                    return Poll::Ready(());
                }
                register(&mut pipe.readers, cx.waker());
            }
            Direction::Write => {
                let pipe = &mut conn.pipes[1 - self.side];
                if reset || pipe.fin || pipe.reader_gone || pipe.data.len() < PIPE_CAPACITY {
                    return Poll::Ready(());
                }
                register(&mut pipe.writers, cx.waker());
            }
        }
        Poll::Pending
    }
}

impl Drop for SimStream {
    fn drop(&mut self) {
        {
            let mut conn = lock(&self.conn);
            // Unread data, or a zero linger, and the connection is reset, as TCP does.
            let linger_zero = lock(&self.options).linger == Some(std::time::Duration::ZERO);
            if linger_zero || !conn.pipes[self.side].data.is_empty() {
                conn.reset = true;
            } else {
                conn.pipes[1 - self.side].fin = true;
            }
            conn.pipes[self.side].reader_gone = true;
            conn.pipes[self.side].data.clear();
            for pipe in &mut conn.pipes {
                wake_all(&mut pipe.readers);
                wake_all(&mut pipe.writers);
            }
        }
        if let SimAddr::Ip(addr) = self.local {
            if let Ok(ip) = host_ip(addr.ip(), true) {
                lock(&self.world.net).release_port(ip, addr.port());
            }
        }
    }
}

/// The address a socket bound to `addr` gets: `addr` itself, or with a free port for port 0;
/// `AddrInUse` if a listener has the port, `AddrNotAvailable` for an address of no host.
pub(crate) fn bind_addr(addr: SocketAddr) -> io::Result<SocketAddr> {
    let world = World::expect();
    let ip = host_ip(addr.ip(), true)?;
    let mut net = lock(&world.net);
    match addr.port() {
        0 => Ok(SocketAddr::new(addr.ip(), net.ephemeral(ip, false)?)),
        port if net.port_taken(ip, port, false) => Err(addr_in_use(&addr)),
        _ => Ok(addr),
    }
}

/// Connects to `to`, a listener's address.
pub(crate) fn connect(to: SimAddr) -> io::Result<SimStream> {
    let world = World::expect();
    let (key, local) = match &to {
        SimAddr::Ip(addr) => {
            let ip = host_ip(addr.ip(), false)?;
            let mut net = lock(&world.net);
            let port = net.ephemeral(ip, false)?;
            net.hold_port(ip, port);
            (
                Key::Ip(ip, addr.port()),
                SimAddr::Ip(SocketAddr::new(ip, port)),
            )
        }
        SimAddr::Unix(Some(path)) => {
            path_fits(path)?;
            (Key::Path(path.clone()), SimAddr::Unix(None))
        }
        SimAddr::Unix(None) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "anyrt: a Unix socket without a path cannot be connected to",
            ))
        }
    };
    let release = |world: &World| {
        if let SimAddr::Ip(addr) = local {
            lock(&world.net).release_port(addr.ip(), addr.port());
        }
    };
    let listener = lock(&world.net).listeners.get(&key).cloned();
    let Some(listener) = listener else {
        release(&world);
        return Err(match &key {
            // The OS's answer for a path: no file, or a file nothing listens on.
            Key::Path(path) if !path.exists() => io::ErrorKind::NotFound.into(),
            _ => io::ErrorKind::ConnectionRefused.into(),
        });
    };
    let mut state = lock(&listener);
    if state.backlog.len() >= BACKLOG {
        drop(state);
        release(&world);
        return Err(io::ErrorKind::ConnectionRefused.into());
    }
    let (client, server) = SimStream::pair(&world, local, state.addr.clone());
    state.backlog.push_back(server);
    wake_all(&mut state.acceptors);
    Ok(client)
}

// ----------------------------------------------------------------------------------------------
// Listeners

struct ListenerState {
    addr: SimAddr,
    backlog: VecDeque<SimStream>,
    acceptors: Vec<Waker>,
}

/// A simulated listening socket (TCP or Unix).
pub(crate) struct SimListener {
    state: Arc<Mutex<ListenerState>>,
    key: Key,
    world: Arc<World>,
    ttl: std::sync::atomic::AtomicU32,
}

impl SimListener {
    pub(crate) fn ttl(&self) -> u32 {
        self.ttl.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_ttl(&self, ttl: u32) {
        self.ttl.store(ttl, std::sync::atomic::Ordering::Relaxed);
    }

    /// Listens at `addr`: an IP address of the loopback host (port 0 picks a free port), or a
    /// path.
    pub(crate) fn bind(addr: SimAddr) -> io::Result<SimListener> {
        let world = World::expect();
        let mut net = lock(&world.net);
        let (key, local) = match addr {
            SimAddr::Ip(addr) => {
                let ip = host_ip(addr.ip(), true)?;
                let port = match addr.port() {
                    0 => net.ephemeral(ip, false)?,
                    port if net.port_taken(ip, port, false) => return Err(addr_in_use(&addr)),
                    port => port,
                };
                (
                    Key::Ip(ip, port),
                    SimAddr::Ip(SocketAddr::new(addr.ip(), port)),
                )
            }
            SimAddr::Unix(Some(path)) => {
                claim_path(&path)?;
                (Key::Path(path.clone()), SimAddr::Unix(Some(path)))
            }
            SimAddr::Unix(None) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "anyrt: a Unix listener needs a path",
                ))
            }
        };
        let state = Arc::new(Mutex::new(ListenerState {
            addr: local,
            backlog: VecDeque::new(),
            acceptors: Vec::new(),
        }));
        net.listeners.insert(key.clone(), state.clone());
        drop(net);
        Ok(SimListener {
            state,
            key,
            world,
            ttl: std::sync::atomic::AtomicU32::new(64),
        })
    }

    pub(crate) fn local_addr(&self) -> SimAddr {
        lock(&self.state).addr.clone()
    }

    /// Accepts the next connection; cancel-safe (nothing is taken unless returned).
    pub(crate) fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(SimStream, SimAddr)>> {
        let mut state = lock(&self.state);
        match state.backlog.pop_front() {
            Some(stream) => {
                let peer = stream.peer.clone();
                Poll::Ready(Ok((stream, peer)))
            }
            None => {
                register(&mut state.acceptors, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for SimListener {
    fn drop(&mut self) {
        lock(&self.world.net).listeners.remove(&self.key);
        // Connections never accepted are reset, as the OS does when a listener closes.
        let backlog = std::mem::take(&mut lock(&self.state).backlog);
        for stream in backlog {
            let mut conn = lock(&stream.conn);
            conn.reset = true;
            drop(conn);
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Datagrams

struct DatagramState {
    local: SimAddr,
    queue: VecDeque<(SimAddr, Vec<u8>)>,
    /// Only datagrams from here are received, and sends go here by default.
    peer: Option<SimAddr>,
    /// An error for the next receive: a datagram sent while connected found no socket (ICMP).
    error: Option<io::ErrorKind>,
    /// The other socket of a pair, which has no address to be found by.
    partner: Option<std::sync::Weak<Mutex<DatagramState>>>,
    receivers: Vec<Waker>,
}

/// A simulated datagram socket (UDP or Unix).
pub(crate) struct SimDatagram {
    state: Arc<Mutex<DatagramState>>,
    key: Option<Key>,
    world: Arc<World>,
    options: Mutex<DatagramOptions>,
}

/// Options a program sets on a simulated datagram socket and reads back; they change nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DatagramOptions {
    pub(crate) broadcast: bool,
    pub(crate) ttl: u32,
    pub(crate) multicast_loop_v4: bool,
    pub(crate) multicast_ttl_v4: u32,
    pub(crate) multicast_loop_v6: bool,
}

impl Default for DatagramOptions {
    fn default() -> Self {
        DatagramOptions {
            broadcast: false,
            ttl: 64,
            multicast_loop_v4: true,
            multicast_ttl_v4: 1,
            multicast_loop_v6: true,
        }
    }
}

/// Joining or leaving a group: `EINVAL` for an address that is not a multicast one, as the OS
/// answers; otherwise accepted (the simulation carries no multicast traffic).
pub(crate) fn check_multicast(is_multicast: bool) -> io::Result<()> {
    if is_multicast {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(
            rustix::io::Errno::INVAL.raw_os_error(),
        ))
    }
}

impl SimDatagram {
    /// A datagram socket at `addr` (a loopback address, port 0 for a free one, or a path), or
    /// unbound (`Unix(None)`).
    pub(crate) fn bind(addr: SimAddr) -> io::Result<SimDatagram> {
        let world = World::expect();
        let mut net = lock(&world.net);
        let (key, local) = match addr {
            SimAddr::Ip(addr) => {
                let ip = host_ip(addr.ip(), true)?;
                let port = match addr.port() {
                    0 => net.ephemeral(ip, true)?,
                    port if net.port_taken(ip, port, true) => return Err(addr_in_use(&addr)),
                    port => port,
                };
                (
                    Some(Key::Ip(ip, port)),
                    SimAddr::Ip(SocketAddr::new(addr.ip(), port)),
                )
            }
            SimAddr::Unix(Some(path)) => {
                claim_path(&path)?;
                (Some(Key::Path(path.clone())), SimAddr::Unix(Some(path)))
            }
            SimAddr::Unix(None) => (None, SimAddr::Unix(None)),
        };
        let state = Arc::new(Mutex::new(DatagramState {
            local,
            queue: VecDeque::new(),
            peer: None,
            error: None,
            partner: None,
            receivers: Vec::new(),
        }));
        if let Some(key) = &key {
            net.datagrams.insert(key.clone(), state.clone());
        }
        drop(net);
        Ok(SimDatagram {
            state,
            key,
            world,
            options: Mutex::new(DatagramOptions::default()),
        })
    }

    /// A connected pair of Unix datagram sockets, neither with a path: each sends to the other.
    pub(crate) fn unix_pair() -> io::Result<(SimDatagram, SimDatagram)> {
        let a = SimDatagram::bind(SimAddr::Unix(None))?;
        let b = SimDatagram::bind(SimAddr::Unix(None))?;
        {
            let (mut sa, mut sb) = (lock(&a.state), lock(&b.state));
            sa.peer = Some(SimAddr::Unix(None));
            sb.peer = Some(SimAddr::Unix(None));
            sa.partner = Some(Arc::downgrade(&b.state));
            sb.partner = Some(Arc::downgrade(&a.state));
        }
        Ok((a, b))
    }

    pub(crate) fn local_addr(&self) -> SimAddr {
        lock(&self.state).local.clone()
    }

    /// The connected peer; `NotConnected` if there is none.
    pub(crate) fn peer_addr(&self) -> io::Result<SimAddr> {
        lock(&self.state)
            .peer
            .clone()
            .ok_or_else(|| io::ErrorKind::NotConnected.into())
    }

    pub(crate) fn options(&self) -> MutexGuard<'_, DatagramOptions> {
        lock(&self.options)
    }

    /// Sends `buf` to the connected peer; without one, the OS's `EDESTADDRREQ`.
    pub(crate) fn send(&self, buf: &[u8]) -> io::Result<usize> {
        let peer = lock(&self.state).peer.clone();
        match peer {
            Some(peer) => self.send_to(buf, &peer),
            None => Err(io::Error::from_raw_os_error(
                rustix::io::Errno::DESTADDRREQ.raw_os_error(),
            )),
        }
    }

    /// Readiness for `interest`: writable always, readable with a datagram or error queued.
    pub(crate) fn poll_ready_for(
        &self,
        interest: crate::io::Interest,
        cx: &mut Context<'_>,
    ) -> Poll<crate::io::Ready> {
        use crate::io::Ready;
        let mut ready = Ready::EMPTY;
        if interest.is_writable() {
            ready = ready | Ready::WRITABLE;
        }
        if interest.is_readable() && self.poll_ready(Direction::Read, cx).is_ready() {
            ready = ready | Ready::READABLE;
        }
        if ready.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(ready)
        }
    }

    /// Sends only to, and receives only from, `peer`.
    pub(crate) fn connect(&self, peer: SimAddr) -> io::Result<()> {
        match &peer {
            SimAddr::Ip(addr) => {
                host_ip(addr.ip(), false)?;
            }
            SimAddr::Unix(Some(path)) => {
                path_fits(path)?;
                if self.find(&peer)?.is_none() {
                    return Err(if path.exists() {
                        io::ErrorKind::ConnectionRefused.into()
                    } else {
                        io::ErrorKind::NotFound.into()
                    });
                }
            }
            SimAddr::Unix(None) => {}
        }
        lock(&self.state).peer = Some(peer);
        Ok(())
    }

    fn find(&self, to: &SimAddr) -> io::Result<Option<Arc<Mutex<DatagramState>>>> {
        let key = match to {
            SimAddr::Ip(addr) => Key::Ip(host_ip(addr.ip(), false)?, addr.port()),
            SimAddr::Unix(Some(path)) => Key::Path(path.clone()),
            SimAddr::Unix(None) => {
                return Ok(lock(&self.state).partner.as_ref().and_then(|p| p.upgrade()))
            }
        };
        Ok(lock(&self.world.net).datagrams.get(&key).cloned())
    }

    /// Sends `buf` to `to`. A datagram nobody receives is lost, as on a network; if this socket
    /// is connected to `to`, its next receive fails with `ConnectionRefused`, as Linux reports
    /// the ICMP error.
    pub(crate) fn send_to(&self, buf: &[u8], to: &SimAddr) -> io::Result<usize> {
        let from = self.local_addr();
        match self.find(to)? {
            Some(target) => {
                let mut target = lock(&target);
                let accepted = target.peer.as_ref().is_none_or(|peer| *peer == from);
                if accepted {
                    target.queue.push_back((from, buf.to_vec()));
                    wake_all(&mut target.receivers);
                }
            }
            // A Unix datagram to a path nobody binds fails at once, as the OS's does.
            None if matches!(to, SimAddr::Unix(_)) => {
                return Err(match to {
                    SimAddr::Unix(Some(path)) if !path.exists() => io::ErrorKind::NotFound.into(),
                    _ => io::ErrorKind::ConnectionRefused.into(),
                })
            }
            None => {
                let mut state = lock(&self.state);
                if state.peer.as_ref() == Some(to) {
                    state.error = Some(io::ErrorKind::ConnectionRefused);
                    wake_all(&mut state.receivers);
                }
            }
        }
        Ok(buf.len())
    }

    /// Receives one datagram into `buf`, truncated to it (the rest is discarded, or kept with
    /// `peek`).
    pub(crate) fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        peek: bool,
    ) -> Poll<io::Result<(usize, SimAddr)>> {
        let mut state = lock(&self.state);
        if let Some(kind) = state.error.take() {
            return Poll::Ready(Err(kind.into()));
        }
        let Some((from, datagram)) = state.queue.front() else {
            register(&mut state.receivers, cx.waker());
            return Poll::Pending;
        };
        let n = buf.len().min(datagram.len());
        buf[..n].copy_from_slice(&datagram[..n]);
        let from = from.clone();
        if !peek {
            state.queue.pop_front();
        }
        Poll::Ready(Ok((n, from)))
    }

    pub(crate) fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        match direction {
            Direction::Write => Poll::Ready(()),
            Direction::Read => {
                let mut state = lock(&self.state);
                if state.error.is_some() || !state.queue.is_empty() {
                    return Poll::Ready(());
                }
                register(&mut state.receivers, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for SimDatagram {
    fn drop(&mut self) {
        if let Some(key) = &self.key {
            lock(&self.world.net).datagrams.remove(key);
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Names

/// Resolves `host` and `port` in the simulation: `localhost` is its loopback host (IPv4 first),
/// any other name is unknown. No resolver of the machine is asked.
pub(crate) fn resolve_host(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
        ]);
    }
    // The kind std gives a failed lookup (`Uncategorized`, which cannot be named), by way of an
    // error number no kind is assigned to, and std's message.
    let kind = io::Error::from_raw_os_error(200).kind();
    Err(io::Error::new(
        kind,
        format!(
            "failed to lookup address information: Name or service not known (the simulation has \
             no host named {host:?})"
        ),
    ))
}

/// Resolves `"host:port"` in the simulation, with std's errors for a string that is not one.
pub(crate) fn resolve(text: &str) -> io::Result<Vec<SocketAddr>> {
    let invalid = |message| io::Error::new(io::ErrorKind::InvalidInput, message);
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| invalid("invalid socket address"))?;
    let port = port.parse().map_err(|_| invalid("invalid port value"))?;
    resolve_host(host, port)
}

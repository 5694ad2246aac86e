//! The simulation's network: TCP and Unix streams, UDP and Unix datagrams, in memory.
//!
//! No OS socket is opened. A connection is two byte pipes; a listener is a queue of connections
//! not yet accepted; a datagram socket is a queue of datagrams. Addresses live in the
//! simulation's registry, per host: every host has the loopback addresses (127.0.0.1 and ::1,
//! reachable only from itself), and each named host an IPv4 address of its own (a bind to
//! 0.0.0.0 listens on both); Unix sockets live on paths. A Unix socket's path also gets an empty
//! file on the real file system, so that its existence, its removal and the errors that follow
//! from them (`AddrInUse`, `NotFound`, `ConnectionRefused`) are the OS's.
//!
//! On one host every event is delivered at once: the data a write queues is readable by the
//! peer's next poll, woken by the write. Between hosts, data and datagrams travel for the
//! link's latency (plus jitter drawn from the seed), a partition holds TCP data (and
//! connection attempts) until it is repaired and loses datagrams, and datagrams may be lost,
//! duplicated or delayed past later ones as the link says. A stream keeps the TCP rows of SEMANTICS.md: FIN on shutdown and
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

/// A host and an address family (true for IPv6): where IP sockets are registered.
type Place = (u32, bool);

/// Where a socket is registered: a host, an address family and a port, or a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Ip(Place, u16),
    Path(PathBuf),
}

/// The settings of a link between two hosts (or the default of every link).
///
/// TCP uses the latency and jitter; UDP all of them. Probabilities are clamped to 0..=1.
// Public through `anyrt::sim` in builds with `rt-sim`; unreachable without it.
#[cfg_attr(not(feature = "rt-sim"), allow(unreachable_pub))]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Link {
    latency: std::time::Duration,
    jitter: std::time::Duration,
    loss: f64,
    duplicate: f64,
    reorder: f64,
}

#[cfg_attr(not(feature = "rt-sim"), allow(unreachable_pub))]
impl Link {
    /// A link with no latency and no faults.
    pub fn new() -> Link {
        Link::default()
    }

    /// One-way latency of every message (TCP data, connection set-up, datagrams).
    pub fn latency(mut self, latency: std::time::Duration) -> Link {
        self.latency = latency;
        self
    }

    /// Up to this much more latency per message, drawn from the simulation's seed. TCP data
    /// stays in order; datagrams may overtake each other.
    pub fn jitter(mut self, jitter: std::time::Duration) -> Link {
        self.jitter = jitter;
        self
    }

    /// The probability that a datagram is lost.
    pub fn loss(mut self, probability: f64) -> Link {
        self.loss = probability.clamp(0.0, 1.0);
        self
    }

    /// The probability that a datagram arrives twice.
    pub fn duplicate(mut self, probability: f64) -> Link {
        self.duplicate = probability.clamp(0.0, 1.0);
        self
    }

    /// The probability that a datagram is held back for one more latency, so that later ones
    /// overtake it.
    pub fn reorder(mut self, probability: f64) -> Link {
        self.reorder = probability.clamp(0.0, 1.0);
        self
    }

    /// A one-way delay in virtual nanoseconds, with jitter drawn from the seed.
    fn delay(&self, world: &World) -> u64 {
        let base = u64::try_from(self.latency.as_nanos()).unwrap_or(u64::MAX);
        let jitter = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        let extra = if jitter == 0 {
            0
        } else {
            world.with_rng(|rng| rng.below(jitter.saturating_add(1)))
        };
        base.saturating_add(extra)
    }
}

/// True with probability `p`, drawn from the simulation's seed (no draw for 0).
fn chance(world: &World, p: f64) -> bool {
    p > 0.0 && world.with_rng(|rng| rng.below(1 << 53)) < (p * (1u64 << 53) as f64) as u64
}

/// Where `ip` leads from the current host: the place a socket for it is registered at, and
/// whether `ip` is a loopback address (reachable from its own host only). `binding` for the
/// address of a socket of this host, else for a destination.
fn place(world: &World, ip: IpAddr, binding: bool) -> io::Result<(Place, bool)> {
    let here = World::current_host_index();
    let v6 = ip.is_ipv6();
    if ip.is_loopback() {
        return Ok(((here, v6), true));
    }
    if binding && ip.is_unspecified() {
        return Ok(((here, v6), false));
    }
    if let IpAddr::V4(v4) = ip {
        let found = world
            .hosts
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, host)| host.ip == v4)
            .map(|(i, _)| i as u32);
        match found {
            Some(host) if !binding || host == here => return Ok(((host, false), false)),
            _ => {}
        }
    }
    Err(if binding {
        io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!(
                "anyrt: {ip} is not an address of this simulated host (it has the loopback \
                 addresses and its own, if it is a named host)"
            ),
        )
    } else {
        io::Error::new(
            io::ErrorKind::NetworkUnreachable,
            format!("anyrt: no simulated host has the address {ip}"),
        )
    })
}

/// The address a socket of the current host has toward `place`'s host: loopback on its own
/// host, else its host's address.
fn source_ip(world: &World, to: Place, loopback: bool) -> IpAddr {
    let here = World::current_host_index();
    if loopback || to.0 == here {
        if to.1 {
            Ipv6Addr::LOCALHOST.into()
        } else {
            Ipv4Addr::LOCALHOST.into()
        }
    } else {
        world.hosts[here as usize].ip.into()
    }
}

/// The simulation's registry of bound sockets, and the state of its links.
pub(crate) struct Network {
    listeners: BTreeMap<Key, Arc<Mutex<ListenerState>>>,
    datagrams: BTreeMap<Key, Arc<Mutex<DatagramState>>>,
    /// Ports in use by connected streams' local ends, so port 0 never reuses one.
    stream_ports: BTreeMap<(Place, u16), usize>,
    next_port: BTreeMap<Place, u16>,
    /// Every link's settings unless `links` has its own (keys ordered: lower host first).
    link: Link,
    links: BTreeMap<(u32, u32), Link>,
    partitions: std::collections::BTreeSet<(u32, u32)>,
    /// Connections between hosts, for crashes and repairs to reach.
    conns: Vec<std::sync::Weak<Mutex<Conn>>>,
    /// Tasks waiting for a partition to be repaired or a host to come up.
    topology: Vec<Waker>,
}

fn pair_key(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

impl Network {
    pub(crate) fn new(link: Link) -> Network {
        Network {
            listeners: BTreeMap::new(),
            datagrams: BTreeMap::new(),
            stream_ports: BTreeMap::new(),
            next_port: BTreeMap::new(),
            link,
            links: BTreeMap::new(),
            partitions: std::collections::BTreeSet::new(),
            conns: Vec::new(),
            topology: Vec::new(),
        }
    }

    fn link(&self, a: u32, b: u32) -> Link {
        self.links
            .get(&pair_key(a, b))
            .copied()
            .unwrap_or(self.link)
    }

    fn partitioned(&self, a: u32, b: u32) -> bool {
        a != b && self.partitions.contains(&pair_key(a, b))
    }

    fn port_taken(&self, place: Place, port: u16, datagram: bool) -> bool {
        let key = Key::Ip(place, port);
        if datagram {
            self.datagrams.contains_key(&key)
        } else {
            self.listeners.contains_key(&key) || self.stream_ports.contains_key(&(place, port))
        }
    }

    /// A free port at `place`: the next one of the ephemeral range, round-robin, as Linux does.
    fn ephemeral(&mut self, place: Place, datagram: bool) -> io::Result<u16> {
        let span = u32::from(EPHEMERAL_PORTS.end() - EPHEMERAL_PORTS.start()) + 1;
        for _ in 0..span {
            let cursor = self
                .next_port
                .entry(place)
                .or_insert(*EPHEMERAL_PORTS.start());
            let next = *cursor;
            *cursor = if next == *EPHEMERAL_PORTS.end() {
                *EPHEMERAL_PORTS.start()
            } else {
                next + 1
            };
            if !self.port_taken(place, next, datagram) {
                return Ok(next);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            "anyrt: the simulation has no ephemeral port left",
        ))
    }

    fn hold_port(&mut self, place: Place, port: u16) {
        *self.stream_ports.entry((place, port)).or_default() += 1;
    }

    fn release_port(&mut self, place: Place, port: u16) {
        if let Some(count) = self.stream_ports.get_mut(&(place, port)) {
            *count -= 1;
            if *count == 0 {
                self.stream_ports.remove(&(place, port));
            }
        }
    }

    fn wake_topology(&mut self) {
        wake_all(&mut self.topology);
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

/// Bytes on their way between hosts: readable from virtual instant `at` (`u64::MAX` while a
/// partition holds them), then end-of-file if `fin`.
struct Segment {
    at: u64,
    bytes: Vec<u8>,
    fin: bool,
}

/// One direction of a connection.
#[derive(Default)]
struct Pipe {
    /// Bytes that have arrived.
    data: VecDeque<u8>,
    /// Bytes (and a FIN) still travelling, in order.
    in_flight: VecDeque<Segment>,
    /// The writer shut its half down, and the FIN has arrived: after the data, end-of-file.
    fin: bool,
    /// The reading end is gone: writes fail.
    reader_gone: bool,
    /// Tasks waiting to read, or for room to write.
    readers: Vec<Waker>,
    writers: Vec<Waker>,
}

impl Pipe {
    /// Moves what has arrived by virtual instant `now` to the readable side.
    fn arrive(&mut self, now: u64) {
        while self.in_flight.front().is_some_and(|s| s.at <= now) {
            let segment = self.in_flight.pop_front().expect("checked above");
            self.data.extend(segment.bytes);
            self.fin |= segment.fin;
        }
    }

    fn queued(&self) -> usize {
        self.data.len() + self.in_flight.iter().map(|s| s.bytes.len()).sum::<usize>()
    }
}

/// A connection: two pipes, the hosts of its ends, and whether it was reset.
struct Conn {
    /// `pipes[side]` is what `side` reads.
    pipes: [Pipe; 2],
    /// `hosts[side]` is the host of `side`.
    hosts: [u32; 2],
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

/// Wakes the readers of one pipe when a timer fires: data in flight has arrived.
struct Arrival {
    conn: std::sync::Weak<Mutex<Conn>>,
    pipe: usize,
}

impl std::task::Wake for Arrival {
    fn wake(self: Arc<Self>) {
        if let Some(conn) = self.conn.upgrade() {
            let mut conn = lock(&conn);
            wake_all(&mut conn.pipes[self.pipe].readers);
        }
    }
}

/// One end of a simulated stream connection (TCP or Unix).
pub(crate) struct SimStream {
    conn: Arc<Mutex<Conn>>,
    side: usize,
    local: SimAddr,
    /// Where the local port is held, released when this end is dropped.
    port: Option<(Place, u16)>,
    peer: SimAddr,
    world: Arc<World>,
    options: Mutex<StreamOptions>,
}

impl SimStream {
    fn pair(
        world: &Arc<World>,
        hosts: [u32; 2],
        a: SimAddr,
        b: SimAddr,
        port: Option<(Place, u16)>,
    ) -> (SimStream, SimStream) {
        let conn = Arc::new(Mutex::new(Conn {
            pipes: Default::default(),
            hosts,
            reset: false,
        }));
        if hosts[0] != hosts[1] {
            let mut net = lock(&world.net);
            if net.conns.len() % 64 == 63 {
                net.conns.retain(|c| c.strong_count() > 0);
            }
            net.conns.push(Arc::downgrade(&conn));
        }
        let end = |side, local, peer, port| SimStream {
            conn: conn.clone(),
            side,
            local,
            port,
            peer,
            world: world.clone(),
            options: Mutex::new(StreamOptions::default()),
        };
        (end(0, a.clone(), b.clone(), port), end(1, b, a, None))
    }

    /// A connected pair of Unix streams, neither with a path.
    pub(crate) fn unix_pair() -> (SimStream, SimStream) {
        let here = World::current_host_index();
        SimStream::pair(
            &World::expect(),
            [here; 2],
            SimAddr::Unix(None),
            SimAddr::Unix(None),
            None,
        )
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

    fn now(&self) -> u64 {
        self.world.nanos_of(self.world.now())
    }

    /// Reads into `buf`, leaving the data queued with `peek`.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        peek: bool,
    ) -> Poll<io::Result<usize>> {
        let now = self.now();
        let mut conn = lock(&self.conn);
        let reset = conn.reset;
        let pipe = &mut conn.pipes[self.side];
        pipe.arrive(now);
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

    /// Sends `bytes` (and a FIN with `fin`) to the other end: at once on one host, else after
    /// the link's delay, in order, held while the hosts are partitioned.
    fn send(&self, conn: &mut Conn, bytes: &[u8], fin: bool) {
        let to = 1 - self.side;
        let (from_host, to_host) = (conn.hosts[self.side], conn.hosts[to]);
        if from_host == to_host {
            let pipe = &mut conn.pipes[to];
            pipe.data.extend(bytes);
            pipe.fin |= fin;
            wake_all(&mut pipe.readers);
            return;
        }
        let at = {
            let net = lock(&self.world.net);
            if net.partitioned(from_host, to_host) {
                u64::MAX
            } else {
                self.now()
                    .saturating_add(net.link(from_host, to_host).delay(&self.world))
            }
        };
        let pipe = &mut conn.pipes[to];
        // In order: never before what was sent earlier.
        let at = pipe.in_flight.back().map_or(at, |last| at.max(last.at));
        pipe.in_flight.push_back(Segment {
            at,
            bytes: bytes.to_vec(),
            fin,
        });
        if at != u64::MAX {
            self.world.arm(at, self.arrival(to));
        }
    }

    fn arrival(&self, pipe: usize) -> Waker {
        Waker::from(Arc::new(Arrival {
            conn: Arc::downgrade(&self.conn),
            pipe,
        }))
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut conn = lock(&self.conn);
        if conn.reset {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        let pipe = &mut conn.pipes[1 - self.side];
        let closed = pipe.fin || pipe.in_flight.iter().any(|s| s.fin);
        if closed || pipe.reader_gone {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = PIPE_CAPACITY.saturating_sub(pipe.queued());
        if room == 0 {
            register(&mut pipe.writers, cx.waker());
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        self.send(&mut conn, &buf[..n], false);
        Poll::Ready(Ok(n))
    }

    /// Shuts the write half down, sending FIN; `Ok` if the connection is already gone.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        let mut conn = lock(&self.conn);
        let pipe = &conn.pipes[1 - self.side];
        if !(pipe.fin || pipe.in_flight.iter().any(|s| s.fin)) {
            self.send(&mut conn, &[], true);
        }
        Ok(())
    }

    /// Readiness in `direction`, without reading or writing.
    pub(crate) fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        let now = self.now();
        let mut conn = lock(&self.conn);
        let reset = conn.reset;
        match direction {
            Direction::Read => {
                let pipe = &mut conn.pipes[self.side];
                pipe.arrive(now);
                if reset || pipe.fin || !pipe.data.is_empty() {
                    return Poll::Ready(());
                }
                register(&mut pipe.readers, cx.waker());
            }
            Direction::Write => {
                let pipe = &mut conn.pipes[1 - self.side];
                if reset || pipe.fin || pipe.reader_gone || pipe.queued() < PIPE_CAPACITY {
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
            let now = self.now();
            let mut conn = lock(&self.conn);
            conn.pipes[self.side].arrive(now);
            // Unread data, or a zero linger, and the connection is reset, as TCP does.
            let linger_zero = lock(&self.options).linger == Some(std::time::Duration::ZERO);
            if linger_zero || !conn.pipes[self.side].data.is_empty() {
                conn.reset = true;
            } else {
                let pipe = &conn.pipes[1 - self.side];
                if !(pipe.fin || pipe.in_flight.iter().any(|s| s.fin)) {
                    self.send(&mut conn, &[], true);
                }
            }
            conn.pipes[self.side].reader_gone = true;
            conn.pipes[self.side].data.clear();
            for pipe in &mut conn.pipes {
                wake_all(&mut pipe.readers);
                wake_all(&mut pipe.writers);
            }
        }
        if let Some((place, port)) = self.port {
            lock(&self.world.net).release_port(place, port);
        }
    }
}

/// The address a socket bound to `addr` gets: `addr` itself, or with a free port for port 0;
/// `AddrInUse` if a listener has the port, `AddrNotAvailable` for an address of no host.
pub(crate) fn bind_addr(addr: SocketAddr) -> io::Result<SocketAddr> {
    let world = World::expect();
    let (place, _) = place(&world, addr.ip(), true)?;
    let mut net = lock(&world.net);
    match addr.port() {
        0 => Ok(SocketAddr::new(addr.ip(), net.ephemeral(place, false)?)),
        port if net.port_taken(place, port, false) => Err(addr_in_use(&addr)),
        _ => Ok(addr),
    }
}

/// Where a listener (or, with `datagram`, a datagram socket) bound to `addr` on the current
/// host is registered, its address (a free port for port 0), and whether it is loopback-only;
/// `AddrInUse` for a port taken, `AddrNotAvailable` for an address not of this host.
fn bind_ip(
    world: &World,
    net: &mut Network,
    addr: SocketAddr,
    datagram: bool,
) -> io::Result<(Key, SimAddr, bool)> {
    let (place, loopback) = place(world, addr.ip(), true)?;
    let port = match addr.port() {
        0 => net.ephemeral(place, datagram)?,
        port if net.port_taken(place, port, datagram) => return Err(addr_in_use(&addr)),
        port => port,
    };
    Ok((
        Key::Ip(place, port),
        SimAddr::Ip(SocketAddr::new(addr.ip(), port)),
        loopback,
    ))
}

/// Waits, in virtual time, for `nanos`.
async fn travel(nanos: u64) {
    if nanos > 0 {
        crate::time::sleep(std::time::Duration::from_nanos(nanos)).await;
    }
}

/// Waits until hosts `a` and `b` can reach each other: no partition between them, and `b` up.
async fn reachable(world: &World, a: u32, b: u32) {
    std::future::poll_fn(|cx| {
        let mut net = lock(&world.net);
        if !net.partitioned(a, b) && world.hosts[b as usize].is_up() {
            Poll::Ready(())
        } else {
            register(&mut net.topology, cx.waker());
            Poll::Pending
        }
    })
    .await;
}

/// Connects to `to`, a listener's address. Between hosts, the connection takes a round trip of
/// the link's latency, and waits while the hosts are partitioned or the target is down (as
/// TCP retransmits its SYN); a refusal takes the round trip too.
pub(crate) async fn connect(to: SimAddr) -> io::Result<SimStream> {
    let world = World::expect();
    let here = World::current_host_index();
    let (key, local, port, there) = match &to {
        SimAddr::Ip(addr) => {
            let (target, loopback) = place(&world, addr.ip(), false)?;
            let ip = source_ip(&world, target, loopback);
            let own = (here, ip.is_ipv6());
            let mut net = lock(&world.net);
            let port = net.ephemeral(own, false)?;
            net.hold_port(own, port);
            (
                Key::Ip(target, addr.port()),
                SimAddr::Ip(SocketAddr::new(ip, port)),
                Some((own, port)),
                target.0,
            )
        }
        SimAddr::Unix(Some(path)) => {
            path_fits(path)?;
            (Key::Path(path.clone()), SimAddr::Unix(None), None, here)
        }
        SimAddr::Unix(None) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "anyrt: a Unix socket without a path cannot be connected to",
            ))
        }
    };
    let release = |world: &World| {
        if let Some((place, port)) = port {
            lock(&world.net).release_port(place, port);
        }
    };
    let delay = || lock(&world.net).link(here, there).delay(&world);
    if there != here {
        reachable(&world, here, there).await;
        travel(delay()).await;
    }
    let listener = lock(&world.net).listeners.get(&key).cloned();
    let loopback_only = listener
        .as_ref()
        .is_some_and(|l| lock(l).loopback_only && there != here);
    let refused = |world: &World| {
        release(world);
        match &key {
            // The OS's answer for a path: no file, or a file nothing listens on.
            Key::Path(path) if !path.exists() => io::Error::from(io::ErrorKind::NotFound),
            _ => io::ErrorKind::ConnectionRefused.into(),
        }
    };
    let Some(listener) = listener.filter(|_| !loopback_only) else {
        if there != here {
            travel(delay()).await;
        }
        return Err(refused(&world));
    };
    // A full backlog drops the SYN and the client tries again, as Linux does: wait for room.
    std::future::poll_fn(|cx| {
        let mut state = lock(&listener);
        if state.backlog.len() < BACKLOG || state.closed {
            Poll::Ready(())
        } else {
            register(&mut state.connectors, cx.waker());
            Poll::Pending
        }
    })
    .await;
    let client = {
        let mut state = lock(&listener);
        if state.closed {
            drop(state);
            return Err(refused(&world));
        }
        // The accepted end's address is the one connected to (a listener on 0.0.0.0 has many).
        let server_local = match &to {
            SimAddr::Ip(addr) => SimAddr::Ip(*addr),
            SimAddr::Unix(_) => state.addr.clone(),
        };
        let (client, server) = SimStream::pair(&world, [here, there], local, server_local, port);
        state.backlog.push_back(server);
        wake_all(&mut state.acceptors);
        client
    };
    if there != here {
        travel(delay()).await;
    }
    Ok(client)
}

// ----------------------------------------------------------------------------------------------
// Listeners

struct ListenerState {
    addr: SimAddr,
    /// Bound to a loopback address: other hosts cannot connect.
    loopback_only: bool,
    backlog: VecDeque<SimStream>,
    acceptors: Vec<Waker>,
    /// Connection attempts waiting for room in the backlog.
    connectors: Vec<Waker>,
    /// The listener was dropped: waiting attempts are refused.
    closed: bool,
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
        let (key, local, loopback_only) = match addr {
            SimAddr::Ip(addr) => bind_ip(&world, &mut net, addr, false)?,
            SimAddr::Unix(Some(path)) => {
                claim_path(&path)?;
                (Key::Path(path.clone()), SimAddr::Unix(Some(path)), true)
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
            loopback_only,
            backlog: VecDeque::new(),
            acceptors: Vec::new(),
            connectors: Vec::new(),
            closed: false,
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
                wake_all(&mut state.connectors);
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
        {
            // Unless a crash took the registration and a new life of the host bound the port.
            let mut net = lock(&self.world.net);
            if net
                .listeners
                .get(&self.key)
                .is_some_and(|state| Arc::ptr_eq(state, &self.state))
            {
                net.listeners.remove(&self.key);
            }
        }
        // Connections never accepted are reset, as the OS does when a listener closes.
        let backlog = {
            let mut state = lock(&self.state);
            state.closed = true;
            wake_all(&mut state.connectors);
            std::mem::take(&mut state.backlog)
        };
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
    /// Bound to a loopback address: other hosts' datagrams do not reach it.
    loopback_only: bool,
    /// Datagrams in the order they arrive, each with the virtual instant it does (later ones
    /// are still travelling).
    queue: VecDeque<(u64, SimAddr, Vec<u8>)>,
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
        let (key, local, loopback_only) = match addr {
            SimAddr::Ip(addr) => {
                let (key, local, loopback) = bind_ip(&world, &mut net, addr, true)?;
                (Some(key), local, loopback)
            }
            SimAddr::Unix(Some(path)) => {
                claim_path(&path)?;
                (
                    Some(Key::Path(path.clone())),
                    SimAddr::Unix(Some(path)),
                    true,
                )
            }
            SimAddr::Unix(None) => (None, SimAddr::Unix(None), true),
        };
        let state = Arc::new(Mutex::new(DatagramState {
            local,
            loopback_only,
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
                place(&self.world, addr.ip(), false)?;
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

    /// The socket `to` names, and its host; `None` if nothing is bound there (or it takes
    /// only its own host's datagrams).
    fn find(&self, to: &SimAddr) -> io::Result<Option<(Arc<Mutex<DatagramState>>, u32)>> {
        let here = World::current_host_index();
        let (key, host) = match to {
            SimAddr::Ip(addr) => {
                let (place, _) = place(&self.world, addr.ip(), false)?;
                (Key::Ip(place, addr.port()), place.0)
            }
            SimAddr::Unix(Some(path)) => (Key::Path(path.clone()), here),
            SimAddr::Unix(None) => {
                let partner = lock(&self.state).partner.as_ref().and_then(|p| p.upgrade());
                return Ok(partner.map(|p| (p, here)));
            }
        };
        let found = lock(&self.world.net).datagrams.get(&key).cloned();
        Ok(found
            .filter(|state| host == here || !lock(state).loopback_only)
            .map(|s| (s, host)))
    }

    /// Sends `buf` to `to`. A datagram nobody receives is lost, as on a network; if this socket
    /// is connected to `to`, its next receive fails with `ConnectionRefused`, as Linux reports
    /// the ICMP error.
    pub(crate) fn send_to(&self, buf: &[u8], to: &SimAddr) -> io::Result<usize> {
        let here = World::current_host_index();
        let mut from = self.local_addr();
        match self.find(to)? {
            Some((target, there)) => {
                if there != here {
                    // Seen from another host, a socket on 0.0.0.0 sends from its host's address.
                    if let SimAddr::Ip(addr) = &mut from {
                        if addr.ip().is_unspecified() {
                            addr.set_ip(self.world.hosts[here as usize].ip.into());
                        }
                    }
                }
                let accepted = lock(&target).peer.as_ref().is_none_or(|peer| *peer == from);
                if accepted {
                    self.deliver(&target, here, there, from, buf);
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

    /// Puts a datagram on its way from host `here` to `target` on host `there`: at once on one
    /// host; between hosts after the link's delay, unless lost (a partition, a host that is
    /// down, or the link's loss), maybe twice, maybe overtaken.
    fn deliver(
        &self,
        target: &Arc<Mutex<DatagramState>>,
        here: u32,
        there: u32,
        from: SimAddr,
        buf: &[u8],
    ) {
        let world = &self.world;
        let now = world.nanos_of(world.now());
        let mut arrivals = Vec::new();
        if here == there {
            arrivals.push(now);
        } else {
            let net = lock(&world.net);
            if net.partitioned(here, there) || !world.hosts[there as usize].is_up() {
                return;
            }
            let link = net.link(here, there);
            drop(net);
            if chance(world, link.loss) {
                return;
            }
            let copies = if chance(world, link.duplicate) { 2 } else { 1 };
            for _ in 0..copies {
                let mut at = now.saturating_add(link.delay(world));
                if chance(world, link.reorder) {
                    at = at.saturating_add(u64::try_from(link.latency.as_nanos()).unwrap_or(0));
                }
                arrivals.push(at);
            }
        }
        let mut state = lock(target);
        for at in arrivals {
            // Arrival order: after everything that arrives no later.
            let index = state.queue.partition_point(|(t, _, _)| *t <= at);
            state.queue.insert(index, (at, from.clone(), buf.to_vec()));
            if at > now {
                world.arm(
                    at,
                    Waker::from(Arc::new(DatagramArrival(Arc::downgrade(target)))),
                );
            }
        }
        wake_all(&mut state.receivers);
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
        let now = self.world.nanos_of(self.world.now());
        let Some((_, from, datagram)) = state.queue.front().filter(|(at, _, _)| *at <= now) else {
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
                let now = self.world.nanos_of(self.world.now());
                let mut state = lock(&self.state);
                if state.error.is_some() || state.queue.front().is_some_and(|(at, _, _)| *at <= now)
                {
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
            // Unless a crash took the registration and a new life of the host bound the port.
            let mut net = lock(&self.world.net);
            if net
                .datagrams
                .get(key)
                .is_some_and(|state| Arc::ptr_eq(state, &self.state))
            {
                net.datagrams.remove(key);
            }
        }
    }
}

/// Wakes a datagram socket's receivers when a datagram in flight arrives.
struct DatagramArrival(std::sync::Weak<Mutex<DatagramState>>);

impl std::task::Wake for DatagramArrival {
    fn wake(self: Arc<Self>) {
        if let Some(state) = self.0.upgrade() {
            wake_all(&mut lock(&state).receivers);
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Names

/// Resolves `host` and `port` in the simulation: `localhost` is the loopback addresses (IPv4
/// first), a host's name its address; any other name is unknown. No resolver of the machine is
/// asked.
pub(crate) fn resolve_host(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
        ]);
    }
    let world = World::expect();
    if let Some(found) = world.hosts.iter().skip(1).find(|h| h.name == host) {
        return Ok(vec![SocketAddr::new(found.ip.into(), port)]);
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

// ----------------------------------------------------------------------------------------------
// Faults

/// Cuts the link between hosts `a` and `b`, both ways: TCP data and connection attempts wait
/// (in order) until `repair`; datagrams are lost.
pub(crate) fn partition(world: &World, a: u32, b: u32) {
    if a != b {
        lock(&world.net).partitions.insert(pair_key(a, b));
    }
}

/// Restores the link between hosts `a` and `b`: the TCP data a partition held travels now, in
/// order, and connection attempts go on.
pub(crate) fn repair(world: &World, a: u32, b: u32) {
    let (conns, link) = {
        let mut net = lock(&world.net);
        if !net.partitions.remove(&pair_key(a, b)) {
            return;
        }
        net.wake_topology();
        let conns: Vec<_> = net.conns.iter().filter_map(|c| c.upgrade()).collect();
        (conns, net.link(a, b))
    };
    let now = world.nanos_of(world.now());
    for conn in conns {
        let mut state = lock(&conn);
        let hosts = state.hosts;
        if pair_key(hosts[0], hosts[1]) != pair_key(a, b) {
            continue;
        }
        for (side, pipe) in state.pipes.iter_mut().enumerate() {
            let mut last = now;
            for segment in pipe.in_flight.iter_mut().filter(|s| s.at == u64::MAX) {
                segment.at = now.saturating_add(link.delay(world)).max(last);
                last = segment.at;
                world.arm(
                    segment.at,
                    Waker::from(Arc::new(Arrival {
                        conn: Arc::downgrade(&conn),
                        pipe: side,
                    })),
                );
            }
        }
    }
}

/// Sets the link between hosts `a` and `b` (both ways).
pub(crate) fn set_link(world: &World, a: u32, b: u32, link: Link) {
    lock(&world.net).links.insert(pair_key(a, b), link);
}

/// The network's side of a crash of host `host`: its connections are reset (its peers read
/// `ConnectionReset`), and its listeners and datagram sockets stop being reachable.
pub(crate) fn crash(world: &World, host: u32) {
    let conns: Vec<_> = {
        let mut net = lock(&world.net);
        net.listeners
            .retain(|key, _| !matches!(key, Key::Ip((h, _), _) if *h == host));
        net.datagrams
            .retain(|key, _| !matches!(key, Key::Ip((h, _), _) if *h == host));
        net.conns.iter().filter_map(|c| c.upgrade()).collect()
    };
    for conn in conns {
        let mut state = lock(&conn);
        if state.hosts.contains(&host) {
            state.reset = true;
            for pipe in &mut state.pipes {
                pipe.in_flight.clear();
                wake_all(&mut pipe.readers);
                wake_all(&mut pipe.writers);
            }
        }
    }
}

/// A host came up again: connection attempts waiting for it go on.
pub(crate) fn host_up(world: &World) {
    lock(&world.net).wake_topology();
}

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

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use super::world::World;
pub(crate) use crate::rt::contract::StreamOptions;

// The core above the parts: addresses, the registry and links in this file; each kind of socket,
// the resolver and the fault injection in a file of its own.
mod datagram;
mod faults;
mod listener;
mod names;
mod stream;

use datagram::DatagramState;
use listener::ListenerState;
use stream::Conn;

// The paths the rest of the crate names, as they were when the network was one file.
pub(crate) use datagram::{check_multicast, SimDatagram};
// Named by `anyrt::sim`.
pub(crate) use faults::{crash, host_up, partition, repair, set_link};
pub(crate) use listener::SimListener;
pub(crate) use names::{resolve, resolve_host};
pub(crate) use stream::{bind_addr, connect, SimStream};

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
// Public through `anyrt::sim`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Link {
    latency: std::time::Duration,
    jitter: std::time::Duration,
    loss: f64,
    duplicate: f64,
    reorder: f64,
}

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

//! Datagrams: a socket is a queue of datagrams, each arriving at its virtual instant.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::{
    bind_ip, chance, claim_path, lock, path_fits, place, register, wake_all, Key, SimAddr,
};
use crate::rt::simulation::World;
use crate::rt::{DatagramOptions, Direction};

pub(super) struct DatagramState {
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

/// Joining or leaving a group: `EINVAL` for an address that is not a multicast one, as the OS
/// answers; otherwise accepted (the simulation carries no multicast traffic).
pub(crate) fn check_multicast(is_multicast: bool) -> io::Result<()> {
    if is_multicast {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(libc::EINVAL))
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
            None => Err(io::Error::from_raw_os_error(libc::EDESTADDRREQ)),
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

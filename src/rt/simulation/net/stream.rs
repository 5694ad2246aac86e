//! Streams: a connection is two byte pipes, and connecting is the way to a listener's backlog.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::{
    addr_in_use, lock, path_fits, place, register, source_ip, wake_all, Key, Place, SimAddr,
    StreamOptions, BACKLOG, PIPE_CAPACITY,
};
use crate::rt::simulation::World;
use crate::rt::Direction;

/// Bytes on their way between hosts: readable from virtual instant `at` (`u64::MAX` while a
/// partition holds them), then end-of-file if `fin`.
pub(super) struct Segment {
    pub(super) at: u64,
    bytes: Vec<u8>,
    fin: bool,
}

/// One direction of a connection.
#[derive(Default)]
pub(super) struct Pipe {
    /// Bytes that have arrived.
    data: VecDeque<u8>,
    /// Bytes (and a FIN) still travelling, in order.
    pub(super) in_flight: VecDeque<Segment>,
    /// The writer shut its half down, and the FIN has arrived: after the data, end-of-file.
    fin: bool,
    /// The reading end is gone: writes fail.
    reader_gone: bool,
    /// Tasks waiting to read, or for room to write.
    pub(super) readers: Vec<Waker>,
    pub(super) writers: Vec<Waker>,
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
pub(super) struct Conn {
    /// `pipes[side]` is what `side` reads.
    pub(super) pipes: [Pipe; 2],
    /// `hosts[side]` is the host of `side`.
    pub(super) hosts: [u32; 2],
    pub(super) reset: bool,
}

/// Wakes the readers of one pipe when a timer fires: data in flight has arrived.
pub(super) struct Arrival {
    pub(super) conn: std::sync::Weak<Mutex<Conn>>,
    pub(super) pipe: usize,
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
    pub(super) conn: Arc<Mutex<Conn>>,
    side: usize,
    local: SimAddr,
    /// Where the local port is held, released when this end is dropped.
    port: Option<(Place, u16)>,
    pub(super) peer: SimAddr,
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

/// Waits, in virtual time, for `nanos`: on the simulation's own timer, as `anyrt::time::sleep`
/// would under it.
async fn travel(nanos: u64) {
    if nanos > 0 {
        let deadline = World::expect().now() + std::time::Duration::from_nanos(nanos);
        let mut timer = std::pin::pin!(crate::rt::simulation::timer::Timer::new(deadline));
        std::future::poll_fn(|cx| timer.as_mut().poll(cx)).await;
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

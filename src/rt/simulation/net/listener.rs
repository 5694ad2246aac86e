//! Listeners: a queue of connections not yet accepted.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::stream::SimStream;
use super::{bind_ip, claim_path, lock, register, wake_all, Key, SimAddr};
use crate::rt::simulation::World;

pub(super) struct ListenerState {
    pub(super) addr: SimAddr,
    /// Bound to a loopback address: other hosts cannot connect.
    pub(super) loopback_only: bool,
    pub(super) backlog: VecDeque<SimStream>,
    pub(super) acceptors: Vec<Waker>,
    /// Connection attempts waiting for room in the backlog.
    pub(super) connectors: Vec<Waker>,
    /// The listener was dropped: waiting attempts are refused.
    pub(super) closed: bool,
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

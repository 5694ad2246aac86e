//! Faults: partitions and their repair, per-link settings, and the network's side of a crash.

use std::sync::Arc;
use std::task::Waker;

use super::stream::Arrival;
use super::{lock, pair_key, wake_all, Key, Link};
use crate::rt::simulation::World;

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

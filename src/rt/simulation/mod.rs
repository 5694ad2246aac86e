//! The deterministic simulation's world: seeded scheduler, virtual clock, timers and in-memory
//! network. The `rt-sim` backend (`sim.rs`) runs on it.
//!
//! Compiled only with `rt-sim`; the socket types of `net` reach it through their three seams
//! (`net/stream.rs`, `net/listener.rs`, `net/datagram.rs`).

pub(crate) mod net;
mod rng;
pub(crate) mod timer;
mod world;

pub(crate) use net::Link;
pub(crate) use net::{connect, no_descriptor, SimAddr, SimDatagram, SimListener, SimStream};
pub(crate) use world::{Host, World};

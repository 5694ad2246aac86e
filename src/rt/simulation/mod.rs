//! The deterministic simulation's world: seeded scheduler, virtual clock, timers and in-memory
//! network. The `rt-sim` backend (`sim.rs`) runs on it.
//!
//! Compiled in every build, because the socket types of `net` name the simulated sockets as
//! their second kind beside OS sockets; without `rt-sim` nothing ever creates a world, so none
//! is ever constructed.

pub(crate) mod net;
mod rng;
pub(crate) mod timer;
mod world;

#[cfg_attr(not(feature = "rt-sim"), allow(unused_imports))]
pub(crate) use net::Link;
pub(crate) use net::{connect, no_descriptor, SimAddr, SimDatagram, SimListener, SimStream};
#[cfg_attr(not(feature = "rt-sim"), allow(unused_imports))]
pub(crate) use world::{Host, World};

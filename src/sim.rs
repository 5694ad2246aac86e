//! Deterministic simulation (feature `rt-sim`): the same code, run on a seeded scheduler with
//! virtual time and an in-memory network, reproducibly.
//!
//! The simulation is one more backend, [`Backend::Sim`](crate::Backend::Sim): code written on
//! anyrt runs on it unchanged. Inside [`Sim::block_on`]:
//!
//! - every task runs on the calling thread, and the next task to poll is drawn from the runnable
//!   ones with a generator seeded by the simulation's seed: the same seed gives the same order of
//!   polls, timer firings and network events, run after run;
//! - time is virtual ([`crate::time::Instant`], [`crate::time::now`]): it stands still while any
//!   task can run and, when none can, jumps to the next timer, so an hour of sleeps takes no real
//!   time; when no task can run and no timer is armed, the simulation panics ("every task is
//!   blocked: deadlock") with its seed instead of hanging;
//! - [`spawn_blocking`](crate::task::spawn_blocking) runs its closure on a thread of its own,
//!   as a pool would; closures start together at points of the run fixed by the seed, and no
//!   task is polled while one runs (it may wait, in `block_on` or a `blocking_*` method, and
//!   then the simulation goes on), so what they do lands at the same point in every run;
//!   virtual time does not move while a closure runs;
//! - TCP and UDP on the loopback addresses (`127.0.0.1`, `localhost`, `[::1]`) and Unix sockets
//!   are in memory; no OS socket is opened. Other addresses are an error.
//!
//! When the future of `block_on` completes, the simulation ends and the tasks left are dropped.
//! A panic inside prints the seed and the command that replays it.
//!
//! # Testing with the simulation
//!
//! Forward the feature to anyrt in your dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! anyrt = { version = "0.1", features = ["rt-sim"] }
//! ```
//!
//! `#[anyrt::test]` then also generates `name::sim`, which runs the test in a simulation seeded
//! by `ANYRT_SEED` (0 when unset): `ANYRT_SEED=17 cargo test name::sim` replays seed 17. To sweep
//! seeds, run [`Sim::new`] in a loop.
//!
//! What the simulation does not model:
//!
//! - threads it did not start: a wake from a thread of your own (or another backend's) is taken
//!   when the simulation is next idle, and virtual time may have moved on before it comes, so a
//!   run that depends on one is not reproducible;
//! - a blocking closure that blocks on something outside anyrt (a std channel fed by a task):
//!   the simulation waits for it 200 ms of real time without progress, then goes on beside it,
//!   and the run is no longer reproducible; closures that wait through anyrt keep it so;
//! - OS descriptors (`AsyncFd`, `from_std`, `into_std` and `AsFd` have none to give), real DNS
//!   (only `localhost`), other hosts than this one, and CPU time (a busy task takes no virtual
//!   time, and a task that waits by yielding in a loop never lets the clock move).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use anyrt::sim::Sim;
//! use anyrt::time::{sleep, timeout, Instant};
//!
//! let waited = Sim::new(7).block_on(async {
//!     let start = Instant::now();
//!     // An hour of virtual time; no real time passes.
//!     let result = timeout(Duration::from_secs(3600), sleep(Duration::from_secs(7200))).await;
//!     assert!(result.is_err());
//!     start.elapsed()
//! });
//! assert_eq!(waited, Duration::from_secs(3600));
//! ```

use std::future::Future;
use std::time::Duration;

use crate::rt::sim::block_on_with_seed;
use crate::rt::simulation::World;

/// A simulation, to be run with [`Sim::block_on`].
///
/// # Examples
///
/// ```
/// use anyrt::sim::Sim;
///
/// // The seed decides every choice: run the same seed twice, get the same interleaving.
/// let order = |seed| {
///     Sim::new(seed).block_on(async {
///         let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
///         let tasks: Vec<_> = (0..4)
///             .map(|i| {
///                 let log = log.clone();
///                 anyrt::spawn(async move { log.lock().unwrap().push(i) })
///             })
///             .collect();
///         for task in tasks {
///             task.await.unwrap();
///         }
///         let order = log.lock().unwrap().clone();
///         order
///     })
/// };
/// assert_eq!(order(3), order(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sim {
    seed: u64,
}

impl Sim {
    /// A simulation with `seed`.
    pub fn new(seed: u64) -> Sim {
        Sim { seed }
    }

    /// The seed of this simulation.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Runs `future` in a new simulation on the current thread until it completes; the
    /// simulation's tasks still running then are dropped.
    ///
    /// # Panics
    ///
    /// If called from async code (inside a task, or inside another `block_on`, a simulation's
    /// included), like [`crate::block_on`]; when every task is blocked with no timer armed
    /// ("every task is blocked: deadlock"); and with `future`'s panic, after printing the seed.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        block_on_with_seed(self.seed, future)
    }
}

/// The seed of the simulation running on this thread.
///
/// # Panics
///
/// Outside a simulation; see [`try_seed`].
///
/// # Examples
///
/// ```
/// let seed = anyrt::sim::Sim::new(42).block_on(async { anyrt::sim::seed() });
/// assert_eq!(seed, 42);
/// ```
pub fn seed() -> u64 {
    try_seed().unwrap_or_else(|| panic!("anyrt: `sim::seed` was called outside a simulation"))
}

/// The seed of the simulation running on this thread, if one is.
pub fn try_seed() -> Option<u64> {
    World::current().map(|world| world.seed())
}

/// The virtual time since the simulation running on this thread started.
///
/// # Panics
///
/// Outside a simulation.
pub fn elapsed() -> Duration {
    match World::current() {
        Some(world) => world.elapsed(),
        None => panic!("anyrt: `sim::elapsed` was called outside a simulation"),
    }
}

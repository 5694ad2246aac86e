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
//!   are in memory; no OS socket is opened. With [`Sim::host`] and [`Sim::client`] the network
//!   has named hosts with addresses of their own, links with latency, and faults (see
//!   [Hosts, faults and seed sweeps](#hosts-faults-and-seed-sweeps)); an address no host has is
//!   an error.
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
//!   (only `localhost` and the simulation's host names), bandwidth and packet sizes (a link
//!   delays each write as one message), and CPU time (a busy task takes no virtual time, and a
//!   task that waits by yielding in a loop never lets the clock move).
//!
//! # Hosts, faults and seed sweeps
//!
//! A distributed test declares hosts (restartable software) and clients (run once), and runs
//! them: [`Sim::run`] returns when every client has finished, or with the first error, naming
//! the client or host and the seed. Every host has an address (192.168.0.n, in the order
//! declared) that its name resolves to; its tasks belong to it.
//!
//! ```
//! use std::time::Duration;
//! use anyrt::net::{TcpListener, TcpStream};
//! use anyrt::sim::Builder;
//! use anyrt::time::{timeout, Instant};
//! use futures_lite::{AsyncReadExt, AsyncWriteExt};
//!
//! let mut sim = Builder::new()
//!     .seed(7)
//!     .latency(Duration::from_millis(10)) // one way, per link; jitter from the seed
//!     .build();
//! sim.host("server", || async {
//!     let listener = TcpListener::bind("0.0.0.0:7000").await?;
//!     loop {
//!         let (mut stream, _) = listener.accept().await?;
//!         let mut byte = [0u8; 1];
//!         stream.read_exact(&mut byte).await?;
//!         stream.write_all(&byte).await?;
//!     }
//! });
//! sim.client("client", async {
//!     let start = Instant::now();
//!     let mut stream = TcpStream::connect("server:7000").await?;
//!     assert_eq!(start.elapsed(), Duration::from_millis(20)); // a round trip
//!     anyrt::sim::partition("client", "server");
//!     stream.write_all(b"?").await?;
//!     let mut byte = [0u8; 1];
//!     // Nothing crosses a partition; the timeout fires in virtual time.
//!     assert!(timeout(Duration::from_secs(5), stream.read_exact(&mut byte)).await.is_err());
//!     anyrt::sim::repair("client", "server");
//!     stream.read_exact(&mut byte).await?; // the held byte goes through, in order
//!     Ok(())
//! });
//! sim.run().unwrap();
//! ```
//!
//! Faults, called from inside the simulation with host names: [`partition`] and [`repair`]
//! (both directions; TCP waits, datagrams are lost), [`crash`] (tasks dropped, connections
//! reset, the host down) and [`bounce`] (a crash, then the software starts again), and
//! [`set_link`] with a [`Link`] for one link's latency, jitter, and datagram loss,
//! duplication and reordering. The same seed gives the same trace: the order and virtual time
//! of every delivery.
//!
//! To sweep seeds, build and run the simulation in a loop over seeds and collect the ones
//! whose run fails; a failing seed fails again every time. `examples/sim-lease.rs` does it for a
//! lease with a planted race between two nodes and a lock service: `cargo run --example
//! sim-lease --features rt-sim` sweeps 1,000 seeds in a fraction of a second and replays the
//! first that gives two leaders.
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

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use crate::rt::sim::{block_on_with, Setup};
pub use crate::rt::simulation::net::Link;
use crate::rt::simulation::{self, Host, World};

/// What a host's or client's software returns.
type Outcome = Result<(), Box<dyn Error>>;
type Software = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Outcome>>>>;

/// A host or client declared on a [`Sim`], in the order declared.
enum Node {
    Host(Software),
    Client(Pin<Box<dyn Future<Output = Outcome>>>),
}

/// A simulation, to be run with [`Sim::block_on`], or with hosts and clients with
/// [`Sim::run`].
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
pub struct Sim {
    seed: u64,
    link: Link,
    nodes: Vec<(String, Node)>,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("seed", &self.seed)
            .field("link", &self.link)
            .field(
                "hosts",
                &self.nodes.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Sets up a [`Sim`]: its seed and its links' default settings.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use anyrt::sim::Builder;
///
/// let sim = Builder::new()
///     .seed(7)
///     .latency(Duration::from_millis(10)) // one way, on every link
///     .jitter(Duration::from_millis(2))
///     .build();
/// assert_eq!(sim.seed(), 7);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Builder {
    seed: u64,
    link: Link,
}

impl Builder {
    /// Seed 0, links without latency or faults.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The seed every choice of the simulation is drawn from.
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = seed;
        self
    }

    /// One-way latency of every link between two hosts (a host reaches itself at once).
    pub fn latency(mut self, latency: Duration) -> Builder {
        self.link = self.link.latency(latency);
        self
    }

    /// Up to this much more latency per message, drawn from the seed.
    pub fn jitter(mut self, jitter: Duration) -> Builder {
        self.link = self.link.jitter(jitter);
        self
    }

    /// Every link's settings at once (see [`Link`]); [`set_link`] changes one link later.
    pub fn link(mut self, link: Link) -> Builder {
        self.link = link;
        self
    }

    /// The simulation.
    pub fn build(self) -> Sim {
        Sim {
            seed: self.seed,
            link: self.link,
            nodes: Vec::new(),
        }
    }
}

impl Sim {
    /// A simulation with `seed` (and links without latency or faults).
    pub fn new(seed: u64) -> Sim {
        Builder::new().seed(seed).build()
    }

    /// The seed of this simulation.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Runs `future` in a new simulation on the current thread until it completes; the
    /// simulation's tasks still running then are dropped. Hosts and clients declared on this
    /// `Sim` are not started: [`Sim::run`] runs them.
    ///
    /// # Panics
    ///
    /// If called from async code (inside a task, or inside another `block_on`, a simulation's
    /// included), like [`crate::block_on`]; when every task is blocked with no timer armed
    /// ("every task is blocked: deadlock"); and with `future`'s panic, after printing the seed.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let setup = Setup {
            seed: self.seed,
            link: self.link,
            hosts: Vec::new(),
        };
        block_on_with(setup, future)
    }

    /// Declares a host named `name`, which runs `software` when the simulation starts, and
    /// again each time it is [`bounce`]d. It has an IPv4 address of its own (192.168.0.x, in
    /// the order hosts and clients are declared), which its name resolves to in the
    /// simulation. Tasks it spawns belong to it: a [`crash`] drops them.
    ///
    /// # Panics
    ///
    /// If a host or client of this name was declared already.
    pub fn host<F, Fut>(&mut self, name: impl Into<String>, software: F) -> &mut Sim
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<(), Box<dyn Error>>> + 'static,
    {
        let software: Software = Rc::new(move || Box::pin(software()));
        self.declare(name.into(), Node::Host(software))
    }

    /// Declares a client named `name`, a host that runs `software` once; [`Sim::run`] returns
    /// when every client has finished.
    ///
    /// # Panics
    ///
    /// If a host or client of this name was declared already.
    pub fn client<Fut>(&mut self, name: impl Into<String>, software: Fut) -> &mut Sim
    where
        Fut: Future<Output = Result<(), Box<dyn Error>>> + 'static,
    {
        self.declare(name.into(), Node::Client(Box::pin(software)))
    }

    fn declare(&mut self, name: String, node: Node) -> &mut Sim {
        assert!(
            !self.nodes.iter().any(|(n, _)| *n == name) && name != "localhost",
            "anyrt: the simulation already has a host named {name:?}"
        );
        assert!(
            self.nodes.len() < 254,
            "anyrt: a simulation has at most 254 hosts and clients"
        );
        self.nodes.push((name, node));
        self
    }

    /// Runs the hosts and clients until every client has finished: `Ok` if each returned
    /// `Ok`; otherwise the first error of a client or host, with its name and the seed. Tasks
    /// still running at the end are dropped.
    ///
    /// # Errors
    ///
    /// A [`SimError`] naming the client or host whose software returned an error first.
    ///
    /// # Panics
    ///
    /// As [`Sim::block_on`]; a panic in a host's or client's software propagates, after the
    /// seed is printed.
    pub fn run(self) -> Result<(), SimError> {
        let Sim { seed, link, nodes } = self;
        let hosts = nodes
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                Host::new(
                    name.clone(),
                    std::net::Ipv4Addr::new(192, 168, 0, (i + 1) as u8),
                )
            })
            .collect();
        let setup = Setup { seed, link, hosts };
        block_on_with(setup, drive(seed, nodes))
    }
}

/// The main future of `Sim::run`: starts every host and client, starts bounced hosts again,
/// and waits for the clients.
async fn drive(seed: u64, nodes: Vec<(String, Node)>) -> Result<(), SimError> {
    let world = World::expect();
    let mut software = Vec::new();
    let mut running = Vec::new();
    let mut clients_left = 0;
    for (i, (name, node)) in nodes.into_iter().enumerate() {
        let host = i as u32 + 1;
        let future = match node {
            Node::Host(make) => {
                let future = make();
                software.push((host, make));
                future
            }
            Node::Client(future) => {
                clients_left += 1;
                future
            }
        };
        let task = World::on_host(host, || world.spawn_local(future)).fallible();
        let is_client = !software.iter().any(|(h, _)| *h == host);
        running.push((name, host, is_client, Some(task)));
    }
    std::future::poll_fn(|cx| {
        for host in world.take_restarts(cx.waker()) {
            if let Some((_, make)) = software.iter().find(|(h, _)| *h == host) {
                world.restart(host);
                simulation::net::host_up(&world);
                let task = World::on_host(host, || world.spawn_local(make())).fallible();
                if let Some(entry) = running.iter_mut().find(|(_, h, _, _)| *h == host) {
                    entry.3 = Some(task);
                }
            }
        }
        for (name, _, is_client, slot) in &mut running {
            let Some(task) = slot else { continue };
            match Pin::new(task).poll(cx) {
                Poll::Pending => {}
                // Dropped by a crash: a bounce may start a host again; a client is done.
                Poll::Ready(None) => {
                    *slot = None;
                    if *is_client {
                        clients_left -= 1;
                    }
                }
                Poll::Ready(Some(Ok(()))) => {
                    *slot = None;
                    if *is_client {
                        clients_left -= 1;
                    }
                }
                Poll::Ready(Some(Err(error))) => {
                    return Poll::Ready(Err(SimError {
                        name: name.clone(),
                        error,
                        seed,
                    }));
                }
            }
        }
        if clients_left == 0 {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// The error of [`Sim::run`]: which client or host failed, with what, under which seed.
pub struct SimError {
    name: String,
    error: Box<dyn Error>,
    seed: u64,
}

impl SimError {
    /// The name of the client or host that failed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What its software returned.
    pub fn error(&self) -> &(dyn Error + 'static) {
        &*self.error
    }

    /// The seed of the simulation, which replays the failure.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` failed: {} (simulation seed {}; replay it with `Builder::new().seed({})`)",
            self.name, self.error, self.seed, self.seed
        )
    }
}

impl fmt::Debug for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error for SimError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.error)
    }
}

/// The index of the host named `name` in the running simulation.
fn host(world: &World, name: &str, what: &str) -> u32 {
    world.host_named(name).unwrap_or_else(|| {
        panic!("anyrt: `sim::{what}` names a host the simulation does not have: {name:?}")
    })
}

fn world(what: &str) -> std::sync::Arc<World> {
    World::current()
        .unwrap_or_else(|| panic!("anyrt: `sim::{what}` was called outside a simulation"))
}

/// Cuts the link between hosts `a` and `b`, both ways, until [`repair`]: TCP data and
/// connection attempts between them wait (timeouts fire in virtual time meanwhile), and
/// datagrams are lost.
///
/// # Panics
///
/// Outside a simulation, or for a name that is not one of its hosts.
pub fn partition(a: &str, b: &str) {
    let world = world("partition");
    let (a, b) = (host(&world, a, "partition"), host(&world, b, "partition"));
    simulation::net::partition(&world, a, b);
}

/// Restores the link between hosts `a` and `b`: the TCP data held travels, in order, and
/// waiting connection attempts go on.
///
/// # Panics
///
/// Outside a simulation, or for a name that is not one of its hosts.
pub fn repair(a: &str, b: &str) {
    let world = world("repair");
    let (a, b) = (host(&world, a, "repair"), host(&world, b, "repair"));
    simulation::net::repair(&world, a, b);
}

/// Sets the link between hosts `a` and `b` (both ways): latency, jitter, and for datagrams
/// loss, duplication and reordering.
///
/// # Panics
///
/// Outside a simulation, or for a name that is not one of its hosts.
pub fn set_link(a: &str, b: &str, link: Link) {
    let world = world("set_link");
    let (a, b) = (host(&world, a, "set_link"), host(&world, b, "set_link"));
    simulation::net::set_link(&world, a, b, link);
}

/// Crashes host `name`: its tasks are dropped, its listeners and sockets vanish, and every
/// connection it had is reset (its peers read `ConnectionReset`, as when a process dies and
/// its OS answers for it). It stays down (connection attempts to it wait, datagrams to it are
/// lost) until [`bounce`]d. Its blocking closures run on, and their results are dropped.
///
/// # Panics
///
/// Outside a simulation, or for a name that is not one of its hosts.
pub fn crash(name: &str) {
    let world = world("crash");
    let host = host(&world, name, "crash");
    simulation::net::crash(&world, host);
    world.crash(host);
}

/// Crashes host `name` (see [`crash`]) and starts its software again, at the same virtual
/// instant, as a new life of the host. A client is only crashed: it has no software to start
/// again, and counts as finished.
///
/// # Panics
///
/// Outside a simulation, or for a name that is not one of its hosts.
pub fn bounce(name: &str) {
    let world = world("bounce");
    let host = host(&world, name, "bounce");
    simulation::net::crash(&world, host);
    world.crash(host);
    world.request_restart(host);
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

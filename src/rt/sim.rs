//! The simulation backend (feature `rt-sim`): every task on one thread, polled in an order drawn
//! from a seeded generator, on a virtual clock, with an in-memory network.
//!
//! It is a backend like the others: it implements the same contract, and the conformance suite
//! runs on it. What it changes is where choices come from: a seed, and nothing else (see
//! `world.rs`). Blocking closures run on threads of their own, started when their task is first
//! polled; virtual time does not move while one runs, and their effects reach the simulation
//! when it is idle (see `world.rs`).

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::simulation::{timer, Host, Link, World};

use super::supervised::{
    supervise_blocking, AbortableTask, CatchUnwind, SupervisedTask, TaskHandle,
};
use super::{Direction, Presence, Reactor, Runtime, Source};

/// The simulation backend.
pub(crate) struct Sim;

/// The simulation's timers; it registers no OS descriptor.
pub(crate) struct SimReactor;

/// How the next simulation started on a thread is set up: its seed, its links' default and
/// its named hosts.
pub(crate) struct Setup {
    pub(crate) seed: u64,
    pub(crate) link: Link,
    pub(crate) hosts: Vec<Host>,
}

thread_local! {
    /// The set-up the next `block_on` on this thread uses, from `anyrt::sim::Sim`.
    static NEXT: RefCell<Option<Setup>> = const { RefCell::new(None) };
}

/// Runs `future` in a simulation set up as `setup` says.
pub(crate) fn block_on_with<F: Future>(setup: Setup, future: F) -> F::Output {
    NEXT.with(|next| *next.borrow_mut() = Some(setup));
    let _clear = ClearSetup;
    super::block_on(super::backend::Kind::Sim, future)
}

struct ClearSetup;

impl Drop for ClearSetup {
    fn drop(&mut self) {
        NEXT.with(|next| next.borrow_mut().take());
    }
}

/// The seed of a simulation started by `Backend::Sim.block_on`: `ANYRT_SEED`, else 0.
///
/// # Panics
/// If `ANYRT_SEED` is set but is not a number.
fn seed_from_env() -> u64 {
    match std::env::var("ANYRT_SEED") {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            panic!("anyrt: ANYRT_SEED must be a whole number from 0 to 2^64-1, not {text:?}")
        }),
        Err(_) => 0,
    }
}

impl Runtime for Sim {
    type JoinHandle<T> = TaskHandle<T>;
    type Reactor = SimReactor;

    fn presence() -> Presence {
        if World::is_running() {
            Presence::Running
        } else if World::in_closure() {
            Presence::Entered
        } else {
            Presence::Absent
        }
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TaskHandle::Abortable(AbortableTask::new(
            World::expect().spawn(CatchUnwind::new(future)),
        ))
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (f, state) = supervise_blocking(f);
        let world = World::expect();
        let task = world.spawn(Closure {
            f: Some(f),
            world: world.clone(),
            slot: Arc::new(std::sync::Mutex::new(Slot {
                result: None,
                waker: None,
            })),
        });
        TaskHandle::Supervised(SupervisedTask::new(task, state))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    fn random_below(n: u32) -> u32 {
        World::expect().with_rng(|rng| rng.below(u64::from(n)) as u32)
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        // Inside a blocking closure of a running simulation: it waits in that simulation.
        if World::in_closure() {
            return World::expect().closure_wait(future);
        }
        match NEXT.with(|next| next.borrow_mut().take()) {
            Some(setup) => World::run_with(setup.seed, setup.link, setup.hosts, |_| future),
            None => World::run(seed_from_env(), future),
        }
    }

    fn wait<F: Future>(future: F) -> F::Output {
        if World::in_closure() {
            World::expect().closure_wait(future)
        } else {
            futures_lite::future::block_on(future)
        }
    }
}

/// Where a blocking closure's thread leaves its result for the closure's task.
struct Slot<T> {
    result: Option<T>,
    waker: Option<std::task::Waker>,
}

/// The task of a blocking closure: its first poll starts the closure's thread, and it completes
/// with the closure's result.
struct Closure<F, T> {
    f: Option<F>,
    world: Arc<World>,
    slot: Arc<std::sync::Mutex<Slot<T>>>,
}

impl<F, T> Unpin for Closure<F, T> {}

impl<F, T> Future for Closure<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self
            .slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(result) = slot.result.take() {
            return Poll::Ready(result);
        }
        slot.waker = Some(cx.waker().clone());
        drop(slot);
        if let Some(f) = self.f.take() {
            let slot = self.slot.clone();
            self.world.queue_closure(move || {
                let result = f();
                let mut slot = slot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                slot.result = Some(result);
                let waker = slot.waker.take();
                drop(slot);
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

/// A registered OS descriptor, which the simulation never has.
pub(crate) struct NoIo<S> {
    never: std::convert::Infallible,
    _source: PhantomData<S>,
}

fn no_descriptors() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "anyrt: the simulation has no OS descriptors: `AsyncFd`, `from_std` and `into_std` are \
         not available under rt-sim",
    )
}

impl Reactor for SimReactor {
    type Timer = timer::Timer;
    const SIMULATED: bool = true;
    type Io<S: Source> = NoIo<S>;

    fn now() -> Instant {
        World::current().map_or_else(Instant::now, |world| world.now())
    }

    fn timer(deadline: Instant) -> Self::Timer {
        timer::Timer::new(deadline)
    }

    fn poll_timer(timer: Pin<&mut Self::Timer>, cx: &mut Context<'_>) -> Poll<()> {
        timer.poll(cx)
    }

    fn reset_timer(timer: Pin<&mut Self::Timer>, deadline: Instant) {
        timer.reset(deadline);
    }

    fn register<S: Source>(_source: S) -> io::Result<NoIo<S>> {
        Err(no_descriptors())
    }

    fn get_ref<S: Source>(io: &NoIo<S>) -> &S {
        match io.never {}
    }

    fn into_inner<S: Source>(io: NoIo<S>) -> io::Result<S> {
        match io.never {}
    }

    fn poll_ready<S: Source>(
        io: &NoIo<S>,
        _direction: Direction,
        _cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        match io.never {}
    }

    async fn ready<S: Source>(io: &NoIo<S>, _direction: Direction) -> io::Result<()> {
        match io.never {}
    }

    fn try_io<S: Source, R>(
        io: &NoIo<S>,
        _direction: Direction,
        _op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        match io.never {}
    }

    async fn io<S: Source, R>(
        io: &NoIo<S>,
        _direction: Direction,
        _op: impl FnMut(&S) -> io::Result<R> + Send,
    ) -> io::Result<R> {
        match io.never {}
    }

    fn poll_io<S: Source, R>(
        io: &NoIo<S>,
        _direction: Direction,
        _cx: &mut Context<'_>,
        _op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        match io.never {}
    }
}

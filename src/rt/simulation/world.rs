//! One simulation: its seeded scheduler, its virtual clock and its timers.
//!
//! A simulation runs on the thread that called `block_on`, and nothing else decides what it
//! does: the next task to poll is drawn from the runnable ones with the simulation's seeded
//! generator; virtual time stands still while any task is runnable and, when none is, jumps to
//! the earliest timer, firing the timers due then in the order they were armed. A wake from
//! another thread is taken like any other, but it is outside the model: a run that depends on
//! one is not reproducible.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use async_task::Runnable;

use super::net::Network;
use super::rng::Rng;

thread_local! {
    /// The simulation running on this thread.
    static CURRENT: RefCell<Option<Arc<World>>> = const { RefCell::new(None) };
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a timer sits in the simulation's queue of timers: its deadline (nanoseconds of virtual
/// time since the simulation started) and the order it was armed in.
pub(crate) type TimerKey = (u64, u64);

/// The state of one simulation, shared with its tasks' wakers and its timers (which may be
/// sent to, and dropped on, other threads).
pub(crate) struct World {
    seed: u64,
    /// The real instant virtual time counts from; virtual instants are `start + elapsed`.
    start: Instant,
    /// Virtual nanoseconds since `start`.
    elapsed: AtomicU64,
    rng: Mutex<Rng>,
    /// Tasks woken and not polled since, in the order they were woken.
    runnable: Mutex<Vec<Runnable>>,
    /// Set when the simulation ends: a task scheduled after that is dropped at once.
    closed: AtomicBool,
    /// Armed timers and the wakers they wake.
    timers: Mutex<BTreeMap<TimerKey, Option<Waker>>>,
    /// Every live task's waker, so the end of the simulation can reach tasks that wait.
    tasks: Mutex<BTreeMap<u64, Waker>>,
    /// Numbers for timers and tasks, in the order they were made.
    next_id: AtomicU64,
    /// The simulated network's registry of sockets.
    pub(crate) net: Mutex<Network>,
}

impl World {
    /// The simulation running on this thread, if any.
    pub(crate) fn current() -> Option<Arc<World>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Whether a simulation is running on this thread.
    pub(crate) fn is_running() -> bool {
        CURRENT.with(|c| c.borrow().is_some())
    }

    /// The simulation running on this thread.
    ///
    /// # Panics
    /// Outside a simulation.
    pub(crate) fn expect() -> Arc<World> {
        World::current().unwrap_or_else(|| {
            panic!(
                "anyrt: a simulation object was used outside its simulation; run this code inside \
                 `anyrt::sim::Sim::block_on`"
            )
        })
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Virtual time since the simulation started.
    pub(crate) fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.elapsed.load(Ordering::Acquire))
    }

    /// The virtual clock.
    pub(crate) fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    /// `instant` in virtual nanoseconds since the start, clamped to the representable range.
    pub(crate) fn nanos_of(&self, instant: Instant) -> u64 {
        let since = instant.saturating_duration_since(self.start);
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Draws from the simulation's generator.
    pub(crate) fn with_rng<R>(&self, f: impl FnOnce(&mut Rng) -> R) -> R {
        f(&mut lock(&self.rng))
    }

    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Spawns `future` as a task of this simulation.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> async_task::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = self.next_id();
        let world = self.clone();
        let tracked = Tracked {
            future,
            id,
            world: self.clone(),
        };
        let (runnable, task) = async_task::spawn(tracked, move |runnable| world.schedule(runnable));
        lock(&self.tasks).insert(id, runnable.waker());
        runnable.schedule();
        task
    }

    fn schedule(&self, runnable: Runnable) {
        if self.closed.load(Ordering::Acquire) {
            // The simulation is over: dropping the runnable drops the task's future.
            drop(runnable);
        } else {
            lock(&self.runnable).push(runnable);
        }
    }

    /// Arms a timer for virtual instant `deadline`, waking `waker` then.
    pub(crate) fn arm(&self, deadline: u64, waker: Waker) -> TimerKey {
        let key = (deadline, self.next_id());
        lock(&self.timers).insert(key, Some(waker));
        key
    }

    /// Replaces the waker of an armed timer; false if it has fired (or was never armed).
    pub(crate) fn rearm(&self, key: TimerKey, waker: &Waker) -> bool {
        match lock(&self.timers).get_mut(&key) {
            Some(slot) => {
                if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    *slot = Some(waker.clone());
                }
                true
            }
            None => false,
        }
    }

    /// Moves an armed timer to virtual instant `deadline`, keeping its waker; wakes it at once if
    /// that has passed. The new key, or `None` if the timer fired (now, or before).
    pub(crate) fn move_timer(&self, key: TimerKey, deadline: u64) -> Option<TimerKey> {
        let waker = lock(&self.timers).remove(&key)?;
        if deadline <= self.elapsed.load(Ordering::Acquire) {
            if let Some(waker) = waker {
                waker.wake();
            }
            return None;
        }
        let key = (deadline, self.next_id());
        lock(&self.timers).insert(key, waker);
        Some(key)
    }

    /// Disarms a timer; nothing if it has fired.
    pub(crate) fn disarm(&self, key: TimerKey) {
        lock(&self.timers).remove(&key);
    }

    /// Moves virtual time to the earliest armed timer and fires every timer due then; false if
    /// no timer is armed.
    fn advance(&self) -> bool {
        let due = {
            let mut timers = lock(&self.timers);
            let Some((&(deadline, _), _)) = timers.first_key_value() else {
                return false;
            };
            if deadline > self.elapsed.load(Ordering::Acquire) {
                self.elapsed.store(deadline, Ordering::Release);
            }
            let later = timers.split_off(&(deadline + 1, 0));
            std::mem::replace(&mut *timers, later)
        };
        // Woken in the order armed, outside the lock: a waker may arm another timer.
        for waker in due.into_values().flatten() {
            waker.wake();
        }
        true
    }

    /// Runs `future` and the simulation's tasks until `future` completes; the simulation ends
    /// with it, and its remaining tasks are dropped.
    pub(crate) fn run<F: Future>(seed: u64, future: F) -> F::Output {
        assert!(
            !World::is_running(),
            "anyrt: a simulation is already running on this thread"
        );
        let world = Arc::new(World {
            seed,
            start: Instant::now(),
            elapsed: AtomicU64::new(0),
            rng: Mutex::new(Rng::new(seed)),
            runnable: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            timers: Mutex::new(BTreeMap::new()),
            tasks: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            net: Mutex::new(Network::default()),
        });
        CURRENT.with(|c| *c.borrow_mut() = Some(world.clone()));
        let _end = End(world.clone());
        world.drive(future)
    }

    /// Runs `future` to completion inside the running simulation, for a blocking closure that
    /// waits (`block_on`, `blocking_lock`, `blocking_recv`, ...). The closure runs inside the poll
    /// of its task, so the simulation's other tasks are run from here meanwhile; the closure's
    /// own task is running, so it is not among them.
    pub(crate) fn run_nested<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        self.drive(future)
    }

    /// Polls `future` and the simulation's tasks, one at a time in an order drawn from the
    /// seed, until `future` completes; moves time forward whenever nothing can run.
    fn drive<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let woken = Arc::new(MainWaker(AtomicBool::new(true)));
        let main_waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&main_waker);
        let mut future = pin!(future);
        loop {
            let runnable = lock(&self.runnable).len() as u64;
            let main = u64::from(woken.0.load(Ordering::Acquire));
            if runnable + main == 0 {
                if self.advance() {
                    continue;
                }
                let seed = self.seed;
                panic!(
                    "anyrt: every task is blocked: deadlock (simulation seed {seed}; replay it \
                     with ANYRT_SEED={seed})"
                );
            }
            let pick = self.with_rng(|rng| rng.below(runnable + main));
            if pick == runnable {
                woken.0.store(false, Ordering::Release);
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            } else {
                let task = lock(&self.runnable).swap_remove(pick as usize);
                task.run();
            }
        }
    }
}

/// Ends the simulation when `run` returns or unwinds: every task left is dropped (its handle
/// then reports a cancellation), and a panic names the seed to replay it with.
struct End(Arc<World>);

impl Drop for End {
    fn drop(&mut self) {
        let world = &self.0;
        if std::thread::panicking() {
            let seed = world.seed;
            let test = std::thread::current()
                .name()
                .map(|name| format!(" cargo test {name} --"))
                .unwrap_or_default();
            eprintln!(
                "anyrt: the simulation panicked after {:?} of virtual time; seed {seed}, replay \
                 with ANYRT_SEED={seed}{test}",
                world.elapsed()
            );
        }
        world.closed.store(true, Ordering::Release);
        // Dropping a task's future may wake others; those are dropped as they are scheduled.
        let queued = std::mem::take(&mut *lock(&world.runnable));
        let waiting = std::mem::take(&mut *lock(&world.tasks));
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            drop(queued);
            for waker in waiting.into_values() {
                waker.wake();
            }
        }));
        lock(&world.timers).clear();
        CURRENT.with(|c| *c.borrow_mut() = None);
        if let Err(payload) = dropped {
            if !std::thread::panicking() {
                resume_unwind(payload);
            }
        }
    }
}

/// The waker of the future a `block_on` (or a blocking closure's wait) drives.
struct MainWaker(AtomicBool);

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

pin_project_lite::pin_project! {
    /// A task's future, which leaves the simulation's list of live tasks when it completes or
    /// is dropped.
    struct Tracked<F> {
        #[pin]
        future: F,
        id: u64,
        world: Arc<World>,
    }

    impl<F> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            lock(&this.world.tasks).remove(this.id);
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

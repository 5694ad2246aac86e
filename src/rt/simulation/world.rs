//! One simulation: its seeded scheduler, its virtual clock and its timers.
//!
//! A simulation runs on the thread that called `block_on`, and nothing else decides what it
//! does: the next task to poll is drawn from the runnable ones with the simulation's seeded
//! generator; virtual time stands still while any task is runnable and, when none is, jumps to
//! the earliest timer, firing the timers due then in the order they were armed.
//!
//! Blocking closures run on threads of their own (see `blocking`). A wake that comes from
//! another thread is not taken when it happens: it waits in a mailbox until the simulation has
//! nothing left to run, and the simulation then first waits for every running closure to
//! finish or to wait on a future, so that what the closures did lands at the same point of
//! the run every time, in the order of task numbers. Only a closure that blocks on something
//! outside anyrt (a std channel fed by a task, say) makes the simulation go on without it
//! after a while of real time, and such a run is not reproducible.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use async_task::Runnable;

use super::net::Network;
use super::rng::Rng;

thread_local! {
    /// The simulation running on this thread.
    static CURRENT: RefCell<Option<Arc<World>>> = const { RefCell::new(None) };
    /// The address of the simulation this thread drives (0 for none): a cheap check, on each
    /// wake, that the wake is made on the simulation's own thread.
    static DRIVING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// The host whose task (or blocking closure) runs on this thread now: an index into the
    /// simulation's hosts (0, the default host, outside any task).
    static HOST: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Set on the thread of a blocking closure of a simulation.
    static IN_CLOSURE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// With other work at hand, how long the simulation waits without progress for running
/// closures to finish or wait before it goes on beside them (a closure blocked outside anyrt).
const QUIET: Duration = Duration::from_millis(200);
/// Queued blocking closures start at the latest this many polls after the first was queued.
const START_EVERY: u32 = 64;
/// How long the simulation, with nothing else to do, waits for a closure that neither finishes
/// nor waits on a future before it lets virtual time move on.
const STALL: Duration = Duration::from_secs(1);

/// A wake from another thread, kept until the simulation is idle.
enum Mail {
    Task(u64, u32, u32, Runnable),
    Main(Arc<MainWaker>),
}

impl Mail {
    fn order(&self) -> u64 {
        match self {
            Mail::Task(id, ..) => *id,
            Mail::Main(main) => main.id,
        }
    }
}

/// The blocking closures of a simulation and the wakes made on other threads.
#[derive(Default)]
struct Closures {
    /// Closures running now (started and not finished, and not waiting on a future).
    running: usize,
    /// Counts every change of `running` and `mailbox`, so a waiter can tell progress.
    changes: u64,
    mailbox: Vec<Mail>,
    /// `changes` when a wait for the closures last ran out: until something changes, the
    /// simulation does not wait for them again.
    gave_up_at: Option<u64>,
    /// Blocking closures whose tasks were polled, waiting to start.
    queued: Vec<(u32, Box<dyn FnOnce() + Send>)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a timer sits in the simulation's queue of timers: its deadline (nanoseconds of virtual
/// time since the simulation started) and the order it was armed in.
pub(crate) type TimerKey = (u64, u64);

/// Every live task's waker, in slots reused as tasks end (so the end of a simulation visits
/// them in a fixed order).
#[derive(Default)]
struct Tasks {
    /// Each live task's waker and host.
    slots: Vec<Option<(Waker, u32)>>,
    free: Vec<usize>,
}

impl Tasks {
    fn vacant(&mut self) -> usize {
        self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        })
    }

    fn remove(&mut self, slot: usize) {
        // Empty once the simulation ended and took them all.
        if let Some(entry) = self.slots.get_mut(slot) {
            *entry = None;
            self.free.push(slot);
        }
    }
}

struct Sched {
    rng: Rng,
    /// Tasks woken and not polled since, in the order they were woken, with their host and
    /// the host's life they belong to.
    runnable: Vec<(Runnable, u32, u32)>,
}

/// A host of the simulation: a name, an address, and its current life (a crash ends one).
pub(crate) struct Host {
    pub(crate) name: String,
    pub(crate) ip: std::net::Ipv4Addr,
    /// Counts the host's crashes: tasks of an earlier life are dropped when next scheduled.
    epoch: std::sync::atomic::AtomicU32,
    /// False from a crash until the host's software is started again.
    up: AtomicBool,
}

impl Host {
    pub(crate) fn new(name: String, ip: std::net::Ipv4Addr) -> Host {
        Host {
            name,
            ip,
            epoch: std::sync::atomic::AtomicU32::new(0),
            up: AtomicBool::new(true),
        }
    }

    pub(crate) fn epoch(&self) -> u32 {
        self.epoch.load(Ordering::Acquire)
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }
}

/// The state of one simulation, shared with its tasks' wakers and its timers (which may be
/// sent to, and dropped on, other threads).
pub(crate) struct World {
    seed: u64,
    /// The real instant virtual time counts from; virtual instants are `start + elapsed`.
    start: Instant,
    /// Virtual nanoseconds since `start`.
    elapsed: AtomicU64,
    /// The seeded generator and the runnable tasks, under one lock: each pick needs both.
    sched: Mutex<Sched>,
    closures: Mutex<Closures>,
    /// Whether a closure runs or a wake from another thread waits (mirrors `closures`).
    pending: AtomicBool,
    /// Signalled on every change of `closures`.
    closures_changed: Condvar,
    /// Set when the simulation ends: a task scheduled after that is dropped at once.
    closed: AtomicBool,
    /// Armed timers and the wakers they wake.
    timers: Mutex<BTreeMap<TimerKey, Option<Waker>>>,
    /// Every live task's waker, so the end of the simulation can reach tasks that wait.
    tasks: Mutex<Tasks>,
    /// Numbers for timers and tasks, in the order they were made.
    next_id: AtomicU64,
    /// The simulated network's registry of sockets.
    pub(crate) net: Mutex<Network>,
    /// The hosts, fixed when the simulation starts; host 0 is the default one.
    pub(crate) hosts: Box<[Host]>,
    /// Tasks to drop (their simulation ended, or their host crashed), and whether there are.
    dead: Mutex<Vec<Runnable>>,
    has_dead: AtomicBool,
    /// Hosts to start again (bounced), for the driver of `Sim::run`, and its waker.
    restarts: Mutex<(Vec<u32>, Option<Waker>)>,
}

impl World {
    /// The simulation running on this thread, if any.
    pub(crate) fn current() -> Option<Arc<World>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Whether a simulation is running on this thread (and this is not a closure's thread).
    pub(crate) fn is_running() -> bool {
        !IN_CLOSURE.get() && CURRENT.with(|c| c.borrow().is_some())
    }

    /// Whether this thread is the one this simulation runs on.
    fn drives_this_thread(&self) -> bool {
        DRIVING.get() == std::ptr::from_ref(self) as usize
    }

    /// Whether this thread runs a blocking closure of a simulation.
    pub(crate) fn in_closure() -> bool {
        IN_CLOSURE.get()
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
        f(&mut lock(&self.sched).rng)
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
        // One lock of the registry for the slot and the waker.
        let mut tasks = lock(&self.tasks);
        let (tracked, schedule) = self.track(&mut tasks, future);
        let (slot, host) = (tracked.slot, tracked.host);
        let (runnable, task) = async_task::spawn(tracked, schedule);
        tasks.slots[slot] = Some((runnable.waker(), host));
        drop(tasks);
        runnable.schedule();
        task
    }

    /// Spawns a `!Send` future as a task of this simulation, on the current host: the root of
    /// a host's or client's software, which only this thread ever polls or drops.
    pub(crate) fn spawn_local<F>(self: &Arc<Self>, future: F) -> async_task::Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // One lock of the registry for the slot and the waker.
        let mut tasks = lock(&self.tasks);
        let (tracked, schedule) = self.track(&mut tasks, future);
        let (slot, host) = (tracked.slot, tracked.host);
        let (runnable, task) = async_task::spawn_local(tracked, schedule);
        tasks.slots[slot] = Some((runnable.waker(), host));
        drop(tasks);
        runnable.schedule();
        task
    }

    /// Wraps `future` for the current host's life, with the function that schedules it.
    fn track<F: Future>(
        self: &Arc<Self>,
        tasks: &mut Tasks,
        future: F,
    ) -> (Tracked<F>, impl Fn(Runnable) + Send + Sync + 'static) {
        let id = self.next_id();
        let host = HOST.get();
        let epoch = self.hosts[host as usize].epoch();
        let world = self.clone();
        let slot = tasks.vacant();
        let tracked = Tracked {
            future,
            slot,
            host,
            world: self.clone(),
        };
        (tracked, move |runnable| {
            world.schedule(id, host, epoch, runnable)
        })
    }

    fn schedule(&self, id: u64, host: u32, epoch: u32, runnable: Runnable) {
        if self.closed.load(Ordering::Acquire) || self.hosts[host as usize].epoch() != epoch {
            // The simulation is over, or the task's host crashed: dropping the runnable drops
            // the task's future, later, at a point where no lock is held (a wake may come from
            // under a socket's lock, which the future's destructor takes again).
            lock(&self.dead).push(runnable);
            self.has_dead.store(true, Ordering::Release);
        } else if self.drives_this_thread() {
            lock(&self.sched).runnable.push((runnable, host, epoch));
        } else {
            self.post(Mail::Task(id, host, epoch, runnable));
        }
    }

    /// The index of the host whose code runs on this thread now.
    pub(crate) fn current_host_index() -> u32 {
        HOST.get()
    }

    /// The index of the host named `name`.
    pub(crate) fn host_named(&self, name: &str) -> Option<u32> {
        self.hosts
            .iter()
            .position(|host| host.name == name)
            .map(|i| i as u32)
    }

    /// Runs `f` as code of host `host` (its spawns belong to it).
    pub(crate) fn on_host<R>(host: u32, f: impl FnOnce() -> R) -> R {
        let previous = HOST.replace(host);
        let _restore = RestoreHost(previous);
        f()
    }

    /// Ends the current life of host `host`: its tasks are dropped (the queued ones now, the
    /// waiting ones as they are woken here), and it counts as down until `restart`.
    pub(crate) fn crash(&self, host: u32) {
        let state = &self.hosts[host as usize];
        state.epoch.fetch_add(1, Ordering::AcqRel);
        state.up.store(false, Ordering::Release);
        let epoch = state.epoch();
        // Taken out under the locks, dropped outside them: a future's destructor may wake,
        // spawn or touch the network.
        let queued: Vec<_> = {
            let mut sched = lock(&self.sched);
            let (stale, kept) = std::mem::take(&mut sched.runnable)
                .into_iter()
                .partition(|(_, h, e)| *h == host && *e != epoch);
            sched.runnable = kept;
            stale
        };
        lock(&self.dead).extend(queued.into_iter().map(|(runnable, _, _)| runnable));
        self.has_dead.store(true, Ordering::Release);
        let waiting: Vec<Waker> = lock(&self.tasks)
            .slots
            .iter()
            .flatten()
            .filter(|(_, h)| *h == host)
            .map(|(waker, _)| waker.clone())
            .collect();
        for waker in waiting {
            waker.wake();
        }
        let mail: Vec<_> = {
            let mut closures = lock(&self.closures);
            let (stale, kept) = std::mem::take(&mut closures.mailbox).into_iter().partition(
                |mail| matches!(mail, Mail::Task(_, h, e, _) if *h == host && *e != epoch),
            );
            closures.mailbox = kept;
            stale
        };
        lock(&self.dead).extend(mail.into_iter().filter_map(|mail| match mail {
            Mail::Task(_, _, _, runnable) => Some(runnable),
            Mail::Main(_) => None,
        }));
    }

    /// Marks host `host` up again, for its software to be started in its new life.
    pub(crate) fn restart(&self, host: u32) {
        self.hosts[host as usize].up.store(true, Ordering::Release);
    }

    /// Drops the tasks marked dead, and those their destructors mark, outside every lock.
    fn bury(&self) {
        loop {
            self.has_dead.store(false, Ordering::Release);
            let dead = std::mem::take(&mut *lock(&self.dead));
            if dead.is_empty() {
                return;
            }
            drop(dead);
        }
    }

    /// Asks the driver of `Sim::run` to start host `host`'s software again.
    pub(crate) fn request_restart(&self, host: u32) {
        let mut restarts = lock(&self.restarts);
        restarts.0.push(host);
        if let Some(waker) = restarts.1.take() {
            waker.wake();
        }
    }

    /// The hosts to start again; `waker` is woken at the next request.
    pub(crate) fn take_restarts(&self, waker: &Waker) -> Vec<u32> {
        let mut restarts = lock(&self.restarts);
        restarts.1 = Some(waker.clone());
        std::mem::take(&mut restarts.0)
    }

    /// Keeps a wake made on another thread until the simulation is idle.
    fn post(&self, mail: Mail) {
        let mut closures = lock(&self.closures);
        closures.mailbox.push(mail);
        closures.changes += 1;
        self.note_pending(&closures);
        drop(closures);
        self.closures_changed.notify_all();
    }

    /// Counts a closure as running (`true`) or not; `changed` tells waiters.
    fn count_running(&self, starts: bool) {
        let mut closures = lock(&self.closures);
        if starts {
            closures.running += 1;
        } else {
            closures.running -= 1;
        }
        closures.changes += 1;
        self.note_pending(&closures);
        drop(closures);
        self.closures_changed.notify_all();
    }

    /// Queues `f` to run on a thread of its own, as a blocking closure of this simulation.
    /// Called from a task's poll, on the simulation's thread; the queued closures start
    /// together when the simulation is idle or `START_EVERY` polls later, so they start at
    /// the same point of every run and run side by side.
    pub(crate) fn queue_closure(&self, f: impl FnOnce() + Send + 'static) {
        let mut closures = lock(&self.closures);
        closures.queued.push((HOST.get(), Box::new(f)));
        self.note_pending(&closures);
    }

    /// Starts the queued closures, in the order queued.
    ///
    /// # Panics
    /// If the OS cannot start a thread.
    fn start_closures(self: &Arc<Self>) {
        let queued = std::mem::take(&mut lock(&self.closures).queued);
        for (host, f) in queued {
            self.count_running(true);
            let world = self.clone();
            let started = std::thread::Builder::new()
                .name("anyrt-sim-blocking".into())
                .spawn(move || {
                    IN_CLOSURE.set(true);
                    HOST.set(host);
                    CURRENT.with(|c| *c.borrow_mut() = Some(world.clone()));
                    // `f` catches the closure's panics (reported through its handle).
                    f();
                    CURRENT.with(|c| *c.borrow_mut() = None);
                    world.count_running(false);
                });
            if let Err(error) = started {
                self.count_running(false);
                panic!(
                    "anyrt: the simulation could not start a thread for a blocking closure: \
                     {error}"
                );
            }
        }
    }

    /// Runs `future` to completion on a blocking closure's thread. While it waits, the closure
    /// does not count as running, so the simulation goes on (and virtual time may move).
    pub(crate) fn closure_wait<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let signal = Arc::new(ClosureWaker {
            world: Arc::downgrade(self),
            woken: AtomicBool::new(false),
            thread: std::thread::current(),
        });
        let waker = Waker::from(signal.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            {
                let mut closures = lock(&self.closures);
                if signal.woken.swap(false, Ordering::AcqRel) {
                    // Woken while polling: the wake counted this closure once more.
                    closures.running -= 1;
                    continue;
                }
                closures.running -= 1;
                closures.changes += 1;
                self.note_pending(&closures);
            }
            self.closures_changed.notify_all();
            // The wake counts this closure as running again before it unparks it.
            loop {
                std::thread::park();
                let _closures = lock(&self.closures);
                if signal.woken.swap(false, Ordering::AcqRel) {
                    break;
                }
            }
        }
    }

    /// Waits for the running closures to finish or to wait on a future (see the module's
    /// docs), then takes the wakes made on other threads, in the order of task numbers. With
    /// other work at hand (`busy`, or wakes waiting) it waits at most `QUIET` without progress,
    /// else at most `STALL`. True if virtual time may move: no closure is running, or the wait
    /// ran out with nothing else to do.
    fn settle(&self, busy: bool) -> bool {
        let mut closures = lock(&self.closures);
        let mut seen = closures.changes;
        let mut since = Instant::now();
        let time_may_move = loop {
            if closures.running == 0 {
                break true;
            }
            let limit = if busy || !closures.mailbox.is_empty() {
                QUIET
            } else {
                STALL
            };
            if closures.gave_up_at == Some(closures.changes) && limit == QUIET {
                break false;
            }
            let quiet = since.elapsed();
            if quiet >= limit {
                closures.gave_up_at = Some(closures.changes);
                break limit == STALL;
            }
            closures = self
                .closures_changed
                .wait_timeout(closures, limit - quiet)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if closures.changes != seen {
                seen = closures.changes;
                since = Instant::now();
            }
        };
        let mut mail = std::mem::take(&mut closures.mailbox);
        self.note_pending(&closures);
        drop(closures);
        mail.sort_by_key(Mail::order);
        for mail in mail {
            match mail {
                Mail::Task(_, host, epoch, runnable) => {
                    if self.hosts[host as usize].epoch() == epoch {
                        lock(&self.sched).runnable.push((runnable, host, epoch));
                    }
                }
                Mail::Main(main) => main.woken.store(true, Ordering::Release),
            }
        }
        time_may_move
    }

    /// Mirrors whether closures run or wakes wait, for the scheduler's check before each poll.
    fn note_pending(&self, closures: &Closures) {
        let pending =
            closures.running > 0 || !closures.mailbox.is_empty() || !closures.queued.is_empty();
        self.pending.store(pending, Ordering::Release);
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
        World::run_with(seed, super::net::Link::default(), Vec::new(), |_| future)
    }

    /// Runs a simulation with `hosts` (besides the default host 0, `localhost`) whose links
    /// default to `link`; `make` builds the main future once the simulation is running.
    pub(crate) fn run_with<F: Future>(
        seed: u64,
        link: super::net::Link,
        hosts: Vec<Host>,
        make: impl FnOnce(&Arc<World>) -> F,
    ) -> F::Output {
        assert!(
            !World::is_running(),
            "anyrt: a simulation is already running on this thread"
        );
        let world = Arc::new(World {
            seed,
            start: Instant::now(),
            elapsed: AtomicU64::new(0),
            sched: Mutex::new(Sched {
                rng: Rng::new(seed),
                runnable: Vec::new(),
            }),
            closures: Mutex::new(Closures::default()),
            pending: AtomicBool::new(false),
            closures_changed: Condvar::new(),
            closed: AtomicBool::new(false),
            timers: Mutex::new(BTreeMap::new()),
            tasks: Mutex::new(Tasks::default()),
            next_id: AtomicU64::new(0),
            net: Mutex::new(Network::new(link)),
            hosts: std::iter::once(Host::new(
                "localhost".to_owned(),
                std::net::Ipv4Addr::LOCALHOST,
            ))
            .chain(hosts)
            .collect(),
            restarts: Mutex::new((Vec::new(), None)),
            dead: Mutex::new(Vec::new()),
            has_dead: AtomicBool::new(false),
        });
        CURRENT.with(|c| *c.borrow_mut() = Some(world.clone()));
        DRIVING.set(Arc::as_ptr(&world) as usize);
        let _end = End(world.clone());
        let _host = RestoreHost(HOST.replace(0));
        let future = make(&world);
        world.drive(future)
    }

    /// Polls `future` and the simulation's tasks, one at a time in an order drawn from the
    /// seed, until `future` completes; moves time forward whenever nothing can run.
    fn drive<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let woken = Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            id: self.next_id(),
            world: Arc::downgrade(self),
        });
        let main_waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&main_waker);
        let mut future = pin!(future);
        let mut polls_since_queued: u32 = 0;
        loop {
            if self.has_dead.load(Ordering::Acquire) {
                self.bury();
            }
            // No task is polled while a closure runs, so what closures do lands between the
            // same two polls in every run.
            let mut time_may_move = true;
            if self.pending.load(Ordering::Acquire) {
                let busy =
                    !lock(&self.sched).runnable.is_empty() || woken.woken.load(Ordering::Acquire);
                if !lock(&self.closures).queued.is_empty() {
                    polls_since_queued += 1;
                    if !busy || polls_since_queued > START_EVERY {
                        polls_since_queued = 0;
                        self.start_closures();
                    }
                }
                time_may_move = self.settle(busy);
            }
            let main = u64::from(woken.woken.load(Ordering::Acquire));
            let mut sched = lock(&self.sched);
            let runnable = sched.runnable.len() as u64;
            if runnable + main == 0 {
                drop(sched);
                if !time_may_move || self.advance() {
                    continue;
                }
                if lock(&self.closures).running > 0 {
                    // A closure that neither finishes nor waits, and no timer: wait on for it.
                    continue;
                }
                let seed = self.seed;
                panic!(
                    "anyrt: every task is blocked: deadlock (simulation seed {seed}; replay it \
                     with ANYRT_SEED={seed})"
                );
            }
            let pick = sched.rng.below(runnable + main);
            if pick == runnable {
                drop(sched);
                woken.woken.store(false, Ordering::Release);
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            } else {
                let (task, _, _) = sched.runnable.swap_remove(pick as usize);
                drop(sched);
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
            // A test's thread is named after the test; `main` is a program's own thread.
            let test = std::thread::current()
                .name()
                .filter(|name| *name != "main")
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
        let queued = std::mem::take(&mut lock(&world.sched).runnable);
        let waiting = std::mem::take(&mut lock(&world.tasks).slots);
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            drop(queued);
            for (waker, _) in waiting.into_iter().flatten() {
                waker.wake();
            }
            world.bury();
        }));
        lock(&world.timers).clear();
        CURRENT.with(|c| *c.borrow_mut() = None);
        DRIVING.set(0);
        if let Err(payload) = dropped {
            if !std::thread::panicking() {
                resume_unwind(payload);
            }
        }
    }
}

/// The waker of the future a simulation's `block_on` drives.
struct MainWaker {
    woken: AtomicBool,
    /// Orders its wakes among the tasks' when they come from other threads.
    id: u64,
    world: Weak<World>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        match self.world.upgrade() {
            Some(world) if !world.drives_this_thread() => {
                world.post(Mail::Main(self));
            }
            _ => self.woken.store(true, Ordering::Release),
        }
    }
}

/// The waker of a future a blocking closure waits on: counts the closure as running again and
/// unparks its thread.
struct ClosureWaker {
    world: Weak<World>,
    /// Set by a wake, cleared by the closure; both under the world's `closures` lock.
    woken: AtomicBool,
    thread: std::thread::Thread,
}

impl Wake for ClosureWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(world) = self.world.upgrade() {
            let mut closures = lock(&world.closures);
            if !self.woken.swap(true, Ordering::AcqRel) {
                closures.running += 1;
                closures.changes += 1;
                world.note_pending(&closures);
            }
        } else {
            self.woken.store(true, Ordering::Release);
        }
        self.thread.unpark();
    }
}

pin_project_lite::pin_project! {
    /// A task's future, which leaves the simulation's list of live tasks when it completes or
    /// is dropped.
    struct Tracked<F> {
        #[pin]
        future: F,
        slot: usize,
        host: u32,
        world: Arc<World>,
    }

    impl<F> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            lock(&this.world.tasks).remove(*this.slot);
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let previous = HOST.get();
        if previous == *this.host {
            return this.future.poll(cx);
        }
        HOST.set(*this.host);
        let _host = RestoreHost(previous);
        this.future.poll(cx)
    }
}

/// Puts back the host a task's poll replaced, also when the poll unwinds.
struct RestoreHost(u32);

impl Drop for RestoreHost {
    fn drop(&mut self) {
        HOST.set(self.0);
    }
}

//! The smol backend: every call anyrt makes into smol's crates. They are named one by one
//! (async-executor, async-io, blocking, futures-lite), as the `smol` crate would also compile
//! six crates the backend never calls.
//!
//! Natively, smol's global executor runs on one thread (`SMOL_THREADS`), its `block_on` runs no
//! spawned task, and dropping a task's handle cancels the task. This backend runs its own
//! executor on as many threads as the other backends use (the machine's available parallelism;
//! `SMOL_THREADS` overrides it). It is async-executor's `StaticExecutor`: smol's `Executor` is
//! the same scheduler plus a list of live tasks, locked at every spawn and every task's end,
//! which cancels them when it is dropped and keeps each parked task alive (BENCHMARKS.md,
//! "Issue 13, fifth pass"). This one is never dropped, and each task keeps itself alive once
//! parked (`KeepAlive`). Every task is wrapped (see `supervised.rs`) so a handle detaches on
//! drop, aborts without waiting, and a panic arrives as an error. Timers and sockets are
//! async-io's (see `async_io.rs`).

use std::cell::Cell;
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use async_executor::StaticExecutor;

use super::async_io::AsyncIo;
use super::supervised::{
    supervise_blocking, AbortableTask, CatchUnwind, KeepAlive, SupervisedTask, TaskHandle,
};
use super::{Presence, Runtime};

/// The smol backend.
pub(crate) struct Smol;

thread_local! {
    /// Set on the executor's worker threads.
    static WORKER: Cell<bool> = const { Cell::new(false) };
}

/// How many worker threads the executor gets: `SMOL_THREADS`, else one per available core.
fn worker_count() -> usize {
    std::env::var("SMOL_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// The executor every smol task of anyrt's runs on, its workers started on first use and never
/// stopped.
fn executor() -> &'static StaticExecutor {
    // A plain static: the executor allocates its state on first use, and the hot path is one
    // atomic load. A `StaticExecutor`, never dropped, keeps no list of its live tasks, so a
    // spawn and a task's end take no lock for it; the list's other use, keeping a parked task
    // alive, is `KeepAlive`'s.
    static EXECUTOR: StaticExecutor = StaticExecutor::new();
    static STARTED: AtomicBool = AtomicBool::new(false);
    if !STARTED.load(Ordering::Acquire) {
        super::async_io::start_reactor();
        start_workers(&EXECUTOR);
        STARTED.store(true, Ordering::Release);
    }
    &EXECUTOR
}

/// Starts the worker threads not started yet. A thread that cannot start is a panic with
/// anyrt's message, and the next call tries again (a `Once` would be poisoned for good).
#[cold]
fn start_workers(executor: &'static StaticExecutor) {
    static STARTED: Mutex<usize> = Mutex::new(0);
    let mut started = STARTED.lock().unwrap_or_else(PoisonError::into_inner);
    let wanted = worker_count();
    while *started < wanted {
        let i = *started;
        std::thread::Builder::new()
            .name(format!("anyrt-smol-{i}"))
            .spawn(move || {
                WORKER.set(true);
                async_io::block_on(executor.run(std::future::pending::<()>()))
            })
            .unwrap_or_else(|e| {
                panic!("anyrt: could not start smol worker thread {i} of {wanted}: {e}")
            });
        *started += 1;
    }
}

impl Runtime for Smol {
    type JoinHandle<T> = TaskHandle<T>;
    type Reactor = AsyncIo;

    fn presence() -> Presence {
        if WORKER.get() {
            Presence::Running
        } else {
            Presence::Absent
        }
    }

    #[inline]
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TaskHandle::Abortable(AbortableTask::new(
            executor().spawn(KeepAlive::new(CatchUnwind::new(future))),
        ))
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        super::async_io::start_reactor();
        let (f, state) = supervise_blocking(f);
        TaskHandle::Supervised(SupervisedTask::new(blocking::unblock(f), state))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        super::async_io::start_reactor();
        async_io::block_on(future)
    }
}

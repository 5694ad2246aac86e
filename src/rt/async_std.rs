//! The async-std backend: every call anyrt makes into async-std.
//!
//! Natively, awaiting an async-std task that panicked re-raises the panic in the awaiter, and a
//! task can only be cancelled by consuming its handle in an `async fn`. Tasks run supervised
//! (see `supervised.rs`), so the handle behaves like every other backend's. Timers and sockets
//! are async-io's, the reactor async-std runs on (see `async_io.rs`).

use std::future::Future;
use std::pin::Pin;
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use super::supervised::{supervise, supervise_blocking, TaskState};
use super::async_io::AsyncIo;
use super::{Presence, RemoteAbort, Runtime};
use crate::task::JoinError;

/// The async-std backend.
pub(crate) struct AsyncStd;

/// Starts async-std's executor threads (and async-io's reactor thread) before their first use.
///
/// async-std starts its executor's threads on first use; when one cannot start it panics with
/// its own message once, marks itself started anyway, and every task spawned after that waits
/// forever for a thread. Here the first attempt is caught, and later calls start the threads
/// through async-global-executor, which reports a failure as an error and can be retried.
fn start() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    static FIRST_ATTEMPT: Mutex<bool> = Mutex::new(true);
    if STARTED.load(Ordering::Acquire) {
        return;
    }
    super::async_io::start_reactor();
    let mut first = FIRST_ATTEMPT.lock().unwrap_or_else(PoisonError::into_inner);
    if STARTED.load(Ordering::Acquire) {
        return;
    }
    let started = if std::mem::replace(&mut *first, false) {
        catch_unwind(|| drop(async_std::task::spawn(async {})))
            .map_err(|_| "async-std could not start its executor threads".to_string())
    } else {
        let threads = std::env::var("ASYNC_STD_THREAD_COUNT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        async_io::block_on(async_global_executor::spawn_more_threads(threads))
            .map(drop)
            .map_err(|e| e.to_string())
    };
    match started {
        Ok(()) => STARTED.store(true, Ordering::Release),
        Err(e) => panic!("anyrt: could not start async-std's executor threads: {e}"),
    }
}

/// The handle of an async-std task run by this backend; async-std's own handle detaches on
/// drop already.
pub(crate) struct JoinHandle<T> {
    task: async_std::task::JoinHandle<Result<T, JoinError>>,
    state: Arc<TaskState>,
}

impl Runtime for AsyncStd {
    type JoinHandle<T> = JoinHandle<T>;
    type Reactor = AsyncIo;

    fn presence() -> Presence {
        if async_std::task::try_current().is_some() {
            Presence::Running
        } else {
            Presence::Absent
        }
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        start();
        let (future, state) = supervise(future);
        let task = async_std::task::spawn(future);
        JoinHandle { task, state }
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        start();
        let (f, state) = supervise_blocking(f);
        let task = async_std::task::spawn_blocking(f);
        JoinHandle { task, state }
    }

    fn poll_join<T>(
        handle: &mut Self::JoinHandle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        Pin::new(&mut handle.task).poll(cx)
    }

    fn abort<T>(handle: &Self::JoinHandle<T>) {
        handle.state.abort();
    }

    fn is_finished<T>(handle: &Self::JoinHandle<T>) -> bool {
        handle.state.is_finished()
    }

    fn abort_handle<T>(handle: &Self::JoinHandle<T>) -> Arc<dyn RemoteAbort> {
        handle.state.clone()
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        async_std::task::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        start();
        async_std::task::block_on(future)
    }

}

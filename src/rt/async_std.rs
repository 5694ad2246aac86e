//! The async-std backend: every call anyrt makes into async-std.
//!
//! Natively, awaiting an async-std task that panicked re-raises the panic in the awaiter, and a
//! task can only be cancelled by consuming its handle in an `async fn`. Tasks run supervised
//! (see `supervised.rs`), so the handle behaves like every other backend's. Timers and sockets
//! are async-io's, the reactor async-std runs on (see `async_io.rs`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::supervised::{supervise, supervise_blocking, TaskState};
use super::async_io::AsyncIo;
use super::{Presence, Runtime};
use crate::task::JoinError;

/// The async-std backend.
pub(crate) struct AsyncStd;

/// The handle of an async-std task run by this backend; async-std's own handle detaches on
/// drop already.
pub(crate) struct JoinHandle<T> {
    task: async_std::task::JoinHandle<Result<T, JoinError>>,
    state: Arc<TaskState>,
}

impl Runtime for AsyncStd {
    type Reactor = AsyncIo;
    type JoinHandle<T> = JoinHandle<T>;

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
        let (future, state) = supervise(future);
        let task = async_std::task::spawn(future);
        JoinHandle { task, state }
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
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

    fn yield_now() -> impl Future<Output = ()> + Send {
        async_std::task::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }

}

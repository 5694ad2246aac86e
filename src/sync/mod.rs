//! Synchronisation for async code, the same implementation on every backend: locks, a
//! semaphore, notifications, a barrier, a once-cell, and four kinds of channel.
//!
//! The names, signatures and paths are tokio's (`anyrt::sync::mpsc::error::SendError` where tokio
//! has `tokio::sync::mpsc::error::SendError`), so code written for `tokio::sync` compiles against
//! this module. The types are anyrt's own: most are built on tokio's `sync` module, which runs
//! under any executor, needs no tokio runtime and is compiled into every build, async-std-only and
//! smol-only ones included; none of tokio's types appears in this module's API, so a new tokio
//! major version changes nothing for anyrt's users.
//!
//! | primitive | what it guarantees on every backend |
//! |---|---|
//! | [`Mutex`] | first come, first served; no poisoning |
//! | [`RwLock`] | first come, first served: a queued writer holds back later readers |
//! | [`Semaphore`] | permits go to waiters in the order they asked, a large request included |
//! | [`Notify`] | a `notify_one` with no waiter is kept for the next `notified` |
//! | [`Barrier`] | releases every `n` arrivals; one of them is the leader |
//! | [`OnceCell`] | one initialisation; a cancelled one lets the next caller try |
//! | [`oneshot`], [`mpsc`], [`broadcast`], [`watch`] | closing when the last sender or receiver goes (see each module) |
//!
//! Each future that may be dropped before it completes (in a `select!`, or by a timeout) says what
//! dropping it does in a `# Cancel safety` section. The repository's `SEMANTICS.md` lists every
//! guarantee with the test that proves it.
//!
//! # Blocking from synchronous code
//!
//! The `blocking_*` methods (`Mutex::blocking_lock`, `mpsc::Receiver::blocking_recv`, ...) are for
//! threads that run no async code. Called from async code (inside a task or a `block_on`) they
//! panic with an `anyrt:` message on every backend, since blocking there could deadlock the
//! runtime; inside a closure run by [`spawn_blocking`](crate::task::spawn_blocking) they are fine.

use std::future::Future;

mod barrier;
mod guard;
mod lazy;
mod mutex;
mod notify;
mod once_cell;
mod rwlock;
mod semaphore;

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
pub mod watch;

/// The named futures of this module, at tokio's path (`tokio::sync::futures::Notified`).
pub mod futures {
    pub use super::notify::Notified;
}

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};

/// Tries the fast path of a wait (`try_lock` before `lock`) as one unit of the task's cooperative
/// budget, which tokio's waiting paths spend too; `None` leaves the caller to its waiting path.
async fn try_first<T>(mut attempt: impl FnMut() -> Option<T>) -> Option<T> {
    std::future::poll_fn(|cx| crate::rt::coop::poll_proceed(cx, &mut attempt)).await
}

/// Runs `future` to completion on this thread, for the `blocking_*` methods.
///
/// # Panics
///
/// If this thread runs async code, where blocking could deadlock the runtime; `what` names the
/// method in the message.
#[track_caller]
fn block_on_sync<F: Future>(what: &str, future: F) -> F::Output {
    if crate::rt::in_async_context() {
        panic!(
            "anyrt: `{what}` was called from async code; `.await` its async form instead, or \
             call it inside `spawn_blocking`"
        );
    }
    crate::rt::wait(future)
}

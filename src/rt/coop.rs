//! The cooperative budget, on every backend: how many ready operations a task may complete in one
//! poll before it yields.
//!
//! A loop over operations that are always ready (a free permit, a stream with data queued, a UDP
//! socket with room to send) never returns `Pending` by itself, and a task running it keeps its
//! worker thread until the loop ends: the other tasks of that thread starve. tokio bounds such
//! loops with a budget: 128 units per task poll, one spent by each ready operation, and once
//! they are spent every operation wakes the task and returns `Pending`, so the task goes back to
//! the queue. async-std and smol have no budget. anyrt gives each backend tokio's:
//!
//! - tokio's tasks keep tokio's own budget, which this module spends.
//! - Every task anyrt polls itself (async-std's and smol's tasks, the simulation's, local tasks,
//!   a custom executor's) runs inside [`CatchUnwind`](super::supervised::CatchUnwind), whose poll
//!   starts a fresh anyrt budget in a thread-local, and gives the thread back the budget it found
//!   (an outer task's, when a `LocalSet` is driven inside a task). So does the future of a
//!   `block_on`.
//! - Code polled by neither (a future run by a user's own `async_std::task::block_on`, or
//!   `futures::executor::block_on`) has no budget, as under tokio's `unconstrained`.
//!
//! Each family of operations spends it in one place, whatever the backend: the fast paths of
//! the sync primitives (`sync/mod.rs`), the stream layer (`net/stream.rs`), datagram sockets
//! and listeners' `accept`.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// The units of a task poll, as tokio 1.x gives them.
const UNITS_PER_POLL: u8 = 128;

thread_local! {
    /// The units left to the task anyrt is polling on this thread; `None` where anyrt polls no
    /// task (a tokio task, or code outside any), where tokio's budget applies or none does.
    static BUDGET: Cell<Option<u8>> = const { Cell::new(None) };
}

/// A fresh budget for the task poll it is made in; the thread's previous budget is back when
/// it is dropped (also when the poll unwinds).
#[must_use]
pub(crate) struct TaskBudget(Option<u8>);

impl TaskBudget {
    #[inline]
    pub(crate) fn start() -> TaskBudget {
        TaskBudget(BUDGET.replace(Some(UNITS_PER_POLL)))
    }
}

impl Drop for TaskBudget {
    #[inline]
    fn drop(&mut self) {
        BUDGET.set(self.0);
    }
}

/// Polls `op` as one unit of the current task's budget: if the budget is spent, wakes the task
/// and returns `Pending` without calling `op`; else calls it, and spends a unit if `progress`
/// says the result is progress. In a tokio task, the budget is tokio's.
#[inline]
fn poll_unit<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    progress: impl FnOnce(&T) -> bool,
) -> Poll<T> {
    match BUDGET.get() {
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(_) => {
            let result = op(cx);
            if matches!(&result, Poll::Ready(value) if progress(value)) {
                // Read again: `op` may have polled a task of its own (a `LocalSet`'s), which
                // gave the budget back as it found it, but a nested spend is possible.
                BUDGET.set(BUDGET.get().map(|units| units.saturating_sub(1)));
            }
            result
        }
        None => {
            #[cfg(feature = "rt-tokio")]
            {
                let budget = std::task::ready!(::tokio::task::coop::poll_proceed(cx));
                let result = op(cx);
                if matches!(&result, Poll::Ready(value) if progress(value)) {
                    budget.made_progress();
                }
                result
            }
            #[cfg(not(feature = "rt-tokio"))]
            {
                let _ = progress;
                op(cx)
            }
        }
    }
}

/// Runs `attempt`, a fast path that completes without waiting (a free permit, a free lock), as
/// one unit of the current task's budget, spent only when `attempt` succeeds, as tokio's own
/// futures do. `Ready(None)` leaves the caller to its waiting path.
#[inline]
pub(crate) fn poll_proceed<T>(
    cx: &mut Context<'_>,
    attempt: impl FnOnce() -> Option<T>,
) -> Poll<Option<T>> {
    poll_unit(cx, |_| Poll::Ready(attempt()), Option::is_some)
}

/// Polls an operation (a read, a send, an accept) as one unit of the current task's budget,
/// spent when it is ready.
#[inline]
pub(crate) fn poll_cooperative<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    poll_unit(cx, op, |_| true)
}

pin_project! {
    /// An operation's future run as one unit of the current task's budget: see
    /// [`cooperative`].
    #[must_use = "futures do nothing unless polled"]
    pub(crate) struct Cooperative<F> {
        #[pin]
        future: F,
    }
}

/// Runs `future`, an operation (a send, a receive, an accept), as one unit of the current task's
/// budget, spent when it completes.
pub(crate) fn cooperative<F: Future>(future: F) -> Cooperative<F> {
    Cooperative { future }
}

impl<F: Future> Future for Cooperative<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let future = self.project().future;
        poll_cooperative(cx, |cx| future.poll(cx))
    }
}

pin_project! {
    /// Polls `future` with a fresh budget per poll, as a task: the future of a `block_on`.
    pub(crate) struct Budgeted<F> {
        #[pin]
        future: F,
    }
}

impl<F> Budgeted<F> {
    pub(crate) fn new(future: F) -> Budgeted<F> {
        Budgeted { future }
    }
}

impl<F: Future> Future for Budgeted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _budget = TaskBudget::start();
        self.project().future.poll(cx)
    }
}

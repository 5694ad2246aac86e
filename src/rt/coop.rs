//! tokio's cooperative budget, for the sync primitives' fast paths.

use std::task::{Context, Poll};

/// Runs `attempt`, a fast path that completes without waiting (a free permit, a free lock), as
/// one unit of the current task's cooperative budget where the task has one (a tokio task, with
/// the tokio backend compiled): `Pending`, the task rescheduled, once the budget is spent, and
/// spent only when `attempt` succeeds, as tokio's own futures do. Without it a loop that keeps
/// finding its lock free never yields, and starves the other tasks of a current-thread runtime.
/// Elsewhere `attempt` just runs. `Ready(None)` leaves the caller to its waiting path.
pub(crate) fn poll_proceed<T>(
    cx: &mut Context<'_>,
    attempt: impl FnOnce() -> Option<T>,
) -> Poll<Option<T>> {
    #[cfg(feature = "rt-tokio")]
    {
        let budget = std::task::ready!(::tokio::task::coop::poll_proceed(cx));
        let done = attempt();
        if done.is_some() {
            budget.made_progress();
        }
        Poll::Ready(done)
    }
    #[cfg(not(feature = "rt-tokio"))]
    {
        let _ = cx;
        Poll::Ready(attempt())
    }
}

//! What the code of `select!`, `join!` and `try_join!` calls, through `$crate::__private`. Not
//! part of the API, so not documented item by item.
#![allow(missing_docs, missing_debug_implementations)]

use std::pin::Pin;
use std::task::Context;

#[cfg(feature = "macros")]
pub use anyrt_macros::{join_internal, select_internal, try_join_internal};
pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::pin::pin;
pub use std::task::Poll;

/// Where a `select!` without `biased;` starts polling its `branches` branches (at least 1).
pub fn select_start(branches: usize) -> usize {
    crate::rt::random_below(branches as u32) as usize
}

pin_project_lite::pin_project! {
    /// A future of a `join!`, and its output once it completed.
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    pub enum MaybeDone<F: Future> {
        Running { #[pin] future: F },
        Done { output: F::Output },
        Taken,
    }
}

impl<F: Future> MaybeDone<F> {
    pub fn new(future: F) -> Self {
        MaybeDone::Running { future }
    }

    /// Polls the future unless it is done; true once it is.
    pub fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        if let MaybeDoneProj::Running { future } = self.as_mut().project() {
            match future.poll(cx) {
                Poll::Ready(output) => self.set(MaybeDone::Done { output }),
                Poll::Pending => return false,
            }
        }
        true
    }

    /// The output of a future that is done.
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        match self.project_replace(MaybeDone::Taken) {
            MaybeDoneReplace::Done { output } => output,
            _ => unreachable!("anyrt: a `join!` output was taken before it was done"),
        }
    }
}

impl<F, T, E> MaybeDone<F>
where
    F: Future<Output = Result<T, E>>,
{
    /// The error of a future that is done with one; `None` if it succeeded.
    pub fn take_err(mut self: Pin<&mut Self>) -> Option<E> {
        match self.as_mut().project() {
            MaybeDoneProj::Done { output: Err(_) } => self.take_output().err(),
            _ => None,
        }
    }

    /// The value of a future that succeeded.
    pub fn take_ok(self: Pin<&mut Self>) -> T {
        match self.take_output() {
            Ok(value) => value,
            Err(_) => unreachable!("anyrt: `try_join!` returns the first error it sees"),
        }
    }
}

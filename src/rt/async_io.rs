//! The reactor of the backends that run on async-io (async-std, smol): timers and readiness.
//!
//! Both backends drive the same reactor, so they name this one type as their
//! [`Runtime::Reactor`](super::Runtime::Reactor) and write only what differs (tasks, blocking
//! pool, `block_on`).
//!
//! async-io keeps no readiness between waits: each `poll_readable` that returns `Ready` consumes
//! the event, and the next one re-arms the descriptor (oneshot epoll), which reports at once if
//! the condition still holds. So `try_io` has nothing to forget when an operation would block.
//! Sources are registered with `Async::new_nonblocking`, which leaves the descriptor's mode
//! alone: anyrt sets its own sockets non-blocking before registering them, and a user's
//! descriptor keeps the mode its owner chose (async-io's `Async::new` would switch it).

use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{ready, Context, Poll};
use std::time::Instant;

use async_io::{Async, Timer};

use super::{Direction, Reactor, Source};

/// The async-io reactor.
pub(crate) struct AsyncIo;

/// Starts async-io's reactor thread, if it has not started yet.
///
/// async-io starts it on first use, with its own panic if the thread cannot start, and the first
/// use may be the end of a `block_on` that is already unwinding (a panic in a destructor then
/// aborts the process). Starting it here first turns a failure into anyrt's panic, and the next
/// call tries again.
pub(crate) fn start_reactor() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.load(Ordering::Acquire) {
        return;
    }
    // A `block_on` starts the thread as it returns.
    match catch_unwind(AssertUnwindSafe(|| async_io::block_on(async {}))) {
        Ok(()) => STARTED.store(true, Ordering::Release),
        Err(_) => panic!("anyrt: could not start async-io's reactor thread"),
    }
}

impl Reactor for AsyncIo {
    type Timer = Timer;
    type Io<S: Source> = Async<S>;

    fn now() -> Instant {
        Instant::now()
    }

    fn timer(deadline: Instant) -> Timer {
        start_reactor();
        Timer::at(deadline)
    }

    fn poll_timer(timer: Pin<&mut Timer>, cx: &mut Context<'_>) -> Poll<()> {
        timer.poll(cx).map(drop)
    }

    fn reset_timer(timer: Pin<&mut Timer>, deadline: Instant) {
        timer.get_mut().set_at(deadline);
    }

    fn register<S: Source>(source: S) -> io::Result<Async<S>> {
        start_reactor();
        Async::new_nonblocking(source)
    }

    fn get_ref<S: Source>(io: &Async<S>) -> &S {
        io.get_ref()
    }

    fn into_inner<S: Source>(io: Async<S>) -> io::Result<S> {
        io.into_inner()
    }

    fn poll_ready<S: Source>(
        io: &Async<S>,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        match direction {
            Direction::Read => io.poll_readable(cx),
            Direction::Write => io.poll_writable(cx),
        }
    }

    async fn ready<S: Source>(io: &Async<S>, direction: Direction) -> io::Result<()> {
        match direction {
            Direction::Read => io.readable().await,
            Direction::Write => io.writable().await,
        }
    }

    fn try_io<S: Source, R>(
        io: &Async<S>,
        _direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        op(io.get_ref())
    }

    async fn io<S: Source, R>(
        io: &Async<S>,
        direction: Direction,
        op: impl FnMut(&S) -> io::Result<R> + Send,
    ) -> io::Result<R> {
        // async-io's own loop: the operation first, then an optimistic wait for readiness.
        match direction {
            Direction::Read => io.read_with(op).await,
            Direction::Write => io.write_with(op).await,
        }
    }

    fn poll_io<S: Source, R>(
        io: &Async<S>,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            match op(io.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(Self::poll_ready(io, direction, cx))?;
                }
                result => return Poll::Ready(result),
            }
        }
    }
}

//! Time: [`sleep`], [`timeout`], [`interval`], and [`Instant`], a reading of the clock of the
//! backend serving the call.
//!
//! The same on every backend:
//!
//! - a sleep never completes before its deadline; one whose deadline has already passed
//!   (including `sleep(Duration::ZERO)`) is ready on its first poll;
//! - `sleep(Duration::MAX)` and a far-future `sleep_until` never panic and never fire: a
//!   backend timer is armed at most a year ahead and armed again when it fires short of the
//!   deadline, so no backend's timer range (about 2.2 years for tokio's) can end a sleep early;
//! - [`Sleep::reset`] to a deadline already passed wakes the task waiting on the sleep;
//! - [`timeout`] polls the future first, so a future that is ready wins even with a zero
//!   duration;
//! - an [`Interval`]'s first tick completes at once, later ticks stay on the
//!   `start + k * period` grid, and missed ticks follow its [`MissedTickBehavior`].
//!
//! Timer resolution is backend-defined: tokio rounds deadlines up to the next millisecond,
//! async-std fires within tens of microseconds.
//!
//! Deadlines are compared with the clock of the backend serving the call, which [`Instant::now`]
//! and [`now`] read: the real clock, except inside a tokio runtime whose clock tokio's
//! `test-util` paused (`start_paused`, `tokio::time::pause`). There anyrt's sleeps, timeouts and
//! intervals follow tokio's paused clock as tokio's own timers do, so
//! `sleep(Duration::from_secs(3600))` completes as soon as the runtime auto-advances an hour.
//! Every function that takes a deadline accepts an [`Instant`] or a [`std::time::Instant`], so
//! code written with std's instants compiles unchanged; a `std::time::Instant::now()` reading is
//! only the backend's clock where that clock is the real one.

mod instant;
mod interval;
mod sleep;
mod timeout;

pub use instant::{now, Instant};
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

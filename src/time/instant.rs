//! [`Instant`]: a reading of the clock of the backend serving the call.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

use crate::rt;

/// A measurement of the clock of the backend that serves the call, with the API of tokio's
/// `Instant`.
///
/// On tokio, async-std and smol that clock is the real, monotonic one ([`std::time::Instant`]),
/// except inside a tokio runtime whose clock tokio's `test-util` paused. Under the simulation
/// (feature `rt-sim`) it is the simulation's virtual clock, which stands still while tasks run
/// and jumps to the next timer when none can. Code that reads time through this type (or
/// [`now`]) instead of `std::time::Instant` gets virtual time under the simulation with no other
/// change.
///
/// Converts to and from [`std::time::Instant`], and every function of this module that takes a
/// deadline accepts either.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use anyrt::time::Instant;
///
/// # anyrt::block_on(async {
/// let start = Instant::now();
/// anyrt::time::sleep(Duration::from_millis(5)).await;
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// assert!(Instant::now() >= start + Duration::from_millis(5));
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

/// The current reading of the clock of the backend serving the call; the same as
/// [`Instant::now`].
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let a = anyrt::time::now();
/// let b = anyrt::time::now();
/// assert!(b >= a);
/// # });
/// ```
pub fn now() -> Instant {
    Instant::now()
}

impl Instant {
    /// The current reading of the clock of the backend serving the call.
    pub fn now() -> Instant {
        Instant { std: rt::now() }
    }

    /// The same instant, from a [`std::time::Instant`].
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The same instant, as a [`std::time::Instant`].
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time since this instant, by the clock of the backend serving the call (zero if this
    /// instant is in the future).
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` if that cannot be represented.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` if that cannot be represented.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.std
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// If the result cannot be represented, as for [`std::time::Instant`]; see
    /// [`Instant::checked_add`].
    fn add(self, duration: Duration) -> Instant {
        Instant::from_std(self.std + duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// If the result cannot be represented, as for [`std::time::Instant`]; see
    /// [`Instant::checked_sub`].
    fn sub(self, duration: Duration) -> Instant {
        Instant::from_std(self.std - duration)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

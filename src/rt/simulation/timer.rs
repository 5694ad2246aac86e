//! Timers on the simulation's virtual clock.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::world::{TimerKey, World};

/// A one-shot timer of a simulation.
pub(crate) struct Timer {
    world: Arc<World>,
    deadline: Instant,
    /// Where the timer is armed, once a poll found it pending.
    armed: Option<TimerKey>,
}

impl Timer {
    pub(crate) fn new(deadline: Instant) -> Timer {
        Timer {
            world: World::expect(),
            deadline,
            armed: None,
        }
    }

    pub(crate) fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.world.now() >= this.deadline {
            if let Some(key) = this.armed.take() {
                this.world.disarm(key);
            }
            return Poll::Ready(());
        }
        match this.armed {
            Some(key) if this.world.rearm(key, cx.waker()) => {}
            _ => {
                let at = this.world.nanos_of(this.deadline);
                this.armed = Some(this.world.arm(at, cx.waker().clone()));
            }
        }
        Poll::Pending
    }

    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        if let Some(key) = this.armed.take() {
            // The task waiting on the timer keeps waiting on it: woken now if the new deadline
            // has passed, else when it comes.
            let at = this.world.nanos_of(deadline);
            this.armed = this.world.move_timer(key, at);
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(key) = self.armed.take() {
            self.world.disarm(key);
        }
    }
}

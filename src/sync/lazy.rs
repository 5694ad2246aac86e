//! The storage of a lock whose constructor is `const` but whose owned guards need the lock in an
//! `Arc` of its own.
//!
//! An owned guard (`Mutex::lock_owned`) keeps the lock alive by owning it, which in safe Rust
//! means owning an `Arc` of the very object its guard borrows; the `Arc` of the user's
//! `Arc<Mutex<T>>` cannot be that, as the guard would borrow from itself. So the lock lives in an
//! `Arc` of its own. A `const fn` cannot allocate, so that `Arc` is made on first use: until then
//! the value waits in `seed`. After that, reaching the lock is one `OnceLock::get` (a load and a
//! branch), the cost the `Arc` already had.
//!
//! The price is space: `seed` keeps its room for a `T` (empty once the value moved out), so the
//! lock takes about `size_of::<T>()` more than the `Arc` alone; and the first lock allocates,
//! where `new` used to. Measured, the hot path costs 3 instructions per lock more and no time
//! (BENCHMARKS.md).
//!
//! Other designs considered: the value inline with `tokio::sync::Mutex::const_new` leaves owned
//! guards nothing to own but the user's `Arc<Mutex<T>>`, whose guard would borrow from itself
//! (`unsafe`, or a self-referential crate); moving the value out of the lock into an owned guard
//! and back would copy `T` twice per owned lock and lose `map`.

use std::sync::{Arc, OnceLock, PoisonError};

/// A lock `L`, built from a `T` on first use.
pub(crate) struct Lazy<L, T> {
    shared: OnceLock<Arc<L>>,
    /// The value until `shared` is made; `None` after.
    seed: std::sync::Mutex<Option<T>>,
}

/// Where the value is now.
pub(crate) enum Place<A, T> {
    /// Moved into the lock.
    Shared(A),
    /// Still waiting in the seed.
    Seed(T),
}

impl<L, T> Lazy<L, T> {
    pub(crate) const fn new(value: T) -> Self {
        Lazy {
            shared: OnceLock::new(),
            seed: std::sync::Mutex::new(Some(value)),
        }
    }

    /// The lock, built with `make` on the first call.
    #[inline]
    pub(crate) fn get(&self, make: fn(T) -> L) -> &Arc<L> {
        match self.shared.get() {
            Some(shared) => shared,
            None => self.init(make),
        }
    }

    #[cold]
    fn init(&self, make: fn(T) -> L) -> &Arc<L> {
        self.shared.get_or_init(|| {
            let value = self
                .seed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            // `get_or_init` runs one closure to completion, and nothing else takes the seed.
            Arc::new(make(
                value.expect("anyrt: a lock's value is moved into it once"),
            ))
        })
    }

    /// The lock if it was built, else the value itself.
    pub(crate) fn get_mut(&mut self) -> Place<&mut Arc<L>, &mut T> {
        match self.shared.get_mut() {
            Some(shared) => Place::Shared(shared),
            None => Place::Seed(
                self.seed
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_mut()
                    .expect("anyrt: an unbuilt lock keeps its value in the seed"),
            ),
        }
    }

    pub(crate) fn into_inner(self) -> Place<Arc<L>, T> {
        match self.shared.into_inner() {
            Some(shared) => Place::Shared(shared),
            None => Place::Seed(
                self.seed
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .expect("anyrt: an unbuilt lock keeps its value in the seed"),
            ),
        }
    }
}

//! Synchronisation: an async [`Mutex`], the same implementation on every backend.
//!
//! The mutex is built on tokio's `sync` module, which runs under any executor and needs no tokio
//! runtime; it is compiled with every backend, including async-std-only builds.

mod mutex;

pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard, TryLockError};

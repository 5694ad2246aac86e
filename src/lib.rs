//! Write async code once; run it on whichever runtime the application chose.
//!
//! anyrt is a runtime facade for library authors. Your library calls [`spawn`],
//! [`time::sleep`], [`net::TcpStream`] and [`sync::Mutex`] from anyrt; the application picks the
//! backend with a cargo feature, and each call is served by the runtime that is running it.
//! Every backend behaves the same way, down to panics, cancellation and zero timeouts: one
//! conformance suite runs on each of them.
//!
//! ```
//! use std::time::Duration;
//!
//! # anyrt::block_on(async {
//! let handle = anyrt::spawn(async {
//!     anyrt::time::sleep(Duration::from_millis(1)).await;
//!     "slept"
//! });
//! assert_eq!(handle.await.unwrap(), "slept");
//! # });
//! ```
//!
//! # Backends
//!
//! | feature | backend | notes |
//! |---|---|---|
//! | `rt-tokio` (default) | [tokio](https://docs.rs/tokio) | outside a runtime, a shared multi-threaded runtime starts on first use |
//! | `rt-async-std` | [async-std](https://docs.rs/async-std) | discontinued upstream (RUSTSEC-2025-0052); kept for the code moving off it |
//! | `rt-smol` | [smol](https://docs.rs/smol) | runs on anyrt's own executor (async-executor's `StaticExecutor`), one thread per core (`SMOL_THREADS` overrides) |
//!
//! The optional feature `macros` adds `#[anyrt::main]`, `#[anyrt::test]`, `select!`, `join!`
//! and `try_join!` (a proc-macro crate and syn, off by default as tokio's `macros` is).
//!
//! The optional feature `hyper` adds the `anyrt::hyper` module: hyper 1.x's executor, timer and I/O
//! traits implemented with anyrt, for every backend.
//!
//! Features are additive: any combination compiles. With several backends compiled (two crates
//! in one dependency graph chose different ones), a call made inside a tokio runtime is served by
//! tokio, one made inside an async-std task by async-std, one made in a task of anyrt's smol
//! executor by smol, and one made outside any runtime by the first compiled backend in the order
//! of the table. [`Backend`] names the backends and runs
//! a future on a chosen one.
//!
//! An executor anyrt does not ship (a GUI main loop, a thread-per-core executor, `futures`'
//! `ThreadPool`) plugs in through [`custom`]: implement [`custom::Executor`], and every anyrt
//! call made inside its tasks is served by it ([`Backend::Custom`]), with timers and sockets from
//! the default backend's reactor.
//!
//! Library authors depend on anyrt with `default-features = false` and forward the `rt-*`
//! features from their own crate, then test with `#[anyrt::test]`, which runs each test on every
//! compiled backend.
//!
//! # Behaviour across backends
//!
//! - A panicking task yields a [`JoinError`](task::JoinError) to its awaiter, never an unwind.
//! - [`task::spawn_local`] runs `!Send` futures inside a [`task::LocalSet`], one implementation
//!   for every backend.
//! - Dropping a [`JoinHandle`](task::JoinHandle) detaches the task;
//!   [`abort`](task::JoinHandle::abort) is synchronous.
//! - [`spawn`], [`task::spawn_blocking`], [`time::sleep`], [`time::timeout`] and the TCP
//!   constructors work from any thread, inside or outside a runtime.
//! - [`block_on`] returns as soon as its future completes, and panics if called from async code.
//! - `sleep(Duration::ZERO)` is ready at once, `timeout` polls its future first, an interval's
//!   first tick is immediate.
//! - [`sync`] has tokio's primitives and channels as anyrt's own types; [`sync::Mutex`],
//!   [`sync::RwLock`] and [`sync::Semaphore`] are fair (first come, first served) on every
//!   backend.
//! - [`task::JoinSet`] aborts its tasks when dropped; [`task::AbortHandle`] aborts a task from
//!   anywhere.
//! - `select!` picks a random branch to poll first unless `biased;`, and drops the losing
//!   branches before the winner's handler runs; `select!`, `join!` and `try_join!` run under any
//!   executor.
//! - [`task_local!`] values follow their task across `.await`s and threads; spawned tasks do not
//!   inherit them.
//! - Closing a [`net::TcpStream`]'s write half sends FIN on every backend.
//! - Every socket ([`net`]: TCP, UDP, Unix) is a std socket that anyrt drives itself, waiting for
//!   readiness through the backend: error kinds and messages, truncation and FIN are the same
//!   everywhere, and every stream implements futures-io's and tokio's I/O traits in every build.
//!   [`io::AsyncFd`] gives the same readiness for any descriptor.
//!
//! What stays backend-defined (timer resolution, thread and pool sizes) is listed in the
//! repository's `SEMANTICS.md`, with the test proving each guarantee.
//!
//! # Panics
//!
//! anyrt panics only with messages of its own, which start with `anyrt:`. Besides the panics
//! each function documents (such as [`block_on`] inside async code), any call that is the first
//! to need a backend's threads ([`spawn`], [`task::spawn_blocking`], [`block_on`], the first
//! timer or socket on async-std or smol) panics if the operating system refuses to start them;
//! nothing is poisoned, and the next call tries again.
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod macros;
mod rt;

pub mod custom;
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;
pub mod io;
pub mod net;
#[cfg(feature = "rt-sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt-sim")))]
pub mod sim;
pub mod sync;
pub mod task;
pub mod time;

pub use rt::Backend;
pub use task::spawn;

/// What anyrt's macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::macros::support::*;
}

/// Runs `future` to completion on the current thread, and returns its output.
///
/// The backend is the one serving the calling thread: outside any runtime, the first compiled
/// backend (tokio, then async-std, then smol); use [`Backend::block_on`] to choose. Tasks spawned from
/// `future` run on that backend's worker threads. `block_on` returns as soon as `future`
/// completes: it does not wait for spawned tasks or blocking closures still running.
///
/// # Panics
///
/// If called from async code: inside a task, inside another `block_on`, or inside the future of
/// a runtime's own `block_on` (such as `#[tokio::main]`). Blocking there would stall the
/// runtime, so anyrt panics on every backend instead (async-std natively allows it). Inside a
/// closure run by [`task::spawn_blocking`] (or by a backend's own, such as
/// `tokio::task::spawn_blocking`), and on a plain thread with a runtime entered
/// (`Handle::enter`), it is allowed.
///
/// # Examples
///
/// ```
/// let answer = anyrt::block_on(async { 40 + 2 });
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    Backend::current().block_on(future)
}

/// Runs an `async fn main` on the default backend.
///
/// The body runs inside [`block_on`]; the function may return `Result<(), E>` like any `main`.
///
/// ```
/// #[anyrt::main]
/// async fn main() {
///     let sum = anyrt::spawn(async { 1 + 1 }).await.unwrap();
///     assert_eq!(sum, 2);
/// }
/// # // doctests wrap the code in their own main; call this one.
/// # main();
/// ```
///
/// The generated code names the crate `::anyrt`. Where that is not its name, in a crate that
/// renamed the dependency (`myrt = { package = "anyrt", version = "0.1" }` in Cargo.toml) or
/// that uses anyrt through another crate's re-export, `crate = "path"` gives the path to use
/// instead, as a string; it is the only argument the attribute takes.
///
/// ```
/// # // stands for the renamed dependency
/// # extern crate anyrt as myrt;
/// #[myrt::main(crate = "myrt")]
/// async fn main() {
///     assert_eq!(myrt::spawn(async { 2 + 2 }).await.unwrap(), 4);
/// }
/// # main();
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use anyrt_macros::main;

/// Turns an `async fn` into one test per compiled backend.
///
/// `#[anyrt::test] async fn name()` becomes the tests `name::tokio`, `name::async_std` and
/// `name::smol` (those of the backends compiled in), each running the body on its backend with
/// [`Backend::block_on`]. The function may return `Result<(), E>`; other attributes, such as
/// `#[ignore]` or `#[should_panic]`, apply to every generated test.
///
/// ```
/// #[anyrt::test]
/// async fn adds() {
///     assert_eq!(anyrt::spawn(async { 2 + 2 }).await.unwrap(), 4);
/// }
/// ```
///
/// `crate = "path"` names the crate by another path than `::anyrt`, as for
/// [`main`](macro@main); it goes before or after `except(backend = "reason", ...)`.
///
/// ```
/// # // stands for the renamed dependency
/// # extern crate anyrt as myrt;
/// #[myrt::test(crate = "myrt", except(smol = "an example of both arguments"))]
/// async fn adds() {
///     assert_eq!(myrt::spawn(async { 2 + 2 }).await.unwrap(), 4);
/// }
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use anyrt_macros::test;

// The README's code blocks are compiled and run as doctests, so its examples stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

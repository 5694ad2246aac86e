//! The backend layer: everything anyrt asks of a runtime, and the one place that decides which
//! runtime serves a call. It imports nothing from the public modules above it; they call the
//! functions and types re-exported here and never name a backend.
//!
//! - [`contract`]: the traits every backend implements ([`Runtime`] for tasks, its [`Reactor`]
//!   for timers and I/O readiness, [`Task`] for a spawned task's handle).
//! - One file or folder per backend: `tokio.rs`, `async_std.rs`, `smol.rs` (the last two share
//!   `async_io.rs`, their reactor), `sim.rs` with `simulation/` (the deterministic simulation),
//!   and `custom.rs`, which runs tasks on an executor of the application's (`anyrt::custom`).
//! - [`backend`]: the public [`Backend`] enum and the crate's [`Kind`] of compiled backends.
//! - [`scope`]: what anyrt runs on this thread now, which the choice of backend reads.
//! - [`dispatch`]: the calls the public modules make, each served by the backend chosen as
//!   follows:
//!
//! 1. inside a task of a custom executor, a closure run by `spawn_blocking` or a `block_on`, the
//!    executor or backend that runs it (the innermost, when they nest);
//! 2. else a backend that is polling the current task (an async-std task);
//! 3. else a backend whose context is entered on this thread (a tokio runtime);
//! 4. else the first compiled backend of [`with_backends!`]'s list.
//!
//! A custom executor is not a backend of that list: it runs tasks only. Its tasks' timers and
//! sockets are the default backend's (the first compiled), so [`current`], which picks the
//! backend for those, answers the default inside them; the task calls (`spawn`,
//! `spawn_blocking`, `yield_now`) and [`Backend::current`] ask the scope instead.
//!
//! With a single backend compiled, [`Kind`] has one variant: every `match` on it folds away and
//! calls go straight to the backend.
//!
//! Adding a backend: its file (or folder) here with its `mod` line below, one entry in
//! [`with_backends!`], its variant of [`Backend`] in `backend.rs`, and its cargo feature.
//! CONTRIBUTING.md lists the rest.

// The backend list and the matches generated from it come first: the modules below use them.

/// Hands the list of backends to `$callback`: cargo feature, module, variant of [`Backend`] and
/// [`Kind`], and the exported macro that keeps its input only when the backend is compiled
/// (for `#[anyrt::test]`, which cannot see anyrt's features), in the order of preference
/// outside any runtime. The one list of backends in the crate's code.
macro_rules! with_backends {
    ($callback:ident! [$($args:tt)*]) => {
        $callback! {
            [$($args)*]
            "rt-tokio" tokio Tokio __anyrt_if_tokio,
            "rt-async-std" async_std AsyncStd __anyrt_if_async_std,
            "rt-smol" smol Smol __anyrt_if_smol,
            "rt-sim" sim Sim __anyrt_if_sim,
        }
    };
}

/// Runs `$body` on the compiled backend `$kind`, with `$rt` naming its [`Runtime`]. With an
/// enum name, wraps the result in that enum's variant for the backend.
///
/// `on!(kind, |Rt| Rt::spawn(f))` is `match kind { Kind::Tokio => { type Rt = tokio::Tokio;
/// Rt::spawn(f) } ... }`, one arm per compiled backend.
macro_rules! on {
    ($kind:expr, |$rt:ident| $body:expr) => {
        with_backends!(on_arms![$kind, $rt, $body])
    };
    ($kind:expr, $Enum:ident, |$rt:ident| $body:expr) => {
        with_backends!(on_arms![$kind, $rt, $Enum($body)])
    };
}

/// The arms of [`on!`].
macro_rules! on_arms {
    ([$kind:expr, $rt:ident, $Enum:ident($body:expr)] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        match $kind {
            $(
                #[cfg(feature = $feature)]
                Kind::$Variant => {
                    type $rt = crate::rt::$module::$Variant;
                    $Enum::$Variant($body)
                }
            )*
        }
    };
    ([$kind:expr, $rt:ident, $body:expr] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        match $kind {
            $(
                #[cfg(feature = $feature)]
                Kind::$Variant => {
                    type $rt = crate::rt::$module::$Variant;
                    $body
                }
            )*
        }
    };
}

/// Matches `$value`, a backend enum of type `$Enum` (one tuple variant per compiled backend): in
/// `$body`, `$x` is the backend's own value and `$rt` names the backend's [`Runtime`].
macro_rules! each {
    ($value:expr, $Enum:ident, |$rt:ident, $x:pat_param| $body:expr) => {
        with_backends!(each_arms![$value, $Enum, $rt, $x, $body])
    };
}

/// The arms of [`each!`].
macro_rules! each_arms {
    ([$value:expr, $Enum:ident, $rt:ident, $x:pat_param, $body:expr] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        match $value {
            $(
                #[cfg(feature = $feature)]
                $Enum::$Variant($x) => {
                    #[allow(dead_code)]
                    type $rt = crate::rt::$module::$Variant;
                    $body
                }
            )*
        }
    };
}

pub(crate) mod backend;
pub(crate) mod contract;
pub(crate) mod dispatch;
mod join_error;
#[cfg(unix)]
pub(crate) mod os;
pub(crate) mod scope;
mod test_macros;

// Executors of the application's (`anyrt::custom`), in every build.
pub(crate) mod custom;
// Task supervision for executors without tokio's contract, and the cooperative budget.
pub(crate) mod coop;
pub(crate) mod supervised;

// The backends, each behind its feature; the reactor async-std and smol share.
#[cfg(any(feature = "rt-async-std", feature = "rt-smol"))]
mod async_io;
#[cfg(feature = "rt-async-std")]
pub(crate) mod async_std;
#[cfg(feature = "rt-sim")]
pub(crate) mod sim;
#[cfg(feature = "rt-smol")]
pub(crate) mod smol;
#[cfg(feature = "rt-tokio")]
pub(crate) mod tokio;
// The simulation's world: scheduler, clock, in-memory network.
#[cfg(feature = "rt-sim")]
pub(crate) mod simulation;

/// The build's message when no backend feature is on.
macro_rules! no_backend_error {
    ([] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        #[cfg(not(any($(feature = $feature),*)))]
        compile_error!(concat!(
            "anyrt: no runtime backend is enabled. Enable one of anyrt's features:",
            $(" `", $feature, "`",)*
            " (`rt-tokio` is the default). Library authors: depend on anyrt with \
             `default-features = false` and forward these features from your own crate's \
             features, so the application picks the backend."
        ));
    };
}
with_backends!(no_backend_error![]);

pub use backend::Backend;
pub(crate) use contract::*;
pub(crate) use dispatch::*;
pub use join_error::JoinError;
pub(crate) use scope::*;

//! `#[anyrt::main(crate = "path")]` and `#[anyrt::test(crate = "path")]`: the generated code
//! names anyrt by the given path instead of `::anyrt`, for a renamed dependency or a crate that
//! re-exports anyrt.
//!
//! `::anyrt` resolves in this test crate too, so code that ignored the argument would still
//! compile against the renamed path. The proof is the shim below: a module that re-exports
//! anyrt but replaces the two names the attributes expand to, so that an expansion which goes
//! through it leaves a trace (a counted `block_on` call, a marker item) and one that does not
//! leaves none.

// The name a renamed dependency (`renamed = { package = "anyrt", ... }`) would give it.
extern crate anyrt as renamed;

use std::cell::Cell;

/// anyrt, but for the two names the attributes expand to.
mod shim {
    use std::cell::Cell;

    pub use anyrt::*;

    thread_local! {
        // Per thread, as `block_on` runs its future on the calling thread: tests running in
        // parallel do not see each other's calls.
        pub static BLOCK_ON_CALLS: Cell<usize> = const { Cell::new(0) };
    }

    /// Counts the call, then runs `future` on anyrt's own `block_on`. Shadows the glob import.
    pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
        BLOCK_ON_CALLS.with(|calls| calls.set(calls.get() + 1));
        anyrt::block_on(future)
    }

    /// anyrt's expansion of `#[anyrt::test]`, plus a marker item in the tests' module, which
    /// exists only if the attribute expanded through this path.
    macro_rules! __anyrt_test_each_backend {
        ($($input:tt)*) => {
            pub(super) const EXPANDED_THROUGH_THE_SHIM: bool = true;
            ::anyrt::__anyrt_test_each_backend! { $($input)* }
        };
    }
    // Explicit, so it shadows the macro of the same name that the glob import brings.
    pub(crate) use __anyrt_test_each_backend;
}

fn shim_block_on_calls() -> usize {
    shim::BLOCK_ON_CALLS.with(Cell::get)
}

#[renamed::main(crate = "renamed")]
async fn main_through_the_renamed_crate() -> u32 {
    renamed::spawn(async { 20 + 1 }).await.unwrap() * 2
}

#[renamed::main(crate = "crate::shim")]
async fn main_through_the_shim() -> u32 {
    shim::spawn(async { 7 }).await.unwrap()
}

#[renamed::main(crate = "crate::shim")]
async fn fallible_main_through_the_shim() -> Result<(), String> {
    Err("failed inside the shim's block_on".to_owned())
}

#[test]
fn main_runs_through_the_renamed_crate() {
    assert_eq!(main_through_the_renamed_crate(), 42);
}

#[test]
fn main_calls_block_on_at_the_given_path() {
    let before = shim_block_on_calls();
    assert_eq!(main_through_the_shim(), 7);
    assert_eq!(shim_block_on_calls(), before + 1);
    assert_eq!(
        fallible_main_through_the_shim(),
        Err("failed inside the shim's block_on".to_owned())
    );
    assert_eq!(shim_block_on_calls(), before + 2);
}

#[renamed::test(crate = "renamed")]
async fn test_through_the_renamed_crate() {
    assert_eq!(renamed::spawn(async { 2 + 2 }).await.unwrap(), 4);
}

#[renamed::test(crate = "renamed", except(smol = "shows `crate` before `except`"))]
async fn crate_then_except() -> Result<(), String> {
    assert_ne!(renamed::Backend::current(), renamed::Backend::Smol);
    Ok(())
}

#[renamed::test(except(smol = "shows `except` before `crate`"), crate = "crate::shim")]
async fn except_then_crate() {
    assert_ne!(shim::Backend::current(), shim::Backend::Smol);
}

#[renamed::test(crate = "crate::shim")]
async fn test_through_the_shim() {
    assert_eq!(shim::spawn(async { 3 }).await.unwrap(), 3);
}

#[test]
fn test_expands_at_the_given_path() {
    // Were `crate = "crate::shim"` not honoured, these items would not exist: this test would
    // not compile.
    const {
        assert!(test_through_the_shim::EXPANDED_THROUGH_THE_SHIM);
        assert!(except_then_crate::EXPANDED_THROUGH_THE_SHIM);
    }
}

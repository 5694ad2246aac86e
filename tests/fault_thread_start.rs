//! A backend whose threads cannot start: anyrt's own panic, and a later call tries again
//! (SEMANTICS.md row 6d). Runs in a child process whose address space is capped, so no thread
//! stack can be mapped.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use anyrt::Backend;
use common::{child_arg, panic_text, run_child};

/// The virtual memory of this process now, in bytes.
fn address_space() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

/// Caps this process's address space so that no thread stack can be mapped, runs `f`, and lifts
/// the cap again.
fn without_room_for_a_thread<R>(f: impl FnOnce() -> R) -> R {
    let (soft, hard) = rlimit::Resource::AS.get().unwrap();
    // Room for small allocations, none for a thread's stack.
    rlimit::Resource::AS
        .set(address_space() + 512 * 1024, hard)
        .unwrap();
    let result = f();
    rlimit::Resource::AS.set(soft, hard).unwrap();
    result
}

/// Spawns a task on `backend` from outside any runtime, the first call that needs its threads.
fn spawn_on(backend: Backend) -> std::thread::Result<u32> {
    catch_unwind(AssertUnwindSafe(|| {
        // `Backend::block_on` on the calling thread starts nothing; `spawn` needs the workers.
        backend.block_on(async { anyrt::spawn(async { 7 }).await.unwrap() })
    }))
}

#[anyrt::test(except(sim = "the simulation starts no worker threads"))]
async fn worker_threads_that_cannot_start_give_anyrts_panic_and_are_retried() {
    let backend = Backend::current();
    let output = anyrt::task::spawn_blocking(move || {
        run_child(
            "worker_threads_that_cannot_start_give_anyrts_panic_and_are_retried_child",
            backend.name(),
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("child: retried and ran"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn worker_threads_that_cannot_start_give_anyrts_panic_and_are_retried_child() {
    let Some(name) = child_arg() else {
        // Run by the test above, in a process of its own.
        return;
    };
    let backend = *Backend::compiled()
        .iter()
        .find(|b| b.name() == name)
        .unwrap();
    let (first, second) = without_room_for_a_thread(|| {
        let first = spawn_on(backend).map_err(|p| panic_text(&*p));
        let second = spawn_on(backend).map_err(|p| panic_text(&*p));
        (first, second)
    });
    for (which, result) in [("first", &first), ("second", &second)] {
        let message = result
            .as_ref()
            .expect_err("a thread started without memory");
        assert!(message.starts_with("anyrt: "), "{which} call: {message}");
    }
    assert_eq!(spawn_on(backend).ok(), Some(7));
    println!("child: retried and ran");
}

/// tokio starts a blocking thread per closure while it has none idle, and panics with its own
/// message when it cannot; anyrt words it. (The `blocking` crate under async-std and smol queues
/// the closure instead and runs it once a thread can start.)
#[cfg(feature = "rt-tokio")]
#[test]
fn a_blocking_thread_that_cannot_start_gives_anyrts_panic_on_tokio() {
    if child_arg().is_none() {
        let output = run_child(
            "a_blocking_thread_that_cannot_start_gives_anyrts_panic_on_tokio",
            "tokio",
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains("child: retried and ran"),
            "{stdout}\n{stderr}"
        );
        return;
    }
    // The workers are up; the blocking pool has no thread yet.
    assert_eq!(spawn_on(Backend::Tokio).ok(), Some(7));
    let spawn_blocking =
        || catch_unwind(|| drop(anyrt::task::spawn_blocking(|| 1))).map_err(|p| panic_text(&*p));
    let (first, second) = without_room_for_a_thread(|| (spawn_blocking(), spawn_blocking()));
    for (which, result) in [("first", &first), ("second", &second)] {
        let message = result
            .as_ref()
            .expect_err("a thread started without memory");
        assert!(
            message.starts_with("anyrt: could not start a blocking thread"),
            "{which} call: {message}"
        );
    }
    let ran = Backend::Tokio.block_on(anyrt::task::spawn_blocking(|| 8));
    assert_eq!(ran.unwrap(), 8);
    println!("child: retried and ran");
}

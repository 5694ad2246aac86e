//! `spawn_blocking`: results, panics, abort, and what may run inside a blocking closure
//! (SEMANTICS.md rows 11, 11b, 11c, 14).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyrt::time::Instant;

use anyrt::task::spawn_blocking;
use anyrt::Backend;
use common::{panic_text, within, DropFlag, Occupied};

#[anyrt::test]
async fn result_arrives() {
    let handle = spawn_blocking(|| (1..=10u32).product::<u32>());
    assert_eq!(within("join", handle).await.unwrap(), 3_628_800);
}

#[anyrt::test]
async fn runs_on_the_calling_backend() {
    let backend = Backend::current();
    let handle = spawn_blocking(Backend::current);
    assert_eq!(handle.backend(), backend);
    assert_eq!(within("join", handle).await.unwrap(), backend);
}

#[anyrt::test]
async fn panic_arrives_as_join_error_with_payload() {
    let error = within("join", spawn_blocking(|| panic!("blocking {}", "boom")))
        .await
        .unwrap_err();
    assert!(error.is_panic());
    assert_eq!(panic_text(&*error.into_panic()), "blocking boom");
    // The pool keeps serving.
    assert_eq!(within("join", spawn_blocking(|| 5)).await.unwrap(), 5);
}

#[anyrt::test]
async fn abort_does_not_interrupt_a_running_closure() {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let handle = spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "completed"
    });
    within(
        "closure starts",
        spawn_blocking(move || started_rx.recv().unwrap()),
    )
    .await
    .unwrap();
    handle.abort();
    release_tx.send(()).unwrap();
    assert_eq!(within("join", handle).await.unwrap(), "completed");
}

#[anyrt::test]
async fn a_closure_aborted_before_it_starts_never_runs() {
    // With every thread of the blocking pool held, the closure waits in the pool's queue: the
    // abort comes before it starts for certain.
    let pool = Occupied::blocking_pool();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let (guard, dropped) = DropFlag::new();
    let handle = spawn_blocking(move || {
        flag.store(true, Ordering::SeqCst);
        drop(guard);
    });
    handle.abort();
    pool.release().await;
    assert!(within("join", handle).await.unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst), "an aborted closure ran");
    assert!(
        dropped.load(Ordering::SeqCst),
        "the closure was not dropped"
    );
}

#[anyrt::test]
async fn dropping_the_handle_lets_the_closure_finish() {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    drop(spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(20));
        flag.store(true, Ordering::SeqCst);
    }));
    common::eventually("closure finishes", || done.load(Ordering::SeqCst)).await;
}

#[anyrt::test]
async fn closures_run_in_parallel() {
    // 32 closures of 200 ms each: sequentially 6.4 s; the pool runs them side by side.
    let start = Instant::now();
    let handles: Vec<_> = (0..32)
        .map(|i| {
            spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(200));
                i
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(within("join", handle).await.unwrap(), i);
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[anyrt::test]
async fn block_on_is_allowed_inside_a_blocking_closure() {
    let backend = Backend::current();
    let handle = spawn_blocking(|| {
        anyrt::block_on(async {
            anyrt::time::sleep(Duration::from_millis(1)).await;
            (Backend::current(), anyrt::spawn(async { 3 }).await.unwrap())
        })
    });
    assert_eq!(within("join", handle).await.unwrap(), (backend, 3));
}

#[anyrt::test]
async fn spawn_inside_a_blocking_closure_goes_to_the_same_backend() {
    let backend = Backend::current();
    let handle = spawn_blocking(|| anyrt::spawn(async { Backend::current() }));
    let inner = within("join outer", handle).await.unwrap();
    assert_eq!(inner.backend(), backend);
    assert_eq!(within("join inner", inner).await.unwrap(), backend);
}

#[anyrt::test(except(
    sim = "awaits another backend's handle, whose wake comes from a thread the simulation does not wait for"
))]
async fn spawn_blocking_works_from_a_thread_outside_any_runtime() {
    let handle = std::thread::spawn(|| spawn_blocking(|| 9)).join().unwrap();
    assert_eq!(handle.backend(), Backend::compiled()[0]);
    assert_eq!(within("join", handle).await.unwrap(), 9);
}

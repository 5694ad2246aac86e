//! `spawn_local` and `LocalSet`: `!Send` tasks on one thread, the same on every backend.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyrt::task::{spawn_local, LocalSet};
use anyrt::Backend;
use common::{async_panic_message_of, panic_text, within, DropFlag};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn local_tasks_share_an_rc_refcell() {
    let local = LocalSet::new();
    let counter = local
        .run_until(async {
            let counter = Rc::new(RefCell::new(0));
            let tasks: Vec<_> = (0..10)
                .map(|_| {
                    let counter = counter.clone();
                    spawn_local(async move {
                        anyrt::task::yield_now().await;
                        *counter.borrow_mut() += 1;
                    })
                })
                .collect();
            for task in tasks {
                within("local task", task).await.unwrap();
            }
            let total = *counter.borrow();
            total
        })
        .await;
    assert_eq!(counter, 10);
}

#[anyrt::test]
async fn local_tasks_run_on_the_driving_thread() {
    let here = std::thread::current().id();
    let local = LocalSet::new();
    let ran_on = local
        .run_until(async {
            spawn_local(async { std::thread::current().id() })
                .await
                .unwrap()
        })
        .await;
    assert_eq!(ran_on, here);
}

#[anyrt::test]
async fn local_tasks_use_the_backend_for_time_and_spawn() {
    let backend = Backend::current();
    let local = LocalSet::new();
    let (inner, handle_backend) = local
        .run_until(async {
            let handle = spawn_local(async {
                anyrt::time::sleep(Duration::from_millis(2)).await;
                anyrt::spawn(async { Backend::current() }).await.unwrap()
            });
            let handle_backend = handle.backend();
            (within("local task", handle).await.unwrap(), handle_backend)
        })
        .await;
    assert_eq!(inner, backend);
    assert_eq!(handle_backend, backend);
}

#[anyrt::test]
async fn spawn_local_outside_a_local_set_panics_with_an_anyrt_message() {
    let message = common::panic_message_of(|| spawn_local(async {}));
    assert!(
        message.starts_with("anyrt: `spawn_local` was called outside a `LocalSet`"),
        "{message}"
    );
    // The set is only current while it is driven.
    let local = LocalSet::new();
    local.run_until(async {}).await;
    let message = common::panic_message_of(|| spawn_local(async {}));
    assert!(message.starts_with("anyrt: `spawn_local`"), "{message}");
}

#[anyrt::test]
async fn a_local_panic_arrives_as_join_error() {
    let local = LocalSet::new();
    let error = local
        .run_until(async {
            spawn_local(async { panic!("local {}", 1) })
                .await
                .unwrap_err()
        })
        .await;
    assert!(error.is_panic());
    assert_eq!(panic_text(&*error.into_panic()), "local 1");
}

#[anyrt::test]
async fn abort_cancels_a_local_task_and_drops_its_locals() {
    let local = LocalSet::new();
    let (guard, dropped) = DropFlag::new();
    let error = local
        .run_until(async move {
            let started = Rc::new(Cell::new(false));
            let flag = started.clone();
            let handle = spawn_local(async move {
                let _guard = guard;
                flag.set(true);
                anyrt::time::sleep(Duration::from_secs(3600)).await;
            });
            while !started.get() {
                anyrt::task::yield_now().await;
            }
            handle.abort();
            handle.abort();
            within("aborted local task", handle).await.unwrap_err()
        })
        .await;
    assert!(error.is_cancelled());
    assert!(dropped.load(Ordering::SeqCst));
}

#[anyrt::test]
async fn dropping_a_local_handle_detaches_the_task() {
    let local = LocalSet::new();
    let done = Rc::new(Cell::new(false));
    let flag = done.clone();
    local
        .run_until(async move {
            drop(spawn_local(async move {
                anyrt::time::sleep(Duration::from_millis(5)).await;
                flag.set(true);
            }));
            within("detached local task", async {
                while !done.get() {
                    anyrt::time::sleep(Duration::from_millis(1)).await;
                }
            })
            .await;
        })
        .await;
}

#[anyrt::test]
async fn tasks_run_only_while_the_set_is_driven_and_resume_later() {
    let local = LocalSet::new();
    let steps = Rc::new(Cell::new(0));
    let counter = steps.clone();
    let mut handle = local.spawn_local(async move {
        for _ in 0..3 {
            counter.set(counter.get() + 1);
            anyrt::task::yield_now().await;
        }
        "done"
    });
    // Not driven: nothing runs.
    assert_eq!(poll_once(&mut handle).await.map(|r| r.is_ok()), None);
    assert_eq!(steps.get(), 0);
    local.run_until(anyrt::task::yield_now()).await;
    assert!(steps.get() >= 1);
    assert_eq!(local.run_until(&mut handle).await.unwrap(), "done");
    assert_eq!(steps.get(), 3);
}

#[anyrt::test]
async fn dropping_the_set_cancels_its_unfinished_tasks() {
    let local = LocalSet::new();
    let (guard, dropped) = DropFlag::new();
    let handle = local.spawn_local(async move {
        let _guard = guard;
        anyrt::time::sleep(Duration::from_secs(3600)).await;
    });
    local.run_until(anyrt::task::yield_now()).await;
    drop(local);
    assert!(dropped.load(Ordering::SeqCst));
    assert!(within("handle of a dropped set", handle)
        .await
        .unwrap_err()
        .is_cancelled());
}

#[anyrt::test]
async fn nested_sets_spawn_on_the_innermost() {
    let outer = LocalSet::new();
    outer
        .run_until(async {
            let inner = LocalSet::new();
            // Spawned while the inner set is driven, the task belongs to it (the `Option` only
            // keeps the handle from being awaited by `run_until`).
            let spawned = inner
                .run_until(async { Some(spawn_local(async { 1 })) })
                .await;
            let mut from_inner = spawned.unwrap();
            // The outer set does not run it; the inner one does.
            assert!(poll_once(&mut from_inner).await.is_none());
            assert_eq!(inner.run_until(from_inner).await.unwrap(), 1);
            assert_eq!(spawn_local(async { 2 }).await.unwrap(), 2);
        })
        .await;
}

#[test]
fn block_on_local_runs_local_tasks_on_every_backend() {
    for &backend in Backend::compiled() {
        let total = backend.block_on(LocalSet::new().run_until(async {
            let shared = Rc::new(RefCell::new(Vec::new()));
            let tasks: Vec<_> = (0..5)
                .map(|i| {
                    let shared = shared.clone();
                    spawn_local(async move { shared.borrow_mut().push(i) })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            let sum: i32 = shared.borrow().iter().sum();
            (sum, Backend::current())
        }));
        assert_eq!(total, (10, backend));
    }
    assert_eq!(
        anyrt::task::block_on_local(async { spawn_local(async { 7 }).await.unwrap() }),
        7
    );
}

#[anyrt::test]
async fn block_on_local_inside_async_code_panics_like_block_on() {
    let message = common::panic_message_of(|| anyrt::task::block_on_local(async {}));
    assert!(
        message.starts_with("anyrt: `block_on` was called from async code"),
        "{message}"
    );
    let message = async_panic_message_of(async { LocalSet::new().block_on(async {}) }).await;
    assert!(message.starts_with("anyrt: `block_on`"), "{message}");
}

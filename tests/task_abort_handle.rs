//! `JoinHandle::abort_handle` and `AbortHandle` on every backend (SEMANTICS.md, row 4f).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::task::{self, AbortHandle};
use anyrt::time::sleep;
use common::{eventually, spawn_parked_forever, within, DropFlag};

#[anyrt::test]
async fn abort_through_the_handle_cancels_and_drops_the_task() {
    let (handle, started, dropped) = spawn_parked_forever();
    let abort = handle.abort_handle();
    eventually("task starts", || started.load(Ordering::SeqCst)).await;
    assert!(!abort.is_finished());
    // From another task, as a supervisor would.
    within("aborter", anyrt::spawn(async move { abort.abort() }))
        .await
        .unwrap();
    let error = within("join", handle).await.unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert!(
        dropped.load(Ordering::SeqCst),
        "cancelled, but its locals are alive"
    );
}

#[anyrt::test]
async fn a_detached_task_can_still_be_aborted() {
    let (guard, dropped) = DropFlag::new();
    let handle = anyrt::spawn(async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    });
    let abort = handle.abort_handle();
    drop(handle);
    sleep(Duration::from_millis(5)).await;
    assert!(
        !dropped.load(Ordering::SeqCst),
        "dropping the JoinHandle detaches"
    );
    abort.abort();
    eventually("the aborted task's locals are dropped", || {
        dropped.load(Ordering::SeqCst)
    })
    .await;
    eventually("finished", || abort.is_finished()).await;
}

#[anyrt::test]
async fn is_finished_follows_the_task_and_abort_after_completion_keeps_the_output() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let handle = anyrt::task::spawn_blocking(move || {
        rx.recv().unwrap();
        5
    });
    let abort = handle.abort_handle();
    let clone = abort.clone();
    assert!(!clone.is_finished());
    tx.send(()).unwrap();
    eventually("finished", || clone.is_finished()).await;
    abort.abort();
    abort.abort();
    assert_eq!(within("join", handle).await.unwrap(), 5);
    assert!(format!("{abort:?}").contains("finished: true"));
}

#[anyrt::test]
async fn every_clone_aborts_the_same_task_and_handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>(_: &T) {}
    let handle = anyrt::spawn(sleep(Duration::from_secs(3600)));
    let abort: AbortHandle = handle.abort_handle();
    assert_send_sync(&abort);
    let second = handle.abort_handle();
    let clones: Vec<_> = (0..3).map(|_| abort.clone()).collect();
    clones[2].abort();
    assert!(within("join", handle).await.unwrap_err().is_cancelled());
    eventually("every handle sees it", || {
        second.is_finished() && clones.iter().all(AbortHandle::is_finished)
    })
    .await;
}

/// Holds a value whose destructor panics, and never finishes.
async fn panics_when_aborted(started: Arc<AtomicUsize>) {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("dropped while cancelled");
        }
    }
    let _value = PanicOnDrop;
    started.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_secs(3600)).await;
}

#[anyrt::test]
async fn a_panic_on_the_way_out_of_a_task_aborted_through_the_handle_is_a_cancellation() {
    let started = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| anyrt::spawn(panics_when_aborted(started.clone())))
        .collect();
    eventually("tasks start", || started.load(Ordering::SeqCst) == 4).await;
    for handle in handles {
        handle.abort_handle().abort();
        let error = within("join aborted", handle).await.unwrap_err();
        assert!(error.is_cancelled(), "{error:?}");
    }
}

#[anyrt::test]
async fn a_started_blocking_closure_is_not_interrupted() {
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let handle = task::spawn_blocking(move || {
        started_tx.send(()).unwrap();
        go_rx.recv().unwrap();
        "done"
    });
    within(
        "closure starts",
        task::spawn_blocking(move || started_rx.recv().unwrap()),
    )
    .await
    .unwrap();
    handle.abort_handle().abort();
    go_tx.send(()).unwrap();
    assert_eq!(within("join", handle).await.unwrap(), "done");
}

#[anyrt::test]
async fn a_local_task_is_aborted_through_its_handle() {
    let local = task::LocalSet::new();
    let (guard, dropped) = DropFlag::new();
    let abort = local
        .run_until(async {
            let handle = task::spawn_local(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            });
            let abort = handle.abort_handle();
            task::yield_now().await;
            abort.abort();
            assert!(within("join", handle).await.unwrap_err().is_cancelled());
            abort
        })
        .await;
    assert!(dropped.load(Ordering::SeqCst));
    assert!(abort.is_finished());
}

#[anyrt::test]
async fn a_task_dropped_with_its_local_set_counts_as_finished() {
    let local = task::LocalSet::new();
    let abort = local
        .run_until(async { task::spawn_local(std::future::pending::<()>()).abort_handle() })
        .await;
    assert!(!abort.is_finished());
    drop(local);
    assert!(abort.is_finished());
}

#[anyrt::test]
async fn a_detached_tasks_output_is_dropped_while_an_abort_handle_lives() {
    // Both orders: the handle dropped before the task finishes, and after.
    for finish_first in [false, true] {
        let (output, dropped) = DropFlag::new();
        let (tx, rx) = anyrt::sync::oneshot::channel::<()>();
        let handle = anyrt::spawn(async move {
            rx.await.unwrap();
            output
        });
        let abort = handle.abort_handle();
        if finish_first {
            tx.send(()).unwrap();
            eventually("finished", || abort.is_finished()).await;
            drop(handle);
        } else {
            drop(handle);
            tx.send(()).unwrap();
            eventually("finished", || abort.is_finished()).await;
        }
        eventually("the output is dropped, as no one can take it", || {
            dropped.load(Ordering::SeqCst)
        })
        .await;
        assert!(abort.is_finished());
    }
}

#[anyrt::test]
async fn a_task_joined_after_abort_handle_gives_its_output_and_counts_as_finished() {
    let (output, dropped) = DropFlag::new();
    let handle = anyrt::spawn(async move { output });
    let abort = handle.abort_handle();
    let output = within("join", handle).await.unwrap();
    assert!(abort.is_finished());
    abort.abort();
    assert!(
        !dropped.load(Ordering::SeqCst),
        "the output is the awaiter's"
    );
    drop(output);
    assert!(dropped.load(Ordering::SeqCst));
}

//! `anyrt::task::JoinSet` on every backend (SEMANTICS.md, JoinSet).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::sync::oneshot;
use anyrt::task::JoinSet;
use anyrt::time::sleep;
use common::{async_panic_message_of, eventually, within, DropFlag};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn results_come_out_in_the_order_the_tasks_finish() {
    let mut set = JoinSet::new();
    let mut senders = Vec::new();
    for i in 0..3 {
        let (tx, rx) = oneshot::channel::<()>();
        senders.push(Some(tx));
        set.spawn(async move {
            rx.await.unwrap();
            i
        });
    }
    assert_eq!(set.len(), 3);
    for i in [2, 0, 1] {
        senders[i].take().unwrap().send(()).unwrap();
        assert_eq!(
            within("join_next", set.join_next()).await.unwrap().unwrap(),
            i
        );
    }
    assert!(set.is_empty());
    assert!(set.join_next().await.is_none());
}

#[anyrt::test]
async fn many_tasks_are_all_joined() {
    let mut set: JoinSet<u64> = (0..1000u64).map(|i| async move { i }).collect();
    set.extend((1000..1100u64).map(|i| async move { i }));
    let mut sum = 0;
    while let Some(result) = within("join_next", set.join_next()).await {
        sum += result.unwrap();
    }
    assert_eq!(sum, (0..1100).sum::<u64>());
}

#[anyrt::test]
async fn dropping_the_set_aborts_its_tasks() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    let mut flags = Vec::new();
    for _ in 0..5 {
        let (guard, dropped) = DropFlag::new();
        flags.push(dropped);
        let started = started.clone();
        set.spawn(async move {
            let _guard = guard;
            started.fetch_add(1, Ordering::SeqCst);
            sleep(Duration::from_secs(3600)).await;
        });
    }
    eventually("tasks start", || started.load(Ordering::SeqCst) == 5).await;
    drop(set);
    eventually("every task's future is dropped", || {
        flags.iter().all(|f| f.load(Ordering::SeqCst))
    })
    .await;
}

#[anyrt::test]
async fn detach_all_lets_the_tasks_run_on() {
    let finished = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for _ in 0..3 {
        let finished = finished.clone();
        set.spawn(async move {
            sleep(Duration::from_millis(10)).await;
            finished.fetch_add(1, Ordering::SeqCst);
        });
    }
    set.detach_all();
    assert!(set.is_empty());
    drop(set);
    eventually("detached tasks finish", || {
        finished.load(Ordering::SeqCst) == 3
    })
    .await;
}

#[anyrt::test]
async fn a_released_tasks_output_is_dropped_while_its_abort_handle_lives() {
    // The set lets the task go by `detach_all` before or after it finished, or by being dropped
    // after it finished (before, dropping aborts it).
    for (detach, finish_first) in [(true, false), (true, true), (false, true)] {
        let (output, dropped) = DropFlag::new();
        let (tx, rx) = oneshot::channel::<()>();
        let mut tx = Some(tx);
        let mut set = JoinSet::new();
        let abort = set.spawn(async move {
            rx.await.unwrap();
            output
        });
        // Registers the set's waker with the task, as a set in use has.
        assert!(poll_once(set.join_next()).await.is_none());
        if finish_first {
            tx.take().unwrap().send(()).unwrap();
            eventually("finished", || abort.is_finished()).await;
        }
        if detach {
            set.detach_all();
        } else {
            drop(set);
        }
        if !finish_first {
            tx.take().unwrap().send(()).unwrap();
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
async fn abort_all_cancels_but_a_finished_task_keeps_its_output() {
    let mut set = JoinSet::new();
    let quick = set.spawn(async { Some(1) });
    eventually("the quick task finishes", || quick.is_finished()).await;
    set.spawn(async {
        sleep(Duration::from_secs(3600)).await;
        None
    });
    set.abort_all();
    let mut outputs = 0;
    let mut cancelled = 0;
    while let Some(result) = within("join_next", set.join_next()).await {
        match result {
            Ok(output) => {
                assert_eq!(output, Some(1));
                outputs += 1;
            }
            Err(error) => {
                assert!(error.is_cancelled());
                cancelled += 1;
            }
        }
    }
    assert_eq!((outputs, cancelled), (1, 1));
}

#[anyrt::test]
async fn shutdown_aborts_waits_and_empties_the_set() {
    let mut set = JoinSet::new();
    let mut flags = Vec::new();
    for _ in 0..4 {
        let (guard, dropped) = DropFlag::new();
        flags.push(dropped);
        set.spawn(async move {
            let _guard = guard;
            sleep(Duration::from_secs(3600)).await;
        });
    }
    within("shutdown", set.shutdown()).await;
    assert!(set.is_empty());
    assert!(flags.iter().all(|f| f.load(Ordering::SeqCst)));
}

#[anyrt::test]
async fn join_next_is_cancel_safe() {
    let mut set = JoinSet::new();
    let (tx, rx) = oneshot::channel::<()>();
    let task = set.spawn(async move {
        rx.await.unwrap();
        "result"
    });
    let mut join = Box::pin(set.join_next());
    assert!(poll_once(join.as_mut()).await.is_none());
    // The task finishes and wakes the waiting `join_next`, which is dropped before it runs
    // again.
    tx.send(()).unwrap();
    eventually("the task finishes", || task.is_finished()).await;
    drop(join);
    assert_eq!(set.len(), 1, "the result is still in the set");
    assert_eq!(set.try_join_next().unwrap().unwrap(), "result");
}

#[anyrt::test]
async fn the_abort_handle_from_spawn_aborts_one_task() {
    let mut set = JoinSet::new();
    let slow = set.spawn(async {
        sleep(Duration::from_secs(3600)).await;
        "slow"
    });
    set.spawn(async { "quick" });
    slow.abort();
    let mut results = Vec::new();
    while let Some(result) = within("join_next", set.join_next()).await {
        results.push(result.map_err(|e| e.is_cancelled()));
    }
    results.sort();
    assert_eq!(results, [Ok("quick"), Err(true)]);
    assert!(slow.is_finished());
}

#[anyrt::test]
async fn panics_arrive_as_errors_and_join_all_resumes_them() {
    let mut set = JoinSet::new();
    set.spawn(async { panic!("in a set") });
    let error = within("join_next", set.join_next())
        .await
        .unwrap()
        .unwrap_err();
    assert!(error.is_panic());
    let mut set = JoinSet::new();
    set.spawn(async { 1 });
    set.spawn(async { panic!("joined") });
    let message = async_panic_message_of(set.join_all()).await;
    assert_eq!(message, "joined");
    let mut set: JoinSet<u8> = JoinSet::new();
    set.spawn(async { 1 });
    assert_eq!(within("join_all", set.join_all()).await, [1]);
}

#[anyrt::test]
async fn try_join_next_never_waits() {
    let mut set = JoinSet::new();
    assert!(set.try_join_next().is_none());
    let (tx, rx) = oneshot::channel::<()>();
    set.spawn(async move { rx.await.is_ok() });
    assert!(set.try_join_next().is_none());
    tx.send(()).unwrap();
    let result = within("try_join_next", async {
        loop {
            if let Some(result) = set.try_join_next() {
                break result;
            }
            sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(result.unwrap());
}

#[anyrt::test]
async fn blocking_closures_join_too() {
    let mut set = JoinSet::new();
    for i in 0..4u32 {
        set.spawn_blocking(move || i * 10);
    }
    let mut outputs = within("join_all", set.join_all()).await;
    outputs.sort();
    assert_eq!(outputs, [0, 10, 20, 30]);
}

#[anyrt::test]
async fn an_abort_handle_outlives_the_set() {
    let mut set = JoinSet::new();
    let abort = set.spawn(sleep(Duration::from_secs(3600)));
    drop(set);
    eventually("aborted with the set", || abort.is_finished()).await;
    abort.abort(); // does nothing more
}

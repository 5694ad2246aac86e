//! `anyrt::sync::Mutex`: one fair implementation on every backend (SEMANTICS.md rows 10-10e).

mod common;

use std::sync::Arc;

use anyrt::sync::{Mutex, OwnedMutexGuard};
use common::{panic_message_of, within};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn counts_correctly_under_contention() {
    let counter = Arc::new(Mutex::new(0u64));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let counter = counter.clone();
            anyrt::spawn(async move {
                for _ in 0..1000 {
                    let mut guard = counter.lock().await;
                    let seen = *guard;
                    anyrt::task::yield_now().await; // held across an await
                    *guard = seen + 1;
                }
            })
        })
        .collect();
    for task in tasks {
        within("worker", task).await.unwrap();
    }
    assert_eq!(*counter.lock().await, 8000);
}

#[anyrt::test]
async fn waiters_acquire_in_the_order_they_called_lock() {
    let mutex = Mutex::new(Vec::new());
    let holder = mutex.lock().await;
    let mut waiters: Vec<_> = (0..5).map(|_| Box::pin(mutex.lock())).collect();
    for waiter in &mut waiters {
        assert!(poll_once(waiter.as_mut()).await.is_none(), "queued");
    }
    drop(holder);
    // Only the first in line may take it; the others stay queued, last to first.
    for i in (1..waiters.len()).rev() {
        assert!(
            poll_once(waiters[i].as_mut()).await.is_none(),
            "waiter {i} jumped the queue"
        );
    }
    for (i, waiter) in waiters.iter_mut().enumerate() {
        let mut guard = poll_once(waiter.as_mut()).await.expect("its turn");
        guard.push(i);
        drop(guard);
    }
    assert_eq!(*mutex.lock().await, [0, 1, 2, 3, 4]);
}

#[anyrt::test]
async fn unlocking_and_relocking_queues_behind_waiters() {
    let mutex = Mutex::new(());
    let guard = mutex.lock().await;
    let mut waiter = Box::pin(mutex.lock());
    assert!(poll_once(waiter.as_mut()).await.is_none());
    drop(guard);
    // The former holder tries again at once: the waiter is ahead of it.
    assert!(mutex.try_lock().is_err());
    let mut again = Box::pin(mutex.lock());
    assert!(
        poll_once(again.as_mut()).await.is_none(),
        "barged ahead of a waiter"
    );
    let waiter_guard = poll_once(waiter.as_mut()).await.expect("waiter's turn");
    drop(waiter_guard);
    assert!(poll_once(again.as_mut()).await.is_some());
}

#[anyrt::test]
async fn a_waiting_task_is_served_before_the_task_that_unlocks_and_relocks() {
    let mutex = Arc::new(Mutex::new(Vec::new()));
    let guard = mutex.lock().await;
    let (queued_tx, queued_rx) = std::sync::mpsc::channel();
    // Task B queues up behind us, from another task (and, on a multi-threaded runtime, often
    // another thread), and says so once it is in the queue.
    let b = {
        let mutex = mutex.clone();
        anyrt::spawn(async move {
            let mut lock = Box::pin(mutex.lock());
            assert!(poll_once(lock.as_mut()).await.is_none(), "the lock is held");
            queued_tx.send(()).unwrap();
            lock.await.push("B");
        })
    };
    within(
        "B queues",
        anyrt::task::spawn_blocking(move || queued_rx.recv().unwrap()),
    )
    .await
    .unwrap();
    // We unlock and lock again in the same poll: a barging mutex lets us straight back in.
    drop(guard);
    mutex.lock().await.push("A");
    within("B", b).await.unwrap();
    assert_eq!(*mutex.lock().await, ["B", "A"]);
}

#[anyrt::test]
async fn dropping_a_pending_lock_gives_up_its_place() {
    let mutex = Mutex::new(1);
    let guard = mutex.lock().await;
    let mut first = Box::pin(mutex.lock());
    let mut second = Box::pin(mutex.lock());
    assert!(poll_once(first.as_mut()).await.is_none());
    assert!(poll_once(second.as_mut()).await.is_none());
    drop(first);
    drop(guard);
    assert_eq!(*poll_once(second.as_mut()).await.expect("next in line"), 1);
}

#[anyrt::test]
async fn try_lock_fails_while_held() {
    let mutex = Mutex::new(3);
    let guard = mutex.try_lock().unwrap();
    let error = mutex.try_lock().unwrap_err();
    assert_eq!(error.to_string(), "the mutex is locked");
    let _: &dyn std::error::Error = &error;
    drop(guard);
    assert_eq!(*mutex.try_lock().unwrap(), 3);
}

#[anyrt::test]
async fn lock_owned_guard_moves_into_a_task() {
    let mutex = Arc::new(Mutex::new(String::new()));
    let mut guard = mutex.clone().lock_owned().await;
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    let task = anyrt::spawn(async move {
        anyrt::time::sleep(std::time::Duration::from_millis(5)).await;
        guard.push_str("owned");
    });
    assert_eq!(*within("lock", mutex.lock()).await, "owned");
    task.await.unwrap();
}

#[anyrt::test]
async fn panic_while_holding_releases_the_lock_without_poisoning() {
    let mutex = Arc::new(Mutex::new(10));
    let task = {
        let mutex = mutex.clone();
        anyrt::spawn(async move {
            let mut guard = mutex.lock().await;
            *guard += 1;
            panic!("while holding");
        })
    };
    assert!(within("join", task).await.unwrap_err().is_panic());
    assert_eq!(*within("lock after panic", mutex.lock()).await, 11);
}

#[anyrt::test]
async fn blocking_lock_from_async_code_panics_with_an_anyrt_message() {
    let mutex = Mutex::new(0);
    let message = panic_message_of(|| drop(mutex.blocking_lock()));
    assert!(message.starts_with("anyrt: `Mutex::blocking_lock` was called from async code"));
    // The same inside a spawned task.
    let error = anyrt::spawn(async {
        let mutex = Mutex::new(0);
        drop(mutex.blocking_lock());
    })
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("anyrt: `Mutex::blocking_lock`"),
        "{error}"
    );
}

#[anyrt::test]
async fn blocking_lock_works_in_spawn_blocking_and_waits_its_turn() {
    let mutex = Arc::new(Mutex::new(0));
    let guard = mutex.clone().lock_owned().await;
    let blocker = {
        let mutex = mutex.clone();
        anyrt::task::spawn_blocking(move || {
            *mutex.blocking_lock() += 1;
        })
    };
    anyrt::time::sleep(std::time::Duration::from_millis(10)).await;
    assert!(!blocker.is_finished(), "took a held lock");
    drop(guard);
    within("blocking lock", blocker).await.unwrap();
    assert_eq!(*mutex.lock().await, 1);
}

#[anyrt::test]
async fn get_mut_into_inner_default_from_debug() {
    let mut mutex = Mutex::from(vec![1]);
    mutex.get_mut().push(2);
    assert_eq!(format!("{mutex:?}"), "Mutex { data: [1, 2] }");
    {
        let guard = mutex.lock().await;
        assert_eq!(format!("{mutex:?}"), "Mutex { data: <locked> }");
        assert_eq!(format!("{guard:?}"), "[1, 2]");
    }
    assert_eq!(mutex.into_inner(), [1, 2]);
    let default: Mutex<u8> = Mutex::default();
    assert_eq!(default.into_inner(), 0);
}

#[anyrt::test]
async fn guards_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let mutex = Arc::new(Mutex::new(1));
    let guard = mutex.lock().await;
    assert_send(&guard);
    drop(guard);
    let owned = mutex.clone().lock_owned().await;
    assert_send(&owned);
    assert_eq!(format!("{owned}"), "1");
}

static GLOBAL: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[anyrt::test]
async fn new_is_const_and_a_static_mutex_works_across_tasks() {
    static EMPTY: Mutex<u8> = Mutex::const_new(0);
    assert_eq!(*EMPTY.lock().await, 0);
    let tasks: Vec<_> = (0..4)
        .map(|i| anyrt::spawn(async move { GLOBAL.lock().await.push(i) }))
        .collect();
    for task in tasks {
        within("task", task).await.unwrap();
    }
    // Other backends' runs of this test share the static.
    let seen = GLOBAL.lock().await;
    for i in 0..4 {
        assert!(seen.contains(&i));
    }
}

#[anyrt::test]
async fn get_mut_and_into_inner_work_before_and_after_the_first_lock() {
    let mut mutex = Mutex::new(1);
    *mutex.get_mut() += 1;
    assert_eq!(*mutex.lock().await, 2);
    *mutex.get_mut() += 1;
    assert_eq!(mutex.into_inner(), 3);
    assert_eq!(Mutex::new("never locked").into_inner(), "never locked");
}

#[anyrt::test]
async fn try_lock_owned_fails_while_held_or_queued_for() {
    let mutex = Arc::new(Mutex::new(0));
    let guard = mutex.clone().try_lock_owned().unwrap();
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    assert_eq!(
        mutex.clone().try_lock_owned().unwrap_err().to_string(),
        "the mutex is locked"
    );
    let mut waiter = Box::pin(mutex.clone().lock_owned());
    assert!(poll_once(waiter.as_mut()).await.is_none());
    drop(guard);
    // Free, but the waiter is first in line.
    assert!(mutex.clone().try_lock_owned().is_err());
    let mut owned = within("waiter", waiter).await;
    *owned += 1;
    drop(owned);
    assert_eq!(*mutex.clone().try_lock_owned().unwrap(), 1);
}

#[anyrt::test]
async fn a_mapped_guard_keeps_the_lock_until_it_is_dropped() {
    use anyrt::sync::{MutexGuard, OwnedMutexGuard};

    let mutex = Mutex::new((1, vec![2, 3]));
    let mut list = MutexGuard::map(mutex.lock().await, |v| &mut v.1);
    list.push(4);
    assert!(mutex.try_lock().is_err(), "the mapped guard holds the lock");
    let mut last = anyrt::sync::MappedMutexGuard::map(list, |l| l.last_mut().unwrap());
    *last = 40;
    assert!(mutex.try_lock().is_err());
    drop(last);
    assert_eq!(*mutex.lock().await, (1, vec![2, 3, 40]));

    // try_map gives the guard back, still holding the lock, when there is nothing to map to.
    let guard = MutexGuard::try_map(mutex.lock().await, |v| v.1.get_mut(10)).unwrap_err();
    assert!(mutex.try_lock().is_err());
    drop(guard);

    let shared = Arc::new(Mutex::new(String::from("a")));
    let mut owned = OwnedMutexGuard::map(shared.clone().lock_owned().await, |s| s.as_mut_str());
    owned.make_ascii_uppercase();
    assert!(shared.try_lock().is_err());
    drop(owned);
    assert_eq!(*shared.lock().await, "A");
}

/// A loop whose `lock` always finds the mutex free must still yield to the other tasks of a
/// current-thread tokio runtime, as tokio's own `lock` does.
#[cfg(feature = "rt-tokio")]
#[test]
fn locking_a_free_mutex_in_a_loop_lets_other_tokio_tasks_run() {
    for owned in [false, true] {
        common::on_a_current_thread_tokio_runtime("the lock loop", move || async move {
            let mutex = Arc::new(Mutex::new(0u64));
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let looping = {
                let stop = stop.clone();
                tokio::spawn(async move {
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        if owned {
                            *mutex.clone().lock_owned().await += 1;
                        } else {
                            *mutex.lock().await += 1;
                        }
                    }
                })
            };
            tokio::spawn(async move { stop.store(true, std::sync::atomic::Ordering::SeqCst) });
            looping.await.unwrap();
        });
    }
}

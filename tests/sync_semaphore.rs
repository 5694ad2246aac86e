//! `anyrt::sync::Semaphore`: first in, first out on every backend (SEMANTICS.md, Semaphore).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyrt::sync::{Semaphore, TryAcquireError};
use common::{panic_message_of, within};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn never_more_holders_than_permits() {
    let semaphore = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    // Every task is running before any asks, and a holder lingers (a bounded number of yields)
    // until the others could come in: a quick task finishing its loop before the next is spawned
    // would otherwise leave the permits unused (on a fast machine, `most` was 1).
    let start = Arc::new(anyrt::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (semaphore, inside, most) = (semaphore.clone(), inside.clone(), most.clone());
            let start = start.clone();
            anyrt::spawn(async move {
                start.wait().await;
                for _ in 0..20 {
                    let _permit = semaphore.acquire().await.unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    for _ in 0..100 {
                        anyrt::task::yield_now().await;
                        if inside.load(Ordering::SeqCst) >= 3 {
                            break;
                        }
                    }
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for task in tasks {
        within("task", task).await.unwrap();
    }
    assert_eq!(most.load(Ordering::SeqCst), 3);
    assert_eq!(semaphore.available_permits(), 3);
}

#[anyrt::test]
async fn waiters_get_permits_in_the_order_they_asked() {
    let semaphore = Semaphore::new(0);
    let mut waiters: Vec<_> = (0..4).map(|_| Box::pin(semaphore.acquire())).collect();
    for waiter in &mut waiters {
        assert!(poll_once(waiter.as_mut()).await.is_none());
    }
    let mut permits = Vec::new();
    for i in 0..4 {
        semaphore.add_permits(1);
        // Only the first still waiting gets it; those behind stay queued.
        for later in waiters.iter_mut().skip(i + 1).rev() {
            assert!(
                poll_once(later.as_mut()).await.is_none(),
                "jumped the queue"
            );
        }
        let permit = poll_once(waiters[i].as_mut()).await.expect("its turn");
        permits.push(permit.unwrap());
    }
}

#[anyrt::test]
async fn a_large_request_is_not_overtaken_by_later_small_ones() {
    let semaphore = Semaphore::new(1);
    let mut large = Box::pin(semaphore.acquire_many(3));
    assert!(poll_once(large.as_mut()).await.is_none());
    // The free permit is set aside for the head of the queue.
    assert_eq!(semaphore.available_permits(), 0);
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::NoPermits
    );
    let mut small = Box::pin(semaphore.acquire());
    assert!(poll_once(small.as_mut()).await.is_none());
    semaphore.add_permits(1);
    assert!(
        poll_once(small.as_mut()).await.is_none(),
        "overtook the large request"
    );
    semaphore.add_permits(1);
    let permit = poll_once(large.as_mut()).await.expect("three now").unwrap();
    assert_eq!(permit.num_permits(), 3);
    assert!(poll_once(small.as_mut()).await.is_none());
    drop(permit);
    assert!(poll_once(small.as_mut()).await.is_some());
}

#[anyrt::test]
async fn a_task_that_releases_and_acquires_again_queues_behind_waiters() {
    let semaphore = Arc::new(Semaphore::new(1));
    let permit = semaphore.clone().acquire_owned().await.unwrap();
    let (queued_tx, queued_rx) = std::sync::mpsc::channel();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let other = {
        let (semaphore, order) = (semaphore.clone(), order.clone());
        anyrt::spawn(async move {
            let mut acquire = Box::pin(semaphore.acquire());
            assert!(poll_once(acquire.as_mut()).await.is_none());
            queued_tx.send(()).unwrap();
            let _permit = acquire.await.unwrap();
            order.lock().unwrap().push("waiter");
        })
    };
    within(
        "the other task queues",
        anyrt::task::spawn_blocking(move || queued_rx.recv().unwrap()),
    )
    .await
    .unwrap();
    drop(permit);
    let _again = semaphore.acquire().await.unwrap();
    order.lock().unwrap().push("releaser");
    drop(_again);
    within("waiter", other).await.unwrap();
    assert_eq!(*order.lock().unwrap(), ["waiter", "releaser"]);
}

#[anyrt::test]
async fn dropping_a_waiting_acquire_gives_back_the_permits_set_aside_for_it() {
    let semaphore = Semaphore::new(2);
    let mut large = Box::pin(semaphore.acquire_many(3));
    assert!(poll_once(large.as_mut()).await.is_none());
    assert_eq!(semaphore.available_permits(), 0);
    drop(large);
    assert_eq!(semaphore.available_permits(), 2);
    assert_eq!(semaphore.try_acquire_many(2).unwrap().num_permits(), 2);
}

#[anyrt::test]
async fn close_fails_waiters_and_later_acquires_but_held_permits_stay_valid() {
    let semaphore = Arc::new(Semaphore::new(1));
    let held = semaphore.try_acquire().unwrap();
    let mut waiter = Box::pin(semaphore.acquire());
    assert!(
        poll_once(waiter.as_mut()).await.is_none(),
        "queued before the close"
    );
    semaphore.close();
    let error = within("waiter", waiter).await.unwrap_err();
    assert_eq!(error.to_string(), "semaphore closed");
    assert!(semaphore.is_closed());
    assert!(semaphore.acquire().await.is_err());
    assert!(semaphore.clone().acquire_owned().await.is_err());
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::Closed
    );
    assert_eq!(held.num_permits(), 1);
    drop(held);
    assert_eq!(semaphore.available_permits(), 1);
}

#[anyrt::test]
async fn owned_permits_move_into_tasks_and_go_back_when_dropped() {
    let semaphore = Arc::new(Semaphore::new(2));
    let permit = semaphore.clone().acquire_many_owned(2).await.unwrap();
    assert!(Arc::ptr_eq(permit.semaphore(), &semaphore));
    assert_eq!(semaphore.available_permits(), 0);
    within("task", anyrt::spawn(async move { drop(permit) }))
        .await
        .unwrap();
    assert_eq!(semaphore.available_permits(), 2);
    let owned = semaphore.clone().try_acquire_owned().unwrap();
    assert!(semaphore.clone().try_acquire_many_owned(2).is_err());
    drop(owned);
}

#[anyrt::test]
async fn forget_merge_and_split_count_permits() {
    let semaphore = Semaphore::new(5);
    let mut permit = semaphore.acquire_many(2).await.unwrap();
    permit.merge(semaphore.try_acquire().unwrap());
    assert_eq!(permit.num_permits(), 3);
    let part = permit.split(2).unwrap();
    assert!(permit.split(2).is_none());
    assert_eq!(part.num_permits(), 2);
    part.forget();
    drop(permit);
    // 5 - 2 forgotten.
    assert_eq!(semaphore.available_permits(), 3);
    assert_eq!(semaphore.forget_permits(10), 3);
    assert_eq!(semaphore.available_permits(), 0);

    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let (mut from_a, from_b) = (a.try_acquire().unwrap(), b.try_acquire().unwrap());
    let message = panic_message_of(move || from_a.merge(from_b));
    assert_eq!(
        message,
        "anyrt: permits of two different semaphores cannot be merged"
    );
}

#[anyrt::test]
async fn bad_permit_counts_panic_with_anyrt_messages() {
    let message = panic_message_of(|| Semaphore::new(Semaphore::MAX_PERMITS + 1));
    assert!(
        message.starts_with("anyrt: a semaphore holds at most"),
        "{message}"
    );
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    let message = panic_message_of(|| semaphore.add_permits(2));
    assert!(message.starts_with("anyrt: adding 2 permits"), "{message}");
    semaphore.add_permits(1);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[anyrt::test]
async fn add_permits_counts_held_permits_so_giving_them_back_never_panics() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    let permit = semaphore.acquire().await.unwrap();
    // With the held permit back, the semaphore would hold MAX_PERMITS + 1: refused here, with
    // anyrt's message, rather than in the permit's `Drop`, with tokio's.
    let message = panic_message_of(|| semaphore.add_permits(1));
    assert!(message.starts_with("anyrt: adding 1 permits"), "{message}");
    drop(permit);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
    // A forgotten permit makes room; so do forgotten free ones.
    semaphore.try_acquire().unwrap().forget();
    semaphore.add_permits(1);
    assert_eq!(semaphore.forget_permits(2), 2);
    semaphore.add_permits(2);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn racing_add_permits_never_exceed_the_maximum() {
    let semaphore = Arc::new(Semaphore::new(Semaphore::MAX_PERMITS - 4));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let semaphore = semaphore.clone();
            std::thread::spawn(move || {
                std::panic::catch_unwind(|| semaphore.add_permits(1))
                    .map_err(|payload| common::panic_text(&*payload))
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 4);
    for error in results.into_iter().filter_map(Result::err) {
        assert!(error.starts_with("anyrt: adding 1 permits"), "{error}");
    }
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[anyrt::test]
async fn a_static_semaphore_bounds_spawned_tasks() {
    // One static per backend: the test runs on every backend at once, and the simulation does
    // not wait for wakes from other backends' threads.
    static ALL_SLOTS: [Semaphore; 8] = [const { Semaphore::const_new(1) }; 8];
    let backend = anyrt::Backend::current();
    let index = anyrt::Backend::all()
        .iter()
        .position(|b| *b == backend)
        .unwrap();
    let slots = &ALL_SLOTS[index];
    let permit = slots.acquire().await.unwrap();
    let (waits_tx, waits_rx) = anyrt::sync::oneshot::channel();
    let task = anyrt::spawn(async move {
        let mut acquire = Box::pin(slots.acquire());
        let _ = waits_tx.send(poll_once(acquire.as_mut()).await.is_none());
        acquire.await.map(|p| p.num_permits())
    });
    assert!(
        within("the task tries", waits_rx).await.unwrap(),
        "the task got the permit that is held"
    );
    drop(permit);
    assert_eq!(within("task", task).await.unwrap(), Ok(1));
}

/// A loop whose `acquire` always finds a free permit must still yield to the other tasks of a
/// current-thread tokio runtime, as tokio's own `acquire` does: the fast path spends the
/// task's cooperative budget.
#[cfg(feature = "rt-tokio")]
#[test]
fn acquiring_free_permits_in_a_loop_lets_other_tokio_tasks_run() {
    for owned in [false, true] {
        common::on_a_current_thread_tokio_runtime("the acquire loop", move || async move {
            let semaphore = Arc::new(Semaphore::new(2));
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let looping = {
                let stop = stop.clone();
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        if owned {
                            let _permit = semaphore.clone().acquire_many_owned(2).await.unwrap();
                        } else {
                            let _permit = semaphore.acquire().await.unwrap();
                        }
                    }
                })
            };
            // Runs only if the loop yields.
            tokio::spawn(async move { stop.store(true, Ordering::SeqCst) });
            looping.await.unwrap();
        });
    }
}

#[anyrt::test]
async fn blocking_acquire_panics_in_async_code_and_works_in_spawn_blocking() {
    let semaphore = Arc::new(Semaphore::new(2));
    let message = panic_message_of(|| semaphore.blocking_acquire().map(|p| p.num_permits()));
    assert!(
        message.starts_with("anyrt: `Semaphore::blocking_acquire` was called from async code"),
        "{message}"
    );
    let shared = semaphore.clone();
    let counts = anyrt::task::spawn_blocking(move || {
        let one = shared.blocking_acquire().unwrap().num_permits();
        let two = shared.blocking_acquire_many(2).unwrap().num_permits();
        let owned = shared
            .clone()
            .blocking_acquire_owned()
            .unwrap()
            .num_permits();
        let many = shared.blocking_acquire_many_owned(2).unwrap().num_permits();
        (one, two, owned, many)
    });
    assert_eq!(within("blocking", counts).await.unwrap(), (1, 2, 1, 2));
    assert_eq!(semaphore.available_permits(), 2);
}

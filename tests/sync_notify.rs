//! `anyrt::sync::Notify` on every backend (SEMANTICS.md, Notify).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::sync::Notify;
use common::{eventually, within};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn a_notify_one_before_notified_is_kept_and_only_one_is_kept() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    within("kept notification", notify.notified()).await;
    let mut second = Box::pin(notify.notified());
    assert!(poll_once(second.as_mut()).await.is_none(), "two were kept");
    notify.notify_one();
    within("second", second).await;
}

#[anyrt::test]
async fn notify_one_wakes_one_waiter_the_one_that_waited_longest() {
    let notify = Notify::new();
    let mut waiters: Vec<_> = (0..3).map(|_| Box::pin(notify.notified())).collect();
    for waiter in &mut waiters {
        assert!(poll_once(waiter.as_mut()).await.is_none());
    }
    for i in 0..3 {
        notify.notify_one();
        for later in waiters.iter_mut().skip(i + 1) {
            assert!(
                poll_once(later.as_mut()).await.is_none(),
                "woke more than one"
            );
        }
        assert!(
            poll_once(waiters[i].as_mut()).await.is_some(),
            "not the oldest"
        );
    }
}

#[anyrt::test]
async fn notify_waiters_wakes_every_current_waiter_and_keeps_nothing() {
    let notify = Notify::new();
    let polled = notify.notified();
    let mut polled = Box::pin(polled);
    assert!(poll_once(polled.as_mut()).await.is_none());
    // Created but never polled before the call: woken too.
    let unpolled = notify.notified();
    notify.notify_waiters();
    within("polled waiter", polled).await;
    within("unpolled waiter", unpolled).await;
    // Nothing kept for a later one.
    let mut later = Box::pin(notify.notified());
    assert!(poll_once(later.as_mut()).await.is_none());
}

#[anyrt::test]
async fn a_dropped_waiter_passes_its_notify_one_on() {
    let notify = Notify::new();
    let mut first = Box::pin(notify.notified());
    let mut second = Box::pin(notify.notified());
    assert!(poll_once(first.as_mut()).await.is_none());
    assert!(poll_once(second.as_mut()).await.is_none());
    notify.notify_one(); // reaches `first`
    drop(first);
    within("second gets it", second).await;

    // With nobody left waiting, it is kept.
    let mut only = Box::pin(notify.notified());
    assert!(poll_once(only.as_mut()).await.is_none());
    notify.notify_one();
    drop(only);
    within("kept", notify.notified()).await;
}

#[anyrt::test]
async fn enable_queues_a_waiter_without_polling_it() {
    let notify = Notify::new();
    let mut notified = Box::pin(notify.notified());
    assert!(!notified.as_mut().enable());
    notify.notify_one();
    assert!(notified.as_mut().enable());
    within("enabled", notified).await;
}

#[anyrt::test]
async fn shutdown_signal_reaches_tasks_on_other_threads() {
    let notify = Arc::new(Notify::new());
    let listening = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (notify, listening, stopped) = (notify.clone(), listening.clone(), stopped.clone());
            anyrt::spawn(async move {
                let mut shutdown = Box::pin(notify.notified());
                shutdown.as_mut().enable();
                listening.fetch_add(1, Ordering::SeqCst);
                loop {
                    let tick = anyrt::time::sleep(Duration::from_millis(1));
                    if futures_lite::future::or(
                        async {
                            (&mut shutdown).await;
                            true
                        },
                        async {
                            tick.await;
                            false
                        },
                    )
                    .await
                    {
                        break;
                    }
                }
                stopped.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // `notify_waiters` reaches only the futures enabled before it, as in tokio.
    eventually("every task listens", || {
        listening.load(Ordering::SeqCst) == 4
    })
    .await;
    notify.notify_waiters();
    for task in tasks {
        within("task stops", task).await.unwrap();
    }
    eventually("all stopped", || stopped.load(Ordering::SeqCst) == 4).await;
}

//! `anyrt::sync::watch` on every backend (SEMANTICS.md, channels).

mod common;

use std::time::Duration;

use anyrt::sync::watch;
use common::within;
use futures_lite::future::poll_once;

#[anyrt::test]
async fn receivers_see_the_latest_value_not_every_one() {
    let (tx, mut rx) = watch::channel(0);
    assert!(!rx.has_changed().unwrap());
    for i in 1..=3 {
        tx.send(i).unwrap();
    }
    within("changed", rx.changed()).await.unwrap();
    assert_eq!(*rx.borrow_and_update(), 3);
    assert!(
        poll_once(rx.changed()).await.is_none(),
        "1 and 2 are not replayed"
    );
}

#[anyrt::test]
async fn changed_wakes_a_task_on_another_thread() {
    let (tx, mut rx) = watch::channel("idle");
    let watcher = anyrt::spawn(async move {
        rx.changed().await.unwrap();
        *rx.borrow_and_update()
    });
    anyrt::time::sleep(Duration::from_millis(5)).await;
    tx.send("busy").unwrap();
    assert_eq!(within("watcher", watcher).await.unwrap(), "busy");
}

#[anyrt::test]
async fn once_the_senders_are_gone_an_unseen_value_is_reported_then_an_error() {
    let (tx, mut rx) = watch::channel(1);
    tx.send(2).unwrap();
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    assert!(rx.changed().await.is_ok(), "the unseen 2 first");
    assert_eq!(*rx.borrow_and_update(), 2);
    assert_eq!(
        rx.changed().await.unwrap_err().to_string(),
        "channel closed"
    );
    assert!(rx.has_changed().is_err());
    assert_eq!(*rx.borrow(), 2, "the last value stays readable");
}

#[anyrt::test]
async fn send_fails_without_receivers_but_send_replace_stores() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).unwrap_err().0, 1);
    assert_eq!(*tx.borrow(), 0);
    assert_eq!(tx.send_replace(2), 0);
    tx.send_modify(|v| *v += 1);
    let rx = tx.subscribe();
    assert_eq!(*rx.borrow(), 3);
}

#[anyrt::test]
async fn wait_for_returns_the_first_value_that_matches() {
    let (tx, mut rx) = watch::channel(0);
    let sender = anyrt::spawn(async move {
        for i in 1..=10 {
            tx.send(i).unwrap();
            anyrt::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let value = *within("wait_for", rx.wait_for(|v| *v >= 5)).await.unwrap();
    assert!(value >= 5);
    within("sender", sender).await.unwrap();
    assert!(
        rx.wait_for(|v| *v > 100).await.is_err(),
        "the sender is gone"
    );
}

#[anyrt::test]
async fn closed_completes_when_the_last_receiver_goes() {
    let (tx, rx) = watch::channel(());
    let rx2 = rx.clone();
    let mut closed = Box::pin(tx.closed());
    assert!(poll_once(closed.as_mut()).await.is_none());
    drop(rx);
    assert!(poll_once(closed.as_mut()).await.is_none());
    drop(rx2);
    within("closed", closed).await;
}

#[anyrt::test]
async fn formatting_the_ends_never_waits_for_the_values_lock() {
    let (tx, rx) = watch::channel(1);
    let (done_tx, done_rx) = anyrt::sync::oneshot::channel();
    // On a blocking thread, so that a deadlock fails the test instead of hanging the runtime.
    let _closure = anyrt::task::spawn_blocking(move || {
        let mut text = String::new();
        tx.send_modify(|value| {
            *value += 1;
            text = format!("{tx:?} {rx:?}");
        });
        let _ = done_tx.send(text);
    });
    let text = within("format inside send_modify", done_rx).await.unwrap();
    assert!(
        text.contains("Sender") && text.contains("Receiver"),
        "{text}"
    );
}

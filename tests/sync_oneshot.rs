//! `anyrt::sync::oneshot` on every backend (SEMANTICS.md, channels).

mod common;

use std::time::Duration;

use anyrt::sync::oneshot::{self, error::TryRecvError};
use common::{async_panic_message_of, within, DropFlag};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn the_value_crosses_tasks() {
    let (tx, rx) = oneshot::channel();
    anyrt::spawn(async move {
        anyrt::time::sleep(Duration::from_millis(2)).await;
        tx.send(String::from("hi")).unwrap();
    });
    assert_eq!(within("recv", rx).await.unwrap(), "hi");
}

#[anyrt::test]
async fn dropping_the_sender_closes_the_channel_for_the_receiver() {
    let (tx, rx) = oneshot::channel::<u8>();
    let waiter = anyrt::spawn(rx);
    anyrt::time::sleep(Duration::from_millis(2)).await;
    drop(tx);
    let error = within("recv", waiter).await.unwrap().unwrap_err();
    assert_eq!(error.to_string(), "channel closed");
}

#[anyrt::test]
async fn dropping_the_receiver_fails_send_and_completes_closed() {
    let (mut tx, rx) = oneshot::channel();
    let mut closed = Box::pin(async move {
        tx.closed().await;
        tx
    });
    assert!(poll_once(closed.as_mut()).await.is_none());
    drop(rx);
    let tx = within("closed", closed).await;
    assert!(tx.is_closed());
    assert_eq!(tx.send(5), Err(5));
}

#[anyrt::test]
async fn close_keeps_a_value_sent_before() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(rx.await, Ok(1));
    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert_eq!(tx.send(2), Err(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[anyrt::test]
async fn awaiting_by_reference_is_cancel_safe() {
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_once(&mut rx).await.is_none());
    tx.send(3).unwrap();
    // The poll above was dropped; the value waits for the next one.
    assert!(!rx.is_empty());
    assert_eq!((&mut rx).await, Ok(3));
    assert!(rx.is_terminated());
}

#[anyrt::test]
async fn a_value_never_received_is_dropped_with_the_receiver() {
    let (guard, dropped) = DropFlag::new();
    let (tx, rx) = oneshot::channel();
    tx.send(guard).unwrap();
    assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
    drop(rx);
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
}

#[anyrt::test]
async fn polling_after_completion_panics_with_an_anyrt_message() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    let message = async_panic_message_of(&mut rx).await;
    assert_eq!(
        message,
        "anyrt: a oneshot `Receiver` was polled after it returned its result"
    );
}

#[anyrt::test]
async fn blocking_recv_panics_in_async_code_and_works_in_spawn_blocking() {
    let (tx, rx) = oneshot::channel::<u8>();
    let message = common::panic_message_of(|| rx.blocking_recv());
    assert!(
        message.starts_with("anyrt: `oneshot::Receiver::blocking_recv` was called from async code")
    );
    drop(tx);
    let (tx, rx) = oneshot::channel();
    let blocking = anyrt::task::spawn_blocking(move || rx.blocking_recv());
    tx.send(7).unwrap();
    assert_eq!(within("blocking", blocking).await.unwrap(), Ok(7));
}

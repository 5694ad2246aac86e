//! `anyrt::sync::broadcast` on every backend (SEMANTICS.md, channels).

mod common;

use anyrt::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use common::{panic_message_of, within};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn every_receiver_gets_every_message_sent_after_it_subscribed() {
    let (tx, mut a) = broadcast::channel(8);
    tx.send(1).unwrap();
    let mut b = tx.subscribe();
    assert_eq!(tx.send(2).unwrap(), 2);
    assert_eq!(a.recv().await, Ok(1));
    assert_eq!(a.recv().await, Ok(2));
    assert_eq!(b.recv().await, Ok(2), "b subscribed after 1 was sent");
    assert_eq!(b.try_recv(), Err(TryRecvError::Empty));
}

#[anyrt::test]
async fn a_receiver_that_falls_behind_is_told_how_many_it_lost() {
    let (tx, mut rx) = broadcast::channel(4);
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.recv().await, Err(RecvError::Lagged(6)));
    for i in 6..10 {
        assert_eq!(rx.recv().await, Ok(i));
    }
    let (tx, mut rx) = broadcast::channel(2);
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(RecvError::Lagged(1).to_string(), "channel lagged by 1");
}

#[anyrt::test]
async fn once_every_sender_is_gone_receivers_drain_then_see_closed() {
    let (tx, mut rx) = broadcast::channel(4);
    let tx2 = tx.clone();
    tx.send("a").unwrap();
    drop(tx);
    tx2.send("b").unwrap();
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.recv().await, Ok("a"));
    assert_eq!(rx.recv().await, Ok("b"));
    assert_eq!(rx.recv().await, Err(RecvError::Closed));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[anyrt::test]
async fn send_fails_while_no_receiver_exists() {
    let (tx, rx) = broadcast::channel(4);
    drop(rx);
    assert_eq!(tx.send(1).unwrap_err().0, 1);
    let mut late = tx.subscribe();
    assert_eq!(tx.send(2), Ok(1));
    assert_eq!(late.recv().await, Ok(2));
    let sender_only = broadcast::Sender::<u8>::new(2);
    assert!(sender_only.send(1).is_err());
    within("closed", async {
        drop(late);
        tx.closed().await
    })
    .await;
}

#[anyrt::test]
async fn recv_is_cancel_safe_and_wakes_on_send_from_another_task() {
    let (tx, mut rx) = broadcast::channel(4);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(recv.as_mut()).await.is_none());
    // The message arrives and wakes the waiting `recv`, which is dropped before it runs again.
    tx.send(6).unwrap();
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(6), "the message is still this receiver's");
    assert!(poll_once(rx.recv()).await.is_none());
    anyrt::spawn(async move {
        anyrt::time::sleep(std::time::Duration::from_millis(2)).await;
        tx.send(7).unwrap();
    });
    assert_eq!(within("recv", rx.recv()).await, Ok(7));
}

#[anyrt::test]
async fn a_zero_capacity_panics_with_an_anyrt_message() {
    let message = panic_message_of(|| broadcast::channel::<u8>(0));
    assert_eq!(
        message,
        "anyrt: `broadcast::channel` needs a capacity of at least 1"
    );
    let message = panic_message_of(|| broadcast::channel::<u8>(usize::MAX));
    assert!(message.starts_with("anyrt: `broadcast::channel` takes a capacity of at most"));
}

#[anyrt::test]
async fn a_weak_sender_does_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel(4);
    let weak = tx.downgrade();
    assert_eq!(
        (tx.weak_count(), rx.sender_weak_count(), weak.strong_count()),
        (1, 1, 1)
    );
    weak.upgrade().unwrap().send(1).unwrap();
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(weak.clone().weak_count(), 2);
    assert_eq!(within("recv", rx.recv()).await, Ok(1));
    assert_eq!(within("recv", rx.recv()).await, Err(RecvError::Closed));
}

//! `anyrt::sync::mpsc` on every backend (SEMANTICS.md, channels).

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyrt::sync::mpsc::{self, error::SendTimeoutError, error::TryRecvError, error::TrySendError};
use common::{panic_message_of, within, DropFlag};
use futures_lite::future::poll_once;

#[anyrt::test]
async fn every_message_of_every_producer_arrives_in_each_producers_order() {
    let (tx, mut rx) = mpsc::channel(8);
    for producer in 0..4u32 {
        let tx = tx.clone();
        anyrt::spawn(async move {
            for i in 0..500u32 {
                tx.send((producer, i)).await.unwrap();
            }
        });
    }
    drop(tx);
    let mut next = [0u32; 4];
    while let Some((producer, i)) = within("recv", rx.recv()).await {
        assert_eq!(next[producer as usize], i, "out of order");
        next[producer as usize] += 1;
    }
    assert_eq!(next, [500; 4]);
}

#[anyrt::test]
async fn a_full_channel_makes_senders_wait_in_order() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(0).await.unwrap();
    let mut first = Box::pin(tx.send(1));
    let mut second = Box::pin(tx.send(2));
    assert!(poll_once(first.as_mut()).await.is_none(), "back-pressure");
    assert!(poll_once(second.as_mut()).await.is_none());
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!(rx.recv().await, Some(0));
    assert!(
        poll_once(second.as_mut()).await.is_none(),
        "overtook a waiting sender"
    );
    assert!(poll_once(first.as_mut()).await.is_some());
    assert_eq!(rx.recv().await, Some(1));
    assert!(poll_once(second.as_mut()).await.is_some());
    assert_eq!(rx.recv().await, Some(2));
}

#[anyrt::test]
async fn the_receiver_drains_queued_messages_then_sees_none_once_every_sender_is_gone() {
    let (tx, mut rx) = mpsc::channel(4);
    let weak = tx.downgrade();
    let tx2 = tx.clone();
    tx.send(1).await.unwrap();
    tx2.send(2).await.unwrap();
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    // A weak sender does not keep the channel open.
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.recv().await, None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[anyrt::test]
async fn senders_fail_with_the_message_once_the_receiver_is_gone() {
    let (tx, rx) = mpsc::channel(4);
    let waiter = {
        let tx = tx.clone();
        anyrt::spawn(async move { tx.closed().await })
    };
    drop(rx);
    within("closed", waiter).await.unwrap();
    assert!(tx.is_closed());
    let error = tx.send(String::from("lost")).await.unwrap_err();
    assert_eq!(error.0, "lost");
    assert_eq!(error.to_string(), "channel closed");
    assert_eq!(
        tx.try_send(1.to_string()),
        Err(TrySendError::Closed("1".into()))
    );
    assert!(tx.reserve().await.is_err());
}

#[anyrt::test]
async fn close_refuses_new_messages_but_keeps_the_queued_ones() {
    let (tx, mut rx) = mpsc::channel(4);
    tx.send(1).await.unwrap();
    let permit = tx.reserve().await.unwrap();
    rx.close();
    assert!(tx.send(2).await.is_err());
    permit.send(3); // reserved before the close: still delivered
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(3));
    assert_eq!(rx.recv().await, None);
}

#[anyrt::test]
async fn messages_still_queued_are_dropped_with_the_receiver() {
    let (guard, dropped) = DropFlag::new();
    let (tx, rx) = mpsc::channel(2);
    tx.send(guard).await.unwrap();
    drop(rx);
    assert!(dropped.load(Ordering::SeqCst));
}

#[anyrt::test]
async fn recv_is_cancel_safe() {
    let (tx, mut rx) = mpsc::channel(1);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(recv.as_mut()).await.is_none());
    // The message arrives and wakes the waiting `recv`, which is dropped before it runs again.
    tx.send(5).await.unwrap();
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(5), "the message stays in the channel");
}

#[anyrt::test]
async fn a_dropped_send_sent_nothing_and_gave_up_its_place() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(None).await.unwrap();
    let (guard, dropped) = DropFlag::new();
    let mut cancelled = Box::pin(tx.send(Some(guard)));
    assert!(poll_once(cancelled.as_mut()).await.is_none());
    drop(cancelled);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the message goes with the future"
    );
    let mut next = Box::pin(tx.send(None));
    assert!(poll_once(next.as_mut()).await.is_none());
    assert_eq!(rx.recv().await.map(|m| m.is_some()), Some(false));
    assert!(
        poll_once(next.as_mut()).await.is_some(),
        "the next waiter got the room"
    );
    assert_eq!(rx.try_recv().map(|m| m.is_some()), Ok(false));
}

#[anyrt::test]
async fn reserve_holds_room_and_a_dropped_permit_gives_it_back() {
    let (tx, mut rx) = mpsc::channel(2);
    let permit = tx.reserve().await.unwrap();
    let owned = tx.clone().reserve_owned().await.unwrap();
    assert_eq!(tx.capacity(), 0);
    assert!(tx.try_reserve().is_err());
    drop(permit);
    assert_eq!(tx.capacity(), 1);
    let tx2 = owned.send(1);
    assert!(tx2.same_channel(&tx));
    assert_eq!(rx.recv().await, Some(1));
    let many: Vec<_> = tx.reserve_many(2).await.unwrap().collect();
    assert_eq!(many.len(), 2);
    for (i, permit) in many.into_iter().enumerate() {
        permit.send(10 + i);
    }
    assert_eq!(rx.recv().await, Some(10));
    assert_eq!(rx.recv().await, Some(11));
    assert_eq!(tx.max_capacity(), 2);
}

#[anyrt::test]
async fn send_timeout_gives_the_message_back_when_no_room_comes() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(1).await.unwrap();
    let result = tx.send_timeout(2, Duration::from_millis(10)).await;
    assert_eq!(result, Err(SendTimeoutError::Timeout(2)));
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(tx.send_timeout(3, Duration::from_secs(5)).await, Ok(()));
    drop(rx);
    let closed = tx.send_timeout(4, Duration::from_secs(5)).await;
    assert_eq!(closed, Err(SendTimeoutError::Closed(4)));
}

#[anyrt::test]
async fn recv_many_takes_up_to_the_limit() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let mut buffer = Vec::new();
    assert_eq!(rx.recv_many(&mut buffer, 3).await, 3);
    assert_eq!(rx.recv_many(&mut buffer, 10).await, 2);
    assert_eq!(buffer, [0, 1, 2, 3, 4]);
    drop(tx);
    assert_eq!(rx.recv_many(&mut buffer, 10).await, 0);
}

#[anyrt::test]
async fn unbounded_send_never_waits_and_closes_like_the_bounded_channel() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10_000 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 10_000);
    let weak = tx.downgrade();
    drop(tx);
    assert!(weak.upgrade().is_none());
    let mut count = 0;
    while let Some(i) = rx.recv().await {
        assert_eq!(i, count);
        count += 1;
    }
    assert_eq!(count, 10_000);
    let (tx, rx) = mpsc::unbounded_channel();
    drop(rx);
    assert_eq!(tx.send(1).unwrap_err().0, 1);
}

#[anyrt::test]
async fn a_zero_capacity_panics_with_an_anyrt_message() {
    let message = panic_message_of(|| mpsc::channel::<u8>(0));
    assert!(
        message.starts_with("anyrt: `mpsc::channel` needs a capacity of at least 1"),
        "{message}"
    );
    let message = panic_message_of(|| mpsc::channel::<u8>(usize::MAX));
    assert!(message.starts_with("anyrt: `mpsc::channel` takes a capacity of at most"));
}

#[anyrt::test]
async fn blocking_calls_panic_in_async_code() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let message = panic_message_of(|| tx.blocking_send(1));
    assert!(message.starts_with("anyrt: `mpsc::Sender::blocking_send` was called from async code"));
    let message = panic_message_of(|| rx.blocking_recv());
    assert!(message.starts_with("anyrt: `mpsc::Receiver::blocking_recv` was called"));
}

#[anyrt::test]
async fn blocking_calls_work_in_spawn_blocking() {
    let (tx, mut rx) = mpsc::channel(1);
    let producer = anyrt::task::spawn_blocking(move || {
        for i in 0..3 {
            tx.blocking_send(i).unwrap();
        }
    });
    let consumer = anyrt::task::spawn_blocking(move || {
        let mut got = Vec::new();
        while let Some(i) = rx.blocking_recv() {
            got.push(i);
        }
        got
    });
    within("producer", producer).await.unwrap();
    assert_eq!(within("consumer", consumer).await.unwrap(), [0, 1, 2]);
}

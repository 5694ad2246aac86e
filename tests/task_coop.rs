//! The cooperative budget: a task looping over operations that are always ready yields now and
//! then, on every backend, so the other tasks of its thread run before the loop ends.
//!
//! Both tasks are local tasks of one `LocalSet`, so they share one thread and run in a known
//! order: the loop first, the other task queued behind it. Without a budget the loop runs all
//! its rounds in its first poll and the other task runs only after it.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream, UdpSocket};
use anyrt::sync::Semaphore;
use anyrt::task::{spawn_local, LocalSet};
use common::within;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// Rounds of each loop: far more than a budget (tokio's 128 units), so a loop that never yields
/// ends before the other task runs.
const ROUNDS: usize = 10_000;

/// The units of a budget, as tokio gives them; the loop must yield within one.
const UNITS: usize = 128;

/// Runs `looping` as a local task, given a flag, and queues behind it a local task that sets
/// that flag; `looping` returns the round at which it first saw the flag set, `None` if it never
/// did. Returns that round.
async fn round_at_which_the_other_task_ran<F>(
    looping: impl FnOnce(Rc<Cell<bool>>) -> F,
) -> Option<usize>
where
    F: Future<Output = Option<usize>> + 'static,
{
    let other_ran = Rc::new(Cell::new(false));
    let local = LocalSet::new();
    local
        .run_until(async {
            let looping = spawn_local(looping(other_ran.clone()));
            let flag = other_ran.clone();
            let other = spawn_local(async move { flag.set(true) });
            let round = within("the loop", looping).await.unwrap();
            within("the other task", other).await.unwrap();
            round
        })
        .await
}

/// Asserts that the other task ran within one budget of the loop's rounds.
fn assert_yielded_within_a_budget(what: &str, round: Option<usize>) {
    match round {
        Some(round) => assert!(
            round <= UNITS,
            "{what}: the other task ran only after {round} rounds, more than a budget ({UNITS})"
        ),
        None => panic!("{what}: the other task ran only after all {ROUNDS} rounds"),
    }
}

#[anyrt::test]
async fn a_loop_acquiring_a_free_permit_lets_other_tasks_run() {
    let round = round_at_which_the_other_task_ran(|other_ran| async move {
        let semaphore = Semaphore::new(1);
        for round in 0..ROUNDS {
            drop(semaphore.acquire().await.unwrap());
            if other_ran.get() {
                return Some(round);
            }
        }
        None
    })
    .await;
    assert_yielded_within_a_budget("Semaphore::acquire", round);
}

/// A connected pair: (client, server).
async fn connected() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[anyrt::test]
async fn a_loop_reading_a_stream_with_data_queued_lets_other_tasks_run() {
    let (mut client, server) = connected().await;
    client.write_all(&[7; ROUNDS]).await.unwrap();
    // Every byte queued at the server before the loop starts, so that no read has to wait.
    let mut all = vec![0; ROUNDS];
    within("the bytes to arrive", async {
        while server.peek(&mut all).await.unwrap() < ROUNDS {
            anyrt::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    let round = round_at_which_the_other_task_ran(|other_ran| async move {
        let mut server = server;
        let mut byte = [0];
        for round in 0..ROUNDS {
            server.read_exact(&mut byte).await.unwrap();
            if other_ran.get() {
                return Some(round);
            }
        }
        None
    })
    .await;
    assert_yielded_within_a_budget("TcpStream reads", round);
}

#[anyrt::test]
async fn a_loop_writing_to_a_stream_with_room_lets_other_tasks_run() {
    // The peer never reads: 10,000 bytes fit in the send and receive buffers.
    let (_client, server) = connected().await;
    let round = round_at_which_the_other_task_ran(|other_ran| async move {
        let mut server = server;
        for round in 0..ROUNDS {
            assert_eq!(server.write(&[7]).await.unwrap(), 1);
            if other_ran.get() {
                return Some(round);
            }
        }
        None
    })
    .await;
    assert_yielded_within_a_budget("TcpStream writes", round);
}

#[anyrt::test]
async fn a_loop_sending_datagrams_lets_other_tasks_run() {
    // Nobody reads `target`: once its queue is full the datagrams are dropped, but sending is
    // always ready.
    let target = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let to = target.local_addr().unwrap();
    let round = round_at_which_the_other_task_ran(|other_ran| async move {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for round in 0..ROUNDS {
            socket.send_to(&[7], to).await.unwrap();
            if other_ran.get() {
                return Some(round);
            }
        }
        None
    })
    .await;
    assert_yielded_within_a_budget("UdpSocket::send_to", round);
}

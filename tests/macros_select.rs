//! `anyrt::select!` on every backend and under a plain executor (SEMANTICS.md, select!).

mod common;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use anyrt::sync::mpsc;
use anyrt::time::sleep;
use common::{async_panic_message_of, within, DropFlag};

/// Pending forever, holding a flag that is set when it is dropped.
async fn pending_holding(guard: DropFlag) {
    let _guard = guard;
    std::future::pending::<()>().await;
}

#[anyrt::test]
async fn the_first_branch_to_complete_wins_with_its_value() {
    let (tx, mut rx) = mpsc::channel(1);
    anyrt::spawn(async move {
        sleep(Duration::from_millis(2)).await;
        tx.send(7).await.unwrap();
    });
    let got = within("select", async {
        anyrt::select! {
            Some(n) = rx.recv() => n,
            _ = sleep(Duration::from_secs(3600)) => 0,
        }
    })
    .await;
    assert_eq!(got, 7);
}

#[anyrt::test]
async fn losing_branches_are_dropped_before_the_handler_runs() {
    let (guard, dropped) = DropFlag::new();
    let seen_in_handler = anyrt::select! {
        _ = pending_holding(guard) => unreachable!(),
        _ = sleep(Duration::from_millis(1)) => dropped.load(Ordering::SeqCst),
    };
    assert!(
        seen_in_handler,
        "the losing future was alive when the handler ran"
    );
}

#[anyrt::test]
async fn without_biased_the_starting_branch_is_random() {
    let mut wins = [0u32; 3];
    for _ in 0..300 {
        let winner = anyrt::select! {
            n = std::future::ready(0) => n,
            n = std::future::ready(1) => n,
            n = std::future::ready(2) => n,
        };
        wins[winner] += 1;
    }
    // Each branch wins about a third of the time; 30 of 300 is far below chance.
    assert!(wins.iter().all(|&w| w >= 30), "{wins:?}");
}

#[anyrt::test]
async fn with_biased_the_branches_are_polled_in_order() {
    for _ in 0..100 {
        let winner = anyrt::select! {
            biased;
            n = std::future::ready(0) => n,
            n = std::future::ready(1) => n,
        };
        assert_eq!(winner, 0);
    }
}

/// Counts its polls; pending until polled `ready_at` times.
struct CountPolls<'a> {
    polls: &'a Cell<u32>,
    ready_at: u32,
}

impl Future for CountPolls<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.polls.get() >= self.ready_at {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[anyrt::test]
async fn a_branch_whose_value_does_not_match_is_disabled_and_the_others_go_on() {
    let polls = Cell::new(0);
    let got = anyrt::select! {
        Some(n) = std::future::ready(None::<u8>) => n,
        _ = CountPolls { polls: &polls, ready_at: 3 } => 42,
    };
    assert_eq!(got, 42);
    assert_eq!(polls.get(), 3);
    let got = anyrt::select! {
        Some(n) = std::future::ready(None::<u8>) => n,
        Ok(n) = std::future::ready(Err::<u8, ()>(())) => n,
        else => 99,
    };
    assert_eq!(got, 99);
}

#[anyrt::test]
async fn a_disabled_branch_is_evaluated_but_never_polled() {
    let evaluated = Cell::new(false);
    let polls = Cell::new(0);
    let make = || {
        evaluated.set(true);
        CountPolls {
            polls: &polls,
            ready_at: 1,
        }
    };
    let enabled = false;
    let got = anyrt::select! {
        _ = make(), if enabled => "disabled branch",
        _ = sleep(Duration::from_millis(1)) => "timer",
    };
    assert_eq!(got, "timer");
    assert!(
        evaluated.get(),
        "tokio evaluates the expression of a disabled branch too"
    );
    assert_eq!(polls.get(), 0);
}

#[anyrt::test]
async fn every_branch_disabled_runs_else_or_panics_with_an_anyrt_message() {
    let never = false;
    let got = anyrt::select! {
        _ = sleep(Duration::ZERO), if never => 1,
        else => 2,
    };
    assert_eq!(got, 2);
    let message = async_panic_message_of(async {
        anyrt::select! {
            _ = sleep(Duration::ZERO), if never => {}
        }
    })
    .await;
    assert_eq!(
        message,
        "anyrt: every branch of `select!` is disabled and there is no `else` branch"
    );
}

#[anyrt::test]
async fn it_runs_under_a_plain_executor_outside_any_runtime() {
    let got = std::thread::spawn(|| {
        futures_lite::future::block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            tx.send(5).unwrap();
            let first = anyrt::select! {
                _ = sleep(Duration::from_secs(3600)) => 0,
                Some(n) = rx.recv() => n,
            };
            let second = anyrt::select! {
                _ = sleep(Duration::from_millis(2)) => 1,
                _ = rx.recv() => 0,
            };
            first + second
        })
    })
    .join()
    .unwrap();
    assert_eq!(got, 6);
}

async fn sum_until_closed(mut rx: mpsc::Receiver<Result<u32, String>>) -> Result<u32, String> {
    let mut sum = 0;
    loop {
        anyrt::select! {
            message = rx.recv() => match message {
                Some(value) => sum += value?,
                None => break,
            },
            _ = sleep(Duration::from_secs(3600)) => return Err("timed out".into()),
        }
    }
    Ok(sum)
}

#[anyrt::test]
async fn handlers_can_break_return_and_use_the_question_mark() {
    let (tx, rx) = mpsc::channel(4);
    tx.send(Ok(1)).await.unwrap();
    tx.send(Ok(2)).await.unwrap();
    drop(tx);
    assert_eq!(within("sum", sum_until_closed(rx)).await, Ok(3));
    let (tx, rx) = mpsc::channel(4);
    tx.send(Err("bad".to_string())).await.unwrap();
    assert_eq!(within("sum", sum_until_closed(rx)).await, Err("bad".into()));
}

/// Ready on its third poll; wakes itself before.
struct ReadyOnThirdPoll {
    polls: u32,
}

impl Future for ReadyOnThirdPoll {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        if self.polls == 3 {
            return Poll::Ready(self.polls);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[anyrt::test]
async fn a_future_selected_by_reference_survives_the_iterations() {
    let mut counting = ReadyOnThirdPoll { polls: 0 };
    let mut iterations = 0;
    let polls = loop {
        iterations += 1;
        // A future rebuilt at each iteration would never see its third poll.
        assert!(iterations <= 10, "the future did not keep its polls");
        anyrt::select! {
            biased;
            polls = &mut counting => break polls,
            _ = std::future::ready(()) => {}
        }
    };
    assert_eq!((polls, iterations), (3, 3));
}

#[anyrt::test]
async fn patterns_with_mut_and_ref_bindings_work() {
    let got = anyrt::select! {
        mut list = std::future::ready(vec![1]) => {
            list.push(2);
            list
        }
    };
    assert_eq!(got, [1, 2]);
    let got = anyrt::select! {
        (ref a, mut b) = std::future::ready((String::from("x"), 1)) => {
            b += 1;
            format!("{a}{b}")
        }
    };
    assert_eq!(got, "x2");
}

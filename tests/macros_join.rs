//! `anyrt::join!` and `anyrt::try_join!` on every backend and under a plain executor
//! (SEMANTICS.md, select!/join!).

mod common;

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyrt::sync::oneshot;
use anyrt::time::sleep;
use common::{within, DropFlag};

#[anyrt::test]
async fn join_returns_every_output_in_the_order_written() {
    let (a, b, c) = anyrt::join!(
        async {
            sleep(Duration::from_millis(3)).await;
            "slow"
        },
        async { 2 },
        std::future::ready('c'),
    );
    assert_eq!((a, b, c), ("slow", 2, 'c'));
    anyrt::join!();
}

#[anyrt::test]
async fn joined_futures_run_concurrently_on_one_task() {
    // Each waits for the other: run one after the other, they would never finish.
    let (ping_tx, ping_rx) = oneshot::channel();
    let (pong_tx, pong_rx) = oneshot::channel();
    let (a, b) = within("ping-pong", async {
        anyrt::join!(
            async move {
                ping_tx.send(1).unwrap();
                pong_rx.await.unwrap()
            },
            async move {
                let n = ping_rx.await.unwrap();
                pong_tx.send(n + 1).unwrap();
                n
            },
        )
    })
    .await;
    assert_eq!((a, b), (2, 1));
}

#[anyrt::test]
async fn without_biased_each_poll_starts_with_the_next_future() {
    let order = RefCell::new(Vec::new());
    let step = |name: &'static str| {
        let order = &order;
        async move {
            order.borrow_mut().push(name);
            anyrt::task::yield_now().await;
            order.borrow_mut().push(name);
        }
    };
    anyrt::join!(step("a"), step("b"));
    assert_eq!(*order.borrow(), ["a", "b", "b", "a"]);
    order.borrow_mut().clear();
    anyrt::join!(biased; step("a"), step("b"));
    assert_eq!(*order.borrow(), ["a", "b", "a", "b"]);
}

#[anyrt::test]
async fn try_join_returns_the_first_error_and_drops_the_rest() {
    let (guard, dropped) = DropFlag::new();
    let result: Result<(u8, ()), &str> = within("try_join", async {
        anyrt::try_join!(
            async {
                sleep(Duration::from_millis(2)).await;
                Err("failed")
            },
            async move {
                let _guard = guard;
                std::future::pending::<Result<(), &str>>().await
            },
        )
    })
    .await;
    assert_eq!(result, Err("failed"));
    assert!(dropped.load(Ordering::SeqCst));
    let ok: Result<_, ()> = anyrt::try_join!(async { Ok(1) }, async { Ok("two") });
    assert_eq!(ok, Ok((1, "two")));
}

#[anyrt::test]
async fn they_run_under_a_plain_executor_outside_any_runtime() {
    let got = std::thread::spawn(|| {
        futures_lite::future::block_on(async {
            let (a, b) = anyrt::join!(sleep(Duration::from_millis(1)), async { 1 });
            let c: Result<_, ()> = anyrt::try_join!(async { Ok(2) });
            (a, b, c)
        })
    })
    .join()
    .unwrap();
    assert_eq!(got, ((), 1, Ok((2,))));
}

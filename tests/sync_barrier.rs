//! `anyrt::sync::Barrier` on every backend (SEMANTICS.md, Barrier).

mod common;

use std::sync::Arc;

use anyrt::sync::Barrier;
use common::within;
use futures_lite::future::poll_once;

#[anyrt::test]
async fn releases_each_group_of_n_with_one_leader() {
    let barrier = Arc::new(Barrier::new(4));
    for _round in 0..3 {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let barrier = barrier.clone();
                anyrt::spawn(async move { barrier.wait().await.is_leader() })
            })
            .collect();
        let mut leaders = 0;
        for task in tasks {
            leaders += usize::from(within("group", task).await.unwrap());
        }
        assert_eq!(leaders, 1);
    }
}

#[anyrt::test]
async fn waits_until_the_nth_arrives() {
    let barrier = Barrier::new(2);
    let mut first = Box::pin(barrier.wait());
    assert!(poll_once(first.as_mut()).await.is_none());
    assert!(
        poll_once(first.as_mut()).await.is_none(),
        "released with one of two"
    );
    let second = within("second", barrier.wait()).await;
    let first = within("first", first).await;
    assert!(first.is_leader() ^ second.is_leader());
}

#[anyrt::test]
async fn zero_behaves_as_one() {
    let barrier = Barrier::new(0);
    assert!(within("n = 0", barrier.wait()).await.is_leader());
    assert!(within("again", barrier.wait()).await.is_leader());
}

#[anyrt::test]
async fn a_dropped_wait_still_counts_as_arrived() {
    let barrier = Barrier::new(2);
    let mut gone = Box::pin(barrier.wait());
    assert!(poll_once(gone.as_mut()).await.is_none());
    drop(gone);
    // Not cancel-safe: the dropped arrival completes the group.
    let result = poll_once(barrier.wait()).await.expect("released at once");
    assert!(result.is_leader());
}

//! `anyrt::sync::OnceCell` on every backend (SEMANTICS.md, OnceCell).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::sync::{OnceCell, SetError};
use common::within;
use futures_lite::future::poll_once;

#[anyrt::test]
async fn one_initialiser_runs_however_many_tasks_ask() {
    let cell = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (cell, runs) = (cell.clone(), runs.clone());
            anyrt::spawn(async move {
                *cell
                    .get_or_init(|| async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        anyrt::time::sleep(Duration::from_millis(5)).await;
                        i
                    })
                    .await
            })
        })
        .collect();
    let mut values = Vec::new();
    for task in tasks {
        values.push(within("task", task).await.unwrap());
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(values.iter().all(|v| *v == values[0]));
}

#[anyrt::test]
async fn a_cancelled_initialiser_lets_the_next_caller_initialise() {
    let cell = OnceCell::new();
    let mut first = Box::pin(cell.get_or_init(std::future::pending::<u8>));
    assert!(poll_once(first.as_mut()).await.is_none());
    let mut second = Box::pin(cell.get_or_init(|| async { 2 }));
    assert!(
        poll_once(second.as_mut()).await.is_none(),
        "one initialiser at a time"
    );
    assert!(cell.set(9).unwrap_err().is_initializing_err());
    drop(first);
    assert_eq!(*within("second", second).await, 2);
    assert_eq!(cell.get(), Some(&2));
}

#[anyrt::test]
async fn a_failed_initialiser_leaves_the_cell_empty() {
    let cell = OnceCell::new();
    let error = cell.get_or_try_init(|| async { Err::<u8, _>("no") }).await;
    assert_eq!(error, Err("no"));
    assert!(!cell.initialized());
    assert_eq!(
        cell.get_or_try_init(|| async { Ok::<_, ()>(3) }).await,
        Ok(&3)
    );
}

#[anyrt::test]
async fn a_panicking_initialiser_lets_the_next_caller_initialise() {
    let cell = Arc::new(OnceCell::new());
    let task = {
        let cell = cell.clone();
        anyrt::spawn(async move {
            cell.get_or_init(|| async { panic!("init failed") }).await;
        })
    };
    assert!(within("join", task).await.unwrap_err().is_panic());
    assert_eq!(*within("next", cell.get_or_init(|| async { 4 })).await, 4);
}

#[anyrt::test]
async fn set_get_take_and_const_construction() {
    static NAME: OnceCell<&str> = OnceCell::const_new();
    let _ = NAME.set("anyrt");
    assert_eq!(NAME.get(), Some(&"anyrt"));
    let mut cell = OnceCell::new();
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    assert_eq!(
        SetError::AlreadyInitializedError(()).to_string(),
        "the cell is already initialised"
    );
    *cell.get_mut().unwrap() += 1;
    assert_eq!(cell.take(), Some(2));
    assert!(!cell.initialized());
    assert_eq!(OnceCell::const_new_with(5).into_inner(), Some(5));
    assert_eq!(
        format!("{:?}", OnceCell::new_with(Some(1))),
        "OnceCell { value: Some(1) }"
    );
}

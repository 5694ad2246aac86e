//! `anyrt::sync::RwLock`: fair and write-preferring on every backend (SEMANTICS.md, RwLock).

mod common;

use std::sync::Arc;

use anyrt::sync::{OwnedRwLockMappedWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use common::within;
use futures_lite::future::poll_once;

#[anyrt::test]
async fn readers_share_and_a_writer_excludes_everyone() {
    let lock = RwLock::new(1);
    let a = lock.read().await;
    let b = within("second reader", lock.read()).await;
    assert_eq!(*a + *b, 2);
    assert!(lock.try_write().is_err());
    drop((a, b));
    let mut writer = lock.write().await;
    *writer = 5;
    assert_eq!(lock.try_read().unwrap_err().to_string(), "the lock is held");
    assert!(lock.try_write().is_err());
    drop(writer);
    assert_eq!(*lock.try_read().unwrap(), 5);
}

#[anyrt::test]
async fn a_waiting_writer_holds_back_readers_that_come_after_it() {
    let lock = RwLock::new(0);
    let reader = lock.read().await;
    let mut writer = Box::pin(lock.write());
    assert!(
        poll_once(writer.as_mut()).await.is_none(),
        "a reader holds it"
    );
    // The lock is only read-held, but a writer waits: later readers queue behind it.
    assert!(
        lock.try_read().is_err(),
        "a later reader overtook the writer"
    );
    let mut late_reader = Box::pin(lock.read());
    assert!(poll_once(late_reader.as_mut()).await.is_none());
    drop(reader);
    let mut guard = poll_once(writer.as_mut())
        .await
        .expect("the writer is next");
    assert!(poll_once(late_reader.as_mut()).await.is_none());
    *guard = 1;
    drop(guard);
    assert_eq!(*within("late reader", late_reader).await, 1);
}

#[anyrt::test]
async fn waiters_are_served_in_the_order_they_came() {
    let lock = RwLock::new(Vec::new());
    let holder = lock.write().await;
    let mut first_writer = Box::pin(lock.write());
    let mut reader = Box::pin(lock.read());
    let mut second_writer = Box::pin(lock.write());
    assert!(poll_once(first_writer.as_mut()).await.is_none());
    assert!(poll_once(reader.as_mut()).await.is_none());
    assert!(poll_once(second_writer.as_mut()).await.is_none());
    drop(holder);
    assert!(poll_once(second_writer.as_mut()).await.is_none());
    assert!(poll_once(reader.as_mut()).await.is_none());
    poll_once(first_writer.as_mut())
        .await
        .expect("first")
        .push(1);
    let seen = poll_once(reader.as_mut())
        .await
        .expect("then the reader")
        .clone();
    assert_eq!(seen, [1]);
    assert!(poll_once(second_writer.as_mut()).await.is_some());
}

#[anyrt::test]
async fn writers_are_not_starved_by_a_stream_of_readers() {
    let lock = Arc::new(RwLock::new(0u64));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four tasks keep the lock read-held, with overlapping reads.
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (lock, stop) = (lock.clone(), stop.clone());
            anyrt::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _guard = lock.read().await;
                    anyrt::task::yield_now().await;
                }
            })
        })
        .collect();
    for _ in 0..50 {
        *within("a writer among readers", lock.write()).await += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        within("reader", reader).await.unwrap();
    }
    assert_eq!(*lock.read().await, 50);
}

#[anyrt::test]
async fn dropping_a_waiting_writer_lets_the_readers_behind_it_in() {
    let lock = RwLock::new(());
    let reader = lock.read().await;
    let mut writer = Box::pin(lock.write());
    assert!(poll_once(writer.as_mut()).await.is_none());
    assert!(lock.try_read().is_err());
    drop(writer);
    assert!(
        lock.try_read().is_ok(),
        "the cancelled writer still blocks readers"
    );
    drop(reader);
}

#[anyrt::test]
async fn owned_guards_move_into_tasks_and_downgrade_keeps_the_lock() {
    let lock = Arc::new(RwLock::new(String::from("a")));
    let mut writer = lock.clone().write_owned().await;
    let task = anyrt::spawn(async move {
        writer.push('b');
        let reader = writer.downgrade();
        assert_eq!(*reader, "ab");
        reader
    });
    let reader = within("task", task).await.unwrap();
    assert!(Arc::ptr_eq(
        anyrt::sync::OwnedRwLockReadGuard::rwlock(&reader),
        &lock
    ));
    assert!(lock.try_write().is_err(), "downgraded, still held");
    assert_eq!(*lock.clone().try_read_owned().unwrap(), "ab");
    drop(reader);
    assert!(lock.clone().try_write_owned().is_ok());
}

#[anyrt::test]
async fn mapped_guards_keep_their_access() {
    let lock = RwLock::new((1, [2, 3]));
    let second = RwLockReadGuard::map(lock.read().await, |v| &v.1[1]);
    assert_eq!(*second, 3);
    assert!(lock.try_write().is_err());
    drop(second);
    let mut first = RwLockWriteGuard::map(lock.write().await, |v| &mut v.0);
    *first = 10;
    assert!(lock.try_read().is_err());
    drop(first);
    let none = RwLockReadGuard::try_map(lock.read().await, |v| v.1.get(5)).unwrap_err();
    assert_eq!(none.0, 10);
}

#[anyrt::test]
async fn a_panic_while_writing_releases_the_lock_without_poisoning() {
    let lock = Arc::new(RwLock::new(1));
    let task = {
        let lock = lock.clone();
        anyrt::spawn(async move {
            let mut guard = lock.write().await;
            *guard = 2;
            panic!("while writing");
        })
    };
    assert!(within("join", task).await.unwrap_err().is_panic());
    assert_eq!(*within("read after panic", lock.read()).await, 2);
}

#[anyrt::test]
async fn const_new_get_mut_into_inner_and_blocking_access() {
    static COUNT: RwLock<u32> = RwLock::const_new(0);
    *COUNT.write().await += 1;
    assert!(*COUNT.read().await >= 1);
    let mut lock = RwLock::new(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(format!("{lock:?}"), "RwLock { data: [1, 2] }");
    let lock = Arc::new(lock);
    let cloned = lock.clone();
    within(
        "blocking write",
        anyrt::task::spawn_blocking(move || cloned.blocking_write().push(3)),
    )
    .await
    .unwrap();
    let message = common::panic_message_of(|| drop(lock.blocking_read()));
    assert!(
        message.starts_with("anyrt: `RwLock::blocking_read` was called from async code"),
        "{message}"
    );
    let lock = Arc::try_unwrap(lock).unwrap();
    assert_eq!(lock.into_inner(), [1, 2, 3]);
}

#[anyrt::test]
async fn write_guards_map_downgrade_to_a_part_and_turn_into_mapped_guards() {
    use anyrt::sync::OwnedRwLockWriteGuard;
    let lock = Arc::new(RwLock::new((1, vec![2, 3])));
    // Owned, mapped: keeps write access to the part until dropped.
    let mut part = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |v| &mut v.1);
    part.push(4);
    assert!(lock.try_read().is_err());
    let mut part = OwnedRwLockMappedWriteGuard::map(part, |v| &mut v[0]);
    *part = 20;
    assert!(Arc::ptr_eq(
        OwnedRwLockMappedWriteGuard::rwlock(&part),
        &lock
    ));
    drop(part);
    assert_eq!(*lock.read().await, (1, vec![20, 3, 4]));
    // Downgraded to a part: readers come in alongside.
    let first = RwLockWriteGuard::downgrade_map(lock.write().await, |v| &v.0);
    assert_eq!((*first, lock.try_read().unwrap().0), (1, 1));
    drop(first);
    let writer = lock.clone().write_owned().await;
    let writer = OwnedRwLockWriteGuard::try_downgrade_map(writer, |v| v.1.get(9)).unwrap_err();
    let last = OwnedRwLockWriteGuard::try_downgrade_map(writer, |v| v.1.last()).unwrap();
    assert_eq!((*last, lock.try_read().unwrap().0), (4, 1));
    drop(last);
    let mut all = OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
    all.0 = 5;
    drop(all);
    let mut all = RwLockWriteGuard::into_mapped(lock.write().await);
    all.0 += 1;
    drop(all);
    assert_eq!(lock.read().await.0, 6);
}

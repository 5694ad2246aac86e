//! `anyrt::task_local!` and `LocalKey` on every backend (SEMANTICS.md, task-locals).

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::task::{self, AccessError, LocalSet};
use anyrt::time::sleep;
use common::{panic_message_of, within};
use futures_lite::future::poll_once;

anyrt::task_local! {
    static ID: u32;
    pub(crate) static NAME: String;
}

#[anyrt::test]
async fn the_value_is_visible_across_awaits() {
    let seen = ID
        .scope(1, async {
            let mut seen = Vec::new();
            for _ in 0..5 {
                sleep(Duration::from_millis(1)).await;
                task::yield_now().await;
                seen.push(ID.get());
            }
            seen
        })
        .await;
    assert_eq!(seen, [1; 5]);
    assert_eq!(ID.try_get(), Err(AccessError::default_for_test()));
}

/// `AccessError` has no public constructor; get one.
trait DefaultForTest {
    fn default_for_test() -> Self;
}

impl DefaultForTest for AccessError {
    fn default_for_test() -> Self {
        ID.try_get().unwrap_err()
    }
}

#[anyrt::test]
async fn the_value_follows_its_task_to_another_thread() {
    let mut scoped = Box::pin(ID.scope(2, async {
        let before = (std::thread::current().id(), ID.get());
        task::yield_now().await;
        let after = (std::thread::current().id(), ID.get());
        (before, after)
    }));
    assert!(poll_once(scoped.as_mut()).await.is_none());
    // Finish it on a thread of the blocking pool.
    let ((before_thread, before), (after_thread, after)) =
        within("hop", task::spawn_blocking(move || anyrt::block_on(scoped)))
            .await
            .unwrap();
    assert_ne!(
        before_thread, after_thread,
        "the test did not move the task"
    );
    assert_eq!((before, after), (2, 2));
}

#[anyrt::test]
async fn tasks_interleaved_on_one_thread_each_see_their_own_value() {
    let (a, b) = anyrt::join!(
        ID.scope(10, async {
            let mut sum = 0;
            for _ in 0..10 {
                task::yield_now().await;
                sum += ID.get();
            }
            sum
        }),
        ID.scope(20, async {
            let mut sum = 0;
            for _ in 0..10 {
                task::yield_now().await;
                sum += ID.get();
            }
            sum
        }),
    );
    assert_eq!((a, b), (100, 200));
}

#[anyrt::test]
async fn spawned_tasks_and_blocking_closures_do_not_inherit_it() {
    // Each reads the key outside any scope, then inside one of its own: the second read proves
    // that the first ran where task-locals work.
    fn reads() -> (Result<u32, AccessError>, u32) {
        (ID.try_get(), ID.sync_scope(4, || ID.get()))
    }
    ID.scope(3, async {
        let spawned = anyrt::spawn(async { reads() });
        let (outside, inside) = within("spawned", spawned).await.unwrap();
        assert!(outside.is_err(), "{outside:?}");
        assert_eq!(inside, 4);
        let blocking = task::spawn_blocking(reads);
        let (outside, inside) = within("blocking", blocking).await.unwrap();
        assert!(outside.is_err(), "{outside:?}");
        assert_eq!(inside, 4);
        assert_eq!(ID.get(), 3);
    })
    .await;
}

#[anyrt::test]
async fn local_tasks_do_not_inherit_it_from_the_code_driving_their_set() {
    let local = LocalSet::new();
    let (outer, inner) = ID
        .scope(
            4,
            local.run_until(async {
                let inner = task::spawn_local(async { ID.try_get().ok() });
                let inner = within("local task", inner).await.unwrap();
                (ID.get(), inner)
            }),
        )
        .await;
    assert_eq!((outer, inner), (4, None));
    // A scope inside a local task works as anywhere else.
    let inside = local
        .run_until(async {
            task::spawn_local(ID.scope(5, async {
                task::yield_now().await;
                ID.get()
            }))
            .await
        })
        .await
        .unwrap();
    assert_eq!(inside, 5);
}

#[anyrt::test]
async fn an_inner_scope_hides_the_outer_value_until_it_ends() {
    ID.scope(1, async {
        let inner = ID
            .scope(2, async {
                task::yield_now().await;
                ID.get()
            })
            .await;
        assert_eq!(inner, 2);
        assert_eq!(ID.get(), 1);
        assert_eq!(ID.sync_scope(3, || ID.get()), 3);
        assert_eq!(ID.get(), 1);
    })
    .await;
}

#[anyrt::test]
async fn reading_outside_a_scope_fails_with_an_anyrt_message() {
    let error = ID.try_with(|id| *id).unwrap_err();
    assert_eq!(error.to_string(), "task-local value not set");
    let message = panic_message_of(|| ID.get());
    assert!(
        message.starts_with("anyrt: the task-local `ID` was read outside a `scope` that sets it"),
        "{message}"
    );
    let message = panic_message_of(|| ID.with(|_| ID.sync_scope(1, || ())));
    assert!(message.starts_with("anyrt:"), "{message}");
    let message = panic_message_of(|| ID.sync_scope(1, || ID.with(|_| ID.sync_scope(2, || ()))));
    assert!(
        message.starts_with("anyrt: a `scope` of the task-local `ID` was entered inside `with`"),
        "{message}"
    );
}

#[anyrt::test]
async fn a_panic_inside_a_scope_still_restores_the_key() {
    let _ = std::panic::catch_unwind(|| ID.sync_scope(9, || panic!("inside")));
    assert!(ID.try_get().is_err());
    NAME.sync_scope("outer".into(), || {
        let _ = std::panic::catch_unwind(|| NAME.sync_scope("inner".into(), || panic!("inside")));
        assert_eq!(NAME.get(), "outer");
    });
}

/// Reads the key when dropped.
struct ReadOnDrop(Arc<AtomicBool>);

impl Drop for ReadOnDrop {
    fn drop(&mut self) {
        self.0.store(ID.try_get().is_ok(), Ordering::SeqCst);
    }
}

#[anyrt::test]
async fn the_future_is_dropped_inside_its_scope_and_the_value_with_it() {
    // Dropped before completing.
    let saw = Arc::new(AtomicBool::new(false));
    let guard = ReadOnDrop(saw.clone());
    let mut scoped = Box::pin(ID.scope(6, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    assert!(poll_once(scoped.as_mut()).await.is_none());
    drop(scoped);
    assert!(
        saw.load(Ordering::SeqCst),
        "a destructor ran without the value"
    );

    // Completed.
    let saw = Arc::new(AtomicBool::new(false));
    let guard = ReadOnDrop(saw.clone());
    ID.scope(7, async move {
        let _guard = guard;
    })
    .await;
    assert!(saw.load(Ordering::SeqCst));

    // The value goes with the future.
    let dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    anyrt::task_local! {
        static FLAG: Flag;
    }
    let scoped = FLAG.scope(Flag(dropped.clone()), async {});
    assert!(!dropped.get());
    drop(scoped);
    assert!(dropped.get());
}

#[anyrt::test]
async fn a_scope_dropped_inside_with_on_its_key_drops_its_future_without_panicking() {
    let (guard, dropped) = common::DropFlag::new();
    let mut scoped = Box::pin(ID.scope(8, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    assert!(poll_once(scoped.as_mut()).await.is_none());
    // The scope cannot be entered while `with` holds the key's value: the future is dropped
    // outside it, as tokio does, instead of a panic in a destructor.
    let outer = ID.sync_scope(9, || {
        ID.with(|outer| {
            drop(scoped);
            *outer
        })
    });
    assert_eq!(outer, 9);
    assert!(dropped.load(Ordering::SeqCst));
    assert!(ID.try_get().is_err());
}

#[anyrt::test]
async fn take_value_removes_it_from_the_scope() {
    let mut scoped = Box::pin(NAME.scope("taken".into(), async {
        task::yield_now().await;
        NAME.try_get().ok()
    }));
    assert!(poll_once(scoped.as_mut()).await.is_none());
    assert_eq!(scoped.as_mut().take_value().as_deref(), Some("taken"));
    assert_eq!(scoped.await, None);
}

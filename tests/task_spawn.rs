//! `anyrt::spawn` and `JoinHandle`: guarantees 1-3 of the task contract (SEMANTICS.md rows 1-4).

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::task::{self, JoinError};
use anyrt::time::sleep;
use anyrt::Backend;
use common::{
    async_panic_message_of, detach_a_parked_task, eventually, panic_text, spawn_parked_forever,
    within, DropFlag, Occupied,
};

#[anyrt::test]
async fn spawn_returns_the_output() {
    let handle = anyrt::spawn(async { 40 + 2 });
    assert_eq!(within("join", handle).await.unwrap(), 42);
}

#[anyrt::test]
async fn spawned_task_runs_on_the_calling_backend() {
    let backend = Backend::current();
    let handle = anyrt::spawn(async { Backend::current() });
    assert_eq!(handle.backend(), backend);
    assert_eq!(within("join", handle).await.unwrap(), backend);
}

#[anyrt::test]
async fn panic_arrives_as_join_error_with_payload() {
    let error = within("join", anyrt::spawn(async { panic!("boom {}", 7) }))
        .await
        .unwrap_err();
    assert!(error.is_panic());
    assert!(!error.is_cancelled());
    assert_eq!(error.to_string(), "task panicked: boom 7");
    assert_eq!(panic_text(&*error.into_panic()), "boom 7");
}

#[anyrt::test]
async fn runtime_keeps_working_after_a_panic() {
    for _ in 0..20 {
        let _ = anyrt::spawn(async { panic!("expected") }).await;
    }
    let sum = within("join", anyrt::spawn(async { 1 + 1 })).await.unwrap();
    assert_eq!(sum, 2);
}

#[anyrt::test]
async fn panic_payload_of_any_type_is_kept() {
    let error = anyrt::spawn(async { std::panic::panic_any(17_u32) })
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "task panicked");
    assert_eq!(error.into_panic().downcast_ref::<u32>(), Some(&17));
}

#[anyrt::test]
async fn dropping_the_handle_detaches_the_task() {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    drop(anyrt::spawn(async move {
        sleep(Duration::from_millis(20)).await;
        flag.store(true, Ordering::SeqCst);
    }));
    eventually("detached task finishes", || done.load(Ordering::SeqCst)).await;
}

/// A detached task that nothing can ever wake stays parked with what it holds, as on tokio:
/// an executor that keeps no reference to its parked tasks must not let it go (async-task
/// would drop its future, or free it without dropping it).
#[anyrt::test]
async fn a_detached_task_nothing_can_wake_keeps_what_it_holds() {
    // Detached after it parked.
    assert!(
        !detach_a_parked_task().await,
        "a parked task was dropped when its handle was"
    );

    // Detached before its first poll.
    let (handle, _, dropped) = spawn_parked_forever();
    drop(handle);
    sleep(Duration::from_millis(100)).await;
    assert!(
        !dropped.load(Ordering::SeqCst),
        "a task detached before its first poll was dropped"
    );
}

#[anyrt::test]
async fn abort_cancels_and_drops_the_task() {
    let (handle, started, dropped) = spawn_parked_forever();
    eventually("task starts", || started.load(Ordering::SeqCst)).await;
    handle.abort();
    let error = within("join aborted", handle).await.unwrap_err();
    assert!(error.is_cancelled());
    assert!(!error.is_panic());
    assert_eq!(error.to_string(), "task was cancelled");
    // As on tokio: by the time the awaiter hears of the cancellation, the task's future (and
    // whatever it held) is gone.
    assert!(
        dropped.load(Ordering::SeqCst),
        "cancelled, but the task's locals are alive"
    );
}

#[anyrt::test]
async fn abort_before_first_poll_never_runs_the_task() {
    // With every worker thread held, the task waits in the queue: the abort comes before its
    // first poll for certain.
    let workers = Occupied::workers();
    assert!(workers.threads >= 1);
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let (guard, dropped) = DropFlag::new();
    let handle = anyrt::spawn(async move {
        flag.store(true, Ordering::SeqCst);
        drop(guard);
    });
    handle.abort();
    assert!(
        !ran.load(Ordering::SeqCst),
        "ran before the workers were released"
    );
    workers.release().await;
    assert!(within("join", handle).await.unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst), "an aborted task was polled");
    assert!(
        dropped.load(Ordering::SeqCst),
        "the unpolled future was not dropped"
    );
}

#[anyrt::test(except(
    sim = "the task blocks its thread inside a poll, and the simulation has one thread"
))]
async fn an_abort_that_lands_in_the_final_poll_cancels_and_drops_the_output() {
    // The task is inside its last poll (blocked on a channel) when `abort` is called; it then
    // returns its output in that same poll. The abort found it unfinished, so it is cancelled
    // and its output dropped, on every backend.
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
    let (output, dropped) = DropFlag::new();
    let handle = anyrt::spawn(async move {
        started_tx.send(()).unwrap();
        finish_rx.recv().unwrap();
        output
    });
    task::spawn_blocking(move || started_rx.recv().unwrap())
        .await
        .unwrap();
    handle.abort();
    finish_tx.send(()).unwrap();
    let error = within("join", handle).await.unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert!(dropped.load(Ordering::SeqCst), "the output was kept");
}

#[anyrt::test]
async fn abort_is_idempotent() {
    let handle = anyrt::spawn(sleep(Duration::from_secs(3600)));
    handle.abort();
    handle.abort();
    handle.abort();
    assert!(within("join", handle).await.unwrap_err().is_cancelled());
}

#[anyrt::test]
async fn abort_after_completion_keeps_the_output() {
    let handle = anyrt::spawn(async { "finished" });
    eventually("task finishes", || handle.is_finished()).await;
    handle.abort();
    handle.abort();
    assert_eq!(within("join", handle).await.unwrap(), "finished");
}

#[anyrt::test]
async fn is_finished_follows_the_task() {
    let release = Arc::new(AtomicBool::new(false));
    let flag = release.clone();
    let handle = anyrt::spawn(async move {
        while !flag.load(Ordering::SeqCst) {
            sleep(Duration::from_millis(1)).await;
        }
    });
    sleep(Duration::from_millis(10)).await;
    assert!(!handle.is_finished());
    release.store(true, Ordering::SeqCst);
    eventually("task finishes", || handle.is_finished()).await;
    within("join", handle).await.unwrap();
}

#[anyrt::test]
async fn aborted_task_is_finished_once_processed() {
    let handle = anyrt::spawn(sleep(Duration::from_secs(3600)));
    handle.abort();
    eventually("abort processed", || handle.is_finished()).await;
}

#[anyrt::test]
async fn polling_a_handle_after_completion_panics_with_an_anyrt_message() {
    let mut handle = anyrt::spawn(async { 1 });
    assert_eq!((&mut handle).await.unwrap(), 1);
    let message = async_panic_message_of(&mut handle).await;
    assert!(message.starts_with("anyrt: "), "{message}");
}

#[anyrt::test]
async fn many_tasks_all_complete() {
    let counter = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..1000)
        .map(|i| {
            let counter = counter.clone();
            anyrt::spawn(async move {
                task::yield_now().await;
                counter.fetch_add(1, Ordering::SeqCst);
                i * 2
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(within("join", handle).await.unwrap(), i * 2);
    }
    assert_eq!(counter.load(Ordering::SeqCst), 1000);
}

#[anyrt::test(except(
    sim = "awaits another backend's handle, whose wake comes from a thread the simulation does not wait for"
))]
async fn spawn_works_from_a_thread_outside_any_runtime() {
    let handle = std::thread::spawn(|| anyrt::spawn(async { Backend::current() }))
        .join()
        .unwrap();
    // Outside a runtime the default backend (the first compiled) serves the call.
    let expected = Backend::compiled()[0];
    assert_eq!(handle.backend(), expected);
    assert_eq!(within("join", handle).await.unwrap(), expected);
}

#[anyrt::test]
async fn yield_now_lets_other_tasks_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    let handle = anyrt::spawn(async move { set.store(true, Ordering::SeqCst) });
    within("yield loop", async {
        while !flag.load(Ordering::SeqCst) {
            task::yield_now().await;
        }
    })
    .await;
    handle.await.unwrap();
}

/// A task that yields in a loop while its timer comes due (its worker blocked past the deadline
/// first) and while data arrives on its socket: how many yields until each is seen. Always
/// finite; the counts are printed for SEMANTICS.md's row on `yield_now`.
#[anyrt::test(except(
    sim = "virtual time moves only when nothing can run: a task yielding in a loop keeps it still"
))]
async fn a_task_yielding_in_a_loop_still_sees_its_due_timer_and_ready_socket() {
    use futures_lite::future::poll_once;
    use futures_lite::AsyncReadExt;
    let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counts = within(
        "yield loops",
        anyrt::spawn(async move {
            let mut timer = Box::pin(sleep(Duration::from_millis(2)));
            assert!(poll_once(timer.as_mut()).await.is_none());
            std::thread::sleep(Duration::from_millis(5));
            let mut timer_yields = 0u32;
            while poll_once(timer.as_mut()).await.is_none() {
                task::yield_now().await;
                timer_yields += 1;
            }

            let mut peer = std::net::TcpStream::connect(addr).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1];
            let mut read = Box::pin(async move { stream.read(&mut buf).await });
            assert!(poll_once(read.as_mut()).await.is_none());
            std::io::Write::write_all(&mut peer, b"x").unwrap();
            std::thread::sleep(Duration::from_millis(5));
            let mut io_yields = 0u32;
            while poll_once(read.as_mut()).await.is_none() {
                task::yield_now().await;
                io_yields += 1;
            }
            (timer_yields, io_yields)
        }),
    )
    .await
    .unwrap();
    eprintln!(
        "yield_now on {}: a due timer seen after {} yields, a ready socket after {}",
        Backend::current(),
        counts.0,
        counts.1
    );
}

#[anyrt::test]
async fn join_error_converts_to_io_error() {
    let error: JoinError = anyrt::spawn(async { panic!("io") }).await.unwrap_err();
    let io: std::io::Error = error.into();
    assert_eq!(io.kind(), std::io::ErrorKind::Other);
    assert_eq!(io.to_string(), "task panicked: io");
}

#[anyrt::test]
async fn join_error_try_into_panic_gives_back_a_cancelled_error() {
    let handle = anyrt::spawn(sleep(Duration::from_secs(3600)));
    handle.abort();
    let error = handle.await.unwrap_err();
    let error = error.try_into_panic().unwrap_err();
    assert!(error.is_cancelled());
    assert_eq!(format!("{error:?}"), "JoinError::Cancelled");
}

#[anyrt::test]
async fn handle_and_error_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let handle = anyrt::spawn(async { 1 });
    assert_send_sync(&handle);
    let error = anyrt::spawn(async { panic!("x") }).await.unwrap_err();
    assert_send_sync(&error);
    handle.await.unwrap();
}

/// A future that completes, then panics when dropped.
struct PanicsWhenDropped;

impl std::future::Future for PanicsWhenDropped {
    type Output = u8;

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<u8> {
        std::task::Poll::Ready(1)
    }
}

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("dropped");
    }
}

#[anyrt::test]
async fn a_panic_while_dropping_the_finished_future_is_the_tasks_panic() {
    let error = within("join", anyrt::spawn(PanicsWhenDropped))
        .await
        .unwrap_err();
    assert!(error.is_panic());
    assert_eq!(panic_text(&*error.into_panic()), "dropped");
    assert_eq!(within("join", anyrt::spawn(async { 2 })).await.unwrap(), 2);
}

#[anyrt::test]
async fn aborted_handle_reports_finished_then_cancelled() {
    let handle = anyrt::spawn(sleep(Duration::from_secs(3600)));
    handle.abort();
    eventually("abort processed", || handle.is_finished()).await;
    assert!(handle.is_finished(), "a finished task stays finished");
    handle.abort();
    assert!(within("join", handle).await.unwrap_err().is_cancelled());
}

/// Holds a value whose destructor panics, and never finishes.
async fn panics_when_aborted(started: Arc<AtomicUsize>) {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("dropped while cancelled");
        }
    }
    let _value = PanicOnDrop;
    started.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_secs(3600)).await;
}

#[anyrt::test]
async fn a_panic_while_dropping_an_aborted_task_stays_in_that_task() {
    // More tasks than any backend has worker threads, so a destructor panic that killed its
    // worker would leave no worker for the task spawned after.
    const TASKS: usize = 8;
    let started = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..TASKS)
        .map(|_| anyrt::spawn(panics_when_aborted(started.clone())))
        .collect();
    eventually("tasks start", || started.load(Ordering::SeqCst) == TASKS).await;
    for handle in handles {
        handle.abort();
        // The panic goes with the cancelled task: natively tokio would report it instead.
        let error = within("join aborted", handle).await.unwrap_err();
        assert!(error.is_cancelled(), "{error:?}");
    }
    assert_eq!(within("join", anyrt::spawn(async { 3 })).await.unwrap(), 3);
}

#[anyrt::test]
async fn abort_wakes_an_awaiter_that_polls_through_a_shared_handle() {
    // One task drives the handle through a mutex (as a set of handles polled by one task
    // would), another aborts it: the driver must still hear of the cancellation.
    let handle = Arc::new(std::sync::Mutex::new(anyrt::spawn(sleep(
        Duration::from_secs(3600),
    ))));
    let polled = Arc::new(AtomicBool::new(false));
    let (shared, flag) = (handle.clone(), polled.clone());
    let driver = anyrt::spawn(std::future::poll_fn(move |cx| {
        let poll = std::future::Future::poll(std::pin::Pin::new(&mut *shared.lock().unwrap()), cx);
        flag.store(true, Ordering::SeqCst);
        poll
    }));
    eventually("driver polls the handle", || polled.load(Ordering::SeqCst)).await;
    handle.lock().unwrap().abort();
    let result = within("driver", driver).await.unwrap();
    assert!(result.unwrap_err().is_cancelled());
}

#[anyrt::test]
async fn a_handle_polled_to_completion_stays_finished() {
    let mut handle = anyrt::spawn(async { 5 });
    let output = within(
        "join",
        std::future::poll_fn(|cx| std::future::Future::poll(std::pin::Pin::new(&mut handle), cx)),
    )
    .await;
    assert_eq!(output.unwrap(), 5);
    // The handle gave its result away; it still answers, and abort does nothing.
    assert!(handle.is_finished());
    handle.abort();
    assert!(handle.is_finished());
    assert_eq!(handle.backend(), Backend::current());
    let debug = format!("{handle:?}");
    assert!(debug.contains("finished: true"), "{debug}");
}

//! `anyrt::custom`: the task contract, timers, sockets, sync types, `select!` and `JoinSet` on
//! two executors nobody here wrote, plugged in through `custom::Executor` (SEMANTICS.md,
//! "Custom executors").
//!
//! - `thread_pool`: `futures`' `ThreadPool` (futures-executor), two threads; anyrt's default
//!   `block_on` (park the caller) and blocking pool (the default backend's);
//! - `async_executor`: a bare `async_executor::Executor`, run by two threads of this test's own;
//!   its `block_on` runs the executor on the calling thread too, and its blocking closures go to
//!   one thread of its own.
//!
//! Each test body runs once on each (`name::thread_pool`, `name::async_executor`), as tokio's
//! `rt_common.rs` runs one body on each runtime flavour. Timers and sockets come from the
//! default backend of the build (tokio, or async-io under async-std and smol): CI runs this file
//! in every feature set.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyrt::custom::{Executor, Refused, Runnable, Runtime};
use anyrt::task::JoinSet;
use anyrt::time::sleep;
use anyrt::Backend;
use common::{
    async_panic_message_of, detach_a_parked_task, eventually, panic_message_of, panic_text,
    spawn_parked_forever, within, DropFlag, Gate, Occupied,
};

thread_local! {
    /// Which test executor runs tasks on this thread: set on its workers, and by the bare
    /// executor's `block_on` while it runs.
    static RUNS_TASKS_OF: Cell<&'static str> = const { Cell::new("") };
}

/// `futures`' thread pool: each runnable becomes one of its tasks.
struct FuturesPool(futures_executor::ThreadPool);

impl Executor for FuturesPool {
    fn schedule(&self, runnable: Runnable) {
        self.0.spawn_ok(async move {
            runnable.run();
        });
    }
}

/// A bare async-executor, run by threads of the test's own, with one thread of its own for
/// blocking closures.
struct BareExecutor {
    executor: Arc<async_executor::Executor<'static>>,
    blocking: Mutex<mpsc::Sender<Runnable>>,
}

impl Executor for BareExecutor {
    fn schedule(&self, runnable: Runnable) {
        self.executor
            .spawn(async move {
                runnable.run();
            })
            .detach();
    }

    fn spawn_blocking(&self, runnable: Runnable) {
        // If the thread is gone, the runnable is dropped, and its task cancelled.
        let _ = self.blocking.lock().unwrap().send(runnable);
    }

    fn block_on(&self, future: Pin<&mut (dyn Future<Output = ()> + '_)>) -> Result<(), Refused> {
        // The calling thread runs tasks too while it waits.
        let outer = RUNS_TASKS_OF.replace("bare");
        futures_lite::future::block_on(self.executor.run(future));
        RUNS_TASKS_OF.set(outer);
        Ok(())
    }
}

/// One of the two executors, with what the tests need to know of it.
#[derive(Clone)]
struct TestExecutor {
    runtime: Runtime,
    /// Its name in `RUNS_TASKS_OF`.
    name: &'static str,
    /// How many of them there are.
    worker_count: usize,
    /// The name prefix of its blocking threads; `None` for the default backend's pool.
    blocking: Option<&'static str>,
}

const WORKERS: usize = 2;

impl TestExecutor {
    fn thread_pool() -> TestExecutor {
        let pool = futures_executor::ThreadPool::builder()
            .pool_size(WORKERS)
            .after_start(|_| RUNS_TASKS_OF.set("pool"))
            .create()
            .expect("start a futures ThreadPool");
        TestExecutor {
            runtime: Runtime::new(FuturesPool(pool)),
            name: "pool",
            worker_count: WORKERS,
            blocking: None,
        }
    }

    fn async_executor() -> TestExecutor {
        let executor = Arc::new(async_executor::Executor::new());
        for i in 0..WORKERS {
            let executor = executor.clone();
            std::thread::Builder::new()
                .name(format!("bare-worker-{i}"))
                .spawn(move || {
                    RUNS_TASKS_OF.set("bare");
                    futures_lite::future::block_on(
                        executor.run(futures_lite::future::pending::<()>()),
                    )
                })
                .unwrap();
        }
        let (sender, receiver) = mpsc::channel::<Runnable>();
        std::thread::Builder::new()
            .name("bare-blocking".into())
            .spawn(move || {
                for runnable in receiver {
                    runnable.run();
                }
            })
            .unwrap();
        TestExecutor {
            runtime: Runtime::new(BareExecutor {
                executor,
                blocking: Mutex::new(sender),
            }),
            name: "bare",
            worker_count: WORKERS,
            blocking: Some("bare-blocking"),
        }
    }

    /// Whether the calling thread runs this executor's tasks.
    fn on_worker(&self) -> bool {
        RUNS_TASKS_OF.get() == self.name
    }
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_string()
}

/// Runs `test` inside `executor`'s `block_on`.
fn run<F: Future>(executor: TestExecutor, test: impl FnOnce(TestExecutor) -> F) -> F::Output {
    let runtime = executor.runtime.clone();
    runtime.block_on(test(executor))
}

/// One `#[test]` per executor for each `async fn name(executor: TestExecutor)` named.
macro_rules! on_each_executor {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn thread_pool() {
                super::run(super::TestExecutor::thread_pool(), super::$name)
            }

            #[test]
            fn async_executor() {
                super::run(super::TestExecutor::async_executor(), super::$name)
            }
        }
    )*};
}

on_each_executor!(
    every_call_inside_its_tasks_is_served_by_the_executor,
    spawn_returns_the_output_and_runs_on_the_executors_threads,
    panic_arrives_as_join_error_and_the_executor_keeps_working,
    dropping_the_handle_detaches_the_task,
    a_detached_task_nothing_can_wake_keeps_what_it_holds,
    abort_cancels_and_drops_the_task,
    abort_before_first_poll_never_runs_the_task,
    abort_after_completion_keeps_the_output_and_abort_is_idempotent,
    an_abort_that_lands_in_the_final_poll_cancels_and_drops_the_output,
    abort_handle_aborts_a_detached_task,
    spawn_blocking_runs_on_the_blocking_pool_and_keeps_the_contract,
    a_blocking_closure_aborted_before_it_starts_never_runs,
    block_on_panics_in_tasks_and_works_in_blocking_closures,
    timers_sleep_timeout_and_interval,
    tcp_echo_between_tasks,
    udp_round_trip,
    sync_types_between_tasks,
    select_and_join_set,
    yield_now_lets_other_tasks_run,
    spawned_tasks_do_not_inherit_task_locals,
    runtime_spawn_works_from_any_thread,
);

async fn every_call_inside_its_tasks_is_served_by_the_executor(executor: TestExecutor) {
    // The `block_on` future, a task, a task spawned by a task, a blocking closure and a task
    // spawned from a blocking closure.
    assert_eq!(Backend::current(), Backend::Custom);
    let task = anyrt::spawn(async {
        let nested = anyrt::spawn(async { Backend::current() });
        let blocking = anyrt::task::spawn_blocking(|| {
            let from_blocking = anyrt::spawn(async { Backend::current() });
            (Backend::current(), from_blocking)
        });
        let (in_blocking, from_blocking) = blocking.await.unwrap();
        (
            Backend::current(),
            nested.backend(),
            nested.await.unwrap(),
            in_blocking,
            from_blocking.await.unwrap(),
        )
    });
    assert_eq!(task.backend(), Backend::Custom);
    let seen = within("join", task).await.unwrap();
    assert_eq!(
        seen,
        (
            Backend::Custom,
            Backend::Custom,
            Backend::Custom,
            Backend::Custom,
            Backend::Custom
        )
    );
    // Local tasks (a `LocalSet` is not `Send`: driven by `block_on_local` in a blocking
    // closure, which blocks on the executor) are served by it too.
    let local = anyrt::task::spawn_blocking(|| {
        anyrt::task::block_on_local(async {
            let rc = std::rc::Rc::new(Backend::current());
            let task = anyrt::task::spawn_local(async move { (*rc, Backend::current()) });
            (task.backend(), task.await.unwrap())
        })
    });
    let expected = (Backend::Custom, (Backend::Custom, Backend::Custom));
    assert_eq!(within("local", local).await.unwrap(), expected);
    // Outside, on a plain thread, the default backend serves again.
    let outside = std::thread::spawn(Backend::current).join().unwrap();
    assert_eq!(outside, Backend::compiled()[0]);
    drop(executor);
}

async fn spawn_returns_the_output_and_runs_on_the_executors_threads(executor: TestExecutor) {
    let on_worker = {
        let executor = executor.clone();
        move || executor.on_worker()
    };
    let (check, check_nested) = (on_worker.clone(), on_worker);
    let task = anyrt::spawn(async move {
        let nested = anyrt::spawn(async move { check_nested() });
        (check(), nested.await.unwrap(), 40 + 2)
    });
    assert_eq!(within("join", task).await.unwrap(), (true, true, 42));
    let many: Vec<_> = (0..1000)
        .map(|i| anyrt::spawn(async move { i * 2 }))
        .collect();
    for (i, task) in many.into_iter().enumerate() {
        assert_eq!(within("join", task).await.unwrap(), i * 2);
    }
}

async fn panic_arrives_as_join_error_and_the_executor_keeps_working(executor: TestExecutor) {
    // More panicking tasks than workers: a panic that killed its worker would leave none.
    for i in 0..(executor.worker_count * 4) {
        let error = within("join", anyrt::spawn(async move { panic!("boom {i}") }))
            .await
            .unwrap_err();
        assert!(error.is_panic() && !error.is_cancelled());
        assert_eq!(error.to_string(), format!("task panicked: boom {i}"));
        assert_eq!(panic_text(&*error.into_panic()), format!("boom {i}"));
    }
    assert_eq!(within("join", anyrt::spawn(async { 3 })).await.unwrap(), 3);
}

async fn dropping_the_handle_detaches_the_task(_: TestExecutor) {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    drop(anyrt::spawn(async move {
        sleep(Duration::from_millis(20)).await;
        flag.store(true, Ordering::SeqCst);
    }));
    eventually("detached task finishes", || done.load(Ordering::SeqCst)).await;
}

async fn a_detached_task_nothing_can_wake_keeps_what_it_holds(_: TestExecutor) {
    // Neither test executor keeps a reference to a parked task (each runnable is run once and
    // let go), so nothing but anyrt holds a task parked on a future that never wakes it.
    assert!(
        !detach_a_parked_task().await,
        "a parked task was dropped when its handle was"
    );
}

async fn abort_cancels_and_drops_the_task(_: TestExecutor) {
    let (task, started, dropped) = spawn_parked_forever();
    eventually("task starts", || started.load(Ordering::SeqCst)).await;
    task.abort();
    let error = within("join aborted", task).await.unwrap_err();
    assert!(error.is_cancelled() && !error.is_panic());
    assert!(
        dropped.load(Ordering::SeqCst),
        "cancelled, but the task's locals are alive"
    );
}

async fn abort_before_first_poll_never_runs_the_task(executor: TestExecutor) {
    // With every worker held, the task waits in the executor's queue: the abort comes before
    // its first poll for certain.
    let workers = Occupied::workers();
    assert_eq!(workers.threads, executor.worker_count);
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let (guard, dropped) = DropFlag::new();
    let task = anyrt::spawn(async move {
        flag.store(true, Ordering::SeqCst);
        drop(guard);
    });
    task.abort();
    workers.release().await;
    assert!(within("join", task).await.unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst), "an aborted task was polled");
    assert!(
        dropped.load(Ordering::SeqCst),
        "the unpolled future was not dropped"
    );
}

async fn abort_after_completion_keeps_the_output_and_abort_is_idempotent(_: TestExecutor) {
    let task = anyrt::spawn(async { "finished" });
    eventually("task finishes", || task.is_finished()).await;
    task.abort();
    task.abort();
    assert_eq!(within("join", task).await.unwrap(), "finished");

    let task = anyrt::spawn(sleep(Duration::from_secs(3600)));
    task.abort();
    task.abort();
    eventually("abort processed", || task.is_finished()).await;
    assert!(within("join", task).await.unwrap_err().is_cancelled());

    let mut task = anyrt::spawn(async { 1 });
    assert_eq!((&mut task).await.unwrap(), 1);
    let message = async_panic_message_of(&mut task).await;
    assert!(message.starts_with("anyrt: "), "{message}");
}

async fn an_abort_that_lands_in_the_final_poll_cancels_and_drops_the_output(_: TestExecutor) {
    // In a task of its own: the task below blocks the thread it runs on until this code lets it
    // go, and the bare executor's `block_on` thread runs tasks too.
    within("test task", anyrt::spawn(abort_in_the_final_poll()))
        .await
        .unwrap();
}

async fn abort_in_the_final_poll() {
    let (started_tx, started_rx) = mpsc::channel();
    let (finish_tx, finish_rx) = mpsc::channel::<()>();
    let (output, dropped) = DropFlag::new();
    let task = anyrt::spawn(async move {
        started_tx.send(()).unwrap();
        finish_rx.recv().unwrap();
        output
    });
    anyrt::task::spawn_blocking(move || started_rx.recv().unwrap())
        .await
        .unwrap();
    task.abort();
    finish_tx.send(()).unwrap();
    let error = within("join", task).await.unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert!(dropped.load(Ordering::SeqCst), "the output was kept");
}

async fn abort_handle_aborts_a_detached_task(_: TestExecutor) {
    let (guard, dropped) = DropFlag::new();
    let task = anyrt::spawn(async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    });
    let abort = task.abort_handle();
    drop(task);
    assert!(!abort.is_finished());
    std::thread::spawn(move || abort.abort()).join().unwrap();
    eventually("the detached task is dropped", || {
        dropped.load(Ordering::SeqCst)
    })
    .await;
}

async fn spawn_blocking_runs_on_the_blocking_pool_and_keeps_the_contract(executor: TestExecutor) {
    let checked = executor.clone();
    let (thread, on_worker) = within(
        "blocking closure",
        anyrt::task::spawn_blocking(move || (thread_name(), checked.on_worker())),
    )
    .await
    .unwrap();
    assert!(!on_worker, "ran on a worker: {thread}");
    if let Some(blocking) = executor.blocking {
        assert!(
            thread.starts_with(blocking),
            "not on the executor's pool: {thread}"
        );
    }
    let error = within(
        "panicking closure",
        anyrt::task::spawn_blocking(|| panic!("blocking boom")),
    )
    .await
    .unwrap_err();
    assert_eq!(panic_text(&*error.into_panic()), "blocking boom");

    // A started closure is not interrupted by an abort, and keeps its result.
    let gate = Arc::new(Gate::default());
    let started = Arc::new(AtomicBool::new(false));
    let (job_gate, flag) = (gate.clone(), started.clone());
    let task = anyrt::task::spawn_blocking(move || {
        flag.store(true, Ordering::SeqCst);
        job_gate.wait();
        "kept"
    });
    eventually("closure starts", || started.load(Ordering::SeqCst)).await;
    task.abort();
    gate.open();
    assert_eq!(within("join", task).await.unwrap(), "kept");

    // A dropped handle detaches the closure.
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    drop(anyrt::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(20));
        flag.store(true, Ordering::SeqCst);
    }));
    eventually("detached closure finishes", || done.load(Ordering::SeqCst)).await;
}

async fn a_blocking_closure_aborted_before_it_starts_never_runs(executor: TestExecutor) {
    if executor.blocking.is_none() {
        // The default backend's pool: `task_blocking::a_closure_aborted_before_it_starts_never_runs`
        // holds its every thread (512 on tokio); this executor adds nothing to it.
        return;
    }
    let pool = Occupied::blocking_pool();
    assert_eq!(pool.threads, 1);
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let task = anyrt::task::spawn_blocking(move || flag.store(true, Ordering::SeqCst));
    task.abort();
    pool.release().await;
    assert!(within("join", task).await.unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst), "an aborted closure ran");
}

async fn block_on_panics_in_tasks_and_works_in_blocking_closures(_: TestExecutor) {
    let message = within(
        "join",
        anyrt::spawn(async { panic_message_of(|| anyrt::block_on(async {})) }),
    )
    .await
    .unwrap();
    assert!(
        message.starts_with("anyrt: `block_on` was called from async code"),
        "{message}"
    );
    let message = panic_message_of(|| Backend::Custom.block_on(async {}));
    assert!(
        message.starts_with("anyrt: `block_on` was called from async code"),
        "{message}"
    );
    let error = within(
        "join",
        anyrt::spawn(async { *anyrt::sync::Mutex::new(0).blocking_lock() }),
    )
    .await
    .unwrap_err();
    assert!(panic_text(&*error.into_panic()).starts_with("anyrt: "));

    // In a blocking closure, `block_on` runs on the executor serving it, and tasks spawned
    // inside go to that executor.
    let (backend, spawned) = within(
        "blocking closure",
        anyrt::task::spawn_blocking(|| {
            anyrt::block_on(async {
                let task = anyrt::spawn(async { Backend::current() });
                (Backend::current(), task.await.unwrap())
            })
        }),
    )
    .await
    .unwrap();
    assert_eq!((backend, spawned), (Backend::Custom, Backend::Custom));
}

async fn timers_sleep_timeout_and_interval(_: TestExecutor) {
    let start = Instant::now();
    within("sleep", sleep(Duration::from_millis(30))).await;
    assert!(start.elapsed() >= Duration::from_millis(30));

    let zero = std::pin::pin!(sleep(Duration::ZERO));
    assert!(futures_lite::future::poll_once(zero).await.is_some());

    let (guard, dropped) = DropFlag::new();
    let slow = async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    };
    let elapsed = within(
        "timeout",
        anyrt::time::timeout(Duration::from_millis(10), slow),
    )
    .await;
    assert!(elapsed.is_err());
    assert!(
        dropped.load(Ordering::SeqCst),
        "the timed-out future is alive"
    );
    let ready = anyrt::time::timeout(Duration::ZERO, async { 7 }).await;
    assert_eq!(ready.unwrap(), 7);

    let mut interval = anyrt::time::interval(Duration::from_secs(3600));
    let first = std::pin::pin!(interval.tick());
    assert!(
        futures_lite::future::poll_once(first).await.is_some(),
        "an interval's first tick is immediate"
    );

    // A sleep in a task of the executor, on one of its threads.
    let task = anyrt::spawn(async {
        let start = Instant::now();
        sleep(Duration::from_millis(20)).await;
        start.elapsed()
    });
    assert!(within("join", task).await.unwrap() >= Duration::from_millis(20));
}

async fn tcp_echo_between_tasks(_: TestExecutor) {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = anyrt::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await.unwrap();
        stream.write_all(&buf).await.unwrap();
        stream.close().await.unwrap();
    });
    let client = anyrt::spawn(async move {
        let mut stream = anyrt::net::TcpStream::connect(addr).await.unwrap();
        let message = vec![7u8; 256 * 1024];
        stream.write_all(&message).await.unwrap();
        stream.shutdown().await.unwrap();
        let mut echo = Vec::new();
        stream.read_to_end(&mut echo).await.unwrap();
        echo == message
    });
    assert!(within("client", client).await.unwrap(), "the echo differs");
    within("server", server).await.unwrap();
}

async fn udp_round_trip(_: TestExecutor) {
    let a = anyrt::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = anyrt::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let a_addr = a.local_addr().unwrap();
    let b_addr = b.local_addr().unwrap();
    let echo = anyrt::spawn(async move {
        let mut buf = [0u8; 64];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        b.send_to(&buf[..n], from).await.unwrap();
    });
    a.send_to(b"ping over udp", b_addr).await.unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = within("echo", a.recv_from(&mut buf)).await.unwrap();
    assert_eq!((&buf[..n], from), (&b"ping over udp"[..], b_addr));
    within("echo task", echo).await.unwrap();
    // Connected sockets too.
    let b = anyrt::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    b.connect(a_addr).await.unwrap();
    b.send(b"connected").await.unwrap();
    let (n, _) = within("recv", a.recv_from(&mut buf)).await.unwrap();
    assert_eq!(&buf[..n], b"connected");
}

async fn sync_types_between_tasks(_: TestExecutor) {
    // A fair mutex across tasks on several threads, a bounded channel, a oneshot and Notify.
    let counter = Arc::new(anyrt::sync::Mutex::new(0u32));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let counter = counter.clone();
            anyrt::spawn(async move {
                for _ in 0..100 {
                    let mut value = counter.lock().await;
                    anyrt::task::yield_now().await;
                    *value += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        within("contender", task).await.unwrap();
    }
    assert_eq!(*counter.lock().await, 800);

    let (tx, mut rx) = anyrt::sync::mpsc::channel(4);
    let producer = anyrt::spawn(async move {
        for i in 0..100u32 {
            tx.send(i).await.unwrap();
        }
    });
    let mut sum = 0;
    while let Some(i) = within("recv", rx.recv()).await {
        sum += i;
    }
    assert_eq!(sum, 4950);
    within("producer", producer).await.unwrap();

    let (tx, rx) = anyrt::sync::oneshot::channel();
    let notify = Arc::new(anyrt::sync::Notify::new());
    let waiter = {
        let notify = notify.clone();
        anyrt::spawn(async move {
            notify.notified().await;
            tx.send("notified").unwrap();
        })
    };
    notify.notify_one();
    assert_eq!(within("oneshot", rx).await.unwrap(), "notified");
    within("waiter", waiter).await.unwrap();
}

async fn select_and_join_set(_: TestExecutor) {
    let mut set = JoinSet::new();
    for (i, ms) in [(0u32, 60u64), (1, 5), (2, 30)] {
        set.spawn(async move {
            sleep(Duration::from_millis(ms)).await;
            (i, Backend::current())
        });
    }
    let mut order = Vec::new();
    while let Some(result) = within("join_next", set.join_next()).await {
        let (i, backend) = result.unwrap();
        assert_eq!(backend, Backend::Custom);
        order.push(i);
    }
    assert_eq!(order, [1, 2, 0]);

    // Dropping the set aborts its tasks on the executor.
    let (guard, dropped) = DropFlag::new();
    let mut set = JoinSet::new();
    set.spawn(async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    });
    drop(set);
    eventually("the set's task is dropped", || {
        dropped.load(Ordering::SeqCst)
    })
    .await;

    // The losing branch of a `select!` is dropped before the handler runs.
    let (guard, dropped) = DropFlag::new();
    let slow = async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    };
    let winner = anyrt::select! {
        _ = slow => "slow",
        _ = sleep(Duration::from_millis(5)) => {
            assert!(dropped.load(Ordering::SeqCst), "the losing branch is alive");
            "fast"
        }
    };
    assert_eq!(winner, "fast");
}

async fn yield_now_lets_other_tasks_run(executor: TestExecutor) {
    // Fewer workers than tasks: with all of them yielding in a loop, each must get turns.
    let turns = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..executor.worker_count * 2)
        .map(|_| {
            let turns = turns.clone();
            anyrt::spawn(async move {
                for _ in 0..50 {
                    turns.fetch_add(1, Ordering::SeqCst);
                    anyrt::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        within("yielding task", task).await.unwrap();
    }
    assert_eq!(turns.load(Ordering::SeqCst), executor.worker_count * 2 * 50);
}

anyrt::task_local! {
    static REQUEST: u32;
}

async fn spawned_tasks_do_not_inherit_task_locals(_: TestExecutor) {
    let (inside, spawned) = REQUEST
        .scope(7, async {
            let spawned = anyrt::spawn(async { REQUEST.try_get().ok() });
            (REQUEST.get(), spawned.await.unwrap())
        })
        .await;
    assert_eq!((inside, spawned), (7, None));
}

async fn runtime_spawn_works_from_any_thread(executor: TestExecutor) {
    let runtime = executor.runtime.clone();
    let task = std::thread::spawn(move || {
        // A plain thread, outside any runtime: the task still goes to the executor.
        runtime.spawn(async { Backend::current() })
    })
    .join()
    .unwrap();
    assert_eq!(task.backend(), Backend::Custom);
    assert_eq!(within("join", task).await.unwrap(), Backend::Custom);
    let blocking = executor.runtime.spawn_blocking(Backend::current);
    assert_eq!(within("join", blocking).await.unwrap(), Backend::Custom);
}

// What is not a conformance behaviour but the custom backend's own: refusals, misbehaving
// executors, nesting.

/// Refuses `block_on`, as an executor that cannot block a thread would.
struct Refuses(FuturesPool);

impl Executor for Refuses {
    fn schedule(&self, runnable: Runnable) {
        self.0.schedule(runnable);
    }

    fn block_on(&self, _: Pin<&mut (dyn Future<Output = ()> + '_)>) -> Result<(), Refused> {
        Err(Refused::new("it runs a GUI's main loop"))
    }
}

fn futures_pool() -> FuturesPool {
    FuturesPool(
        futures_executor::ThreadPool::builder()
            .pool_size(1)
            .create()
            .unwrap(),
    )
}

#[test]
fn a_refused_block_on_panics_with_an_anyrt_message_naming_the_reason() {
    let runtime = Runtime::new(Refuses(futures_pool()));
    let message = panic_message_of(|| runtime.block_on(async {}));
    assert!(
        message.starts_with(
            "anyrt: this custom executor does not run `block_on` (it runs a GUI's main loop)"
        ),
        "{message}"
    );
    // Its tasks still run, spawned from outside.
    let task = runtime.spawn(async { Backend::current() });
    assert_eq!(anyrt::block_on(task).unwrap(), Backend::Custom);
}

/// Returns from `block_on` without polling the future to completion.
struct GivesUp(FuturesPool);

impl Executor for GivesUp {
    fn schedule(&self, runnable: Runnable) {
        self.0.schedule(runnable);
    }

    fn block_on(&self, _: Pin<&mut (dyn Future<Output = ()> + '_)>) -> Result<(), Refused> {
        Ok(())
    }
}

#[test]
fn a_block_on_that_returns_early_panics_instead_of_inventing_an_output() {
    let runtime = Runtime::new(GivesUp(futures_pool()));
    let message = panic_message_of(|| runtime.block_on(async { 1 }));
    assert!(
        message.starts_with(
            "anyrt: the custom executor's `block_on` returned before its future completed"
        ),
        "{message}"
    );
}

/// Drops every runnable: an executor that has shut down.
struct ShutDown;

impl Executor for ShutDown {
    fn schedule(&self, runnable: Runnable) {
        drop(runnable);
    }

    fn spawn_blocking(&self, runnable: Runnable) {
        drop(runnable);
    }
}

#[test]
fn an_executor_that_drops_its_runnables_cancels_their_tasks() {
    let runtime = Runtime::new(ShutDown);
    let (guard, dropped) = DropFlag::new();
    let task = runtime.spawn(async move {
        let _guard = guard;
    });
    assert!(
        dropped.load(Ordering::SeqCst),
        "the future outlived its runnable"
    );
    assert!(anyrt::block_on(task).unwrap_err().is_cancelled());
    let mut blocking = runtime.spawn_blocking(|| 1);
    assert!(anyrt::block_on(&mut blocking).unwrap_err().is_cancelled());
    // After its result the handle is finished, for itself and for an `AbortHandle`, although
    // the closure never ran to say so.
    assert!(blocking.is_finished());
    assert!(blocking.abort_handle().is_finished());
}

/// Panics in `schedule` from its second call on: a broken executor.
struct PanicsOnWake(FuturesPool, AtomicUsize);

impl Executor for PanicsOnWake {
    fn schedule(&self, runnable: Runnable) {
        if self.1.fetch_add(1, Ordering::SeqCst) > 0 {
            panic!("schedule is broken");
        }
        self.0.schedule(runnable);
    }
}

#[test]
fn a_panic_in_schedule_cancels_the_task_and_spares_the_thread_that_woke_it() {
    let runtime = Runtime::new(PanicsOnWake(futures_pool(), AtomicUsize::new(0)));
    let (guard, dropped) = DropFlag::new();
    let (tx, rx) = anyrt::sync::oneshot::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    let task = runtime.spawn(async move {
        let _guard = guard;
        let mut rx = std::pin::pin!(rx);
        // Says so only once the oneshot holds its waker: a send before that would complete the
        // task at its next poll, with no wake-up at all.
        let _ = std::future::poll_fn(|cx| {
            let received = rx.as_mut().poll(cx);
            if received.is_pending() {
                let _ = started_tx.send(());
            }
            received
        })
        .await;
    });
    started_rx.recv().unwrap();
    // The wake-up calls `schedule`, which panics, on this thread: it must come back here.
    let waker = std::thread::spawn(move || tx.send(()).is_ok());
    assert!(waker.join().expect("the panic reached the waking thread"));
    assert!(anyrt::block_on(task).unwrap_err().is_cancelled());
    assert!(dropped.load(Ordering::SeqCst), "the task's future is alive");
    // At spawn too: the handle reports a cancellation.
    let task = runtime.spawn(async {});
    assert!(anyrt::block_on(task).unwrap_err().is_cancelled());
}

#[test]
fn backend_custom_block_on_outside_a_custom_executor_panics_with_an_anyrt_message() {
    let message = panic_message_of(|| Backend::Custom.block_on(async {}));
    assert!(
        message.starts_with(
            "anyrt: `Backend::Custom.block_on` was called where no custom executor serves"
        ),
        "{message}"
    );
    assert_eq!(Backend::Custom.name(), "custom");
    assert!(Backend::Custom.is_compiled());
    assert!(!Backend::all().contains(&Backend::Custom));
}

#[test]
fn a_custom_executor_driven_inside_a_backends_task_serves_only_its_own_tasks() {
    // The bare executor is run inside the default backend's `block_on`, and inside a
    // task-local's scope: its tasks are polled inside that poll, and are served by the custom
    // executor all the same, without the task-local; the backend's own code around them is
    // served by the backend.
    let executor = Arc::new(async_executor::Executor::new());
    struct Inline(Arc<async_executor::Executor<'static>>);
    impl Executor for Inline {
        fn schedule(&self, runnable: Runnable) {
            self.0
                .spawn(async move {
                    runnable.run();
                })
                .detach();
        }
    }
    let runtime = Runtime::new(Inline(executor.clone()));
    let default = Backend::compiled()[0];
    let (custom, around) = default.block_on(async {
        let task = runtime.spawn(async {
            let nested = anyrt::spawn(async { Backend::current() });
            (
                Backend::current(),
                nested.await.unwrap(),
                REQUEST.try_get().ok(),
            )
        });
        let seen = REQUEST.scope(7, executor.run(task)).await.unwrap();
        (seen, Backend::current())
    });
    assert_eq!(custom, (Backend::Custom, Backend::Custom, None));
    assert_eq!(around, default);
}

#[test]
fn block_on_of_one_executor_inside_a_blocking_closure_of_another_restores_the_first() {
    let first = TestExecutor::thread_pool();
    let second = TestExecutor::async_executor();
    let runtime = first.runtime.clone();
    let seen = runtime.block_on(async move {
        anyrt::task::spawn_blocking(move || {
            let inner = second.runtime.clone().block_on(async move {
                anyrt::spawn(async move { second.on_worker() })
                    .await
                    .unwrap()
            });
            // Back in the first executor's closure: spawns go to the first again.
            let after = anyrt::block_on(async move {
                anyrt::spawn(async move { first.on_worker() })
                    .await
                    .unwrap()
            });
            (inner, after)
        })
        .await
        .unwrap()
    });
    assert_eq!(seen, (true, true));
}

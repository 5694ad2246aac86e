//! The cost of `anyrt::custom`: the same executor used directly, and through anyrt, on two
//! executors run by threads of the benchmark's own, one per core, as an application would:
//!
//! - a bare async-executor. Natively, tasks are its own (`Executor::spawn`). Through anyrt, it is
//!   wrapped with the plain adapter an application would write, where each runnable becomes one
//!   of the executor's tasks: a second task allocation per wake-up, the adapter's, not anyrt's;
//! - a queue of runnables (an async-channel), the hand-written kind of executor: natively its
//!   tasks are async-task's, scheduled onto the queue, as anyrt's are. This row is anyrt's own
//!   cost.
//!
//! Timers: natively the default backend's own, used as anyrt uses them under a custom executor:
//! tokio's (created with a tokio runtime entered, polled on the executor's threads) when tokio is
//! the default backend, else async-io's. Through anyrt, `anyrt::time::sleep` in one of the
//! executor's tasks. Both variants of a row share the executor and its threads.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyrt::custom::{Executor, Runnable, Runtime};
use anyrt::Backend;
use futures_util::future::join_all;

use super::{spawn_then_join, variant, Group, SLEEPS, TASKS};

/// The executor both variants run on, its threads started on first use.
fn executor() -> &'static Arc<async_executor::Executor<'static>> {
    static EXECUTOR: OnceLock<Arc<async_executor::Executor<'static>>> = OnceLock::new();
    EXECUTOR.get_or_init(|| {
        let executor = Arc::new(async_executor::Executor::new());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        for i in 0..threads {
            let executor = executor.clone();
            std::thread::Builder::new()
                .name(format!("bench-executor-{i}"))
                .spawn(move || {
                    futures_lite::future::block_on(
                        executor.run(futures_lite::future::pending::<()>()),
                    )
                })
                .expect("start an executor thread");
        }
        executor
    })
}

/// The adapter of `tests/custom_executor.rs` and the crate docs.
struct Adapter(Arc<async_executor::Executor<'static>>);

impl Executor for Adapter {
    fn schedule(&self, runnable: Runnable) {
        self.0
            .spawn(async move {
                runnable.run();
            })
            .detach();
    }
}

/// The executor, through anyrt.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(Adapter(executor().clone())))
}

/// What the queue executor runs: natively async-task's runnables, or anyrt's.
enum Job {
    Native(async_task::Runnable),
    Anyrt(Runnable),
}

/// The queue executor's queue, its threads started on first use.
fn queue() -> &'static async_channel::Sender<Job> {
    static QUEUE: OnceLock<async_channel::Sender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = async_channel::unbounded::<Job>();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        for i in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("bench-queue-{i}"))
                .spawn(move || {
                    while let Ok(job) = receiver.recv_blocking() {
                        match job {
                            Job::Native(runnable) => drop(runnable.run()),
                            Job::Anyrt(runnable) => drop(runnable.run()),
                        }
                    }
                })
                .expect("start a queue thread");
        }
        sender
    })
}

/// Spawns `future` on the queue executor natively: async-task, as anyrt builds its tasks.
fn spawn_native<F>(future: F) -> async_task::Task<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (runnable, task) = async_task::spawn(future, |runnable| {
        let _ = queue().try_send(Job::Native(runnable));
    });
    runnable.schedule();
    task
}

struct QueueExecutor;

impl Executor for QueueExecutor {
    fn schedule(&self, runnable: Runnable) {
        let _ = queue().try_send(Job::Anyrt(runnable));
    }
}

/// The queue executor, through anyrt.
fn queue_runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(QueueExecutor))
}

/// A tokio runtime for the native timers, built as anyrt's shared one is.
fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static TOKIO: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    TOKIO.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("start a tokio runtime")
    })
}

/// The rows of the custom executor; each is measured once per build (not once per compiled
/// backend: the work runs on the executor whichever backend's `block_on` waits for it).
pub(super) fn groups() -> Vec<Group> {
    vec![
        Group::custom(
            "custom_spawn_10k",
            vec![
                variant("native-async-task", |_| {
                    Box::pin(async {
                        let work = spawn_native(async {
                            spawn_then_join(TASKS, |i| spawn_native(async move { i }), |i| i).await
                        });
                        work.await;
                    })
                }),
                variant("anyrt", |_| {
                    Box::pin(async {
                        let work = queue_runtime().spawn(async {
                            spawn_then_join(
                                TASKS,
                                |i| anyrt::spawn(async move { i }),
                                |r| r.unwrap(),
                            )
                            .await
                        });
                        work.await.unwrap();
                    })
                }),
            ],
        ),
        Group::custom(
            "custom_spawn_10k",
            vec![
                variant("native-async-executor", |_| {
                    Box::pin(async {
                        let work = executor().spawn(async {
                            spawn_then_join(TASKS, |i| executor().spawn(async move { i }), |i| i)
                                .await
                        });
                        work.await;
                    })
                }),
                variant("anyrt", |_| {
                    Box::pin(async {
                        let work = runtime().spawn(async {
                            spawn_then_join(
                                TASKS,
                                |i| anyrt::spawn(async move { i }),
                                |r| r.unwrap(),
                            )
                            .await
                        });
                        work.await.unwrap();
                    })
                }),
            ],
        ),
        Group::custom(
            "custom_sleep_1ms_10k_concurrent",
            vec![
                variant("native-async-executor", |_| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        let work = executor().spawn(async move {
                            if Backend::compiled()[0] == Backend::Tokio {
                                let sleeps: Vec<_> = {
                                    let _entered = tokio_runtime().enter();
                                    (0..SLEEPS).map(|_| tokio::time::sleep(ms)).collect()
                                };
                                join_all(sleeps).await;
                            } else {
                                join_all((0..SLEEPS).map(|_| smol::Timer::after(ms))).await;
                            }
                        });
                        work.await;
                    })
                }),
                variant("anyrt", |_| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        let work = runtime().spawn(async move {
                            join_all((0..SLEEPS).map(|_| anyrt::time::sleep(ms))).await;
                        });
                        work.await.unwrap();
                    })
                }),
            ],
        ),
    ]
}

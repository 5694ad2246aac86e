//! The peer facades and timer, side by side with anyrt on the same backend: agnostic-lite,
//! async_executors, async-rs and futures-timer. Each group's natives are the peers that run on
//! the measured backend (a peer without that backend has no row there); anyrt's variant is the
//! same as in the group without the `peer_` prefix.
//!
//! What each peer's handle skips, which anyrt's keeps (BENCHMARKS.md quotes this):
//! - agnostic-lite: on tokio it returns tokio's own handle; on smol, smol's `Task` wrapped, so
//!   dropping the handle cancels the task and a panic resumes in the awaiter.
//! - async_executors: dropping the handle cancels the task (no detach unless asked), a panic
//!   unwinds the awaiter, no abort handle; on tokio it wraps tokio's handle, on async-std an
//!   `Abortable`. No smol executor.
//! - async-rs: a `Task` that detaches on drop and cancels through an `async fn`; no synchronous
//!   abort, a panic resumes in the awaiter. On the async-std backend it runs on
//!   async-global-executor, the executor under async-std (it has no async-std kit). No timeout,
//!   and no TCP listener, so no TCP row for any peer (agnostic-lite and async_executors have no
//!   TCP at all).
//! - futures-timer: one timer thread of its own, whatever the runtime.

use std::time::Duration;

use agnostic_lite::RuntimeLite;
use async_executors::{SpawnHandleExt, Timer as _, TimerExt as _};
use async_rs::traits::{Executor as _, Reactor as _};
use futures_util::future::join_all;

use super::{
    peer, spawn_all_then_await, spawn_then_join, variant, Backend, Group, SLEEPS, TASKS, TIMEOUTS,
};

fn tokio_or_smol(backend: Backend) -> bool {
    matches!(backend, Backend::Tokio | Backend::Smol)
}

fn tokio_or_async_std(backend: Backend) -> bool {
    matches!(backend, Backend::Tokio | Backend::AsyncStd)
}

fn any(_: Backend) -> bool {
    true
}

/// The peer groups.
pub(super) fn groups() -> Vec<Group> {
    vec![
        Group::new(
            "peer_spawn_10k",
            false,
            vec![
                peer("native-agnostic-lite", tokio_or_smol, |backend| {
                    Box::pin(async move {
                        if backend == Backend::Tokio {
                            spawn_then_join(
                                TASKS,
                                |i| agnostic_lite::tokio::TokioRuntime::spawn(async move { i }),
                                |r| r.unwrap(),
                            )
                            .await
                        } else {
                            spawn_then_join(
                                TASKS,
                                |i| agnostic_lite::smol::SmolRuntime::spawn(async move { i }),
                                |r| r.unwrap(),
                            )
                            .await
                        }
                    })
                }),
                peer("native-async_executors", tokio_or_async_std, |backend| {
                    Box::pin(async move {
                        if backend == Backend::Tokio {
                            let exec = async_executors::TokioTp::try_current().unwrap();
                            spawn_then_join(
                                TASKS,
                                |i| exec.spawn_handle(async move { i }).unwrap(),
                                |i| i,
                            )
                            .await
                        } else {
                            let exec = async_executors::AsyncStd::new();
                            spawn_then_join(
                                TASKS,
                                |i| exec.spawn_handle(async move { i }).unwrap(),
                                |i| i,
                            )
                            .await
                        }
                    })
                }),
                peer("native-async-rs", any, |backend| {
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                let rt = async_rs::TokioRuntime::tokio_current();
                                spawn_then_join(TASKS, |i| rt.spawn(async move { i }), |i| i).await
                            }
                            Backend::AsyncStd => {
                                let rt = async_rs::AGERuntime::async_global_executor();
                                spawn_then_join(TASKS, |i| rt.spawn(async move { i }), |i| i).await
                            }
                            _ => {
                                let rt = async_rs::SmolRuntime::smol();
                                spawn_then_join(TASKS, |i| rt.spawn(async move { i }), |i| i).await
                            }
                        }
                    })
                }),
                variant("anyrt", |_| {
                    Box::pin(async {
                        spawn_then_join(TASKS, |i| anyrt::spawn(async move { i }), |r| r.unwrap())
                            .await
                    })
                }),
            ],
        ),
        Group::new(
            "peer_spawn_20k_then_await",
            false,
            vec![
                peer("native-agnostic-lite", tokio_or_smol, |backend| {
                    Box::pin(async move {
                        if backend == Backend::Tokio {
                            spawn_all_then_await(
                                || agnostic_lite::tokio::TokioRuntime::spawn(async {}),
                                |r| r.unwrap(),
                            )
                            .await
                        } else {
                            spawn_all_then_await(
                                || agnostic_lite::smol::SmolRuntime::spawn(async {}),
                                |r| r.unwrap(),
                            )
                            .await
                        }
                    })
                }),
                peer("native-async_executors", tokio_or_async_std, |backend| {
                    Box::pin(async move {
                        if backend == Backend::Tokio {
                            let exec = async_executors::TokioTp::try_current().unwrap();
                            spawn_all_then_await(|| exec.spawn_handle(async {}).unwrap(), |()| ())
                                .await
                        } else {
                            let exec = async_executors::AsyncStd::new();
                            spawn_all_then_await(|| exec.spawn_handle(async {}).unwrap(), |()| ())
                                .await
                        }
                    })
                }),
                peer("native-async-rs", any, |backend| {
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                let rt = async_rs::TokioRuntime::tokio_current();
                                spawn_all_then_await(|| rt.spawn(async {}), |()| ()).await
                            }
                            Backend::AsyncStd => {
                                let rt = async_rs::AGERuntime::async_global_executor();
                                spawn_all_then_await(|| rt.spawn(async {}), |()| ()).await
                            }
                            _ => {
                                let rt = async_rs::SmolRuntime::smol();
                                spawn_all_then_await(|| rt.spawn(async {}), |()| ()).await
                            }
                        }
                    })
                }),
                variant("anyrt", |_| {
                    Box::pin(async {
                        spawn_all_then_await(|| anyrt::spawn(async {}), |r| r.unwrap()).await
                    })
                }),
            ],
        ),
        Group::new(
            "peer_sleep_1ms_10k_concurrent",
            false,
            vec![
                peer("native-agnostic-lite", tokio_or_smol, |backend| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        if backend == Backend::Tokio {
                            let sleeps =
                                (0..SLEEPS).map(|_| agnostic_lite::tokio::TokioRuntime::sleep(ms));
                            drop(join_all(sleeps).await)
                        } else {
                            let sleeps =
                                (0..SLEEPS).map(|_| agnostic_lite::smol::SmolRuntime::sleep(ms));
                            drop(join_all(sleeps).await)
                        }
                    })
                }),
                peer("native-async_executors", tokio_or_async_std, |backend| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        if backend == Backend::Tokio {
                            let exec = async_executors::TokioTp::try_current().unwrap();
                            join_all((0..SLEEPS).map(|_| exec.sleep(ms))).await;
                        } else {
                            let exec = async_executors::AsyncStd::new();
                            join_all((0..SLEEPS).map(|_| exec.sleep(ms))).await;
                        }
                    })
                }),
                peer("native-async-rs", any, |backend| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                let rt = async_rs::TokioRuntime::tokio_current();
                                join_all((0..SLEEPS).map(|_| rt.sleep(ms))).await;
                            }
                            Backend::AsyncStd => {
                                let rt = async_rs::AGERuntime::async_global_executor();
                                join_all((0..SLEEPS).map(|_| rt.sleep(ms))).await;
                            }
                            _ => {
                                let rt = async_rs::SmolRuntime::smol();
                                join_all((0..SLEEPS).map(|_| rt.sleep(ms))).await;
                            }
                        }
                    })
                }),
                peer("native-futures-timer", any, |_| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        join_all((0..SLEEPS).map(|_| futures_timer::Delay::new(ms))).await;
                    })
                }),
                variant("anyrt", |_| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        join_all((0..SLEEPS).map(|_| anyrt::time::sleep(ms))).await;
                    })
                }),
            ],
        ),
        Group::new(
            "peer_timeout_ready_10k",
            false,
            vec![
                peer("native-agnostic-lite", tokio_or_smol, |backend| {
                    let second = Duration::from_secs(1);
                    Box::pin(async move {
                        for i in 0..TIMEOUTS {
                            let ready = std::future::ready(i);
                            let out = if backend == Backend::Tokio {
                                agnostic_lite::tokio::TokioRuntime::timeout(second, ready)
                                    .await
                                    .ok()
                            } else {
                                agnostic_lite::smol::SmolRuntime::timeout(second, ready)
                                    .await
                                    .ok()
                            };
                            assert_eq!(out, Some(i));
                        }
                    })
                }),
                peer("native-async_executors", tokio_or_async_std, |backend| {
                    let second = Duration::from_secs(1);
                    Box::pin(async move {
                        for i in 0..TIMEOUTS {
                            let ready = std::future::ready(i);
                            let out = if backend == Backend::Tokio {
                                let exec = async_executors::TokioTp::try_current().unwrap();
                                exec.timeout(second, ready).await.ok()
                            } else {
                                async_executors::AsyncStd::new()
                                    .timeout(second, ready)
                                    .await
                                    .ok()
                            };
                            assert_eq!(out, Some(i));
                        }
                    })
                }),
                // futures-timer's idiom: race the future against a `Delay`.
                peer("native-futures-timer", any, |_| {
                    let second = Duration::from_secs(1);
                    Box::pin(async move {
                        for i in 0..TIMEOUTS {
                            let ready = async move { Some(i) };
                            let out = futures_lite::future::or(ready, async {
                                futures_timer::Delay::new(second).await;
                                None
                            })
                            .await;
                            assert_eq!(out, Some(i));
                        }
                    })
                }),
                variant("anyrt", |_| {
                    let second = Duration::from_secs(1);
                    Box::pin(async move {
                        for i in 0..TIMEOUTS {
                            let out = anyrt::time::timeout(second, std::future::ready(i))
                                .await
                                .ok();
                            assert_eq!(out, Some(i));
                        }
                    })
                }),
            ],
        ),
    ]
}

//! Backend selection: which runtime serves a call, `block_on`, and anyrt inside runtimes the
//! application built itself (SEMANTICS.md rows 2, 5, 14, 15).

mod common;

use std::time::Duration;

use anyrt::time::Instant;

use anyrt::net::TcpListener;
use anyrt::Backend;
use common::{panic_message_of, within};

const NESTED_BLOCK_ON: &str = "anyrt: `block_on` was called from async code";

#[test]
fn compiled_backends_are_listed_in_order_of_preference() {
    let compiled = Backend::compiled();
    assert!(!compiled.is_empty());
    let expected: Vec<_> = Backend::all()
        .iter()
        .copied()
        .filter(|b| b.is_compiled())
        .collect();
    assert_eq!(compiled, expected.as_slice());
    assert_eq!(cfg!(feature = "rt-tokio"), Backend::Tokio.is_compiled());
    assert_eq!(
        cfg!(feature = "rt-async-std"),
        Backend::AsyncStd.is_compiled()
    );
}

#[test]
fn names_and_features() {
    assert_eq!(Backend::Tokio.name(), "tokio");
    assert_eq!(Backend::AsyncStd.to_string(), "async-std");
    assert_eq!(Backend::Tokio.feature(), "rt-tokio");
    assert_eq!(Backend::AsyncStd.feature(), "rt-async-std");
    assert_eq!(Backend::Smol.name(), "smol");
    assert_eq!(Backend::Smol.feature(), "rt-smol");
}

#[test]
fn outside_any_runtime_the_first_compiled_backend_serves() {
    assert_eq!(Backend::current(), Backend::compiled()[0]);
    assert_eq!(
        anyrt::block_on(async { Backend::current() }),
        Backend::compiled()[0]
    );
}

#[test]
fn block_on_runs_on_the_chosen_backend() {
    for &backend in Backend::compiled() {
        let (outer, inner) = backend.block_on(async {
            let inner = anyrt::spawn(async { Backend::current() }).await.unwrap();
            (Backend::current(), inner)
        });
        assert_eq!((outer, inner), (backend, backend));
    }
}

#[test]
fn block_on_an_uncompiled_backend_panics_with_the_feature_to_enable() {
    for &backend in Backend::all() {
        if !backend.is_compiled() {
            let message = panic_message_of(|| backend.block_on(async {}));
            assert!(message.contains(backend.feature()), "{message}");
        }
    }
}

#[test]
fn block_on_returns_without_waiting_for_tasks_or_blocking_closures() {
    for &backend in Backend::compiled() {
        let start = Instant::now();
        backend.block_on(async {
            drop(anyrt::spawn(anyrt::time::sleep(Duration::from_secs(30))));
            drop(anyrt::task::spawn_blocking(|| {
                std::thread::sleep(Duration::from_secs(3))
            }));
        });
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{backend}: {:?}",
            start.elapsed()
        );
    }
}

#[anyrt::test]
async fn the_process_exits_without_waiting_for_tasks_or_blocking_closures() {
    // A child process runs `block_on` with a 30 s task and a 30 s blocking closure still
    // running when its future returns, then returns from its test: the process exits at once.
    let backend = Backend::current();
    let start = Instant::now();
    let output = anyrt::task::spawn_blocking(move || {
        common::run_child("exit_with_work_left_child", backend.name())
    })
    .await
    .unwrap();
    let took = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("child: returning"), "{stdout}");
    assert!(
        took < Duration::from_secs(10),
        "{backend}: the process took {took:?} to exit"
    );
}

#[test]
fn exit_with_work_left_child() {
    let Some(name) = common::child_arg() else {
        // Run by the test above, in a process of its own.
        return;
    };
    let backend = *Backend::compiled()
        .iter()
        .find(|b| b.name() == name)
        .unwrap();
    backend.block_on(async {
        let started = anyrt::task::spawn_blocking(|| ()).await;
        assert!(started.is_ok());
        drop(anyrt::spawn(anyrt::time::sleep(Duration::from_secs(30))));
        drop(anyrt::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_secs(30))
        }));
    });
    println!("child: returning");
}

#[anyrt::test]
async fn block_on_inside_async_code_panics_with_one_message() {
    let message = panic_message_of(|| anyrt::block_on(async {}));
    assert!(message.starts_with(NESTED_BLOCK_ON), "{message}");
    for &other in Backend::compiled() {
        let message = panic_message_of(|| other.block_on(async {}));
        assert!(message.starts_with(NESTED_BLOCK_ON), "{message}");
    }
    let error = anyrt::spawn(async { anyrt::block_on(async {}) })
        .await
        .unwrap_err();
    assert!(error.to_string().contains(NESTED_BLOCK_ON), "{error}");
}

#[anyrt::test]
async fn a_panic_in_block_on_propagates_and_leaves_the_thread_usable() {
    let backend = Backend::current();
    let handle = anyrt::task::spawn_blocking(move || {
        let message = panic_message_of(|| backend.block_on(async { panic!("inner") }));
        let after = backend.block_on(async { 5 });
        (message, after)
    });
    let (message, after) = within("join", handle).await.unwrap();
    assert_eq!(message, "inner");
    assert_eq!(after, 5);
}

#[anyrt::test]
async fn main_attribute_runs_the_body() {
    // The attribute works on any function name; it must be called from a thread outside async.
    #[anyrt::main]
    async fn entry() -> u32 {
        anyrt::spawn(async { 21 * 2 }).await.unwrap()
    }
    let answer = anyrt::task::spawn_blocking(entry).await.unwrap();
    assert_eq!(answer, 42);
}

#[anyrt::test]
#[should_panic(expected = "expected failure")]
async fn test_attribute_forwards_should_panic() {
    panic!("expected failure");
}

#[anyrt::test]
async fn test_attribute_supports_result() -> Result<(), std::io::Error> {
    anyrt::time::sleep(Duration::from_millis(1)).await;
    Ok(())
}

/// A listener, a connected stream and a started sleep, each registered with `other`.
struct Made {
    listener: TcpListener,
    stream: anyrt::net::TcpStream,
    sleep: std::pin::Pin<Box<anyrt::time::Sleep>>,
    sleep_deadline: Instant,
}

/// Makes the objects of [`Made`] on `other`, on a thread of its own (so `block_on` is called
/// outside async code), connecting the stream to `peer`.
fn make_on(other: Backend, peer: std::net::SocketAddr) -> std::io::Result<Made> {
    std::thread::spawn(move || {
        other.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let stream = anyrt::net::TcpStream::connect(peer).await?;
            let mut sleep = Box::pin(anyrt::time::sleep(Duration::from_millis(30)));
            // Polled once: the backend's timer now exists, registered with `other`.
            assert_eq!(futures_lite::future::poll_once(sleep.as_mut()).await, None);
            assert_eq!((listener.backend(), stream.backend()), (other, other));
            let sleep_deadline = sleep.deadline().unwrap();
            Ok(Made {
                listener,
                stream,
                sleep,
                sleep_deadline,
            })
        })
    })
    .join()
    .unwrap()
}

#[anyrt::test(except(
    sim = "the simulation's objects belong to their simulation, and other runtimes wake from threads outside it"
))]
async fn objects_made_on_one_backend_work_from_another() -> std::io::Result<()> {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let here = Backend::current();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    // The simulation's objects live in their simulation, so it is not among the others.
    for &other in Backend::compiled().iter().filter(|b| **b != Backend::Sim) {
        let made = make_on(other, listener.local_addr()?)?;
        let (mut accepted, _) = within("accept here", listener.accept()).await?;

        // The stream made there, written and read here.
        let mut stream = made.stream;
        within("write there->here", stream.write_all(b"ping")).await?;
        let mut buf = [0; 4];
        within("read here", accepted.read_exact(&mut buf)).await?;
        assert_eq!(&buf, b"ping");
        within("write here->there", accepted.write_all(b"pong")).await?;
        within("read there", stream.read_exact(&mut buf)).await?;
        assert_eq!(&buf, b"pong", "{other} -> {here}");

        // The listener made there, accepting here.
        let addr = made.listener.local_addr()?;
        let client = anyrt::spawn(async move { anyrt::net::TcpStream::connect(addr).await });
        let (mut from_client, _) = within("accept there", made.listener.accept()).await?;
        let mut client = within("connect", client).await.unwrap()?;
        within("write", client.write_all(b"hi")).await?;
        client.shutdown().await?;
        let mut text = String::new();
        within("read", from_client.read_to_string(&mut text)).await?;
        assert_eq!(text, "hi", "{other} -> {here}");

        // The sleep started there, completed here.
        within("started sleep", made.sleep).await;
        assert!(
            Instant::now() >= made.sleep_deadline,
            "{other} -> {here}: woke before its deadline"
        );
    }
    Ok(())
}

/// Runs a future in a runtime the application built itself, with tokio's own API.
#[cfg(feature = "rt-tokio")]
mod user_tokio_runtime {
    use super::*;

    #[test]
    fn calls_are_served_by_the_users_current_thread_runtime() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let runtime_thread = std::thread::current().id();
        runtime.block_on(async {
            assert_eq!(Backend::current(), Backend::Tokio);
            // A current-thread runtime runs its tasks on this very thread: the task went to the
            // user's runtime, not to anyrt's shared one.
            let handle = anyrt::spawn(async { std::thread::current().id() });
            assert_eq!(handle.backend(), Backend::Tokio);
            assert_eq!(handle.await.unwrap(), runtime_thread);
            anyrt::time::sleep(Duration::from_millis(2)).await;
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(listener.backend(), Backend::Tokio);
            let message = common::async_panic_message_of(async { anyrt::block_on(async {}) }).await;
            assert!(message.starts_with(NESTED_BLOCK_ON), "{message}");
        });
    }

    /// `tokio::task::spawn_blocking(|| lib::sync_call())` is how tokio code calls synchronous
    /// code; `lib` may block on anyrt there, as tokio's own `Handle::block_on` may.
    #[test]
    fn block_on_works_in_tokios_own_blocking_closures_and_under_an_enter_guard() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sync_call = || {
            let mutex = anyrt::sync::Mutex::new(1);
            *mutex.blocking_lock() += 1;
            let value = mutex.into_inner();
            anyrt::block_on(async move {
                anyrt::time::sleep(Duration::from_millis(1)).await;
                (
                    Backend::current(),
                    anyrt::spawn(async move { value * 21 }).await.unwrap(),
                )
            })
        };
        let in_blocking_closure = runtime.block_on(runtime.spawn_blocking(sync_call)).unwrap();
        assert_eq!(in_blocking_closure, (Backend::Tokio, 42));

        let handle = runtime.handle().clone();
        let under_enter_guard = std::thread::spawn(move || {
            let _entered = handle.enter();
            sync_call()
        })
        .join()
        .unwrap();
        assert_eq!(under_enter_guard, (Backend::Tokio, 42));

        // In the runtime's tasks, and in the future of its `block_on`, it still panics.
        let error = runtime
            .block_on(runtime.spawn(async { anyrt::block_on(async {}) }))
            .unwrap_err();
        let message = common::panic_text(&*error.into_panic());
        assert!(message.starts_with(NESTED_BLOCK_ON), "{message}");
        let message = runtime.block_on(async {
            let mutex = anyrt::sync::Mutex::new(0);
            panic_message_of(|| drop(mutex.blocking_lock()))
        });
        assert!(
            message.starts_with("anyrt: `Mutex::blocking_lock` was called from async code"),
            "{message}"
        );

        // Telling async code from the rest reads tokio's cooperative budget; it gives back what
        // it drew: a task has as many steps left after asking as before.
        let steps_left = |ask: bool| {
            runtime
                .block_on(runtime.spawn(async move {
                    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                    let mut step = || match tokio::task::coop::poll_proceed(&mut cx) {
                        std::task::Poll::Ready(step) => {
                            step.made_progress();
                            true
                        }
                        std::task::Poll::Pending => false,
                    };
                    for _ in 0..10 {
                        assert!(step());
                    }
                    if ask {
                        let _ = std::panic::catch_unwind(|| anyrt::block_on(async {}));
                    }
                    (0..100_000).take_while(|_| step()).count()
                }))
                .unwrap()
        };
        let untouched = steps_left(false);
        assert!(untouched < 100_000, "a tokio task's budget never ran out");
        assert_eq!(steps_left(true), untouched);
    }

    /// What becomes of anyrt's tasks, sockets and timers when the application drops the tokio
    /// runtime they were made in (SEMANTICS.md row 15c).
    #[test]
    fn dropping_a_users_runtime_cancels_its_tasks_and_moves_its_timers() {
        use futures_lite::AsyncReadExt;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let peer_addr = peer.local_addr().unwrap();
        let (guard, dropped) = common::DropFlag::new();
        let (task, listener, mut stream, sleep) = runtime.block_on(async move {
            let task = anyrt::spawn(async move {
                let _guard = guard;
                anyrt::time::sleep(Duration::from_secs(3600)).await
            });
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let stream = anyrt::net::TcpStream::connect(peer_addr).await.unwrap();
            let mut sleep = Box::pin(anyrt::time::sleep(Duration::from_millis(50)));
            assert_eq!(futures_lite::future::poll_once(sleep.as_mut()).await, None);
            (task, listener, stream, sleep)
        });
        let deadline = sleep.deadline().unwrap();
        drop(runtime);
        for &backend in Backend::compiled() {
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    backend.block_on(async {
                        // Tasks: dropped with the runtime; the handle reports a cancellation.
                        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
                        // Sockets: every later operation fails.
                        let mut buf = [0; 1];
                        let read = within("read", stream.read(&mut buf)).await;
                        assert!(read.is_err(), "{backend}: read {read:?}");
                        assert!(within("accept", listener.accept()).await.is_err());
                    })
                });
            });
        }
        let joined = Backend::compiled()[0].block_on(async { within("join", task).await });
        assert!(joined.unwrap_err().is_cancelled());
        // Timers: a sleep made there completes on time, on anyrt's shared runtime.
        std::thread::spawn(move || futures_lite::future::block_on(sleep))
            .join()
            .unwrap();
        assert!(Instant::now() >= deadline);
    }

    #[test]
    fn calls_are_served_by_the_users_multi_thread_runtime() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("user-runtime")
            .enable_all()
            .build()
            .unwrap();
        let name = runtime.block_on(async {
            anyrt::spawn(async { std::thread::current().name().map(String::from) })
                .await
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some("user-runtime"));
    }
}

/// Runs a future under async-std's own `block_on`, as an async-std application would.
#[cfg(feature = "rt-async-std")]
mod user_async_std_runtime {
    use super::*;

    #[test]
    fn calls_are_served_by_async_std() {
        async_std::task::block_on(async {
            assert_eq!(Backend::current(), Backend::AsyncStd);
            let handle = anyrt::spawn(async { async_std::task::try_current().is_some() });
            assert_eq!(handle.backend(), Backend::AsyncStd);
            assert!(
                handle.await.unwrap(),
                "the task did not run as an async-std task"
            );
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(listener.backend(), Backend::AsyncStd);
            let message = common::async_panic_message_of(async { anyrt::block_on(async {}) }).await;
            assert!(message.starts_with(NESTED_BLOCK_ON), "{message}");
        });
    }

    #[test]
    fn async_std_spawned_tasks_are_served_by_async_std() {
        let backend = async_std::task::block_on(async_std::task::spawn(async {
            anyrt::spawn(async { Backend::current() }).await.unwrap()
        }));
        assert_eq!(backend, Backend::AsyncStd);
    }
}

/// Runs a future under smol's own `block_on`, as a smol application would. smol has no notion of
/// a current executor, so anyrt cannot tell it is there: the calls go to the default backend,
/// and they work.
#[cfg(feature = "rt-smol")]
mod user_smol_runtime {
    use super::*;

    #[test]
    fn calls_inside_smol_block_on_work() {
        let (inner, listener_backend) = smol::block_on(async {
            anyrt::time::sleep(Duration::from_millis(2)).await;
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let inner = anyrt::spawn(async { Backend::current() }).await.unwrap();
            (inner, listener.backend())
        });
        assert_eq!(inner, Backend::compiled()[0]);
        assert_eq!(listener_backend, Backend::compiled()[0]);
    }

    #[test]
    fn tasks_on_anyrts_smol_executor_are_served_by_smol() {
        let inner = Backend::Smol.block_on(async {
            anyrt::spawn(async { anyrt::spawn(async { Backend::current() }).await.unwrap() })
                .await
                .unwrap()
        });
        assert_eq!(inner, Backend::Smol);
    }
}

#[anyrt::test(except(smol = "checks that an excluded backend gets no test"))]
async fn except_leaves_a_backend_out() {
    assert_ne!(Backend::current(), Backend::Smol);
}

//! The simulation backend's own promises (SEMANTICS.md, "Deterministic simulation"): the seed
//! decides every choice, virtual time, deadlock detection, replay by `ANYRT_SEED`, and the
//! in-memory loopback network.
#![cfg(feature = "rt-sim")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyrt::sim::Sim;
use anyrt::time::{sleep, timeout, Instant};
use common::panic_message_of;

/// The order in which 8 tasks, each yielding 10 times, are polled under `seed`.
fn poll_order(seed: u64) -> Vec<u8> {
    Sim::new(seed).block_on(async {
        let log = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..8u8)
            .map(|task| {
                let log = log.clone();
                anyrt::spawn(async move {
                    for _ in 0..10 {
                        log.lock().unwrap().push(task);
                        anyrt::task::yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let order = log.lock().unwrap().clone();
        order
    })
}

#[test]
fn the_same_seed_gives_the_same_order_and_other_seeds_other_orders() {
    let orders: Vec<_> = (1..=100).map(poll_order).collect();
    for (i, order) in orders.iter().enumerate() {
        assert_eq!(order.len(), 80);
        assert_eq!(&poll_order(i as u64 + 1), order, "seed {} replayed", i + 1);
    }
    let distinct: std::collections::BTreeSet<_> = orders.iter().collect();
    assert!(
        distinct.len() >= 95,
        "only {} distinct orders from 100 seeds",
        distinct.len()
    );
}

#[test]
fn timers_due_at_once_fire_in_a_seeded_but_repeatable_order() {
    let firing = |seed| {
        Sim::new(seed).block_on(async {
            let log = Arc::new(Mutex::new(Vec::new()));
            let tasks: Vec<_> = (0..6u8)
                .map(|i| {
                    let log = log.clone();
                    anyrt::spawn(async move {
                        sleep(Duration::from_millis(10)).await;
                        log.lock().unwrap().push((i, anyrt::sim::elapsed()));
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            let log = log.lock().unwrap().clone();
            log
        })
    };
    let first = firing(5);
    assert_eq!(first, firing(5));
    // Every sleeper woke at exactly 10 ms of virtual time.
    assert!(first.iter().all(|(_, at)| *at == Duration::from_millis(10)));
}

#[test]
fn an_hour_of_virtual_sleeps_takes_no_real_time() {
    let real = std::time::Instant::now();
    let virtual_elapsed = Sim::new(1).block_on(async {
        let start = Instant::now();
        for _ in 0..60 {
            sleep(Duration::from_secs(60)).await;
        }
        let waited = timeout(Duration::from_secs(5), sleep(Duration::from_secs(10))).await;
        assert!(waited.is_err());
        start.elapsed()
    });
    assert_eq!(virtual_elapsed, Duration::from_secs(3605));
    assert!(
        real.elapsed() < Duration::from_secs(1),
        "{:?}",
        real.elapsed()
    );
}

#[test]
fn when_every_task_is_blocked_the_simulation_panics_naming_the_seed() {
    let message = panic_message_of(|| {
        Sim::new(42).block_on(async {
            let (_tx, rx) = anyrt::sync::oneshot::channel::<()>();
            let _ = rx.await;
        })
    });
    assert!(
        message.starts_with("anyrt: every task is blocked: deadlock"),
        "{message}"
    );
    assert!(message.contains("seed 42"), "{message}");
    assert!(message.contains("ANYRT_SEED=42"), "{message}");
}

#[test]
fn the_seed_is_readable_inside_and_anyrt_seed_replays_backend_sim() {
    assert_eq!(Sim::new(9).block_on(async { anyrt::sim::seed() }), 9);
    assert_eq!(anyrt::sim::try_seed(), None);
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "anyrt_seed_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(common::CHILD, "1")
        .env("ANYRT_SEED", "17")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("child: seed 17"), "{stdout}");
}

#[test]
fn anyrt_seed_child() {
    if common::child_arg().is_none() {
        return;
    }
    // Run by the test above with ANYRT_SEED=17.
    let seed = anyrt::Backend::Sim.block_on(async { anyrt::sim::seed() });
    println!("child: seed {seed}");
}

#[test]
fn blocking_closures_wait_in_virtual_time_and_their_work_takes_none() {
    Sim::new(3).block_on(async {
        let (tx, rx) = anyrt::sync::oneshot::channel();
        let sender = anyrt::spawn(async move {
            sleep(Duration::from_secs(1)).await;
            tx.send(5).unwrap();
        });
        let start = Instant::now();
        // The closure waits on its own thread; the simulation runs the sender meanwhile, and its
        // clock moves while the closure waits.
        let got = anyrt::task::spawn_blocking(move || rx.blocking_recv().unwrap())
            .await
            .unwrap();
        assert_eq!(got, 5);
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        sender.await.unwrap();
        // A closure's own work takes no virtual time.
        let before = Instant::now();
        anyrt::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20)))
            .await
            .unwrap();
        assert_eq!(before.elapsed(), Duration::ZERO);
    });
}

/// Two closures that hand items to each other and to tasks through anyrt's channels, while
/// tasks race: the order in which the tasks see things is the same in every run of a seed.
fn closures_and_tasks(seed: u64) -> Vec<String> {
    use anyrt::sync::{mpsc, Mutex};
    use std::sync::Arc;
    Sim::new(seed).block_on(async {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (to_consumer, mut from_producer) = mpsc::channel::<u32>(1);
        let (to_tasks, from_closures) = mpsc::unbounded_channel::<u32>();
        let producer = anyrt::task::spawn_blocking(move || {
            for i in 0..20 {
                to_consumer.blocking_send(i).unwrap();
            }
        });
        let consumer = anyrt::task::spawn_blocking(move || {
            while let Some(i) = from_producer.blocking_recv() {
                to_tasks.send(i).unwrap();
            }
        });
        let from_closures = Arc::new(Mutex::new(from_closures));
        let readers: Vec<_> = (0..3)
            .map(|reader| {
                let (log, from_closures) = (log.clone(), from_closures.clone());
                anyrt::spawn(async move {
                    while let Some(i) = from_closures.lock().await.recv().await {
                        log.lock().await.push(format!("r{reader}:{i}"));
                        anyrt::task::yield_now().await;
                    }
                })
            })
            .collect();
        let spinner = {
            let log = log.clone();
            anyrt::spawn(async move {
                for turn in 0..200 {
                    if turn % 25 == 0 {
                        log.lock().await.push(format!("spin:{turn}"));
                    }
                    anyrt::task::yield_now().await;
                }
            })
        };
        producer.await.unwrap();
        consumer.await.unwrap();
        for reader in readers {
            reader.await.unwrap();
        }
        spinner.await.unwrap();
        let log = log.lock().await.clone();
        log
    })
}

#[test]
fn closures_that_talk_through_anyrt_give_the_same_run_for_a_seed() {
    let mut distinct = std::collections::HashSet::new();
    for seed in 0..20 {
        let first = closures_and_tasks(seed);
        assert_eq!(first.iter().filter(|l| l.starts_with('r')).count(), 20);
        assert_eq!(
            closures_and_tasks(seed),
            first,
            "seed {seed} ran differently"
        );
        distinct.insert(first);
    }
    assert!(distinct.len() > 1, "every seed gave the same order");
}

#[test]
fn loopback_tcp_is_in_memory_and_keeps_the_tcp_rows() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    Sim::new(11).block_on(async {
        let listener = anyrt::net::TcpListener::bind("localhost:7000")
            .await
            .unwrap();
        assert_eq!(listener.backend(), anyrt::Backend::Sim);
        // No OS socket stands behind it.
        let message = panic_message_of(|| {
            use std::os::fd::AsRawFd;
            listener.as_raw_fd()
        });
        assert!(message.contains("has no file descriptor"), "{message}");
        let taken = anyrt::net::TcpListener::bind("127.0.0.1:7000")
            .await
            .unwrap_err();
        assert_eq!(taken.kind(), std::io::ErrorKind::AddrInUse);
        let refused = anyrt::net::TcpStream::connect("127.0.0.1:7001")
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        let elsewhere = anyrt::net::TcpStream::connect("192.0.2.1:80")
            .await
            .unwrap_err();
        assert_eq!(elsewhere.kind(), std::io::ErrorKind::NetworkUnreachable);

        let client = anyrt::spawn(async {
            let mut stream = anyrt::net::TcpStream::connect("127.0.0.1:7000").await?;
            stream.write_all(b"hello").await?;
            stream.shutdown().await?;
            let mut reply = String::new();
            stream.read_to_string(&mut reply).await?;
            std::io::Result::Ok(reply)
        });
        let (mut server, peer) = listener.accept().await.unwrap();
        assert!(peer.ip().is_loopback());
        let mut request = String::new();
        server.read_to_string(&mut request).await.unwrap();
        assert_eq!(request, "hello");
        server.write_all(b"world").await.unwrap();
        drop(server);
        assert_eq!(client.await.unwrap().unwrap(), "world");
        // No virtual time passed: loopback delivery is immediate.
        assert_eq!(anyrt::sim::elapsed(), Duration::ZERO);
    });
}

#[test]
fn a_peer_that_drops_with_unread_data_resets_the_connection() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    Sim::new(2).block_on(async {
        let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = anyrt::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"never read").await.unwrap();
        drop(server);
        let mut buf = [0; 8];
        let error = client.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    });
}

#[test]
fn block_on_inside_a_simulation_task_panics_like_everywhere() {
    let message = Sim::new(0).block_on(async {
        anyrt::spawn(async { anyrt::block_on(async {}) })
            .await
            .unwrap_err()
            .to_string()
    });
    assert!(
        message.contains("anyrt: `block_on` was called from async code"),
        "{message}"
    );
}

#[test]
fn the_tasks_left_when_the_simulation_ends_are_dropped() {
    struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Flag(dropped.clone());
    let handle = Sim::new(5).block_on(async move {
        let (started, has_started) = anyrt::sync::oneshot::channel();
        let handle = anyrt::spawn(async move {
            let _flag = flag;
            started.send(()).unwrap();
            sleep(Duration::from_secs(3600)).await;
        });
        // The task waits on its timer when the simulation ends, not in the run queue.
        has_started.await.unwrap();
        Some(handle)
    });
    let handle = handle.unwrap();
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
    let error = futures_lite::future::block_on(handle).unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
}

//! The workloads the benchmarks time, written once: `benches/facade.rs` (criterion) and
//! `benches/paired.rs` (interleaved ratios) both run these.
//!
//! A [`Group`] is one row of BENCHMARKS.md: one or more native variants and anyrt's, each a
//! function from the backend to one iteration's future. Every variant of a group is run inside
//! the same `block_on` of the backend, so native and anyrt share the runtime.
//!
//! Native smol runs on smol's global executor; [`configure_smol_threads`] gives it as many
//! threads as anyrt's smol executor (one per core). The spawn rows also compare, on smol, with
//! a bench-local executor of the kind anyrt's smol backend runs ([`static_executor`]).

// Each bench target uses a part of this module (criterion the sample sizes, paired the pairs).
#![allow(dead_code)]

mod custom;
mod peers;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use anyrt::Backend;
use futures_lite::future::zip;
use futures_util::future::join_all;

const TASKS: usize = 10_000;
/// Trivial tasks of the `spawn_20k_then_await` shape: all spawned before any is awaited.
const TRIVIAL_TASKS: usize = 20_000;
const BLOCKING: usize = 1_000;
const SLEEPS: usize = 10_000;
const ZERO_SLEEPS: usize = 20;
const TIMEOUTS: usize = 10_000;
const LOCKS: usize = 10_000;
const CONTENDERS: usize = 8;
const PERMITS: usize = 10_000;
/// Permits of the contended semaphore: fewer than the contending tasks.
const CONTENDED_PERMITS: usize = 2;
const MESSAGES: usize = 1_000_000;
const PRODUCERS: usize = 4;
/// Capacity of the bounded channels: producers wait for room now and then.
const CHANNEL_CAPACITY: usize = 1024;
const ROUND_TRIPS: usize = 10_000;
const MESSAGE: usize = 64;
const STREAM_BYTES: usize = 64 * 1024 * 1024;
const CONNECTIONS: usize = 1_000;

/// One iteration of a workload.
pub type Job = Pin<Box<dyn Future<Output = ()>>>;

/// One way of doing a group's work: a native API, or anyrt's.
pub struct Variant {
    /// `native`, `native-<crate>` when a group has several natives, or `anyrt`.
    pub label: &'static str,
    /// Builds one iteration for a backend.
    pub job: fn(Backend) -> Job,
    /// Whether it runs on a backend: a peer facade may lack one.
    pub runs_on: fn(Backend) -> bool,
}

impl Variant {
    /// Whether this variant has a row on `backend`.
    pub fn on(&self, backend: Backend) -> bool {
        (self.runs_on)(backend)
    }
}

/// A benchmark row: its natives and anyrt's variant (always last).
pub struct Group {
    pub name: &'static str,
    /// Slow rows (tens to hundreds of ms per iteration) get fewer samples.
    pub slow: bool,
    /// Runs on a custom executor (`custom.rs`), not on the backend: measured once per build,
    /// whichever backends it has, and reported as backend `custom`.
    pub custom: bool,
    pub variants: Vec<Variant>,
}

impl Group {
    fn new(name: &'static str, slow: bool, variants: Vec<Variant>) -> Self {
        assert_eq!(variants.last().map(|v| v.label), Some("anyrt"));
        Group {
            name,
            slow,
            custom: false,
            variants,
        }
    }

    fn custom(name: &'static str, variants: Vec<Variant>) -> Self {
        Group {
            custom: true,
            ..Group::new(name, false, variants)
        }
    }

    /// The backends to measure this group on: each compiled one with a native runtime to
    /// compare with (not the simulation, which benches/sim.rs measures), or the first for a
    /// group that runs on a custom executor.
    pub fn backends(&self) -> &'static [Backend] {
        // The simulation comes last in the order of preference.
        let all = Backend::compiled();
        let compiled = &all[..all.iter().take_while(|b| b.name() != "sim").count()];
        if self.custom {
            &compiled[..1]
        } else {
            compiled
        }
    }

    /// anyrt's variant.
    pub fn anyrt(&self) -> &Variant {
        self.variants.last().expect("a group has an anyrt variant")
    }

    /// The native variants.
    pub fn natives(&self) -> &[Variant] {
        &self.variants[..self.variants.len() - 1]
    }
}

fn variant(label: &'static str, job: fn(Backend) -> Job) -> Variant {
    Variant {
        label,
        job,
        runs_on: |_| true,
    }
}

/// A peer facade's variant, on the backends `runs_on` accepts.
fn peer(label: &'static str, runs_on: fn(Backend) -> bool, job: fn(Backend) -> Job) -> Variant {
    Variant {
        label,
        job,
        runs_on,
    }
}

/// Gives native smol's global executor as many threads as anyrt's smol executor, unless
/// `SMOL_THREADS` is set already. Call before anything runs.
pub fn configure_smol_threads() {
    if std::env::var_os("SMOL_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::env::set_var("SMOL_THREADS", cores.to_string());
    }
}

fn smol_only(backend: Backend) -> bool {
    backend == Backend::Smol
}

/// An executor of the kind anyrt's smol backend runs (async-executor's `StaticExecutor`) with
/// as many worker threads, started on first use: the spawn rows' second native on smol.
/// `smol::spawn` runs on smol's global `Executor`, which also locks its list of live tasks at
/// every spawn and at every task's end; this one does not, so against it a row shows what
/// anyrt adds to the same executor.
fn static_executor() -> &'static async_executor::StaticExecutor {
    static EXECUTOR: async_executor::StaticExecutor = async_executor::StaticExecutor::new();
    static START: std::sync::Once = std::sync::Once::new();
    START.call_once(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for _ in 0..cores {
            std::thread::spawn(|| smol::block_on(EXECUTOR.run(std::future::pending::<()>())));
        }
    });
    &EXECUTOR
}

/// The TCP workloads, written once for an I/O trait family: `$read`/`$write` are its extension
/// traits and `$close` its way to send FIN.
macro_rules! tcp_workloads {
    ($(#[$doc:meta])* $module:ident, $read:path, $write:path, $bound_read:path, $bound_write:path, $close:ident) => {
        $(#[$doc])*
        mod $module {
            use super::*;
            use $bound_read as Read;
            use $bound_write as Write;
            use $read as _;
            use $write as _;

            pub(crate) async fn ping<S: Read + Write + Unpin>(mut client: S) {
                let mut buf = [7u8; MESSAGE];
                for _ in 0..ROUND_TRIPS {
                    client.write_all(&buf).await.unwrap();
                    client.read_exact(&mut buf).await.unwrap();
                }
            }

            pub(crate) async fn pong<S: Read + Write + Unpin>(mut server: S) {
                let mut buf = [0u8; MESSAGE];
                for _ in 0..ROUND_TRIPS {
                    server.read_exact(&mut buf).await.unwrap();
                    server.write_all(&buf).await.unwrap();
                }
            }

            pub(crate) async fn send<S: Write + Unpin>(mut client: S) {
                let chunk = vec![1u8; 64 * 1024];
                for _ in 0..STREAM_BYTES / chunk.len() {
                    client.write_all(&chunk).await.unwrap();
                }
                client.$close().await.unwrap();
            }

            pub(crate) async fn receive<S: Read + Unpin>(mut server: S) {
                let mut buf = vec![0u8; 64 * 1024];
                let mut total = 0;
                loop {
                    match server.read(&mut buf).await.unwrap() {
                        0 => break,
                        n => total += n,
                    }
                }
                assert_eq!(total, STREAM_BYTES);
            }
        }
    };
}

tcp_workloads!(
    /// Over futures-io streams (async-std, smol, anyrt everywhere).
    futures_io_tcp,
    futures_lite::AsyncReadExt,
    futures_lite::AsyncWriteExt,
    futures_lite::io::AsyncRead,
    futures_lite::io::AsyncWrite,
    close
);

tcp_workloads!(
    /// Over tokio's I/O traits (native tokio, and anyrt on tokio).
    tokio_io_tcp,
    tokio::io::AsyncReadExt,
    tokio::io::AsyncWriteExt,
    tokio::io::AsyncRead,
    tokio::io::AsyncWrite,
    shutdown
);

/// A connected pair of native streams of `backend`, driven through `$client` and `$server` in
/// one task (`zip`), so the row measures the I/O path rather than thread hand-offs, which on two
/// cores vary by ±15% from run to run.
macro_rules! native_pair {
    ($backend:expr, $client:ident, $server:ident) => {
        async move {
            match $backend {
                Backend::Tokio => {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let (client, server) =
                        zip(tokio::net::TcpStream::connect(addr), listener.accept()).await;
                    let (client, (server, _)) = (client.unwrap(), server.unwrap());
                    client.set_nodelay(true).unwrap();
                    server.set_nodelay(true).unwrap();
                    zip(tokio_io_tcp::$client(client), tokio_io_tcp::$server(server)).await;
                }
                Backend::AsyncStd => {
                    let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .unwrap();
                    let addr = listener.local_addr().unwrap();
                    let (client, server) =
                        zip(async_std::net::TcpStream::connect(addr), listener.accept()).await;
                    let (client, (server, _)) = (client.unwrap(), server.unwrap());
                    client.set_nodelay(true).unwrap();
                    server.set_nodelay(true).unwrap();
                    // async-std's close() sends no FIN: shut the write half down by hand.
                    let half = client.clone();
                    let client = async move {
                        futures_io_tcp::$client(client).await;
                        let _ = half.shutdown(std::net::Shutdown::Write);
                    };
                    zip(client, futures_io_tcp::$server(server)).await;
                }
                _ => {
                    let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let (client, server) =
                        zip(smol::net::TcpStream::connect(addr), listener.accept()).await;
                    let (client, (server, _)) = (client.unwrap(), server.unwrap());
                    client.set_nodelay(true).unwrap();
                    server.set_nodelay(true).unwrap();
                    zip(
                        futures_io_tcp::$client(client),
                        futures_io_tcp::$server(server),
                    )
                    .await;
                }
            }
        }
    };
}

/// The same pair with anyrt's streams, through tokio's traits on tokio and futures-io elsewhere.
macro_rules! anyrt_pair {
    ($backend:expr, $client:ident, $server:ident) => {
        async move {
            let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (client, server) =
                zip(anyrt::net::TcpStream::connect(addr), listener.accept()).await;
            let (client, (server, _)) = (client.unwrap(), server.unwrap());
            client.set_nodelay(true).unwrap();
            server.set_nodelay(true).unwrap();
            // anyrt's streams have both trait families in every build; each backend is timed
            // through the family its native uses.
            if $backend == Backend::Tokio {
                zip(tokio_io_tcp::$client(client), tokio_io_tcp::$server(server)).await;
                return;
            }
            zip(
                futures_io_tcp::$client(client),
                futures_io_tcp::$server(server),
            )
            .await;
        }
    };
}

/// The two mutex workloads, uncontended and contended, with one variant per mutex type.
macro_rules! mutex_variants {
    ($($label:literal $($Mutex:ident)::+),* $(,)?) => {
        (
            vec![$(variant($label, |_| {
                Box::pin(async {
                    let mutex = $($Mutex)::+::new(0u64);
                    for _ in 0..LOCKS {
                        *mutex.lock().await += 1;
                    }
                })
            })),*],
            vec![$(variant($label, |_| {
                Box::pin(async {
                    let mutex = std::sync::Arc::new($($Mutex)::+::new(0u64));
                    contend(move || {
                        let mutex = mutex.clone();
                        async move { *mutex.lock().await += 1 }
                    })
                    .await;
                })
            })),*],
        )
    };
}

/// The semaphore workloads, uncontended and contended, with one variant per semaphore type;
/// `$acquire` takes one permit from `$semaphore`.
macro_rules! semaphore_variants {
    ($($label:literal $($Semaphore:ident)::+ => |$semaphore:ident| $acquire:expr),* $(,)?) => {
        (
            vec![$(variant($label, |_| {
                Box::pin(async {
                    let $semaphore = $($Semaphore)::+::new(1);
                    for _ in 0..PERMITS {
                        drop($acquire);
                    }
                })
            })),*],
            vec![$(variant($label, |_| {
                Box::pin(async {
                    let $semaphore = std::sync::Arc::new($($Semaphore)::+::new(CONTENDED_PERMITS));
                    contend_n(PERMITS, move || {
                        let $semaphore = $semaphore.clone();
                        async move {
                            let _permit = $acquire;
                            // Held across a yield, so the other tasks find it taken.
                            anyrt::task::yield_now().await;
                        }
                    })
                    .await;
                })
            })),*],
        )
    };
}

/// `PRODUCERS` tasks (spawned with anyrt in every variant, so only the channel differs) send
/// `MESSAGES / PRODUCERS` numbers each through `$tx`; the calling task receives them all from
/// `$rx` with `$recv`, and checks their sum.
macro_rules! mpsc_variant {
    ($label:literal, $channel:expr, |$tx:ident, $value:ident| $send:expr, |$rx:ident| $recv:expr) => {
        variant($label, |_| {
            Box::pin(async {
                // `mut` for the receivers whose `recv` takes `&mut self`.
                #[allow(unused_mut)]
                let ($tx, mut $rx) = $channel;
                let per_producer = MESSAGES / PRODUCERS;
                for p in 0..PRODUCERS {
                    let $tx = $tx.clone();
                    anyrt::spawn(async move {
                        for i in 0..per_producer {
                            let $value = (p * per_producer + i) as u64;
                            $send;
                        }
                    });
                }
                drop($tx);
                let mut sum = 0u64;
                while let Some(value) = $recv {
                    sum += value;
                }
                let n = MESSAGES as u64;
                assert_eq!(sum, n * (n - 1) / 2);
            })
        })
    };
}

/// A TCP group over one connected pair: `$client` and `$server` drive its two ends.
macro_rules! pair_group {
    ($name:literal, $client:ident, $server:ident) => {
        Group::new(
            $name,
            true,
            vec![
                variant("native", |backend| {
                    Box::pin(native_pair!(backend, $client, $server))
                }),
                variant("anyrt", |backend| {
                    Box::pin(anyrt_pair!(backend, $client, $server))
                }),
            ],
        )
    };
}

/// `ROUND_TRIPS` datagrams of `MESSAGE` bytes between two connected sockets of type `$Udp`,
/// each waiting for its echo, both ends driven in one task (`zip`).
macro_rules! udp_ping_pong {
    ($($Udp:ident)::+) => {{
        let a = $($Udp)::+::bind("127.0.0.1:0").await.unwrap();
        let b = $($Udp)::+::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        let ping = async {
            let mut buf = [7u8; MESSAGE];
            for _ in 0..ROUND_TRIPS {
                a.send(&buf).await.unwrap();
                a.recv(&mut buf).await.unwrap();
            }
        };
        let pong = async {
            let mut buf = [0u8; MESSAGE];
            for _ in 0..ROUND_TRIPS {
                let n = b.recv(&mut buf).await.unwrap();
                b.send(&buf[..n]).await.unwrap();
            }
        };
        zip(ping, pong).await;
    }};
}

/// Every benchmark group, in the order they run.
pub fn groups() -> Vec<Group> {
    let (semaphore_uncontended, semaphore_contended) = semaphore_variants!(
        "native-tokio-sync" tokio::sync::Semaphore => |semaphore| semaphore.acquire().await.unwrap(),
        "native-async-lock" async_lock::Semaphore => |semaphore| semaphore.acquire().await,
        "anyrt" anyrt::sync::Semaphore => |semaphore| semaphore.acquire().await.unwrap(),
    );
    let (uncontended, contended) = mutex_variants!(
        "native-tokio-sync" tokio::sync::Mutex,
        "native-async-lock" async_lock::Mutex,
        "anyrt" anyrt::sync::Mutex,
    );
    let mut groups = vec![
        Group::new(
            "spawn_10k",
            false,
            vec![
                variant("native", |backend| {
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                spawn_then_join(
                                    TASKS,
                                    |i| tokio::spawn(async move { i }),
                                    |r| r.unwrap(),
                                )
                                .await
                            }
                            Backend::AsyncStd => {
                                spawn_then_join(
                                    TASKS,
                                    |i| async_std::task::spawn(async move { i }),
                                    |i| i,
                                )
                                .await
                            }
                            _ => {
                                spawn_then_join(TASKS, |i| smol::spawn(async move { i }), |i| i)
                                    .await
                            }
                        }
                    })
                }),
                peer("native-static-executor", smol_only, |_| {
                    Box::pin(async {
                        let executor = static_executor();
                        spawn_then_join(TASKS, |i| executor.spawn(async move { i }), |i| i).await
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
        // Issue 13's shape: every handle collected before the first is awaited, so the tasks
        // pile up in the executor's queue and the handles' size and allocations count.
        Group::new(
            "spawn_20k_then_await",
            false,
            vec![
                variant("native", |backend| {
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                spawn_all_then_await(|| tokio::spawn(async {}), |r| r.unwrap())
                                    .await
                            }
                            Backend::AsyncStd => {
                                spawn_all_then_await(|| async_std::task::spawn(async {}), |()| ())
                                    .await
                            }
                            _ => spawn_all_then_await(|| smol::spawn(async {}), |()| ()).await,
                        }
                    })
                }),
                peer("native-static-executor", smol_only, |_| {
                    Box::pin(async {
                        let executor = static_executor();
                        spawn_all_then_await(|| executor.spawn(async {}), |()| ()).await
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
            "spawn_blocking_1k",
            false,
            vec![
                variant("native", |backend| {
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                spawn_then_join(
                                    BLOCKING,
                                    |i| tokio::task::spawn_blocking(move || i),
                                    |r| r.unwrap(),
                                )
                                .await
                            }
                            Backend::AsyncStd => {
                                spawn_then_join(
                                    BLOCKING,
                                    |i| async_std::task::spawn_blocking(move || i),
                                    |i| i,
                                )
                                .await
                            }
                            _ => {
                                spawn_then_join(BLOCKING, |i| smol::unblock(move || i), |i| i).await
                            }
                        }
                    })
                }),
                variant("anyrt", |_| {
                    Box::pin(async {
                        spawn_then_join(
                            BLOCKING,
                            |i| anyrt::task::spawn_blocking(move || i),
                            |r| r.unwrap(),
                        )
                        .await
                    })
                }),
            ],
        ),
        Group::new(
            "sleep_1ms_10k_concurrent",
            false,
            vec![
                variant("native", |backend| {
                    let ms = Duration::from_millis(1);
                    Box::pin(async move {
                        match backend {
                            Backend::Tokio => {
                                drop(join_all((0..SLEEPS).map(|_| tokio::time::sleep(ms))).await)
                            }
                            Backend::AsyncStd => drop(
                                join_all((0..SLEEPS).map(|_| async_std::task::sleep(ms))).await,
                            ),
                            _ => drop(join_all((0..SLEEPS).map(|_| smol::Timer::after(ms))).await),
                        }
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
            "sleep_zero_20",
            false,
            vec![
                variant("native", |backend| {
                    Box::pin(async move {
                        for _ in 0..ZERO_SLEEPS {
                            match backend {
                                Backend::Tokio => tokio::time::sleep(Duration::ZERO).await,
                                Backend::AsyncStd => async_std::task::sleep(Duration::ZERO).await,
                                _ => drop(smol::Timer::after(Duration::ZERO).await),
                            }
                        }
                    })
                }),
                variant("anyrt", |_| {
                    Box::pin(async {
                        for _ in 0..ZERO_SLEEPS {
                            anyrt::time::sleep(Duration::ZERO).await;
                        }
                    })
                }),
            ],
        ),
        Group::new(
            "timeout_ready_10k",
            false,
            vec![
                variant("native", |backend| {
                    let second = Duration::from_secs(1);
                    Box::pin(async move {
                        for i in 0..TIMEOUTS {
                            let ready = std::future::ready(i);
                            let out = match backend {
                                Backend::Tokio => tokio::time::timeout(second, ready).await.ok(),
                                Backend::AsyncStd => {
                                    async_std::future::timeout(second, ready).await.ok()
                                }
                                // smol has no timeout function; this is its documented idiom.
                                _ => {
                                    futures_lite::future::or(async { Some(ready.await) }, async {
                                        smol::Timer::after(second).await;
                                        None
                                    })
                                    .await
                                }
                            };
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
        Group::new("mutex_uncontended_10k", false, uncontended),
        // The tasks are spawned with anyrt in all three, so only the mutex differs.
        Group::new("mutex_8_tasks_x_10k", true, contended),
        Group::new("semaphore_uncontended_10k", false, semaphore_uncontended),
        // 8 tasks, 2 permits, each held across a yield.
        Group::new("semaphore_8_tasks_x_10k", true, semaphore_contended),
        Group::new(
            "mpsc_1m_4_producers",
            true,
            vec![
                mpsc_variant!(
                    "native-tokio-sync",
                    tokio::sync::mpsc::channel(CHANNEL_CAPACITY),
                    |tx, value| tx.send(value).await.unwrap(),
                    |rx| rx.recv().await
                ),
                mpsc_variant!(
                    "native-async-channel",
                    async_channel::bounded(CHANNEL_CAPACITY),
                    |tx, value| tx.send(value).await.unwrap(),
                    |rx| rx.recv().await.ok()
                ),
                mpsc_variant!(
                    "anyrt",
                    anyrt::sync::mpsc::channel(CHANNEL_CAPACITY),
                    |tx, value| tx.send(value).await.unwrap(),
                    |rx| rx.recv().await
                ),
            ],
        ),
        pair_group!("tcp_ping_pong_10k_64B", ping, pong),
        pair_group!("tcp_stream_64MiB", send, receive),
        Group::new(
            "tcp_owned_halves_64MiB",
            true,
            vec![
                variant("native", |backend| Box::pin(native_owned_halves(backend))),
                variant("anyrt", |backend| Box::pin(anyrt_owned_halves(backend))),
            ],
        ),
        Group::new(
            "udp_ping_pong_10k_64B",
            true,
            vec![
                variant("native", |backend| Box::pin(native_udp_ping_pong(backend))),
                variant("anyrt", |_| {
                    Box::pin(async { udp_ping_pong!(anyrt::net::UdpSocket) })
                }),
            ],
        ),
        Group::new(
            "unix_ping_pong_10k_64B",
            true,
            vec![
                variant("native", |backend| Box::pin(native_unix_ping_pong(backend))),
                variant("anyrt", |backend| {
                    Box::pin(async move {
                        let (a, b) = anyrt::net::UnixStream::pair().unwrap();
                        // anyrt's streams have both trait families in every build; each backend
                        // is timed through the family its native uses.
                        if backend == Backend::Tokio {
                            zip(tokio_io_tcp::ping(a), tokio_io_tcp::pong(b)).await;
                        } else {
                            zip(futures_io_tcp::ping(a), futures_io_tcp::pong(b)).await;
                        }
                    })
                }),
            ],
        ),
        Group::new(
            "tcp_connect_accept_1k",
            true,
            vec![
                variant("native", |backend| Box::pin(native_connect_accept(backend))),
                variant("anyrt", |_| {
                    Box::pin(async {
                        let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                        let addr = listener.local_addr().unwrap();
                        for _ in 0..CONNECTIONS {
                            let (client, server) =
                                zip(anyrt::net::TcpStream::connect(addr), listener.accept()).await;
                            drop(client.unwrap());
                            drop(server.unwrap());
                        }
                    })
                }),
            ],
        ),
    ];
    groups.extend(custom::groups());
    groups.extend(peers::groups());
    groups
}

/// Spawns `n` tasks with `spawn` (task `i` returns `i`), then awaits their handles in order and
/// checks each output, which `output` takes out of the handle's result.
async fn spawn_then_join<H: Future>(
    n: usize,
    spawn: impl Fn(usize) -> H,
    output: impl Fn(H::Output) -> usize,
) {
    let handles: Vec<H> = (0..n).map(spawn).collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(output(handle.await), i);
    }
}

/// Spawns `TRIVIAL_TASKS` tasks that do nothing, collects their handles, then awaits them in
/// order; `check` unwraps each result.
async fn spawn_all_then_await<H: Future>(spawn: impl Fn() -> H, check: impl Fn(H::Output)) {
    let handles: Vec<H> = (0..TRIVIAL_TASKS).map(|_| spawn()).collect();
    for handle in handles {
        check(handle.await);
    }
}

/// `CONTENDERS` tasks, each running `increment` `LOCKS` times.
async fn contend<F, Fut>(increment: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    contend_n(LOCKS, increment).await
}

/// `CONTENDERS` tasks, each running `step` `times` times.
async fn contend_n<F, Fut>(times: usize, step: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let tasks: Vec<_> = (0..CONTENDERS)
        .map(|_| {
            let step = step.clone();
            anyrt::spawn(async move {
                for _ in 0..times {
                    step().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// `CONNECTIONS` native connect + accept pairs on one listener.
async fn native_connect_accept(backend: Backend) {
    match backend {
        Backend::Tokio => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for _ in 0..CONNECTIONS {
                let (client, server) =
                    zip(tokio::net::TcpStream::connect(addr), listener.accept()).await;
                drop(client.unwrap());
                drop(server.unwrap());
            }
        }
        Backend::AsyncStd => {
            let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            for _ in 0..CONNECTIONS {
                let (client, server) =
                    zip(async_std::net::TcpStream::connect(addr), listener.accept()).await;
                drop(client.unwrap());
                drop(server.unwrap());
            }
        }
        _ => {
            let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for _ in 0..CONNECTIONS {
                let (client, server) =
                    zip(smol::net::TcpStream::connect(addr), listener.accept()).await;
                drop(client.unwrap());
                drop(server.unwrap());
            }
        }
    }
}

/// Native UDP ping-pong on `backend`.
async fn native_udp_ping_pong(backend: Backend) {
    match backend {
        Backend::Tokio => udp_ping_pong!(tokio::net::UdpSocket),
        Backend::AsyncStd => udp_ping_pong!(async_std::net::UdpSocket),
        _ => udp_ping_pong!(smol::net::UdpSocket),
    }
}

/// Native Unix stream ping-pong on `backend`, over a socket pair.
async fn native_unix_ping_pong(backend: Backend) {
    match backend {
        Backend::Tokio => {
            let (a, b) = tokio::net::UnixStream::pair().unwrap();
            zip(tokio_io_tcp::ping(a), tokio_io_tcp::pong(b)).await;
        }
        Backend::AsyncStd => {
            let (a, b) = async_std::os::unix::net::UnixStream::pair().unwrap();
            zip(futures_io_tcp::ping(a), futures_io_tcp::pong(b)).await;
        }
        _ => {
            let (a, b) = smol::net::unix::UnixStream::pair().unwrap();
            zip(futures_io_tcp::ping(a), futures_io_tcp::pong(b)).await;
        }
    }
}

/// 64 MiB from a client's write half to a server's read half, native: tokio's owned halves;
/// async-std and smol have none, so their streams' clones are the halves.
async fn native_owned_halves(backend: Backend) {
    match backend {
        Backend::Tokio => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (client, server) =
                zip(tokio::net::TcpStream::connect(addr), listener.accept()).await;
            let (_client_read, client_write) = client.unwrap().into_split();
            let (server_read, _server_write) = server.unwrap().0.into_split();
            zip(
                tokio_io_tcp::send(client_write),
                tokio_io_tcp::receive(server_read),
            )
            .await;
        }
        Backend::AsyncStd => {
            let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let (client, server) =
                zip(async_std::net::TcpStream::connect(addr), listener.accept()).await;
            let (client, server) = (client.unwrap(), server.unwrap().0);
            let (client_write, server_read) = (client.clone(), server.clone());
            // async-std's close() sends no FIN: shut the write half down by hand.
            let sending = async move {
                futures_io_tcp::send(client_write).await;
                let _ = client.shutdown(std::net::Shutdown::Write);
            };
            zip(sending, futures_io_tcp::receive(server_read)).await;
        }
        _ => {
            let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (client, server) =
                zip(smol::net::TcpStream::connect(addr), listener.accept()).await;
            let (client, server) = (client.unwrap(), server.unwrap().0);
            zip(
                futures_io_tcp::send(client.clone()),
                futures_io_tcp::receive(server.clone()),
            )
            .await;
        }
    }
}

/// The same through anyrt's owned halves, timed through the trait family of the backend's
/// native.
async fn anyrt_owned_halves(backend: Backend) {
    let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = zip(anyrt::net::TcpStream::connect(addr), listener.accept()).await;
    let (_client_read, client_write) = client.unwrap().into_split();
    let (server_read, _server_write) = server.unwrap().0.into_split();
    if backend == Backend::Tokio {
        zip(
            tokio_io_tcp::send(client_write),
            tokio_io_tcp::receive(server_read),
        )
        .await;
    } else {
        zip(
            futures_io_tcp::send(client_write),
            futures_io_tcp::receive(server_read),
        )
        .await;
    }
}

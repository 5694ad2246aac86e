//! Bad input across the API: each row states what must happen, an `io::Error` of a given kind,
//! an anyrt panic message, or a well-defined value, and must hold on every backend.

mod common;

use std::future::Future;
use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::time::Duration;

use anyrt::time::Instant;

use anyrt::net::{TcpListener, TcpStream};
use anyrt::sync::Mutex;
use anyrt::time::{interval, interval_at, sleep, sleep_until, timeout};
use futures_lite::future::poll_once;
use futures_lite::{AsyncWriteExt, FutureExt};

/// What a row produced.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// An `io::Error` of this kind.
    Error(ErrorKind),
    /// A panic whose message starts with this.
    Panic(String),
    /// A value, described.
    Value(String),
}

type Row = (
    &'static str,
    Outcome,
    Pin<Box<dyn Future<Output = Outcome>>>,
);

fn error(kind: ErrorKind) -> Outcome {
    Outcome::Error(kind)
}

fn panic(prefix: &str) -> Outcome {
    Outcome::Panic(prefix.into())
}

fn value(description: &str) -> Outcome {
    Outcome::Value(description.into())
}

/// Awaits `handle` to its result, then polls it once more.
async fn poll_after_result(mut handle: anyrt::task::JoinHandle<()>) -> Outcome {
    (&mut handle).await.unwrap();
    let _ = (&mut handle).await;
    value("polled")
}

/// Runs `f`, turning a panic into `Outcome::Panic` with its full message.
async fn catching<F: Future<Output = Outcome>>(f: F) -> Outcome {
    match std::panic::AssertUnwindSafe(f).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(payload) => Outcome::Panic(common::panic_text(&*payload)),
    }
}

fn io_outcome<T>(result: io::Result<T>, ok: &str) -> Outcome {
    match result {
        Ok(_) => value(ok),
        Err(e) => error(e.kind()),
    }
}

fn rows() -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    macro_rules! row {
        ($input:expr, $expected:expr, $body:expr) => {
            rows.push(($input, $expected, Box::pin(catching($body))))
        };
    }
    row!(
        "bind \"not an addr\"",
        error(ErrorKind::InvalidInput),
        async { io_outcome(TcpListener::bind("not an addr").await, "bound") }
    );
    row!(
        "bind \"127.0.0.1:99999\" (port out of range)",
        error(ErrorKind::InvalidInput),
        async { io_outcome(TcpListener::bind("127.0.0.1:99999").await, "bound") }
    );
    row!(
        "bind \"127.0.0.1\" (no port)",
        error(ErrorKind::InvalidInput),
        async { io_outcome(TcpListener::bind("127.0.0.1").await, "bound") }
    );
    row!(
        "bind an empty address list",
        error(ErrorKind::InvalidInput),
        async { io_outcome(TcpListener::bind(&[][..]).await, "bound") }
    );
    row!(
        "bind \"256.0.0.1:80\" (unresolvable)",
        value("an error from the resolver"),
        async {
            match TcpListener::bind("256.0.0.1:80").await {
                Ok(_) => value("bound"),
                Err(e) if e.kind() != ErrorKind::InvalidInput => {
                    value("an error from the resolver")
                }
                Err(e) => error(e.kind()),
            }
        }
    );
    row!(
        "bind an address in use",
        error(ErrorKind::AddrInUse),
        async {
            let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
            io_outcome(
                TcpListener::bind(taken.local_addr().unwrap()).await,
                "bound",
            )
        }
    );
    row!(
        "bind an address not on this machine (192.0.2.1, TEST-NET-1)",
        error(ErrorKind::AddrNotAvailable),
        async { io_outcome(TcpListener::bind("192.0.2.1:0").await, "bound") }
    );
    row!(
        "connect to a port nobody listens on",
        error(ErrorKind::ConnectionRefused),
        async {
            let addr = TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap()
                .local_addr()
                .unwrap();
            io_outcome(TcpStream::connect(addr).await, "connected")
        }
    );
    row!(
        "connect \"not an addr\"",
        error(ErrorKind::InvalidInput),
        async { io_outcome(TcpStream::connect("not an addr").await, "connected") }
    );
    row!(
        "write after shutdown",
        error(ErrorKind::BrokenPipe),
        async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let _server = listener.accept().await.unwrap();
            stream.shutdown().await.unwrap();
            io_outcome(stream.write_all(b"late").await, "written")
        }
    );
    row!("shutdown twice", value("Ok"), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let _server = listener.accept().await.unwrap();
        stream.shutdown().await.unwrap();
        io_outcome(stream.shutdown().await, "Ok")
    });
    row!("sleep(Duration::MAX)", value("pending, no panic"), async {
        match poll_once(sleep(Duration::MAX)).await {
            None => value("pending, no panic"),
            Some(()) => value("fired"),
        }
    });
    row!(
        "sleep_until(now + 100 years)",
        value("pending, no panic"),
        async {
            let far = Instant::now() + Duration::from_secs(100 * 365 * 86_400);
            match timeout(Duration::from_millis(10), sleep_until(far)).await {
                Err(_) => value("pending, no panic"),
                Ok(()) => value("fired"),
            }
        }
    );
    row!(
        "sleep_until(a past instant)",
        value("ready on first poll"),
        async {
            match poll_once(sleep_until(Instant::now() - Duration::from_secs(1))).await {
                Some(()) => value("ready on first poll"),
                None => value("pending"),
            }
        }
    );
    row!("timeout(Duration::MAX, ready)", value("Ok"), async {
        match timeout(Duration::MAX, async { 1 }).await {
            Ok(1) => value("Ok"),
            other => value(&format!("{other:?}")),
        }
    });
    row!("timeout(ZERO, pending)", value("Elapsed"), async {
        match timeout(Duration::ZERO, std::future::pending::<()>()).await {
            Err(_) => value("Elapsed"),
            Ok(()) => value("Ok"),
        }
    });
    row!(
        "interval(ZERO)",
        panic("anyrt: an interval's `period` must be non-zero"),
        async {
            drop(interval(Duration::ZERO));
            value("an interval")
        }
    );
    row!(
        "interval_at(now, ZERO)",
        panic("anyrt: an interval's `period` must be non-zero"),
        async {
            drop(interval_at(Instant::now(), Duration::ZERO));
            value("an interval")
        }
    );
    row!(
        "Mutex::blocking_lock in async code",
        panic("anyrt: `Mutex::blocking_lock` was called from async code"),
        async {
            let mutex = Mutex::new(0);
            drop(mutex.blocking_lock());
            value("locked")
        }
    );
    row!(
        "block_on in async code",
        panic("anyrt: `block_on` was called from async code"),
        async {
            anyrt::block_on(async {});
            value("ran")
        }
    );
    row!(
        "block_on_local in async code",
        panic("anyrt: `block_on` was called from async code"),
        async {
            anyrt::task::block_on_local(async {});
            value("ran")
        }
    );
    row!(
        "spawn_local outside a LocalSet",
        panic("anyrt: `spawn_local` was called outside a `LocalSet`"),
        async {
            drop(anyrt::task::spawn_local(async {}));
            value("spawned")
        }
    );
    row!("abort after completion", value("Ok(output)"), async {
        let handle = anyrt::spawn(async { 5 });
        while !handle.is_finished() {
            anyrt::task::yield_now().await;
        }
        handle.abort();
        match handle.await {
            Ok(5) => value("Ok(output)"),
            other => value(&format!("{other:?}")),
        }
    });
    row!("abort twice", value("cancelled"), async {
        let handle = anyrt::spawn(sleep(Duration::from_secs(3600)));
        handle.abort();
        handle.abort();
        match handle.await {
            Err(e) if e.is_cancelled() => value("cancelled"),
            other => value(&format!("{other:?}")),
        }
    });
    row!(
        "await the handle of an aborted task",
        value("cancelled"),
        async {
            let handle = anyrt::spawn(std::future::pending::<()>());
            handle.abort();
            match handle.await {
                Err(e) if e.is_cancelled() => value("cancelled"),
                other => value(&format!("{other:?}")),
            }
        }
    );
    const REPOLLED: &str = "anyrt: a `JoinHandle` was polled after it returned its result";
    row!(
        "poll a JoinHandle after it returned",
        panic(REPOLLED),
        poll_after_result(anyrt::spawn(async {}))
    );
    row!(
        "poll a spawn_blocking JoinHandle after it returned",
        panic(REPOLLED),
        poll_after_result(anyrt::task::spawn_blocking(|| ()))
    );
    row!(
        "poll a JoinHandle that has an AbortHandle after it returned",
        panic(REPOLLED),
        async {
            let handle = anyrt::spawn(async {});
            let _abort = handle.abort_handle();
            poll_after_result(handle).await
        }
    );
    row!(
        "poll a spawn_local JoinHandle after it returned",
        panic(REPOLLED),
        async {
            let local = anyrt::task::LocalSet::new();
            local
                .run_until(async { poll_after_result(anyrt::task::spawn_local(async {})).await })
                .await
        }
    );
    row!(
        "abort, is_finished and abort_handle on a JoinHandle that returned",
        value("finished, abort ignored"),
        async {
            let mut handle = anyrt::spawn(async {});
            (&mut handle).await.unwrap();
            handle.abort();
            let abort = handle.abort_handle();
            abort.abort();
            if handle.is_finished() && abort.is_finished() {
                value("finished, abort ignored")
            } else {
                value("unfinished")
            }
        }
    );
    row!(
        "JoinError::into_panic on a cancelled task",
        panic("anyrt: `JoinError::into_panic` on a cancelled task"),
        async {
            let handle = anyrt::spawn(std::future::pending::<()>());
            handle.abort();
            drop(handle.await.unwrap_err().into_panic());
            value("a payload")
        }
    );
    row!(
        "UDP join_multicast_v4 at a unicast address",
        error(ErrorKind::InvalidInput),
        async {
            let socket = anyrt::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
            io_outcome(
                socket.join_multicast_v4(
                    std::net::Ipv4Addr::LOCALHOST,
                    std::net::Ipv4Addr::UNSPECIFIED,
                ),
                "joined",
            )
        }
    );
    row!(
        "UDP send_to an empty address list",
        error(ErrorKind::InvalidInput),
        async {
            let socket = anyrt::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            io_outcome(socket.send_to(b"x", &[][..]).await, "sent")
        }
    );
    row!(
        "UDP try_io with an interest nothing will signal",
        // The simulation's sockets have no descriptor for a system call of the caller's.
        if anyrt::Backend::current() == anyrt::Backend::Sim {
            value("Unsupported after 0 calls")
        } else {
            value("f ran once, at once: WouldBlock")
        },
        async {
            // try_io never waits for the interest: it runs f at once, whatever the interest.
            let socket = anyrt::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut calls = 0;
            let result = socket.try_io(anyrt::io::Interest::READABLE, || {
                calls += 1;
                socket2::SockRef::from(&socket).peek_sender().map(drop)
            });
            match result {
                Err(e) if e.kind() == ErrorKind::WouldBlock && calls == 1 => {
                    value("f ran once, at once: WouldBlock")
                }
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    value(&format!("Unsupported after {calls} calls"))
                }
                other => value(&format!("{other:?} after {calls} calls")),
            }
        }
    );
    #[cfg(unix)]
    {
        row!(
            "UnixListener::bind a path longer than sun_path",
            error(ErrorKind::InvalidInput),
            async {
                let long = std::env::temp_dir().join("x".repeat(200));
                io_outcome(anyrt::net::UnixListener::bind(long), "bound")
            }
        );
        row!(
            "UnixListener::bind a path that exists",
            error(ErrorKind::AddrInUse),
            async {
                let path = std::env::temp_dir().join(format!(
                    "anyrt-bad-input-{}-{}.sock",
                    std::process::id(),
                    anyrt::Backend::current().name()
                ));
                let _ = std::fs::remove_file(&path);
                std::fs::write(&path, b"").unwrap();
                let outcome = io_outcome(anyrt::net::UnixListener::bind(&path), "bound");
                let _ = std::fs::remove_file(&path);
                outcome
            }
        );
        row!(
            "AsyncFd::new on a regular file (epoll refuses it)",
            // The simulation registers no OS descriptor at all.
            if anyrt::Backend::current() == anyrt::Backend::Sim {
                error(ErrorKind::Unsupported)
            } else {
                error(ErrorKind::PermissionDenied)
            },
            async {
                let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
                io_outcome(anyrt::io::AsyncFd::new(file), "registered")
            }
        );
    }
    row!(
        "mpsc::channel(0)",
        panic("anyrt: `mpsc::channel` needs a capacity of at least 1"),
        async {
            drop(anyrt::sync::mpsc::channel::<u8>(0));
            value("a channel")
        }
    );
    row!(
        "broadcast::channel(0)",
        panic("anyrt: `broadcast::channel` needs a capacity of at least 1"),
        async {
            drop(anyrt::sync::broadcast::channel::<u8>(0));
            value("a channel")
        }
    );
    row!(
        "Semaphore::new(MAX_PERMITS + 1)",
        panic("anyrt: a semaphore holds at most `Semaphore::MAX_PERMITS`"),
        async {
            let semaphore = anyrt::sync::Semaphore::new(anyrt::sync::Semaphore::MAX_PERMITS + 1);
            value(&format!("{semaphore:?}"));
            value("a semaphore")
        }
    );
    row!(
        "Barrier::new(0), then wait",
        value("released at once, as the leader"),
        async {
            match anyrt::sync::Barrier::new(0).wait().await.is_leader() {
                true => value("released at once, as the leader"),
                false => value("released, not as the leader"),
            }
        }
    );
    row!(
        "a oneshot Receiver polled after it returned",
        panic("anyrt: a oneshot `Receiver` was polled after it returned its result"),
        async {
            let (tx, mut rx) = anyrt::sync::oneshot::channel();
            tx.send(1).unwrap();
            let _ = (&mut rx).await;
            let _ = (&mut rx).await;
            value("polled")
        }
    );
    row!(
        "LocalKey::get outside a scope",
        panic("anyrt: the task-local `KEY` was read outside a `scope`"),
        async {
            anyrt::task_local! {
                static KEY: u8;
            }
            value(&KEY.get().to_string())
        }
    );
    row!(
        "select! with every branch disabled and no else",
        panic("anyrt: every branch of `select!` is disabled"),
        async {
            let never = false;
            anyrt::select! {
                _ = std::future::ready(()), if never => {}
            }
            value("selected")
        }
    );
    for &backend in anyrt::Backend::all() {
        if !backend.is_compiled() {
            row!(
                "Backend::block_on for a backend not compiled in",
                panic("anyrt: the"),
                async move {
                    backend.block_on(async {});
                    value("ran")
                }
            );
        }
    }
    rows
}

#[anyrt::test]
async fn every_bad_input_gets_its_documented_answer() {
    let mut table = String::new();
    let mut failures = Vec::new();
    let rows = rows();
    let count = rows.len();
    for (input, expected, run) in rows {
        let observed = common::within(input, run).await;
        let holds = match (&expected, &observed) {
            (Outcome::Panic(prefix), Outcome::Panic(message)) => {
                message.starts_with(prefix.as_str())
            }
            _ => expected == observed,
        };
        table.push_str(&format!("| {input} | {observed:?} |\n"));
        if !holds {
            failures.push(format!("{input}: expected {expected:?}, got {observed:?}"));
        }
    }
    eprintln!("bad input on {}:\n{table}", anyrt::Backend::current());
    assert!(count >= 20, "only {count} rows");
    assert!(
        failures.is_empty(),
        "on {}:\n{}",
        anyrt::Backend::current(),
        failures.join("\n")
    );
}

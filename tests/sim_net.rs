//! The simulated network of named hosts (`anyrt::sim::{Builder, Sim::host, Sim::client}`):
//! addresses and names, latency in virtual time, partitions, crashes and bounces, datagram
//! faults, and traces that a seed replays.
#![cfg(feature = "rt-sim")]

use std::error::Error;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream, UdpSocket};
use anyrt::sim::{Builder, Link};
use anyrt::time::{sleep, timeout, Instant};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

type Outcome = Result<(), Box<dyn Error>>;

/// Echoes every byte of every connection on port 7000 of its host.
async fn echo_server() -> Outcome {
    let listener = TcpListener::bind("0.0.0.0:7000").await?;
    loop {
        let (mut stream, _) = listener.accept().await?;
        anyrt::spawn(async move {
            let mut buf = [0u8; 1024];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}

#[test]
fn hosts_have_addresses_and_names_that_resolve() {
    let mut sim = Builder::new().seed(1).build();
    sim.host("server", echo_server);
    sim.client("client", async {
        // Both start at once: give the server its first poll.
        sleep(Duration::from_millis(1)).await;
        let mut stream = TcpStream::connect("server:7000").await?;
        assert_eq!(
            stream.peer_addr()?,
            "192.168.0.1:7000".parse::<SocketAddr>()?
        );
        assert_eq!(stream.local_addr()?.ip().to_string(), "192.168.0.2");
        stream.write_all(b"ping").await?;
        let mut answer = [0u8; 4];
        stream.read_exact(&mut answer).await?;
        assert_eq!(&answer, b"ping");
        let found: Vec<_> = anyrt::net::lookup_host("server:80").await?.collect();
        assert_eq!(found, ["192.168.0.1:80".parse::<SocketAddr>()?]);
        // An unknown name fails as a resolver's lookup does; so does the IP of no host.
        let unknown = TcpStream::connect("nowhere:7000").await.unwrap_err();
        assert!(unknown.to_string().contains("nowhere"), "{unknown}");
        let stray = TcpStream::connect("10.1.2.3:7000").await.unwrap_err();
        assert_eq!(stray.kind(), ErrorKind::NetworkUnreachable);
        // Loopback is each host's own: nothing listens on the client's port 7000.
        let own = TcpStream::connect("127.0.0.1:7000").await.unwrap_err();
        assert_eq!(own.kind(), ErrorKind::ConnectionRefused);
        Ok(())
    });
    sim.run().unwrap();
}

#[test]
fn a_listener_on_loopback_is_out_of_other_hosts_reach() {
    let mut sim = Sim::with_seed(2);
    sim.host("server", || async {
        let listener = TcpListener::bind("127.0.0.1:7000").await?;
        let _ = listener.accept().await?;
        Ok(())
    });
    sim.client("client", async {
        sleep(Duration::from_millis(1)).await;
        let refused = TcpStream::connect("server:7000").await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
        Ok(())
    });
    sim.run().unwrap();
}

/// `Sim::new` under a name that reads well here.
struct Sim;

impl Sim {
    fn with_seed(seed: u64) -> anyrt::sim::Sim {
        anyrt::sim::Sim::new(seed)
    }
}

#[test]
fn latency_is_paid_in_virtual_time_exactly() {
    let mut sim = Builder::new()
        .seed(3)
        .latency(Duration::from_millis(10))
        .build();
    sim.host("server", echo_server);
    sim.client("client", async {
        let start = Instant::now();
        let mut stream = TcpStream::connect("server:7000").await?;
        // A connection takes a round trip.
        assert_eq!(start.elapsed(), Duration::from_millis(20));
        let sent = Instant::now();
        stream.write_all(b"x").await?;
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await?;
        // So does a request and its answer.
        assert_eq!(sent.elapsed(), Duration::from_millis(20));
        // The host reaches itself at once.
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let here = Instant::now();
        let _own = TcpStream::connect(listener.local_addr()?).await?;
        assert_eq!(here.elapsed(), Duration::ZERO);
        Ok(())
    });
    sim.run().unwrap();
}

#[test]
fn a_partition_stalls_tcp_until_repaired_and_timeouts_fire_meanwhile() {
    let mut sim = Builder::new()
        .seed(4)
        .latency(Duration::from_millis(5))
        .build();
    sim.host("server", echo_server);
    sim.client("client", async {
        let mut stream = TcpStream::connect("server:7000").await?;
        anyrt::sim::partition("client", "server");
        stream.write_all(b"held").await?;
        let mut answer = [0u8; 4];
        let start = Instant::now();
        let stalled = timeout(Duration::from_secs(1), stream.read_exact(&mut answer)).await;
        assert!(stalled.is_err(), "data crossed a partition");
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        // A new connection waits too.
        let connecting = timeout(Duration::from_secs(1), TcpStream::connect("server:7000")).await;
        assert!(connecting.is_err(), "connected across a partition");
        anyrt::sim::repair("client", "server");
        let repaired = Instant::now();
        stream.read_exact(&mut answer).await?;
        assert_eq!(&answer, b"held");
        // Held data travels at the repair, then the echo comes back: one round trip.
        assert_eq!(repaired.elapsed(), Duration::from_millis(10));
        Ok(())
    });
    sim.run().unwrap();
}

#[test]
fn a_crash_resets_connections_and_a_bounce_starts_the_software_again() {
    let starts = Arc::new(AtomicUsize::new(0));
    let mut sim = Builder::new()
        .seed(5)
        .latency(Duration::from_millis(1))
        .build();
    let counted = starts.clone();
    sim.host("server", move || {
        counted.fetch_add(1, Ordering::SeqCst);
        echo_server()
    });
    sim.client("client", async {
        let mut stream = TcpStream::connect("server:7000").await?;
        anyrt::sim::crash("server");
        let mut byte = [0u8; 1];
        let reset = stream.read(&mut byte).await.unwrap_err();
        assert_eq!(reset.kind(), ErrorKind::ConnectionReset);
        // Down: a connection attempt gets silence.
        let silent = timeout(Duration::from_secs(5), TcpStream::connect("server:7000")).await;
        assert!(silent.is_err(), "a crashed host answered");
        anyrt::sim::bounce("server");
        sleep(Duration::from_millis(1)).await;
        let mut again = TcpStream::connect("server:7000").await?;
        again.write_all(b"y").await?;
        again.read_exact(&mut byte).await?;
        assert_eq!(&byte, b"y");
        Ok(())
    });
    sim.run().unwrap();
    assert_eq!(starts.load(Ordering::SeqCst), 2);
}

/// 200 numbered datagrams over a faulty link; what the receiver saw, in order.
fn faulty_udp(seed: u64) -> Vec<u32> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut sim = Builder::new()
        .seed(seed)
        .link(
            Link::new()
                .latency(Duration::from_millis(10))
                .jitter(Duration::from_millis(3))
                .loss(0.2)
                .duplicate(0.1)
                .reorder(0.1),
        )
        .build();
    let log = seen.clone();
    sim.host("sink", move || {
        let log = log.clone();
        async move {
            let socket = UdpSocket::bind("0.0.0.0:5353").await?;
            let mut buf = [0u8; 4];
            loop {
                let (n, from) = socket.recv_from(&mut buf).await?;
                assert_eq!(from.ip().to_string(), "192.168.0.2");
                log.lock()
                    .unwrap()
                    .push(u32::from_be_bytes(buf[..n].try_into()?));
            }
        }
    });
    sim.client("source", async {
        let socket = UdpSocket::bind("0.0.0.0:0").await?;
        for i in 0u32..200 {
            socket.send_to(&i.to_be_bytes(), "sink:5353").await?;
            sleep(Duration::from_millis(1)).await;
        }
        sleep(Duration::from_secs(1)).await;
        Ok(())
    });
    sim.run().unwrap();
    let seen = seen.lock().unwrap().clone();
    seen
}

#[test]
fn datagram_loss_duplication_and_reordering_follow_the_seed() {
    let first = faulty_udp(6);
    assert_eq!(faulty_udp(6), first, "the same seed delivered differently");
    let distinct: std::collections::BTreeSet<_> = first.iter().collect();
    assert!(distinct.len() < 200, "nothing was lost");
    assert!(
        distinct.len() > 100,
        "too much was lost: {}",
        distinct.len()
    );
    assert!(first.len() > distinct.len(), "nothing was duplicated");
    assert!(
        first.windows(2).any(|w| w[0] > w[1]),
        "nothing was reordered"
    );
    assert_ne!(faulty_udp(7), first, "another seed delivered the same");
}

#[test]
fn a_partition_loses_datagrams_and_a_clean_link_loses_none() {
    let mut sim = Sim::with_seed(8);
    let got = Arc::new(AtomicUsize::new(0));
    let counted = got.clone();
    sim.host("sink", move || {
        let counted = counted.clone();
        async move {
            let socket = UdpSocket::bind("0.0.0.0:5353").await?;
            let mut buf = [0u8; 8];
            loop {
                socket.recv_from(&mut buf).await?;
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    sim.client("source", async {
        let socket = UdpSocket::bind("0.0.0.0:0").await?;
        sleep(Duration::from_millis(1)).await;
        for _ in 0..10 {
            socket.send_to(b"kept", "sink:5353").await?;
        }
        anyrt::sim::partition("source", "sink");
        for _ in 0..10 {
            socket.send_to(b"lost", "sink:5353").await?;
        }
        sleep(Duration::from_millis(1)).await;
        Ok(())
    });
    sim.run().unwrap();
    assert_eq!(got.load(Ordering::SeqCst), 10);
}

/// Three hosts gossip a counter over TCP with latency and jitter; every message's send and
/// arrival, with its virtual time, goes into the trace.
fn trace(seed: u64) -> Vec<String> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut sim = Builder::new()
        .seed(seed)
        .latency(Duration::from_millis(3))
        .jitter(Duration::from_millis(4))
        .build();
    for name in ["a", "b"] {
        let log = log.clone();
        sim.host(name, move || {
            let log = log.clone();
            async move {
                let listener = TcpListener::bind("0.0.0.0:9000").await?;
                loop {
                    let (mut stream, from) = listener.accept().await?;
                    let log = log.clone();
                    anyrt::spawn(async move {
                        let mut byte = [0u8; 1];
                        while stream.read_exact(&mut byte).await.is_ok() {
                            log.lock().unwrap().push(format!(
                                "{:?} {name} got {} from {}",
                                anyrt::sim::elapsed(),
                                byte[0],
                                from.ip()
                            ));
                            let _ = stream.write_all(&[byte[0] + 1]).await;
                        }
                    });
                }
            }
        });
    }
    let client_log = log.clone();
    sim.client("c", async move {
        sleep(Duration::from_millis(1)).await;
        let mut peers = Vec::new();
        for name in ["a:9000", "b:9000"] {
            peers.push(TcpStream::connect(name).await?);
        }
        let mut tasks = Vec::new();
        for (i, mut peer) in peers.into_iter().enumerate() {
            let log = client_log.clone();
            tasks.push(anyrt::spawn(async move {
                for n in 0..5u8 {
                    peer.write_all(&[n * 10 + i as u8]).await?;
                    let mut byte = [0u8; 1];
                    peer.read_exact(&mut byte).await?;
                    log.lock().unwrap().push(format!(
                        "{:?} c got {} back",
                        anyrt::sim::elapsed(),
                        byte[0]
                    ));
                }
                std::io::Result::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        Ok(())
    });
    sim.run().unwrap();
    let trace = log.lock().unwrap().clone();
    trace
}

#[test]
fn the_trace_of_a_seed_is_the_same_every_run() {
    let first = trace(11);
    let second = trace(11);
    println!("seed 11, first run:\n{}", first.join("\n"));
    println!("seed 11, second run:\n{}", second.join("\n"));
    assert_eq!(first.len(), 20);
    assert_eq!(first, second);
    assert_ne!(trace(12), first, "another seed gave the same trace");
}

#[test]
fn a_failing_client_is_named_with_its_error_and_the_seed() {
    let mut sim = Builder::new().seed(13).build();
    sim.host("server", echo_server);
    sim.client("fine", async { Ok(()) });
    sim.client("picky", async {
        let _ = TcpStream::connect("server:7001").await?;
        Ok(())
    });
    let error = sim.run().unwrap_err();
    assert_eq!(error.name(), "picky");
    assert_eq!(error.seed(), 13);
    let text = error.to_string();
    assert!(text.contains("`picky` failed"), "{text}");
    assert!(text.contains("seed 13"), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

#[test]
fn fault_functions_reject_unknown_hosts_and_use_outside_a_simulation() {
    let outside = std::panic::catch_unwind(|| anyrt::sim::partition("a", "b")).unwrap_err();
    let message = outside.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("anyrt: `sim::partition` was called outside"),
        "{message}"
    );
    let mut sim = Sim::with_seed(14);
    sim.client("only", async {
        let unknown = std::panic::catch_unwind(|| anyrt::sim::crash("ghost")).unwrap_err();
        let message = unknown.downcast_ref::<String>().unwrap();
        assert!(message.contains("\"ghost\""), "{message}");
        Ok(())
    });
    sim.run().unwrap();
}

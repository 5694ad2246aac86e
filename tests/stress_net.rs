//! Load through the new network types: 9,000 concurrent TCP connections echoing through owned
//! halves, and 64 UDP sockets x 10,000 request/response datagrams.
//!
//! Heavy: `#[ignore]`d in the plain test run; `.ci/run` runs them in release mode with
//! `--include-ignored --test-threads 1`. Loopback only; each stops by itself.

mod common;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyrt::net::{TcpListener, TcpStream, UdpSocket};
use anyrt::time::timeout;
use common::{rss_kib, within, Checksum};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

const CONNECTIONS: usize = 9_000;
const BYTES_PER_CONNECTION: usize = 128 * 1024;
const MAX_WRITE: usize = 16 * 1024;
/// Connections opened at once while the 9,000 are set up (the backlog is 1,024).
const CONNECTING: usize = 256;

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// The client of one connection: a writer task sends seeded random bytes in writes of random
/// size through the owned write half while this task reads the echo through the read half.
async fn client(stream: TcpStream, seed: u64) -> io::Result<(Checksum, Checksum, usize)> {
    let (mut read, mut write) = stream.into_split();
    let writer = anyrt::spawn(async move {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut sent = Checksum::default();
        let mut chunk = vec![0u8; MAX_WRITE];
        let mut remaining = BYTES_PER_CONNECTION;
        while remaining > 0 {
            let len = rng.usize(1..=MAX_WRITE.min(remaining));
            rng.fill(&mut chunk[..len]);
            write.write_all(&chunk[..len]).await?;
            sent.update(&chunk[..len]);
            remaining -= len;
        }
        // Dropping the owned write half sends FIN.
        drop(write);
        io::Result::Ok(sent)
    });
    let mut received = Checksum::default();
    let mut count = 0;
    let mut buf = vec![0u8; MAX_WRITE];
    loop {
        let n = read.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        received.update(&buf[..n]);
        count += n;
    }
    let sent = writer.await??;
    Ok((sent, received, count))
}

#[anyrt::test]
#[ignore = "heavy: run by .ci/run in release mode"]
async fn nine_thousand_connections_echo_through_owned_halves() -> io::Result<()> {
    common::raise_fd_limit();
    let (rss_before, _) = rss_kib();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let echoed = Arc::new(AtomicU64::new(0));
    let server = {
        let echoed = echoed.clone();
        anyrt::spawn(async move {
            let mut connections = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                let (stream, _) = listener.accept().await?;
                let echoed = echoed.clone();
                connections.push(anyrt::spawn(async move {
                    let (mut read, mut write) = stream.into_split();
                    let n = futures_lite::io::copy(&mut read, &mut write).await?;
                    echoed.fetch_add(n, Ordering::Relaxed);
                    write.close().await
                }));
            }
            for connection in connections {
                connection.await??;
            }
            io::Result::Ok(())
        })
    };
    let start = Instant::now();
    // Every connection is open before any data moves: 18,000 descriptors at once.
    let mut streams = Vec::with_capacity(CONNECTIONS);
    while streams.len() < CONNECTIONS {
        let batch = CONNECTING.min(CONNECTIONS - streams.len());
        let connecting: Vec<_> = (0..batch)
            .map(|_| anyrt::spawn(TcpStream::connect(addr)))
            .collect();
        for connecting in connecting {
            streams.push(within("connect", connecting).await??);
        }
    }
    let peak_descriptors = open_descriptors();
    let connected = start.elapsed();
    let clients: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(seed, stream)| anyrt::spawn(client(stream, seed as u64)))
        .collect();
    let (mut mismatched, mut bytes) = (0, 0);
    for client in clients {
        let (sent, received, count) = within("client", client).await??;
        bytes += count;
        if sent != received || count != BYTES_PER_CONNECTION {
            mismatched += 1;
        }
    }
    within("server", server).await??;
    let elapsed = start.elapsed();
    let (rss_after, peak) = rss_kib();
    eprintln!(
        "stress_net tcp on {}: {CONNECTIONS} connections ({peak_descriptors} descriptors open at \
         once), {} MiB echoed, {mismatched} mismatched, connected in {:.2} s, {:.2} s in all, \
         RSS {} -> {} MiB (peak {} MiB)",
        anyrt::Backend::current(),
        bytes >> 20,
        connected.as_secs_f64(),
        elapsed.as_secs_f64(),
        rss_before >> 10,
        rss_after >> 10,
        peak >> 10
    );
    // Every connection holds two descriptors, except in the simulation, which opens none.
    if anyrt::Backend::current().name() != "sim" {
        assert!(peak_descriptors >= 2 * CONNECTIONS, "{peak_descriptors}");
    }
    assert_eq!(mismatched, 0, "echoed bytes differ from the bytes sent");
    assert_eq!(bytes, CONNECTIONS * BYTES_PER_CONNECTION, "bytes lost");
    assert_eq!(
        echoed.load(Ordering::Relaxed),
        (CONNECTIONS * BYTES_PER_CONNECTION) as u64
    );
    assert!(elapsed < Duration::from_secs(300));
    Ok(())
}

const UDP_SOCKETS: usize = 64;
const DATAGRAMS: u32 = 10_000;
/// A request with no answer after this long counts as lost.
const UDP_WAIT: Duration = Duration::from_secs(2);

/// The payload of request `seq` of socket `id`: a header and 48 bytes derived from both.
fn payload(id: u32, seq: u32) -> [u8; 56] {
    let mut out = [0u8; 56];
    out[..4].copy_from_slice(&id.to_be_bytes());
    out[4..8].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in out[8..].iter_mut().enumerate() {
        *b = (id as usize * 31 + seq as usize * 7 + i) as u8;
    }
    out
}

#[anyrt::test]
#[ignore = "heavy: run by .ci/run in release mode"]
async fn sixty_four_udp_sockets_ten_thousand_requests_each() -> io::Result<()> {
    let (rss_before, _) = rss_kib();
    // One server socket, shared by four tasks that all wait on it at once.
    let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
    let server_addr = server.local_addr()?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let servers: Vec<_> = (0..4)
        .map(|_| {
            let (server, stop) = (server.clone(), stop.clone());
            anyrt::spawn(async move {
                let mut buf = [0u8; 64];
                let mut answered = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(received) =
                        timeout(Duration::from_millis(50), server.recv_from(&mut buf)).await
                    {
                        let (n, from) = received?;
                        server.send_to(&buf[..n], from).await?;
                        answered += 1;
                    }
                }
                io::Result::Ok(answered)
            })
        })
        .collect();
    let start = Instant::now();
    let clients: Vec<_> = (0..UDP_SOCKETS as u32)
        .map(|id| {
            anyrt::spawn(async move {
                let socket = UdpSocket::bind("127.0.0.1:0").await?;
                socket.connect(server_addr).await?;
                let (mut lost, mut wrong) = (0u32, 0u32);
                let mut buf = [0u8; 64];
                for seq in 0..DATAGRAMS {
                    let request = payload(id, seq);
                    socket.send(&request).await?;
                    // One datagram in flight: wait for this answer, drop stale ones.
                    let deadline = Instant::now() + UDP_WAIT;
                    loop {
                        match anyrt::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                            Err(_) => {
                                lost += 1;
                                break;
                            }
                            Ok(n) => {
                                let n = n?;
                                if buf[..n] == request {
                                    break;
                                }
                                if n != request.len() || buf[..4] != request[..4] {
                                    wrong += 1;
                                }
                            }
                        }
                    }
                }
                io::Result::Ok((lost, wrong))
            })
        })
        .collect();
    let (mut lost, mut wrong) = (0, 0);
    for client in clients {
        let (l, w) = common::within("udp client", async {
            match timeout(Duration::from_secs(280), client).await {
                Ok(result) => result,
                Err(_) => panic!("a UDP client did not finish in 280 s"),
            }
        })
        .await??;
        lost += l;
        wrong += w;
    }
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut answered = 0;
    for server in servers {
        answered += within("udp server", server).await??;
    }
    let (rss_after, peak) = rss_kib();
    eprintln!(
        "stress_net udp on {}: {UDP_SOCKETS} sockets x {DATAGRAMS} requests, {answered} answered, \
         {lost} lost, {wrong} wrong, {:.2} s ({:.0} round trips/s), RSS {} -> {} MiB (peak {} MiB)",
        anyrt::Backend::current(),
        elapsed.as_secs_f64(),
        (UDP_SOCKETS as f64 * DATAGRAMS as f64) / elapsed.as_secs_f64(),
        rss_before >> 10,
        rss_after >> 10,
        peak >> 10
    );
    assert_eq!(wrong, 0, "a datagram came back altered");
    assert_eq!(
        lost, 0,
        "datagrams lost on loopback with one in flight per socket"
    );
    Ok(())
}

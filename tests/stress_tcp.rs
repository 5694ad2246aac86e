//! Load: 2,000 concurrent connections to an anyrt echo server, 256 KiB each, nothing lost.
//!
//! Heavy: `#[ignore]`d in the plain test run; `.ci/run` runs it in release mode with
//! `--include-ignored --test-threads 1`. Loopback only; stops by itself.

mod common;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyrt::time::Instant;

use anyrt::net::{TcpListener, TcpStream};
use common::{rss_kib, Checksum};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

const CONNECTIONS: u64 = 2_000;
const BYTES_PER_CONNECTION: usize = 256 * 1024;
const MAX_WRITE: usize = 32 * 1024;

async fn echo(mut stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0; 16 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            stream.shutdown().await?;
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Sends `BYTES_PER_CONNECTION` seeded random bytes in random-sized writes, reading each write's
/// echo before the next; returns the checksums of what was sent and what came back.
async fn client(addr: std::net::SocketAddr, seed: u64) -> io::Result<(Checksum, Checksum)> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut sent, mut received) = (Checksum::default(), Checksum::default());
    let mut chunk = vec![0u8; MAX_WRITE];
    let mut back = vec![0u8; MAX_WRITE];
    let mut remaining = BYTES_PER_CONNECTION;
    while remaining > 0 {
        let len = rng.usize(1..=MAX_WRITE.min(remaining));
        rng.fill(&mut chunk[..len]);
        stream.write_all(&chunk[..len]).await?;
        sent.update(&chunk[..len]);
        stream.read_exact(&mut back[..len]).await?;
        received.update(&back[..len]);
        remaining -= len;
    }
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    if !rest.is_empty() {
        return Err(io::Error::other(format!(
            "{} bytes echoed too many",
            rest.len()
        )));
    }
    Ok((sent, received))
}

#[anyrt::test]
#[ignore = "heavy: run by .ci/run in release mode"]
async fn two_thousand_connections_echo_every_byte() -> io::Result<()> {
    common::raise_fd_limit();
    let (rss_before, _) = rss_kib();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let echoed = Arc::new(AtomicU64::new(0));
    let server = {
        let echoed = echoed.clone();
        anyrt::spawn(async move {
            let mut connections = Vec::new();
            for _ in 0..CONNECTIONS {
                let (stream, _) = listener.accept().await?;
                let echoed = echoed.clone();
                connections.push(anyrt::spawn(async move {
                    let n = echo(stream).await?;
                    echoed.fetch_add(n, Ordering::Relaxed);
                    io::Result::Ok(())
                }));
            }
            for connection in connections {
                connection.await??;
            }
            io::Result::Ok(())
        })
    };
    let start = Instant::now();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|seed| anyrt::spawn(client(addr, seed)))
        .collect();
    let mut mismatched = 0;
    for client in clients {
        let (sent, received) = common::within("client", client).await??;
        if sent != received {
            mismatched += 1;
        }
    }
    common::within("server", server).await??;
    let elapsed = start.elapsed();
    let (rss_after, peak) = rss_kib();
    let total = CONNECTIONS * BYTES_PER_CONNECTION as u64;
    eprintln!(
        "stress_tcp on {}: {CONNECTIONS} connections, {} MiB echoed, {mismatched} mismatched, \
         {:.2} s, RSS {} -> {} MiB (peak {} MiB)",
        anyrt::Backend::current(),
        echoed.load(Ordering::Relaxed) >> 20,
        elapsed.as_secs_f64(),
        rss_before >> 10,
        rss_after >> 10,
        peak >> 10
    );
    assert_eq!(mismatched, 0, "echoed bytes differ from the bytes sent");
    assert_eq!(echoed.load(Ordering::Relaxed), total, "bytes lost");
    assert!(elapsed < Duration::from_secs(300));
    Ok(())
}

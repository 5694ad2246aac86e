//! The simulation's cost against tokio's current-thread runtime for the same work, so that a
//! sweep over thousands of seeds stays cheap.
//!
//! Rows, each the median over rounds of the per-round ratio sim / tokio (rounds alternate which
//! side goes first; each side runs the workload enough times to last about 40 ms):
//! - `spawn 1k + await`: spawn 1,000 trivial tasks, then await each handle;
//! - `sleep 1 ms x 100`: 100 sleeps of 1 ms in a row, against tokio with its paused clock (the
//!   same virtual work) and against tokio's real clock (what a test without the simulation
//!   waits);
//! - `TCP loopback ping-pong x 100`: 100 one-byte round trips on one connection, against
//!   tokio's OS sockets.
//!
//! ```text
//! cargo bench --bench sim --features rt-sim
//! ```
//!
//! `--test` runs each workload once and prints nothing.

use std::future::Future;
use std::time::{Duration, Instant};

use anyrt::sim::Sim;

const BATCH: Duration = Duration::from_millis(40);

fn tokio_rt(paused: bool) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all();
    if paused {
        builder.start_paused(true);
    }
    builder.build().unwrap()
}

async fn spawn_await_anyrt() {
    let handles: Vec<_> = (0..1000u32)
        .map(|i| anyrt::spawn(async move { i }))
        .collect();
    for handle in handles {
        std::hint::black_box(handle.await.unwrap());
    }
}

async fn spawn_await_tokio() {
    let handles: Vec<_> = (0..1000u32)
        .map(|i| tokio::spawn(async move { i }))
        .collect();
    for handle in handles {
        std::hint::black_box(handle.await.unwrap());
    }
}

async fn sleeps_anyrt() {
    for _ in 0..100 {
        anyrt::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn sleeps_tokio() {
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn ping_pong_anyrt() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = anyrt::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        while stream.read_exact(&mut byte).await.is_ok() {
            stream.write_all(&byte).await.unwrap();
        }
    });
    let mut client = anyrt::net::TcpStream::connect(addr).await.unwrap();
    let mut byte = [7u8; 1];
    for _ in 0..100 {
        client.write_all(&byte).await.unwrap();
        client.read_exact(&mut byte).await.unwrap();
    }
    drop(client);
    server.await.unwrap();
}

async fn ping_pong_tokio() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        while stream.read_exact(&mut byte).await.is_ok() {
            stream.write_all(&byte).await.unwrap();
        }
    });
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut byte = [7u8; 1];
    for _ in 0..100 {
        client.write_all(&byte).await.unwrap();
        client.read_exact(&mut byte).await.unwrap();
    }
    drop(client);
    server.await.unwrap();
}

/// Runs `job` `n` times, each in a fresh simulation with its own seed (as a seed sweep does).
fn sim_batch<F: Future>(job: fn() -> F, n: u32) -> Duration {
    let start = Instant::now();
    for seed in 0..n {
        Sim::new(u64::from(seed)).block_on(job());
    }
    start.elapsed()
}

/// Runs `job` `n` times on one tokio current-thread runtime.
fn tokio_batch<F: Future>(rt: &tokio::runtime::Runtime, job: fn() -> F, n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        rt.block_on(job());
    }
    start.elapsed()
}

fn median(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.25), at(0.75))
}

fn row<FS: Future, FT: Future>(
    name: &str,
    against: &str,
    sim: fn() -> FS,
    tokio: fn() -> FT,
    paused: bool,
    rounds: usize,
) {
    let rt = tokio_rt(paused);
    // Batch sizes that last about BATCH each.
    let size = |one: Duration| (BATCH.as_secs_f64() / one.as_secs_f64().max(1e-9)).ceil() as u32;
    let n_sim = size(sim_batch(sim, 1)).clamp(1, 100_000);
    let n_tokio = size(tokio_batch(&rt, tokio, 1)).clamp(1, 100_000);
    let mut ratios = Vec::new();
    let (mut per_sim, mut per_tokio) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let (s, t) = if round % 2 == 0 {
            let s = sim_batch(sim, n_sim);
            (s, tokio_batch(&rt, tokio, n_tokio))
        } else {
            let t = tokio_batch(&rt, tokio, n_tokio);
            (sim_batch(sim, n_sim), t)
        };
        let s = s.as_secs_f64() / f64::from(n_sim);
        let t = t.as_secs_f64() / f64::from(n_tokio);
        per_sim.push(s);
        per_tokio.push(t);
        ratios.push(s / t);
    }
    let (ratio, low, high) = median(&mut ratios);
    let (s, _, _) = median(&mut per_sim);
    let (t, _, _) = median(&mut per_tokio);
    println!(
        "| {name} | {against} | {:.1} µs | {:.1} µs | {ratio:.2} | {low:.2}-{high:.2} |",
        t * 1e6,
        s * 1e6
    );
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    if smoke {
        sim_batch(spawn_await_anyrt, 1);
        sim_batch(sleeps_anyrt, 1);
        sim_batch(ping_pong_anyrt, 1);
        return;
    }
    let rounds = std::env::var("ANYRT_PAIRED_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(21);
    println!("| workload | tokio current-thread | tokio | sim (fresh simulation per run) | sim / tokio | middle half of rounds |");
    println!("|---|---|---|---|---|---|");
    row(
        "spawn 1k + await",
        "clock running",
        spawn_await_anyrt,
        spawn_await_tokio,
        false,
        rounds,
    );
    row(
        "sleep 1 ms x 100",
        "paused clock",
        sleeps_anyrt,
        sleeps_tokio,
        true,
        rounds,
    );
    row(
        "sleep 1 ms x 100",
        "real clock",
        sleeps_anyrt,
        sleeps_tokio,
        false,
        rounds.min(5),
    );
    row(
        "TCP loopback ping-pong x 100",
        "OS sockets",
        ping_pong_anyrt,
        ping_pong_tokio,
        false,
        rounds,
    );
}

//! Three hosts and a seed sweep: a planted distributed bug that only some network timings
//! expose, found by sweeping seeds and replayed by one.
//!
//! A lock service (`lock`) hands out a lease; two nodes (`a` and `b`) each ask whether it is
//! free and, if so, claim it. The planted bug: the service answers "is it free?" and takes the
//! claim as two separate requests, so a node whose question arrives between the other's
//! question and its claim also sees the lease free, and there are two leaders. Whether that
//! happens depends on the links' latency and jitter, which the seed draws. A client (`checker`)
//! asks both nodes afterwards and fails when both lead.
//!
//! ```sh
//! cargo run --example sim-lease --features rt-sim               # sweep 1,000 seeds
//! cargo run --example sim-lease --features rt-sim -- --seeds 5000
//! cargo run --example sim-lease --features rt-sim -- --seed 17  # replay one seed
//! ```

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream};
use anyrt::sim::Builder;
use futures_lite::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type Outcome = Result<(), Box<dyn Error>>;

/// Sends one line and reads the answer.
async fn ask(stream: &mut BufReader<TcpStream>, line: &str) -> std::io::Result<String> {
    stream
        .get_mut()
        .write_all(format!("{line}\n").as_bytes())
        .await?;
    let mut answer = String::new();
    stream.read_line(&mut answer).await?;
    Ok(answer.trim().to_owned())
}

/// The lock service: `FREE?` answers `YES` or `NO`; `CLAIM name` takes the lease (the bug: it
/// does not check again); `LEADER?` answers whether the asking node holds it.
async fn lock_service() -> Outcome {
    let listener = TcpListener::bind("0.0.0.0:7000").await?;
    let holder = std::sync::Arc::new(anyrt::sync::Mutex::new(None::<String>));
    loop {
        let (stream, _) = listener.accept().await?;
        let holder = holder.clone();
        anyrt::spawn(async move {
            let mut stream = BufReader::new(stream);
            let mut line = String::new();
            while matches!(stream.read_line(&mut line).await, Ok(n) if n > 0) {
                let answer = match line.trim().split_once(' ') {
                    None if line.trim() == "FREE?" => if holder.lock().await.is_none() {
                        "YES"
                    } else {
                        "NO"
                    }
                    .to_owned(),
                    Some(("CLAIM", name)) => {
                        *holder.lock().await = Some(name.to_owned());
                        "OK".to_owned()
                    }
                    _ => "ERR".to_owned(),
                };
                line.clear();
                if stream
                    .get_mut()
                    .write_all(format!("{answer}\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
    }
}

/// A node: waits `start`, takes the lease if it is free, then says whether it leads.
async fn node(name: &'static str, start: Duration) -> Outcome {
    anyrt::time::sleep(start).await;
    let mut lock = BufReader::new(TcpStream::connect("lock:7000").await?);
    let leader = ask(&mut lock, "FREE?").await? == "YES" && {
        ask(&mut lock, &format!("CLAIM {name}")).await?;
        true
    };
    let listener = TcpListener::bind("0.0.0.0:8000").await?;
    loop {
        let (mut stream, _) = listener.accept().await?;
        stream
            .write_all(if leader { b"LEADER\n" } else { b"FOLLOWER\n" })
            .await?;
    }
}

/// Asks both nodes, after things settled, whether they lead.
async fn checker() -> Outcome {
    anyrt::time::sleep(Duration::from_secs(1)).await;
    let mut leaders = Vec::new();
    for name in ["a", "b"] {
        let mut stream = BufReader::new(TcpStream::connect(format!("{name}:8000")).await?);
        let mut role = String::new();
        stream.read_line(&mut role).await?;
        if role.trim() == "LEADER" {
            leaders.push(name);
        }
    }
    match leaders.len() {
        1 => Ok(()),
        _ => Err(format!("leaders: {leaders:?}").into()),
    }
}

/// Runs the three hosts and the checker with `seed`; the error if the lease went wrong.
fn run(seed: u64) -> Result<(), anyrt::sim::SimError> {
    let mut sim = Builder::new()
        .seed(seed)
        .latency(Duration::from_millis(5))
        .jitter(Duration::from_millis(10))
        .build();
    sim.host("lock", lock_service);
    sim.host("a", || node("a", Duration::from_millis(1)));
    sim.host("b", || node("b", Duration::from_millis(31)));
    sim.client("checker", checker());
    sim.run()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    if let Some(seed) = value("--seed") {
        return match run(seed) {
            Err(error) => {
                println!("seed {seed}: {error}");
                ExitCode::SUCCESS
            }
            Ok(()) => {
                println!("seed {seed}: one leader");
                ExitCode::FAILURE
            }
        };
    }
    let seeds = value("--seeds").unwrap_or(1000);
    let start = std::time::Instant::now();
    let failing: Vec<u64> = (0..seeds).filter(|&seed| run(seed).is_err()).collect();
    println!(
        "swept {seeds} seeds in {} ms: {} gave two leaders",
        start.elapsed().as_millis(),
        failing.len()
    );
    let Some(&first) = failing.first() else {
        println!("no seed exposed the bug");
        return ExitCode::FAILURE;
    };
    let error = run(first).unwrap_err();
    let replays = (0..3).all(|_| run(first).is_err_and(|e| e.to_string() == error.to_string()));
    println!("first failing seed: {first}; {error}");
    println!(
        "replayed 3 times: {}",
        if replays {
            "the same failure each time"
        } else {
            "NOT reproduced"
        }
    );
    println!("replay it: cargo run --example sim-lease --features rt-sim -- --seed {first}");
    if replays && failing.len() < seeds as usize {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

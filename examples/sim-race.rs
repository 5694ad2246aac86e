//! A seed sweep finds an ordering bug, and its seed replays it.
//!
//! The "bank" below checks a balance, awaits (a log write, say), then withdraws: a
//! check-then-act race that only some interleavings of its tasks expose. Under the simulation
//! the interleaving is drawn from the seed, so a sweep over seeds finds the ones that overdraw,
//! and each of those overdraws again every time it is run.
//!
//! ```sh
//! cargo run --example sim-race --features rt-sim               # sweep 1,000 seeds
//! cargo run --example sim-race --features rt-sim -- --seeds 5000
//! cargo run --example sim-race --features rt-sim -- --seed 17  # replay one seed
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyrt::sim::Sim;
use anyrt::sync::Mutex;

/// Three customers try to withdraw 40 each from a balance of 100; the second and third come a
/// millisecond after the first, and the third takes longer to get to the counter. The planted
/// bug: the balance is checked, the lock released for a log write, and the withdrawal made
/// without checking again. Only when the third checks before the second has withdrawn (rare,
/// since it starts three steps behind) is the account overdrawn.
async fn bank() -> i64 {
    let balance = Arc::new(Mutex::new(100i64));
    let customers: Vec<_> = (0..3u64)
        .map(|i| {
            let balance = balance.clone();
            anyrt::spawn(async move {
                anyrt::time::sleep(Duration::from_millis(i.min(1))).await;
                // The late customers look around first, the third a little longer.
                for _ in 0..i * 3 {
                    anyrt::task::yield_now().await;
                }
                let enough = *balance.lock().await >= 40;
                if enough {
                    // The lock is not held across this await: another customer may withdraw.
                    anyrt::task::yield_now().await;
                    *balance.lock().await -= 40;
                }
            })
        })
        .collect();
    for customer in customers {
        customer.await.unwrap();
    }
    let left = *balance.lock().await;
    left
}

fn overdraws(seed: u64) -> Option<i64> {
    let left = Sim::new(seed).block_on(bank());
    (left < 0).then_some(left)
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
        return match overdraws(seed) {
            Some(left) => {
                println!("seed {seed}: overdrawn, balance {left}");
                ExitCode::SUCCESS
            }
            None => {
                println!("seed {seed}: no overdraft");
                ExitCode::FAILURE
            }
        };
    }
    let seeds = value("--seeds").unwrap_or(1000);
    let start = std::time::Instant::now();
    let failing: Vec<u64> = (0..seeds)
        .filter(|&seed| overdraws(seed).is_some())
        .collect();
    let elapsed = start.elapsed();
    println!(
        "swept {seeds} seeds in {} ms: {} overdraw",
        elapsed.as_millis(),
        failing.len()
    );
    let Some(&first) = failing.first() else {
        println!("no seed exposed the race");
        return ExitCode::FAILURE;
    };
    // Each failing seed fails again, every time: the bug is replayable.
    let replays = (0..3).all(|_| overdraws(first).is_some());
    println!(
        "first failing seed: {first}; replayed 3 times: {}",
        if replays {
            "overdrawn each time"
        } else {
            "NOT reproduced"
        }
    );
    println!("replay it: cargo run --example sim-race --features rt-sim -- --seed {first}");
    if replays && failing.len() < seeds as usize {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

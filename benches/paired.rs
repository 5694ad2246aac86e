//! anyrt against the native runtimes, interleaved: the ratio of each row is the median of many
//! paired measurements, each pair timed back to back, so that the drift of a noisy machine (a
//! neighbour's load, frequency changes) hits both sides of a pair alike.
//!
//! One round times one batch of the native variant and one of anyrt's, in alternating order
//! (native first in even rounds, anyrt first in odd ones); a batch runs the workload enough
//! times to last about 40 ms. The row's ratio is the median over rounds of anyrt / native, and
//! the spread is the interquartile range of those per-round ratios.
//!
//! ```text
//! cargo bench --bench paired                         # tokio; prints Markdown table rows
//! cargo bench --bench paired --all-features -- spawn # only groups whose name contains "spawn"
//! ANYRT_PAIRED_ROUNDS=41 cargo bench --bench paired  # more rounds (default 21)
//! ```
//!
//! `--test` (what `cargo bench -- --test` passes) runs each variant once and prints nothing.

mod workloads;

use std::time::{Duration, Instant};

use anyrt::Backend;

/// Each timed batch lasts at least this long.
const BATCH: Duration = Duration::from_millis(40);

/// What one native/anyrt pairing measured.
struct Row {
    op: String,
    backend: Backend,
    /// Per-iteration medians.
    native: Duration,
    anyrt: Duration,
    /// Median and quartiles of the per-round ratios.
    ratio: f64,
    low: f64,
    high: f64,
}

fn main() {
    workloads::configure_smol_threads();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|a| a == "--test");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let rounds = std::env::var("ANYRT_PAIRED_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(21);
    let build = match Backend::compiled() {
        [one] => one.name(),
        _ => "dispatch",
    };

    if !smoke {
        println!(
            "| op | build | backend | native | anyrt | ratio | ratio, middle half of rounds |"
        );
        println!("|---|---|---|---|---|---|---|");
    }
    for group in workloads::groups() {
        if !filter.is_empty() && !filter.iter().any(|f| group.name.contains(f.as_str())) {
            continue;
        }
        for &backend in group.backends() {
            if smoke {
                for variant in group.variants.iter().filter(|v| v.on(backend)) {
                    backend.block_on((variant.job)(backend));
                }
                continue;
            }
            for native in group.natives().iter().filter(|v| v.on(backend)) {
                let row = measure(&group, native, backend, rounds);
                let backend = if group.custom {
                    Backend::Custom
                } else {
                    row.backend
                };
                println!(
                    "| {} | {build} | {} | {} | {} | {:.2} | {:.2}-{:.2} |",
                    row.op,
                    backend,
                    human(row.native),
                    human(row.anyrt),
                    row.ratio,
                    row.low,
                    row.high
                );
            }
        }
    }
}

/// Times `native` against the group's anyrt variant on `backend`.
fn measure(
    group: &workloads::Group,
    native: &workloads::Variant,
    backend: Backend,
    rounds: usize,
) -> Row {
    let anyrt = group.anyrt();
    // Warm up both, and size the batches from the slower one.
    let once = time(native, backend, 1).max(time(anyrt, backend, 1));
    let per_batch = (BATCH.as_nanos() / once.as_nanos().max(1)).clamp(1, 100_000) as u32;
    time(native, backend, per_batch);
    time(anyrt, backend, per_batch);

    let mut ratios = Vec::with_capacity(rounds);
    let mut natives = Vec::with_capacity(rounds);
    let mut anyrts = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (n, a) = if round % 2 == 0 {
            let n = time(native, backend, per_batch);
            (n, time(anyrt, backend, per_batch))
        } else {
            let a = time(anyrt, backend, per_batch);
            (time(native, backend, per_batch), a)
        };
        ratios.push(a.as_secs_f64() / n.as_secs_f64());
        natives.push(n / per_batch);
        anyrts.push(a / per_batch);
    }
    ratios.sort_by(f64::total_cmp);
    natives.sort();
    anyrts.sort();
    let op = if native.label == "native" {
        group.name.to_string()
    } else {
        format!("{} (vs {})", group.name, &native.label["native-".len()..])
    };
    Row {
        op,
        backend,
        native: natives[rounds / 2],
        anyrt: anyrts[rounds / 2],
        ratio: ratios[rounds / 2],
        low: ratios[rounds / 4],
        high: ratios[(rounds * 3) / 4],
    }
}

/// Runs `times` iterations of `variant` in one `block_on` each, and returns the total time.
fn time(variant: &workloads::Variant, backend: Backend, times: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..times {
        backend.block_on((variant.job)(backend));
    }
    start.elapsed()
}

fn human(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    for (unit, scale) in [("s", 1e9), ("ms", 1e6), ("µs", 1e3)] {
        if ns >= scale {
            return format!("{:.3} {unit}", ns / scale);
        }
    }
    format!("{ns:.0} ns")
}

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
//! A filter starting with `=` matches a group's name exactly (`-- =spawn_10k`);
//! `--backend=NAME` keeps only that backend's rows.
//!
//! A process can be biased as a whole: on this project's 2-core machine the spawn rows'
//! medians moved 0.97-1.25 from one process to the next while the rounds inside each process
//! agreed (middle halves such as 0.93-1.03 and 1.14-1.26, not overlapping), with one worker
//! thread and with address randomization off too. `ANYRT_PAIRED_PROCESSES=N` runs the rows in
//! N processes one after the other and reports, per row, the median of the N processes'
//! ratios and their range.
//!
//! ```text
//! ANYRT_PAIRED_PROCESSES=5 cargo bench --bench paired -- =spawn_10k =spawn_20k_then_await
//! ```
//!
//! Part of that bias is glibc's allocator: it moves its mmap and trim thresholds as a process
//! frees large blocks, so whether a round's 10,000-20,000 handles and tasks land on pages
//! already mapped or on fresh ones (a page fault each) depends on the heap's history. The
//! benchmark therefore starts itself again with fixed thresholds (see [`GLIBC_TUNABLES`]),
//! unless the environment sets `GLIBC_TUNABLES` already or `ANYRT_PAIRED_MALLOC=default` asks
//! for glibc's own behaviour. Other C libraries ignore the variable.

mod workloads;

use std::time::{Duration, Instant};

use anyrt::Backend;

/// Each timed batch lasts at least this long.
const BATCH: Duration = Duration::from_millis(40);

/// What one native/anyrt pairing measured.
struct Row {
    op: String,
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
    if !smoke {
        with_fixed_malloc_thresholds(&args);
    }
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    // `--backend=NAME`: only that backend's rows.
    let only = args.iter().find_map(|a| a.strip_prefix("--backend="));
    let rounds = std::env::var("ANYRT_PAIRED_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(21);
    let build = match Backend::compiled() {
        [one] => one.name(),
        _ => "dispatch",
    };
    let processes = std::env::var("ANYRT_PAIRED_PROCESSES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1);
    // A child of a multi-process run prints machine-readable rows for its parent.
    let child = std::env::var_os(CHILD).is_some();
    if processes > 1 && !child && !smoke {
        across_processes(processes, &args, build);
        return;
    }

    if !smoke && !child {
        println!(
            "| op | build | backend | native | anyrt | ratio | ratio, middle half of rounds |"
        );
        println!("|---|---|---|---|---|---|---|");
    }
    for group in workloads::groups() {
        let wanted = |f: &&String| match f.strip_prefix('=') {
            Some(exact) => group.name == exact,
            None => group.name.contains(f.as_str()),
        };
        if !filter.is_empty() && !filter.iter().any(wanted) {
            continue;
        }
        for &backend in group.backends() {
            // A custom executor's rows run on the default backend but report `custom`.
            let label = if group.custom {
                Backend::Custom
            } else {
                backend
            };
            if only.is_some_and(|name| label.name() != name) {
                continue;
            }
            if smoke {
                for variant in group.variants.iter().filter(|v| v.on(backend)) {
                    backend.block_on((variant.job)(backend));
                }
                continue;
            }
            for native in group.natives().iter().filter(|v| v.on(backend)) {
                let row = measure(&group, native, backend, rounds);
                let backend = label;
                if child {
                    println!(
                        "{CHILD}\t{}\t{backend}\t{}\t{}\t{}",
                        row.op,
                        row.native.as_nanos(),
                        row.anyrt.as_nanos(),
                        row.ratio
                    );
                    continue;
                }
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

/// Fixed glibc malloc thresholds: blocks below 32 MiB come from the heap, and the heap is not
/// given back to the system below 256 MiB of free space at its top. glibc's defaults move
/// both as blocks are freed; in 200 rounds of `spawn_20k_then_await` on tokio they cost anyrt
/// 1,547 page faults per round against native's 600 in one process, and in another build the
/// native side 159 per round against anyrt's 9. With these values both sides fault only while
/// the process starts (about 1,000 in all).
const GLIBC_TUNABLES: &str =
    "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

/// Runs this benchmark again with [`GLIBC_TUNABLES`] in its environment and exits with its
/// status, unless the environment has `GLIBC_TUNABLES` already (glibc reads it only as a
/// process starts) or `ANYRT_PAIRED_MALLOC=default`. Output goes straight through.
fn with_fixed_malloc_thresholds(args: &[String]) {
    if std::env::var_os("GLIBC_TUNABLES").is_some()
        || std::env::var("ANYRT_PAIRED_MALLOC").is_ok_and(|m| m == "default")
    {
        return;
    }
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let status = std::process::Command::new(exe)
        .args(args)
        .env("GLIBC_TUNABLES", GLIBC_TUNABLES)
        .status()
        .expect("start the benchmark with fixed malloc thresholds");
    std::process::exit(status.code().unwrap_or(1));
}

/// Set in the environment of the processes [`across_processes`] starts, and the prefix of the
/// rows they print.
const CHILD: &str = "ANYRT_PAIRED_CHILD";

/// What one process measured of a row: native ns, anyrt ns, ratio.
type Sample = (u128, u128, f64);

/// Runs this benchmark in `processes` child processes one after the other, with the same
/// arguments, and prints per row the median of their ratios and their range; the times are
/// the medians of the processes' times. Of an even count, a median is the upper middle value.
fn across_processes(processes: usize, args: &[String], build: &str) {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    // Per row, in the order the first process printed them: (op, backend) and each process's
    // sample.
    let mut rows: Vec<((String, String), Vec<Sample>)> = Vec::new();
    for process in 0..processes {
        eprintln!("paired: process {} of {processes}", process + 1);
        let output = std::process::Command::new(&exe)
            .args(args)
            .env(CHILD, "1")
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("start a benchmark process");
        assert!(
            output.status.success(),
            "a benchmark process failed: {}",
            output.status
        );
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let [CHILD, op, backend, native, anyrt, ratio] = fields[..] else {
                continue;
            };
            let key = (op.to_string(), backend.to_string());
            let sample = (
                native.parse().expect("native ns"),
                anyrt.parse().expect("anyrt ns"),
                ratio.parse().expect("ratio"),
            );
            match rows.iter_mut().find(|(k, _)| *k == key) {
                Some((_, samples)) => samples.push(sample),
                None => rows.push((key, vec![sample])),
            }
        }
    }
    println!(
        "| op | build | backend | native | anyrt | ratio, median of {processes} processes | \
         range of the processes' ratios |"
    );
    println!("|---|---|---|---|---|---|---|");
    for ((op, backend), samples) in rows {
        let mut natives: Vec<u128> = samples.iter().map(|s| s.0).collect();
        let mut anyrts: Vec<u128> = samples.iter().map(|s| s.1).collect();
        let mut ratios: Vec<f64> = samples.iter().map(|s| s.2).collect();
        natives.sort_unstable();
        anyrts.sort_unstable();
        ratios.sort_by(f64::total_cmp);
        let middle = samples.len() / 2;
        let nanos = |n: u128| Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX));
        println!(
            "| {op} | {build} | {backend} | {} | {} | {:.2} | {:.2}-{:.2} |",
            human(nanos(natives[middle])),
            human(nanos(anyrts[middle])),
            ratios[middle],
            ratios[0],
            ratios[ratios.len() - 1]
        );
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

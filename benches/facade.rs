//! anyrt against the native runtimes, with criterion: every group of `workloads` runs, for each
//! compiled backend, the native call and anyrt's, inside the same `block_on` of that backend (so
//! on the same runtime, in the same run).
//!
//! ```text
//! cargo bench --bench facade                                              # tokio
//! cargo bench --bench facade --no-default-features --features rt-smol    # one backend
//! cargo bench --bench facade --all-features                               # with dispatch
//! bash benches/run                                                        # all, + BENCHMARKS.md table
//! ```
//!
//! `benches/paired.rs` runs the same workloads interleaved, for ratios that survive a noisy
//! machine.

mod workloads;

use std::time::Duration;

use anyrt::Backend;
use criterion::{BenchmarkId, Criterion};

fn main() {
    workloads::configure_smol_threads();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for group in workloads::groups() {
        let mut bench = c.benchmark_group(group.name);
        if group.slow {
            bench.sample_size(10);
        }
        for &backend in group.backends() {
            for variant in group.variants.iter().filter(|v| v.on(backend)) {
                let shown = if group.custom {
                    Backend::Custom
                } else {
                    backend
                };
                bench.bench_function(BenchmarkId::new(variant.label, shown), |b| {
                    b.iter(|| backend.block_on((variant.job)(backend)))
                });
            }
        }
        bench.finish();
    }
    c.final_summary();
}

//! The workloads of `benches/workloads` for instruction counting. Run under
//! `valgrind --tool=callgrind`, the inclusive counts of [`native`] and [`anyrt`] are the
//! instructions each side executed on the calling thread: repeatable where wall-clock time is
//! not. `benches/callgrind` runs it for each row and prints the table.
//!
//! ```text
//! instructions <group> --backend=<name> [--native=<label>]   # what benches/callgrind runs
//! instructions --test                                        # every variant once (CI)
//! ```
//!
//! Without a group it does nothing, so a plain `cargo bench` does not spend time on it.
//! Work done on other threads (a worker running a spawned task, a blocking pool thread) is not
//! counted: these are the instructions the caller pays, which is where a facade adds its own.

mod workloads;

use anyrt::Backend;

/// One native iteration; its own symbol, so callgrind counts it apart.
#[inline(never)]
fn native(variant: &workloads::Variant, backend: Backend) {
    // Distinct bodies, or the two functions may be merged into one symbol.
    std::hint::black_box("native");
    backend.block_on((variant.job)(backend));
}

/// One anyrt iteration.
#[inline(never)]
fn anyrt(variant: &workloads::Variant, backend: Backend) {
    std::hint::black_box("anyrt");
    backend.block_on((variant.job)(backend));
}

/// Iterations counted per variant, unless `ANYRT_INSTRUCTION_ROUNDS` says otherwise.
const ROUNDS: usize = 4;

fn main() {
    workloads::configure_smol_threads();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(&format!("--{name}=")).map(str::to_owned))
    };
    let groups = workloads::groups();
    if args.iter().any(|a| a == "--test") {
        for group in &groups {
            for &backend in group.backends() {
                for variant in group.variants.iter().filter(|v| v.on(backend)) {
                    backend.block_on((variant.job)(backend));
                }
            }
        }
        return;
    }
    let Some(name) = args.iter().find(|a| !a.starts_with("--")) else {
        return;
    };
    let group = groups
        .iter()
        .find(|g| g.name == name.as_str())
        .unwrap_or_else(|| panic!("no benchmark group named {name}"));
    let backend = option("backend").map_or(Backend::compiled()[0], |b| {
        *Backend::compiled()
            .iter()
            .find(|c| c.name() == b)
            .unwrap_or_else(|| panic!("backend {b} is not compiled in"))
    });
    let label = option("native").unwrap_or_else(|| group.natives()[0].label.to_owned());
    let native_variant = group
        .natives()
        .iter()
        .find(|v| v.label == label)
        .unwrap_or_else(|| panic!("{name} has no variant {label}"));
    // Warm-up, outside the counted functions: starts the runtimes and fills the caches.
    backend.block_on((native_variant.job)(backend));
    backend.block_on((group.anyrt().job)(backend));
    let rounds = std::env::var("ANYRT_INSTRUCTION_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(ROUNDS);
    for _ in 0..rounds {
        native(native_variant, backend);
        anyrt(group.anyrt(), backend);
    }
}

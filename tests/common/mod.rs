//! Helpers shared by the conformance suite. Each test file uses a subset.
#![allow(dead_code)]

use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long any single step of a test may take before it counts as a hang.
pub const HANG: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test (instead of hanging it) after [`HANG`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match anyrt::time::timeout(HANG, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: still not done after {HANG:?}"),
    }
}

/// Polls `condition` every millisecond until it holds, failing the test after [`HANG`].
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    within(what, async {
        while !condition() {
            anyrt::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
}

/// The text of a panic payload made by `panic!`.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string payload>".into())
}

/// Runs `f`, which must panic, and returns its panic message.
pub fn panic_message_of<R>(f: impl FnOnce() -> R) -> String {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => panic_text(&*payload),
    }
}

/// Awaits `future`, which must panic, and returns its panic message.
pub async fn async_panic_message_of<F: Future>(future: F) -> String {
    use futures_lite::FutureExt;
    match std::panic::AssertUnwindSafe(future).catch_unwind().await {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => panic_text(&*payload),
    }
}

/// Sets its flag when dropped: proves a future's locals were dropped.
#[derive(Debug)]
pub struct DropFlag(pub Arc<AtomicBool>);

impl DropFlag {
    pub fn new() -> (DropFlag, Arc<AtomicBool>) {
        let flag = Arc::new(AtomicBool::new(false));
        (DropFlag(flag.clone()), flag)
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Spawns a task that holds a [`DropFlag`] and parks on a future that never wakes it, and
/// returns its handle, a flag set once it has been polled, and the guard's drop flag.
pub fn spawn_parked_forever() -> (
    anyrt::task::JoinHandle<()>,
    Arc<AtomicBool>,
    Arc<AtomicBool>,
) {
    let (guard, dropped) = DropFlag::new();
    let started = Arc::new(AtomicBool::new(false));
    let flag = started.clone();
    let task = anyrt::spawn(async move {
        let _guard = guard;
        flag.store(true, Ordering::SeqCst);
        std::future::pending::<()>().await;
    });
    (task, started, dropped)
}

/// Detaches a task parked for good ([`spawn_parked_forever`]) once its first poll has returned,
/// waits a while, and returns whether its guard was dropped.
pub async fn detach_a_parked_task() -> bool {
    let (handle, started, dropped) = spawn_parked_forever();
    eventually("task starts", || started.load(Ordering::SeqCst)).await;
    // Time for its poll to return `Pending`.
    anyrt::time::sleep(Duration::from_millis(50)).await;
    drop(handle);
    anyrt::time::sleep(Duration::from_millis(100)).await;
    dropped.load(Ordering::SeqCst)
}

/// Resident memory of this process now and at its peak, in KiB (Linux `/proc`; zeros elsewhere).
pub fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Raises this process's soft limit on open files to its hard limit (20,000 on the CI machine).
pub fn raise_fd_limit() -> u64 {
    rlimit::increase_nofile_limit(u64::MAX).expect("raise the open-files limit")
}

/// A 64-bit FNV-1a hash, to compare streams of bytes without keeping them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checksum(pub u64);

impl Default for Checksum {
    fn default() -> Self {
        Checksum(0xcbf2_9ce4_8422_2325)
    }
}

impl Checksum {
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Silences the default panic output for panics whose message starts with `prefix` (a storm of
/// expected panics would flood the log), and keeps it for every other panic.
pub fn quiet_panics_starting_with(prefix: &'static str) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if !message.starts_with(prefix) {
            default(info);
        }
    }));
}

/// A gate that blocking jobs wait at until it opens.
#[derive(Debug, Default)]
pub struct Gate {
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl Gate {
    /// Blocks the calling thread until the gate opens.
    pub fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }

    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// Every thread of one of the backend's pools (its workers, or its blocking pool) held by a job
/// that blocks its thread at a [`Gate`], so that anything submitted to that pool meanwhile waits
/// in its queue, unpolled. The pool counts as full once a newly submitted job has stayed queued
/// for [`Occupied::QUIET`]. Dropping it opens the gate.
pub struct Occupied {
    gate: Arc<Gate>,
    jobs: Vec<anyrt::task::JoinHandle<()>>,
    /// How many threads the pool has: the jobs that started.
    pub threads: usize,
}

impl Occupied {
    /// How long a queued job may wait to start before the pool counts as full: generous, as
    /// a loaded machine starts threads slowly.
    pub const QUIET: Duration = Duration::from_secs(1);

    /// Holds every worker thread of the current backend (call from outside its workers, e.g.
    /// the test's own `block_on` thread).
    pub fn workers() -> Occupied {
        if anyrt::Backend::current().name() == "sim" {
            // The simulation's one thread is the caller's: it is held while the caller runs.
            return Occupied {
                gate: Arc::default(),
                jobs: Vec::new(),
                threads: 1,
            };
        }
        Occupied::fill(|job| anyrt::spawn(async move { job() }))
    }

    /// Holds every thread of the current backend's blocking pool.
    pub fn blocking_pool() -> Occupied {
        Occupied::fill(anyrt::task::spawn_blocking)
    }

    fn fill(submit: impl Fn(Box<dyn FnOnce() + Send>) -> anyrt::task::JoinHandle<()>) -> Occupied {
        use std::sync::atomic::AtomicUsize;
        let gate = Arc::new(Gate::default());
        let started = Arc::new(AtomicUsize::new(0));
        let mut jobs = Vec::new();
        loop {
            let (job_gate, job_started) = (gate.clone(), started.clone());
            jobs.push(submit(Box::new(move || {
                job_started.fetch_add(1, Ordering::SeqCst);
                job_gate.wait();
            })));
            let queued_since = std::time::Instant::now();
            while started.load(Ordering::SeqCst) < jobs.len() {
                if queued_since.elapsed() >= Occupied::QUIET {
                    let threads = started.load(Ordering::SeqCst);
                    return Occupied {
                        gate,
                        jobs,
                        threads,
                    };
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(jobs.len() < 2048, "the pool never filled up");
        }
    }

    /// Opens the gate and waits for every job to finish.
    pub async fn release(mut self) {
        self.gate.open();
        for job in std::mem::take(&mut self.jobs) {
            within("an occupying job finishes", job).await.unwrap();
        }
    }
}

impl Drop for Occupied {
    fn drop(&mut self) {
        self.gate.open();
    }
}

/// The environment variable that tells a test it runs as the child of [`run_child`].
pub const CHILD: &str = "ANYRT_TEST_CHILD";

/// Whether this process is the child [`run_child`] started, with what it was given.
pub fn child_arg() -> Option<String> {
    std::env::var(CHILD).ok()
}

/// Runs the test `name` (its full path, e.g. `exits::tokio`) of this test binary again in a
/// child process, with [`CHILD`] set to `arg`, and returns how it ended. The child runs its
/// tests on the main thread, alone.
pub fn run_child(name: &str, arg: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, arg)
        .output()
        .expect("start the test binary again")
}

/// Runs the future `make` returns as a task of a current-thread tokio runtime of its own thread,
/// as an application on tokio would, and fails the test after [`HANG`]: a task that never
/// yields (the runtime's only thread then never comes back) fails it instead of hanging it.
pub fn on_a_current_thread_tokio_runtime<F>(what: &str, make: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()> + Send + 'static,
{
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime
            .block_on(async { tokio::spawn(make()).await })
            .unwrap();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(HANG) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still not done after {HANG:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

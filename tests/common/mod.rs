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

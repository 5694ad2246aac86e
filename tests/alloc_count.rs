//! Heap allocations made by anyrt's calls against the native call on the same backend.
//!
//! A counting global allocator counts the allocations made by the current thread. For each
//! operation the test runs the native call and anyrt's call `N` times and asserts that anyrt
//! allocated no more than native plus a stated, per-call constant:
//!
//! | call | tokio | async-std | smol | why |
//! |---|---|---|---|---|
//! | `spawn` | 0 | 0 | 0 | on async-std and smol anyrt aborts through async-task's own cancellation (the abort itself allocates, once); an `Arc` of abort state shared with the task was async-std's one extra until issue 13 |
//! | `sleep` (create + first poll) | 0 | 0 | 0 | the backend's own timer, created lazily |
//! | `timeout` around a ready future | 0 | 0 | 0 | no timer is created at all |
//! | `Mutex::lock`, uncontended | 0 | 0 | 0 | tokio's semaphore, which allocates nothing to lock (the mutex's own `Arc` is made by its first lock, outside the count) |
//! | `Semaphore::acquire`, uncontended | 0 | 0 | 0 | tokio's semaphore; the permit is a count |
//! | `JoinHandle::abort_handle` | 1 | 1 | 1 | the state shared with the abort handles, made by the first call only |
//!
//! A deallocation counter beside it checks that a joined handle frees that shared state when
//! dropped (a joined handle that holds nothing skips its drop).
//!
//! On a custom executor (`anyrt::custom`, every build), `anyrt::spawn` in one of its tasks and
//! `Runtime::spawn` allocate once per task, async-task's, as a hand-written executor using
//! async-task does: 0 extra. (What the executor itself allocates to queue a runnable is its
//! own; the queue here allocates nothing.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

use anyrt::Backend;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static FREES: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the only addition is a
// thread-local counter, which allocates nothing (`const` initialised, `try_with` so it is never
// touched during thread teardown). A global allocator cannot be written without `unsafe`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = FREES.try_with(|n| n.set(n.get() + 1));
        // SAFETY: `ptr` was allocated by `System` through `alloc` above, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Calls per measurement: enough that one-off growth (a queue, a slab) averages out.
const N: u64 = 200;

/// Allocations per measurement that may land on either side: async-io applies queued timer
/// operations on whichever thread finds its queue full (its reactor thread, usually), and that
/// thread then allocates in the timer map. Seen once in 200 calls under coverage instrumentation.
const SLACK: u64 = 2;

/// Allocations made on this thread by `f`.
fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    (result, ALLOCATIONS.with(Cell::get) - before)
}

/// Deallocations made on this thread by `f`.
fn count_frees(f: impl FnOnce()) -> u64 {
    let before = FREES.with(Cell::get);
    f();
    FREES.with(Cell::get) - before
}

/// Asserts `anyrt <= native + extra * N + SLACK`, after a warm-up round of each.
async fn compare<Fn1, Fut1, Fn2, Fut2>(op: &str, extra: u64, mut native: Fn1, mut anyrt: Fn2)
where
    Fn1: FnMut() -> Fut1,
    Fut1: Future<Output = u64>,
    Fn2: FnMut() -> Fut2,
    Fut2: Future<Output = u64>,
{
    native().await;
    anyrt().await;
    let native = native().await;
    let anyrt = anyrt().await;
    let backend = Backend::current();
    // Shown with `--nocapture`; BENCHMARKS.md quotes these figures.
    eprintln!("{op} on {backend}: {N} calls, native {native} allocations, anyrt {anyrt}");
    assert!(
        anyrt <= native + extra * N + SLACK,
        "{op} on {backend}: anyrt made {anyrt} allocations for {N} calls, native {native}, \
         allowed extra {extra} per call"
    );
}

#[anyrt::test(except(
    sim = "compares with the native runtime, which the simulation does not have"
))]
async fn spawn_allocates_no_more_than_native() {
    let backend = Backend::current();
    compare(
        "spawn",
        0,
        || async move {
            let mut total = 0;
            for _ in 0..N {
                let (handle, n) = match backend {
                    Backend::Tokio => count(|| NativeTask::Tokio(tokio::spawn(async {}))),
                    Backend::AsyncStd => {
                        count(|| NativeTask::AsyncStd(async_std::task::spawn(async {})))
                    }
                    _ => count(|| NativeTask::Smol(smol::spawn(async {}))),
                };
                total += n;
                handle.join().await;
            }
            total
        },
        || async {
            let mut total = 0;
            for _ in 0..N {
                let (handle, n) = count(|| anyrt::spawn(async {}));
                total += n;
                handle.await.unwrap();
            }
            total
        },
    )
    .await;
}

/// A native handle, awaited outside the counted section.
enum NativeTask {
    Tokio(tokio::task::JoinHandle<()>),
    AsyncStd(async_std::task::JoinHandle<()>),
    Smol(smol::Task<()>),
}

impl NativeTask {
    async fn join(self) {
        match self {
            NativeTask::Tokio(handle) => handle.await.unwrap(),
            NativeTask::AsyncStd(handle) => handle.await,
            NativeTask::Smol(task) => task.await,
        }
    }
}

#[anyrt::test]
async fn sleep_allocates_no_more_than_native() {
    let backend = Backend::current();
    let d = Duration::from_secs(60);
    compare(
        "sleep",
        0,
        || async move {
            let mut total = 0;
            for _ in 0..N {
                // Created and polled once: the timer is registered with the reactor.
                total += match backend {
                    Backend::Tokio => {
                        let mut sleep = Box::pin(tokio::time::sleep(d));
                        count(|| poll_now(sleep.as_mut())).1
                    }
                    Backend::AsyncStd => {
                        let mut sleep = Box::pin(async_std::task::sleep(d));
                        count(|| poll_now(sleep.as_mut())).1
                    }
                    _ => {
                        let mut timer = smol::Timer::after(d);
                        count(|| poll_now(&mut timer)).1
                    }
                };
            }
            total
        },
        || async move {
            let mut total = 0;
            for _ in 0..N {
                let mut sleep = Box::pin(anyrt::time::sleep(d));
                total += count(|| poll_now(sleep.as_mut())).1;
            }
            total
        },
    )
    .await;
}

/// Polls `future` once with a no-op waker, so the count covers only the poll itself.
fn poll_now<F: Future + Unpin>(mut future: F) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(&mut future).poll(&mut cx).is_ready()
}

#[anyrt::test]
async fn timeout_of_a_ready_future_allocates_nothing_more_than_native() {
    let backend = Backend::current();
    let d = Duration::from_secs(60);
    compare(
        "timeout",
        0,
        || async move {
            let mut total = 0;
            for i in 0..N {
                let ready = std::future::ready(i);
                total += match backend {
                    Backend::Tokio => {
                        count(|| poll_now(Box::pin(tokio::time::timeout(d, ready)))).1
                    }
                    Backend::AsyncStd => {
                        count(|| poll_now(Box::pin(async_std::future::timeout(d, ready)))).1
                    }
                    _ => {
                        count(|| {
                            poll_now(Box::pin(futures_lite::future::or(ready, async move {
                                smol::Timer::after(d).await;
                                0
                            })))
                        })
                        .1
                    }
                };
            }
            total
        },
        || async move {
            let mut total = 0;
            for i in 0..N {
                let ready = std::future::ready(i);
                total += count(|| poll_now(Box::pin(anyrt::time::timeout(d, ready)))).1;
            }
            total
        },
    )
    .await;
}

#[anyrt::test]
async fn uncontended_lock_allocates_nothing() {
    let tokio_mutex = tokio::sync::Mutex::new(0);
    let anyrt_mutex = anyrt::sync::Mutex::new(0);
    compare(
        "Mutex::lock",
        0,
        || async {
            let mut total = 0;
            for _ in 0..N {
                total += count(|| poll_now(Box::pin(tokio_mutex.lock()))).1;
            }
            total
        },
        || async {
            let mut total = 0;
            for _ in 0..N {
                total += count(|| poll_now(Box::pin(anyrt_mutex.lock()))).1;
            }
            total
        },
    )
    .await;
    // Not just "no more than native": none at all.
    let (_, n) = count(|| poll_now(Box::pin(anyrt_mutex.lock())));
    assert_eq!(n, 1, "one allocation: the Box::pin of this test itself");
}

#[anyrt::test]
async fn uncontended_acquire_allocates_nothing() {
    let tokio_semaphore = tokio::sync::Semaphore::new(1);
    let anyrt_semaphore = anyrt::sync::Semaphore::new(1);
    compare(
        "Semaphore::acquire",
        0,
        || async {
            let mut total = 0;
            for _ in 0..N {
                total += count(|| poll_now(Box::pin(tokio_semaphore.acquire()))).1;
            }
            total
        },
        || async {
            let mut total = 0;
            for _ in 0..N {
                total += count(|| poll_now(Box::pin(anyrt_semaphore.acquire()))).1;
            }
            total
        },
    )
    .await;
    let (_, n) = count(|| poll_now(Box::pin(anyrt_semaphore.acquire())));
    assert_eq!(n, 1, "one allocation: the Box::pin of this test itself");
}

#[anyrt::test]
async fn abort_handle_allocates_once_and_only_when_called() {
    let backend = Backend::current();
    let mut first_calls = 0;
    let mut later_calls = 0;
    for _ in 0..N {
        let handle = anyrt::spawn(std::future::pending::<()>());
        let (abort, first) = count(|| handle.abort_handle());
        let (again, later) = count(|| handle.abort_handle());
        first_calls += first;
        later_calls += later;
        abort.abort();
        drop(again);
        assert!(handle.await.unwrap_err().is_cancelled());
    }
    eprintln!("abort_handle on {backend}: {N} tasks, first calls {first_calls} allocations, later calls {later_calls}");
    assert!(
        first_calls <= N + SLACK,
        "{first_calls} for {N} first calls on {backend}"
    );
    assert!(
        later_calls <= SLACK,
        "{later_calls} for {N} later calls on {backend}"
    );
}

/// A joined handle skips its drop when it holds nothing; one that made an `AbortHandle` still
/// holds the state it shared, after that `AbortHandle` is gone, and must free it when dropped.
#[anyrt::test]
async fn a_joined_handle_frees_the_abort_handle_state_when_dropped() {
    let backend = Backend::current();
    for _ in 0..N {
        let mut handle = anyrt::spawn(async { 7 });
        drop(handle.abort_handle());
        assert_eq!((&mut handle).await.unwrap(), 7);
        let freed = count_frees(|| drop(handle));
        assert!(
            freed >= 1,
            "on {backend}: a joined handle that had made an AbortHandle freed nothing when dropped"
        );
    }
}

/// A hand-written executor: a queue of runnables with room reserved, so pushing allocates
/// nothing, run by whoever calls `block_on` (this test's thread, where allocations are counted).
struct Queue(std::sync::Mutex<std::collections::VecDeque<anyrt::custom::Runnable>>);

impl anyrt::custom::Executor for Queue {
    fn schedule(&self, runnable: anyrt::custom::Runnable) {
        self.0.lock().unwrap().push_back(runnable);
    }

    fn block_on(
        &self,
        mut future: Pin<&mut (dyn Future<Output = ()> + '_)>,
    ) -> Result<(), anyrt::custom::Refused> {
        let mut cx = Context::from_waker(Waker::noop());
        // The tasks of this test never wait for anything outside, so spinning finishes.
        while future.as_mut().poll(&mut cx).is_pending() {
            while let Some(runnable) = self.0.lock().unwrap().pop_front() {
                runnable.run();
            }
        }
        Ok(())
    }
}

#[test]
fn spawn_on_a_custom_executor_allocates_the_task_and_nothing_more() {
    // Native: the same executor used directly, with async-task as a hand-written executor
    // would; one allocation per task, async-task's.
    let queue = Queue(std::sync::Mutex::new(
        std::collections::VecDeque::with_capacity(2 * N as usize),
    ));
    let native_queue = std::sync::Mutex::new(std::collections::VecDeque::with_capacity(N as usize));
    let native_queue = std::sync::Arc::new(native_queue);
    let mut native = 0;
    let mut tasks = Vec::with_capacity(N as usize);
    for _ in 0..N {
        let schedule_on = native_queue.clone();
        let ((runnable, task), n) = count(|| {
            async_task::spawn(async {}, move |runnable| {
                schedule_on.lock().unwrap().push_back(runnable)
            })
        });
        native += n;
        runnable.schedule();
        tasks.push(task);
    }
    while let Some(runnable) = native_queue.lock().unwrap().pop_front() {
        runnable.run();
    }
    futures_lite::future::block_on(async {
        for task in tasks {
            task.await;
        }
    });

    // anyrt: `anyrt::spawn` inside one of the executor's tasks, and `Runtime::spawn` outside.
    let runtime = anyrt::custom::Runtime::new(queue);
    let inside = runtime.block_on(async {
        let mut total = 0;
        let mut handles = Vec::with_capacity(N as usize);
        for _ in 0..N {
            let (handle, n) = count(|| anyrt::spawn(async {}));
            total += n;
            handles.push(handle);
        }
        for handle in handles {
            handle.await.unwrap();
        }
        total
    });
    let mut outside = 0;
    let mut handles = Vec::with_capacity(N as usize);
    for _ in 0..N {
        let (handle, n) = count(|| runtime.spawn(async {}));
        outside += n;
        handles.push(handle);
    }
    runtime.block_on(async {
        for handle in handles {
            handle.await.unwrap();
        }
    });
    eprintln!(
        "spawn on a custom executor: {N} calls, native (async-task) {native} allocations, \
         anyrt::spawn in its task {inside}, Runtime::spawn {outside}"
    );
    assert_eq!(native, N, "async-task allocates once per task");
    assert!(inside <= native + SLACK, "anyrt::spawn: {inside}");
    assert!(outside <= native + SLACK, "Runtime::spawn: {outside}");
}

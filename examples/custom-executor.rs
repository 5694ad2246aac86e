//! The scraper (`examples/scraper.rs`) on an executor written here, plugged into anyrt with
//! `anyrt::custom`: every `spawn`, `JoinSet` task and `select!` of the scraper runs on these
//! worker threads, its timers and sockets use the default backend's reactor, and its last line
//! ends with `backend=custom`.
//!
//! ```text
//! cargo run --example custom-executor
//! cargo run --example custom-executor -- --pages 2000 --concurrency 128
//! cargo run --example custom-executor --no-default-features --features rt-smol
//! ```
//!
//! The executor is the smallest that works: worker threads taking runnables from one queue.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};

use anyrt::custom::{Executor, Runnable, Runtime};

// The scraper's own `main` is not used here.
#[allow(dead_code)]
#[path = "scraper.rs"]
mod scraper;

/// A queue of runnables, shared by the worker threads.
#[derive(Default)]
struct Queue {
    runnables: Mutex<VecDeque<Runnable>>,
    /// Signalled when a runnable is queued.
    queued: Condvar,
}

impl Queue {
    fn push(&self, runnable: Runnable) {
        self.runnables.lock().unwrap().push_back(runnable);
        self.queued.notify_one();
    }

    /// Waits for the next runnable.
    fn pop(&self) -> Runnable {
        let mut runnables = self.runnables.lock().unwrap();
        loop {
            match runnables.pop_front() {
                Some(runnable) => return runnable,
                None => runnables = self.queued.wait(runnables).unwrap(),
            }
        }
    }
}

/// The executor: `threads` workers, each running whatever runnable comes next, forever.
struct Workers(Arc<Queue>);

impl Workers {
    fn start(threads: usize) -> Workers {
        let queue = Arc::new(Queue::default());
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || loop {
                    // A task that woke itself (it yielded) was queued again behind the others.
                    queue.pop().run();
                })
                .expect("start a worker thread");
        }
        Workers(queue)
    }
}

impl Executor for Workers {
    fn schedule(&self, runnable: Runnable) {
        self.0.push(runnable);
    }
    // `spawn_blocking` and `block_on` keep anyrt's defaults: the default backend's blocking
    // pool, and parking the calling thread while the workers run the tasks.
}

fn main() -> ExitCode {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = Runtime::new(Workers::start(threads));
    runtime.block_on(scraper::scrape())
}

//! Ten local tasks share an `Rc<RefCell<_>>` counter: `!Send` state, no locks, one thread.
//!
//! ```text
//! cargo run --example local-counter
//! cargo run --example local-counter --no-default-features --features rt-async-std
//! cargo run --example local-counter --no-default-features --features rt-smol
//! ```
//!
//! `spawn_local` accepts futures that are not `Send`; they run on the thread that drives their
//! `LocalSet` (here the main thread, through `block_on_local`), interleaved at each `.await`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use anyrt::task::{block_on_local, spawn_local};

fn main() {
    let counter = block_on_local(async {
        let counter = Rc::new(RefCell::new(0u32));
        let tasks: Vec<_> = (0..10u32)
            .map(|id| {
                let counter = counter.clone();
                spawn_local(async move {
                    for _ in 0..100 {
                        *counter.borrow_mut() += 1;
                        // Let the other tasks in between: they all see the same counter.
                        anyrt::time::sleep(Duration::from_micros(50 * u64::from(id % 3))).await;
                    }
                    id
                })
            })
            .collect();
        for task in tasks {
            let id = task.await.expect("a local task failed");
            println!("task {id} done, counter now {}", counter.borrow());
        }
        let total = *counter.borrow();
        total
    });
    println!("counter={counter} backend={}", anyrt::Backend::current());
    assert_eq!(counter, 1000, "every increment of every task counted");
}

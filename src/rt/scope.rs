//! What anyrt itself runs on this thread now: the scope the choice of backend reads first, and
//! the depth of nested task polls that task-local values are keyed by.

use std::cell::Cell;

use super::backend::{any_backend_polls_async_code, detect, Kind, COMPILED_COUNT, DEFAULT};

/// What anyrt itself is running on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Nothing of anyrt's.
    None,
    /// The future of `block_on` on this backend.
    BlockOn(Kind),
    /// A closure of `spawn_blocking` on this backend.
    Blocking(Kind),
    /// A task of a custom executor, or the future of its `block_on` (which executor:
    /// `custom.rs` keeps it beside).
    Custom,
    /// A closure of `spawn_blocking` run for a custom executor.
    CustomBlocking,
}

thread_local! {
    static SCOPE: Cell<Scope> = const { Cell::new(Scope::None) };
}

/// Sets [`SCOPE`] until dropped, then restores the previous one (also when unwinding).
pub(crate) struct ScopeGuard(pub(crate) Scope);

impl ScopeGuard {
    pub(crate) fn enter(scope: Scope) -> ScopeGuard {
        ScopeGuard(SCOPE.with(|s| s.replace(scope)))
    }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(self.0));
    }
}

/// The compiled backend that serves a call made on this thread now; under a custom executor,
/// the one whose timers and sockets its tasks use (the default).
#[inline]
pub(crate) fn current() -> Kind {
    if COMPILED_COUNT == 1 {
        return DEFAULT;
    }
    match SCOPE.with(Cell::get) {
        Scope::BlockOn(kind) | Scope::Blocking(kind) => kind,
        Scope::Custom | Scope::CustomBlocking => DEFAULT,
        Scope::None => detect(),
    }
}

/// Who runs the tasks spawned on this thread now.
pub(crate) enum Tasks {
    Backend(Kind),
    /// The custom executor of the innermost custom scope (`custom.rs` knows which).
    Custom,
}

/// Who runs the tasks spawned here: a custom executor when one of its tasks, its `block_on`
/// future or a blocking closure run for it is the innermost thing anyrt runs on this thread,
/// else [`current`]. One read of a thread-local, also in single-backend builds: what custom
/// executors cost `spawn` (callgrind, `spawn_10k` per spawn + await + drop: -4 instructions on
/// tokio, +2 on smol, +4 on async-std, +13 with every backend compiled, of 1,050-1,800).
#[inline]
pub(crate) fn tasks() -> Tasks {
    match SCOPE.with(Cell::get) {
        Scope::Custom | Scope::CustomBlocking => Tasks::Custom,
        _ if COMPILED_COUNT == 1 => Tasks::Backend(DEFAULT),
        Scope::BlockOn(kind) | Scope::Blocking(kind) => Tasks::Backend(kind),
        Scope::None => Tasks::Backend(detect()),
    }
}

/// Whether a custom executor serves the task calls made on this thread now.
pub(crate) fn in_custom_scope() -> bool {
    matches!(tasks(), Tasks::Custom)
}

/// Whether this thread is running async code (a task, or the future of a `block_on`), where
/// blocking the thread would stall a runtime. Blocking closures (anyrt's or a backend's own) and
/// plain threads with a runtime entered are not async code.
pub(crate) fn in_async_context() -> bool {
    match SCOPE.with(Cell::get) {
        Scope::BlockOn(_) | Scope::Custom => true,
        Scope::Blocking(_) | Scope::CustomBlocking => false,
        Scope::None => any_backend_polls_async_code(),
    }
}

thread_local! {
    /// How many tasks deep the current poll is: 0 for a task polled by its executor, 1 for a
    /// local task polled inside it, and so on. Task-local values (`anyrt::task_local!`) are seen
    /// only at the level they were set at.
    static LEVEL: Cell<u32> = const { Cell::new(0) };
}

/// Marks the current thread as polling a task nested in another one, until dropped.
pub(crate) struct NestedTask(u32);

/// Call around the poll of a task that runs inside another task's poll (a local task, or a
/// custom executor's task run from inside an anyrt task).
pub(crate) fn enter_task() -> NestedTask {
    NestedTask(LEVEL.with(|level| level.replace(level.get() + 1)))
}

impl Drop for NestedTask {
    fn drop(&mut self) {
        LEVEL.with(|level| level.set(self.0));
    }
}

/// How many tasks deep the current poll is.
pub(crate) fn task_level() -> u32 {
    LEVEL.with(Cell::get)
}

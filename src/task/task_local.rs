//! Task-local storage: [`task_local!`](crate::task_local), [`LocalKey`], one implementation for
//! every backend.
//!
//! Each key is a thread-local slot. [`LocalKey::scope`] returns a future that, every time it is
//! polled, swaps its value into the slot of the thread polling it, polls the inner future, and
//! swaps the value back out. So the value follows its task across `.await`s and from thread to
//! thread, and never leaks to other tasks: a spawned task, or a closure on the blocking pool, is
//! polled or run outside that swap.
//!
//! One executor polls tasks inside another task's poll: a [`LocalSet`](super::LocalSet) runs its
//! tasks inside the poll of `run_until`. Each local task is polled one level deeper
//! (`enter_task` in `rt`), and a slot only shows a value set at the current level, so local tasks do
//! not inherit the values of the code driving their set either.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// The thread-local slot behind a [`LocalKey`]. Not part of the API.
#[doc(hidden)]
pub struct Slot<T> {
    value: RefCell<Option<T>>,
    /// The level `value` was set at; it is seen only at that level.
    level: Cell<u32>,
}

impl<T> Slot<T> {
    #[doc(hidden)]
    pub const fn new() -> Slot<T> {
        Slot {
            value: RefCell::new(None),
            level: Cell::new(0),
        }
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot::new()
    }
}

impl<T> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot").finish_non_exhaustive()
    }
}

/// Declares task-local keys: values that each task (each [`scope`](LocalKey::scope)) sets for
/// itself, visible to the code it runs and to nothing else.
///
/// Each `static NAME: T;` becomes a `static NAME: anyrt::task::LocalKey<T>`. The value set by
/// [`scope`](LocalKey::scope) is visible across `.await`s and when the task moves to another
/// thread; it is **not inherited** by tasks the scope spawns (with `spawn`, `spawn_local` or
/// `spawn_blocking`): they start without a value.
///
/// # Examples
///
/// ```
/// anyrt::task_local! {
///     static REQUEST_ID: u64;
/// }
///
/// # anyrt::block_on(async {
/// REQUEST_ID
///     .scope(7, async {
///         anyrt::task::yield_now().await;
///         assert_eq!(REQUEST_ID.get(), 7);
///         // A spawned task starts without it.
///         let inherited = anyrt::spawn(async { REQUEST_ID.try_get().is_ok() });
///         assert!(!inherited.await.unwrap());
///     })
///     .await;
/// assert!(REQUEST_ID.try_get().is_err());
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static SLOT: $crate::task::__Slot<$t> = const { $crate::task::__Slot::new() };
            }
            $crate::task::LocalKey::__new(&SLOT, ::std::stringify!($name))
        };
    };
}

/// A key declared by [`task_local!`](crate::task_local): the handle to a task-local value.
pub struct LocalKey<T: 'static> {
    slot: &'static std::thread::LocalKey<Slot<T>>,
    name: &'static str,
}

/// Why [`LocalKey::try_with`] could not read the value: no [`scope`](LocalKey::scope) of this
/// key is running on the current task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessError(());

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl std::error::Error for AccessError {}

/// The current level, for the slots.
fn current_level() -> u32 {
    crate::rt::task_level()
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new(
        slot: &'static std::thread::LocalKey<Slot<T>>,
        name: &'static str,
    ) -> LocalKey<T> {
        LocalKey { slot, name }
    }

    /// Runs `future` with this key set to `value`: a future that sets the value each time it is
    /// polled, and restores what was there before when the poll returns.
    ///
    /// Scopes nest: an inner `scope` of the same key hides the outer value until it ends. The
    /// value is dropped with the returned future; `future` itself is dropped inside the scope, so
    /// its destructors still see the value.
    ///
    /// # Cancel safety
    ///
    /// The returned future is as cancel-safe as `future`.
    ///
    /// # Panics
    ///
    /// Polling it panics if [`with`](LocalKey::with) is borrowing this key's value on the
    /// thread right then (a `scope` polled from inside the closure of `with`).
    ///
    /// # Examples
    ///
    /// ```
    /// anyrt::task_local! {
    ///     static TRACE_ID: u64;
    /// }
    ///
    /// # anyrt::block_on(async {
    /// let seen = TRACE_ID
    ///     .scope(42, async {
    ///         anyrt::task::yield_now().await;
    ///         TRACE_ID.get()
    ///     })
    ///     .await;
    /// assert_eq!(seen, 42);
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
        }
    }

    /// Runs the closure `f` with this key set to `value`, and returns its result.
    ///
    /// # Panics
    ///
    /// If [`with`](LocalKey::with) is borrowing this key's value on the thread right now.
    ///
    /// # Examples
    ///
    /// ```
    /// anyrt::task_local! {
    ///     static DEPTH: u32;
    /// }
    ///
    /// let seen = DEPTH.sync_scope(1, || DEPTH.sync_scope(2, || DEPTH.get()) + DEPTH.get());
    /// assert_eq!(seen, 3);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        self.enter(&mut value, f)
    }

    /// Swaps `value` into this key's slot for the duration of `f`, at the current level.
    ///
    /// # Panics
    ///
    /// Inside `with` on the same key, whose reference the swap would invalidate.
    #[track_caller]
    fn enter<R>(&'static self, value: &mut Option<T>, f: impl FnOnce() -> R) -> R {
        match self.try_enter(value, f) {
            Some(result) => result,
            None => panic!(
                "anyrt: a `scope` of the task-local `{}` was entered inside `with` on the same \
                 key",
                self.name
            ),
        }
    }

    /// [`enter`](LocalKey::enter), or `None` without calling `f` where the slot cannot be
    /// entered: inside `with` on the same key, or while the thread's locals are torn down.
    fn try_enter<R>(&'static self, value: &mut Option<T>, f: impl FnOnce() -> R) -> Option<R> {
        /// Swaps the value back out, also when `f` unwinds.
        struct Restore<'a, T: 'static> {
            key: &'static LocalKey<T>,
            value: &'a mut Option<T>,
            level: u32,
        }

        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // `try_with`: while the thread's locals are torn down there is nothing to restore.
                let _ = self.key.slot.try_with(|slot| {
                    if let Ok(mut current) = slot.value.try_borrow_mut() {
                        std::mem::swap(&mut *current, self.value);
                        slot.level.set(self.level);
                    }
                });
            }
        }

        let level = self.slot.try_with(|slot| {
            let mut current = slot.value.try_borrow_mut().ok()?;
            std::mem::swap(&mut *current, value);
            Some(slot.level.replace(current_level()))
        });
        let level = level.ok().flatten()?;
        let _restore = Restore {
            key: self,
            value,
            level,
        };
        Some(f())
    }

    /// Calls `f` with a reference to the value, and returns its result.
    ///
    /// # Panics
    ///
    /// If no [`scope`](LocalKey::scope) of this key is running on the current task; see
    /// [`try_with`](LocalKey::try_with) for a version that does not panic.
    ///
    /// # Examples
    ///
    /// ```
    /// anyrt::task_local! {
    ///     static NAME: String;
    /// }
    ///
    /// let length = NAME.sync_scope("anyrt".into(), || NAME.with(|name| name.len()));
    /// assert_eq!(length, 5);
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(result) => result,
            Err(_) => panic!(
                "anyrt: the task-local `{}` was read outside a `scope` that sets it (spawned \
                 tasks and blocking closures do not inherit it)",
                self.name
            ),
        }
    }

    /// Calls `f` with a reference to the value, if a [`scope`](LocalKey::scope) of this key is
    /// running on the current task.
    ///
    /// # Errors
    ///
    /// [`AccessError`] if none is.
    ///
    /// # Examples
    ///
    /// ```
    /// anyrt::task_local! {
    ///     static USER: String;
    /// }
    ///
    /// assert!(USER.try_with(|user| user.len()).is_err());
    /// let length = USER.sync_scope("ada".into(), || USER.try_with(|user| user.len()));
    /// assert_eq!(length, Ok(3));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let found = self.slot.try_with(|slot| {
            if slot.level.get() != current_level() {
                return None;
            }
            let value = slot.value.borrow();
            value.as_ref().map(f)
        });
        found.ok().flatten().ok_or(AccessError(()))
    }

    /// A clone of the value.
    ///
    /// # Panics
    ///
    /// As [`with`](LocalKey::with), outside a scope of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// anyrt::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// assert_eq!(LIMIT.sync_scope(10, || LIMIT.get()), 10);
    /// assert!(LIMIT.try_get().is_err());
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }

    /// A clone of the value, if a scope of this key is running on the current task.
    ///
    /// # Errors
    ///
    /// [`AccessError`] if none is.
    ///
    /// # Examples
    ///
    /// ```
    /// anyrt::task_local! {
    ///     static LIMIT: u32;
    /// }
    ///
    /// # anyrt::block_on(async {
    /// assert!(LIMIT.try_get().is_err());
    /// LIMIT.scope(3, async { assert_eq!(LIMIT.try_get(), Ok(3)) }).await;
    /// # });
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError>
    where
        T: Clone,
    {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`LocalKey::scope`]: `F` run with the key set.
    #[must_use = "futures do nothing unless polled or `.await`ed"]
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        // The key's value while `future` is not being polled.
        value: Option<T>,
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.future.is_some() {
                // The future's destructors run inside the scope, as its polls did, where the
                // scope can be entered; elsewhere (dropped inside `with` on the same key) they
                // run without it, as in tokio: a destructor must not panic.
                let key = *this.key;
                let future = &mut this.future;
                if key.try_enter(this.value, || future.set(None)).is_none() {
                    this.future.set(None);
                }
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the scope; polling the future after that runs it without the
    /// value. `None` if it was taken before.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    ///
    /// anyrt::task_local! {
    ///     static USER: String;
    /// }
    ///
    /// # anyrt::block_on(async {
    /// let mut scoped = Box::pin(USER.scope("ann".into(), async {
    ///     anyrt::task::yield_now().await;
    ///     USER.try_get().ok()
    /// }));
    /// assert!(poll_once(scoped.as_mut()).await.is_none());
    /// assert_eq!(scoped.as_mut().take_value().as_deref(), Some("ann"));
    /// assert_eq!(scoped.await, None, "the rest ran without the value");
    /// # });
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().value.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        let key = *this.key;
        let output = key.enter(this.value, || {
            let future = this.future.as_mut().as_pin_mut();
            future
                .expect("anyrt: a task-local scope was polled after it completed")
                .poll(cx)
        });
        if output.is_ready() {
            // Dropped inside the scope, as in `drop`; `set(None)` skips it there.
            key.enter(this.value, || this.future.set(None));
        }
        output
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

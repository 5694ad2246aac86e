//! [`OnceCell`]: a value set once, possibly by an async initialiser, on tokio's.

use std::fmt;
use std::future::Future;

/// A cell written at most once, then read by reference; the async counterpart of
/// `std::sync::OnceLock`.
///
/// [`get_or_init`](OnceCell::get_or_init) runs one initialiser at a time: concurrent callers
/// wait for it (in the order they came), and if it is cancelled or panics, the next caller's
/// initialiser runs instead. [`new`](OnceCell::new) is a `const fn`.
///
/// # Examples
///
/// ```
/// use anyrt::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::new();
///
/// # anyrt::block_on(async {
/// let value = CONFIG.get_or_init(|| async { "loaded".to_string() }).await;
/// assert_eq!(value, "loaded");
/// // Later callers get the same value without running their initialiser.
/// let again = CONFIG.get_or_init(|| async { unreachable!() }).await;
/// assert_eq!(again, "loaded");
/// # });
/// ```
pub struct OnceCell<T> {
    inner: tokio::sync::OnceCell<T>,
}

/// The error of [`OnceCell::set`]: the value could not be stored, and is given back.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// An initialiser is running.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::OnceCell;
    ///
    /// let cell = OnceCell::new();
    /// cell.set(1).unwrap();
    /// let error = cell.set(2).unwrap_err();
    /// assert!(error.is_already_init_err() && !error.is_initializing_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initialiser was running.
    ///
    /// # Examples
    ///
    /// See [`is_already_init_err`](SetError::is_already_init_err).
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("the cell is already initialised"),
            SetError::InitializingError(_) => f.write_str("the cell is being initialised"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = anyrt::sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(String::from("a")).unwrap();
    /// assert!(cell.initialized());
    /// cell.get_mut().unwrap().push('b');
    /// assert_eq!(cell.into_inner().as_deref(), Some("ab"));
    /// ```
    pub const fn new() -> OnceCell<T> {
        OnceCell {
            inner: tokio::sync::OnceCell::const_new(),
        }
    }

    /// The same as [`new`](OnceCell::new), under the name tokio gives its `const` constructor.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::OnceCell;
    ///
    /// static CONFIG: OnceCell<&str> = OnceCell::const_new();
    /// static DEFAULT: OnceCell<u16> = OnceCell::const_new_with(8080);
    ///
    /// # anyrt::block_on(async {
    /// assert_eq!(*CONFIG.get_or_init(|| async { "loaded" }).await, "loaded");
    /// assert_eq!(DEFAULT.get(), Some(&8080));
    /// # });
    /// ```
    pub const fn const_new() -> OnceCell<T> {
        OnceCell::new()
    }

    /// A cell holding `value`, if it is `Some`.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::sync::OnceCell;
    ///
    /// assert_eq!(OnceCell::new_with(Some(1)).get(), Some(&1));
    /// assert!(!OnceCell::<u8>::new_with(None).initialized());
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        OnceCell {
            inner: tokio::sync::OnceCell::new_with(value),
        }
    }

    /// A cell holding `value`, in a `const` context.
    ///
    /// # Examples
    ///
    /// See [`const_new`](OnceCell::const_new).
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            inner: tokio::sync::OnceCell::const_new_with(value),
        }
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// See [`new`](OnceCell::new).
    pub fn initialized(&self) -> bool {
        self.inner.initialized()
    }

    /// The value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = anyrt::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(3).unwrap();
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.inner.get()
    }

    /// The value, through exclusive access to the cell.
    ///
    /// # Examples
    ///
    /// See [`new`](OnceCell::new).
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.inner.get_mut()
    }

    /// Stores `value` if the cell is empty and no initialiser is running.
    ///
    /// # Errors
    ///
    /// [`SetError`], with `value`, if the cell holds a value or an initialiser is running.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = anyrt::sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        self.inner.set(value).map_err(|error| match error {
            tokio::sync::SetError::AlreadyInitializedError(v) => {
                SetError::AlreadyInitializedError(v)
            }
            tokio::sync::SetError::InitializingError(v) => SetError::InitializingError(v),
        })
    }

    /// The value; if the cell is empty, runs `f` to make it first. Only one initialiser runs at
    /// a time; other callers wait for it, in order.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe. Dropping a future that is running its initialiser drops that initialiser,
    /// and the next waiting caller runs its own. A panic in `f` does the same.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let cell = anyrt::sync::OnceCell::new();
    /// assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    /// assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1);
    /// # });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        self.inner.get_or_init(f).await
    }

    /// Like [`get_or_init`](OnceCell::get_or_init), with an initialiser that may fail; on
    /// failure the cell stays empty and the next caller tries.
    ///
    /// # Errors
    ///
    /// The initialiser's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, like [`get_or_init`](OnceCell::get_or_init).
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let cell = anyrt::sync::OnceCell::new();
    /// let failed = cell.get_or_try_init(|| async { Err::<u8, _>("down") }).await;
    /// assert_eq!(failed, Err("down"));
    /// let value = cell.get_or_try_init(|| async { Ok::<_, &str>(7) }).await;
    /// assert_eq!(value, Ok(&7));
    /// # });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.inner.get_or_try_init(f).await
    }

    /// Consumes the cell and returns its value, if set.
    ///
    /// # Examples
    ///
    /// See [`new`](OnceCell::new).
    pub fn into_inner(self) -> Option<T> {
        self.inner.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = anyrt::sync::OnceCell::new_with(Some("x"));
    /// assert_eq!(cell.take(), Some("x"));
    /// assert!(!cell.initialized());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.inner.take()
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

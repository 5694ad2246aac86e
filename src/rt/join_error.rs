//! [`JoinError`]: why a task produced no output. Defined here, where the backends build it,
//! and re-exported by `anyrt::task`.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Mutex;

/// Why a task produced no output: it panicked, or it was cancelled.
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    // In a Mutex only to make the error `Sync`, so it fits in `io::Error` and `Box<dyn Error +
    // Send + Sync>`; the payload is only ever moved out, never shared. Boxed, so the error is
    // one word and a `Result<usize, JoinError>` two: every join returns one through each layer
    // of the handle, in registers, and panics are rare.
    Panic(Box<Mutex<Box<dyn Any + Send + 'static>>>),
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(Box::new(Mutex::new(payload))),
        }
    }

    /// Whether the task was cancelled by [`JoinHandle::abort`](crate::task::JoinHandle::abort).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The payload the task panicked with, as [`std::panic::catch_unwind`] returns it.
    ///
    /// # Panics
    ///
    /// If the task did not panic; see [`JoinError::try_into_panic`].
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let error = anyrt::spawn(async { panic!("{}", 42) }).await.unwrap_err();
    /// let payload = error.into_panic();
    /// assert_eq!(payload.downcast_ref::<String>().unwrap(), "42");
    /// # });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .unwrap_or_else(|_| panic!("anyrt: `JoinError::into_panic` on a cancelled task"))
    }

    /// The panic payload, or the error itself if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok((*payload).into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic message, when the payload is a string (as `panic!` makes it).
    fn panic_message(&self) -> Option<String> {
        let Repr::Panic(payload) = &self.repr else {
            return None;
        };
        let payload = payload.lock().unwrap_or_else(|e| e.into_inner());
        panic_message(&**payload).map(str::to_owned)
    }
}

/// The message of a panic payload made by `panic!` (a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("task was cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "task panicked: {message}"),
            (Repr::Panic(_), None) => f.write_str("task panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("JoinError::Cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "JoinError::Panic({message:?})"),
            (Repr::Panic(_), None) => f.write_str("JoinError::Panic(..)"),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(error: JoinError) -> io::Error {
        io::Error::other(error)
    }
}

//! The public [`Backend`] enum, written out so that grep and rustdoc find it, and the crate's
//! [`Kind`]: the backends compiled into this build, generated from [`with_backends!`].

use std::fmt;

use super::contract::{Presence, Runtime};

/// One of the async runtimes anyrt can run on.
///
/// Every backend exists as a variant, whichever features are enabled, so that code naming one
/// compiles in every build; [`Backend::is_compiled`] tells whether it can run anything.
///
/// # Examples
///
/// ```
/// use anyrt::Backend;
///
/// // Run the same future on every backend this build has.
/// for backend in Backend::compiled() {
///     let answer = backend.block_on(async { 6 * 7 });
///     assert_eq!(answer, 42);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// [tokio](https://docs.rs/tokio), feature `rt-tokio` (the default).
    Tokio,
    /// [async-std](https://docs.rs/async-std), feature `rt-async-std`. Discontinued upstream;
    /// kept so that code can move off it.
    AsyncStd,
    /// [smol](https://docs.rs/smol), feature `rt-smol`.
    Smol,
    /// anyrt's deterministic simulation (`anyrt::sim`), feature `rt-sim`.
    /// Never the default while another backend is compiled.
    Sim,
    /// An executor of the application's, run through
    /// [`custom::Runtime`](crate::custom::Runtime). Every build has it; it is not in
    /// [`Backend::all`] or [`Backend::compiled`], which list the backends the cargo features
    /// choose from.
    Custom,
}

impl Backend {
    /// Every backend anyrt knows, compiled in or not, in order of preference; not
    /// [`Backend::Custom`], which no feature selects.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::Backend;
    ///
    /// let compiled: Vec<_> = Backend::all().iter().filter(|b| b.is_compiled()).collect();
    /// assert_eq!(compiled.len(), Backend::compiled().len());
    /// ```
    pub const fn all() -> &'static [Backend] {
        &[
            Backend::Tokio,
            Backend::AsyncStd,
            Backend::Smol,
            Backend::Sim,
        ]
    }

    /// The backend's name, as in its crate name: `"tokio"`, `"async-std"`, `"smol"`; `"sim"`
    /// for the simulation and `"custom"` for [`Backend::Custom`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(anyrt::Backend::AsyncStd.name(), "async-std");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Tokio => "tokio",
            Backend::AsyncStd => "async-std",
            Backend::Smol => "smol",
            Backend::Sim => "sim",
            Backend::Custom => "custom",
        }
    }

    /// The cargo feature of anyrt that compiles this backend in; empty for
    /// [`Backend::Custom`], which needs none.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(anyrt::Backend::Smol.feature(), "rt-smol");
    /// assert_eq!(anyrt::Backend::Custom.feature(), "");
    /// ```
    pub const fn feature(self) -> &'static str {
        match self {
            Backend::Tokio => "rt-tokio",
            Backend::AsyncStd => "rt-async-std",
            Backend::Smol => "rt-smol",
            Backend::Sim => "rt-sim",
            Backend::Custom => "",
        }
    }
}

/// Defines [`Kind`] and what is known of each compiled backend at compile time.
macro_rules! define_kind {
    ([] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        /// A compiled backend. Unlike the public [`Backend`], it has only the variants that exist
        /// in this build, so a single-backend build matches on a one-variant enum.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Kind {
            $(
                #[cfg(feature = $feature)]
                $Variant,
            )*
        }

        impl Kind {
            /// The public name of this backend.
            pub(crate) const fn backend(self) -> Backend {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Kind::$Variant => Backend::$Variant,
                    )*
                }
            }

            /// The compiled backend behind `backend`, if it is compiled.
            pub(crate) const fn from_backend(backend: Backend) -> Option<Kind> {
                #[allow(unreachable_patterns)]
                match backend {
                    $(
                        #[cfg(feature = $feature)]
                        Backend::$Variant => Some(Kind::$Variant),
                    )*
                    _ => None,
                }
            }
        }

        /// How many backends this build has.
        pub(crate) const COMPILED_COUNT: usize = 0 $(+ cfg!(feature = $feature) as usize)*;

        /// Backends in order of preference, with `None` for those not compiled.
        const KNOWN: &[Option<Kind>] = &[
            $(
                {
                    #[cfg(feature = $feature)]
                    let kind = Some(Kind::$Variant);
                    #[cfg(not(feature = $feature))]
                    let kind = None;
                    kind
                },
            )*
        ];

        /// Finds the backend that should serve a call made on this thread now: one polling the
        /// current task, else one whose context is entered, else the default.
        pub(crate) fn detect() -> Kind {
            let mut entered = None;
            $(
                #[cfg(feature = $feature)]
                match <super::$module::$Variant as Runtime>::presence() {
                    Presence::Running => return Kind::$Variant,
                    Presence::Entered if entered.is_none() => entered = Some(Kind::$Variant),
                    Presence::Entered | Presence::Absent => {}
                }
            )*
            entered.unwrap_or(DEFAULT)
        }

        /// Whether any backend is polling async code on this thread.
        pub(crate) fn any_backend_polls_async_code() -> bool {
            false $(|| {
                #[cfg(feature = $feature)]
                let polls = <super::$module::$Variant as Runtime>::polls_async_code();
                #[cfg(not(feature = $feature))]
                let polls = false;
                polls
            })*
        }

        $(
            #[cfg(feature = $feature)]
            impl Wrap for super::$module::$Variant {
                const KIND: Kind = Kind::$Variant;
            }
        )*
    };
}

with_backends!(define_kind![]);

/// What ties a backend's own types to [`Kind`], so backend files never name another backend's
/// variant.
pub(crate) trait Wrap: Runtime {
    /// This backend.
    const KIND: Kind;
}

/// The backend that serves calls made outside any runtime: the first compiled one.
pub(crate) const DEFAULT: Kind = {
    let mut i = 0;
    loop {
        if let Some(kind) = KNOWN[i] {
            break kind;
        }
        i += 1;
    }
};

/// The compiled backends, in order of preference.
static COMPILED: [Backend; COMPILED_COUNT] = {
    let mut out = [DEFAULT.backend(); COMPILED_COUNT];
    let (mut i, mut j) = (0, 0);
    while i < KNOWN.len() {
        if let Some(kind) = KNOWN[i] {
            out[j] = kind.backend();
            j += 1;
        }
        i += 1;
    }
    out
};

impl Backend {
    /// The backends compiled into this build, in order of preference; not [`Backend::Custom`],
    /// which every build has.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!anyrt::Backend::compiled().is_empty());
    /// ```
    pub fn compiled() -> &'static [Backend] {
        &COMPILED
    }

    /// Whether this backend is compiled into this build; [`Backend::Custom`] always is.
    ///
    /// # Examples
    ///
    /// ```
    /// use anyrt::Backend;
    ///
    /// assert!(Backend::compiled().iter().all(|b| b.is_compiled()));
    /// assert!(Backend::Custom.is_compiled());
    /// ```
    pub const fn is_compiled(self) -> bool {
        matches!(self, Backend::Custom) || Kind::from_backend(self).is_some()
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

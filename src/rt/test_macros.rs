//! The exported macros behind `#[anyrt::test]`. The attribute (in the `anyrt-macros` crate)
//! cannot see anyrt's features, so it expands to `__anyrt_test_each_backend!`, defined here from
//! the backend list, which makes one `#[test]` per compiled backend not excluded.
//!
//! `define_test_macros!` is the one generator that writes macros: `$d` stands for a literal `$`
//! in the macros it writes. For each backend it defines a gate, `__anyrt_if_<module>!`, that
//! keeps its input when that backend is compiled and drops it otherwise; with the list, it
//! writes `__anyrt_test_each_backend!` (one gated test per backend), `__anyrt_if_same!`
//! (compares two backend names) and `__anyrt_known_backend!` (rejects an unknown name in
//! `except(...)`).

macro_rules! define_test_macros {
    ([$d:tt] $($feature:literal $module:ident $Variant:ident $gate:ident,)*) => {
        $(
            #[cfg(feature = $feature)]
            #[doc(hidden)]
            #[macro_export]
            macro_rules! $gate {
                ($d($d item:tt)*) => { $d($d item)* };
            }

            #[cfg(not(feature = $feature))]
            #[doc(hidden)]
            #[macro_export]
            macro_rules! $gate {
                ($d($d item:tt)*) => {};
            }
        )*

        /// Expands one `#[test]` function per compiled backend not in the leading list of
        /// excluded backends; the body of `#[anyrt::test]`.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_test_each_backend {
            ([$d($d excluded:ident)*] $d($d input:tt)*) => {
                $d($crate::__anyrt_known_backend!($d excluded);)*
                $(
                    $crate::$gate! {
                        $crate::__anyrt_unless_excluded! {
                            $module [$d($d excluded)*]
                            $crate::__anyrt_test_on_backend! { $module $Variant $d($d input)* }
                        }
                    }
                )*
            };
        }

        /// The first block if `$a` and `$b` are the same backend's module, else the second.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_if_same {
            $(
                ($module $module {$d($d same:tt)*} {$d($d other:tt)*}) => { $d($d same)* };
            )*
            ($d a:ident $d b:ident {$d($d same:tt)*} {$d($d other:tt)*}) => { $d($d other)* };
        }

        /// Nothing for a backend's module name; a compile error naming the backends otherwise.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __anyrt_known_backend {
            $(($module) => {};)*
            ($d other:ident) => {
                compile_error!(concat!(
                    "anyrt: `except` names a backend anyrt does not have: `",
                    stringify!($d other),
                    "`; the backends are:",
                    $(" `", stringify!($module), "`",)*
                ));
            };
        }
    };
}

with_backends!(define_test_macros![$]);

/// `$items`, unless `$module` is in the list.
#[doc(hidden)]
#[macro_export]
macro_rules! __anyrt_unless_excluded {
    ($module:ident [] $($items:tt)*) => { $($items)* };
    ($module:ident [$first:ident $($rest:ident)*] $($items:tt)*) => {
        $crate::__anyrt_if_same! { $module $first
            {}
            { $crate::__anyrt_unless_excluded! { $module [$($rest)*] $($items)* } }
        }
    };
}

/// One `#[test]` function that runs the async test function `$name` on one backend.
#[doc(hidden)]
#[macro_export]
macro_rules! __anyrt_test_on_backend {
    ($module:ident $Variant:ident [$(#[$attr:meta])*] $name:ident -> $ret:ty) => {
        #[test]
        $(#[$attr])*
        fn $module() -> $ret {
            $crate::Backend::$Variant.block_on(super::$name())
        }
    };
}

//! The traits every lock guard implements the same way, for [`Mutex`](super::Mutex)'s and
//! [`RwLock`](super::RwLock)'s guards.

/// `Deref`, `DerefMut`, `Debug` and `Display` for a guard type whose `inner` dereferences to
/// the value mutably.
macro_rules! guard_traits {
    ($([$($generics:tt)*] $Guard:ty => $Target:ident;)*) => {$(
        impl<$($generics)*> std::ops::DerefMut for $Guard {
            fn deref_mut(&mut self) -> &mut $Target {
                &mut self.inner
            }
        }

        $crate::sync::guard::read_guard_traits! { [$($generics)*] $Guard => $Target; }
    )*};
}

/// `Deref`, `Debug` and `Display` for a guard type whose `inner` dereferences to the value.
macro_rules! read_guard_traits {
    ($([$($generics:tt)*] $Guard:ty => $Target:ident;)*) => {$(
        impl<$($generics)*> std::ops::Deref for $Guard {
            type Target = $Target;

            fn deref(&self) -> &$Target {
                &self.inner
            }
        }

        impl<$($generics)*> std::fmt::Debug for $Guard
        where
            $Target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($generics)*> std::fmt::Display for $Guard
        where
            $Target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

pub(super) use {guard_traits, read_guard_traits};

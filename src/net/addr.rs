//! Addresses: [`ToSocketAddrs`], [`lookup_host`], and how anyrt resolves and tries them.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Types that name one or more socket addresses: [`SocketAddr`] and its V4/V6 forms,
/// `(IpAddr, u16)`, `(&str, u16)`, `(String, u16)`, `&str` and `String` such as
/// `"127.0.0.1:8080"` or `"localhost:8080"`, and `&[SocketAddr]`.
///
/// Host names are resolved on the blocking pool, so resolution never stalls a runtime.
/// This trait is sealed: it cannot be implemented outside anyrt.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

mod sealed {
    use std::net::SocketAddr;

    /// What an address needs to become a list of socket addresses.
    #[derive(Debug)]
    pub enum Addrs {
        One(SocketAddr),
        Many(Vec<SocketAddr>),
        /// A `host:port` string for the system resolver.
        Lookup(String),
        /// A host name and a port for the system resolver.
        LookupHost(String, u16),
    }

    pub trait ToSocketAddrsPriv {
        fn to_addrs(&self) -> Addrs;
    }
}

use sealed::{Addrs, ToSocketAddrsPriv};

macro_rules! literal_addrs {
    ($($ty:ty => |$a:ident| $e:expr,)*) => {
        $(
            impl ToSocketAddrs for $ty {}
            impl ToSocketAddrsPriv for $ty {
                fn to_addrs(&self) -> Addrs {
                    let $a = *self;
                    Addrs::One($e)
                }
            }
        )*
    };
}

literal_addrs! {
    SocketAddr => |a| a,
    SocketAddrV4 => |a| a.into(),
    SocketAddrV6 => |a| a.into(),
    (IpAddr, u16) => |a| a.into(),
    (Ipv4Addr, u16) => |a| a.into(),
    (Ipv6Addr, u16) => |a| a.into(),
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_addrs(&self) -> Addrs {
        match self.parse() {
            Ok(addr) => Addrs::One(addr),
            Err(_) => Addrs::Lookup(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_addrs(&self) -> Addrs {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_addrs(&self) -> Addrs {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Addrs::One((ip, port).into()),
            Err(_) => Addrs::LookupHost(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_addrs(&self) -> Addrs {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl ToSocketAddrsPriv for [SocketAddr] {
    fn to_addrs(&self) -> Addrs {
        Addrs::Many(self.to_vec())
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn to_addrs(&self) -> Addrs {
        (**self).to_addrs()
    }
}

/// Resolves `addr`, off the runtime's threads when a resolver is needed. A single address (the
/// common case) is passed on without allocating.
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Resolved> {
    use std::net::ToSocketAddrs as _;
    let lookup = match addr.to_addrs() {
        Addrs::One(addr) => return Ok(Resolved::One(Some(addr))),
        Addrs::Many(addrs) => return Ok(Resolved::Many(addrs.into_iter())),
        // The simulation's own names; no resolver of the machine is asked.
        Addrs::Lookup(s) => match crate::net::stream::resolve_simulated(&s, None) {
            Some(found) => return found.map(|addrs| Resolved::Many(addrs.into_iter())),
            None => crate::task::spawn_blocking(move || s.to_socket_addrs().map(Vec::from_iter)),
        },
        Addrs::LookupHost(host, port) => {
            match crate::net::stream::resolve_simulated(&host, Some(port)) {
                Some(found) => return found.map(|addrs| Resolved::Many(addrs.into_iter())),
                None => crate::task::spawn_blocking(move || {
                    (host.as_str(), port).to_socket_addrs().map(Vec::from_iter)
                }),
            }
        }
    };
    Ok(Resolved::Many(lookup.await??.into_iter()))
}

/// The addresses [`resolve`] found.
pub(crate) enum Resolved {
    One(Option<SocketAddr>),
    Many(std::vec::IntoIter<SocketAddr>),
}

impl Iterator for Resolved {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match self {
            Resolved::One(addr) => addr.take(),
            Resolved::Many(addrs) => addrs.next(),
        }
    }
}

/// Tries `op` on each address of `addr` in turn; the last error if none works.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: &A, mut op: F) -> io::Result<T>
where
    A: ToSocketAddrs + ?Sized,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last_error = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

/// The IP address in `addr`.
pub(crate) fn socket_addr(addr: socket2::SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
}

/// Resolves `host` (`"name:port"`, or any other [`ToSocketAddrs`]) to its socket addresses, in
/// the order the system resolver gives them.
///
/// Literal addresses are returned at once; names are resolved by the system resolver
/// (`getaddrinfo`) on the blocking pool, so a slow resolver never stalls a runtime thread. This
/// is how every anyrt function that takes an address resolves it.
///
/// # Errors
///
/// An [`InvalidInput`](io::ErrorKind::InvalidInput) error for an address that is neither a
/// literal nor `host:port`, or whose port is out of range; the resolver's error for a name it
/// cannot resolve (kind and message as std's `ToSocketAddrs` gives them, the same on every
/// backend).
///
/// # Examples
///
/// ```
/// # anyrt::block_on(async {
/// let addrs: Vec<_> = anyrt::net::lookup_host("localhost:80").await?.collect();
/// assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(&host).await
}

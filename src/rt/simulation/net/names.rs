//! Names: the simulation's resolver, which knows `localhost` and its hosts' names only.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::rt::simulation::World;

/// Resolves `host` and `port` in the simulation: `localhost` is the loopback addresses (IPv4
/// first), a host's name its address; any other name is unknown. No resolver of the machine is
/// asked.
pub(crate) fn resolve_host(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
        ]);
    }
    let world = World::expect();
    if let Some(found) = world.hosts.iter().skip(1).find(|h| h.name == host) {
        return Ok(vec![SocketAddr::new(found.ip.into(), port)]);
    }
    // The kind std gives a failed lookup (`Uncategorized`, which cannot be named), by way of an
    // error number no kind is assigned to, and std's message.
    let kind = io::Error::from_raw_os_error(200).kind();
    Err(io::Error::new(
        kind,
        format!(
            "failed to lookup address information: Name or service not known (the simulation has \
             no host named {host:?})"
        ),
    ))
}

/// Resolves `"host:port"` in the simulation, with std's errors for a string that is not one.
pub(crate) fn resolve(text: &str) -> io::Result<Vec<SocketAddr>> {
    let invalid = |message| io::Error::new(io::ErrorKind::InvalidInput, message);
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| invalid("invalid socket address"))?;
    let port = port.parse().map_err(|_| invalid("invalid port value"))?;
    resolve_host(host, port)
}

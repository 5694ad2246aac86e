//! TCP: [`TcpListener`], [`TcpStream`], [`TcpSocket`], and the halves of a stream.

mod listener;
mod socket;
mod split;
mod stream;

pub(crate) use listener::set_v6_only;
pub use listener::{Incoming, TcpListener};
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;

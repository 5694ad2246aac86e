//! The halves of a [`TcpStream`]: borrowed ([`ReadHalf`], [`WriteHalf`]) and owned
//! ([`OwnedReadHalf`], [`OwnedWriteHalf`]).
//!
//! Every half implements futures-io's and tokio's I/O traits for its direction, on every
//! backend. A stream's reads and writes wait on separate readiness, so a reader task and a
//! writer task never steal each other's wake-ups.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use super::TcpStream;
use crate::net::stream::{read_traits, write_traits};

/// The read half of a [`TcpStream`], borrowed; see [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a> {
    pub(super) stream: &'a TcpStream,
}

/// The write half of a [`TcpStream`], borrowed; see [`TcpStream::split`]. Closing it (`close`,
/// tokio's `shutdown`) sends FIN.
#[derive(Debug)]
pub struct WriteHalf<'a> {
    pub(super) stream: &'a TcpStream,
}

/// The read half of a [`TcpStream`], owned; see [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    pub(super) stream: Arc<TcpStream>,
}

/// The write half of a [`TcpStream`], owned; see [`TcpStream::into_split`].
///
/// Dropping it shuts the write direction down (the peer reads end-of-file), as tokio's does,
/// unless [`forget`](OwnedWriteHalf::forget) was called.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
    shutdown_on_drop: bool,
}

impl ReadHalf<'_> {
    /// See [`TcpStream::peek`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::peek`].
    ///
    /// # Examples
    ///
    /// See [`TcpStream::peek`]; the same on a half.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }

    /// See [`TcpStream::local_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::split`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// See [`TcpStream::peer_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::split`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl WriteHalf<'_> {
    /// See [`TcpStream::local_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::split`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// See [`TcpStream::peer_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::split`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl OwnedReadHalf {
    /// Puts the stream back together from its two halves.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, if they come from different streams.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (reader, writer) = stream.into_split();
    /// let stream = reader.reunite(writer).expect("the same stream");
    /// # drop(stream);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        let mut other = other;
        // The reunited stream keeps its write direction open.
        other.shutdown_on_drop = false;
        let stream = other.stream.clone();
        drop(other);
        drop(self);
        Ok(Arc::into_inner(stream).expect("anyrt: both halves of the stream were just dropped"))
    }

    /// See [`TcpStream::peek`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::peek`].
    ///
    /// # Examples
    ///
    /// See [`TcpStream::peek`]; the same on a half.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }

    /// See [`TcpStream::readable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::readable`].
    pub async fn readable(&self) -> io::Result<()> {
        self.stream.readable().await
    }

    /// See [`TcpStream::try_read`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::try_read`].
    ///
    /// # Examples
    ///
    /// See [`TcpStream::readable`].
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.try_read(buf)
    }

    /// See [`TcpStream::local_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::into_split`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// See [`TcpStream::peer_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::into_split`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl OwnedWriteHalf {
    pub(super) fn new(stream: Arc<TcpStream>) -> OwnedWriteHalf {
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        }
    }

    /// Puts the stream back together; see [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] if the halves come from different streams.
    ///
    /// # Examples
    ///
    /// See [`OwnedReadHalf::reunite`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting the write direction down.
    ///
    /// # Examples
    ///
    /// ```
    /// # anyrt::block_on(async {
    /// let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = anyrt::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_reader, writer) = stream.into_split();
    /// writer.forget(); // no FIN
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// See [`TcpStream::writable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Errors
    ///
    /// The reactor's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::writable`].
    pub async fn writable(&self) -> io::Result<()> {
        self.stream.writable().await
    }

    /// See [`TcpStream::try_write`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::try_write`].
    ///
    /// # Examples
    ///
    /// See [`TcpStream::writable`].
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.try_write(buf)
    }

    /// See [`TcpStream::local_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::into_split`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// See [`TcpStream::peer_addr`].
    ///
    /// # Errors
    ///
    /// The system's error.
    ///
    /// # Examples
    ///
    /// See [`TcpStream::into_split`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.stream.conn.shutdown_write();
        }
    }
}

impl AsRef<TcpStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &TcpStream {
        self.stream
    }
}

impl AsRef<TcpStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &TcpStream {
        self.stream
    }
}

impl AsRef<TcpStream> for OwnedReadHalf {
    fn as_ref(&self) -> &TcpStream {
        &self.stream
    }
}

impl AsRef<TcpStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &TcpStream {
        &self.stream
    }
}

read_traits!(ReadHalf<'_>, |this| &this.stream.conn);
write_traits!(WriteHalf<'_>, |this| &this.stream.conn);
read_traits!(OwnedReadHalf, |this| &this.stream.conn);
write_traits!(OwnedWriteHalf, |this| &this.stream.conn);

/// Two halves of different streams were given to `reunite`; both are returned.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl Error for ReuniteError {}

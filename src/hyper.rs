//! [hyper](https://docs.rs/hyper) 1.x on any backend (feature `hyper`).
//!
//! hyper is runtime-agnostic, but ships executor, timer and I/O adapters only for tokio
//! (in hyper-util). With this module, hyper runs on whichever backend anyrt does:
//!
//! - [`Executor`] spawns hyper's background tasks with [`crate::spawn`];
//! - [`Timer`] gives hyper anyrt's [`Sleep`], for header-read timeouts and keep-alive;
//! - [`TcpStream`] and [`UnixStream`](crate::net::UnixStream) implement `hyper::rt::Read` and
//!   `hyper::rt::Write`, so they are handed to
//!   hyper's connection builders directly, with no wrapper.
//!
//! Reads go through a small buffer on the stack: hyper's read cursor can only be advanced with
//! `unsafe` code, which anyrt forbids, so each read costs one copy of the bytes read.
//!
//! # Examples
//!
//! An HTTP/1.1 server and a client, both on anyrt:
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::body::Bytes;
//! use anyrt::net::{TcpListener, TcpStream};
//!
//! # anyrt::block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! anyrt::spawn(async move {
//!     let (stream, _) = listener.accept().await?;
//!     let service = hyper::service::service_fn(|_request| async {
//!         Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from("hi"))))
//!     });
//!     hyper::server::conn::http1::Builder::new()
//!         .timer(anyrt::hyper::Timer)
//!         .serve_connection(stream, service)
//!         .await
//!         .map_err(std::io::Error::other)
//! });
//!
//! let stream = TcpStream::connect(addr).await?;
//! let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
//!     .await
//!     .map_err(std::io::Error::other)?;
//! anyrt::spawn(connection);
//! let request = hyper::Request::get("/").body(Empty::<Bytes>::new()).unwrap();
//! let response = sender.send_request(request).await.map_err(std::io::Error::other)?;
//! let body = response.into_body().collect().await.map_err(std::io::Error::other)?;
//! assert_eq!(body.to_bytes(), "hi");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::ReadBufCursor;

use crate::net::TcpStream;
use crate::time::{sleep, sleep_until, Sleep};

/// hyper's executor on anyrt: spawns each background task with [`crate::spawn`], on the
/// backend serving the caller, and detaches it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor;

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(crate::spawn(future));
    }
}

/// hyper's timer on anyrt: sleeps are [`Sleep`]s of the backend that polls them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

impl hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(sleep_until(deadline))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<Sleep>() {
            Some(ours) => ours.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

impl hyper::rt::Sleep for Sleep {}

/// Bytes read per poll at most: a stack buffer, copied into hyper's cursor.
const READ_CHUNK: usize = 16 * 1024;

/// hyper's `Read` and `Write` for a stream type, given how to reach its registered stream.
macro_rules! hyper_io {
    ($Type:ty, |$this:ident| $io:expr) => {
        impl hyper::rt::Read for $Type {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                mut buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                let $this = &*self;
                let mut chunk = [0u8; READ_CHUNK];
                let len = buf.remaining().min(READ_CHUNK);
                let n = ready!($io.poll_read(cx, &mut chunk[..len]))?;
                buf.put_slice(&chunk[..n]);
                Poll::Ready(Ok(()))
            }
        }

        impl hyper::rt::Write for $Type {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $this = &*self;
                $io.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = &*self;
                Poll::Ready($io.shutdown_write())
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_vectored(cx, bufs)
            }
        }
    };
}

hyper_io!(TcpStream, |this| &this.conn);
#[cfg(unix)]
hyper_io!(crate::net::UnixStream, |this| &this.conn);

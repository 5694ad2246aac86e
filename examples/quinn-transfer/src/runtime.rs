//! quinn 0.11's `Runtime` on anyrt: timers, tasks and the UDP socket are anyrt's, so quinn runs
//! on whichever backend the application compiled in, with quinn's own runtime features off.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use anyrt::io::Interest;
use anyrt::time::Sleep;
use quinn::udp::{RecvMeta, Transmit, UdpSocketState};
use quinn::{AsyncTimer, AsyncUdpSocket, UdpPoller};

/// quinn's runtime on anyrt.
#[derive(Debug)]
pub struct AnyrtRuntime;

impl quinn::Runtime for AnyrtRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(Timer(Box::pin(anyrt::time::sleep_until(deadline))))
    }

    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send>>) {
        drop(anyrt::spawn(future));
    }

    fn wrap_udp_socket(&self, socket: std::net::UdpSocket) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        let state = UdpSocketState::new((&socket).into())?;
        Ok(Arc::new(UdpSocket {
            io: anyrt::net::UdpSocket::from_std(socket)?,
            state,
        }))
    }
}

/// anyrt's `Sleep` as quinn's timer.
struct Timer(Pin<Box<Sleep>>);

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("deadline", &self.0.deadline())
            .finish()
    }
}

impl AsyncTimer for Timer {
    fn reset(mut self: Pin<&mut Self>, deadline: Instant) {
        self.0.as_mut().reset(deadline);
    }

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

/// anyrt's `UdpSocket` with quinn-udp's `sendmsg`/`recvmsg` (GSO, GRO, ECN) run through
/// `try_io`.
#[derive(Debug)]
struct UdpSocket {
    io: anyrt::net::UdpSocket,
    state: UdpSocketState,
}

impl AsyncUdpSocket for UdpSocket {
    fn create_io_poller(self: Arc<Self>) -> Pin<Box<dyn UdpPoller>> {
        Box::pin(Poller {
            socket: self,
            wait: None,
        })
    }

    fn try_send(&self, transmit: &Transmit) -> io::Result<()> {
        self.io.try_io(Interest::WRITABLE, || {
            self.state.send((&self.io).into(), transmit)
        })
    }

    fn poll_recv(
        &self,
        cx: &mut Context,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.io.poll_recv_ready(cx))?;
            match self.io.try_io(Interest::READABLE, || {
                self.state.recv((&self.io).into(), bufs, meta)
            }) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    fn may_fragment(&self) -> bool {
        self.state.may_fragment()
    }

    fn max_transmit_segments(&self) -> usize {
        self.state.max_gso_segments()
    }

    fn max_receive_segments(&self) -> usize {
        self.state.gro_segments()
    }
}

type WritableWait = Pin<Box<dyn Future<Output = io::Result<()>> + Send + Sync>>;

/// One task's wait for the socket to be writable; each poller has its own, so any number of
/// quinn's tasks can wait at once (anyrt's `writable()` supports many waiters).
struct Poller {
    socket: Arc<UdpSocket>,
    wait: Option<WritableWait>,
}

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller").finish_non_exhaustive()
    }
}

impl UdpPoller for Poller {
    fn poll_writable(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<io::Result<()>> {
        let socket = self.socket.clone();
        let wait = self
            .wait
            .get_or_insert_with(|| Box::pin(async move { socket.io.writable().await }));
        let result = wait.as_mut().poll(cx);
        if result.is_ready() {
            self.wait = None;
        }
        result
    }
}

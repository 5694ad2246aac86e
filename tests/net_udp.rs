//! `UdpSocket` (SEMANTICS.md, UDP rows).

mod common;

use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyrt::net::UdpSocket;
use anyrt::time::timeout;
use anyrt::Backend;
use common::within;

async fn local() -> io::Result<UdpSocket> {
    UdpSocket::bind("127.0.0.1:0").await
}

#[anyrt::test]
async fn send_to_and_recv_from_round_trip() -> io::Result<()> {
    let (a, b) = (local().await?, local().await?);
    assert_eq!(a.backend(), Backend::current());
    a.send_to(b"hello", b.local_addr()?).await?;
    let mut buf = [0; 64];
    let (n, from) = within("recv_from", b.recv_from(&mut buf)).await?;
    assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr()?));
    // Every address form resolves, names included.
    b.send_to(b"back", ("localhost", a.local_addr()?.port()))
        .await?;
    b.send_to(b"again", format!("127.0.0.1:{}", a.local_addr()?.port()))
        .await?;
    let (n, _) = within("recv_from", a.recv_from(&mut buf)).await?;
    assert_eq!(&buf[..n], b"back");
    let (n, _) = within("recv_from", a.recv_from(&mut buf)).await?;
    assert_eq!(&buf[..n], b"again");
    let error = a.send_to(b"x", &[][..]).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    Ok(())
}

#[anyrt::test]
async fn a_datagram_longer_than_the_buffer_is_truncated_and_the_rest_dropped() -> io::Result<()> {
    let (a, b) = (local().await?, local().await?);
    a.send_to(&[1; 100], b.local_addr()?).await?;
    a.send_to(&[2; 3], b.local_addr()?).await?;
    let mut small = [0; 10];
    let (n, _) = within("recv_from", b.recv_from(&mut small)).await?;
    assert_eq!((n, small), (10, [1; 10]));
    // The next receive gets the next datagram, not the rest of the first.
    let (n, _) = within("recv_from", b.recv_from(&mut small)).await?;
    assert_eq!(&small[..n], &[2; 3]);
    // The same for peek: truncated, and the datagram stays.
    a.send_to(&[3; 50], b.local_addr()?).await?;
    let (n, _) = within("peek_from", b.peek_from(&mut small)).await?;
    assert_eq!(n, 10);
    let mut big = [0; 64];
    let (n, _) = within("recv_from", b.recv_from(&mut big)).await?;
    assert_eq!(n, 50);
    Ok(())
}

#[anyrt::test]
async fn connected_socket_whose_peer_port_is_closed_gets_connection_refused() -> io::Result<()> {
    let closed = local().await?.local_addr()?; // bound, then dropped: nobody listens there
    let socket = local().await?;
    socket.connect(closed).await?;
    assert_eq!(socket.peer_addr()?, closed);
    let socket = Arc::new(socket);
    // A receive already waiting when the error arrives (the error is in the socket before any
    // receive on loopback otherwise, and the first attempt reports it without waiting).
    let receiving = {
        let socket = socket.clone();
        anyrt::spawn(async move { socket.recv(&mut [0; 8]).await })
    };
    anyrt::time::sleep(Duration::from_millis(20)).await;
    socket.send(b"anyone?").await?;
    // Linux answers with ICMP port unreachable, which the waiting receive reports. tokio files
    // that error under ERROR readiness, not READABLE, so its own `recv` would wait forever.
    let error = within("recv", receiving).await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    // The same through the poll_ path, which keeps one waker per direction.
    let socket2 = socket.clone();
    let polling =
        anyrt::spawn(
            async move { std::future::poll_fn(|cx| socket2.poll_recv(cx, &mut [0; 8])).await },
        );
    anyrt::time::sleep(Duration::from_millis(20)).await;
    socket.send(b"anyone?").await?;
    let error = within("poll_recv", polling).await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    Ok(())
}

#[anyrt::test]
async fn recv_is_cancel_safe() -> io::Result<()> {
    const N: usize = 200;
    let (a, b) = (local().await?, Arc::new(local().await?));
    let to = b.local_addr()?;
    let sender = anyrt::spawn(async move {
        for i in 0..N as u32 {
            a.send_to(&i.to_be_bytes(), to).await?;
            if i % 8 == 0 {
                anyrt::time::sleep(Duration::from_micros(300)).await;
            }
        }
        io::Result::Ok(())
    });
    let mut seen = Vec::new();
    within("receive all", async {
        while seen.len() < N {
            let mut buf = [0; 4];
            // Most of these receives are dropped before a datagram arrives.
            if let Ok(result) = timeout(Duration::from_micros(100), b.recv_from(&mut buf)).await {
                result?;
                seen.push(u32::from_be_bytes(buf));
            }
        }
        io::Result::Ok(())
    })
    .await?;
    sender.await??;
    assert_eq!(seen, (0..N as u32).collect::<Vec<_>>(), "lost or reordered");
    Ok(())
}

#[anyrt::test]
async fn one_socket_shared_by_many_receiving_tasks() -> io::Result<()> {
    const TASKS: usize = 8;
    let server = Arc::new(local().await?);
    let to = server.local_addr()?;
    // Eight tasks wait on one socket at once; every datagram wakes one of them.
    let receivers: Vec<_> = (0..TASKS)
        .map(|_| {
            let server = server.clone();
            anyrt::spawn(async move {
                let mut buf = [0; 8];
                let (n, from) = server.recv_from(&mut buf).await?;
                server.send_to(&buf[..n], from).await?;
                io::Result::Ok(())
            })
        })
        .collect();
    let client = local().await?;
    anyrt::time::sleep(Duration::from_millis(10)).await;
    for i in 0..TASKS as u8 {
        client.send_to(&[i], to).await?;
    }
    let mut echoed = Vec::new();
    for _ in 0..TASKS {
        let mut buf = [0; 8];
        let (n, _) = within("echo", client.recv_from(&mut buf)).await?;
        echoed.extend_from_slice(&buf[..n]);
    }
    echoed.sort();
    assert_eq!(echoed, (0..TASKS as u8).collect::<Vec<_>>());
    for receiver in receivers {
        within("receiver", receiver).await??;
    }
    Ok(())
}

#[anyrt::test(except(sim = "try_io runs the caller's system calls on the OS socket"))]
async fn try_and_poll_variants_and_readiness() -> io::Result<()> {
    use std::future::poll_fn;
    let (a, b) = (local().await?, local().await?);
    let mut buf = [0; 16];
    assert_eq!(
        b.try_recv_from(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    a.writable().await?;
    a.try_send_to(b"try", b.local_addr()?)?;
    within("readable", b.readable()).await?;
    let (n, _) = b.try_peek_from(&mut buf)?;
    assert_eq!(n, 3);
    let (n, from) = b.try_recv_from(&mut buf)?;
    assert_eq!((&buf[..n], from), (&b"try"[..], a.local_addr()?));
    a.connect(b.local_addr()?).await?;
    b.connect(a.local_addr()?).await?;
    poll_fn(|cx| a.poll_send_ready(cx)).await?;
    poll_fn(|cx| a.poll_send(cx, b"poll")).await?;
    poll_fn(|cx| b.poll_recv_ready(cx)).await?;
    let n = within("poll_recv", poll_fn(|cx| b.poll_recv(cx, &mut buf))).await?;
    assert_eq!(&buf[..n], b"poll");
    poll_fn(|cx| b.poll_send_to(cx, b"to", a.local_addr()?)).await?;
    let (n, _) = within(
        "poll_recv_from",
        poll_fn(|cx| a.poll_recv_from(cx, &mut buf)),
    )
    .await?;
    assert_eq!(&buf[..n], b"to");
    assert_eq!(a.try_send(b"ts")?, 2);
    let ready = within("ready", b.ready(anyrt::io::Interest::READABLE)).await?;
    assert!(ready.is_readable());
    assert_eq!(b.try_recv(&mut buf)?, 2);
    // try_io runs the caller's own system call.
    let n = a.try_io(anyrt::io::Interest::WRITABLE, || {
        socket2::SockRef::from(&a).send(b"raw")
    })?;
    assert_eq!(n, 3);
    assert_eq!(within("recv", b.recv(&mut buf)).await?, 3);
    Ok(())
}

#[anyrt::test(except(sim = "compares with the OS socket's own errors through into_std"))]
async fn options_and_multicast_errors_are_the_same_everywhere() -> io::Result<()> {
    let a = UdpSocket::bind("0.0.0.0:0").await?;
    a.set_broadcast(true)?;
    assert!(a.broadcast()?);
    a.set_ttl(7)?;
    assert_eq!(a.ttl()?, 7);
    a.set_multicast_ttl_v4(3)?;
    assert_eq!(a.multicast_ttl_v4()?, 3);
    a.set_multicast_loop_v4(false)?;
    assert!(!a.multicast_loop_v4()?);
    // Joining a unicast address is bad input: the same InvalidInput on every backend.
    let error = a
        .join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    // A real group on loopback's interface, joined and left.
    match a.join_multicast_v4(Ipv4Addr::new(239, 255, 0, 1), Ipv4Addr::LOCALHOST) {
        Ok(()) => a.leave_multicast_v4(Ipv4Addr::new(239, 255, 0, 1), Ipv4Addr::LOCALHOST)?,
        Err(e) => eprintln!("no multicast on loopback here: {e}"),
    }
    if let Ok(v6) = UdpSocket::bind("[::1]:0").await {
        let error = v6
            .join_multicast_v6(&std::net::Ipv6Addr::LOCALHOST, 0)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        v6.set_multicast_loop_v6(false)?;
        assert!(!v6.multicast_loop_v6()?);
    }
    let unconnected = local().await?;
    assert_eq!(
        unconnected.peer_addr().unwrap_err().kind(),
        ErrorKind::NotConnected
    );
    // Sending unconnected is the system's EDESTADDRREQ, exactly as std reports it.
    let error = unconnected.send(b"x").await.unwrap_err();
    let from_std = std::net::UdpSocket::bind("127.0.0.1:0")?
        .send(b"x")
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.raw_os_error()),
        (from_std.kind(), from_std.raw_os_error())
    );
    let std_socket = unconnected.into_std()?;
    let again = UdpSocket::from_std(std_socket)?;
    let _: SocketAddr = again.local_addr()?;
    Ok(())
}

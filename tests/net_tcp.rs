//! `TcpListener` and `TcpStream` (SEMANTICS.md rows 12-13b).

mod common;

use std::io::{self, ErrorKind};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream};
use anyrt::time::timeout;
use anyrt::Backend;
use common::within;
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};

async fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, peer) = within("accept", listener.accept()).await?;
    assert_eq!(peer, client.local_addr()?);
    Ok((client, server))
}

#[anyrt::test]
async fn echo_round_trip() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = anyrt::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        let mut buf = vec![0; 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return stream.shutdown().await;
            }
            stream.write_all(&buf[..n]).await?;
        }
    });
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello anyrt").await?;
    client.shutdown().await?;
    let mut echoed = Vec::new();
    within("read echo", client.read_to_end(&mut echoed)).await?;
    assert_eq!(echoed, b"hello anyrt");
    within("server", server).await??;
    Ok(())
}

#[anyrt::test]
async fn sockets_are_registered_with_the_calling_backend() -> io::Result<()> {
    let backend = Backend::current();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    assert_eq!(listener.backend(), backend);
    let (client, server) = pair().await?;
    assert_eq!(client.backend(), backend);
    assert_eq!(server.backend(), backend);
    Ok(())
}

#[anyrt::test]
async fn bind_accepts_every_address_form() -> io::Result<()> {
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let listeners = [
        TcpListener::bind("127.0.0.1:0").await?,
        TcpListener::bind(String::from("127.0.0.1:0")).await?,
        TcpListener::bind(SocketAddr::new(ip, 0)).await?,
        TcpListener::bind((ip, 0)).await?,
        TcpListener::bind(("127.0.0.1", 0)).await?,
        TcpListener::bind((String::from("127.0.0.1"), 0)).await?,
        TcpListener::bind(&[SocketAddr::new(ip, 0)][..]).await?,
        // Needs the resolver (on the blocking pool).
        TcpListener::bind("localhost:0").await?,
        TcpListener::bind(("localhost", 0)).await?,
    ];
    for listener in &listeners {
        assert!(listener.local_addr()?.ip().is_loopback());
        assert_ne!(listener.local_addr()?.port(), 0);
    }
    Ok(())
}

#[anyrt::test]
async fn bind_errors_have_the_same_kind_everywhere() -> io::Result<()> {
    let taken = TcpListener::bind("127.0.0.1:0").await?;
    let error = TcpListener::bind(taken.local_addr()?).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse);

    let error = TcpListener::bind("not an addr").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = TcpListener::bind("127.0.0.1:99999").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = TcpListener::bind("127.0.0.1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = TcpListener::bind(&[][..]).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    // Not an IP address, so it goes to the resolver, which fails: an error, never a panic.
    assert!(TcpListener::bind("256.0.0.1:80").await.is_err());
    assert!(TcpListener::bind("no-such-host.invalid:80").await.is_err());
    Ok(())
}

#[anyrt::test]
async fn connect_to_a_closed_port_is_refused() -> io::Result<()> {
    let addr = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    // The listener is dropped: nothing listens there any more.
    let error = within("connect", TcpStream::connect(addr))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    let error = TcpStream::connect("not an addr").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    Ok(())
}

#[anyrt::test]
async fn connect_tries_each_address_in_turn() -> io::Result<()> {
    let closed = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let open = listener.local_addr()?;
    let stream = within("connect", TcpStream::connect(&[closed, open][..])).await?;
    assert_eq!(stream.peer_addr()?, open);
    Ok(())
}

#[anyrt::test]
async fn accept_is_cancel_safe() -> io::Result<()> {
    const N: usize = 50;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let clients = anyrt::spawn(async move {
        let mut streams = Vec::new();
        for _ in 0..N {
            streams.push(TcpStream::connect(addr).await?);
            anyrt::time::sleep(Duration::from_micros(200)).await;
        }
        io::Result::Ok(streams)
    });
    let mut accepted = 0;
    within("accept all", async {
        while accepted < N {
            // Most of these accept futures are dropped before a connection arrives.
            if let Ok(result) = timeout(Duration::from_micros(100), listener.accept()).await {
                result?;
                accepted += 1;
            }
        }
        io::Result::Ok(())
    })
    .await?;
    let streams = clients.await??;
    assert_eq!(streams.len(), N);
    // Nothing is left over in the queue either.
    assert!(timeout(Duration::from_millis(20), listener.accept())
        .await
        .is_err());
    Ok(())
}

#[anyrt::test]
async fn incoming_yields_connections() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let clients: Vec<_> = (0..3)
        .map(|_| anyrt::spawn(TcpStream::connect(addr)))
        .collect();
    let mut incoming = listener.incoming();
    for _ in 0..3 {
        let stream = within("incoming", incoming.next())
            .await
            .expect("never ends")?;
        assert_eq!(stream.local_addr()?, addr);
    }
    for client in clients {
        client.await??;
    }
    Ok(())
}

#[anyrt::test]
async fn shutdown_sends_fin_and_keeps_the_read_half() -> io::Result<()> {
    let (mut client, mut server) = pair().await?;
    client.write_all(b"request").await?;
    client.shutdown().await?;
    let mut request = Vec::new();
    within("read to EOF", server.read_to_end(&mut request)).await?;
    assert_eq!(request, b"request");
    server.write_all(b"reply").await?;
    server.shutdown().await?;
    let mut reply = Vec::new();
    within("read reply", client.read_to_end(&mut reply)).await?;
    assert_eq!(reply, b"reply");
    Ok(())
}

#[anyrt::test]
async fn futures_io_close_sends_fin() -> io::Result<()> {
    // async-std's native `close()` only flushes; the peer never sees EOF.
    let (mut client, mut server) = pair().await?;
    client.write_all(b"bye").await?;
    client.close().await?;
    let mut received = Vec::new();
    within("read to EOF", server.read_to_end(&mut received)).await?;
    assert_eq!(received, b"bye");
    Ok(())
}

#[anyrt::test]
async fn write_after_shutdown_fails() -> io::Result<()> {
    let (mut client, _server) = pair().await?;
    client.shutdown().await?;
    let error = client.write_all(b"late").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BrokenPipe);
    Ok(())
}

#[anyrt::test]
async fn shutdown_after_the_peer_reset_is_ok() -> io::Result<()> {
    let (mut client, server) = pair().await?;
    server.set_linger(Some(Duration::ZERO))?;
    assert_eq!(server.linger()?, Some(Duration::ZERO));
    drop(server); // RST
    let mut buf = [0; 8];
    match within("read after reset", client.read(&mut buf)).await {
        Ok(0) => {}
        Ok(n) => panic!("read {n} bytes from a reset connection"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
    }
    client.shutdown().await?;
    client.close().await?;
    Ok(())
}

#[anyrt::test]
async fn large_transfer_arrives_intact() -> io::Result<()> {
    let (mut client, mut server) = pair().await?;
    let data: Vec<u8> = (0..4 * 1024 * 1024u32)
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    let sent = data.clone();
    let writer = anyrt::spawn(async move {
        client.write_all(&sent).await?;
        client.shutdown().await?;
        io::Result::Ok(client)
    });
    let mut received = Vec::with_capacity(data.len());
    within("read all", server.read_to_end(&mut received)).await?;
    assert_eq!(received.len(), data.len());
    assert!(received == data, "data corrupted");
    within("writer", writer).await??;
    Ok(())
}

#[anyrt::test]
async fn vectored_writes_send_every_buffer() -> io::Result<()> {
    let (mut client, mut server) = pair().await?;
    let bufs = [io::IoSlice::new(b"one "), io::IoSlice::new(b"two")];
    let mut written = 0;
    while written < 7 {
        let n = client.write_vectored(&bufs).await?;
        assert_eq!(n, 7, "a short vectored write on loopback");
        written += n;
    }
    client.flush().await?;
    client.shutdown().await?;
    let mut received = String::new();
    within("read", server.read_to_string(&mut received)).await?;
    assert_eq!(received, "one two");
    Ok(())
}

#[anyrt::test]
async fn socket_options_and_addresses() -> io::Result<()> {
    let (client, server) = pair().await?;
    client.set_nodelay(true)?;
    assert!(client.nodelay()?);
    client.set_nodelay(false)?;
    assert!(!client.nodelay()?);
    assert_eq!(client.peer_addr()?, server.local_addr()?);
    assert_eq!(server.peer_addr()?, client.local_addr()?);
    client.set_linger(None)?;
    assert_eq!(client.linger()?, None);
    let debug = format!("{client:?}");
    assert!(debug.starts_with("TcpStream"), "{debug}");
    assert!(
        debug.contains(&format!("backend: {:?}", Backend::current())),
        "{debug}"
    );
    Ok(())
}

#[anyrt::test]
async fn from_std_wraps_blocking_sockets() -> io::Result<()> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = std_listener.local_addr()?;
    let listener = TcpListener::from_std(std_listener)?;
    let std_stream = std::net::TcpStream::connect(addr)?;
    let mut client = TcpStream::from_std(std_stream)?;
    let (mut server, _) = within("accept", listener.accept()).await?;
    client.write_all(b"std").await?;
    client.shutdown().await?;
    let mut received = Vec::new();
    within("read", server.read_to_end(&mut received)).await?;
    assert_eq!(received, b"std");
    Ok(())
}

#[anyrt::test]
async fn rebinding_a_port_with_time_wait_connections_works() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (mut client, _) = {
        let client = TcpStream::connect(addr).await?;
        let accepted = listener.accept().await?;
        (accepted.0, client)
    };
    // The server side closes first, so its side of the connection goes to TIME_WAIT.
    client.shutdown().await?;
    drop(client);
    drop(listener);
    anyrt::time::sleep(Duration::from_millis(20)).await;
    let again = TcpListener::bind(addr).await?;
    assert_eq!(again.local_addr()?, addr);
    Ok(())
}

#[anyrt::test]
async fn bind_and_connect_work_from_a_thread_outside_any_runtime() -> io::Result<()> {
    let (listener, client) = std::thread::spawn(|| {
        futures_lite::future::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            io::Result::Ok((listener, client))
        })
    })
    .join()
    .unwrap()?;
    assert_eq!(listener.backend(), Backend::compiled()[0]);
    let (server, _) = within("accept", listener.accept()).await?;
    assert_eq!(server.peer_addr()?, client.local_addr()?);
    Ok(())
}

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
    let client = within("connect", TcpStream::connect(listener.local_addr()?)).await?;
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

/// The kind and the message of an error, as a test compares them.
fn kind_and_message(error: io::Error) -> (ErrorKind, String) {
    (error.kind(), error.to_string())
}

#[anyrt::test]
async fn bind_errors_have_the_same_kind_and_message_everywhere() -> io::Result<()> {
    let taken = TcpListener::bind("127.0.0.1:0").await?;
    let error = TcpListener::bind(taken.local_addr()?).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
    assert!(
        error.to_string().starts_with("Address already in use"),
        "{error}"
    );

    // anyrt resolves every address itself with std's parser and resolver, so the messages are
    // std's on every backend (async-std's own were wrapped in "could not resolve address").
    let cases: [(&str, ErrorKind, &str); 3] = [
        (
            "not an addr",
            ErrorKind::InvalidInput,
            "invalid socket address",
        ),
        (
            "127.0.0.1:99999",
            ErrorKind::InvalidInput,
            "invalid port value",
        ),
        (
            "127.0.0.1",
            ErrorKind::InvalidInput,
            "invalid socket address",
        ),
    ];
    for (input, kind, message) in cases {
        let error = TcpListener::bind(input).await.unwrap_err();
        assert_eq!(
            kind_and_message(error),
            (kind, message.to_string()),
            "{input}"
        );
        let error = TcpStream::connect(input).await.unwrap_err();
        assert_eq!(
            kind_and_message(error),
            (kind, message.to_string()),
            "{input}"
        );
        let Err(error) = anyrt::net::lookup_host(input).await else {
            panic!("{input} resolved");
        };
        assert_eq!(
            kind_and_message(error),
            (kind, message.to_string()),
            "{input}"
        );
    }
    let error = TcpListener::bind(&[][..]).await.unwrap_err();
    assert_eq!(
        kind_and_message(error),
        (
            ErrorKind::InvalidInput,
            "could not resolve to any address".to_string()
        )
    );
    // Not IP addresses, so they go to the system resolver, which fails: std's lookup error,
    // never a panic. Its detail (after the colon) is the C library's and the machine's.
    for input in ["256.0.0.1:80", "no-such-host.invalid:80"] {
        let error = TcpListener::bind(input).await.unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("failed to lookup address information"),
            "{input}: {error}"
        );
        let from_std = std::net::ToSocketAddrs::to_socket_addrs(input).unwrap_err();
        assert_eq!(error.kind(), from_std.kind(), "{input}");
    }
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
    // TCP_NODELAY is off by default everywhere, on both ends.
    assert!(!client.nodelay()?);
    assert!(!server.nodelay()?);
    client.set_ttl(33)?;
    assert_eq!(client.ttl()?, 33);
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

#[anyrt::test(except(sim = "from_std wraps an OS socket; the simulation has none"))]
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
    let mut client = TcpStream::connect(addr).await?;
    let (mut server, _) = within("accept", listener.accept()).await?;
    // The server side closes first, so the TIME_WAIT entry is on the listener's port. (When the
    // client closes first it is on the client's ephemeral port, and rebinding works without
    // SO_REUSEADDR: such a test proves nothing.)
    server.shutdown().await?;
    drop(server);
    let mut rest = Vec::new();
    within("client reads EOF", client.read_to_end(&mut rest)).await?;
    drop(client);
    drop(listener);
    // Let the kernel finish the FIN exchange.
    anyrt::time::sleep(Duration::from_millis(20)).await;
    let again = TcpListener::bind(addr).await?;
    assert_eq!(again.local_addr()?, addr);
    Ok(())
}

#[anyrt::test(except(
    sim = "a thread outside any runtime is served by another backend, whose sockets are not the simulation's"
))]
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

#[anyrt::test(except(sim = "reads IPV6_V6ONLY from the OS socket through AsFd"))]
async fn ipv6_sockets_are_ipv6_only_on_every_backend() -> io::Result<()> {
    use std::os::fd::AsFd;
    let Ok(v6) = TcpListener::bind("[::]:0").await else {
        eprintln!("no IPv6 here: nothing to check");
        return Ok(());
    };
    assert!(socket2::SockRef::from(&v6.as_fd()).only_v6()?);
    let port = v6.local_addr()?.port();
    // A dual-stack socket (Linux's default) would hold the IPv4 port too.
    let v4 = TcpListener::bind(("0.0.0.0", port)).await?;
    assert_eq!(v4.local_addr()?.port(), port);
    let error = within("connect", TcpStream::connect(("::1", port))).await;
    assert!(error.is_ok(), "the IPv6 listener takes IPv6 connections");
    let udp = anyrt::net::UdpSocket::bind("[::]:0").await?;
    assert!(socket2::SockRef::from(&udp).only_v6()?);
    let socket = anyrt::net::TcpSocket::new_v6()?;
    assert!(socket2::SockRef::from(&socket).only_v6()?);
    Ok(())
}

#[anyrt::test(except(
    sim = "about an OS reactor's readiness for data std queued; uses std sockets"
))]
async fn try_read_returns_data_queued_before_the_reactor_saw_it() -> io::Result<()> {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (accepted, _) = listener.accept()?;
    peer.write_all(b"queued")?;
    // Wait until the bytes are in the receive queue, with std, before registering.
    accepted.set_read_timeout(Some(common::HANG))?;
    let mut probe = [0; 6];
    assert_eq!(accepted.peek(&mut probe)?, 6);
    let stream = TcpStream::from_std(accepted)?;
    // No await in between: the reactor has had no turn to report readiness. tokio's own
    // `try_read` answers WouldBlock here; anyrt makes the call on every backend.
    let mut buf = [0; 6];
    assert_eq!(stream.try_read(&mut buf)?, 6);
    assert_eq!(&buf, b"queued");
    // Readiness the reactor has reported, for data then read: the WouldBlock that follows
    // forgets it, so readable() waits for new data instead of spinning. (It may also complete
    // once for the data read above, reported late: a false positive tokio documents too.)
    let _ = timeout(Duration::from_millis(50), stream.readable()).await;
    peer.write_all(b"x")?;
    within("readable", stream.readable()).await?;
    assert_eq!(stream.try_read(&mut buf)?, 1);
    assert_eq!(
        stream.try_read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert!(timeout(Duration::from_millis(50), stream.readable())
        .await
        .is_err());
    peer.write_all(b"more")?;
    within("readable", stream.readable()).await?;
    assert_eq!(stream.try_read(&mut buf)?, 4);
    Ok(())
}

#[anyrt::test]
async fn peek_leaves_the_data_and_readiness_futures_are_cancel_safe() -> io::Result<()> {
    let (mut client, server) = pair().await?;
    // Dropped before anything arrives: nothing is lost.
    assert!(timeout(Duration::from_millis(10), server.readable())
        .await
        .is_err());
    let mut buf = [0; 8];
    assert!(timeout(Duration::from_millis(10), server.peek(&mut buf))
        .await
        .is_err());
    client.write_all(b"peeked").await?;
    let n = within("peek", server.peek(&mut buf)).await?;
    assert!(n > 0 && buf[..n] == b"peeked"[..n]);
    let mut all = [0; 6];
    let mut server = server;
    within("read", server.read_exact(&mut all)).await?;
    assert_eq!(&all, b"peeked");
    Ok(())
}

#[anyrt::test]
async fn tcp_socket_sets_options_before_connecting_and_listening() -> io::Result<()> {
    use anyrt::net::TcpSocket;
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.set_recv_buffer_size(32 * 1024)?;
    assert!(socket.reuseaddr()? && socket.reuseport()?);
    assert!(socket.recv_buffer_size()? >= 32 * 1024);
    socket.bind("127.0.0.1:0".parse().unwrap())?;
    let addr = socket.local_addr()?;
    let listener = socket.listen(16)?;
    assert_eq!(listener.local_addr()?, addr);
    assert_eq!(listener.backend(), Backend::current());

    let client = TcpSocket::new_v4()?;
    client.set_nodelay(true)?;
    client.set_send_buffer_size(32 * 1024)?;
    assert!(client.send_buffer_size()? >= 32 * 1024);
    let stream = within("connect", client.connect(addr)).await?;
    assert!(stream.nodelay()?);
    assert_eq!(stream.backend(), Backend::current());
    let (accepted, _) = within("accept", listener.accept()).await?;
    assert_eq!(accepted.peer_addr()?, stream.local_addr()?);

    Ok(())
}

#[anyrt::test]
async fn lookup_host_resolves_names_and_literals() -> io::Result<()> {
    let literal: Vec<_> = anyrt::net::lookup_host("127.0.0.1:80").await?.collect();
    assert_eq!(literal, vec![SocketAddr::from(([127, 0, 0, 1], 80))]);
    let named: Vec<_> = anyrt::net::lookup_host(("localhost", 443)).await?.collect();
    assert!(!named.is_empty());
    assert!(named
        .iter()
        .all(|a| a.ip().is_loopback() && a.port() == 443));
    Ok(())
}

#[anyrt::test(except(sim = "into_std hands out an OS socket; the simulation has none"))]
async fn into_std_and_back_keeps_the_connection() -> io::Result<()> {
    let (client, mut server) = pair().await?;
    let std_client = client.into_std()?;
    let mut client = TcpStream::from_std(std_client)?;
    client.write_all(b"again").await?;
    client.shutdown().await?;
    let mut received = Vec::new();
    within("read", server.read_to_end(&mut received)).await?;
    assert_eq!(received, b"again");
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let listener = TcpListener::from_std(listener.into_std()?)?;
    assert_eq!(listener.local_addr()?, addr);
    Ok(())
}

/// Set in the child process that `incoming_yields_accept_errors_as_items_without_backoff`
/// starts: there, the test lowers the open-files limit of its own process.
const EMFILE_CHILD: &str = "ANYRT_TEST_EMFILE_CHILD";

#[anyrt::test(except(
    sim = "runs out of OS file descriptors (EMFILE), which the simulation does not model"
))]
async fn incoming_yields_accept_errors_as_items_without_backoff() -> io::Result<()> {
    if std::env::var_os(EMFILE_CHILD).is_none() {
        // The limit is per process: run this body alone, in a child process of this binary.
        let backend = Backend::current().name().replace('-', "_");
        let name = format!("incoming_yields_accept_errors_as_items_without_backoff::{backend}");
        let output = std::process::Command::new(std::env::current_exe()?)
            .args([name.as_str(), "--exact", "--test-threads=1", "--nocapture"])
            .env(EMFILE_CHILD, "1")
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        return Ok(());
    }
    emfile_child().await
}

#[cfg(target_os = "linux")]
async fn emfile_child() -> io::Result<()> {
    use futures_lite::future::poll_once;
    const EMFILE: i32 = 24;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Every thread and reactor the body needs exists before descriptors run out.
    anyrt::time::sleep(Duration::from_millis(1)).await;
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    let open = std::fs::read_dir("/proc/self/fd")?.count() as u64;
    rlimit::setrlimit(rlimit::Resource::NOFILE, open + 16, hard)?;
    let mut hogs = Vec::new();
    while let Ok(file) = std::fs::File::open("/dev/null") {
        hogs.push(file);
    }
    hogs.pop(); // one for the client
    let _client = std::net::TcpStream::connect(addr)?;

    let mut incoming = listener.incoming();
    let first = within("first item", incoming.next()).await;
    let error = first.expect("the stream never ends").unwrap_err();
    assert_eq!(error.raw_os_error(), Some(EMFILE), "{error}");
    // No back-off: every further poll is an error at once, so a loop that polls again at once
    // spins. (The documented loop sleeps after an error.)
    for attempt in 0..100 {
        match poll_once(incoming.next()).await {
            Some(Some(Err(e))) => assert_eq!(e.raw_os_error(), Some(EMFILE)),
            other => panic!("attempt {attempt}: {other:?} instead of an error at once"),
        }
    }
    // Once descriptors are free, the connection that waited in the backlog comes through.
    hogs.clear();
    let stream = within("item after recovery", incoming.next())
        .await
        .expect("the stream never ends")?;
    assert_eq!(stream.local_addr()?, addr);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
async fn emfile_child() -> io::Result<()> {
    Ok(())
}

//! Unix sockets: `UnixListener`, `UnixStream`, `UnixDatagram` (SEMANTICS.md, Unix rows).
#![cfg(unix)]

mod common;

use std::io::{self, ErrorKind};
use std::path::PathBuf;
use std::time::Duration;

use anyrt::net::{UnixDatagram, UnixListener, UnixStream};
use anyrt::time::timeout;
use anyrt::Backend;
use common::within;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// A fresh socket path in the temporary directory, unique to this process, test and backend.
fn socket_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "anyrt-{}-{name}-{}.sock",
        std::process::id(),
        Backend::current().name()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

#[anyrt::test]
async fn listener_and_stream_exchange_bytes_with_fin() -> io::Result<()> {
    let path = socket_path("echo");
    let listener = UnixListener::bind(&path)?;
    assert_eq!(listener.backend(), Backend::current());
    assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    let mut client = within("connect", UnixStream::connect(&path)).await?;
    let (mut server, peer) = within("accept", listener.accept()).await?;
    assert!(peer.is_unnamed());
    client.write_all(b"over unix").await?;
    client.shutdown().await?;
    let mut received = String::new();
    within("read to EOF", server.read_to_string(&mut received)).await?;
    assert_eq!(received, "over unix");
    server.write_all(b"back").await?;
    server.close().await?;
    let mut back = Vec::new();
    within("read back", client.read_to_end(&mut back)).await?;
    assert_eq!(back, b"back");
    let error = client.write_all(b"late").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BrokenPipe);
    std::fs::remove_file(&path)
}

#[anyrt::test]
async fn nobody_removes_the_path_and_binding_it_again_is_addr_in_use() -> io::Result<()> {
    let path = socket_path("stays");
    let listener = UnixListener::bind(&path)?;
    let error = UnixListener::bind(&path).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
    drop(listener);
    // The path outlives the listener on every backend (as with std, tokio and async-io).
    assert!(path.exists());
    let error = UnixListener::bind(&path).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
    // Nobody listens there now: connecting is refused, not hung.
    let error = within("connect", UnixStream::connect(&path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    std::fs::remove_file(&path)?;
    let again = UnixListener::bind(&path)?;
    drop(again);
    // The same for datagram sockets.
    std::fs::remove_file(&path)?;
    let datagram = UnixDatagram::bind(&path)?;
    drop(datagram);
    assert!(path.exists());
    assert_eq!(
        UnixDatagram::bind(&path).unwrap_err().kind(),
        ErrorKind::AddrInUse
    );
    std::fs::remove_file(&path)
}

#[anyrt::test]
async fn a_path_longer_than_the_platform_allows_is_invalid_input() -> io::Result<()> {
    let long = std::env::temp_dir().join("x".repeat(200));
    let expected = std::os::unix::net::UnixListener::bind(&long).unwrap_err();
    assert_eq!(expected.kind(), ErrorKind::InvalidInput);
    let errors = [
        UnixListener::bind(&long).unwrap_err(),
        UnixStream::connect(&long).await.unwrap_err(),
        UnixDatagram::bind(&long).unwrap_err(),
    ];
    for error in errors {
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(error.to_string(), expected.to_string());
    }
    let nowhere = socket_path("nowhere");
    let error = within("connect", UnixStream::connect(&nowhere))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    Ok(())
}

#[anyrt::test]
async fn pair_peer_cred_and_halves() -> io::Result<()> {
    let (a, mut b) = UnixStream::pair()?;
    #[cfg(target_os = "linux")]
    {
        let cred = a.peer_cred()?;
        assert_eq!(cred.pid(), Some(std::process::id() as i32));
        // A file this process creates has its user and group.
        use std::os::unix::fs::MetadataExt;
        let probe = socket_path("cred");
        std::fs::write(&probe, b"")?;
        let meta = std::fs::metadata(&probe)?;
        std::fs::remove_file(&probe)?;
        assert_eq!((cred.uid(), cred.gid()), (meta.uid(), meta.gid()));
    }
    let (mut read, mut write) = a.into_split();
    let writer = anyrt::spawn(async move {
        write.write_all(b"half").await?;
        io::Result::Ok(write)
    });
    let mut buf = [0; 4];
    within("read", b.read_exact(&mut buf)).await?;
    assert_eq!(&buf, b"half");
    b.write_all(b"flah").await?;
    within("read half", read.read_exact(&mut buf)).await?;
    assert_eq!(&buf, b"flah");
    let write = within("writer", writer).await??;
    let a = read.reunite(write).expect("same stream");
    // Dropping an owned write half sends end-of-file.
    let (_read, write) = a.into_split();
    drop(write);
    let mut rest = Vec::new();
    within("EOF", b.read_to_end(&mut rest)).await?;
    assert!(rest.is_empty());
    Ok(())
}

#[anyrt::test]
async fn accept_and_recv_are_cancel_safe() -> io::Result<()> {
    let path = socket_path("cancel");
    let listener = UnixListener::bind(&path)?;
    // Dropped before anyone connects.
    assert!(timeout(Duration::from_millis(10), listener.accept())
        .await
        .is_err());
    let _client = UnixStream::connect(&path).await?;
    within("accept", listener.accept()).await?;
    let (a, b) = UnixDatagram::pair()?;
    let mut buf = [0; 8];
    assert!(timeout(Duration::from_millis(10), b.recv(&mut buf))
        .await
        .is_err());
    a.send(b"kept").await?;
    let n = within("recv", b.recv(&mut buf)).await?;
    assert_eq!(&buf[..n], b"kept");
    std::fs::remove_file(&path)
}

#[anyrt::test]
async fn datagrams_by_path_and_truncation() -> io::Result<()> {
    let path = socket_path("dgram");
    let server = UnixDatagram::bind(&path)?;
    let client_path = socket_path("dgram-client");
    let client = UnixDatagram::bind(&client_path)?;
    client.send_to(&[9; 40], &path).await?;
    let mut small = [0; 16];
    let (n, from) = within("recv_from", server.recv_from(&mut small)).await?;
    // Truncated to the buffer, the rest dropped, as with UDP.
    assert_eq!(n, 16);
    assert_eq!(from.as_pathname(), Some(client_path.as_path()));
    let unbound = UnixDatagram::unbound()?;
    unbound.connect(&path)?;
    unbound.send(b"connected").await?;
    let n = within("recv", server.recv(&mut small)).await?;
    assert_eq!(&small[..n], b"connected");
    assert_eq!(unbound.peer_addr()?.as_pathname(), Some(path.as_path()));
    assert!(server.try_recv(&mut small).unwrap_err().kind() == ErrorKind::WouldBlock);
    std::fs::remove_file(&path)?;
    std::fs::remove_file(&client_path)
}

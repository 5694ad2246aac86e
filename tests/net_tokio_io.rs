//! With `rt-tokio` enabled, `TcpStream` also implements tokio's I/O traits, whichever backend
//! the stream was opened on.
#![cfg(feature = "rt-tokio")]

mod common;

use std::io;

use anyrt::net::{TcpListener, TcpStream};
use common::within;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[anyrt::test]
async fn tokio_traits_round_trip() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = within("accept", listener.accept()).await?;
    client.write_all(b"through tokio's traits").await?;
    AsyncWriteExt::shutdown(&mut client).await?;
    let mut received = String::new();
    within("read", server.read_to_string(&mut received)).await?;
    assert_eq!(received, "through tokio's traits");
    // tokio's `shutdown` sends FIN too: the server saw EOF above. A later write fails.
    let error = client.write_all(b"late").await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    Ok(())
}

#[anyrt::test]
async fn tokio_read_buf_into_uninitialised_capacity() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = within("accept", listener.accept()).await?;
    client.write_all(&[7; 3000]).await?;
    AsyncWriteExt::shutdown(&mut client).await?;
    let mut received = Vec::with_capacity(10);
    while within("read_buf", server.read_buf(&mut received)).await? > 0 {}
    assert_eq!(received, vec![7; 3000]);
    Ok(())
}

#[anyrt::test]
async fn tokio_vectored_writes_and_flush() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = within("accept", listener.accept()).await?;
    assert!(tokio::io::AsyncWrite::is_write_vectored(&client));
    let bufs = [io::IoSlice::new(b"vec"), io::IoSlice::new(b"tored")];
    let n = client.write_vectored(&bufs).await?;
    assert_eq!(n, 8, "a short vectored write on loopback");
    AsyncWriteExt::flush(&mut client).await?;
    AsyncWriteExt::shutdown(&mut client).await?;
    let mut received = String::new();
    within("read", server.read_to_string(&mut received)).await?;
    assert_eq!(received, "vectored");
    Ok(())
}

//! Faulty peers: one that resets mid-stream, one that stalls, one that half-closes. Each gives a
//! documented error or EOF, never a panic, and the server keeps accepting.

mod common;

use std::io::{self, ErrorKind};
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream};
use anyrt::time::timeout;
use common::within;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// Accepts one connection and reads it to the end, reporting what ended it.
async fn read_all(listener: &TcpListener, limit: Duration) -> (usize, io::Result<()>) {
    let (mut stream, _) = within("accept", listener.accept()).await.unwrap();
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        match timeout(limit, stream.read(&mut buf)).await {
            Ok(Ok(0)) => return (total, Ok(())),
            Ok(Ok(n)) => total += n,
            Ok(Err(e)) => return (total, Err(e)),
            Err(elapsed) => return (total, Err(elapsed.into())),
        }
    }
}

/// After a fault, the listener still serves a well-behaved client.
async fn still_serving(listener: &TcpListener) {
    let addr = listener.local_addr().unwrap();
    let client = anyrt::spawn(async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(b"ok").await?;
        stream.shutdown().await
    });
    let (n, end) = read_all(listener, Duration::from_secs(5)).await;
    assert_eq!((n, end.map_err(|e| e.kind())), (2, Ok(())));
    within("client", client).await.unwrap().unwrap();
}

#[anyrt::test]
async fn a_peer_that_resets_mid_stream_gives_connection_reset() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = anyrt::spawn(async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&[1; 10_000]).await?;
        anyrt::time::sleep(Duration::from_millis(20)).await;
        stream.set_linger(Some(Duration::ZERO))?;
        drop(stream); // RST, with data possibly unread on the other side
        io::Result::Ok(())
    });
    let (n, end) = read_all(&listener, Duration::from_secs(5)).await;
    within("peer", peer).await.unwrap().unwrap();
    // Either the reset arrives while data is still unread (ECONNRESET), or after it was all
    // read; never a panic, never a hang.
    match end {
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        Ok(()) => assert_eq!(n, 10_000),
    }
    still_serving(&listener).await;
}

#[anyrt::test]
async fn a_peer_that_stalls_is_cut_off_by_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (release, stalled) = anyrt::sync::oneshot::channel::<()>();
    let peer = anyrt::spawn(async move {
        // A client that connects, sends half a message, and goes quiet until released.
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(b"half a messa").await?;
        let _ = stalled.await;
        io::Result::Ok(())
    });
    let (n, end) = read_all(&listener, Duration::from_millis(100)).await;
    assert_eq!(n, 12);
    assert_eq!(end.unwrap_err().kind(), ErrorKind::TimedOut);
    release.send(()).unwrap();
    within("peer", peer).await.unwrap().unwrap();
    still_serving(&listener).await;
}

#[anyrt::test]
async fn a_peer_that_half_closes_still_gets_its_answer() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = anyrt::spawn(async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(b"question").await?;
        stream.shutdown().await?; // half-close: no more requests, still listening
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        io::Result::Ok(answer)
    });
    let (mut stream, _) = within("accept", listener.accept()).await.unwrap();
    let mut question = String::new();
    within("read to EOF", stream.read_to_string(&mut question))
        .await
        .unwrap();
    assert_eq!(question, "question");
    stream.write_all(b"answer").await.unwrap();
    stream.shutdown().await.unwrap();
    assert_eq!(within("peer", peer).await.unwrap().unwrap(), "answer");
    still_serving(&listener).await;
}

//! Stream halves: `split`, `into_split`, `reunite`, `&TcpStream` I/O, and tokio's and
//! futures-io's traits on every half, in every build (SEMANTICS.md, TCP rows 13c-13f).

mod common;

use std::io::{self, ErrorKind};
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream, UnixStream};
use common::within;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

async fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = within("connect", TcpStream::connect(listener.local_addr()?)).await?;
    let (server, _) = within("accept", listener.accept()).await?;
    Ok((client, server))
}

#[anyrt::test]
async fn owned_halves_in_two_tasks_move_every_byte() -> io::Result<()> {
    let (client, server) = pair().await?;
    let (mut server_read, mut server_write) = server.into_split();
    // An echo through the server's owned halves, reader and writer in separate tasks.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let reader = anyrt::spawn(async move {
        let mut buf = vec![0; 4096];
        loop {
            let n = server_read.read(&mut buf).await?;
            if n == 0 {
                return io::Result::Ok(server_read);
            }
            tx.send(buf[..n].to_vec()).unwrap();
        }
    });
    let writer = anyrt::spawn(async move {
        while let Some(chunk) = rx.recv().await {
            server_write.write_all(&chunk).await?;
        }
        server_write.close().await?;
        io::Result::Ok(server_write)
    });
    let (mut client_read, mut client_write) = client.into_split();
    let data: Vec<u8> = (0..512 * 1024u32).map(|i| (i * 7 % 253) as u8).collect();
    let sent = data.clone();
    let sending = anyrt::spawn(async move {
        for chunk in sent.chunks(1000) {
            client_write.write_all(chunk).await?;
        }
        client_write.close().await?;
        io::Result::Ok(client_write)
    });
    let mut echoed = Vec::new();
    within("read echo", client_read.read_to_end(&mut echoed)).await?;
    assert!(echoed == data, "echo differs");
    let client_write = within("sender", sending).await??;
    let server_read = within("reader", reader).await??;
    let server_write = within("writer", writer).await??;
    // Halves of one stream reunite; halves of two streams do not, and come back.
    let client = client_read.reunite(client_write).expect("same stream");
    let error = server_read
        .reunite(pair().await?.0.into_split().1)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "tried to reunite halves that are not from the same socket"
    );
    let server = error.0.reunite(server_write).expect("same stream");
    // Both directions are closed by now, so only the local ends are left to compare.
    assert_ne!(client.local_addr()?, server.local_addr()?);
    Ok(())
}

#[anyrt::test]
async fn dropping_the_owned_write_half_sends_fin_and_forget_does_not() -> io::Result<()> {
    let (client, mut server) = pair().await?;
    let (_read, write) = client.into_split();
    drop(write);
    let mut rest = Vec::new();
    within("EOF after drop", server.read_to_end(&mut rest)).await?;
    assert!(rest.is_empty());

    let (client, mut server) = pair().await?;
    let (_read, write) = client.into_split();
    write.forget();
    let mut buf = [0; 1];
    assert!(
        anyrt::time::timeout(Duration::from_millis(50), server.read(&mut buf))
            .await
            .is_err(),
        "forget() must not send FIN"
    );
    Ok(())
}

#[anyrt::test]
async fn borrowed_halves_read_and_write_in_one_task() -> io::Result<()> {
    let (mut client, mut server) = pair().await?;
    let (mut read, mut write) = server.split();
    let echo = async {
        let mut buf = [0; 5];
        read.read_exact(&mut buf).await?;
        write.write_all(&buf).await?;
        write.close().await
    };
    let talk = async {
        client.write_all(b"split").await?;
        let mut back = Vec::new();
        client.read_to_end(&mut back).await?;
        assert_eq!(back, b"split");
        io::Result::Ok(())
    };
    let (a, b) = within("exchange", futures_lite::future::zip(echo, talk)).await;
    a?;
    b?;
    Ok(())
}

#[anyrt::test]
async fn a_shared_reference_reads_while_another_writes() -> io::Result<()> {
    let (client, mut server) = pair().await?;
    let client = std::sync::Arc::new(client);
    let writer = {
        let client = client.clone();
        anyrt::spawn(async move {
            let mut stream: &TcpStream = &client;
            stream.write_all(b"by reference").await?;
            io::Result::Ok(())
        })
    };
    let mut got = [0; 12];
    within("server reads", server.read_exact(&mut got)).await?;
    server.write_all(b"reply").await?;
    let mut reader: &TcpStream = &client;
    let mut reply = [0; 5];
    within("read by reference", reader.read_exact(&mut reply)).await?;
    assert_eq!(
        (&got[..], &reply[..]),
        (&b"by reference"[..], &b"reply"[..])
    );
    within("writer", writer).await??;
    Ok(())
}

#[anyrt::test]
async fn tokio_traits_work_on_every_half_in_every_build() -> io::Result<()> {
    let (client, server) = pair().await?;
    let (mut read, mut write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::io::AsyncWriteExt::write_all(&mut write, b"tokio traits").await?;
    tokio::io::AsyncWriteExt::shutdown(&mut write).await?;
    let mut got = String::new();
    within(
        "read",
        tokio::io::AsyncReadExt::read_to_string(&mut server_read, &mut got),
    )
    .await?;
    assert_eq!(got, "tokio traits");
    tokio::io::AsyncWriteExt::write_all(&mut server_write, b"back").await?;
    tokio::io::AsyncWriteExt::shutdown(&mut server_write).await?;
    let mut back = Vec::new();
    within(
        "read back",
        tokio::io::AsyncReadExt::read_to_end(&mut read, &mut back),
    )
    .await?;
    assert_eq!(back, b"back");
    // A write after the half was shut down fails, as on the whole stream.
    let error = tokio::io::AsyncWriteExt::write_all(&mut write, b"late")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BrokenPipe);
    Ok(())
}

#[anyrt::test]
async fn tokio_util_framed_lines_over_anyrt_streams() -> io::Result<()> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_util::codec::{Framed, LinesCodec};
    let (client, server) = pair().await?;
    let server = anyrt::spawn(async move {
        let mut lines = Framed::new(server, LinesCodec::new());
        while let Some(line) = lines.next().await {
            let line = line.map_err(io::Error::other)?;
            lines
                .send(line.to_uppercase())
                .await
                .map_err(io::Error::other)?;
        }
        io::Result::Ok(())
    });
    let mut lines = Framed::new(client, LinesCodec::new());
    for word in ["framed", "by", "tokio-util"] {
        lines.send(word).await.map_err(io::Error::other)?;
        let echoed = within("line", lines.next())
            .await
            .expect("a line")
            .map_err(io::Error::other)?;
        assert_eq!(echoed, word.to_uppercase());
    }
    // Over Unix streams too.
    let (a, b) = UnixStream::pair()?;
    let mut a = Framed::new(a, LinesCodec::new());
    let mut b = Framed::new(b, LinesCodec::new());
    a.send("unix").await.map_err(io::Error::other)?;
    let line = within("unix line", b.next()).await.expect("a line");
    assert_eq!(line.map_err(io::Error::other)?, "unix");
    drop(lines);
    within("server", server).await??;
    Ok(())
}

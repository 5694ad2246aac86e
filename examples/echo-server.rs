//! A TCP echo server: every byte a client sends comes back to it.
//!
//! ```text
//! cargo run --example echo-server                       # 127.0.0.1:7878, tokio
//! cargo run --example echo-server --no-default-features --features rt-async-std
//! cargo run --example echo-server -- 127.0.0.1:0 --max-connections 1
//! ```
//!
//! Talk to it with `nc 127.0.0.1 7878`. It prints `listening on ADDR backend=NAME` once bound.
//! With `--max-connections N` it exits after serving N connections to the end.

use std::io;
use std::process::ExitCode;

use anyrt::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// Copies everything the client sends back to it, then closes the write half.
async fn echo(mut stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0; 16 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            stream.shutdown().await?;
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

#[anyrt::main]
async fn main() -> ExitCode {
    let mut addr = String::from("127.0.0.1:7878");
    let mut max_connections = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-connections" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => max_connections = Some(n),
                None => {
                    eprintln!("echo-server: --max-connections needs a whole number");
                    return ExitCode::from(2);
                }
            },
            other if other.starts_with('-') => {
                eprintln!("usage: echo-server [ADDR] [--max-connections N]");
                return ExitCode::from(2);
            }
            other => addr = other.to_string(),
        }
    }

    let listener = match TcpListener::bind(addr.as_str()).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("echo-server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("listening on {local} backend={}", listener.backend()),
        Err(e) => eprintln!("echo-server: {e}"),
    }

    let mut connections = Vec::new();
    let mut accepted = 0;
    while max_connections.is_none_or(|max| accepted < max) {
        match listener.accept().await {
            Ok((stream, peer)) => {
                accepted += 1;
                connections.push(anyrt::spawn(async move {
                    match echo(stream).await {
                        Ok(bytes) => eprintln!("{peer}: echoed {bytes} bytes"),
                        Err(e) => eprintln!("{peer}: {e}"),
                    }
                }));
                // Forget connections that are done, so a long-running server does not grow.
                connections.retain(|c| !c.is_finished());
            }
            Err(e) => {
                // Out of file descriptors, typically: back off instead of spinning.
                eprintln!("echo-server: accept failed: {e}");
                anyrt::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
    for connection in connections {
        let _ = connection.await;
    }
    ExitCode::SUCCESS
}

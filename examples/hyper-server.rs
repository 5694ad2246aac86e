//! HTTP/1.1 with hyper 1.x, on whichever backend anyrt runs: hyper's connection is driven by an
//! anyrt `TcpStream`, its timers by `anyrt::hyper::Timer`.
//!
//! ```text
//! cargo run --example hyper-server --features hyper                     # tokio, 127.0.0.1:8080
//! cargo run --example hyper-server --no-default-features --features rt-async-std,hyper
//! cargo run --example hyper-server --no-default-features --features rt-smol,hyper -- 127.0.0.1:0
//! curl http://127.0.0.1:8080/
//! cargo run --example hyper-server --features hyper -- --unix /tmp/hyper.sock
//! curl --unix-socket /tmp/hyper.sock http://localhost/
//! ```
//!
//! It prints `listening on http://ADDR backend=NAME` (or `listening on unix:PATH backend=NAME`)
//! once bound and answers every request with `hello from anyrt on NAME`. With
//! `--max-connections N` it exits after serving N connections. A Unix socket's path is removed
//! before binding (a stale one from an earlier run would make the bind fail) and after serving.

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::Duration;

use anyrt::net::{TcpListener, UnixListener};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = format!("hello from anyrt on {}\n", anyrt::Backend::current());
    eprintln!("{} {}", request.method(), request.uri());
    Ok(Response::new(Full::new(Bytes::from(body))))
}

/// Where the server listens.
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, String),
}

/// Serves one connection over any anyrt stream.
async fn serve<S>(stream: S)
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let served = hyper::server::conn::http1::Builder::new()
        .timer(anyrt::hyper::Timer)
        .header_read_timeout(Duration::from_secs(10))
        .serve_connection(stream, hyper::service::service_fn(hello))
        .await;
    if let Err(e) = served {
        eprintln!("hyper-server: connection: {e}");
    }
}

#[anyrt::main]
async fn main() -> ExitCode {
    let mut addr = String::from("127.0.0.1:8080");
    let mut unix = None;
    let mut max_connections = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-connections" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => max_connections = Some(n),
                None => {
                    eprintln!("hyper-server: --max-connections needs a whole number");
                    return ExitCode::from(2);
                }
            },
            "--unix" => match args.next() {
                Some(path) => unix = Some(path),
                None => {
                    eprintln!("hyper-server: --unix needs a path");
                    return ExitCode::from(2);
                }
            },
            other if other.starts_with('-') => {
                eprintln!("usage: hyper-server [ADDR | --unix PATH] [--max-connections N]");
                return ExitCode::from(2);
            }
            other => addr = other.to_string(),
        }
    }
    let listener = match unix {
        Some(path) => {
            let _ = std::fs::remove_file(&path);
            match UnixListener::bind(&path) {
                Ok(listener) => {
                    println!("listening on unix:{path} backend={}", listener.backend());
                    Listener::Unix(listener, path)
                }
                Err(e) => {
                    eprintln!("hyper-server: cannot listen on {path}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => match TcpListener::bind(addr.as_str()).await {
            Ok(listener) => {
                match listener.local_addr() {
                    Ok(local) => {
                        println!("listening on http://{local} backend={}", listener.backend())
                    }
                    Err(e) => eprintln!("hyper-server: {e}"),
                }
                Listener::Tcp(listener)
            }
            Err(e) => {
                eprintln!("hyper-server: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let mut connections = Vec::new();
    let mut accepted = 0;
    while max_connections.is_none_or(|max| accepted < max) {
        let connection = match &listener {
            Listener::Tcp(listener) => listener
                .accept()
                .await
                .map(|(stream, _)| anyrt::spawn(serve(stream))),
            Listener::Unix(listener, _) => listener
                .accept()
                .await
                .map(|(stream, _)| anyrt::spawn(serve(stream))),
        };
        match connection {
            Ok(connection) => {
                accepted += 1;
                connections.push(connection);
            }
            Err(e) => {
                // Out of descriptors, for instance: pause instead of spinning on the error.
                eprintln!("hyper-server: accept failed: {e}");
                anyrt::time::sleep(Duration::from_millis(50)).await;
            }
        }
        connections.retain(|c| !c.is_finished());
    }
    for connection in connections {
        let _ = connection.await;
    }
    if let Listener::Unix(_, path) = &listener {
        let _ = std::fs::remove_file(path);
    }
    ExitCode::SUCCESS
}

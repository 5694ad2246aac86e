//! HTTP/1.1 with hyper 1.x, on whichever backend anyrt runs: hyper's connection is driven by an
//! anyrt `TcpStream`, its timers by `anyrt::hyper::Timer`.
//!
//! ```text
//! cargo run --example hyper-server --features hyper                     # tokio, 127.0.0.1:8080
//! cargo run --example hyper-server --no-default-features --features rt-async-std,hyper
//! cargo run --example hyper-server --no-default-features --features rt-smol,hyper -- 127.0.0.1:0
//! curl http://127.0.0.1:8080/
//! ```
//!
//! It prints `listening on http://ADDR backend=NAME` once bound and answers every request with
//! `hello from anyrt on NAME`. With `--max-connections N` it exits after serving N connections.

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::Duration;

use anyrt::net::TcpListener;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = format!("hello from anyrt on {}\n", anyrt::Backend::current());
    eprintln!("{} {}", request.method(), request.uri());
    Ok(Response::new(Full::new(Bytes::from(body))))
}

#[anyrt::main]
async fn main() -> ExitCode {
    let mut addr = String::from("127.0.0.1:8080");
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
            other if other.starts_with('-') => {
                eprintln!("usage: hyper-server [ADDR] [--max-connections N]");
                return ExitCode::from(2);
            }
            other => addr = other.to_string(),
        }
    }
    let listener = match TcpListener::bind(addr.as_str()).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("hyper-server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("listening on http://{local} backend={}", listener.backend()),
        Err(e) => eprintln!("hyper-server: {e}"),
    }
    let mut connections = Vec::new();
    let mut accepted = 0;
    while max_connections.is_none_or(|max| accepted < max) {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                eprintln!("hyper-server: accept failed: {e}");
                anyrt::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        accepted += 1;
        connections.push(anyrt::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(anyrt::hyper::Timer)
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(stream, hyper::service::service_fn(hello))
                .await;
            if let Err(e) = served {
                eprintln!("hyper-server: connection: {e}");
            }
        }));
        connections.retain(|c| !c.is_finished());
    }
    for connection in connections {
        let _ = connection.await;
    }
    ExitCode::SUCCESS
}

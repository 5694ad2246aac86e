//! An application that chose tokio itself (`#[tokio::main]`), with both anyrt backends compiled
//! in: minikv's calls inside it are served by this tokio runtime.
//!
//! `cargo run -p minikv --features apps --bin kv-tokio-app`

use std::time::Duration;

use minikv::{Client, Request, Response, Store};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    assert_eq!(listener.backend(), anyrt::Backend::Tokio);
    tokio::spawn(async move { Store::new().serve(listener).await });

    let client = Client::new(addr, Duration::from_secs(5));
    let responses = client
        .pipeline(&[
            Request::Set("runtime".into(), b"tokio".to_vec()),
            Request::Get("runtime".into()),
            Request::Del("runtime".into()),
            Request::Get("runtime".into()),
        ])
        .await?;
    assert_eq!(
        responses,
        [
            Response::Ok,
            Response::Value(b"tokio".to_vec()),
            Response::Deleted,
            Response::NotFound
        ]
    );
    println!(
        "kv-tokio-app: {} requests answered, served by {}",
        responses.len(),
        anyrt::Backend::current()
    );
    Ok(())
}

//! An application that chose async-std itself (`#[async_std::main]`), with both anyrt backends
//! compiled in: minikv's calls inside it are served by async-std.
//!
//! `cargo run -p minikv --features apps --bin kv-async-std-app`

use std::time::Duration;

use minikv::{Client, Request, Response, Store};

#[async_std::main]
async fn main() -> std::io::Result<()> {
    let listener = anyrt::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    assert_eq!(listener.backend(), anyrt::Backend::AsyncStd);
    async_std::task::spawn(async move { Store::new().serve(listener).await });

    let client = Client::new(addr, Duration::from_secs(5));
    let big = vec![7u8; 512 * 1024];
    let responses = client
        .pipeline(&[
            Request::Set("big".into(), big.clone()),
            Request::Get("big".into()),
            Request::Get("missing".into()),
        ])
        .await?;
    assert_eq!(
        responses,
        [Response::Ok, Response::Value(big), Response::NotFound]
    );
    println!(
        "kv-async-std-app: {} requests answered, served by {}",
        responses.len(),
        anyrt::Backend::current()
    );
    Ok(())
}

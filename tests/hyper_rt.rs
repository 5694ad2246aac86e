//! The hyper adapters (feature `hyper`): timers fire, the executor runs tasks, and HTTP/1.1
//! round-trips between a hyper server and a hyper client on anyrt streams, on every backend.
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::io;
use std::time::Duration;

use anyrt::time::Instant;

use anyrt::net::{TcpListener, TcpStream};
use common::within;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::rt::{Executor as _, Timer as _};

#[anyrt::test]
async fn timer_sleeps_fire_no_earlier_than_asked_and_reset() {
    let timer = anyrt::hyper::Timer;
    let start = Instant::now();
    within("sleep", timer.sleep(Duration::from_millis(10))).await;
    assert!(start.elapsed() >= Duration::from_millis(10));

    let deadline = Instant::now() + Duration::from_millis(5);
    within("sleep_until", timer.sleep_until(deadline.into_std())).await;
    assert!(Instant::now() >= deadline);

    let mut sleep = timer.sleep(Duration::from_secs(3600));
    let soon = Instant::now() + Duration::from_millis(5);
    timer.reset(&mut sleep, soon.into_std());
    within("reset sleep", sleep).await;
    assert!(Instant::now() >= soon);
}

#[anyrt::test]
async fn executor_runs_tasks_on_the_calling_backend() {
    let (tx, rx) = std::sync::mpsc::channel();
    anyrt::hyper::Executor.execute(async move {
        tx.send(anyrt::Backend::current()).unwrap();
    });
    let ran_on = within(
        "executed task",
        anyrt::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10))),
    )
    .await
    .unwrap()
    .expect("the executor ran the task");
    assert_eq!(ran_on, anyrt::Backend::current());
}

#[anyrt::test]
async fn http1_round_trip_between_hyper_server_and_client() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = anyrt::spawn(async move {
        for _ in 0..2 {
            let (stream, _) = listener.accept().await?;
            let service = hyper::service::service_fn(
                |request: hyper::Request<hyper::body::Incoming>| async move {
                    let path = request.uri().path().to_string();
                    let body = request.into_body().collect().await.unwrap().to_bytes();
                    let reply = format!("{path}:{}", String::from_utf8_lossy(&body));
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(reply))))
                },
            );
            hyper::server::conn::http1::Builder::new()
                .timer(anyrt::hyper::Timer)
                .serve_connection(stream, service)
                .await
                .map_err(io::Error::other)?;
        }
        io::Result::Ok(())
    });
    for round in 0..2 {
        let stream = TcpStream::connect(addr).await?;
        let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
            .handshake(stream)
            .await
            .map_err(io::Error::other)?;
        anyrt::hyper::Executor.execute(async move {
            let _ = connection.await;
        });
        // A body larger than one read, so it crosses several reads and writes.
        let payload = "x".repeat(100_000);
        let request = hyper::Request::post(format!("/echo/{round}"))
            .body(Full::new(Bytes::from(payload.clone())))
            .unwrap();
        let response = within("request", sender.send_request(request))
            .await
            .map_err(io::Error::other)?;
        assert_eq!(response.status(), 200);
        let body = within("body", response.into_body().collect())
            .await
            .map_err(io::Error::other)?
            .to_bytes();
        assert_eq!(body, format!("/echo/{round}:{payload}"));
    }
    within("server", server).await.unwrap()?;
    Ok(())
}

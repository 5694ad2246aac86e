//! minikv's tests: every one runs on each backend compiled in (`cargo test --all-features`).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use minikv::{Client, Request, Response, Store, MAX_VALUE};

async fn server() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    anyrt::spawn(async move { Store::new().serve(listener).await });
    Ok(addr)
}

fn client(addr: SocketAddr) -> Client {
    Client::new(addr, Duration::from_secs(5))
}

#[anyrt::test]
async fn set_get_del() -> io::Result<()> {
    let kv = client(server().await?);
    assert_eq!(
        kv.request(Request::Get("a".into())).await?,
        Response::NotFound
    );
    assert_eq!(
        kv.request(Request::Set("a".into(), b"1".to_vec())).await?,
        Response::Ok
    );
    assert_eq!(
        kv.request(Request::Get("a".into())).await?,
        Response::Value(b"1".to_vec())
    );
    assert_eq!(
        kv.request(Request::Del("a".into())).await?,
        Response::Deleted
    );
    assert_eq!(
        kv.request(Request::Del("a".into())).await?,
        Response::NotFound
    );
    Ok(())
}

#[anyrt::test]
async fn values_up_to_one_mib_with_any_bytes() -> io::Result<()> {
    let kv = client(server().await?);
    let value: Vec<u8> = (0..MAX_VALUE).map(|i| (i % 256) as u8).collect();
    assert_eq!(
        kv.request(Request::Set("big".into(), value.clone()))
            .await?,
        Response::Ok
    );
    assert_eq!(
        kv.request(Request::Get("big".into())).await?,
        Response::Value(value)
    );
    let lines = b"line one\nline two\n".to_vec();
    kv.request(Request::Set("nl".into(), lines.clone())).await?;
    assert_eq!(
        kv.request(Request::Get("nl".into())).await?,
        Response::Value(lines)
    );
    Ok(())
}

#[anyrt::test]
async fn pipelined_requests_are_answered_in_order_on_one_pooled_connection() -> io::Result<()> {
    let kv = client(server().await?);
    let mut requests = Vec::new();
    for i in 0..100 {
        requests.push(Request::Set(format!("k{i}"), format!("v{i}").into_bytes()));
        requests.push(Request::Get(format!("k{i}")));
    }
    let responses = kv.pipeline(&requests).await?;
    for i in 0..100 {
        assert_eq!(responses[2 * i], Response::Ok);
        assert_eq!(
            responses[2 * i + 1],
            Response::Value(format!("v{i}").into_bytes())
        );
    }
    assert_eq!(kv.idle_connections().await, 1);
    kv.request(Request::Get("k0".into())).await?;
    assert_eq!(kv.idle_connections().await, 1, "the connection was reused");
    Ok(())
}

#[anyrt::test]
async fn concurrent_clients_share_the_pool() -> io::Result<()> {
    let kv = std::sync::Arc::new(client(server().await?));
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let kv = kv.clone();
            anyrt::spawn(async move {
                kv.request(Request::Set(format!("c{i}"), vec![i as u8; 10]))
                    .await?;
                kv.request(Request::Get(format!("c{i}"))).await
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap()?, Response::Value(vec![i as u8; 10]));
    }
    assert!(kv.idle_connections().await >= 1);
    Ok(())
}

/// Sends raw bytes and reads `n` response lines back (values included verbatim).
async fn raw(addr: SocketAddr, request: &[u8], lines: usize) -> io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request).await?;
    stream.shutdown().await?;
    let mut all = String::new();
    stream.read_to_string(&mut all).await?;
    assert_eq!(all.lines().count(), lines, "{all:?}");
    Ok(all)
}

#[anyrt::test]
async fn malformed_requests_get_errors_and_the_connection_stays_open() -> io::Result<()> {
    let addr = server().await?;
    let oversized = MAX_VALUE + 1;
    let mut request = Vec::new();
    request.extend_from_slice(b"FETCH a\n"); // unknown verb
    request.extend_from_slice(format!("SET big {oversized}\n").as_bytes()); // oversized value
    request.extend_from_slice(&vec![b'x'; oversized]);
    request.extend_from_slice(b"\n");
    request.extend_from_slice(b"SET a\n"); // truncated: no length
    request.extend_from_slice(b"SET a notanumber\n");
    request.extend_from_slice(b"GET\n");
    request.extend_from_slice(format!("GET {}\n", "k".repeat(300)).as_bytes()); // key too long
    request.extend_from_slice(format!("{}\n", "x".repeat(5000)).as_bytes()); // line too long
    request.extend_from_slice(b"SET ok 2\nhi\n"); // and then a good one, still answered
    request.extend_from_slice(b"GET ok\n");
    let answers = raw(addr, &request, 10).await?;
    let expected = format!(
        "ERR unknown command\nERR value larger than {MAX_VALUE} bytes\nERR wrong arguments for SET\n\
         ERR bad length\nERR wrong arguments for GET\nERR bad key\nERR line too long\nOK\nVALUE 2\nhi\n"
    );
    assert_eq!(answers, expected);
    Ok(())
}

#[anyrt::test]
async fn a_request_that_outlives_its_timeout_fails_with_timed_out() -> io::Result<()> {
    // A "server" that accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let silent = anyrt::spawn(async move {
        let (stream, _) = listener.accept().await?;
        anyrt::time::sleep(Duration::from_secs(2)).await;
        drop(stream);
        io::Result::Ok(())
    });
    let kv = Client::new(addr, Duration::from_millis(50));
    let error = kv.request(Request::Get("a".into())).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert_eq!(
        kv.idle_connections().await,
        0,
        "a timed-out connection is not reused"
    );
    silent.abort();
    Ok(())
}

/// With 30 s request timeouts, a server that never answers costs 30 s on a real runtime; in the
/// simulation the timeout fires in virtual time, exactly at 30 s, in milliseconds of real time.
#[cfg(feature = "rt-sim")]
#[test]
fn thirty_second_timeouts_take_milliseconds_in_the_simulation() {
    let real = std::time::Instant::now();
    for seed in 0..10 {
        anyrt::sim::Sim::new(seed).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:7000").await.unwrap();
            let silent = anyrt::spawn(async move {
                let (stream, _) = listener.accept().await?;
                anyrt::time::sleep(Duration::from_secs(3600)).await;
                drop(stream);
                io::Result::Ok(())
            });
            let kv = Client::new("127.0.0.1:7000".parse().unwrap(), Duration::from_secs(30));
            let start = anyrt::time::Instant::now();
            let error = kv.request(Request::Get("a".into())).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::TimedOut);
            assert_eq!(start.elapsed(), Duration::from_secs(30));
            silent.abort();
        });
    }
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "{:?}",
        real.elapsed()
    );
}

/// minikv across a partition: the client's requests time out in virtual time while the link
/// is cut, it reconnects once the link is repaired, and every write the server acknowledged is
/// still there afterwards. Over 20 seeds, in milliseconds of real time.
#[cfg(feature = "rt-sim")]
#[test]
fn a_partition_times_requests_out_and_loses_no_acknowledged_write() {
    use anyrt::sim::{partition, repair, Builder};
    use anyrt::time::{sleep, Instant};
    for seed in 0..20 {
        let mut sim = Builder::new()
            .seed(seed)
            .latency(Duration::from_millis(5))
            .jitter(Duration::from_millis(5))
            .build();
        sim.host("server", || async {
            let listener = TcpListener::bind("0.0.0.0:7000").await?;
            Store::new().serve(listener).await?;
            Ok(())
        });
        sim.client("client", async move {
            sleep(Duration::from_millis(1)).await;
            let addr = anyrt::net::lookup_host("server:7000")
                .await?
                .next()
                .unwrap();
            let kv = Client::new(addr, Duration::from_secs(2));
            let mut acknowledged = Vec::new();
            let mut timed_out = 0;
            for i in 0..30u32 {
                if i == 10 {
                    partition("client", "server");
                    // Someone repairs the link ten seconds later.
                    anyrt::spawn(async {
                        sleep(Duration::from_secs(10)).await;
                        repair("client", "server");
                    });
                }
                let start = Instant::now();
                let value = i.to_string().into_bytes();
                match kv.request(Request::Set(format!("k{i}"), value)).await {
                    Ok(Response::Ok) => acknowledged.push(i),
                    Ok(other) => panic!("seed {seed}: SET answered {other:?}"),
                    Err(e) => {
                        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "seed {seed}: {e}");
                        assert!(start.elapsed() >= Duration::from_secs(2));
                        timed_out += 1;
                    }
                }
            }
            assert!(timed_out >= 1, "seed {seed}: no request timed out");
            assert!(acknowledged.len() >= 20, "seed {seed}: {acknowledged:?}");
            for i in acknowledged {
                let got = kv.request(Request::Get(format!("k{i}"))).await?;
                assert_eq!(
                    got,
                    Response::Value(i.to_string().into_bytes()),
                    "seed {seed}"
                );
            }
            Ok(())
        });
        sim.run().unwrap();
    }
}

//! Running out of file descriptors: `accept` fails with EMFILE instead of spinning or panicking,
//! and the listener serves again once descriptors are free.
//!
//! One `#[test]` that walks the backends in turn: the open-files limit is per process, so the
//! backends must not exhaust it at the same time.
#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use anyrt::net::TcpListener;
use anyrt::time::timeout;
use anyrt::Backend;
use rlimit::Resource;

const EMFILE: i32 = 24;

async fn exhaust_then_recover() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Every runtime thread and reactor this test needs exists by now (the listener is
    // registered, timers run), so none has to open a descriptor while there are none.
    anyrt::time::sleep(Duration::from_millis(1)).await;

    let (soft, hard) = rlimit::getrlimit(Resource::NOFILE).unwrap();
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    rlimit::setrlimit(Resource::NOFILE, open + 16, hard).unwrap();
    let mut hogs = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => hogs.push(file),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(EMFILE), "{e}");
                break;
            }
        }
    }
    // One descriptor for the client; then none is left for the accepted socket.
    hogs.pop();
    let client = std::net::TcpStream::connect(addr).unwrap();

    for attempt in 0..3 {
        let result = timeout(Duration::from_secs(5), listener.accept()).await;
        let error = match result {
            Ok(Err(error)) => error,
            Ok(Ok(_)) => panic!("accepted with no descriptor free"),
            Err(_) => panic!("accept hung instead of reporting EMFILE (attempt {attempt})"),
        };
        assert_eq!(error.raw_os_error(), Some(EMFILE), "{error}");
    }

    // Descriptors come back: the connection that waited in the backlog is accepted.
    hogs.clear();
    let (stream, peer) = timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("accept after recovery")
        .expect("accept after recovery");
    assert_eq!(peer, client.local_addr().unwrap());
    drop(stream);
    rlimit::setrlimit(Resource::NOFILE, soft, hard).unwrap();
}

#[test]
fn accept_reports_emfile_and_recovers_on_every_backend() {
    // The simulation opens no descriptors, so it has none to run out of.
    for &backend in Backend::compiled().iter().filter(|b| b.name() != "sim") {
        backend.block_on(exhaust_then_recover());
    }
}

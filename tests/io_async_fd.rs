//! `anyrt::io::AsyncFd`: readiness for any descriptor (SEMANTICS.md, Readiness rows).
#![cfg(unix)]

mod common;

use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use anyrt::io::{AsyncFd, Interest};
use anyrt::time::timeout;
use anyrt::Backend;
use common::within;

#[anyrt::test(except(sim = "AsyncFd registers OS descriptors, which the simulation has none of"))]
async fn readable_then_try_io_reads_what_the_peer_wrote() -> io::Result<()> {
    let (a, mut b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;
    let a = AsyncFd::new(a)?;
    assert_eq!(a.backend(), Backend::current());
    let reader = async {
        let mut buf = [0; 5];
        loop {
            let mut guard = a.readable().await?;
            assert!(guard.ready().is_readable());
            match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                Ok(n) => return io::Result::Ok((n?, buf)),
                Err(_would_block) => continue,
            }
        }
    };
    b.write_all(b"ready")?;
    let (n, buf) = within("read", reader).await?;
    assert_eq!(&buf[..n], b"ready");
    Ok(())
}

#[anyrt::test(except(sim = "AsyncFd registers OS descriptors, which the simulation has none of"))]
async fn a_cleared_readiness_waits_for_a_new_event_instead_of_spinning() -> io::Result<()> {
    let (a, mut b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;
    let a = AsyncFd::new(a)?;
    b.write_all(b"x")?;
    let mut guard = within("readable", a.readable()).await?;
    let mut buf = [0; 8];
    assert_eq!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap()?, 1);
    // Now empty: the read would block, which clears the readiness...
    assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
    // ... so the next wait waits, on every backend.
    assert!(timeout(Duration::from_millis(50), a.readable())
        .await
        .is_err());
    b.write_all(b"y")?;
    let mut guard = within("readable again", a.readable()).await?;
    assert_eq!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap()?, 1);
    // retain_ready keeps it: the next wait returns at once.
    b.write_all(b"z")?;
    within("readable", a.readable()).await?.retain_ready();
    let still = within("still readable", a.readable()).await?;
    assert!(still.ready().is_readable());
    Ok(())
}

#[anyrt::test(except(sim = "AsyncFd registers OS descriptors, which the simulation has none of"))]
async fn registering_leaves_the_blocking_mode_alone() -> io::Result<()> {
    let (a, _b) = UnixStream::pair()?;
    // async-io's own `Async::new` would switch the descriptor to non-blocking.
    let a = AsyncFd::new(a)?;
    assert!(!socket2::SockRef::from(a.get_ref()).nonblocking()?);
    let a = a.into_inner()?;
    a.set_nonblocking(true)?;
    let a = AsyncFd::new(a)?;
    assert!(socket2::SockRef::from(a.get_ref()).nonblocking()?);
    Ok(())
}

#[anyrt::test(except(sim = "AsyncFd registers OS descriptors, which the simulation has none of"))]
async fn writable_ready_and_async_io() -> io::Result<()> {
    let (a, b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;
    b.set_nonblocking(true)?;
    let (a, b) = (AsyncFd::new(a)?, AsyncFd::new(b)?);
    let guard = within("writable", a.writable()).await?;
    assert!(guard.ready().is_writable());
    assert!(std::ptr::eq(guard.get_ref(), &a));
    drop(guard);
    let ready = within("either", a.ready(Interest::READABLE | Interest::WRITABLE)).await?;
    assert!(ready.ready().is_writable());
    drop(ready);
    let n = within(
        "send",
        a.async_io(Interest::WRITABLE, |s| (&*s).write(b"io")),
    )
    .await?;
    assert_eq!(n, 2);
    let mut buf = [0; 2];
    let n = within(
        "recv",
        b.async_io(Interest::READABLE, |s| (&*s).read(&mut buf)),
    )
    .await?;
    assert_eq!(&buf[..n], b"io");
    let error = b
        .try_io(Interest::READABLE, |s| (&*s).read(&mut buf))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    Ok(())
}

#[anyrt::test(except(sim = "AsyncFd registers OS descriptors, which the simulation has none of"))]
async fn readiness_futures_are_cancel_safe_and_wake_many_waiters() -> io::Result<()> {
    let (a, mut b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;
    let a = std::sync::Arc::new(AsyncFd::new(a)?);
    assert!(timeout(Duration::from_millis(10), a.readable())
        .await
        .is_err());
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let a = a.clone();
            anyrt::spawn(async move { a.readable().await.map(|g| g.ready().is_readable()) })
        })
        .collect();
    anyrt::time::sleep(Duration::from_millis(10)).await;
    b.write_all(b"all")?;
    for waiter in waiters {
        assert!(within("waiter", waiter).await.unwrap()?);
    }
    Ok(())
}

#[anyrt::test(except(sim = "AsyncFd registers OS descriptors, which the simulation has none of"))]
async fn a_regular_file_cannot_be_registered_and_says_so() -> io::Result<()> {
    // epoll refuses regular files: an io::Error with the same kind on every backend.
    let file = std::fs::File::open(std::env::current_exe()?)?;
    let error = AsyncFd::new(file).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(1), "{error}"); // EPERM
    Ok(())
}

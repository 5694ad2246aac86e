//! A QUIC server and client (quinn 0.11) on anyrt, in one process: the client sends 16 MiB over
//! loopback, the server checks every byte and answers with the count. quinn's own runtime
//! features are off; `runtime.rs` implements quinn's `Runtime` on anyrt.
//!
//! ```text
//! cargo run --release                                                   # tokio
//! cargo run --release --no-default-features --features rt-async-std
//! cargo run --release --no-default-features --features rt-smol
//! ```
//!
//! Prints `quinn: 16777216 bytes sent, 16777216 verified, in N ms, backend=NAME` and exits 0, or
//! exits 1 with the reason.

mod runtime;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quinn::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use quinn::{ClientConfig, Endpoint, EndpointConfig, ServerConfig};

const BYTES: usize = 16 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Byte `i` of the transfer.
fn byte(i: usize) -> u8 {
    (i.wrapping_mul(2_654_435_761) >> 13) as u8
}

fn endpoint(server: Option<ServerConfig>) -> io::Result<Endpoint> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    Endpoint::new(
        EndpointConfig::default(),
        server,
        socket,
        Arc::new(runtime::AnyrtRuntime),
    )
}

async fn transfer() -> Result<(usize, usize), Box<dyn std::error::Error + Send + Sync>> {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()])?;
    let cert = CertificateDer::from(certified.cert);
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let server_config = ServerConfig::with_single_cert(vec![cert.clone()], key)?;
    let server = endpoint(Some(server_config))?;
    let server_addr: SocketAddr = server.local_addr()?;

    let serving = anyrt::spawn(async move {
        let incoming = server.accept().await.ok_or("the endpoint closed")?;
        let connection = incoming.await?;
        let (mut send, mut recv) = connection.accept_bi().await?;
        let mut verified = 0;
        let mut buf = vec![0; CHUNK];
        while let Some(n) = recv.read(&mut buf).await? {
            for (offset, &b) in buf[..n].iter().enumerate() {
                if b != byte(verified + offset) {
                    return Err(format!("byte {} differs", verified + offset).into());
                }
            }
            verified += n;
        }
        send.write_all(&(verified as u64).to_be_bytes()).await?;
        send.finish()?;
        connection.closed().await;
        Ok::<usize, Box<dyn std::error::Error + Send + Sync>>(verified)
    });

    let mut roots = quinn::rustls::RootCertStore::empty();
    roots.add(cert)?;
    let mut client = endpoint(None)?;
    client.set_default_client_config(ClientConfig::with_root_certificates(Arc::new(roots))?);
    let connection = client.connect(server_addr, "localhost")?.await?;
    let (mut send, mut recv) = connection.open_bi().await?;
    let mut chunk = vec![0; CHUNK];
    for start in (0..BYTES).step_by(CHUNK) {
        for (offset, b) in chunk.iter_mut().enumerate() {
            *b = byte(start + offset);
        }
        send.write_all(&chunk).await?;
    }
    send.finish()?;
    let answer = recv.read_to_end(8).await?;
    let echoed = u64::from_be_bytes(answer.as_slice().try_into()?) as usize;
    connection.close(0u32.into(), b"done");
    let verified = serving.await??;
    client.wait_idle().await;
    if echoed != verified {
        return Err(format!("the server said {echoed} but verified {verified}").into());
    }
    Ok((BYTES, verified))
}

#[anyrt::main]
async fn main() -> ExitCode {
    let start = Instant::now();
    match anyrt::time::timeout(Duration::from_secs(120), transfer()).await {
        Ok(Ok((sent, verified))) if sent == verified => {
            println!(
                "quinn: {sent} bytes sent, {verified} verified, in {} ms, backend={}",
                start.elapsed().as_millis(),
                anyrt::Backend::current()
            );
            ExitCode::SUCCESS
        }
        Ok(Ok((sent, verified))) => {
            eprintln!("quinn: sent {sent}, verified {verified}");
            ExitCode::FAILURE
        }
        Ok(Err(e)) => {
            eprintln!("quinn: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("quinn: no result after 120 s");
            ExitCode::FAILURE
        }
    }
}

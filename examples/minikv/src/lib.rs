//! minikv: a small line-based key-value store, client and server, written once on anyrt.
//!
//! The protocol, one request per line, responses in request order (requests may be pipelined):
//!
//! ```text
//! GET <key>\n                 -> VALUE <len>\n<len bytes>\n | NOTFOUND\n
//! SET <key> <len>\n<bytes>\n  -> OK\n
//! DEL <key>\n                 -> DELETED\n | NOTFOUND\n
//! anything malformed          -> ERR <reason>\n, and the connection stays open
//! ```
//!
//! Keys are 1 to 250 bytes without spaces; values up to [`MAX_VALUE`] bytes. The runtime is the
//! application's choice: this crate depends on anyrt with `default-features = false` and forwards
//! its `rt-*` features.
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms)]

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyrt::net::{TcpListener, TcpStream};
use anyrt::sync::Mutex;
use futures_lite::io::BufReader;
use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

/// The largest value the store accepts: 1 MiB.
pub const MAX_VALUE: usize = 1024 * 1024;
/// The longest key.
pub const MAX_KEY: usize = 250;
/// The longest request line, so a client cannot make the server buffer without bound.
const MAX_LINE: usize = 1024;

/// A request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Read a key.
    Get(String),
    /// Store a value.
    Set(String, Vec<u8>),
    /// Remove a key.
    Del(String),
}

/// A response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// The value of a key.
    Value(Vec<u8>),
    /// The key has no value.
    NotFound,
    /// Stored.
    Ok,
    /// Removed.
    Deleted,
    /// The server could not make sense of the request; the connection stays usable.
    Error(String),
}

impl Request {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Request::Get(key) => out.extend_from_slice(format!("GET {key}\n").as_bytes()),
            Request::Del(key) => out.extend_from_slice(format!("DEL {key}\n").as_bytes()),
            Request::Set(key, value) => {
                out.extend_from_slice(format!("SET {key} {}\n", value.len()).as_bytes());
                out.extend_from_slice(value);
                out.push(b'\n');
            }
        }
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Response::Value(v) => write!(f, "VALUE ({} bytes)", v.len()),
            Response::NotFound => f.write_str("NOTFOUND"),
            Response::Ok => f.write_str("OK"),
            Response::Deleted => f.write_str("DELETED"),
            Response::Error(reason) => write!(f, "ERR {reason}"),
        }
    }
}

fn protocol_error(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads one line (without its `\n`); `None` at a clean end of stream. A line longer than
/// `MAX_LINE` is consumed to its end and reported as `Err(too long)` in the inner result.
async fn read_line<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
) -> io::Result<Option<Result<String, &'static str>>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return if line.is_empty() && !too_long {
                Ok(None)
            } else {
                Err(protocol_error("connection closed in the middle of a line"))
            };
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if line.len() + chunk.len() > MAX_LINE {
            too_long = true;
        } else {
            line.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(buf.len());
        reader.consume(consumed);
        if done.is_some() {
            if too_long {
                return Ok(Some(Err("line too long")));
            }
            return Ok(Some(
                String::from_utf8(line).map_err(|_| "line is not UTF-8"),
            ));
        }
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY && !key.contains(char::is_whitespace)
}

/// The store and its server.
#[derive(Clone, Debug, Default)]
pub struct Store {
    data: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// Serves connections from `listener` until an accept fails for good.
    pub async fn serve(&self, listener: TcpListener) -> io::Result<()> {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of descriptors and the like: back off, keep serving.
                Err(_) => {
                    anyrt::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let store = self.clone();
            anyrt::spawn(async move { store.serve_connection(stream).await });
        }
    }

    /// Answers the requests of one connection, in order, until the client closes it.
    pub async fn serve_connection(&self, stream: TcpStream) -> io::Result<()> {
        let mut reader = BufReader::new(stream);
        while let Some(line) = read_line(&mut reader).await? {
            let response = match line {
                Ok(line) => self.execute(&line, &mut reader).await?,
                Err(reason) => Response::Error(reason.into()),
            };
            let mut out = Vec::new();
            match &response {
                Response::Value(value) => {
                    out.extend_from_slice(format!("VALUE {}\n", value.len()).as_bytes());
                    out.extend_from_slice(value);
                    out.push(b'\n');
                }
                other => out.extend_from_slice(format!("{other}\n").as_bytes()),
            }
            reader.get_mut().write_all(&out).await?;
        }
        reader.get_mut().shutdown().await
    }

    async fn execute(&self, line: &str, reader: &mut BufReader<TcpStream>) -> io::Result<Response> {
        let mut parts = line.split(' ');
        let verb = parts.next().unwrap_or("");
        let args: Vec<&str> = parts.collect();
        Ok(match (verb, args.as_slice()) {
            ("GET", [key]) if valid_key(key) => match self.data.lock().await.get(*key) {
                Some(value) => Response::Value(value.clone()),
                None => Response::NotFound,
            },
            ("DEL", [key]) if valid_key(key) => match self.data.lock().await.remove(*key) {
                Some(_) => Response::Deleted,
                None => Response::NotFound,
            },
            ("SET", [key, len]) if valid_key(key) => {
                let Ok(len) = len.parse::<usize>() else {
                    return Ok(Response::Error("bad length".into()));
                };
                // Always consume the declared payload, so the next request starts in the right
                // place even when this one is refused.
                let mut value = Vec::with_capacity(len.min(MAX_VALUE));
                let mut payload = (&mut *reader).take(len as u64 + 1);
                if len > MAX_VALUE {
                    let skipped =
                        futures_lite::io::copy(&mut payload, futures_lite::io::sink()).await?;
                    if skipped < len as u64 + 1 {
                        return Err(protocol_error("connection closed inside a value"));
                    }
                    return Ok(Response::Error(format!(
                        "value larger than {MAX_VALUE} bytes"
                    )));
                }
                payload.read_to_end(&mut value).await?;
                if value.len() < len + 1 {
                    return Err(protocol_error("connection closed inside a value"));
                }
                if value.pop() != Some(b'\n') {
                    return Ok(Response::Error("value not followed by a newline".into()));
                }
                self.data.lock().await.insert(key.to_string(), value);
                Response::Ok
            }
            ("GET" | "DEL", [_]) | ("SET", [_, _]) => Response::Error("bad key".into()),
            ("GET" | "DEL" | "SET", _) => Response::Error(format!("wrong arguments for {verb}")),
            _ => Response::Error("unknown command".into()),
        })
    }
}

/// A client with a pool of connections, each request bounded by a timeout.
#[derive(Debug)]
pub struct Client {
    addr: SocketAddr,
    timeout: Duration,
    idle: Mutex<Vec<BufReader<TcpStream>>>,
}

impl Client {
    /// A client of the server at `addr`; connections are opened on demand and reused.
    pub fn new(addr: SocketAddr, timeout: Duration) -> Client {
        Client {
            addr,
            timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends `requests` on one connection without waiting between them (pipelining) and returns
    /// the responses in order. The whole exchange must finish within the client's timeout.
    pub async fn pipeline(&self, requests: &[Request]) -> io::Result<Vec<Response>> {
        let mut connection = match self.idle.lock().await.pop() {
            Some(connection) => connection,
            None => BufReader::new(TcpStream::connect(self.addr).await?),
        };
        let exchange = async {
            let mut out = Vec::new();
            for request in requests {
                request.encode(&mut out);
            }
            connection.get_mut().write_all(&out).await?;
            let mut responses = Vec::with_capacity(requests.len());
            for _ in requests {
                responses.push(read_response(&mut connection).await?);
            }
            io::Result::Ok(responses)
        };
        let responses = anyrt::time::timeout(self.timeout, exchange).await??;
        // Only a connection that finished its exchange cleanly goes back to the pool.
        self.idle.lock().await.push(connection);
        Ok(responses)
    }

    /// One request.
    pub async fn request(&self, request: Request) -> io::Result<Response> {
        let mut responses = self.pipeline(std::slice::from_ref(&request)).await?;
        Ok(responses.remove(0))
    }

    /// How many connections wait in the pool.
    pub async fn idle_connections(&self) -> usize {
        self.idle.lock().await.len()
    }
}

async fn read_response(reader: &mut BufReader<TcpStream>) -> io::Result<Response> {
    let line = match read_line(reader).await? {
        Some(Ok(line)) => line,
        Some(Err(reason)) => return Err(protocol_error(reason)),
        None => return Err(protocol_error("server closed the connection")),
    };
    Ok(match line.split_once(' ') {
        Some(("VALUE", len)) => {
            let len: usize = len
                .parse()
                .map_err(|_| protocol_error("bad VALUE length"))?;
            let mut value = vec![0; len + 1];
            reader.read_exact(&mut value).await?;
            value.pop();
            Response::Value(value)
        }
        Some(("ERR", reason)) => Response::Error(reason.to_string()),
        _ => match line.as_str() {
            "NOTFOUND" => Response::NotFound,
            "OK" => Response::Ok,
            "DELETED" => Response::Deleted,
            other => return Err(protocol_error(format!("unexpected response `{other}`"))),
        },
    })
}

//! Fetches hundreds of pages concurrently through anyrt, without waiting for each one in turn.
//!
//! With no URL, it starts its own HTTP server on 127.0.0.1 (a free port) serving generated
//! pages, fetches them all, and checks every byte against what the server generated.
//!
//! ```text
//! cargo run --example scraper
//! cargo run --example scraper --no-default-features --features rt-async-std
//! cargo run --example scraper -- --pages 2000 --concurrency 128 --timeout-ms 2000
//! cargo run --example scraper -- 'http://127.0.0.1:8080/p/{}.html' --pages 50
//! ```
//!
//! A URL template has `{}` where the page number (0 to N-1) goes; plain HTTP/1.1 only. The last
//! line printed is a summary, `fetched=N failed=F bytes=B elapsed_ms=T backend=NAME`; the exit
//! status is 1 when any page failed, and the first failures are listed on stderr.
//!
//! What it exercises: a `JoinSet` (one task per page, results in the order they finish), a
//! `Semaphore` (at most `--concurrency` fetches at once), `select!` (results or a progress
//! tick), `TcpListener`/`TcpStream` and `spawn` (the server), `timeout` (per page), `interval`
//! (progress) and `spawn_blocking` (checking each page off the runtime's threads).

use std::error::Error;
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyrt::net::{TcpListener, TcpStream};
use anyrt::sync::Semaphore;
use anyrt::task::JoinSet;
use anyrt::time::{interval, timeout};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// Largest response accepted; anything bigger is counted as a failure, not buffered.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// How many failures are listed in detail.
const SHOWN_FAILURES: usize = 10;

#[derive(Debug)]
struct Options {
    pages: usize,
    concurrency: usize,
    timeout: Duration,
    template: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        pages: 500,
        concurrency: 64,
        timeout: Duration::from_secs(10),
        template: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let raw = args.next().ok_or(format!("{name} needs a value"))?;
            raw.parse()
                .map_err(|_| format!("{name}: `{raw}` is not a whole number"))
        };
        match arg.as_str() {
            "--pages" => options.pages = value("--pages")? as usize,
            "--concurrency" => options.concurrency = value("--concurrency")?.max(1) as usize,
            "--timeout-ms" => options.timeout = Duration::from_millis(value("--timeout-ms")?),
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            template if options.template.is_none() => options.template = Some(template.into()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    Ok(options)
}

const USAGE: &str = "usage: scraper [--pages N] [--concurrency C] [--timeout-ms T] [URL_TEMPLATE]
  URL_TEMPLATE  e.g. http://127.0.0.1:8080/p/{}.html; without it a local server is started";

/// A parsed `http://host[:port]/path{}` template.
#[derive(Clone, Debug)]
struct Template {
    host: String,
    port: u16,
    path: String,
}

impl Template {
    fn parse(template: &str) -> Result<Template, String> {
        let rest = template
            .strip_prefix("http://")
            .ok_or("the URL must start with http:// (https is not supported)")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if !path.contains("{}") {
            return Err("the URL needs a `{}` where the page number goes".into());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                let port = port.parse().map_err(|_| format!("bad port `{port}`"))?;
                (host, port)
            }
            _ => (authority, 80),
        };
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Ok(Template {
            host,
            port,
            path: path.to_string(),
        })
    }
}

/// The page the local server serves as number `i`: 1 to 20 KiB of deterministic HTML.
fn page(i: usize) -> String {
    let mut html = format!("<html><head><title>Page {i}</title></head><body>\n");
    let kib = 1 + (i * 7919) % 20;
    let mut line = 0;
    while html.len() < kib * 1024 {
        let _ = writeln!(html, "<p>page {i} line {line}: anyrt fetched this</p>");
        line += 1;
    }
    html.push_str("</body></html>\n");
    html
}

/// Serves `page(i)` at `/p/{i}.html` until the process ends.
async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                anyrt::spawn(async move {
                    if let Err(e) = serve_one(stream).await {
                        eprintln!("server: {e}");
                    }
                });
            }
            Err(e) => {
                eprintln!("server: accept failed: {e}");
                anyrt::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn serve_one(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0; 1024];
    let path = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(()); // the client gave up
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => break request.path.unwrap_or("/").to_string(),
            Ok(httparse::Status::Partial) if buf.len() < 8192 => continue,
            _ => return respond(&mut stream, "400 Bad Request", "bad request\n").await,
        }
    };
    let number = path
        .strip_prefix("/p/")
        .and_then(|p| p.strip_suffix(".html"))
        .and_then(|n| n.parse::<usize>().ok());
    match number {
        Some(i) => respond(&mut stream, "200 OK", &page(i)).await,
        None => respond(&mut stream, "404 Not Found", "not found\n").await,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// Fetches one URL with a plain HTTP/1.1 GET; returns the body of a 200 response.
async fn fetch(template: &Template, path: &str) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect((template.host.as_str(), template.port)).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: anyrt-scraper\r\nConnection: close\r\n\r\n",
        template.host
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    (&mut stream)
        .take(MAX_RESPONSE as u64 + 1)
        .read_to_end(&mut response)
        .await?;
    if response.len() > MAX_RESPONSE {
        return Err(invalid(format!(
            "response larger than {MAX_RESPONSE} bytes"
        )));
    }
    parse_response(&response)
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Checks the status line and returns the body, de-chunked and length-checked.
fn parse_response(response: &[u8]) -> io::Result<Vec<u8>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    let body_start = match parsed.parse(response) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(invalid("truncated response head")),
        Err(e) => return Err(invalid(format!("malformed response: {e}"))),
    };
    if parsed.code != Some(200) {
        return Err(invalid(format!(
            "status {} {}",
            parsed.code.unwrap_or(0),
            parsed.reason.unwrap_or("")
        )));
    }
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let body = &response[body_start..];
    if header("transfer-encoding").is_some_and(|te| te.ends_with("chunked")) {
        return dechunk(body);
    }
    match header("content-length") {
        Some(length) => {
            let length: usize = length
                .parse()
                .map_err(|_| invalid(format!("bad Content-Length `{length}`")))?;
            if body.len() != length {
                return Err(invalid(format!(
                    "body has {} bytes, Content-Length says {length}",
                    body.len()
                )));
            }
            Ok(body.to_vec())
        }
        None => Ok(body.to_vec()), // delimited by the close
    }
}

fn dechunk(mut body: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let (consumed, size) = match httparse::parse_chunk_size(body) {
            Ok(httparse::Status::Complete(found)) => found,
            _ => return Err(invalid("malformed chunked body")),
        };
        let size = usize::try_from(size).map_err(|_| invalid("chunk too large"))?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = body
            .get(consumed..consumed + size)
            .ok_or_else(|| invalid("truncated chunk"))?;
        out.extend_from_slice(chunk);
        body = body
            .get(consumed + size + 2..)
            .ok_or_else(|| invalid("truncated chunk"))?;
    }
}

/// What is known of a page once fetched and checked.
struct Checked {
    bytes: usize,
    words: usize,
}

/// CPU work on a page: count its words, and compare it with what the local server generated.
fn check(i: usize, body: Vec<u8>, local: bool) -> Result<Checked, String> {
    if local && body != page(i).as_bytes() {
        return Err(format!(
            "page {i}: body differs from the page the server sent"
        ));
    }
    let words = body
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
        .count();
    Ok(Checked {
        bytes: body.len(),
        words,
    })
}

#[derive(Default)]
struct Stats {
    fetched: usize,
    failed: usize,
    bytes: usize,
    words: usize,
    failures: Vec<String>,
}

impl Stats {
    fn fail(&mut self, message: String) {
        self.failed += 1;
        if self.failures.len() < SHOWN_FAILURES {
            self.failures.push(message);
        }
    }
}

async fn scrape_page(
    template: &Template,
    i: usize,
    deadline: Duration,
    local: bool,
) -> Result<Checked, String> {
    let path = template.path.replace("{}", &i.to_string());
    let body = match timeout(deadline, fetch(template, &path)).await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => return Err(format!("{path}: {e}")),
        Err(elapsed) => return Err(format!("{path}: {elapsed} after {deadline:?}")),
    };
    match anyrt::task::spawn_blocking(move || check(i, body, local)).await {
        Ok(checked) => checked,
        Err(e) => Err(format!("{path}: checking failed: {e}")),
    }
}

#[anyrt::main]
async fn main() -> ExitCode {
    scrape().await
}

/// All of `main` but the runtime: parses the options, scrapes, and says how it went.
/// `examples/custom-executor.rs` runs it on an executor of its own.
pub(crate) async fn scrape() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("scraper: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("scraper: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Scrapes every page; `Ok(true)` if none failed.
async fn run(options: Options) -> Result<bool, Box<dyn Error>> {
    let local = options.template.is_none();
    let template = match &options.template {
        Some(template) => Template::parse(template)?,
        None => {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr: SocketAddr = listener.local_addr()?;
            eprintln!(
                "serving {} generated pages on http://{addr}/p/{{}}.html",
                options.pages
            );
            anyrt::spawn(serve(listener));
            Template::parse(&format!("http://{addr}/p/{{}}.html"))?
        }
    };

    let started = Instant::now();
    // One task per page; the semaphore lets `--concurrency` of them fetch at once, in the order
    // they were spawned (it is first in, first out).
    let slots = Arc::new(Semaphore::new(options.concurrency));
    let mut pages = JoinSet::new();
    for i in 0..options.pages {
        let (template, slots, deadline) = (template.clone(), slots.clone(), options.timeout);
        pages.spawn(async move {
            let _slot = slots.acquire_owned().await.expect("never closed");
            scrape_page(&template, i, deadline, local).await
        });
    }

    let mut stats = Stats::default();
    let mut lost_tasks = 0;
    let mut progress = interval(Duration::from_millis(250));
    loop {
        anyrt::select! {
            joined = pages.join_next() => match joined {
                Some(Ok(Ok(checked))) => {
                    stats.fetched += 1;
                    stats.bytes += checked.bytes;
                    stats.words += checked.words;
                }
                Some(Ok(Err(message))) => stats.fail(message),
                Some(Err(e)) => {
                    eprintln!("scraper: a page's task stopped: {e}");
                    lost_tasks += 1;
                }
                None => break,
            },
            _ = progress.tick() => eprintln!(
                "progress: {}/{} fetched, {} failed, {} KiB",
                stats.fetched,
                options.pages,
                stats.failed,
                stats.bytes / 1024
            ),
        }
    }
    let elapsed = started.elapsed();
    // Pages whose task crashed count as failures, not as nothing.
    let unaccounted = options.pages - stats.fetched - stats.failed;
    let failed = stats.failed + unaccounted;
    for failure in &stats.failures {
        eprintln!("failed: {failure}");
    }
    if stats.failed > stats.failures.len() {
        eprintln!(
            "... and {} more failures",
            stats.failed - stats.failures.len()
        );
    }
    if lost_tasks > 0 || unaccounted > 0 {
        eprintln!("{lost_tasks} page tasks stopped early; {unaccounted} pages unaccounted for");
    }
    eprintln!("words counted: {}", stats.words);
    println!(
        "fetched={} failed={failed} bytes={} elapsed_ms={} backend={}",
        stats.fetched,
        stats.bytes,
        elapsed.as_millis(),
        anyrt::Backend::current()
    );
    Ok(failed == 0)
}

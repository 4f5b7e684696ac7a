//! The credential endpoint of `exec --server`: an ECS-compatible
//! `GET http://127.0.0.1:PORT/PATH` with `Authorization: TOKEN`, answered from memory on a
//! thread of its own (a request never waits on STS), refreshed by the caller through
//! [`CredentialServer::set`].

use std::convert::Infallible;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{header, Method, Request, Response, StatusCode};

use super::loopback::{same, Peer};
use crate::domain::Secret;
pub use crate::ports::server::Served;

struct Shared {
    served: Mutex<Served>,
    /// Counts the sessions served: a connection records its first answer of each.
    version: std::sync::atomic::AtomicU64,
    /// Records an answer: the client's port, the access key id and the expiration served.
    on_served: Option<OnServed>,
    token: Secret,
    path: String,
    hosts: [String; 2],
    stop: AtomicBool,
}

/// What the endpoint calls when a connection first gets a session: the client's port, the
/// access key id and the session's expiration (never the secret).
pub type OnServed = Box<dyn Fn(u16, &str, &str) + Send + Sync>;

pub struct CredentialServer {
    pub url: String,
    pub token: Secret,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn random_hex() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(crate::domain::text::hex(&bytes))
}

impl CredentialServer {
    /// Binds 127.0.0.1 on a random port (close-on-exec, so the command does not inherit the
    /// socket) and starts answering with `initial`.
    pub fn start(initial: Served, on_served: Option<OnServed>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let path = format!("/{}", random_hex()?);
        let token = Secret::new(random_hex()?);
        let shared = Arc::new(Shared {
            served: Mutex::new(initial),
            version: std::sync::atomic::AtomicU64::new(0),
            on_served,
            token: Secret::new(token.expose()),
            path: path.clone(),
            hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
            stop: AtomicBool::new(false),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let serving = shared.clone();
        let thread = std::thread::spawn(move || runtime.block_on(serve(listener, serving)));
        Ok(Self {
            url: format!("http://127.0.0.1:{port}{path}"),
            token,
            shared,
            thread: Some(thread),
        })
    }

    fn replace(&self, served: Served) {
        self.shared.version.fetch_add(1, Ordering::SeqCst);
        *self.shared.served.lock().unwrap_or_else(|p| p.into_inner()) = served;
    }
}

impl crate::ports::server::Endpoint for CredentialServer {
    fn set(&self, served: Served) {
        self.replace(served);
    }
}

impl Drop for CredentialServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// At most this many connections are served at once (an SDK opens one or a few).
const MAX_CONNECTIONS: usize = 64;
/// The most connections taken from the listener, and classified, at once.
const MAX_BATCH: usize = 256;
/// A connection lasts at most this long, and waits at most `IDLE` for a request's header.
const CONNECTION_LIFE: Duration = Duration::from_secs(10);
const IDLE: Duration = Duration::from_secs(2);

/// One served connection, counted while it lives.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let open = Arc::new(AtomicUsize::new(0));
    while !shared.stop.load(Ordering::SeqCst) {
        let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
        let first = match accepted {
            Ok(Ok(accepted)) => accepted,
            Ok(Err(_)) => {
                // Out of descriptors, say: wait for connections to end instead of spinning.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(_) => continue,
        };
        // Every connection waiting now, classified with one reading of the kernel's table.
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout(Duration::ZERO, listener.accept()).await {
                Ok(Ok(accepted)) => batch.push(accepted),
                _ => break,
            }
        }
        let pairs: Vec<_> = batch
            .iter()
            .filter_map(|(stream, remote)| Some((stream.local_addr().ok()?, *remote)))
            .collect();
        let peers = Peer::of_all(&pairs);
        for ((stream, remote), peer) in batch.into_iter().zip(peers) {
            // Only the command's user: another user's connection is closed at once, so a
            // flood of them holds nothing.
            if peer != Peer::Ours || open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                continue;
            }
            take(stream, remote.port(), &open, &shared);
        }
    }
}

/// Serves one connection of the command's user in a task of its own, within its limits.
fn take(stream: tokio::net::TcpStream, client: u16, open: &Arc<AtomicUsize>, shared: &Arc<Shared>) {
    open.fetch_add(1, Ordering::SeqCst);
    let slot = Slot(open.clone());
    let shared = shared.clone();
    // The version of the session this connection last got (none yet).
    let seen = Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX));
    tokio::spawn(async move {
        let _slot = slot;
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            let response = answer(&request, &shared, client, &seen);
            async move { Ok::<_, Infallible>(response) }
        });
        let _ = tokio::time::timeout(
            CONNECTION_LIFE,
            hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(IDLE)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
        )
        .await;
    });
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn refusal(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        serde_json::json!({"code": status.canonical_reason().unwrap_or("Error"), "message": message})
            .to_string(),
    )
}

fn answer(
    request: &Request<hyper::body::Incoming>,
    shared: &Shared,
    client: u16,
    seen: &std::sync::atomic::AtomicU64,
) -> Response<Full<Bytes>> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !shared.hosts.iter().any(|h| h == host) {
        return refusal(
            StatusCode::FORBIDDEN,
            "this endpoint answers only 127.0.0.1",
        );
    }
    if request.headers().contains_key(header::ORIGIN) {
        return refusal(StatusCode::FORBIDDEN, "no requests from web pages");
    }
    if request.uri().path() != shared.path {
        return refusal(StatusCode::NOT_FOUND, "not found");
    }
    if request.method() != Method::GET {
        return refusal(StatusCode::METHOD_NOT_ALLOWED, "only GET");
    }
    let Some(given) = request.headers().get(header::AUTHORIZATION) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "the authorization token is missing",
        );
    };
    if !same(given.as_bytes(), shared.token.expose().as_bytes()) {
        return refusal(StatusCode::FORBIDDEN, "the authorization token is wrong");
    }
    let version = shared.version.load(Ordering::SeqCst);
    match &*shared.served.lock().unwrap_or_else(|p| p.into_inner()) {
        Served::Credentials(body) => {
            if seen.swap(version, Ordering::SeqCst) != version {
                record(shared, client, body);
            }
            json(StatusCode::OK, body.expose().to_string())
        }
        Served::Failed(reason) => refusal(StatusCode::SERVICE_UNAVAILABLE, reason),
    }
}

/// The audit record of a session a connection got for the first time.
fn record(shared: &Shared, client: u16, body: &Secret) {
    let Some(on_served) = &shared.on_served else {
        return;
    };
    let served: serde_json::Value = serde_json::from_str(body.expose()).unwrap_or_default();
    let field = |k: &str| served[k].as_str().unwrap_or("").to_string();
    on_served(client, &field("AccessKeyId"), &field("Expiration"));
}

//! The credential endpoints of `exec --server`, `exec --imds` and `rolecall serve`: one
//! listener on a thread of its own (a request never waits on STS), answered from memory and
//! refreshed by the caller through [`CredentialServer::set`]. `ecs.rs` answers as the ECS
//! agent does (`GET PATH` with `Authorization: TOKEN`), `imds.rs` as EC2's instance metadata
//! service (IMDSv2) does.

mod ecs;
mod imds;

use std::convert::Infallible;
use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{header, Request, Response, StatusCode};

use super::loopback::Peer;
use crate::domain::Secret;
pub use crate::ports::server::Served;

/// What the endpoint is, and who may use it.
pub struct Options {
    /// The address to listen on (a random port): 127.0.0.1 unless `serve --bind` names another.
    pub bind: IpAddr,
    pub kind: Kind,
}

/// The protocol the endpoint speaks.
pub enum Kind {
    /// The ECS agent's: one token per client (`serve --clients N`).
    Container { clients: usize },
    /// EC2's instance metadata service, for the role named `role`.
    InstanceMetadata(imds::Identity),
}

pub use imds::Identity;

/// What the endpoint calls when a connection first gets a session: the client (its port, and
/// which token it showed), the access key id and the session's expiration (never the secret).
pub type OnServed = Box<dyn Fn(&str, &str, &str) + Send + Sync>;

struct Shared {
    served: Mutex<Current>,
    /// Counts the sessions served: a connection records its first answer of each.
    version: AtomicU64,
    on_served: Option<OnServed>,
    protocol: Protocol,
    /// The `Host` headers a request may carry: the listener's own address (DNS rebinding).
    hosts: Vec<String>,
    stop: AtomicBool,
}

enum Protocol {
    Container(ecs::Container),
    InstanceMetadata(imds::Metadata),
}

pub struct CredentialServer {
    /// The base URL: with the path of the container endpoint, or the IMDS root (`/`).
    pub url: String,
    /// The container endpoint's tokens, one per client (none for IMDS).
    pub tokens: Vec<Secret>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub(crate) fn random_hex() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(crate::domain::text::hex(&bytes))
}

impl CredentialServer {
    /// Binds `options.bind` on a random port (close-on-exec, so a command does not inherit
    /// the socket) and starts answering with `initial`.
    pub fn start(
        options: Options,
        initial: Served,
        on_served: Option<OnServed>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind((options.bind, 0))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let authority = match options.bind {
            IpAddr::V4(ip) => format!("{ip}:{port}"),
            IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        };
        let mut hosts = vec![authority.clone()];
        if options.bind.is_loopback() {
            hosts.push(format!("localhost:{port}"));
        }
        let (protocol, url, tokens) = match options.kind {
            Kind::Container { clients } => {
                let container = ecs::Container::new(clients)?;
                let url = format!("http://{authority}{}", container.path);
                let tokens = container
                    .tokens
                    .iter()
                    .map(|t| Secret::new(t.expose()))
                    .collect();
                (Protocol::Container(container), url, tokens)
            }
            Kind::InstanceMetadata(identity) => (
                Protocol::InstanceMetadata(imds::Metadata::new(identity)),
                format!("http://{authority}/"),
                Vec::new(),
            ),
        };
        let shared = Arc::new(Shared {
            served: Mutex::new(Current::Failed(String::new())),
            version: AtomicU64::new(0),
            on_served,
            protocol,
            hosts,
            stop: AtomicBool::new(false),
        });
        set(&shared, initial);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let serving = shared.clone();
        // Another user's connection is refused where the kernel can say whose it is: on
        // loopback. Another address is reached from elsewhere (a container), where only the
        // token guards the endpoint.
        let check_peer = options.bind.is_loopback();
        let thread =
            std::thread::spawn(move || runtime.block_on(serve(listener, serving, check_peer)));
        Ok(Self {
            url,
            tokens,
            shared,
            thread: Some(thread),
        })
    }
}

/// Replaces what the endpoint serves, in the form its protocol serves.
fn set(shared: &Shared, served: Served) {
    let served = match (&shared.protocol, served) {
        (Protocol::InstanceMetadata(_), Served::Credentials(body)) => {
            Served::Credentials(imds::document(&body))
        }
        (_, other) => other,
    };
    let current = match served {
        Served::Credentials(body) => Current::Credentials(shared_body(body)),
        Served::Failed(why) => Current::Failed(why),
    };
    shared.version.fetch_add(1, Ordering::SeqCst);
    *shared.served.lock().unwrap_or_else(|p| p.into_inner()) = current;
}

/// What the endpoint answers now: the credentials' JSON as one shared buffer (a response
/// refers to it, nothing is copied per request), or why there is none.
#[derive(Clone)]
pub(super) enum Current {
    Credentials(Bytes),
    Failed(String),
}

/// The JSON's bytes, zeroed when the last response that carries them is gone.
struct Zeroed(Vec<u8>);

impl AsRef<[u8]> for Zeroed {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Zeroed {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

fn shared_body(body: Secret) -> Bytes {
    Bytes::from_owner(Zeroed(body.expose().as_bytes().to_vec()))
}

impl crate::ports::server::Endpoint for CredentialServer {
    fn set(&self, served: Served) {
        set(&self.shared, served);
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

async fn serve(listener: TcpListener, shared: Arc<Shared>, check_peer: bool) {
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
        let peers = match check_peer {
            true => {
                let pairs: Vec<_> = batch
                    .iter()
                    .filter_map(|(stream, remote)| Some((stream.local_addr().ok()?, *remote)))
                    .collect();
                Peer::of_all(&pairs)
            }
            false => vec![Peer::Ours; batch.len()],
        };
        for ((stream, remote), peer) in batch.into_iter().zip(peers) {
            // Only the user's own: another user's connection is closed at once, so a flood
            // of them holds nothing.
            if peer != Peer::Ours || open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                continue;
            }
            take(stream, remote, &open, &shared);
        }
    }
}

/// Serves one connection in a task of its own, within its limits.
fn take(
    stream: tokio::net::TcpStream,
    client: std::net::SocketAddr,
    open: &Arc<AtomicUsize>,
    shared: &Arc<Shared>,
) {
    // An answer goes out at once, not held back for the client's acknowledgement of the last.
    let _ = stream.set_nodelay(true);
    open.fetch_add(1, Ordering::SeqCst);
    let slot = Slot(open.clone());
    let shared = shared.clone();
    // The version of the session this connection last got (none yet).
    let seen = Arc::new(AtomicU64::new(u64::MAX));
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

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    respond(status, "application/json", body)
}

/// The credentials' JSON: the shared buffer itself.
fn credentials(body: &Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.clone()));
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

/// What every request must pass, whatever the protocol: the listener's own address in `Host`
/// (a web page that rebinds a name to this address sends its name) and no `Origin`.
fn answer(
    request: &Request<hyper::body::Incoming>,
    shared: &Shared,
    client: std::net::SocketAddr,
    seen: &AtomicU64,
) -> Response<Full<Bytes>> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !shared.hosts.iter().any(|h| h == host) {
        return refusal(
            StatusCode::FORBIDDEN,
            "this endpoint answers only requests to its own address",
        );
    }
    if request.headers().contains_key(header::ORIGIN) {
        return refusal(StatusCode::FORBIDDEN, "no requests from web pages");
    }
    // A reference to the current answer, taken under the lock (no copy of the JSON).
    let (body, version) = {
        let current = shared.served.lock().unwrap_or_else(|p| p.into_inner());
        (current.clone(), shared.version.load(Ordering::SeqCst))
    };
    let first = |label: &str| {
        if seen.swap(version, Ordering::SeqCst) != version {
            record(shared, &format!("{client}{label}"), &body);
        }
    };
    match &shared.protocol {
        Protocol::Container(c) => c.answer(request, &body, first),
        Protocol::InstanceMetadata(m) => m.answer(request, &body, first),
    }
}

/// The audit record of a session a connection got for the first time.
fn record(shared: &Shared, client: &str, body: &Current) {
    let (Some(on_served), Current::Credentials(body)) = (&shared.on_served, body) else {
        return;
    };
    let served: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let field = |k: &str| served[k].as_str().unwrap_or("").to_string();
    on_served(client, &field("AccessKeyId"), &field("Expiration"));
}

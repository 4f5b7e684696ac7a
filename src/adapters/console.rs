//! The console sign-in, for real: `getSigninToken` over HTTPS (hyper + rustls on the run's
//! runtime), and the browser, which is given a one-shot loopback address that redirects once
//! to the sign-in URL (then answers 404), so the sign-in token is in no process's argv. The
//! address itself is in the browser's argv, so only a connection of this user gets the
//! redirect (the peer's uid, where the OS tells it).

use std::convert::Infallible;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};

use super::aws::Aws;
use super::loopback::Peer;
use crate::domain::console::encode;
use crate::domain::{Secret, Vars};
use crate::ports::console::{SignIn, SignInError};

/// How long the sign-in endpoint may take.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the browser may take to ask for the loopback address.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the loopback address still answers (404) after its one redirect.
const AFTER_REDIRECT: Duration = Duration::from_secs(1);
/// The largest answer read from the endpoint (a sign-in token is about 1 KB).
const MAX_ANSWER: usize = 64 << 10;

pub struct SystemSignIn {
    aws: Rc<Aws>,
    vars: Vars,
}

impl SystemSignIn {
    pub fn new(aws: Rc<Aws>, vars: Vars) -> Self {
        Self { aws, vars }
    }
}

fn unreachable(url: &str, cause: impl std::fmt::Display) -> SignInError {
    SignInError::Unreachable {
        url: url.to_string(),
        cause: crate::ports::sts::one_line(&cause.to_string()),
    }
}

impl SignIn for SystemSignIn {
    fn signin_token(
        &self,
        federation_url: &str,
        ca_bundle: Option<&str>,
        session: &Secret,
        duration_seconds: Option<u32>,
    ) -> Result<Secret, SignInError> {
        let rt = self
            .aws
            .runtime()
            .map_err(|e| unreachable(federation_url, e))?;
        let duration = duration_seconds
            .map(|d| format!("&SessionDuration={d}"))
            .unwrap_or_default();
        let request_url = Secret::new(format!(
            "{federation_url}?Action=getSigninToken{duration}&Session={}",
            encode(session.expose())
        ));
        let connector = self
            .aws
            .connector(federation_url, ca_bundle)
            .map_err(|e| unreachable(federation_url, e))?;
        let request =
            aws_smithy_runtime_api::client::orchestrator::HttpRequest::get(request_url.expose())
                .map_err(|_| unreachable(federation_url, "not a valid URL"))?;
        let proxy = self.aws.proxy_for(federation_url);
        let (status, body) = rt.block_on(async {
            let call = async {
                use aws_smithy_runtime_api::client::http::HttpConnector;
                let response = connector.call(request).await.map_err(|e| {
                    let why = super::aws::cause_text(&e);
                    match &proxy {
                        Some(p) => {
                            unreachable(federation_url, format!("through the proxy {p}: {why}"))
                        }
                        None => unreachable(federation_url, why),
                    }
                })?;
                let status = response.status();
                let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
                    .collect()
                    .await
                    .map_err(|e| unreachable(federation_url, e))?
                    .to_bytes();
                Ok::<_, SignInError>((status, body))
            };
            tokio::time::timeout(ENDPOINT_TIMEOUT, call)
                .await
                .map_err(|_| unreachable(federation_url, "no answer in time"))?
        })?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let first = crate::ports::sts::one_line(text.lines().next().unwrap_or(""));
            return Err(SignInError::Refused {
                url: federation_url.to_string(),
                status: status.as_u16(),
                detail: if first.is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::domain::printable(&first))
                },
            });
        }
        let answer: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| SignInError::BadAnswer {
                url: federation_url.to_string(),
            })?;
        answer["SigninToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or_else(|| SignInError::BadAnswer {
                url: federation_url.to_string(),
            })
    }

    fn open_in_browser(&self, url: &Secret) -> Result<(), SignInError> {
        let rt = self
            .aws
            .runtime()
            .map_err(|e| SignInError::Browser(format!("cannot start: {e}")))?;
        rt.block_on(redirect_once(url, &self.vars))
    }
}

/// 256 random bits, hex: the one-shot path.
fn random_path() -> Result<String, SignInError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| SignInError::Browser(format!("no random numbers: {e}")))?;
    Ok(crate::domain::text::hex(&bytes))
}

async fn redirect_once(target: &Secret, vars: &Vars) -> Result<(), SignInError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| SignInError::Browser(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| SignInError::Browser(e.to_string()))?
        .port();
    let path = format!("/{}", random_path()?);
    let local = format!("http://127.0.0.1:{port}{path}");
    launch_browser(&local, vars)?;
    // Whether the one redirect has been given out.
    let given = Arc::new(Mutex::new(false));
    let target = Arc::new(target.expose().to_string());
    let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let mut refused: Vec<String> = Vec::new();
    let serve = async {
        // After the redirect, a moment more of 404s (a browser asks for /favicon.ico, a
        // reload asks again), then the port is closed.
        let mut closing: Option<tokio::time::Instant> = None;
        loop {
            let accepted = match closing {
                Some(at) => match tokio::time::timeout_at(at, listener.accept()).await {
                    Ok(accepted) => accepted,
                    Err(_) => return,
                },
                None => listener.accept().await,
            };
            let Ok((stream, remote)) = accepted else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            // Only this user's browser may have the redirect: another user who read the
            // address in the browser's argv gets nothing, and the address stays for it.
            let local = stream.local_addr().ok();
            let peer = local.map(|l| Peer::of(l, remote));
            if peer != Some(Peer::Ours) {
                refused.push(peer.unwrap_or(Peer::Other(None)).describe());
                continue;
            }
            let (once, target, path, hosts) =
                (given.clone(), target.clone(), path.clone(), hosts.clone());
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let answer = answer(&request, &path, &hosts, &once, &target);
                    async move { Ok::<_, Infallible>(answer) }
                });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                hyper::server::conn::http1::Builder::new()
                    .keep_alive(false)
                    .serve_connection(io, service),
            )
            .await;
            if closing.is_none() && *given.lock().unwrap_or_else(|p| p.into_inner()) {
                closing = Some(tokio::time::Instant::now() + AFTER_REDIRECT);
            }
        }
    };
    let waited = tokio::time::timeout(BROWSER_TIMEOUT, serve).await;
    refused.dedup();
    let foreign = if refused.is_empty() {
        String::new()
    } else {
        format!(" ({} asked for it and was refused)", refused.join(", "))
    };
    waited.map_err(|_| {
        SignInError::Browser(format!(
            "the browser did not open the sign-in page within {} s{foreign}; run again with --stdout and open the URL yourself",
            BROWSER_TIMEOUT.as_secs()
        ))
    })
}

/// The one redirect for a `GET` of the path from this machine's own address, once; 404 for
/// everything else (no CORS: any `Origin` is refused).
fn answer(
    request: &Request<hyper::body::Incoming>,
    path: &str,
    hosts: &[String],
    given: &Mutex<bool>,
    target: &str,
) -> Response<Full<Bytes>> {
    let host_ok = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| hosts.iter().any(|ok| ok == h));
    let mut given = given.lock().unwrap_or_else(|p| p.into_inner());
    let wanted = request.method() == hyper::Method::GET
        && request.uri().path() == path
        && host_ok
        && !request.headers().contains_key(hyper::header::ORIGIN)
        && !*given;
    let mut response = Response::new(Full::new(Bytes::new()));
    if wanted {
        *given = true;
        *response.status_mut() = StatusCode::FOUND;
        if let Ok(location) = hyper::header::HeaderValue::from_str(target) {
            response
                .headers_mut()
                .insert(hyper::header::LOCATION, location);
        }
    } else {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        hyper::header::REFERRER_POLICY,
        hyper::header::HeaderValue::from_static("no-referrer"),
    );
    response
}

fn launch_browser(url: &str, vars: &Vars) -> Result<(), SignInError> {
    crate::adapters::terminal::browser::open(url, vars).map_err(|e| {
        SignInError::Browser(format!(
            "{e}, or run again with --stdout and open the URL yourself"
        ))
    })
}

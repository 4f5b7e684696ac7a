//! The browser side of an SSO login: the browser itself, and the one-shot callback on
//! `http://127.0.0.1:PORT/oauth/callback` that the authorization server redirects to. Ctrl-C
//! while waiting ends the login (exit 130) with nothing stored.
//!
//! The browser is given `http://127.0.0.1:PORT/<random>`, which redirects once to the
//! authorize URL, so `state` and the PKCE challenge are in no process's argv. Only
//! connections of this user are answered (the peer's uid, where the OS tells it); a callback
//! with another `state` is answered and ignored, so a forged request cannot end the login.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::adapters::loopback::Peer;
use crate::domain::sso::base64url;
use crate::domain::text::same;
use crate::domain::{Secret, Vars};
use crate::ports::sso::{Authorize, Callback, CallbackError};

pub struct SystemAuthorize {
    vars: Vars,
    interactive: bool,
    /// Whether stderr is a terminal (else instructions go to `/dev/tty`).
    stderr_terminal: bool,
    interrupted: Arc<AtomicBool>,
}

impl SystemAuthorize {
    /// `interactive`: a person is there (stdin or stderr is a terminal).
    pub fn new(vars: Vars, interactive: bool, stderr_terminal: bool) -> Self {
        Self {
            vars,
            interactive,
            stderr_terminal,
            interrupted: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The controlling terminal, for writing.
    fn tty(&self) -> Option<std::fs::File> {
        if cfg!(unix) {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/tty")
                .ok()
        } else {
            None
        }
    }

    /// Ctrl-C sets the flag instead of killing the process, until the guard is dropped.
    fn watch(&self) -> Option<Watch> {
        #[cfg(unix)]
        {
            signal_hook::flag::register(signal_hook::consts::SIGINT, self.interrupted.clone())
                .ok()
                .map(Watch)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

/// The SIGINT handler of a login; removed when dropped.
struct Watch(#[cfg(unix)] signal_hook::SigId);

impl Drop for Watch {
    fn drop(&mut self) {
        #[cfg(unix)]
        signal_hook::low_level::unregister(self.0);
    }
}

impl Authorize for SystemAuthorize {
    fn open(&self, url: &str) -> Result<(), String> {
        super::browser::open(url, &self.vars)
    }

    fn listen(&self) -> Result<Box<dyn Callback>, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| format!("cannot listen on 127.0.0.1 for the sign-in: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        Ok(Box::new(Loopback {
            listener,
            port,
            entry: None,
            refused: Vec::new(),
            interrupted: self.interrupted.clone(),
            _watch: self.watch(),
        }))
    }

    fn interactive(&self) -> bool {
        // Instructions must reach the person: on stderr, or else on the terminal.
        self.interactive && (self.stderr_terminal || self.tty().is_some())
    }

    fn browser_here(&self) -> bool {
        super::browser::can_open(&self.vars)
    }

    fn tell(&self, text: &str) -> bool {
        if self.stderr_terminal {
            return false;
        }
        let Some(mut tty) = self.tty() else {
            return false;
        };
        let line = format!("rolecall: {}\n", crate::domain::printable(text));
        tty.write_all(line.as_bytes()).is_ok()
    }

    fn sleep(&self, duration: Duration) {
        let _watch = self.watch();
        let end = Instant::now() + duration;
        while Instant::now() < end && !self.interrupted.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
        }
    }

    fn random(&self) -> Result<String, String> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| format!("no random numbers for the sign-in: {e}"))?;
        Ok(base64url(&bytes))
    }

    fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }
}

struct Loopback {
    listener: TcpListener,
    port: u16,
    /// The one-shot path and the authorize URL it redirects to, until it has been used.
    entry: Option<(String, String)>,
    /// Who was refused (another user's connections).
    refused: Vec<String>,
    interrupted: Arc<AtomicBool>,
    _watch: Option<Watch>,
}

const PATH: &str = "/oauth/callback";

fn page(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!("<!doctype html><meta charset=utf-8><title>rolecall</title><p>{text}</p>");
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

fn redirect(stream: &mut TcpStream, location: &str) {
    if location.chars().any(char::is_control) {
        return page(
            stream,
            "500 Internal Server Error",
            "The sign-in address is not usable.",
        );
    }
    let _ = write!(
        stream,
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.flush();
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The request line of a connection: at most 8 KiB, within 5 s (and the login's deadline);
/// `None` for a connection that sends less, slower or nothing.
fn request_line(stream: &mut TcpStream, deadline: Instant, stop: &AtomicBool) -> Option<String> {
    use std::io::Read;
    let _ = stream.set_nonblocking(false);
    let until = (Instant::now() + Duration::from_secs(5)).min(deadline);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 512];
    while !bytes.contains(&b'\n') {
        let left = until.checked_duration_since(Instant::now())?;
        if bytes.len() > 8192 || stop.load(Ordering::SeqCst) || left.is_zero() {
            return None;
        }
        let _ = stream.set_read_timeout(Some(left.min(Duration::from_millis(200))));
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return None,
        }
    }
    let end = bytes.iter().position(|b| *b == b'\n')?;
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
}

impl Callback for Loopback {
    fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{PATH}", self.port)
    }

    fn entry(&mut self, authorize_url: &str) -> Result<String, String> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| format!("no random numbers for the sign-in: {e}"))?;
        let path = format!("/{}", base64url(&bytes));
        let address = format!("http://127.0.0.1:{}{path}", self.port);
        self.entry = Some((path, authorize_url.to_string()));
        Ok(address)
    }

    fn wait(&mut self, state: &str, timeout: Duration) -> Result<Secret, CallbackError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.interrupted.load(Ordering::SeqCst) {
                return Err(CallbackError::Interrupted);
            }
            if Instant::now() >= deadline {
                self.refused.dedup();
                return Err(CallbackError::TimedOut {
                    refused: std::mem::take(&mut self.refused),
                });
            }
            let (mut stream, remote) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(25));
                    continue;
                }
                // Out of descriptors, say, because of a flood: wait, the browser may come.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let peer = stream
                .local_addr()
                .map(|local| Peer::of(local, remote))
                .unwrap_or(Peer::Other(None));
            if peer != Peer::Ours {
                self.refused.push(peer.describe());
                continue;
            }
            let Some(line) = request_line(&mut stream, deadline, &self.interrupted) else {
                continue;
            };
            let mut parts = line.split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            if method == "GET" && self.entry.as_ref().is_some_and(|(p, _)| p == path) {
                if let Some((_, location)) = self.entry.take() {
                    redirect(&mut stream, &location);
                }
                continue;
            }
            if method != "GET" || path != PATH {
                page(&mut stream, "404 Not Found", "Not found.");
                continue;
            }
            let params: Vec<(String, String)> = query
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect();
            let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            if !get("state").is_some_and(|s| same(s.as_bytes(), state.as_bytes())) {
                // Not this login's answer (an old tab, or a forged request): the login goes on.
                page(
                    &mut stream,
                    "400 Bad Request",
                    "This sign-in answer is not for the waiting rolecall.",
                );
                continue;
            }
            if let Some(error) = get("error") {
                let why = match get("error_description") {
                    Some(d) => format!("{error}: {d}"),
                    None => error.to_string(),
                };
                page(
                    &mut stream,
                    "200 OK",
                    "The sign-in was not completed. You can close this tab.",
                );
                return Err(CallbackError::Denied(
                    crate::domain::printable(&why).into_owned(),
                ));
            }
            let Some(code) = get("code").filter(|c| !c.is_empty()) else {
                page(
                    &mut stream,
                    "400 Bad Request",
                    "The sign-in answer has no code.",
                );
                return Err(CallbackError::Failed(
                    "the sign-in answer had no code".into(),
                ));
            };
            page(
                &mut stream,
                "200 OK",
                "Signed in. You can close this tab and return to the terminal.",
            );
            return Ok(Secret::new(code));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(decode("a%20b+c%2F"), "a b c/");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }
}

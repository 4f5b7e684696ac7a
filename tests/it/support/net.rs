//! The network between rolecall and its endpoints: a real HTTP proxy (tinyproxy) on a free
//! port of 127.0.0.1 with its log, and a TLS endpoint in front of moto with a test CA
//! (openssl), for the proxy and CA-bundle tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::*;

/// A tinyproxy listening on 127.0.0.1, logging each request it serves.
pub struct Proxy {
    pub port: u16,
    log: PathBuf,
    child: Child,
}

impl Proxy {
    /// A proxy; with `auth`, it asks for these basic credentials (user, password).
    pub fn start(dir: &Path, auth: Option<(&str, &str)>) -> Proxy {
        let port = free_port();
        let log = dir.join(format!("tinyproxy-{port}.log"));
        let conf = dir.join(format!("tinyproxy-{port}.conf"));
        let auth = auth
            .map(|(u, p)| format!("BasicAuth {u} {p}\n"))
            .unwrap_or_default();
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 50\nAllow 127.0.0.1\n{auth}",
                log.display()
            ),
        )
        .unwrap();
        let mut child = Command::new(which("tinyproxy"))
            .args(["-d", "-c"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy (scripts/install-test-deps installs it)");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Proxy { port, log, child };
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("tinyproxy did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests the proxy served (`CONNECT 127.0.0.1:PORT`, `POST http://…`).
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once("]: Request (file descriptor ").map(|(_, r)| r))
            .filter_map(|r| r.split_once("): ").map(|(_, r)| r.to_string()))
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test CA and an https:// endpoint on 127.0.0.1 with a certificate it signed, relaying to
/// moto.
pub struct TlsMoto {
    pub url: String,
    pub port: u16,
    pub ca: PathBuf,
    child: Child,
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new(which("openssl"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TlsMoto {
    pub fn start(dir: &Path) -> TlsMoto {
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=rolecall test CA",
        ]);
        openssl(&ca, dir);
        let mut server = vec!["req", "-x509"];
        server.extend(ec);
        server.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
        ]);
        openssl(&server, dir);
        let moto_port = moto().url.rsplit(':').next().unwrap().to_string();
        let port_file = dir.join("tls.port");
        let mut c = Command::new(python());
        c.arg(support_dir().join("tls_front.py"))
            .arg(&port_file)
            .arg(dir.join("server.pem"))
            .arg(dir.join("server.key"))
            .arg(moto_port)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let (url, child) = start_stand_in(c, &port_file, "TLS");
        let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
        TlsMoto {
            url: format!("https://127.0.0.1:{port}"),
            port,
            ca: dir.join("ca.pem"),
            child,
        }
    }
}

impl Drop for TlsMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

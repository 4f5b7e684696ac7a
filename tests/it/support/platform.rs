//! Local stand-ins for the EC2 instance metadata service (IMDSv2) and the ECS container
//! credentials endpoint, on 127.0.0.1, recording what they were asked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

type Handler = dyn Fn(&Seen) -> (u16, String) + Send + Sync;

fn serve(handler: Box<Handler>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = first.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let path = parts.next().unwrap_or("").to_string();
            let mut headers = Vec::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    headers.push((k.to_string(), v.trim().to_string()));
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let request = Seen {
                method,
                path,
                headers,
            };
            let (status, body) = handler(&request);
            log.lock().unwrap().push(request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nX-Aws-Ec2-Metadata-Token-Ttl-Seconds: 21600\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Server { url, seen }
}

fn credentials_json(id: &str, secret: &str, token_key: &str) -> String {
    format!(
        "{{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"{id}\",\"SecretAccessKey\":\"{secret}\",\"{token_key}\":\"platform-session-token\",\"Expiration\":\"2099-01-01T00:00:00Z\",\"LastUpdated\":\"2026-01-01T00:00:00Z\"}}"
    )
}

/// IMDSv2: a token from `PUT /latest/api/token`, required on every `GET`.
pub fn imds(id: &str, secret: &str) -> Server {
    let creds = credentials_json(id, secret, "Token");
    serve(Box::new(move |r: &Seen| {
        const TOKEN: &str = "imds-session-token";
        match (r.method.as_str(), r.path.as_str()) {
            ("PUT", "/latest/api/token")
                if r.header("x-aws-ec2-metadata-token-ttl-seconds").is_some() =>
            {
                (200, TOKEN.into())
            }
            ("GET", _) if r.header("x-aws-ec2-metadata-token") != Some(TOKEN) => {
                (401, String::new())
            }
            ("GET", "/latest/meta-data/iam/security-credentials/") => (200, "instance-role".into()),
            ("GET", "/latest/meta-data/iam/security-credentials/instance-role") => {
                (200, creds.clone())
            }
            _ => (404, String::new()),
        }
    }))
}

/// The ECS endpoint: credentials at `/creds` for the right Authorization header.
pub fn ecs(id: &str, secret: &str, authorization: &str) -> Server {
    let creds = credentials_json(id, secret, "Token");
    let auth = authorization.to_string();
    serve(Box::new(move |r: &Seen| match r.path.as_str() {
        "/creds" if r.header("authorization") == Some(auth.as_str()) => (200, creds.clone()),
        "/creds" => (403, String::new()),
        _ => (404, String::new()),
    }))
}

//! The instance metadata endpoint, as EC2's IMDSv2 answers the paths the SDKs read:
//! `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` (1 to 21600), then
//! GETs with `X-aws-ec2-metadata-token`; the role's name and its credentials under
//! `/latest/meta-data/iam/security-credentials/`, the region, and the identity document. As
//! on EC2, a request that went through a proxy (`X-Forwarded-For`) is refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, Response, StatusCode};

use super::{credentials, json, random_hex, refusal, respond, Current};
use crate::domain::Secret;

const TOKEN_PATH: &str = "/latest/api/token";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const CREDENTIALS: &str = "/latest/meta-data/iam/security-credentials/";
const MAX_TTL: u64 = 21600;
/// The most live tokens kept (an SDK takes one per process and refresh).
const MAX_TOKENS: usize = 4096;

/// What the instance is, as far as the served profile says.
pub struct Identity {
    /// The name under `security-credentials/`: the role's, else the profile's.
    pub role: String,
    pub region: Option<String>,
    pub account: Option<String>,
}

pub(super) struct Metadata {
    identity: Identity,
    tokens: Mutex<HashMap<String, Instant>>,
}

/// The credentials as EC2 serves them, from the container endpoint's JSON.
pub(super) fn document(ecs: &Secret) -> Secret {
    let v: serde_json::Value = serde_json::from_str(ecs.expose()).unwrap_or_default();
    #[allow(clippy::disallowed_methods)] // when the endpoint got this session
    let now = crate::domain::text::timestamp(time::OffsetDateTime::now_utc());
    Secret::new(
        serde_json::json!({
            "Code": "Success",
            "LastUpdated": now,
            "Type": "AWS-HMAC",
            "AccessKeyId": v["AccessKeyId"],
            "SecretAccessKey": v["SecretAccessKey"],
            "Token": v["Token"],
            "Expiration": v["Expiration"],
        })
        .to_string(),
    )
}

fn text(body: impl Into<String>) -> Response<Full<Bytes>> {
    respond(StatusCode::OK, "text/plain", body.into())
}

impl Metadata {
    pub fn new(identity: Identity) -> Self {
        Self {
            identity,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    pub fn answer(
        &self,
        request: &Request<hyper::body::Incoming>,
        served: &Current,
        first: impl Fn(&str),
    ) -> Response<Full<Bytes>> {
        if request.headers().contains_key("x-forwarded-for") {
            return refusal(StatusCode::FORBIDDEN, "no requests through a proxy");
        }
        let path = request.uri().path();
        if path == TOKEN_PATH {
            return match request.method() == Method::PUT {
                true => self.issue(request.headers().get(TTL_HEADER)),
                false => refusal(StatusCode::METHOD_NOT_ALLOWED, "only PUT"),
            };
        }
        if request.method() != Method::GET {
            return refusal(StatusCode::METHOD_NOT_ALLOWED, "only GET");
        }
        let token = request.headers().get(TOKEN_HEADER);
        if !token.is_some_and(|t| self.valid(t.as_bytes())) {
            return refusal(
                StatusCode::UNAUTHORIZED,
                "a session token from PUT /latest/api/token is required",
            );
        }
        self.get(path, served, first)
    }

    fn get(&self, path: &str, served: &Current, first: impl Fn(&str)) -> Response<Full<Bytes>> {
        let id = &self.identity;
        let region = id.region.as_deref();
        match (path, path.strip_prefix(CREDENTIALS)) {
            (_, Some("")) | ("/latest/meta-data/iam/security-credentials", _) => {
                text(id.role.clone())
            }
            (_, Some(name)) if name == id.role || name == format!("{}/", id.role) => match served {
                Current::Credentials(body) => {
                    first("");
                    credentials(body)
                }
                Current::Failed(reason) => refusal(StatusCode::SERVICE_UNAVAILABLE, reason),
            },
            ("/latest/meta-data/placement/region", _) if region.is_some() => {
                text(region.unwrap_or_default())
            }
            // botocore takes the region from the zone's name, less its last letter.
            (
                "/latest/meta-data/placement/availability-zone"
                | "/latest/meta-data/placement/availability-zone/",
                _,
            ) if region.is_some() => text(format!("{}a", region.unwrap_or_default())),
            ("/latest/dynamic/instance-identity/document", _) => {
                let mut doc = serde_json::json!({"region": region});
                if let Some(account) = &id.account {
                    doc["accountId"] = account.clone().into();
                }
                json(StatusCode::OK, doc.to_string())
            }
            _ => refusal(StatusCode::NOT_FOUND, "not found"),
        }
    }

    /// A new session token for `ttl` seconds (1 to 21600, as EC2 allows).
    fn issue(&self, ttl: Option<&hyper::header::HeaderValue>) -> Response<Full<Bytes>> {
        let seconds = ttl
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| (1..=MAX_TTL).contains(s));
        let Some(seconds) = seconds else {
            return refusal(
                StatusCode::BAD_REQUEST,
                "X-aws-ec2-metadata-token-ttl-seconds must be 1 to 21600",
            );
        };
        let Ok(token) = random_hex() else {
            return refusal(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
        };
        let now = Instant::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if tokens.len() >= MAX_TOKENS {
            tokens.retain(|_, until| *until > now);
        }
        if tokens.len() >= MAX_TOKENS {
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many live tokens; ask for shorter ones",
            );
        }
        tokens.insert(token.clone(), now + Duration::from_secs(seconds));
        let mut response = text(token);
        if let Ok(v) = hyper::header::HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(TTL_HEADER, v);
        }
        response
    }

    fn valid(&self, token: &[u8]) -> bool {
        let Ok(token) = std::str::from_utf8(token) else {
            return false;
        };
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens
            .get(token)
            .is_some_and(|until| *until > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_ec2s() {
        let ecs = Secret::new(
            r#"{"AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"2026-12-07T10:00:00Z"}"#,
        );
        let v: serde_json::Value = serde_json::from_str(document(&ecs).expose()).unwrap();
        assert_eq!(v["Code"], "Success");
        assert_eq!(v["Type"], "AWS-HMAC");
        assert_eq!(v["AccessKeyId"], "ASIA1");
        assert_eq!(v["Token"], "t");
        assert_eq!(v["Expiration"], "2026-12-07T10:00:00Z");
        assert!(v["LastUpdated"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn tokens_are_checked_and_ttls_bounded() {
        let m = Metadata::new(Identity {
            role: "r".into(),
            region: None,
            account: None,
        });
        for bad in ["0", "21601", "x", ""] {
            let v = hyper::header::HeaderValue::from_str(bad).unwrap();
            assert_eq!(m.issue(Some(&v)).status(), StatusCode::BAD_REQUEST, "{bad}");
        }
        assert_eq!(m.issue(None).status(), StatusCode::BAD_REQUEST);
        let v = hyper::header::HeaderValue::from_static("21600");
        let response = m.issue(Some(&v));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[TTL_HEADER], "21600");
        let token = m.tokens.lock().unwrap().keys().next().unwrap().clone();
        assert!(m.valid(token.as_bytes()));
        assert!(!m.valid(b"other"));
    }
}

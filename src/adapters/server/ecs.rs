//! The container endpoint, as the ECS agent answers it: `GET PATH` with the token verbatim
//! in `Authorization`, the credentials as `AccessKeyId`, `SecretAccessKey`, `Token` and
//! `Expiration`. A random path, and one random token per client.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{header, Method, Request, Response, StatusCode};

use super::{credentials, random_hex, refusal, Current};
use crate::domain::text::same;
use crate::domain::Secret;

pub(super) struct Container {
    pub path: String,
    pub tokens: Vec<Secret>,
}

impl Container {
    pub fn new(clients: usize) -> std::io::Result<Self> {
        let tokens = (0..clients.max(1))
            .map(|_| random_hex().map(Secret::new))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            path: format!("/{}", random_hex()?),
            tokens,
        })
    }

    /// The token's client (from 1), comparing with every token in the same time.
    fn client(&self, given: &[u8]) -> Option<usize> {
        self.tokens
            .iter()
            .enumerate()
            .fold(None, |found, (i, token)| {
                match same(given, token.expose().as_bytes()) {
                    true => Some(i + 1),
                    false => found,
                }
            })
    }

    pub fn answer(
        &self,
        request: &Request<hyper::body::Incoming>,
        served: &Current,
        first: impl Fn(&str),
    ) -> Response<Full<Bytes>> {
        if request.uri().path() != self.path {
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
        let Some(client) = self.client(given.as_bytes()) else {
            return refusal(StatusCode::FORBIDDEN, "the authorization token is wrong");
        };
        match served {
            Current::Credentials(body) => {
                first(&match self.tokens.len() {
                    1 => String::new(),
                    _ => format!(" (client {client})"),
                });
                credentials(body)
            }
            Current::Failed(reason) => refusal(StatusCode::SERVICE_UNAVAILABLE, reason),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_client_has_its_own_token() {
        let c = super::Container::new(3).unwrap();
        assert_eq!(c.tokens.len(), 3);
        assert_ne!(c.tokens[0], c.tokens[1]);
        assert_eq!(c.client(c.tokens[2].expose().as_bytes()), Some(3));
        assert_eq!(c.client(b"nope"), None);
        assert_eq!(c.path.len(), 65);
    }
}

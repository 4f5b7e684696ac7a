//! AWS over the network: one lazy current-thread tokio runtime and HTTPS clients (rustls with
//! ring), shared by STS, IAM, SSO, Sign-In and the platform credential providers. Nothing is built
//! until the first call, so a run served from the cache starts no runtime and builds no
//! client. Calls to AWS go through the environment's proxies and trust the CA bundle
//! ([`net`]); the instance metadata and container endpoints never use a proxy, as in the SDKs.

pub mod dpop;
pub mod iam;
pub mod net;
pub mod platform;
pub mod presign;
pub mod signin;
pub mod sso;
pub mod sts;

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

pub use sts::SdkSts;

/// The run's network machinery, built on first use.
#[derive(Default)]
pub struct Aws {
    runtime: OnceCell<tokio::runtime::Runtime>,
    vars: crate::domain::Vars,
    net: net::Net,
    /// One client per (https, CA bundle): the proxy depends on the scheme.
    clients: RefCell<HashMap<(bool, Option<String>), SharedHttpClient>>,
    direct: OnceCell<SharedHttpClient>,
}

fn rustls() -> tls::Provider {
    tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)
}

impl Aws {
    /// The machinery of a run in this environment (its proxies and CA bundle).
    pub fn new(vars: &crate::domain::Vars) -> Self {
        Self {
            vars: vars.clone(),
            net: net::Net::from_vars(vars),
            ..Self::default()
        }
    }

    /// The current-thread runtime every AWS call of the run blocks on.
    pub fn runtime(&self) -> std::io::Result<&tokio::runtime::Runtime> {
        if let Some(rt) = self.runtime.get() {
            return Ok(rt);
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(self.runtime.get_or_init(|| rt))
    }

    /// The proxy (redacted) a call to `url` goes through, for error messages.
    pub fn proxy_for(&self, url: &str) -> Option<String> {
        self.net.proxy_for(url)
    }

    /// The HTTP(S) client for calls to `endpoint` (the service's default https:// endpoint
    /// when `None`): through the environment's proxy for its scheme, trusting the system's
    /// roots and the CA bundle. A bad proxy URL or bundle is the error, in one line.
    pub fn http(
        &self,
        endpoint: Option<&str>,
        ca_bundle: Option<&str>,
    ) -> Result<SharedHttpClient, String> {
        let https = !endpoint.is_some_and(|u| u.to_ascii_lowercase().starts_with("http://"));
        let key = (https, ca_bundle.map(str::to_string));
        if let Some(client) = self.clients.borrow().get(&key) {
            return Ok(client.clone());
        }
        // A plain-HTTP endpoint reads no bundle, as botocore does: a bad one fails only TLS.
        let tls = if https {
            self.net.tls(&self.vars, ca_bundle)?
        } else {
            tls::TlsContext::default()
        };
        let proxy = self.net.proxy_config(https)?;
        // Plain HTTP through no TLS proxy needs no TLS at all: no roots are loaded.
        let plain = !self.net.needs_tls(https);
        let client = aws_smithy_http_client::Builder::new().build_with_connector_fn(
            move |settings, components| {
                let mut builder = aws_smithy_http_client::Connector::builder();
                builder.set_connector_settings(settings.cloned());
                if let Some(components) = components {
                    builder.set_sleep_impl(components.sleep_impl());
                }
                let builder = builder.proxy_config(proxy.clone());
                match plain {
                    true => builder.build_http(),
                    false => builder
                        .tls_provider(rustls())
                        .tls_context(tls.clone())
                        .build(),
                }
            },
        );
        self.clients.borrow_mut().insert(key, client.clone());
        Ok(client)
    }

    /// A connector for one request outside the SDK clients (the console's sign-in endpoint),
    /// with the same proxy and roots as [`Aws::http`].
    pub fn connector(
        &self,
        endpoint: &str,
        ca_bundle: Option<&str>,
    ) -> Result<aws_smithy_http_client::Connector, String> {
        let https = !endpoint.to_ascii_lowercase().starts_with("http://");
        let tls = if https {
            self.net.tls(&self.vars, ca_bundle)?
        } else {
            tls::TlsContext::default()
        };
        let proxy = self.net.proxy_config(https)?;
        let plain = !self.net.needs_tls(https);
        let builder = aws_smithy_http_client::Connector::builder().proxy_config(proxy);
        Ok(match plain {
            true => builder.build_http(),
            false => builder.tls_provider(rustls()).tls_context(tls).build(),
        })
    }

    /// The client of the instance metadata and container endpoints: direct, never proxied.
    pub fn direct(&self) -> SharedHttpClient {
        self.direct
            .get_or_init(|| {
                aws_smithy_http_client::Builder::new()
                    .tls_provider(rustls())
                    .build_https()
            })
            .clone()
    }
}

/// A caller's keys as the SDK clients take them (the secret copied only into the SDK's own
/// zeroizing type).
pub fn sdk_credentials(caller: &crate::domain::Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        caller.access_key_id.clone(),
        caller.secret_access_key.expose().to_string(),
        caller
            .session_token
            .as_ref()
            .map(|t| t.expose().to_string()),
        None,
        "rolecall",
    )
}

/// The run's time limits as the SDK clients take them.
pub fn sdk_timeouts(t: &crate::ports::sts::Timeouts) -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder()
        .connect_timeout(t.connect)
        .operation_attempt_timeout(t.attempt)
        .operation_timeout(t.operation)
        .build()
}

/// What went wrong, in words: a transport failure, or what the endpoint answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Cause {
    Transport(String),
    Answer(String),
}

/// The real cause behind a provider's error: the operating system's error for a connection
/// that failed (the SDK wraps it several times), else the innermost message as it is.
pub fn cause(error: &(dyn std::error::Error + 'static)) -> Cause {
    let mut innermost = error.to_string();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Cause::Transport(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
                std::io::ErrorKind::TimedOut => "no answer in time".into(),
                _ => crate::ports::sts::one_line(&io.to_string()),
            });
        }
        let text = e.to_string();
        if text.contains("timed out") || text.contains("timeout") {
            return Cause::Transport("no answer in time".into());
        }
        innermost = text;
        current = e.source();
    }
    Cause::Answer(crate::ports::sts::one_line(&innermost))
}

/// [`cause`], as words.
pub fn cause_text(error: &(dyn std::error::Error + 'static)) -> String {
    match cause(error) {
        Cause::Transport(text) | Cause::Answer(text) => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("dispatch failure")
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_cause_is_the_operating_systems_error_or_the_innermost_message() {
        let refused = Wrapper(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(
            cause(&refused),
            Cause::Transport("connection refused".into())
        );
        let answer = std::io::Error::other("x");
        assert!(matches!(cause(&Wrapper(answer)), Cause::Transport(_)));
        let plain: Box<dyn std::error::Error> = "the role is not\n  configured".into();
        assert_eq!(
            cause(plain.as_ref()),
            Cause::Answer("the role is not configured".into())
        );
    }
}

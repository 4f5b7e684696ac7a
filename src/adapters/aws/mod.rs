//! AWS over the network: one lazy current-thread tokio runtime and one HTTPS client (rustls
//! with ring), shared by STS and the platform credential providers. Nothing is built until
//! the first call, so a run served from the cache starts no runtime and builds no client.

pub mod iam;
pub mod platform;
pub mod sso;
pub mod sts;

use std::cell::OnceCell;

use aws_smithy_runtime_api::client::http::SharedHttpClient;

pub use sts::SdkSts;

/// The run's network machinery, built on first use.
#[derive(Default)]
pub struct Aws {
    runtime: OnceCell<tokio::runtime::Runtime>,
    http: OnceCell<SharedHttpClient>,
}

impl Aws {
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

    /// The HTTPS client every AWS call of the run uses.
    pub fn http(&self) -> SharedHttpClient {
        self.http
            .get_or_init(|| {
                use aws_smithy_http_client::tls;
                aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(
                        tls::rustls_provider::CryptoMode::Ring,
                    ))
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

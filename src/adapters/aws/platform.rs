//! The platform credential providers of aws-config: EC2 instance metadata (IMDSv2) and the
//! ECS container endpoint, on the run's shared runtime and HTTP client.

use aws_credential_types::provider::ProvideCredentials;
use time::OffsetDateTime;

use super::Aws;
use crate::domain::{Credentials, Secret};
use crate::ports::sources::SourceError;

/// Where a platform source was looked for, for its error messages.
pub struct Lookup<'a> {
    /// `EC2 instance metadata`, `the ECS container credentials endpoint`.
    pub what: &'a str,
    pub url: String,
    /// How to point rolecall elsewhere or what the source needs.
    pub hint: &'a str,
}

impl Aws {
    /// The EC2 instance role's credentials.
    pub fn instance_metadata(&self, at: &Lookup) -> Result<Credentials, SourceError> {
        let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
            .configure(&self.provider_config())
            .build();
        self.provide(at, provider)
    }

    /// The ECS task role's credentials.
    pub fn container(&self, at: &Lookup) -> Result<Credentials, SourceError> {
        let provider = aws_config::ecs::EcsCredentialsProvider::builder()
            .configure(&self.provider_config())
            .build();
        self.provide(at, provider)
    }

    fn provide(
        &self,
        at: &Lookup,
        provider: impl ProvideCredentials,
    ) -> Result<Credentials, SourceError> {
        let rt = self
            .runtime()
            .map_err(|e| SourceError::failed(format!("cannot start the network runtime: {e}")))?;
        let c = rt
            .block_on(provider.provide_credentials())
            .map_err(|e| SourceError {
                unreachable: true,
                message: match cause(&e) {
                    Cause::Transport(why) => {
                        format!("cannot reach {} at {}: {why}; {}", at.what, at.url, at.hint)
                    }
                    Cause::Answer(text) => format!(
                        "{} at {} gave no credentials: {text}; {}",
                        at.what, at.url, at.hint
                    ),
                },
            })?;
        Ok(Credentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: Secret::new(c.secret_access_key()),
            session_token: c.session_token().map(Secret::new),
            expiration: c.expiry().map(OffsetDateTime::from),
        })
    }

    fn provider_config(&self) -> aws_config::provider_config::ProviderConfig {
        aws_config::provider_config::ProviderConfig::without_region()
            .with_http_client(self.http())
            .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
    }
}

/// What went wrong, in words: a transport failure, or what the endpoint answered.
#[derive(Debug, PartialEq, Eq)]
enum Cause {
    Transport(String),
    Answer(String),
}

/// The real cause behind a provider's error: the operating system's error for a connection
/// that failed (the SDK wraps it several times), else the innermost message as it is.
fn cause(error: &(dyn std::error::Error + 'static)) -> Cause {
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

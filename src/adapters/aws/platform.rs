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
                message: match super::cause(&e) {
                    super::Cause::Transport(why) => {
                        format!("cannot reach {} at {}: {why}; {}", at.what, at.url, at.hint)
                    }
                    super::Cause::Answer(text) => format!(
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
            account_id: c.account_id().map(|a| a.as_str().to_string()),
        })
    }

    fn provider_config(&self) -> aws_config::provider_config::ProviderConfig {
        aws_config::provider_config::ProviderConfig::without_region()
            .with_http_client(self.direct())
            .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
    }
}

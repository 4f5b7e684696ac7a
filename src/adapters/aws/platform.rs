//! The platform credential providers of aws-config: EC2 instance metadata (IMDSv2) and the
//! ECS container endpoint, on the run's shared runtime and HTTP client.

use aws_credential_types::provider::ProvideCredentials;
use time::OffsetDateTime;

use super::Aws;
use crate::domain::{Credentials, Secret};
use crate::ports::sources::SourceError;

impl Aws {
    /// The EC2 instance role's credentials.
    pub fn instance_metadata(&self) -> Result<Credentials, SourceError> {
        let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
            .configure(&self.provider_config())
            .build();
        self.provide(
            "EC2 instance metadata",
            "credential_source = Ec2InstanceMetadata works on an EC2 instance with a role (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address)",
            provider,
        )
    }

    /// The ECS task role's credentials.
    pub fn container(&self) -> Result<Credentials, SourceError> {
        let provider = aws_config::ecs::EcsCredentialsProvider::builder()
            .configure(&self.provider_config())
            .build();
        self.provide(
            "ECS container credentials",
            "credential_source = EcsContainer needs AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, as ECS sets them in a task",
            provider,
        )
    }

    /// `hint` says what to check when the platform does not answer.
    fn provide(
        &self,
        what: &str,
        hint: &str,
        provider: impl ProvideCredentials,
    ) -> Result<Credentials, SourceError> {
        let rt = self
            .runtime()
            .map_err(|e| SourceError::failed(format!("cannot start the network runtime: {e}")))?;
        let c = rt
            .block_on(provider.provide_credentials())
            .map_err(|e| SourceError {
                unreachable: true,
                message: format!(
                    "{what}: {}; {hint}",
                    crate::ports::sts::one_line(
                        &aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()
                    )
                ),
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

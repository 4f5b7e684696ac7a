//! The real IAM, for `rolecall keys rotate`: aws-sdk-iam on the run's runtime and HTTPS client.

use std::rc::Rc;

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::config::{BehaviorVersion, Region};

use super::sts::sdk_error;
use super::Aws;
use crate::domain::plan::StsEndpoint;
use crate::domain::{Credentials, Secret};
use crate::ports::iam::Iam;
use crate::ports::sts::{Service, StsError, StsErrorKind, Timeouts, MAX_ATTEMPTS};

pub struct SdkIam {
    aws: Rc<Aws>,
    timeouts: Timeouts,
}

impl SdkIam {
    pub fn new(aws: Rc<Aws>, timeouts: Timeouts) -> Self {
        Self { aws, timeouts }
    }

    fn client(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
    ) -> Result<aws_sdk_iam::Client, StsError> {
        let http = self
            .aws
            .http(endpoint.url.as_deref(), endpoint.ca_bundle.as_deref())
            .map_err(|e| StsError::new(StsErrorKind::Unreachable, "a request", e))?;
        let mut config = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(endpoint.region.clone()))
            .http_client(http)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .timeout_config(super::sdk_timeouts(&self.timeouts))
            .credentials_provider(super::sdk_credentials(caller));
        if let Some(url) = &endpoint.url {
            config = config.endpoint_url(url.clone());
        }
        Ok(aws_sdk_iam::Client::from_conf(config.build()))
    }

    fn send<T, E>(
        &self,
        operation: &'static str,
        endpoint: &StsEndpoint,
        call: impl std::future::Future<
            Output = Result<
                T,
                aws_sdk_iam::error::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
    ) -> Result<T, StsError>
    where
        E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let runtime = self.aws.runtime().map_err(|e| {
            StsError::new(
                StsErrorKind::Unreachable,
                operation,
                format!("cannot start the network runtime: {e}"),
            )
        })?;
        runtime.block_on(call).map_err(|e| {
            let raw = endpoint
                .url
                .clone()
                .unwrap_or_else(|| "https://iam.amazonaws.com".to_string());
            let url = crate::domain::text::redact_url(&raw);
            let proxy = self.aws.proxy_for(&raw);
            let mut error = sdk_error(Service::Iam, operation, e, &url, proxy, &self.timeouts);
            if error.advice.is_none() {
                error.advice = Some(match error.kind {
                    StsErrorKind::Rejected => "check that the key's IAM user may manage its own access keys (iam:ListAccessKeys, iam:CreateAccessKey, iam:DeleteAccessKey)".into(),
                    StsErrorKind::Unreachable => "check the network and any AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL or services setting".into(),
                    _ => "try again in a moment".into(),
                });
            }
            error
        })
    }
}

impl Iam for SdkIam {
    fn list_access_keys(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        user: &str,
    ) -> Result<Vec<String>, StsError> {
        let client = self.client(endpoint, caller)?;
        let call = client.list_access_keys().user_name(user).send();
        let output = self.send("ListAccessKeys", endpoint, call)?;
        Ok(output
            .access_key_metadata()
            .iter()
            .filter_map(|k| k.access_key_id().map(str::to_string))
            .collect())
    }

    fn create_access_key(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        user: &str,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "CreateAccessKey";
        let client = self.client(endpoint, caller)?;
        let call = client.create_access_key().user_name(user).send();
        let output = self.send(OP, endpoint, call)?;
        let key = output
            .access_key()
            .ok_or_else(|| StsError::new(StsErrorKind::BadAnswer, OP, "no key in the answer"))?;
        Ok(Credentials {
            access_key_id: key.access_key_id().to_string(),
            secret_access_key: Secret::new(key.secret_access_key()),
            session_token: None,
            expiration: None,
            account_id: None,
        })
    }

    fn delete_access_key(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        user: &str,
        access_key_id: &str,
    ) -> Result<(), StsError> {
        let client = self.client(endpoint, caller)?;
        let call = client
            .delete_access_key()
            .user_name(user)
            .access_key_id(access_key_id)
            .send();
        self.send("DeleteAccessKey", endpoint, call).map(|_| ())
    }
}

//! The real STS: aws-sdk-sts on a current-thread tokio runtime, with rustls, bounded
//! timeouts and retries.

use std::rc::Rc;

use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use time::OffsetDateTime;

use super::Aws;
use crate::domain::plan::StsEndpoint;
use crate::domain::{Credentials, Secret};
use crate::ports::sts::{
    one_line, AssumeRoleRequest, Service, SessionTokenRequest, Sts, StsError, StsErrorKind,
    Timeouts, WebIdentityRequest, MAX_ATTEMPTS,
};

/// The real STS, through aws-sdk-sts on the run's one lazy runtime.
pub struct SdkSts {
    aws: Rc<Aws>,
    timeouts: Timeouts,
}

impl SdkSts {
    pub fn new(aws: Rc<Aws>, timeouts: Timeouts) -> Self {
        Self { aws, timeouts }
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime, StsError> {
        self.aws.runtime().map_err(|e| {
            StsError::new(
                StsErrorKind::Unreachable,
                "a request",
                format!("cannot start the network runtime: {e}"),
            )
        })
    }

    /// A client for one call. A request that carries an MFA code gets one attempt: a retry
    /// would send the same code again, which STS refuses once the first try reached it.
    fn client(
        &self,
        endpoint: &StsEndpoint,
        caller: Option<&Credentials>,
        carries_mfa_code: bool,
    ) -> Result<aws_sdk_sts::Client, StsError> {
        let attempts = if carries_mfa_code { 1 } else { MAX_ATTEMPTS };
        let http = self
            .aws
            .http(endpoint.url.as_deref(), endpoint.ca_bundle.as_deref())
            .map_err(|e| StsError::new(StsErrorKind::Unreachable, "a request", e))?;
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(endpoint.region.clone()))
            .http_client(http)
            .retry_config(RetryConfig::standard().with_max_attempts(attempts))
            .timeout_config(super::sdk_timeouts(&self.timeouts));
        if let Some(url) = &endpoint.url {
            config = config.endpoint_url(url.clone());
        }
        if let Some(caller) = caller {
            config = config.credentials_provider(super::sdk_credentials(caller));
        }
        Ok(aws_sdk_sts::Client::from_conf(config.build()))
    }

    fn send<T, E>(
        &self,
        operation: &'static str,
        endpoint: &StsEndpoint,
        call: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, StsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.runtime()?.block_on(call).map_err(|e| {
            let raw = endpoint
                .url
                .clone()
                .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", endpoint.region));
            let url = crate::domain::text::redact_url(&raw);
            let proxy = self.aws.proxy_for(&raw);
            sdk_error(Service::Sts, operation, e, &url, proxy, &self.timeouts)
        })
    }
}

impl Sts for SdkSts {
    fn assume_role(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "AssumeRole";
        let client = self.client(endpoint, Some(caller), request.mfa_code.is_some())?;
        let call = client
            .assume_role()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .set_external_id(request.external_id.clone())
            .set_duration_seconds(request.duration_seconds.map(|d| d as i32))
            .set_serial_number(request.mfa_serial.clone())
            .set_token_code(request.mfa_code.as_ref().map(|c| c.expose().to_string()))
            .set_source_identity(request.tags.source_identity.clone())
            .set_policy(request.policy.document.clone())
            .set_policy_arns(policy_arns(&request.policy))
            .set_minimum_session_token_size(request.min_token_size.map(i32::from));
        let mut call = call;
        for (key, value) in &request.tags.tags {
            let tag = aws_sdk_sts::types::Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| StsError::new(StsErrorKind::BadAnswer, OP, e.to_string()))?;
            call = call.tags(tag);
        }
        for key in &request.tags.transitive {
            call = call.transitive_tag_keys(key);
        }
        let output = self.send(OP, endpoint, call.send())?;
        from_sdk(OP, output.credentials())
    }

    fn get_session_token(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &SessionTokenRequest,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "GetSessionToken";
        let client = self.client(endpoint, Some(caller), true)?;
        let call = client
            .get_session_token()
            .duration_seconds(request.duration_seconds as i32)
            .set_minimum_session_token_size(request.min_token_size.map(i32::from));
        // An empty serial: a session of the keys alone (`exec --server` never serves them).
        let call = if request.mfa_serial.is_empty() {
            call
        } else {
            call.serial_number(&request.mfa_serial)
                .token_code(request.mfa_code.expose())
        };
        let output = self.send(OP, endpoint, call.send())?;
        from_sdk(OP, output.credentials())
    }

    fn get_federation_token(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        name: &str,
        duration_seconds: u32,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "GetFederationToken";
        // Without a policy a federated user may do nothing; with this one, exactly what the
        // IAM user may do (the session's permissions are the intersection of both).
        const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let client = self.client(endpoint, Some(caller), true)?;
        let call = client
            .get_federation_token()
            .name(name)
            .policy(ALLOW_ALL)
            .duration_seconds(duration_seconds as i32);
        let output = self.send(OP, endpoint, call.send())?;
        from_sdk(OP, output.credentials())
    }

    fn get_caller_identity(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
    ) -> Result<String, StsError> {
        const OP: &str = "GetCallerIdentity";
        let client = self.client(endpoint, Some(caller), false)?;
        let output = self.send(OP, endpoint, client.get_caller_identity().send())?;
        output
            .arn()
            .map(str::to_string)
            .ok_or_else(|| StsError::new(StsErrorKind::BadAnswer, OP, "no ARN in the answer"))
    }

    fn assume_role_with_web_identity(
        &self,
        endpoint: &StsEndpoint,
        request: &WebIdentityRequest,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "AssumeRoleWithWebIdentity";
        let client = self.client(endpoint, None, false)?;
        let call = client
            .assume_role_with_web_identity()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .web_identity_token(request.token.expose())
            .set_duration_seconds(request.duration_seconds.map(|d| d as i32))
            .set_policy(request.policy.document.clone())
            .set_policy_arns(policy_arns(&request.policy))
            .set_minimum_session_token_size(request.min_token_size.map(i32::from));
        let output = self.send(OP, endpoint, call.send())?;
        from_sdk(OP, output.credentials())
    }
}

/// A session policy's managed policies as STS takes them (none: the parameter is left out).
fn policy_arns(
    policy: &crate::domain::plan::SessionPolicy,
) -> Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>> {
    (!policy.arns.is_empty()).then(|| {
        policy
            .arns
            .iter()
            .map(|arn| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build()
            })
            .collect()
    })
}

fn from_sdk(
    operation: &'static str,
    c: Option<&aws_sdk_sts::types::Credentials>,
) -> Result<Credentials, StsError> {
    let c = c.ok_or_else(|| {
        StsError::new(
            StsErrorKind::BadAnswer,
            operation,
            "no credentials in the answer",
        )
    })?;
    // The SDK fills a missing field with an empty string or the epoch: name what is missing
    // rather than call the answer expired.
    let missing = [
        ("AccessKeyId", c.access_key_id().is_empty()),
        ("SecretAccessKey", c.secret_access_key().is_empty()),
        ("SessionToken", c.session_token().is_empty()),
        ("Expiration", c.expiration().secs() == 0),
    ];
    if let Some((field, _)) = missing.iter().find(|(_, absent)| *absent) {
        return Err(StsError::new(
            StsErrorKind::BadAnswer,
            operation,
            format!("the answer has no {field}"),
        ));
    }
    let expiration = OffsetDateTime::from_unix_timestamp(c.expiration().secs()).map_err(|_| {
        StsError::new(
            StsErrorKind::BadAnswer,
            operation,
            "the expiration is out of range",
        )
    })?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: Secret::new(c.secret_access_key()),
        session_token: Some(Secret::new(c.session_token())),
        expiration: Some(expiration),
        account_id: None,
    })
}

/// An SDK failure of `service`'s `operation` at `url` (for transport errors), as an error
/// of the port.
pub(super) fn sdk_error<E>(
    service: Service,
    operation: &'static str,
    error: SdkError<E, HttpResponse>,
    url: &str,
    proxy: Option<String>,
    limits: &Timeouts,
) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let through = proxy
        .as_ref()
        .map(|p| format!(" through the proxy {p}"))
        .unwrap_or_default();
    let status = match &error {
        SdkError::ServiceError(answer) => Some(answer.raw().status().as_u16()),
        SdkError::ResponseError(response) => Some(response.raw().status().as_u16()),
        _ => None,
    };
    if let (Some(p), Some(407)) = (&proxy, status) {
        let mut e = StsError::new(
            StsErrorKind::Unreachable,
            operation,
            format!(
                "the proxy {p} refused the request to {url} (HTTP 407: it wants other credentials)"
            ),
        );
        e.advice = Some("check the user and password in the proxy URL (HTTPS_PROXY or HTTP_PROXY, percent-encoded)".into());
        e.service = service;
        return e;
    }
    let mut e = match &error {
        SdkError::ServiceError(answer) => {
            let e = answer.err();
            let code = e.code().map(str::to_string);
            let kind = match code.as_deref() {
                Some("Throttling" | "ThrottlingException" | "RequestLimitExceeded") => {
                    StsErrorKind::Throttled
                }
                Some(
                    "InternalFailure"
                    | "InternalError"
                    | "ServiceUnavailable"
                    | "ServiceUnavailableException",
                ) => StsErrorKind::Failing,
                Some(_) => StsErrorKind::Rejected,
                None => StsErrorKind::BadAnswer,
            };
            let message = match (e.message(), &code) {
                (Some(m), _) => one_line(m),
                (None, None) => format!(
                    "{url}{through} answered HTTP {} with something that is not an {service} response",
                    answer.raw().status().as_u16()
                ),
                (None, Some(_)) => String::new(),
            };
            StsError {
                service,
                kind,
                operation,
                code,
                message,
                target: None,
                advice: None,
            }
        }
        SdkError::TimeoutError(_) => StsError::new(
            StsErrorKind::Unreachable,
            operation,
            format!(
                "no answer from {url} within {} seconds",
                limits.operation.as_secs()
            ),
        ),
        SdkError::DispatchFailure(failure) => {
            let chain = source_chain(&error);
            let why = if failure.is_timeout() {
                format!("no connection within {} seconds", limits.connect.as_secs())
            } else {
                match super::cause(&error) {
                    super::Cause::Transport(why) => why,
                    super::Cause::Answer(text) => text,
                }
            };
            let mut e = StsError::new(
                StsErrorKind::Unreachable,
                operation,
                format!("{url}{through}: {why}"),
            );
            if url.starts_with("https://")
                && (chain.contains("InvalidContentType") || chain.contains("corrupt message"))
            {
                e.advice = Some(format!(
                    "{url} does not speak TLS; if it is a plain-HTTP endpoint (moto, LocalStack), write http:// instead of https://"
                ));
            }
            e
        }
        SdkError::ResponseError(response) => StsError::new(
            StsErrorKind::BadAnswer,
            operation,
            format!(
                "{url}{through} answered HTTP {} with something that is not an {service} response ({})",
                response.raw().status().as_u16(),
                source_chain(&error)
            ),
        ),
        _ => StsError::new(StsErrorKind::BadAnswer, operation, source_chain(&error)),
    };
    e.service = service;
    e
}

/// The innermost error's text, which is where the SDK keeps the useful part.
fn source_chain(error: &dyn std::error::Error) -> String {
    let mut last = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        last = e.to_string();
        current = e.source();
    }
    one_line(&last)
}

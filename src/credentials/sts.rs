//! The `Sts` trait and its aws-sdk-sts adapter: the only async code in rolecall.
//!
//! The adapter builds its runtime, HTTP client and SDK client lazily, on the first call, so a
//! run that is served from the cache never pays for them.

use std::cell::OnceCell;
use std::fmt;
use std::time::Duration;

use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use time::OffsetDateTime;

use super::{Credentials, Secret};
use crate::config::plan::StsEndpoint;

/// How long one attempt may take to connect.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one attempt may take in all.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one STS operation may take, retries included (`ROLECALL_STS_TIMEOUT`).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The time limits of one STS operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self::within(OPERATION_TIMEOUT)
    }
}

impl Timeouts {
    /// Limits that fit in `operation`: each attempt and connection gets at most its default.
    pub fn within(operation: Duration) -> Self {
        Self {
            connect: CONNECT_TIMEOUT.min(operation),
            attempt: ATTEMPT_TIMEOUT.min(operation),
            operation,
        }
    }

    /// `ROLECALL_STS_TIMEOUT`: whole seconds from 1 to 300.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().parse::<u64>() {
            Ok(s) if (1..=300).contains(&s) => Some(Self::within(Duration::from_secs(s))),
            _ => None,
        }
    }
}
/// Attempts per operation (throttling and transient errors are retried with backoff).
pub const MAX_ATTEMPTS: u32 = 3;

/// An `AssumeRole` request as rolecall sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u32>,
    pub mfa_serial: Option<String>,
    pub mfa_code: Option<Secret>,
}

/// A `GetSessionToken` request with MFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionTokenRequest {
    pub duration_seconds: u32,
    pub mfa_serial: String,
    pub mfa_code: Secret,
}

/// An `AssumeRoleWithWebIdentity` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityRequest {
    pub role_arn: String,
    pub session_name: String,
    pub token: Secret,
    pub duration_seconds: Option<u32>,
}

/// The STS operations rolecall uses. Implementations must not retry an MFA code themselves
/// beyond the transport's own retries of a request that never reached STS.
pub trait Sts {
    fn assume_role(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError>;

    fn get_session_token(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &SessionTokenRequest,
    ) -> Result<Credentials, StsError>;

    /// Unsigned: the token is the credential.
    fn assume_role_with_web_identity(
        &self,
        endpoint: &StsEndpoint,
        request: &WebIdentityRequest,
    ) -> Result<Credentials, StsError>;
}

/// What went wrong, by what the user should do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StsErrorKind {
    /// STS refused: access denied, invalid or expired credentials, bad parameters.
    Rejected,
    /// STS could not be reached or did not answer in time.
    Unreachable,
    /// STS kept throttling after every retry.
    Throttled,
    /// STS answered something rolecall cannot use.
    BadAnswer,
}

/// An STS failure, as one line without secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsError {
    pub kind: StsErrorKind,
    pub operation: &'static str,
    /// The AWS error code, when STS sent one (`AccessDenied`, `ExpiredToken`…).
    pub code: Option<String>,
    pub message: String,
    /// What the call was for: the role and the caller's key (at most its last four characters).
    pub target: Option<String>,
}

impl StsError {
    pub fn new(kind: StsErrorKind, operation: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            operation,
            code: None,
            message: one_line(&message.into()),
            target: None,
        }
    }

    /// Names what the failed call was for.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// A hint that says how to fix it.
    fn hint(&self) -> &'static str {
        match (self.kind, self.code.as_deref()) {
            (_, Some("AccessDenied")) if self.message.contains("MultiFactorAuthentication") => {
                "the MFA code was wrong or already used; wait for the next code and run again"
            }
            (_, Some("AccessDenied")) => {
                "check that the role's trust policy allows the source identity and that the source credentials may call sts:AssumeRole"
            }
            (_, Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")) => {
                "the source credentials have expired; refresh them (or run \"rolecall clear-cache\") and try again"
            }
            (_, Some("InvalidIdentityToken" | "IDPRejectedClaim" | "IDPCommunicationError")) => {
                "the web identity token was refused; check web_identity_token_file and the role's trust policy"
            }
            (_, Some("InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException")) => {
                "the source access key is not valid; check aws_access_key_id and aws_secret_access_key"
            }
            (StsErrorKind::Unreachable, _) => {
                "check the network, the profile's region and any endpoint_url or AWS_ENDPOINT_URL setting"
            }
            (StsErrorKind::Throttled, _) => "STS is throttling requests; wait a moment and try again",
            (StsErrorKind::BadAnswer, _) => "check that the STS endpoint is really STS",
            (StsErrorKind::Rejected, _) => "check the profile's settings",
        }
    }
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StsErrorKind::Rejected => "sts rejected",
            StsErrorKind::Unreachable => "could not reach sts for",
            StsErrorKind::Throttled => "sts throttled",
            StsErrorKind::BadAnswer => "unusable sts answer to",
        };
        write!(f, "{what} {}", self.operation)?;
        if let Some(target) = &self.target {
            write!(f, " of {target}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        write!(f, "; {}", self.hint())
    }
}

impl std::error::Error for StsError {}

/// Collapses a message onto one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The real STS, through aws-sdk-sts on a current-thread tokio runtime.
#[derive(Default)]
pub struct SdkSts {
    runtime: OnceCell<tokio::runtime::Runtime>,
    http: OnceCell<SharedHttpClient>,
    timeouts: Timeouts,
}

impl SdkSts {
    pub fn new(timeouts: Timeouts) -> Self {
        Self {
            timeouts,
            ..Self::default()
        }
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime, StsError> {
        if let Some(rt) = self.runtime.get() {
            return Ok(rt);
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                StsError::new(
                    StsErrorKind::Unreachable,
                    "a request",
                    format!("cannot start the network runtime: {e}"),
                )
            })?;
        Ok(self.runtime.get_or_init(|| rt))
    }

    /// A client for one call. A request that carries an MFA code gets one attempt: a retry
    /// would send the same code again, which STS refuses once the first try reached it.
    fn client(
        &self,
        endpoint: &StsEndpoint,
        caller: Option<&Credentials>,
        carries_mfa_code: bool,
    ) -> aws_sdk_sts::Client {
        let attempts = if carries_mfa_code { 1 } else { MAX_ATTEMPTS };
        let http = self.http.get_or_init(http_client).clone();
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(endpoint.region.clone()))
            .http_client(http)
            .retry_config(RetryConfig::standard().with_max_attempts(attempts))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.timeouts.connect)
                    .operation_attempt_timeout(self.timeouts.attempt)
                    .operation_timeout(self.timeouts.operation)
                    .build(),
            );
        if let Some(url) = &endpoint.url {
            config = config.endpoint_url(url.clone());
        }
        if let Some(caller) = caller {
            config = config.credentials_provider(aws_sdk_sts::config::Credentials::new(
                caller.access_key_id.clone(),
                caller.secret_access_key.expose().to_string(),
                caller
                    .session_token
                    .as_ref()
                    .map(|t| t.expose().to_string()),
                None,
                "rolecall",
            ));
        }
        aws_sdk_sts::Client::from_conf(config.build())
    }

    fn send<T, E, R>(
        &self,
        operation: &'static str,
        call: impl std::future::Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, StsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        self.runtime()?
            .block_on(call)
            .map_err(|e| sdk_error(operation, e, &self.timeouts))
    }
}

/// The one HTTPS client (rustls with ring), shared by STS and the platform sources.
pub fn http_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

impl Sts for SdkSts {
    fn assume_role(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "AssumeRole";
        let client = self.client(endpoint, Some(caller), request.mfa_code.is_some());
        let call = client
            .assume_role()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .set_external_id(request.external_id.clone())
            .set_duration_seconds(request.duration_seconds.map(|d| d as i32))
            .set_serial_number(request.mfa_serial.clone())
            .set_token_code(request.mfa_code.as_ref().map(|c| c.expose().to_string()));
        let output = self.send(OP, call.send())?;
        from_sdk(OP, output.credentials())
    }

    fn get_session_token(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &SessionTokenRequest,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "GetSessionToken";
        let client = self.client(endpoint, Some(caller), true);
        let call = client
            .get_session_token()
            .duration_seconds(request.duration_seconds as i32)
            .serial_number(&request.mfa_serial)
            .token_code(request.mfa_code.expose());
        let output = self.send(OP, call.send())?;
        from_sdk(OP, output.credentials())
    }

    fn assume_role_with_web_identity(
        &self,
        endpoint: &StsEndpoint,
        request: &WebIdentityRequest,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "AssumeRoleWithWebIdentity";
        let client = self.client(endpoint, None, false);
        let call = client
            .assume_role_with_web_identity()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .web_identity_token(request.token.expose())
            .set_duration_seconds(request.duration_seconds.map(|d| d as i32));
        let output = self.send(OP, call.send())?;
        from_sdk(OP, output.credentials())
    }
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
    })
}

fn sdk_error<E, R>(operation: &'static str, error: SdkError<E, R>, limits: &Timeouts) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match &error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().map(str::to_string);
            let kind = match code.as_deref() {
                Some("Throttling" | "ThrottlingException" | "RequestLimitExceeded") => {
                    StsErrorKind::Throttled
                }
                Some(_) => StsErrorKind::Rejected,
                None => StsErrorKind::BadAnswer,
            };
            let message = match (e.message(), &code) {
                (Some(m), _) => one_line(m),
                (None, None) => "the answer is not a readable STS response".to_string(),
                (None, Some(_)) => String::new(),
            };
            StsError {
                kind,
                operation,
                code,
                message,
                target: None,
            }
        }
        SdkError::TimeoutError(_) => StsError::new(
            StsErrorKind::Unreachable,
            operation,
            format!("no answer within {} seconds", limits.operation.as_secs()),
        ),
        SdkError::DispatchFailure(failure) => {
            let why = if failure.is_timeout() {
                format!("timed out after {} seconds", limits.connect.as_secs())
            } else if failure.is_io() {
                "connection failed".to_string()
            } else {
                "the request could not be sent".to_string()
            };
            StsError::new(
                StsErrorKind::Unreachable,
                operation,
                format!("{why} ({})", source_chain(&error)),
            )
        }
        SdkError::ResponseError(_) => StsError::new(
            StsErrorKind::BadAnswer,
            operation,
            format!("the answer could not be read ({})", source_chain(&error)),
        ),
        _ => StsError::new(StsErrorKind::BadAnswer, operation, source_chain(&error)),
    }
}

/// The innermost error's text, which is where the SDK keeps the useful part.
fn source_chain(error: &dyn std::error::Error) -> String {
    let mut last = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        last = e.to_string();
        current = e.source();
    }
    one_line(&last).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_with_a_hint() {
        let e = StsError {
            kind: StsErrorKind::Rejected,
            operation: "AssumeRole",
            code: Some("AccessDenied".into()),
            message: one_line("User: arn:aws:iam::1:user/x is not\nauthorized"),
            target: Some("arn:aws:iam::2:role/r with key …ABCD".into()),
        };
        assert_eq!(
            e.to_string(),
            "sts rejected AssumeRole of arn:aws:iam::2:role/r with key …ABCD (AccessDenied): User: arn:aws:iam::1:user/x is not authorized; check that the role's trust policy allows the source identity and that the source credentials may call sts:AssumeRole"
        );
        let e = StsError::new(StsErrorKind::Unreachable, "AssumeRole", "connection failed");
        assert!(e.to_string().starts_with(
            "could not reach sts for AssumeRole: connection failed; check the network"
        ));
    }
}

//! The `Sts` port: its requests and errors, and the limits every STS call keeps. The
//! aws-sdk-sts adapter is `adapters/aws/sts.rs`.

use std::fmt;
use std::time::Duration;

use crate::domain::exit;
use crate::domain::plan::{SessionPolicy, SessionTags, StsEndpoint};
use crate::domain::{Credentials, Secret};

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
    pub tags: SessionTags,
    pub policy: SessionPolicy,
    /// STS's `MinimumSessionTokenSize`: a session token padded to at least this many bytes.
    pub min_token_size: Option<u16>,
}

/// A `GetSessionToken` request with MFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionTokenRequest {
    pub duration_seconds: u32,
    /// Empty for a session without MFA.
    pub mfa_serial: String,
    pub mfa_code: Secret,
    pub min_token_size: Option<u16>,
}

/// An `AssumeRoleWithWebIdentity` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityRequest {
    pub role_arn: String,
    pub session_name: String,
    pub token: Secret,
    pub duration_seconds: Option<u32>,
    pub policy: SessionPolicy,
    pub min_token_size: Option<u16>,
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

    /// A federated user's session on long-term keys (`rolecall console`: the sign-in endpoint
    /// takes no long-term keys), with the caller's own permissions.
    fn get_federation_token(
        &self,
        _endpoint: &StsEndpoint,
        _caller: &Credentials,
        _name: &str,
        _duration_seconds: u32,
    ) -> Result<Credentials, StsError> {
        Err(StsError::new(
            StsErrorKind::BadAnswer,
            "GetFederationToken",
            "not available here",
        ))
    }

    /// The ARN of whoever `caller` is (`rolecall keys rotate`: the IAM user of a key, and
    /// whether a new key works yet).
    fn get_caller_identity(
        &self,
        _endpoint: &StsEndpoint,
        _caller: &Credentials,
    ) -> Result<String, StsError> {
        Err(StsError::new(
            StsErrorKind::BadAnswer,
            "GetCallerIdentity",
            "not available here",
        ))
    }
}

/// The AWS service a call went to (the error type is shared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Sts,
    Iam,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Sts => "STS",
            Service::Iam => "IAM",
        })
    }
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
    /// STS failed on its side (InternalFailure, ServiceUnavailable) after every retry.
    Failing,
    /// STS answered something rolecall cannot use.
    BadAnswer,
}

/// An STS failure, as one line without secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsError {
    /// Who answered: STS, or IAM for the key rotation's calls.
    pub service: Service,
    pub kind: StsErrorKind,
    pub operation: &'static str,
    /// The AWS error code, when STS sent one (`AccessDenied`, `ExpiredToken`…).
    pub code: Option<String>,
    pub message: String,
    /// What the call was for: the role and the caller's key (at most its last four characters).
    pub target: Option<String>,
    /// A fix that fits this failure better than the kind's general one.
    pub advice: Option<String>,
}

impl StsError {
    pub fn new(kind: StsErrorKind, operation: &'static str, message: impl Into<String>) -> Self {
        Self {
            service: Service::Sts,
            kind,
            operation,
            code: None,
            message: one_line(&message.into()),
            target: None,
            advice: None,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            StsErrorKind::Rejected => exit::DENIED,
            StsErrorKind::Unreachable
            | StsErrorKind::Throttled
            | StsErrorKind::Failing
            | StsErrorKind::BadAnswer => exit::UNAVAILABLE,
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
            (StsErrorKind::Failing, _) => "STS had an internal error; try again in a moment",
            (StsErrorKind::BadAnswer, _) => "check that the STS endpoint is really STS",
            (StsErrorKind::Rejected, _) => "check the profile's settings",
        }
    }
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let service = self.service;
        match self.kind {
            StsErrorKind::Rejected => write!(f, "{service} rejected")?,
            StsErrorKind::Unreachable => write!(f, "could not reach {service} for")?,
            StsErrorKind::Throttled => write!(f, "{service} throttled")?,
            StsErrorKind::Failing => write!(f, "{service} failed on its side for")?,
            StsErrorKind::BadAnswer => write!(f, "unusable {service} answer to")?,
        }
        write!(f, " {}", self.operation)?;
        if let Some(target) = &self.target {
            write!(f, " of {target}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        // STS ends its messages with a period; the hint follows after a semicolon.
        let message = self.message.trim_end_matches(['.', ';', ' ']);
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        match &self.advice {
            Some(advice) => write!(f, "; {advice}"),
            None => write!(f, "; {}", self.hint()),
        }
    }
}

impl std::error::Error for StsError {}

/// Collapses a message onto one line.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_with_a_hint() {
        let e = StsError {
            service: Service::Sts,
            kind: StsErrorKind::Rejected,
            operation: "AssumeRole",
            code: Some("AccessDenied".into()),
            message: one_line("User: arn:aws:iam::1:user/x is not\nauthorized."),
            target: Some("arn:aws:iam::2:role/r with key …ABCD".into()),
            advice: None,
        };
        assert_eq!(
            e.to_string(),
            "STS rejected AssumeRole of arn:aws:iam::2:role/r with key …ABCD (AccessDenied): User: arn:aws:iam::1:user/x is not authorized; check that the role's trust policy allows the source identity and that the source credentials may call sts:AssumeRole"
        );
        let e = StsError::new(StsErrorKind::Unreachable, "AssumeRole", "connection failed");
        assert!(e.to_string().starts_with(
            "could not reach STS for AssumeRole: connection failed; check the network"
        ));
    }
}

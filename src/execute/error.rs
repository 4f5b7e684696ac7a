//! What can stop a walk of a plan.

use crate::domain::exit;
use crate::ports::mfa::MfaError;
use crate::ports::sources::SourceError;
use crate::ports::sso::{SsoError, SsoErrorKind};
use crate::ports::sts::StsError;

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Sts(#[from] StsError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    /// Source credentials that cannot travel in an HTTP header: a configuration problem.
    #[error("the source credentials' {0} contains spaces, control or non-ASCII characters, which cannot be sent to STS; check the keys in your credentials file, environment or credential_process")]
    Unsendable(&'static str),
    /// The key index names keys the keychain no longer has.
    #[error("the keys of profile \"{0}\" are missing from the keychain; add them again with \"rolecall keys add {0}\"")]
    KeysMissing(String),
    /// The keychain holding long-term keys could not be read.
    #[error("cannot read the stored keys: {0}")]
    Keychain(String),
    /// An SSO API refused or could not be reached.
    #[error("{0}")]
    Sso(SsoError),
    /// No usable SSO token and nobody to sign in: the whole line, with the login hint.
    #[error("{0}")]
    SsoLoginNeeded(String),
    /// A login that did not complete (no token is stored).
    #[error("SSO login failed: {0}")]
    SsoLoginFailed(String),
    /// An AWS Sign-In session with no token file, or one that is over: the whole line, with
    /// how to sign in again.
    #[error("{0}")]
    LoginNeeded(String),
    /// A sign-in token that could not be read or refreshed: the whole line.
    #[error("{message}")]
    Login { message: String, unreachable: bool },
    /// Ctrl-C during a login.
    #[error("interrupted; no token stored")]
    Interrupted,
    /// A broken invariant of rolecall itself.
    #[error("internal error: {0}; please report it")]
    Internal(String),
}

impl ExecuteError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ExecuteError::Sts(e) => e.exit_code(),
            ExecuteError::Source(e) if e.unreachable => exit::UNAVAILABLE,
            ExecuteError::Mfa(MfaError::Setting(_)) => exit::USAGE,
            ExecuteError::Source(_) | ExecuteError::Mfa(_) => exit::DENIED,
            ExecuteError::Unsendable(_) | ExecuteError::KeysMissing(_) => exit::CONFIG,
            ExecuteError::Keychain(_) => exit::FAILURE,
            ExecuteError::Sso(e) if e.kind == SsoErrorKind::Unreachable => exit::UNAVAILABLE,
            ExecuteError::Sso(_)
            | ExecuteError::SsoLoginNeeded(_)
            | ExecuteError::SsoLoginFailed(_) => exit::DENIED,
            ExecuteError::Login {
                unreachable: true, ..
            } => exit::UNAVAILABLE,
            ExecuteError::LoginNeeded(_) | ExecuteError::Login { .. } => exit::DENIED,
            ExecuteError::Interrupted => 130,
            ExecuteError::Internal(_) => exit::FAILURE,
        }
    }
}

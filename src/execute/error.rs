//! What can stop a walk of a plan.

use crate::domain::exit;
use crate::ports::mfa::MfaError;
use crate::ports::sources::SourceError;
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
    /// A broken invariant of rolecall itself.
    #[error("internal error: {0}; please report it")]
    Internal(String),
}

impl ExecuteError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ExecuteError::Sts(e) => e.exit_code(),
            ExecuteError::Source(e) if e.unreachable => exit::UNAVAILABLE,
            ExecuteError::Source(_) | ExecuteError::Mfa(_) => exit::DENIED,
            ExecuteError::Unsendable(_) | ExecuteError::KeysMissing(_) => exit::CONFIG,
            ExecuteError::Keychain(_) => exit::FAILURE,
            ExecuteError::Internal(_) => exit::FAILURE,
        }
    }
}

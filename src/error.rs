//! The error every command returns, and the exit code each kind maps to.

use crate::cache::StoreError;
use crate::config::ConfigError;
use crate::credentials::mfa::MfaError;
use crate::credentials::source::SourceError;
use crate::credentials::sts::{StsError, StsErrorKind};
use crate::shell::RenderError;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An unexpected failure (writing the output failed, say).
    pub const FAILURE: u8 = 1;
    /// The command line is wrong, or no profile was named.
    pub const USAGE: u8 = 2;
    /// The configuration files or a profile's values are wrong.
    pub const CONFIG: u8 = 3;
    /// STS refused the credentials or request, no MFA code could be had, or a credential
    /// source (credential_process, a token file) failed.
    pub const DENIED: u8 = 4;
    /// STS or the instance/container endpoint could not be reached, timed out, throttled
    /// every retry or answered nonsense.
    pub const UNAVAILABLE: u8 = 5;
    /// `exec`: the command exists but cannot be run.
    pub const NOT_EXECUTABLE: u8 = 126;
    /// `exec`: the command was not found.
    pub const NOT_FOUND: u8 = 127;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Sts(#[from] StsError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("session store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write the output: {0}")]
    Output(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(ConfigError::NoProfile) | Error::Usage(_) => exit::USAGE,
            Error::Config(_) | Error::Render(_) => exit::CONFIG,
            Error::Sts(e) => match e.kind {
                StsErrorKind::Rejected => exit::DENIED,
                StsErrorKind::Unreachable
                | StsErrorKind::Throttled
                | StsErrorKind::Failing
                | StsErrorKind::BadAnswer => exit::UNAVAILABLE,
            },
            Error::Mfa(_) => exit::DENIED,
            Error::Source(e) if e.unreachable => exit::UNAVAILABLE,
            Error::Source(_) => exit::DENIED,
            Error::Store(_) | Error::Output(_) => exit::FAILURE,
        }
    }
}

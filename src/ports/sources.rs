//! The `Sources` port: root credentials from outside the config files (the EC2 instance
//! metadata service, the ECS container endpoint, `credential_process`, `mfa_process`, web
//! identity token files).

use std::fmt;

use crate::domain::{Credentials, Secret};

/// A root source failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The source could not be reached (as opposed to answering something wrong).
    pub unreachable: bool,
    pub message: String,
}

impl SourceError {
    /// The same failure, said for `profile` (whose `credential_process` or `mfa_process` it was).
    pub fn for_profile(mut self, profile: &str) -> Self {
        self.message = format!("profile \"{profile}\": {}", self.message);
        self
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            unreachable: false,
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SourceError {}

pub trait Sources {
    /// The EC2 instance role's credentials (IMDSv2).
    fn instance_metadata(&self) -> Result<Credentials, SourceError>;
    /// The ECS task role's credentials.
    fn container(&self) -> Result<Credentials, SourceError>;
    /// Runs a `credential_process` command and reads its JSON.
    /// Runs `command` with `ROLECALL_CHAIN=chain` in its environment.
    fn process(&self, command: &str, chain: &str) -> Result<Credentials, SourceError>;
    /// Runs an `mfa_process` command and returns what it printed.
    fn mfa_process(&self, command: &str) -> Result<String, SourceError>;
    /// Reads a web identity token file.
    fn web_identity_token(&self, path: &str) -> Result<Secret, SourceError>;
    /// Runs a `web_identity_token_process` command and returns the token it printed.
    fn web_identity_token_process(&self, command: &str) -> Result<Secret, SourceError>;
}

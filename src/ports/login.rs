//! AWS Sign-In's ports: the token endpoint (`SignInApi`: `CreateOAuth2Token` with a DPoP
//! proof) and the AWS CLI's token cache files (`LoginFiles`), read, and rewritten under a lock
//! that every rolecall takes.

use std::fmt;

use time::OffsetDateTime;

use crate::domain::login::{LoginSession, LoginToken, Refreshed};
use crate::domain::plan::StsEndpoint;
use crate::ports::store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginErrorKind {
    /// The sign-in is over (`TOKEN_EXPIRED`, `USER_CREDENTIALS_CHANGED`, a refresh token
    /// already used): sign in again.
    Expired,
    /// `INSUFFICIENT_PERMISSIONS`: the principal may not call `signin:CreateOAuth2Token`.
    Denied,
    /// The endpoint could not be reached or did not answer in time.
    Unreachable,
    /// A DPoP key that cannot sign (not a P-256 key with its public half).
    BadKey,
    /// Anything else the service answered.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginError {
    pub kind: LoginErrorKind,
    /// The service's own message (or the transport failure), as it is.
    pub message: String,
}

impl LoginError {
    pub fn new(kind: LoginErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: crate::ports::sts::one_line(&message.into()),
        }
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            LoginErrorKind::Unreachable => f.write_str("could not reach AWS Sign-In")?,
            LoginErrorKind::BadKey => f.write_str("cannot sign with the sign-in's DPoP key")?,
            _ => f.write_str("AWS Sign-In refused CreateOAuth2Token")?,
        }
        let message = self.message.trim_end_matches(['.', ' ']);
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoginError {}

/// The sign-in service's token endpoint.
pub trait SignInApi {
    /// `CreateOAuth2Token` with the refresh grant, the token's client and a DPoP proof made
    /// with its key at `now`; in the token's `signInRegion` when it has one.
    fn refresh(
        &self,
        endpoint: &StsEndpoint,
        token: &LoginToken,
        now: OffsetDateTime,
    ) -> Result<Refreshed, LoginError>;
}

/// The AWS CLI's sign-in token cache (`~/.aws/login/cache`, `AWS_LOGIN_CACHE_DIRECTORY`).
pub trait LoginFiles {
    /// The session's file, for messages.
    fn path(&self, session: &LoginSession) -> String;
    /// The session's token; `None` when there is no file.
    fn read(&self, session: &LoginSession) -> Result<Option<LoginToken>, StoreError>;
    /// The session's file held for a refresh: no other rolecall reads it for a refresh or
    /// writes it until the hold is dropped.
    fn hold(&self, session: &LoginSession) -> Result<Box<dyn HeldLogin + '_>, StoreError>;
}

/// A token file held by this process.
pub trait HeldLogin {
    /// The token as the file has it now.
    fn read(&mut self) -> Result<Option<LoginToken>, StoreError>;
    /// Writes the refreshed token's fields into the file in one step (temporary file,
    /// rename), every other field kept as the file has it now.
    fn write(&mut self, token: &LoginToken) -> Result<(), StoreError>;
}

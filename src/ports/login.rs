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

/// The authorization-code grant of a browser sign-in.
pub struct CodeGrant<'a> {
    pub client_id: &'a str,
    pub code: &'a crate::domain::Secret,
    pub redirect_uri: &'a str,
    pub verifier: &'a crate::domain::Secret,
}

/// A new sign-in's tokens: as a refresh's, with the ID token that names the session.
pub struct SignedIn {
    pub tokens: Refreshed,
    pub id_token: Option<String>,
}

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
    /// `CreateOAuth2Token` with the authorization-code grant and a DPoP proof made with `key`.
    fn exchange_code(
        &self,
        endpoint: &StsEndpoint,
        grant: CodeGrant<'_>,
        key: &crate::domain::Secret,
        now: OffsetDateTime,
    ) -> Result<SignedIn, LoginError>;
    /// A new DPoP key (P-256), as the SEC1 PEM a token file keeps.
    fn new_key(&self) -> Result<crate::domain::Secret, LoginError>;
}

/// Where a sign-in's tokens are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// rolecall's own (`rolecall login`): the keychain, or the file store.
    Own,
    /// The AWS CLI's token cache file.
    AwsCli,
}

impl Place {
    pub fn name(self) -> &'static str {
        match self {
            Place::Own => "the keychain",
            Place::AwsCli => "the AWS CLI's token cache",
        }
    }
}

/// Where sign-in tokens are kept: rolecall's own, and the AWS CLI's cache
/// (`~/.aws/login/cache`, `AWS_LOGIN_CACHE_DIRECTORY`).
pub trait LoginFiles {
    /// The session's AWS CLI file, for messages.
    fn path(&self, session: &LoginSession) -> String;
    /// The session's token in `place`; `None` when there is none.
    fn read(&self, place: Place, session: &LoginSession) -> Result<Option<LoginToken>, StoreError>;
    /// The session's token held for a refresh: no other rolecall refreshes or writes it until
    /// the hold is dropped.
    fn hold(
        &self,
        place: Place,
        session: &LoginSession,
    ) -> Result<Box<dyn HeldLogin + '_>, StoreError>;
    /// Keeps a new sign-in's token in `place` (an AWS CLI file is created, or its other fields
    /// kept); where it went.
    fn create(
        &self,
        place: Place,
        session: &LoginSession,
        token: &LoginToken,
    ) -> Result<String, StoreError>;
    /// Forgets the session's token in `place`; whether there was one.
    fn remove(&self, place: Place, session: &LoginSession) -> Result<bool, StoreError>;
    /// Sets `login_session` in the profile's section of the config file (a new section if it
    /// has none), every other byte kept; the file's path.
    fn set_profile(
        &self,
        config: &std::path::Path,
        profile: &str,
        session: &str,
    ) -> Result<String, StoreError>;
}

/// A token held by this process.
pub trait HeldLogin {
    /// The token as it is kept now.
    fn read(&mut self) -> Result<Option<LoginToken>, StoreError>;
    /// Keeps the refreshed token's fields in one step, every other field kept as it is now.
    fn write(&mut self, token: &LoginToken) -> Result<(), StoreError>;
}

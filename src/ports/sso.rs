//! The IAM Identity Center ports: the portal and OIDC APIs (`Sso`), where tokens and client
//! registrations are kept (`SsoTokens`: rolecall's own in the keychain, the AWS CLI's cache
//! file), and the browser with its one-shot loopback callback (`Authorize`).

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use crate::domain::sso::{SsoEndpoints, SsoSession, Token};
use crate::domain::{Credentials, Secret};
use crate::ports::store::{SessionLock, StoreError};

/// A public OIDC client rolecall registered (`RegisterClient`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: OffsetDateTime,
}

/// `StartDeviceAuthorization`'s answer.
#[derive(Clone, Debug)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
}

/// What `CreateToken` trades for a token.
pub enum Grant<'a> {
    RefreshToken(&'a Secret),
    DeviceCode(&'a Secret),
    AuthorizationCode {
        code: &'a Secret,
        redirect_uri: &'a str,
        verifier: &'a Secret,
    },
}

/// `CreateToken`'s answer.
#[derive(Clone, Debug)]
pub struct Issued {
    pub access_token: Secret,
    pub expires_in: i64,
    pub refresh_token: Option<Secret>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsoErrorKind {
    /// The token was refused (401): log in again.
    Unauthorized,
    /// No access to that account or role (403).
    Forbidden,
    /// The API could not be reached or did not answer in time.
    Unreachable,
    /// Device flow: the user has not approved yet.
    Pending,
    /// Device flow: poll more slowly.
    SlowDown,
    /// The device code, or the grant, expired.
    Expired,
    /// The user (or the organisation) denied the authorization.
    Denied,
    /// A refresh token, code or client that is no longer valid.
    InvalidGrant,
    /// Anything else the API answered.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoError {
    pub kind: SsoErrorKind,
    pub operation: &'static str,
    /// The service's own message (or the transport failure), as it is.
    pub message: String,
}

impl SsoError {
    pub fn new(kind: SsoErrorKind, operation: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            operation,
            message: crate::ports::sts::one_line(&message.into()),
        }
    }
}

impl fmt::Display for SsoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let api = if matches!(
            self.operation,
            "GetRoleCredentials" | "ListAccounts" | "ListAccountRoles" | "Logout"
        ) {
            "the SSO portal"
        } else {
            "SSO OIDC"
        };
        match self.kind {
            SsoErrorKind::Unreachable => write!(f, "could not reach {api} for {}", self.operation)?,
            _ => write!(f, "{api} refused {}", self.operation)?,
        }
        let message = self.message.trim_end_matches(['.', ' ']);
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SsoError {}

/// An account the token can see (`ListAccounts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// The portal and OIDC APIs.
pub trait Sso {
    fn register_client(
        &self,
        endpoints: &SsoEndpoints,
        scopes: &[String],
        grant_types: &[&str],
        redirect_uri: Option<&str>,
        issuer_url: Option<&str>,
    ) -> Result<Registration, SsoError>;
    fn start_device_authorization(
        &self,
        endpoints: &SsoEndpoints,
        registration: &Registration,
        start_url: &str,
    ) -> Result<DeviceAuthorization, SsoError>;
    fn create_token(
        &self,
        endpoints: &SsoEndpoints,
        client_id: &str,
        client_secret: &Secret,
        grant: Grant<'_>,
    ) -> Result<Issued, SsoError>;
    fn role_credentials(
        &self,
        endpoints: &SsoEndpoints,
        token: &Secret,
        account_id: &str,
        role_name: &str,
    ) -> Result<Credentials, SsoError>;
    fn list_accounts(
        &self,
        endpoints: &SsoEndpoints,
        token: &Secret,
    ) -> Result<Vec<Account>, SsoError>;
    fn list_account_roles(
        &self,
        endpoints: &SsoEndpoints,
        token: &Secret,
        account_id: &str,
    ) -> Result<Vec<String>, SsoError>;
    fn logout(&self, endpoints: &SsoEndpoints, token: &Secret) -> Result<(), SsoError>;
}

/// What can be said of rolecall's own token without reading the keychain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenSummary {
    pub expires_at: OffsetDateTime,
    pub refreshable_until: Option<OffsetDateTime>,
}

/// Where tokens and registrations are kept.
pub trait SsoTokens {
    /// rolecall's own token for the session (keychain).
    fn own(&self, session: &SsoSession) -> Result<Option<Token>, StoreError>;
    fn put_own(&self, session: &SsoSession, token: &Token) -> Result<(), StoreError>;
    fn remove_own(&self, session: &SsoSession) -> Result<(), StoreError>;
    /// The non-secret summary of rolecall's own token (no keychain access).
    fn own_summary(&self, session: &SsoSession) -> Option<TokenSummary>;
    /// The AWS CLI's cache file for the session.
    fn cli(&self, session: &SsoSession) -> Result<Option<Token>, StoreError>;
    /// Where that file is, for messages.
    fn cli_file(&self, _session: &SsoSession) -> String {
        "the AWS CLI's token file".into()
    }
    /// Writes a refreshed token back into the AWS CLI's file, every other field kept.
    fn put_cli(&self, session: &SsoSession, token: &Token) -> Result<(), StoreError>;
    /// Writes a new sign-in's token as the AWS CLI's file for the session (created if need
    /// be, other fields of an existing one kept), so the AWS CLI and every SDK see it; returns
    /// the file's path.
    fn write_cli(&self, session: &SsoSession, token: &Token) -> Result<String, StoreError>;
    /// Deletes the AWS CLI's file for the session; whether there was one.
    fn remove_cli(&self, session: &SsoSession) -> Result<bool, StoreError>;
    /// The client registration for the session, its scopes and the flow (`code`, `device`).
    fn registration(
        &self,
        session: &SsoSession,
        flow: &str,
    ) -> Result<Option<Registration>, StoreError>;
    fn put_registration(
        &self,
        session: &SsoSession,
        flow: &str,
        registration: &Registration,
    ) -> Result<(), StoreError>;
    /// A cross-process lock for `purpose` (`refresh`, `login`) on the session.
    fn lock(
        &self,
        session: &SsoSession,
        purpose: &str,
        wait: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Option<SessionLock>, StoreError>;
}

/// How a browser login ended at the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackError {
    /// No sign-in in time; the requests that were refused on the way (another user's), named.
    TimedOut {
        refused: Vec<String>,
    },
    /// Ctrl-C.
    Interrupted,
    /// The authorization server sent `error=…` (access_denied, say).
    Denied(String),
    Failed(String),
}

/// A listening one-shot callback on 127.0.0.1.
pub trait Callback {
    /// `http://127.0.0.1:PORT/oauth/callback`.
    fn redirect_uri(&self) -> String;
    /// The one-shot loopback address the browser opens instead of `authorize_url`, which it
    /// redirects to once: `state` and the challenge stay out of the browser's argv.
    fn entry(&mut self, authorize_url: &str) -> Result<String, String>;
    /// Waits for the one request of this user that carries `state` (others are answered and
    /// ignored); its `code`.
    fn wait(&mut self, state: &str, timeout: Duration) -> Result<Secret, CallbackError>;
}

/// The browser, and the loopback callback it is sent back to.
pub trait Authorize {
    fn open(&self, url: &str) -> Result<(), String>;
    fn listen(&self) -> Result<Box<dyn Callback>, String>;
    /// Whether a person can be asked to sign in (a terminal): else a missing token is an error.
    fn interactive(&self) -> bool;
    /// Whether a browser on this machine can be started, and so reach a loopback callback:
    /// not in an SSH session without a display, nor where nothing can open a URL.
    fn browser_here(&self) -> bool {
        true
    }
    /// Shows a sign-in instruction on the controlling terminal when stderr reaches no person
    /// (rolecall run as a `credential_process`, whose stderr the caller keeps); false when it
    /// did not, so the caller prints it on stderr as usual.
    fn tell(&self, _text: &str) -> bool {
        false
    }
    /// Waits between device-flow polls (a test may wait less).
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
    /// 256 random bits, base64url (PKCE verifiers, `state`).
    fn random(&self) -> Result<String, String>;
    /// Whether Ctrl-C was pressed during the login.
    fn interrupted(&self) -> bool {
        false
    }
}

//! The `SignIn` port: the federation endpoint that turns a session into a console sign-in
//! token, and the browser that follows the sign-in URL.

use crate::domain::Secret;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The endpoint answered, with a refusal (HTTP status, the first line of its answer).
    #[error("the sign-in endpoint {url} refused the session (HTTP {status}{detail}); the role may not allow console sign-in")]
    Refused {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("cannot reach the sign-in endpoint {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("the sign-in endpoint {url} answered without a SigninToken")]
    BadAnswer { url: String },
    #[error("{0}")]
    Browser(String),
}

pub trait SignIn {
    /// `getSigninToken` for the `Session` JSON (never logged), with `SessionDuration` when
    /// given, trusting the profile's `ca_bundle` too.
    fn signin_token(
        &self,
        federation_url: &str,
        ca_bundle: Option<&str>,
        session: &Secret,
        duration_seconds: Option<u32>,
    ) -> Result<Secret, SignInError>;

    /// Opens `url` in the browser without putting it in any process's arguments: the browser
    /// gets a one-shot loopback address that redirects once to it. Returns once the browser
    /// has been redirected.
    fn open_in_browser(&self, url: &Secret) -> Result<(), SignInError>;
}

//! Signing in to the AWS console as a session (`rolecall console`): long-term keys first
//! become a `GetFederationToken` session (the sign-in endpoint takes no long-term keys), then
//! the federation endpoint turns the session into a sign-in token.

use super::ExecuteError;
use crate::domain::console::session_json;
use crate::domain::plan::{Plan, Step};
use crate::domain::{Credentials, Secret};
use crate::ports::console::{SignIn, SignInError};
use crate::ports::sts::Sts;
use crate::printer::Printer;

/// The console session when neither `--duration` nor the profile says.
const DEFAULT_SECONDS: u32 = 3600;

/// The ports a console sign-in acts through.
#[derive(Clone, Copy)]
pub struct ConsoleDeps<'a> {
    pub sts: &'a dyn Sts,
    pub signin: &'a dyn SignIn,
}

/// What to sign in with.
pub struct ConsoleSignIn<'p> {
    pub plan: &'p Plan,
    pub credentials: &'p Credentials,
    pub federation_url: &'p str,
    /// `--duration`: the console session's length.
    pub asked_seconds: Option<u32>,
    /// The federated user's name, for long-term keys.
    pub federated_name: &'p str,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error(transparent)]
    SignIn(#[from] SignInError),
}

/// The sign-in token for the session.
pub fn signin_token(
    d: ConsoleDeps,
    r: &ConsoleSignIn,
    out: &mut Printer,
) -> Result<Secret, ConsoleError> {
    let (session, duration) = session(d, r, out)?;
    let bundle = r.plan.endpoint.ca_bundle.as_deref();
    match d
        .signin
        .signin_token(r.federation_url, bundle, &session, duration)
    {
        Err(SignInError::Refused { .. }) if duration.is_some() => {
            // A chained role session allows at most one hour: without SessionDuration the
            // console session lasts as long as the role session does.
            out.note(&format!(
                "the sign-in endpoint refused SessionDuration={} (a role assumed with another role's session allows at most 1h); signed in for the rest of the role session instead",
                duration.unwrap_or_default()
            ));
            Ok(d.signin
                .signin_token(r.federation_url, bundle, &session, None)?)
        }
        other => Ok(other?),
    }
}

/// The `Session` JSON the endpoint takes, and the `SessionDuration` to ask for (a role
/// session may ask; a federated user's may not).
fn session(
    d: ConsoleDeps,
    r: &ConsoleSignIn,
    out: &mut Printer,
) -> Result<(Secret, Option<u32>), ExecuteError> {
    let (plan, credentials) = (r.plan, r.credentials);
    if let Some(token) = &credentials.session_token {
        let profile_seconds = plan.steps.last().map(Step::lifetime_seconds);
        let seconds = r
            .asked_seconds
            .or(profile_seconds)
            .unwrap_or(DEFAULT_SECONDS);
        let json = session_json(
            &credentials.access_key_id,
            credentials.secret_access_key.expose(),
            token.expose(),
        );
        return Ok((Secret::new(json), Some(seconds)));
    }
    let seconds = r.asked_seconds.unwrap_or(DEFAULT_SECONDS);
    out.verbose(&format!(
        "profile \"{}\" has long-term keys: GetFederationToken for {seconds} s first (the sign-in endpoint takes no long-term keys)",
        plan.profile
    ));
    let federated = d
        .sts
        .get_federation_token(&plan.endpoint, credentials, r.federated_name, seconds)
        .map_err(|e| e.with_target(format!("profile \"{}\"", plan.profile)))?;
    let token = federated.session_token.as_ref().ok_or_else(|| {
        ExecuteError::Internal("GetFederationToken answered without a session token".into())
    })?;
    let json = session_json(
        &federated.access_key_id,
        federated.secret_access_key.expose(),
        token.expose(),
    );
    Ok((Secret::new(json), None))
}

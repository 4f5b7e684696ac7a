//! Signing out of an IAM Identity Center session (`rolecall sso logout`): the portal is told,
//! rolecall's token and the AWS CLI's file are forgotten, and so is every cached role session
//! whose chain starts at the sign-in.

use super::forget::forget_rooted;
use super::sso::SsoDeps;
use crate::domain::plan::{Plan, Source};
use crate::domain::sso::{SsoEndpoints, SsoSession};
use crate::ports::store::{SessionStore, StoreError};
use crate::printer::Printer;

/// What a sign-out did.
pub struct SignedOut {
    /// How many tokens there were (rolecall's own, the AWS CLI's): none, and there was no
    /// sign-in to end.
    pub tokens: usize,
    /// The AWS CLI's token file was there and is gone.
    pub removed_cli_file: bool,
    /// How many cached role sessions were forgotten.
    pub forgotten: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("could not forget the token of {what}: {error}")]
pub struct SignOutError {
    pub what: String,
    pub error: StoreError,
}

/// Signs out of `session`; `plans` are every profile's, to find the chains it starts.
pub fn sign_out(
    d: SsoDeps,
    store: &dyn SessionStore,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    plans: &[Plan],
    out: &mut Printer,
) -> Result<SignedOut, SignOutError> {
    let mut found = Vec::new();
    if let Ok(Some(own)) = d.tokens.own(session) {
        found.push(own);
    }
    if let Ok(Some(cli)) = d.tokens.cli(session) {
        found.push(cli);
    }
    let now = d.clock.now();
    for token in found.iter().filter(|t| t.expires_at > now) {
        // As aws sso logout: a portal that says no (an expired or revoked token) is no reason
        // to keep the token here.
        if let Err(e) = d.api.logout(endpoints, &token.access_token) {
            out.verbose(&format!("portal Logout: {e}"));
        }
    }
    let failed = |error| SignOutError {
        what: session.describe(),
        error,
    };
    d.tokens.remove_own(session).map_err(failed)?;
    let removed_cli_file = d.tokens.remove_cli(session).map_err(failed)?;
    let rooted =
        |source: &Source| matches!(source, Source::Sso { role, .. } if role.session == *session);
    let forgotten = forget_rooted(store, plans, &rooted, "this sign-in", out);
    Ok(SignedOut {
        tokens: found.len(),
        removed_cli_file,
        forgotten,
    })
}

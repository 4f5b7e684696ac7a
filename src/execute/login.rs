//! AWS Sign-In (`login_session`) as a chain's root: the session cached like every other,
//! else the access token of the AWS CLI's token file, refreshed near expiry. A refresh
//! happens once across processes: under the session's cache lock (a second rolecall then
//! finds the session cached) and the file's rewrite lock, with the file read again after
//! taking it, so a refresh token is used once and the rotated one always reaches the file.

use time::Duration;

use super::{ExecuteError, Run};
use crate::domain::login::{LoginSession, LoginToken};
use crate::domain::text::human;
use crate::domain::Credentials;
use crate::ports::clock::Clock;
use crate::ports::login::{LoginErrorKind, LoginFiles, Place, SignInApi};
use crate::ports::store::{Label, StoreError};
use crate::printer::Printer;

/// The longest a sign-in's access token lasts (`expiresIn` is at most 900 seconds).
const TOKEN_SECONDS: u32 = 900;

/// The ports a sign-in session's credentials come through.
#[derive(Clone, Copy)]
pub struct LoginDeps<'a> {
    pub api: &'a dyn SignInApi,
    pub files: &'a dyn LoginFiles,
}

impl Run<'_, '_, '_> {
    /// A `login_session`'s credentials: cached, else from its token (refreshed if need be).
    pub(super) fn login_session(
        &mut self,
        login: &LoginSession,
        cache_key: &str,
    ) -> Result<Credentials, ExecuteError> {
        let window = self.policy.window(TOKEN_SECONDS);
        let profile = login.profile.as_str();
        if let Some(c) = self.cached(cache_key, profile, window, self.deps.clock.now()) {
            return Ok(c);
        }
        let _lock = self.lock(cache_key);
        if let Some(c) = self.cached(cache_key, profile, window, self.deps.clock.now()) {
            return Ok(c);
        }
        let creds = credentials(self.deps.login, self.deps.clock, self.out, login, window)?;
        self.check_usable(&creds, "CreateOAuth2Token", profile)?;
        self.check_fresh(&creds, "CreateOAuth2Token", profile)?;
        let label = Label {
            profile,
            session_name: None,
        };
        self.store(cache_key, label, &creds);
        Ok(creds)
    }
}

fn file_error(login: &LoginSession, e: StoreError) -> ExecuteError {
    ExecuteError::Login {
        message: format!(
            "profile \"{}\": {}; {}",
            login.profile,
            e.0,
            login.login_hint()
        ),
        unreachable: false,
    }
}

/// No token file, or a sign-in that is over: the one line that says how to sign in again.
fn login_needed(login: &LoginSession, what: &str) -> ExecuteError {
    ExecuteError::LoginNeeded(format!(
        "the AWS Sign-In session {} of profile \"{}\" {what}; {}",
        login.session,
        login.profile,
        login.login_hint()
    ))
}

/// The session's credentials: rolecall's own token (`rolecall login`) first, then the AWS
/// CLI's file; each refreshed under its lock when it has no more than `window` (and at least
/// five minutes) left. A sign-in that is over in one place leaves the other to try.
pub fn credentials(
    d: LoginDeps,
    clock: &dyn Clock,
    out: &mut Printer,
    login: &LoginSession,
    window: Duration,
) -> Result<Credentials, ExecuteError> {
    let mut found = Vec::new();
    for place in [Place::Own, Place::AwsCli] {
        match d.files.read(place, login) {
            Ok(Some(token)) => found.push((place, token)),
            Ok(None) => {}
            // rolecall's own store may be locked or missing: the AWS CLI's file may still do.
            Err(e) if place == Place::Own => {
                out.verbose(&format!("cannot read rolecall's sign-in token: {}", e.0))
            }
            Err(e) => return Err(file_error(login, e)),
        }
    }
    if found.is_empty() {
        return Err(login_needed(
            login,
            &format!(
                "has no token (none in {}, no file {})",
                Place::Own.name(),
                d.files.path(login)
            ),
        ));
    }
    let mut result = None;
    for (place, token) in found {
        if let Some(Err(ExecuteError::LoginNeeded(why))) = &result {
            out.verbose(why); // the next place may still have a live sign-in
        }
        let this = from_place(d, clock, out, login, window, place, token);
        let over = matches!(this, Err(ExecuteError::LoginNeeded(_)));
        result = Some(this);
        if !over {
            break;
        }
    }
    result.unwrap_or_else(|| Err(login_needed(login, "has no token")))
}

/// A token's credentials, with the account the sign-in is in (the token's, else the session
/// ARN's).
fn session_of(token: LoginToken, login: &LoginSession) -> Credentials {
    let mut credentials = token.credentials;
    credentials.account_id = token
        .account_id
        .or_else(|| crate::domain::login::account_of(&login.session));
    credentials
}

fn from_place(
    d: LoginDeps,
    clock: &dyn Clock,
    out: &mut Printer,
    login: &LoginSession,
    window: Duration,
    place: Place,
    token: LoginToken,
) -> Result<Credentials, ExecuteError> {
    let shown = match place {
        Place::Own => Place::Own.name().to_string(),
        Place::AwsCli => d.files.path(login),
    };
    let now = clock.now();
    if token.fresh(now, window) {
        out.verbose(&format!(
            "sign-in token of {} from {shown} ({} left)",
            login.session,
            human(token.expires_at() - now)
        ));
        return Ok(session_of(token, login));
    }
    let mut held = d
        .files
        .hold(place, login)
        .map_err(|e| file_error(login, e))?;
    let token = held
        .read()
        .map_err(|e| file_error(login, e))?
        .ok_or_else(|| login_needed(login, &format!("has no token in {shown} any more")))?;
    let now = clock.now();
    if token.fresh(now, window) {
        out.verbose(&format!(
            "another program refreshed the sign-in token of {} meanwhile",
            login.session
        ));
        return Ok(session_of(token, login));
    }
    out.verbose(&format!(
        "refreshing the sign-in token of {} (CreateOAuth2Token, {})",
        login.session,
        login
            .endpoint
            .url
            .as_deref()
            .map(crate::domain::text::redact_url)
            .unwrap_or_else(|| token
                .region
                .clone()
                .unwrap_or(login.endpoint.region.clone()))
    ));
    match d.api.refresh(&login.endpoint, &token, now) {
        Ok(answer) => {
            let fresh = token.refreshed(answer, now);
            match held.write(&fresh) {
                Ok(()) => out.verbose(&format!("wrote the refreshed sign-in token to {shown}")),
                Err(e) => out.note(&format!(
                    "refreshed the sign-in token of {}, but could not keep it: {}; the next run needs a new sign-in ({})",
                    login.session,
                    e.0,
                    login.login_hint()
                )),
            }
            Ok(session_of(fresh, login))
        }
        Err(e) if e.kind == LoginErrorKind::Expired => {
            // A program that takes no lock may have used the same refresh token a moment ago
            // and written the rotated one: its token is the one to use.
            if let Some(again) = refreshed_elsewhere(&mut *held, &token, clock, window) {
                return Ok(session_of(again, login));
            }
            Err(login_needed(
                login,
                &format!("is over ({})", e.message.trim_end_matches('.')),
            ))
        }
        Err(e) => Err(ExecuteError::Login {
            message: format!(
                "profile \"{}\": cannot refresh the sign-in token of {}: {e}",
                login.profile, login.session
            ),
            unreachable: e.kind == LoginErrorKind::Unreachable,
        }),
    }
}

fn refreshed_elsewhere(
    held: &mut dyn crate::ports::login::HeldLogin,
    used: &LoginToken,
    clock: &dyn Clock,
    window: Duration,
) -> Option<LoginToken> {
    let again = held.read().ok().flatten()?;
    (again.refresh_token != used.refresh_token && again.fresh(clock.now(), window)).then_some(again)
}

//! IAM Identity Center: an access token for a session (rolecall's own, else the AWS CLI's;
//! refreshed near expiry under a lock; else a login), and the login flows themselves
//! (authorization code with PKCE through the loopback callback, or the device code).

use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::ExecuteError;
use crate::domain::sso::{
    authorize_url, pkce_challenge, SsoEndpoints, SsoSession, Token, TokenState,
};
use crate::domain::Secret;
use crate::ports::clock::Clock;
use crate::ports::sso::{
    Authorize, CallbackError, Grant, Registration, Sso, SsoErrorKind, SsoTokens,
};
use crate::printer::Printer;

/// How long a browser sign-in may take before the login gives up.
pub const LOGIN_TIMEOUT: StdDuration = StdDuration::from_secs(300);
/// How long a second rolecall waits for another one's login of the same session.
const LOGIN_WAIT: StdDuration = StdDuration::from_secs(600);
const REFRESH_WAIT: StdDuration = StdDuration::from_secs(60);
/// A registration this close to its end is replaced before a login.
const REGISTRATION_MARGIN: Duration = Duration::hours(1);
const DEVICE_CODE_EXPIRED: &str =
    "the device code expired before the sign-in was approved; run the login again";
use crate::domain::sso::USABLE_MARGIN;

/// The ports the SSO steps act through.
#[derive(Clone, Copy)]
pub struct SsoDeps<'a> {
    pub api: &'a dyn Sso,
    pub tokens: &'a dyn SsoTokens,
    pub authorize: &'a dyn Authorize,
    pub clock: &'a dyn Clock,
    /// Whether a missing token may start a sign-in (not while `exec --server`'s command owns
    /// the terminal).
    pub may_sign_in: bool,
}

/// How a login goes: the flow, and whether the browser is started.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoginOptions {
    pub device_code: bool,
    pub no_browser: bool,
    /// Log in even when a fresh token is there (`rolecall sso login`).
    pub force: bool,
    /// Also write the token as the AWS CLI's cache file (`sso login --aws-cache`).
    pub aws_cache: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Own,
    AwsCli,
}

/// A token usable for the session's portal calls: see the module's doc for the order.
/// `profile` names the profile in hints.
pub fn token(
    d: SsoDeps,
    out: &mut Printer,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    profile: &str,
) -> Result<Secret, ExecuteError> {
    let read = |out: &mut Printer| candidates(d, out, session);
    let now = d.clock.now();
    let found = read(out);
    if let Some((origin, t)) = found
        .iter()
        .find(|(_, t)| t.state(now) == TokenState::Fresh)
    {
        out.verbose(&format!(
            "SSO token for {} from {} ({} left)",
            session.describe(),
            origin_name(*origin),
            crate::domain::text::human(t.expires_at - now)
        ));
        return Ok(t.access_token.clone());
    }
    if found.iter().any(|(_, t)| t.refreshable(now)) {
        let mut waiting = || {
            out.note("waiting for another rolecall that is refreshing this SSO token (up to 1 minute; Ctrl-C to stop)");
        };
        let _lock = d
            .tokens
            .lock(session, "refresh", REFRESH_WAIT, &mut waiting)
            .ok()
            .flatten();
        let now = d.clock.now();
        let found = read(out);
        if let Some((_, t)) = found
            .iter()
            .find(|(_, t)| t.state(now) == TokenState::Fresh)
        {
            return Ok(t.access_token.clone()); // another process refreshed it
        }
        for (origin, t) in found.iter().filter(|(_, t)| t.refreshable(now)) {
            match refresh(d, endpoints, t) {
                Ok(fresh) => {
                    let saved = match origin {
                        Origin::Own => d.tokens.put_own(session, &fresh),
                        Origin::AwsCli => d.tokens.put_cli(session, &fresh),
                    };
                    match saved {
                        Ok(()) => out.verbose(&format!(
                            "refreshed the SSO token of {} (kept in {})",
                            session.describe(),
                            origin_name(*origin)
                        )),
                        Err(e) => out.note(&format!(
                            "refreshed the SSO token of {}, but could not keep it: {e}",
                            session.describe()
                        )),
                    }
                    return Ok(fresh.access_token);
                }
                Err(e) => out.verbose(&format!(
                    "could not refresh the SSO token of {} from {}: {e}",
                    session.describe(),
                    origin_name(*origin)
                )),
            }
        }
    }
    let now = d.clock.now();
    if let Some((_, t)) = read(out)
        .into_iter()
        .find(|(_, t)| t.expires_at - now > USABLE_MARGIN)
    {
        return Ok(t.access_token);
    }
    if !d.may_sign_in || !d.authorize.interactive() {
        let foreign = match d.tokens.cli(session) {
            Ok(Some(t)) if !t.grants_account_access() => format!(
                " (the token in {} is another tool's: its scopes lack {})",
                d.tokens.cli_file(session),
                crate::domain::sso::DEFAULT_SCOPE
            ),
            _ => String::new(),
        };
        return Err(ExecuteError::SsoLoginNeeded(format!(
            "the SSO token of {} for profile \"{profile}\" is missing or expired and cannot be refreshed{foreign}; {}",
            session.describe(),
            session.login_hint(profile)
        )));
    }
    instruct(
        d,
        out,
        &format!(
            "profile \"{profile}\" needs a sign-in to {}",
            session.describe()
        ),
    );
    login(d, out, session, endpoints, LoginOptions::default()).map(|t| t.access_token)
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Own => "the keychain",
        Origin::AwsCli => "the AWS CLI's cache",
    }
}

/// rolecall's own token first, then the AWS CLI's; unreadable ones are skipped (said).
fn candidates(d: SsoDeps, out: &mut Printer, session: &SsoSession) -> Vec<(Origin, Token)> {
    let mut found = Vec::new();
    match d.tokens.own(session) {
        Ok(Some(t)) => found.push((Origin::Own, t)),
        Ok(None) => {}
        Err(e) => out.verbose(&format!("cannot read rolecall's SSO token: {e}")),
    }
    match d.tokens.cli(session) {
        Ok(Some(t)) if !t.grants_account_access() => out.verbose(&format!(
            "skipped the token in {}: {}",
            d.tokens.cli_file(session),
            foreign(&t)
        )),
        Ok(Some(t)) => found.push((Origin::AwsCli, t)),
        Ok(None) => {}
        // A file rolecall does not own that cannot be read (a FIFO, a device, a huge file)
        // is said, not only with -v: otherwise the sign-in it asks for is a riddle.
        Err(e) => out.note(&format!("skipped the AWS CLI's SSO token: {e}")),
    }
    found
}

/// Why a token in the AWS CLI's cache is not used: whose it likely is and what it lacks.
pub fn foreign(t: &Token) -> String {
    format!(
        "its scopes ({}) lack {}: another tool's sign-in to the same start URL (an IDE extension's?), which the portal refuses for role credentials",
        t.scopes.as_deref().unwrap_or_default().join(", "),
        crate::domain::sso::DEFAULT_SCOPE
    )
}

/// `CreateToken` with the refresh token; the registration and (unless a new one came) the
/// refresh token carry over.
fn refresh(
    d: SsoDeps,
    endpoints: &SsoEndpoints,
    t: &Token,
) -> Result<Token, crate::ports::sso::SsoError> {
    let (Some(client_id), Some(secret), Some(refresh_token)) =
        (&t.client_id, &t.client_secret, &t.refresh_token)
    else {
        return Err(crate::ports::sso::SsoError::new(
            SsoErrorKind::InvalidGrant,
            "CreateToken",
            "not refreshable",
        ));
    };
    let issued = d.api.create_token(
        endpoints,
        client_id,
        secret,
        Grant::RefreshToken(refresh_token),
    )?;
    Ok(Token {
        access_token: issued.access_token,
        expires_at: d.clock.now() + Duration::seconds(issued.expires_in.max(0)),
        refresh_token: issued.refresh_token.or_else(|| t.refresh_token.clone()),
        client_id: t.client_id.clone(),
        client_secret: t.client_secret.clone(),
        registration_expires_at: t.registration_expires_at,
        scopes: None,
    })
}

/// Signs in to the session and keeps the token in the keychain. One login per session at a
/// time across processes: a second caller waits and takes the first one's token.
pub fn login(
    d: SsoDeps,
    out: &mut Printer,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    options: LoginOptions,
) -> Result<Token, ExecuteError> {
    let mut waited = false;
    let lock = {
        let mut waiting = || {
            waited = true;
            out.note(&format!(
                "another rolecall is signing in to {}; waiting for it to finish (up to {} minutes; Ctrl-C to stop)",
                session.describe(),
                LOGIN_WAIT.as_secs() / 60
            ));
        };
        d.tokens
            .lock(session, "login", LOGIN_WAIT, &mut waiting)
            .map_err(|e| ExecuteError::SsoLoginFailed(format!("cannot take the login lock: {e}")))?
    };
    if waited || !options.force {
        let now = d.clock.now();
        if let Ok(Some(t)) = d.tokens.own(session) {
            if t.state(now) == TokenState::Fresh {
                out.verbose("another rolecall signed in meanwhile; using its token");
                return Ok(t);
            }
        }
    }
    // A legacy profile (no sso-session) has no scopes, and the authorization-code flow needs
    // them: the device flow, as the AWS CLI does for those profiles.
    let mut options = options;
    if session.name.is_none() && !options.device_code {
        out.verbose("a legacy SSO profile (no sso_session): the device-code flow");
        options.device_code = true;
    }
    // The loopback callback needs a browser on this machine: without one (an SSH session
    // without a display, nothing to open a URL with, or --no-browser), the device code.
    if !options.device_code && options.no_browser {
        out.verbose("--no-browser: the device-code flow, for a browser anywhere");
        options.device_code = true;
    }
    if !options.device_code && !d.authorize.browser_here() {
        out.verbose("no browser can be started here (an SSH session without a display, or no opener): the device-code flow");
        options.device_code = true;
        options.no_browser = true;
    }
    let flow = if options.device_code {
        "device"
    } else {
        "code"
    };
    let registration = registration(d, session, endpoints, flow)?;
    let token = if options.device_code {
        device_flow(d, out, session, endpoints, &registration, options)?
    } else {
        code_flow(d, out, session, endpoints, &registration, options)?
    };
    d.tokens.put_own(session, &token).map_err(|e| {
        ExecuteError::SsoLoginFailed(format!(
            "signed in to {}, but the token could not be kept: {e}",
            session.describe()
        ))
    })?;
    if options.aws_cache {
        let path = d.tokens.write_cli(session, &token).map_err(|e| {
            ExecuteError::SsoLoginFailed(format!(
                "signed in to {} and kept the token, but the AWS CLI's cache file could not be written: {e}",
                session.describe()
            ))
        })?;
        out.note(&format!(
            "wrote the AWS CLI's token cache {path}: the AWS CLI and the SDKs see this sign-in too"
        ));
    }
    drop(lock);
    out.note(&format!(
        "signed in to {}; the token lasts until {}",
        session.describe(),
        crate::domain::text::timestamp(token.expires_at)
    ));
    Ok(token)
}

/// The session's client registration, reused until an hour before it expires.
fn registration(
    d: SsoDeps,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    flow: &str,
) -> Result<Registration, ExecuteError> {
    let now = d.clock.now();
    // A registration is for its scopes: other scopes register anew.
    let kept_as = format!("{flow}-{}", session.scopes.join("+"));
    if let Ok(Some(r)) = d.tokens.registration(session, &kept_as) {
        if r.expires_at - now > REGISTRATION_MARGIN {
            return Ok(r);
        }
    }
    let (grants, redirect): (&[&str], Option<&str>) = if flow == "device" {
        (
            &[
                "urn:ietf:params:oauth:grant-type:device_code",
                "refresh_token",
            ],
            None,
        )
    } else {
        (
            &["authorization_code", "refresh_token"],
            Some("http://127.0.0.1/oauth/callback"),
        )
    };
    let grants: &[&str] = if session.scopes.is_empty() && flow == "device" {
        &[] // a legacy session registers as the AWS CLI does: no scopes, no refresh
    } else {
        grants
    };
    let r = d
        .api
        .register_client(
            endpoints,
            &session.scopes,
            grants,
            redirect,
            Some(&session.start_url),
        )
        .map_err(ExecuteError::Sso)?;
    let _ = d.tokens.put_registration(session, &kept_as, &r);
    Ok(r)
}

fn issued_token(d: SsoDeps, issued: crate::ports::sso::Issued, r: &Registration) -> Token {
    Token {
        access_token: issued.access_token,
        expires_at: d.clock.now() + Duration::seconds(issued.expires_in.max(0)),
        refresh_token: issued.refresh_token,
        client_id: Some(r.client_id.clone()),
        client_secret: Some(r.client_secret.clone()),
        registration_expires_at: Some(r.expires_at),
        scopes: None,
    }
}

fn open_browser(d: SsoDeps, out: &mut Printer, url: &str, options: LoginOptions) {
    if options.no_browser {
        return;
    }
    if let Err(e) = d.authorize.open(url) {
        instruct(d, out, &format!("{e}; open the URL above yourself"));
    }
}

/// A sign-in instruction: on stderr, or on the terminal when stderr reaches no person.
fn instruct(d: SsoDeps, out: &mut Printer, text: &str) {
    if !d.authorize.tell(text) {
        out.note(text);
    }
}

fn code_flow(
    d: SsoDeps,
    out: &mut Printer,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    r: &Registration,
    options: LoginOptions,
) -> Result<Token, ExecuteError> {
    let failed = ExecuteError::SsoLoginFailed;
    let mut callback = d.authorize.listen().map_err(failed)?;
    let redirect_uri = callback.redirect_uri();
    let verifier = Secret::new(d.authorize.random().map_err(failed)?);
    let state = d.authorize.random().map_err(failed)?;
    let url = authorize_url(
        &endpoints.oidc_url(),
        &r.client_id,
        &redirect_uri,
        &state,
        &pkce_challenge(verifier.expose()),
        &session.scopes,
    );
    let entry = callback.entry(&url).map_err(failed)?;
    instruct(
        d,
        out,
        &format!(
            "sign in to {} in the browser; if it does not open, open {entry}",
            session.describe()
        ),
    );
    open_browser(d, out, &entry, options);
    instruct(
        d,
        out,
        &format!(
            "waiting up to {} minutes for the browser to come back to this machine (Ctrl-C to cancel)",
            LOGIN_TIMEOUT.as_secs() / 60
        ),
    );
    let code = callback.wait(&state, LOGIN_TIMEOUT).map_err(|e| {
        ExecuteError::SsoLoginFailed(match e {
            CallbackError::TimedOut { refused } => format!(
                "no sign-in arrived within {} s{}; run the login again (or with --use-device-code)",
                LOGIN_TIMEOUT.as_secs(),
                if refused.is_empty() {
                    String::new()
                } else {
                    format!(" ({} sent requests that were refused)", refused.join(", "))
                }
            ),
            CallbackError::Denied(why) => format!("the sign-in was refused ({why})"),
            CallbackError::Failed(why) => why,
            CallbackError::Interrupted => return ExecuteError::Interrupted,
        })
    })?;
    let issued = d
        .api
        .create_token(
            endpoints,
            &r.client_id,
            &r.client_secret,
            Grant::AuthorizationCode {
                code: &code,
                redirect_uri: &redirect_uri,
                verifier: &verifier,
            },
        )
        .map_err(ExecuteError::Sso)?;
    Ok(issued_token(d, issued, r))
}

fn device_flow(
    d: SsoDeps,
    out: &mut Printer,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    r: &Registration,
    options: LoginOptions,
) -> Result<Token, ExecuteError> {
    let auth = d
        .api
        .start_device_authorization(endpoints, r, &session.start_url)
        .map_err(ExecuteError::Sso)?;
    let url = auth
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| auth.verification_uri.clone());
    instruct(
        d,
        out,
        &format!(
            "to sign in to {}, open {} and enter the code {} (or open {url})",
            session.describe(),
            auth.verification_uri,
            auth.user_code
        ),
    );
    open_browser(d, out, &url, options);
    instruct(
        d,
        out,
        &format!(
            "waiting up to {} minutes for the code to be approved (Ctrl-C to cancel)",
            auth.expires_in.div_ceil(60)
        ),
    );
    let deadline: OffsetDateTime = d.clock.now() + Duration::seconds(auth.expires_in as i64);
    let mut interval = auth.interval.max(1);
    loop {
        d.authorize.sleep(StdDuration::from_secs(interval));
        if d.authorize.interrupted() {
            return Err(ExecuteError::Interrupted);
        }
        if d.clock.now() >= deadline {
            return Err(ExecuteError::SsoLoginFailed(DEVICE_CODE_EXPIRED.into()));
        }
        match d.api.create_token(
            endpoints,
            &r.client_id,
            &r.client_secret,
            Grant::DeviceCode(&auth.device_code),
        ) {
            Ok(issued) => return Ok(issued_token(d, issued, r)),
            Err(e) if e.kind == SsoErrorKind::Pending => {}
            Err(e) if e.kind == SsoErrorKind::SlowDown => interval += 5,
            Err(e) if e.kind == SsoErrorKind::Expired => {
                return Err(ExecuteError::SsoLoginFailed(DEVICE_CODE_EXPIRED.into()))
            }
            Err(e) if e.kind == SsoErrorKind::Denied => {
                return Err(ExecuteError::SsoLoginFailed(format!(
                    "the sign-in was refused ({})",
                    e.message
                )))
            }
            Err(e) => return Err(ExecuteError::Sso(e)),
        }
    }
}

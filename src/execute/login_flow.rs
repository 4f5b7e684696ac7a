//! `rolecall login` and `rolecall logout`: AWS Sign-In in the browser (the authorization code
//! with PKCE on the loopback callback of `sso login`, or, without a browser here, the AWS
//! CLI's `--remote` flow: a code pasted from the browser), with a DPoP key rolecall makes; the
//! tokens kept in the keychain (or the file store), in the AWS CLI's file only when asked;
//! and signing out, which forgets them and the sessions made with them.

use std::path::Path;

use time::Duration;

use super::ExecuteError;
use crate::domain::login::{
    account_of, authorize_url, base_url, session_of_id_token, LoginSession, LoginToken,
    CROSS_DEVICE_CLIENT, SAME_DEVICE_CLIENT,
};
use crate::domain::plan::StsEndpoint;
use crate::domain::sso::pkce_challenge;
use crate::domain::{Credentials, Secret};
use crate::ports::ask::Ask;
use crate::ports::clock::Clock;
use crate::ports::login::{CodeGrant, LoginFiles, Place, SignInApi};
use crate::ports::sso::{Authorize, CallbackError};
use crate::printer::Printer;

use super::sso::LOGIN_TIMEOUT;

/// The ports a sign-in acts through.
#[derive(Clone, Copy)]
pub struct SignInDeps<'a> {
    pub api: &'a dyn SignInApi,
    pub files: &'a dyn LoginFiles,
    pub authorize: &'a dyn Authorize,
    pub ask: &'a dyn Ask,
    pub clock: &'a dyn Clock,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SignInOptions {
    /// The AWS CLI's `--remote`: a browser anywhere, the code pasted back here.
    pub remote: bool,
    /// Do not start a browser (the remote flow).
    pub no_browser: bool,
    /// Also write the AWS CLI's token file.
    pub aws_cache: bool,
}

/// Which profile signs in, and where its config lives.
pub struct Target<'a> {
    pub profile: &'a str,
    pub config: &'a Path,
    /// The profile's `login_session` now, if it has one.
    pub current: Option<&'a str>,
    /// The profile's other kind of credentials (`role`, `sso`, `keys`…), which a sign-in
    /// would not replace.
    pub other_kind: Option<&'a str>,
    pub endpoint: StsEndpoint,
}

/// What a sign-in did.
pub struct SignedIn {
    pub session: String,
    pub kept_in: String,
    pub aws_file: Option<String>,
    /// The config file was edited to name the session.
    pub config_edited: Option<String>,
}

fn failed(why: impl Into<String>) -> ExecuteError {
    ExecuteError::Login {
        message: format!("sign-in failed: {}", why.into()),
        unreachable: false,
    }
}

/// A sign-in instruction: on stderr, or on the terminal when stderr reaches no person.
fn instruct(d: SignInDeps, out: &mut Printer, text: &str) {
    if !d.authorize.tell(text) {
        out.note(text);
    }
}

/// Signs `target.profile` in, keeps the tokens and names the session in the profile.
pub fn sign_in(
    d: SignInDeps,
    out: &mut Printer,
    target: Target,
    options: SignInOptions,
) -> Result<SignedIn, ExecuteError> {
    if let Some(kind) = target.other_kind {
        return Err(ExecuteError::Login {
            message: format!(
                "profile \"{}\" has {kind} credentials already; sign in to a new profile (rolecall login --profile NEW) or take them out of it first",
                target.profile
            ),
            unreachable: false,
        });
    }
    let key = d.api.new_key().map_err(|e| failed(e.to_string()))?;
    let remote = options.remote || options.no_browser || !d.authorize.browser_here();
    if remote && !options.remote {
        out.verbose("no browser here (or --no-browser): the remote flow, a code to paste back");
    }
    let (client, code, redirect_uri, verifier) = if remote {
        remote_code(d, out, &target.endpoint)?
    } else {
        loopback_code(d, out, &target.endpoint)?
    };
    let now = d.clock.now();
    let grant = CodeGrant {
        client_id: client,
        code: &code,
        redirect_uri: &redirect_uri,
        verifier: &verifier,
    };
    let answer = d
        .api
        .exchange_code(&target.endpoint, grant, &key, now)
        .map_err(|e| failed(e.to_string()))?;
    let session = answer
        .id_token
        .as_deref()
        .and_then(session_of_id_token)
        .ok_or_else(|| failed("the answer names no session (no ID token with an ARN)"))?;
    let token = LoginToken {
        credentials: Credentials {
            expiration: Some(now + Duration::seconds(answer.tokens.expires_in.max(0))),
            ..answer.tokens.credentials
        },
        account_id: account_of(&session),
        refresh_token: answer.tokens.refresh_token,
        client_id: client.to_string(),
        dpop_key: key,
        region: Some(target.endpoint.region.clone()),
    };
    let login = LoginSession {
        profile: target.profile.to_string(),
        session: session.clone(),
        endpoint: target.endpoint.clone(),
    };
    let kept_in = d.files.create(Place::Own, &login, &token).map_err(|e| {
        failed(format!(
            "signed in as {session}, but the tokens could not be kept: {}",
            e.0
        ))
    })?;
    let aws_file = match options.aws_cache {
        true => Some(d.files.create(Place::AwsCli, &login, &token).map_err(|e| {
            failed(format!(
                "signed in and kept the tokens, but the AWS CLI's file could not be written: {}",
                e.0
            ))
        })?),
        false => None,
    };
    let config_edited = match target.current {
        Some(current) if current == session => None,
        current => {
            if let Some(old) = current {
                out.note(&format!(
                    "profile \"{}\" signed in as {old} before; it now uses {session}",
                    target.profile
                ));
            }
            Some(
                d.files
                    .set_profile(target.config, target.profile, &session)
                    .map_err(|e| failed(format!("signed in, but {}", e.0)))?,
            )
        }
    };
    Ok(SignedIn {
        session,
        kept_in,
        aws_file,
        config_edited,
    })
}

/// PKCE's verifier (and its state): 256 random bits each.
fn pkce(d: SignInDeps) -> Result<(Secret, String), ExecuteError> {
    let verifier = Secret::new(d.authorize.random().map_err(failed)?);
    let state = d.authorize.random().map_err(failed)?;
    Ok((verifier, state))
}

type Code = (&'static str, Secret, String, Secret);

/// The browser on this machine, back to the one-shot loopback callback.
fn loopback_code(
    d: SignInDeps,
    out: &mut Printer,
    endpoint: &StsEndpoint,
) -> Result<Code, ExecuteError> {
    let mut callback = d.authorize.listen().map_err(failed)?;
    let redirect_uri = callback.redirect_uri();
    let (verifier, state) = pkce(d)?;
    let url = authorize_url(
        &base_url(endpoint),
        SAME_DEVICE_CLIENT,
        &redirect_uri,
        &state,
        &pkce_challenge(verifier.expose()),
    );
    let entry = callback.entry(&url).map_err(failed)?;
    instruct(
        d,
        out,
        &format!("sign in to AWS in the browser; if it does not open, open {entry}"),
    );
    if let Err(e) = d.authorize.open(&entry) {
        instruct(d, out, &format!("{e}; open the URL above yourself"));
    }
    let code = callback.wait(&state, LOGIN_TIMEOUT).map_err(|e| match e {
        CallbackError::TimedOut { .. } => failed(format!(
            "no sign-in arrived within {} s; run the login again (or with --remote)",
            LOGIN_TIMEOUT.as_secs()
        )),
        CallbackError::Denied(why) => failed(format!("the sign-in was refused ({why})")),
        CallbackError::Failed(why) => failed(why),
        CallbackError::Interrupted => ExecuteError::Interrupted,
    })?;
    Ok((SAME_DEVICE_CLIENT, code, redirect_uri, verifier))
}

/// A browser anywhere: the sign-in page shows a code, pasted back here (hidden: it is a
/// bearer of the sign-in until it is used).
fn remote_code(
    d: SignInDeps,
    out: &mut Printer,
    endpoint: &StsEndpoint,
) -> Result<Code, ExecuteError> {
    if !d.ask.available() {
        return Err(failed(
            "the remote sign-in needs a terminal to paste the code into",
        ));
    }
    let redirect_uri = format!("{}/v1/sessions/confirmation", base_url(endpoint));
    let (verifier, state) = pkce(d)?;
    let url = authorize_url(
        &base_url(endpoint),
        CROSS_DEVICE_CLIENT,
        &redirect_uri,
        &state,
        &pkce_challenge(verifier.expose()),
    );
    instruct(
        d,
        out,
        &format!("open this URL in a browser on any device and sign in: {url}"),
    );
    let pasted = d
        .ask
        .hidden("the authorization code the browser shows: ")
        .map_err(|e| failed(e.to_string()))?;
    let (code, returned) = crate::domain::login::parse_verification_code(pasted.expose())
        .ok_or_else(|| {
            failed("that is not the code the sign-in page shows; run the login again")
        })?;
    if returned != state {
        return Err(failed(
            "the code is from another sign-in (its state differs); run the login again",
        ));
    }
    Ok((
        CROSS_DEVICE_CLIENT,
        Secret::new(code),
        redirect_uri,
        verifier,
    ))
}

/// What a sign-out did.
pub struct SignedOut {
    pub had_own: bool,
    pub removed_file: bool,
}

/// Forgets rolecall's own tokens of the session (and the AWS CLI's file with `aws_cache`).
pub fn sign_out(
    files: &dyn LoginFiles,
    login: &LoginSession,
    aws_cache: bool,
) -> Result<SignedOut, ExecuteError> {
    let e = |e: crate::ports::store::StoreError| ExecuteError::Login {
        message: format!("cannot forget the sign-in {}: {}", login.session, e.0),
        unreachable: false,
    };
    let had_own = files.remove(Place::Own, login).map_err(e)?;
    let removed_file = match aws_cache {
        true => files.remove(Place::AwsCli, login).map_err(e)?,
        false => false,
    };
    Ok(SignedOut {
        had_own,
        removed_file,
    })
}

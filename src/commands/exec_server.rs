//! `rolecall exec --server PROFILE -- COMMAND`: the command gets an ECS-style credential
//! endpoint instead of keys in its environment, and rolecall stays its parent, refreshing the
//! session in the background (the same cache and window as `export`) until it ends.

use std::ffi::OsString;
use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::exec::request;
use super::Context;
use crate::adapters::prompt::NoPersonPrompt;
use crate::adapters::server::{CredentialServer, Served};
use crate::cli::CredentialArgs;
use crate::domain::env::Change;
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::plan::Plan;
use crate::domain::{Credentials, Outcome, Secret};
use crate::error::Error;
use crate::execute::{execute, ExecuteError, MfaToken};
use crate::ports::sts::SessionTokenRequest;

/// The first wait after a failed refresh; it doubles up to `MAX_RETRY`.
const FIRST_RETRY: Duration = Duration::seconds(30);
const MAX_RETRY: Duration = Duration::minutes(5);
/// How often the command's state and the signals are looked at.
const TICK: StdDuration = StdDuration::from_millis(100);

/// Variables an SDK would read before the container endpoint: never in the command's
/// environment.
const SHADOWING: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

#[cfg(not(unix))]
pub fn run(
    _: &Plan,
    _: Credentials,
    _: &CredentialArgs,
    _: Vec<OsString>,
    _: &mut Context,
) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "exec --server is not available on this platform yet".into(),
    ))
}

#[cfg(unix)]
pub fn run(
    plan: &Plan,
    credentials: Credentials,
    args: &CredentialArgs,
    command: Vec<OsString>,
    ctx: &mut Context,
) -> Result<Outcome, Error> {
    let keys_only = credentials.session_token.is_none();
    let mut current = if keys_only {
        keys_session(plan, &credentials, ctx)?
    } else {
        credentials.clone()
    };
    let server = CredentialServer::start(Served::of(&current))
        .map_err(|e| Error::Usage(format!("cannot serve credentials on 127.0.0.1: {e}")))?;
    let mut exec = request(plan, &current, command, ctx)?;
    exec.changes.retain(|c| !SHADOWING.contains(&c.name()));
    exec.changes
        .extend(SHADOWING.iter().map(|n| Change::Unset(n)));
    exec.changes.push(Change::Set(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        server.url.clone(),
    ));
    exec.changes.push(Change::Set(
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        server.token.expose().to_string(),
    ));
    shadow_note(ctx);
    ctx.verbose(&format!(
        "serving the credentials of profile \"{}\" at {}",
        plan.profile, server.url
    ));
    let mut child = match crate::adapters::child::Supervised::spawn(&exec) {
        Ok(child) => child,
        Err((code, message)) => {
            ctx.err.error(&message);
            return Ok(Outcome::Exit(code));
        }
    };
    let policy = CachePolicy {
        mode: if args.no_cache {
            CacheMode::Bypass
        } else {
            CacheMode::Use
        },
        refresh_window: ctx.settings.refresh_window.clone()?,
    };
    let lifetime = plan
        .steps
        .last()
        .map_or(crate::domain::plan::DEFAULT_KEYS_SESSION_SECONDS, |s| {
            s.lifetime_seconds()
        });
    let window = policy.window(lifetime);
    let mut next = refresh_time(&current, window);
    let mut retry = FIRST_RETRY;
    loop {
        if let Some(code) = child.poll() {
            drop(server); // the port closes with the command
            return Ok(Outcome::Exit(code));
        }
        let now = ctx.clock.now();
        if now >= next {
            let refreshed = if keys_only {
                keys_session(plan, &credentials, ctx)
            } else {
                refresh(plan, policy, ctx).map_err(Error::from)
            };
            match refreshed {
                Ok(fresh) => {
                    ctx.verbose(&format!(
                        "refreshed the session of profile \"{}\"",
                        plan.profile
                    ));
                    server.set(Served::of(&fresh));
                    current = fresh;
                    retry = FIRST_RETRY;
                    // A session that is already inside the window (a short one, a window as
                    // long as the session) is looked at again after a moment, not at once.
                    next = refresh_time(&current, window).max(now + Duration::seconds(1));
                }
                Err(e) => {
                    let expired = current.expiration.is_some_and(|x| x <= now);
                    ctx.err.error(&format!(
                        "cannot refresh the session of profile \"{}\": {e}; {}",
                        plan.profile,
                        if expired {
                            format!("the endpoint answers an error until a refresh works (next try in {} s)", retry.whole_seconds())
                        } else {
                            format!("still serving the current one, next try in {} s", retry.whole_seconds())
                        }
                    ));
                    if expired {
                        server.set(Served::Failed(format!(
                            "the session of profile {} expired and could not be refreshed: {e}",
                            plan.profile
                        )));
                    }
                    next = now + retry;
                    retry = std::cmp::min(retry * 2, MAX_RETRY);
                }
            }
        }
        std::thread::sleep(TICK);
    }
}

fn refresh_time(credentials: &Credentials, window: Duration) -> OffsetDateTime {
    credentials
        .expiration
        .map_or(OffsetDateTime::UNIX_EPOCH, |e| e - window)
}

/// The plan again, through the cache: the cached session while it is fresh, else a new one
/// (once per session across processes, under the session's lock). No prompt: the terminal
/// is the command's.
fn refresh(
    plan: &Plan,
    policy: CachePolicy,
    ctx: &mut Context,
) -> Result<Credentials, ExecuteError> {
    let mut deps = ctx.deps();
    deps.mfa = &NoPersonPrompt;
    deps.sso.may_sign_in = false;
    execute(plan, deps, &mut ctx.err, policy, &MfaToken::new(None))
}

/// Long-term keys are never served: a `GetSessionToken` session of them is.
fn keys_session(plan: &Plan, keys: &Credentials, ctx: &Context) -> Result<Credentials, Error> {
    let request = SessionTokenRequest {
        duration_seconds: crate::domain::plan::DEFAULT_KEYS_SESSION_SECONDS,
        mfa_serial: String::new(),
        mfa_code: Secret::new(""),
    };
    ctx.sts
        .get_session_token(&plan.endpoint, keys, &request)
        .map_err(|e| Error::Execute(ExecuteError::Sts(e)))
}

/// A `default` profile with keys in the credentials file is what the SDKs read before the
/// container endpoint (`AWS_PROFILE` is unset, so they fall back to it).
fn shadow_note(ctx: &mut Context) {
    let Ok(profiles) = crate::config::Profiles::load(ctx.vars) else {
        return;
    };
    if profiles
        .get("default")
        .is_some_and(|p| p.get("aws_access_key_id").is_some())
    {
        ctx.note("profile \"default\" has keys in the credentials file, and the AWS CLI and the SDKs read that file before the container endpoint: the command would use those keys, not this endpoint; move them to a profile of another name");
    }
}

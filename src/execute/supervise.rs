//! Keeping a served session fresh while a command runs (`exec --server`): the endpoint
//! answers from memory, and this loop refreshes it through the cache (the same window as
//! `export`) until the command ends. It waits through the clock, so tests run it at once.

use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::{execute, Deps, ExecuteError, MfaToken};
use crate::domain::freshness::CachePolicy;
use crate::domain::plan::{Plan, DEFAULT_KEYS_SESSION_SECONDS};
use crate::domain::text::human;
use crate::domain::{Credentials, Secret};
use crate::ports::mfa::{MfaError, MfaPrompt};
use crate::ports::server::{Endpoint, Served, Supervisee};
use crate::ports::sts::SessionTokenRequest;
use crate::printer::Printer;

/// The first wait after a failed refresh; it doubles up to `MAX_RETRY`.
const FIRST_RETRY: Duration = Duration::seconds(30);
const MAX_RETRY: Duration = Duration::minutes(5);
/// How often the command's state and the signals are looked at.
const TICK: StdDuration = StdDuration::from_millis(100);

/// What the endpoint serves.
pub struct Supervision<'p> {
    pub plan: &'p Plan,
    /// A profile of long-term keys: the keys, of which `GetSessionToken` sessions are served
    /// (long-term keys never are).
    pub keys: Option<Credentials>,
    pub policy: CachePolicy,
}

/// While the command runs, the terminal is the command's: a new MFA code can come only from
/// `mfa_process`.
struct NoPerson;

impl MfaPrompt for NoPerson {
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        Err(MfaError::Prompt(format!(
            "the session needs a new MFA code for {serial}, and while the command runs only mfa_process can give one; set mfa_process in the profile, or run the command again"
        )))
    }
}

/// The first session to serve: `credentials` as the run obtained them, or a session of them
/// when they are long-term keys.
pub fn first_session(
    walk: Deps,
    plan: &Plan,
    credentials: Credentials,
) -> Result<(Credentials, Option<Credentials>), ExecuteError> {
    if credentials.session_token.is_some() {
        return Ok((credentials, None));
    }
    let session = keys_session(walk, plan, &credentials)?;
    Ok((session, Some(credentials)))
}

/// Serves `current` (already on the endpoint) and refreshes it until `child` ends; the
/// command's exit status.
pub fn supervise(
    walk: Deps,
    endpoint: &dyn Endpoint,
    s: &Supervision,
    mut current: Credentials,
    child: &mut dyn Supervisee,
    out: &mut Printer,
) -> u8 {
    let lifetime = s
        .plan
        .steps
        .last()
        .map_or(DEFAULT_KEYS_SESSION_SECONDS, |step| step.lifetime_seconds());
    let window = window(s, lifetime, out);
    let mut next = refresh_time(&current, window);
    let mut retry = FIRST_RETRY;
    // Why the last refresh failed, and whether the endpoint already answers that the
    // session expired.
    let mut last_error: Option<String> = None;
    let mut said_expired = false;
    loop {
        if let Some(code) = child.poll() {
            return code;
        }
        let now = walk.clock.now();
        // An expired session is never served, even between two tries of a refresh.
        if !said_expired && current.expiration.is_some_and(|x| x <= now) {
            endpoint.set(expired(s, last_error.as_deref()));
            said_expired = true;
        }
        if now >= next {
            match refresh(walk, s, out) {
                Ok(fresh) => {
                    out.verbose(&format!(
                        "refreshed the session of profile \"{}\"",
                        s.plan.profile
                    ));
                    endpoint.set(Served::of(&fresh));
                    current = fresh;
                    retry = FIRST_RETRY;
                    (last_error, said_expired) = (None, false);
                    // A session that is already inside the window (a short one, a window as
                    // long as the session) is looked at again after a moment, not at once.
                    next = refresh_time(&current, window).max(now + Duration::seconds(1));
                }
                Err(e) => {
                    failed(s, &current, now, retry, &e, out);
                    last_error = Some(e.to_string());
                    if current.expiration.is_some_and(|x| x <= now) {
                        endpoint.set(expired(s, last_error.as_deref()));
                        said_expired = true;
                    }
                    next = now + retry;
                    retry = std::cmp::min(retry * 2, MAX_RETRY);
                }
            }
        }
        walk.clock.sleep(TICK);
    }
}

/// How long before a session ends it is refreshed. A window as long as the session (a large
/// `ROLECALL_REFRESH_WINDOW`) would refresh at once, and again, and again: then a quarter of
/// the session, once per session, with a warning.
fn window(s: &Supervision, lifetime: u32, out: &mut Printer) -> Duration {
    let window = s.policy.window(lifetime);
    let life = Duration::seconds(i64::from(lifetime));
    if window < life {
        return window;
    }
    let quarter = life / 4;
    out.note(&format!(
        "the refresh window ({}) is not shorter than the session of profile \"{}\" ({}); the endpoint refreshes it once per session, {} before it ends",
        human(window),
        s.plan.profile,
        human(life),
        human(quarter)
    ));
    quarter
}

/// What the endpoint answers once the session has expired: why there is no new one.
fn expired(s: &Supervision, why: Option<&str>) -> Served {
    let profile = &s.plan.profile;
    Served::Failed(match why {
        Some(e) => {
            format!("the session of profile {profile} expired and could not be refreshed: {e}")
        }
        None => format!("the session of profile {profile} expired and is being refreshed"),
    })
}

/// A refresh failed: said on stderr (the endpoint answers why once the session has expired).
fn failed(
    s: &Supervision,
    current: &Credentials,
    now: OffsetDateTime,
    retry: Duration,
    e: &ExecuteError,
    out: &mut Printer,
) {
    let expired = current.expiration.is_some_and(|x| x <= now);
    let profile = &s.plan.profile;
    let next = retry.whole_seconds();
    out.error(&format!(
        "cannot refresh the session of profile \"{profile}\": {e}; {}",
        if expired {
            format!("the endpoint answers an error until a refresh works (next try in {next} s)")
        } else {
            format!("still serving the current one, next try in {next} s")
        }
    ));
}

fn refresh_time(credentials: &Credentials, window: Duration) -> OffsetDateTime {
    credentials
        .expiration
        .map_or(OffsetDateTime::UNIX_EPOCH, |e| e - window)
}

/// The plan again, through the cache: the cached session while it is fresh, else a new one
/// (once per session across processes, under the session's lock). No prompt and no sign-in:
/// the terminal is the command's.
fn refresh(
    mut walk: Deps,
    s: &Supervision,
    out: &mut Printer,
) -> Result<Credentials, ExecuteError> {
    if let Some(keys) = &s.keys {
        return keys_session(walk, s.plan, keys);
    }
    walk.mfa = &NoPerson;
    walk.sso.may_sign_in = false;
    execute(s.plan, walk, out, s.policy, &MfaToken::new(None))
}

/// A `GetSessionToken` session of long-term keys.
fn keys_session(walk: Deps, plan: &Plan, keys: &Credentials) -> Result<Credentials, ExecuteError> {
    let request = SessionTokenRequest {
        min_token_size: None,
        duration_seconds: DEFAULT_KEYS_SESSION_SECONDS,
        mfa_serial: String::new(),
        mfa_code: Secret::new(""),
    };
    Ok(walk.sts.get_session_token(&plan.endpoint, keys, &request)?)
}

//! Walking a plan: cache look-up, STS call, cache store, step by step.

use time::{Duration, OffsetDateTime};

use super::mfa::MfaPrompt;
use super::sts::{AssumeRoleRequest, StsError, StsErrorKind};
use super::Credentials;
use crate::config::plan::{Plan, Source, Step};
use crate::context::Context;
use crate::Error;

/// The refresh window when none is configured: a session is reused while more than this
/// remains (botocore's 15 minutes), or a quarter of its lifetime for shorter sessions.
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::minutes(15);
/// STS's default `DurationSeconds`.
const STS_DEFAULT_SECONDS: u32 = 3600;

/// Whether a run reads and writes the session store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    Use,
    /// `--no-cache`: neither read nor write.
    Bypass,
}

/// How a run treats cached sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    pub mode: CacheMode,
    /// A configured window replaces the default rule.
    pub refresh_window: Option<Duration>,
}

impl CachePolicy {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            refresh_window: None,
        }
    }

    /// The margin a session of `lifetime_seconds` must still have to be reused.
    pub fn window(&self, lifetime_seconds: u32) -> Duration {
        self.refresh_window.unwrap_or_else(|| {
            DEFAULT_REFRESH_WINDOW.min(Duration::seconds(i64::from(lifetime_seconds) / 4))
        })
    }
}

/// Runs `plan`, returning the final credentials. Every STS answer is stored before the next
/// step, so a failure later in the chain still leaves the earlier sessions cached.
pub fn execute(
    plan: &Plan,
    ctx: &mut Context,
    policy: CachePolicy,
    mfa: &dyn MfaPrompt,
) -> Result<Credentials, Error> {
    for note in &plan.notes {
        ctx.verbose(note);
    }
    ctx.verbose(&format!("session store: {}", ctx.store.describe()));
    let now = ctx.clock.now();

    // Start after the outermost step whose session is still fresh.
    let mut start = 0;
    let mut current = None;
    if policy.mode == CacheMode::Use {
        for (index, step) in plan.steps.iter().enumerate().rev() {
            if let Some(creds) = cached(step, ctx, policy, now) {
                start = index + 1;
                current = Some(creds);
                break;
            }
        }
    }
    let mut current = match current {
        Some(creds) => creds,
        None => {
            ctx.verbose(&format!("source: {}", plan.source.describe()));
            root(&plan.source)
        }
    };

    let mut store_trouble = false;
    for step in &plan.steps[start..] {
        let Step::AssumeRole(role) = step;
        // Serialise fetching this session across processes, then look again: another
        // process may have stored it while this one waited.
        let _lock = if policy.mode == CacheMode::Use {
            match ctx.store.lock(&role.cache_key) {
                Ok(Some(lock)) => {
                    if let Some(creds) = cached(step, ctx, policy, ctx.clock.now()) {
                        current = creds;
                        continue;
                    }
                    Some(lock)
                }
                Ok(None) => None,
                Err(e) => {
                    store_problem(ctx, &mut store_trouble, &e.to_string());
                    None
                }
            }
        } else {
            None
        };
        let mfa_code = match &role.mfa_serial {
            Some(serial) => Some(mfa.code(serial)?),
            None => None,
        };
        let request = AssumeRoleRequest {
            role_arn: role.role_arn.clone(),
            session_name: role.session_name.clone(),
            external_id: role.external_id.clone(),
            duration_seconds: role.duration_seconds,
            mfa_serial: role.mfa_serial.clone(),
            mfa_code,
        };
        ctx.verbose(&format!(
            "sts AssumeRole {} as {} for profile \"{}\" (region {}{})",
            role.role_arn,
            role.session_name,
            role.profile,
            plan.endpoint.region,
            plan.endpoint
                .url
                .as_deref()
                .map(|u| format!(", endpoint {u}"))
                .unwrap_or_default()
        ));
        let creds = ctx.sts.assume_role(&plan.endpoint, &current, &request)?;
        if creds
            .expiration
            .is_none_or(|expiry| expiry <= ctx.clock.now())
        {
            return Err(StsError::new(
                StsErrorKind::BadAnswer,
                "AssumeRole",
                format!(
                    "the credentials for profile \"{}\" are already expired (is the system clock right?)",
                    role.profile
                ),
            )
            .into());
        }
        if policy.mode == CacheMode::Use {
            if let Err(e) = ctx.store.put(&role.cache_key, &role.profile, &creds) {
                store_problem(ctx, &mut store_trouble, &e.to_string());
            }
        }
        current = creds;
    }
    if policy.mode == CacheMode::Use && !store_trouble {
        if let Some(notice) = ctx.store.notice() {
            ctx.note(&notice);
        }
    }
    Ok(current)
}

/// Tells the user about the first store failure of the run; later ones only with `-v`.
fn store_problem(ctx: &mut Context, said: &mut bool, problem: &str) {
    if *said {
        ctx.verbose(&format!("session store: {problem}"));
    } else {
        ctx.note(&format!(
            "could not cache the session ({problem}); continuing without the cache"
        ));
        *said = true;
    }
}

/// A cached session for `step` that still has more than the refresh window left.
fn cached(
    step: &Step,
    ctx: &mut Context,
    policy: CachePolicy,
    now: OffsetDateTime,
) -> Option<Credentials> {
    let Step::AssumeRole(role) = step;
    let found = match ctx.store.get(&role.cache_key) {
        Ok(found) => found,
        Err(e) => {
            ctx.verbose(&format!(
                "cache read failed for profile \"{}\": {e}",
                role.profile
            ));
            return None;
        }
    };
    let Some(creds) = found else {
        ctx.verbose(&format!("cache miss for profile \"{}\"", role.profile));
        return None;
    };
    let expiry = creds.expiration?;
    let left = expiry - now;
    let window = policy.window(role.duration_seconds.unwrap_or(STS_DEFAULT_SECONDS));
    if left > window {
        ctx.verbose(&format!(
            "cache hit for profile \"{}\": {} left",
            role.profile,
            human(left)
        ));
        Some(creds)
    } else {
        ctx.verbose(&format!(
            "cached session for profile \"{}\" is inside the refresh window ({} left); refreshing",
            role.profile,
            human(left.max(Duration::ZERO))
        ));
        None
    }
}

fn root(source: &Source) -> Credentials {
    match source {
        Source::Static { credentials, .. } | Source::Environment { credentials } => {
            credentials.clone()
        }
    }
}

/// `1h 02m`, `14m`, `30s`.
pub fn human(d: Duration) -> String {
    let secs = d.whole_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        _ => format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
#[path = "execute_tests.rs"]
mod tests;

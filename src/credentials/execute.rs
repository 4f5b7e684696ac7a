//! Walking a plan: cache look-up, STS call, cache store, step by step.

use time::{Duration, OffsetDateTime};

use super::mfa::{validate, MfaToken};
use super::sts::{
    AssumeRoleRequest, SessionTokenRequest, StsError, StsErrorKind, WebIdentityRequest,
};
use super::{Credentials, Secret};
use crate::config::plan::{chained_cap_note, Mfa, Plan, Source, Step, CHAINED_MAX_SECONDS};
use crate::context::Context;
use crate::Error;

pub use super::policy::{CacheMode, CachePolicy};

/// One run's state while walking a plan.
struct Run<'p, 'c, 'x> {
    plan: &'p Plan,
    ctx: &'c mut Context<'x>,
    policy: CachePolicy,
    token: &'c MfaToken,
    /// The user was told about a store failure already.
    store_trouble: bool,
}

/// Credentials that can sign an STS request: the key id and session token travel in HTTP
/// headers, which carry only visible ASCII. Anything else is a configuration problem, said
/// without the value.
fn sendable(caller: &Credentials) -> Result<(), Error> {
    let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    let problem = if !visible(&caller.access_key_id) {
        Some("access key id")
    } else if !caller
        .session_token
        .as_ref()
        .is_none_or(|t| visible(t.expose()))
    {
        Some("session token")
    } else {
        None
    };
    match problem {
        Some(what) => Err(Error::Config(
            crate::config::ConfigError::UnsendableCredentials(what),
        )),
        None => Ok(()),
    }
}

/// Runs `plan`, returning the final credentials. Every STS answer is stored before the next
/// step, so a failure later in the chain still leaves the earlier sessions cached.
pub fn execute(
    plan: &Plan,
    ctx: &mut Context,
    policy: CachePolicy,
    token: &MfaToken,
) -> Result<Credentials, Error> {
    for note in &plan.notes {
        ctx.verbose(note);
    }
    ctx.verbose(&format!("session store: {}", ctx.store.describe()));
    let mut run = Run {
        plan,
        ctx,
        policy,
        token,
        store_trouble: false,
    };
    let result = run.walk();
    if run.policy.mode == CacheMode::Use && !run.store_trouble {
        if let Some(notice) = run.ctx.store.notice() {
            run.ctx.note(&notice);
        }
    }
    result
}

impl Run<'_, '_, '_> {
    fn walk(&mut self) -> Result<Credentials, Error> {
        let plan = self.plan;
        let now = self.ctx.clock.now();
        // Start after the outermost step whose session is still fresh.
        let mut start = 0;
        let mut current = None;
        if self.policy.mode == CacheMode::Use {
            for (index, step) in plan.steps.iter().enumerate().rev() {
                let window = self.policy.window(step.lifetime_seconds());
                if let Some(creds) = self.cached(step.cache_key(), step.profile(), window, now) {
                    start = index + 1;
                    current = Some(creds);
                    break;
                }
            }
        }
        if start == 0 {
            self.ctx
                .verbose(&format!("source: {}", plan.source.describe()));
            current = self.root()?;
        }
        for step in &plan.steps[start..] {
            let _lock = match self.lock(step.cache_key()) {
                Lock::Held(lock) => {
                    // Another process may have stored this session while we waited.
                    let now = self.ctx.clock.now();
                    let window = self.policy.window(step.lifetime_seconds());
                    if let Some(creds) = self.cached(step.cache_key(), step.profile(), window, now)
                    {
                        current = Some(creds);
                        continue;
                    }
                    Some(lock)
                }
                Lock::None => None,
            };
            let creds = self.call(step, current.as_ref())?;
            self.check_fresh(&creds, step.operation(), step.profile())?;
            self.store(step.cache_key(), step.profile(), &creds);
            current = Some(creds);
        }
        current.ok_or_else(|| {
            Error::Usage(format!(
                "profile \"{}\" has no credentials to use",
                plan.profile
            ))
        })
    }

    /// The chain's root credentials; `None` for a web identity chain.
    fn root(&mut self) -> Result<Option<Credentials>, Error> {
        match &self.plan.source {
            Source::Static { credentials, .. } | Source::Environment { credentials } => {
                Ok(Some(credentials.clone()))
            }
            Source::InstanceMetadata => Ok(Some(self.ctx.sources.instance_metadata()?)),
            Source::Container => Ok(Some(self.ctx.sources.container()?)),
            Source::WebIdentity => Ok(None),
            Source::Process {
                profile,
                command,
                cache_key,
            } => {
                let window = self.policy.process_window();
                let now = self.ctx.clock.now();
                if let Some(c) = self.cached(cache_key, profile, window, now) {
                    return Ok(Some(c));
                }
                let _lock = self.lock(cache_key);
                // Another process may have run the command while we waited.
                let now = self.ctx.clock.now();
                if let Some(c) = self.cached(cache_key, profile, window, now) {
                    return Ok(Some(c));
                }
                self.ctx.verbose(&format!(
                    "running credential_process of profile \"{profile}\""
                ));
                let creds = self.ctx.sources.process(command)?;
                if creds.expiration.is_some() {
                    self.check_fresh(&creds, "credential_process", profile)?;
                    self.store(cache_key, profile, &creds);
                }
                Ok(Some(creds))
            }
        }
    }

    /// Makes the STS call of one step.
    fn call(&mut self, step: &Step, caller: Option<&Credentials>) -> Result<Credentials, Error> {
        let plan = self.plan;
        let endpoint = &plan.endpoint;
        if let Some(caller) = caller {
            sendable(caller)?;
        }
        let need_caller =
            || caller.ok_or_else(|| Error::Usage("a chain step has no caller credentials".into()));
        let at = format!(
            "region {}{}",
            endpoint.region,
            endpoint
                .url
                .as_deref()
                .map(|u| format!(", endpoint {u}"))
                .unwrap_or_default()
        );
        match step {
            Step::GetSessionToken(s) => {
                let mfa_code = self.mfa_code(&s.mfa)?;
                self.ctx.verbose(&format!(
                    "sts GetSessionToken with MFA {} for {}s, shared by roles with this mfa_serial ({at})",
                    s.mfa.serial, s.duration_seconds
                ));
                let request = SessionTokenRequest {
                    duration_seconds: s.duration_seconds,
                    mfa_serial: s.mfa.serial.clone(),
                    mfa_code,
                };
                {
                    let caller = need_caller()?;
                    self.ctx
                        .sts
                        .get_session_token(endpoint, caller, &request)
                        .map_err(|e| {
                            e.with_target(format!(
                                "key {} with MFA {}",
                                caller.key_hint(),
                                s.mfa.serial
                            ))
                            .into()
                        })
                }
            }
            Step::AssumeRole(role) => {
                let mfa_code = match &role.mfa {
                    Some(mfa) => Some(self.mfa_code(mfa)?),
                    None => None,
                };
                self.ctx.verbose(&format!(
                    "sts AssumeRole {} as {} for profile \"{}\" ({at})",
                    role.role_arn, role.session_name, role.profile
                ));
                let mut duration_seconds = role.duration_seconds;
                if let Some(asked) = duration_seconds.filter(|d| *d > CHAINED_MAX_SECONDS) {
                    if caller.is_some_and(|c| c.session_token.is_some()) {
                        // Only known now, for a credential_process that returned a session.
                        self.ctx.verbose(&chained_cap_note(
                            &role.profile,
                            asked,
                            "its source credentials are a session",
                        ));
                        duration_seconds = Some(CHAINED_MAX_SECONDS);
                    }
                }
                let request = AssumeRoleRequest {
                    role_arn: role.role_arn.clone(),
                    session_name: role.session_name.clone(),
                    external_id: role.external_id.clone(),
                    duration_seconds,
                    mfa_serial: role.mfa.as_ref().map(|m| m.serial.clone()),
                    mfa_code,
                };
                {
                    let caller = need_caller()?;
                    self.ctx
                        .sts
                        .assume_role(endpoint, caller, &request)
                        .map_err(|e| {
                            e.with_target(format!(
                                "{} for profile \"{}\" with key {}",
                                role.role_arn,
                                role.profile,
                                caller.key_hint()
                            ))
                            .into()
                        })
                }
            }
            Step::AssumeRoleWithWebIdentity(w) => {
                let token = self.ctx.sources.web_identity_token(&w.token_file)?;
                self.ctx.verbose(&format!(
                    "sts AssumeRoleWithWebIdentity {} as {} with the token in {} ({at})",
                    w.role_arn, w.session_name, w.token_file
                ));
                let request = WebIdentityRequest {
                    role_arn: w.role_arn.clone(),
                    session_name: w.session_name.clone(),
                    token,
                    duration_seconds: w.duration_seconds,
                };
                self.ctx
                    .sts
                    .assume_role_with_web_identity(endpoint, &request)
                    .map_err(|e| {
                        e.with_target(format!("{} for profile \"{}\"", w.role_arn, w.profile))
                            .into()
                    })
            }
        }
    }

    /// The MFA code for a device: `--mfa-token` (once), else `mfa_process`, else the prompt.
    fn mfa_code(&mut self, mfa: &Mfa) -> Result<Secret, Error> {
        if let Some(code) = self.token.take()? {
            self.ctx
                .verbose(&format!("MFA code for {} from --mfa-token", mfa.serial));
            return Ok(Secret::new(code));
        }
        if let Some(command) = &mfa.process {
            self.ctx
                .verbose(&format!("MFA code for {} from mfa_process", mfa.serial));
            let out = self.ctx.sources.mfa_process(command)?;
            return Ok(Secret::new(validate(&out)?));
        }
        Ok(Secret::new(self.ctx.mfa.code(&mfa.serial)?))
    }

    fn check_fresh(
        &self,
        creds: &Credentials,
        operation: &'static str,
        profile: &str,
    ) -> Result<(), Error> {
        if creds
            .expiration
            .is_none_or(|expiry| expiry <= self.ctx.clock.now())
        {
            return Err(StsError::new(
                StsErrorKind::BadAnswer,
                operation,
                format!(
                    "the credentials for profile \"{profile}\" are already expired (is the system clock right?)"
                ),
            )
            .into());
        }
        Ok(())
    }

    fn store(&mut self, key: &str, profile: &str, creds: &Credentials) {
        if self.policy.mode == CacheMode::Use {
            if let Err(e) = self.ctx.store.put(key, profile, creds) {
                self.store_problem(&e.to_string());
            }
        }
    }

    fn lock(&mut self, key: &str) -> Lock {
        if self.policy.mode != CacheMode::Use {
            return Lock::None;
        }
        match self.ctx.store.lock(key) {
            Ok(Some(lock)) => Lock::Held(lock),
            Ok(None) => Lock::None,
            Err(e) => {
                // Waiting longer would hang; fetching without the lock costs one more call.
                self.ctx
                    .note(&format!("session lock: {e}; fetching without waiting"));
                Lock::None
            }
        }
    }

    /// Tells the user about the first store failure of the run; later ones only with `-v`.
    fn store_problem(&mut self, problem: &str) {
        if self.store_trouble {
            self.ctx.verbose(&format!("session store: {problem}"));
        } else {
            self.ctx.note(&format!(
                "could not cache the session ({problem}); continuing without the cache"
            ));
            self.store_trouble = true;
        }
    }

    /// A cached session under `key` that still has more than the refresh window left.
    fn cached(
        &mut self,
        key: &str,
        profile: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Option<Credentials> {
        if self.policy.mode != CacheMode::Use {
            return None;
        }
        let found = match self.ctx.store.get(key) {
            Ok(found) => found,
            Err(e) => {
                self.ctx
                    .verbose(&format!("cache read failed for profile \"{profile}\": {e}"));
                return None;
            }
        };
        let Some(creds) = found else {
            self.ctx
                .verbose(&format!("cache miss for profile \"{profile}\""));
            return None;
        };
        let left = creds.expiration? - now;
        if left > window {
            self.ctx.verbose(&format!(
                "cache hit for profile \"{profile}\": {} left",
                human(left)
            ));
            Some(creds)
        } else {
            self.ctx.verbose(&format!(
                "cached session for profile \"{profile}\" is inside the refresh window ({} left); refreshing",
                human(left.max(Duration::ZERO))
            ));
            None
        }
    }
}

enum Lock {
    Held(crate::cache::Lock),
    None,
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
pub(crate) mod tests;

//! Walks a plan through the ports: cache look-up, STS call, cache store, step by step. It
//! decides nothing the plan did not: where to resume is `domain::freshness`'s rule, every
//! duration and cap is the plan's.

pub mod console;
pub mod eks;
mod error;
pub mod explain;
pub mod forget;
pub mod import;
pub mod lock;
pub mod login;
pub mod login_flow;
mod mfa;
pub mod migrate;
pub mod refresh;
pub mod rotate;
pub mod signout;
pub mod sso;
pub mod sso_view;
pub mod token_size;
// `exec --server` supervises its command with Unix signals; elsewhere it says it is not available.
#[cfg(unix)]
pub mod supervise;

use time::{Duration, OffsetDateTime};

pub use error::ExecuteError;
pub use mfa::MfaToken;

use crate::domain::freshness::{resume_point, CacheMode, CachePolicy};
use crate::domain::plan::{Mfa, Plan, Source, Step, TokenFrom};
use crate::domain::text::{human, redact_url};
use crate::domain::{Credentials, Secret};
use crate::ports::clock::Clock;
use crate::ports::keys::KeyStore;
use crate::ports::mfa::{validate, MfaPrompt};
use crate::ports::sources::{SourceError, Sources};
use crate::ports::store::{Label, SessionLock, SessionStore};
use crate::ports::sts::{
    AssumeRoleRequest, SessionTokenRequest, Sts, StsError, StsErrorKind, WebIdentityRequest,
};
use crate::printer::Printer;

/// The longest a `credential_process` or SSO role session is cached and exported as lasting:
/// the longest role session STS gives (12 hours), whatever `Expiration` the answer claims.
const MAX_PROCESS_SESSION_SECONDS: u32 = *crate::domain::plan::DURATION_RANGE.end();

/// The ports the executor acts through.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub sts: &'a dyn Sts,
    pub sources: &'a dyn Sources,
    pub store: &'a dyn SessionStore,
    pub clock: &'a dyn Clock,
    pub mfa: &'a dyn MfaPrompt,
    pub keys: &'a dyn KeyStore,
    pub sso: sso::SsoDeps<'a>,
    pub login: login::LoginDeps<'a>,
}

/// One run's state while walking a plan.
struct Run<'p, 'c, 'x> {
    plan: &'p Plan,
    deps: Deps<'c>,
    out: &'c mut Printer<'x>,
    policy: CachePolicy,
    token: &'c MfaToken,
    /// The user was told about a store failure already.
    store_trouble: bool,
}

/// Credentials that can sign an STS request: the key id and session token travel in HTTP
/// headers, which carry only visible ASCII. Anything else is a configuration problem, said
/// without the value.
fn sendable(caller: &Credentials) -> Result<(), ExecuteError> {
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
        Some(what) => Err(ExecuteError::Unsendable(what)),
        None => Ok(()),
    }
}

/// Runs `plan`, returning the final credentials. Every STS answer is stored before the next
/// step, so a failure later in the chain still leaves the earlier sessions cached.
pub fn execute(
    plan: &Plan,
    deps: Deps,
    out: &mut Printer,
    policy: CachePolicy,
    token: &MfaToken,
) -> Result<Credentials, ExecuteError> {
    for note in &plan.notes {
        out.verbose(note);
    }
    if out.is_verbose() {
        out.verbose(&format!("session store: {}", deps.store.describe()));
    }
    let mut run = Run {
        plan,
        deps,
        out,
        policy,
        token,
        store_trouble: false,
    };
    let result = run.walk().map(|mut creds| {
        // A session cached before sessions carried their account, or a source that does
        // not say it: the role's account, else the profile's `aws_account_id`.
        if creds.account_id.is_none() {
            creds.account_id = plan.account();
        }
        creds
    });
    if run.policy.mode == CacheMode::Use && !run.store_trouble {
        if let Some(notice) = run.deps.store.notice() {
            run.out.note(&notice);
        }
    }
    result
}

impl Run<'_, '_, '_> {
    fn walk(&mut self) -> Result<Credentials, ExecuteError> {
        let plan = self.plan;
        let now = self.deps.clock.now();
        let mut current = None;
        let start = resume_point(plan.steps.len(), |i| {
            let step = &plan.steps[i];
            let window = self.policy.window(step.lifetime_seconds());
            current = self.cached(step.cache_key(), step.profile(), window, now);
            current.is_some()
        });
        if start == 0 {
            self.out
                .verbose(&format!("source: {}", plan.source.describe()));
            current = self.root()?;
        }
        for step in &plan.steps[start..] {
            if let Step::GetSessionToken(s) = step {
                // A credential_process that answered a session: passed on as it is.
                if s.only_for_long_term_keys
                    && current.as_ref().is_some_and(|c| c.session_token.is_some())
                {
                    continue;
                }
            }
            let _lock = match self.lock(step.cache_key()) {
                Lock::Held(lock) => {
                    // Another process may have stored this session while we waited.
                    let now = self.deps.clock.now();
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
            let mut creds = self.call(step, current.as_ref())?;
            let caller_account = current.as_ref().and_then(|c| c.account_id.as_deref());
            creds.account_id = Plan::step_account(step, caller_account).or(creds.account_id);
            self.check_fresh(&creds, step.operation(), step.profile())?;
            self.check_usable(&creds, step.operation(), step.profile())?;
            self.cap_expiration(&mut creds, step.lifetime_seconds(), step.profile());
            let label = Label {
                profile: step.profile(),
                session_name: step.session_name(),
            };
            self.store(step.cache_key(), label, &creds);
            current = Some(creds);
        }
        current.ok_or_else(|| {
            ExecuteError::Internal(format!(
                "the plan for profile \"{}\" produced no credentials",
                plan.profile
            ))
        })
    }

    /// The chain's root credentials; `None` for a web identity chain.
    fn root(&mut self) -> Result<Option<Credentials>, ExecuteError> {
        match &self.plan.source {
            Source::Static { credentials, .. } | Source::Environment { credentials } => {
                Ok(Some(credentials.clone()))
            }
            Source::Stored { profile, .. } => match self.deps.keys.get(profile) {
                Ok(Some(keys)) => Ok(Some(keys)),
                Ok(None) => Err(ExecuteError::KeysMissing(profile.clone())),
                Err(e) => Err(ExecuteError::Keychain(e.0)),
            },
            Source::InstanceMetadata => Ok(Some(self.deps.sources.instance_metadata()?)),
            Source::Container => Ok(Some(self.deps.sources.container()?)),
            Source::WebIdentity => Ok(None),
            Source::Sso { role, cache_key } => self.sso_role(role, cache_key).map(Some),
            Source::Login { login, cache_key } => self.login_session(login, cache_key).map(Some),
            Source::Process {
                profile,
                command,
                cache_key,
                chain,
            } => {
                let window = self.policy.process_window();
                let now = self.deps.clock.now();
                if let Some(c) = self.cached(cache_key, profile, window, now) {
                    return Ok(Some(c));
                }
                let _lock = self.lock(cache_key);
                // Another process may have run the command while we waited.
                let now = self.deps.clock.now();
                if let Some(c) = self.cached(cache_key, profile, window, now) {
                    return Ok(Some(c));
                }
                self.out.verbose(&format!(
                    "running credential_process of profile \"{profile}\""
                ));
                let creds = self
                    .deps
                    .sources
                    .process(command, chain)
                    .map_err(|e| e.for_profile(profile))?;
                let mut creds = creds;
                self.check_usable(&creds, "credential_process", profile)?;
                // Long-term keys are never cached, whatever Expiration the process claims; a
                // session is cached for at most as long as STS gives any role session.
                if creds.expiration.is_some() && creds.session_token.is_some() {
                    self.check_fresh(&creds, "credential_process", profile)?;
                    self.cap_expiration(&mut creds, MAX_PROCESS_SESSION_SECONDS, profile);
                    let label = Label {
                        profile,
                        session_name: None,
                    };
                    self.store(cache_key, label, &creds);
                }
                Ok(Some(creds))
            }
        }
    }

    /// An SSO profile's role credentials: cached like a session, else `GetRoleCredentials`
    /// with the session's token (once across processes, under the session's lock).
    fn sso_role(
        &mut self,
        role: &crate::domain::sso::SsoRole,
        cache_key: &str,
    ) -> Result<Credentials, ExecuteError> {
        let window = self.policy.window(3600);
        let profile = role.profile.as_str();
        if let Some(c) = self.cached(cache_key, profile, window, self.deps.clock.now()) {
            return Ok(c);
        }
        let _lock = self.lock(cache_key);
        if let Some(c) = self.cached(cache_key, profile, window, self.deps.clock.now()) {
            return Ok(c);
        }
        let token = sso::token(
            self.deps.sso,
            self.out,
            &role.session,
            &role.endpoints,
            profile,
        )?;
        self.out.verbose(&format!(
            "SSO GetRoleCredentials {} in account {} for profile \"{profile}\" (portal {})",
            role.role_name,
            role.account_id,
            redact_url(&role.endpoints.portal_url())
        ));
        let creds = self
            .deps
            .sso
            .api
            .role_credentials(&role.endpoints, &token, &role.account_id, &role.role_name)
            .map_err(|e| match e.kind {
                crate::ports::sso::SsoErrorKind::Unauthorized => ExecuteError::SsoLoginNeeded(format!(
                    "the SSO portal rejected the token of {} ({}); log in again: {}",
                    role.session.describe(),
                    e.message.trim_end_matches('.'),
                    role.session.login_hint(profile)
                )),
                crate::ports::sso::SsoErrorKind::Forbidden => ExecuteError::SsoLoginNeeded(format!(
                    "IAM Identity Center gives this sign-in no role {} in account {} (profile \"{profile}\"): {}; check sso_account_id and sso_role_name (\"rolecall sso profiles\" lists what you may use)",
                    role.role_name,
                    role.account_id,
                    e.message.trim_end_matches('.')
                )),
                _ => ExecuteError::Sso(e),
            })?;
        let mut creds = creds;
        creds.account_id = Some(role.account_id.clone());
        self.check_usable(&creds, "GetRoleCredentials", profile)?;
        self.check_fresh(&creds, "GetRoleCredentials", profile)?;
        // A portal's answer is cached no longer than any role session lasts.
        self.cap_expiration(&mut creds, MAX_PROCESS_SESSION_SECONDS, profile);
        let label = Label {
            profile,
            session_name: None,
        };
        self.store(cache_key, label, &creds);
        Ok(creds)
    }

    /// Makes the STS call of one step.
    fn call(
        &mut self,
        step: &Step,
        caller: Option<&Credentials>,
    ) -> Result<Credentials, ExecuteError> {
        if let Some(caller) = caller {
            sendable(caller)?;
        }
        let at = self.endpoint_text();
        match step {
            Step::GetSessionToken(s) => self.get_session_token(step, s, caller, &at),
            Step::AssumeRole(role) => self.assume_role(step, role, caller, &at),
            Step::AssumeRoleWithWebIdentity(w) => self.web_identity(step, w, &at),
        }
    }

    /// The plan's `MinimumSessionTokenSize`, for its last step only.
    fn min_token_size(&self, step: &Step) -> Option<u16> {
        let last = self
            .plan
            .steps
            .last()
            .is_some_and(|l| std::ptr::eq(l, step));
        self.plan.min_token_size.filter(|_| last)
    }

    /// Where the plan's STS calls go, for the `-v` lines: `region R, endpoint URL`.
    fn endpoint_text(&self) -> String {
        let endpoint = &self.plan.endpoint;
        format!(
            "region {}{}",
            endpoint.region,
            endpoint
                .url
                .as_deref()
                .map(|u| format!(", endpoint {}", redact_url(u)))
                .unwrap_or_default()
        )
    }

    /// The credentials a step is called with; only a web identity step has none.
    fn need_caller(caller: Option<&Credentials>) -> Result<&Credentials, ExecuteError> {
        caller
            .ok_or_else(|| ExecuteError::Internal("a chain step has no caller credentials".into()))
    }

    /// `GetSessionToken` on long-term keys, with a code of the step's MFA device if it has one.
    fn get_session_token(
        &mut self,
        step: &Step,
        s: &crate::domain::plan::GetSessionToken,
        caller: Option<&Credentials>,
        at: &str,
    ) -> Result<Credentials, ExecuteError> {
        let (mfa_serial, mfa_code) = match &s.mfa {
            Some(mfa) => (mfa.serial.clone(), self.mfa_code(mfa)?),
            None => (String::new(), Secret::new("")),
        };
        self.out.verbose(&match &s.mfa {
            Some(mfa) if mfa.profile != s.profile || self.plan.steps.len() > 1 => format!(
                "STS GetSessionToken with MFA {} for {}s, shared by roles with this mfa_serial ({at})",
                mfa.serial, s.duration_seconds
            ),
            Some(mfa) => format!(
                "STS GetSessionToken with MFA {} for {}s: a session instead of the long-term keys ({at})",
                mfa.serial, s.duration_seconds
            ),
            None => format!(
                "STS GetSessionToken for {}s: a session instead of the long-term keys ({at})",
                s.duration_seconds
            ),
        });
        let request = SessionTokenRequest {
            duration_seconds: s.duration_seconds,
            mfa_serial: mfa_serial.clone(),
            mfa_code,
            min_token_size: self.min_token_size(step),
        };
        let caller = Self::need_caller(caller)?;
        self.deps
            .sts
            .get_session_token(&self.plan.endpoint, caller, &request)
            .map_err(|e| {
                self.failed(
                    step,
                    e,
                    if mfa_serial.is_empty() {
                        format!("key {}", caller.key_hint())
                    } else {
                        format!("key {} with MFA {mfa_serial}", caller.key_hint())
                    },
                )
            })
    }

    /// `AssumeRole`, with the MFA code the step carries, capped to an hour when the plan says
    /// so for a caller that turned out to be a session.
    fn assume_role(
        &mut self,
        step: &Step,
        role: &crate::domain::plan::AssumeRole,
        caller: Option<&Credentials>,
        at: &str,
    ) -> Result<Credentials, ExecuteError> {
        let mfa_code = match &role.mfa {
            Some(mfa) => Some(self.mfa_code(mfa)?),
            None => None,
        };
        self.out.verbose(&format!(
            "STS AssumeRole {} as {} for profile \"{}\" ({at})",
            role.role_arn, role.session_name, role.profile
        ));
        let mut duration_seconds = role.duration_seconds;
        if let Some(cap) = &role.if_caller_is_session {
            if caller.is_some_and(|c| c.session_token.is_some()) {
                self.out.verbose(&cap.note);
                duration_seconds = Some(cap.duration_seconds);
            }
        }
        let request = AssumeRoleRequest {
            role_arn: role.role_arn.clone(),
            session_name: role.session_name.clone(),
            external_id: role.external_id.clone(),
            duration_seconds,
            mfa_serial: role.mfa.as_ref().map(|m| m.serial.clone()),
            mfa_code,
            tags: role.tags.clone(),
            policy: role.policy.clone(),
            min_token_size: self.min_token_size(step),
        };
        let caller = Self::need_caller(caller)?;
        self.deps
            .sts
            .assume_role(&self.plan.endpoint, caller, &request)
            .map_err(|e| {
                let mut e = e;
                if e.message.contains("DurationSeconds") {
                    e.advice = Some(match duration_seconds {
                        Some(d) => format!("lower duration_seconds ({d}) of profile \"{}\", or raise the role's maximum session duration in IAM", role.profile),
                        None => format!("set a lower duration_seconds in profile \"{}\"", role.profile),
                    });
                }
                self.failed(
                    step,
                    e,
                    format!(
                        "{} for profile \"{}\" with key {}",
                        role.role_arn,
                        role.profile,
                        caller.key_hint()
                    ),
                )
            })
    }

    /// `AssumeRoleWithWebIdentity` with the token read from the step's file.
    fn web_identity(
        &mut self,
        step: &Step,
        w: &crate::domain::plan::WebIdentity,
        at: &str,
    ) -> Result<Credentials, ExecuteError> {
        let token = match &w.token {
            TokenFrom::File(path) => self.deps.sources.web_identity_token(path)?,
            TokenFrom::Process(command) => self.deps.sources.web_identity_token_process(command)?,
        };
        self.out.verbose(&format!(
            "STS AssumeRoleWithWebIdentity {} as {} with {} ({at})",
            w.role_arn, w.session_name, w.token
        ));
        let request = WebIdentityRequest {
            role_arn: w.role_arn.clone(),
            session_name: w.session_name.clone(),
            token,
            duration_seconds: w.duration_seconds,
            policy: w.policy.clone(),
            min_token_size: self.min_token_size(step),
        };
        self.deps
            .sts
            .assume_role_with_web_identity(&self.plan.endpoint, &request)
            .map_err(|e| {
                self.failed(
                    step,
                    e,
                    format!("{} for profile \"{}\"", w.role_arn, w.profile),
                )
            })
    }

    /// An STS failure of `step`, naming what the call was for and, for a step on the way to
    /// another profile, that profile and where in the chain it failed.
    fn failed(&self, step: &Step, error: StsError, target: String) -> ExecuteError {
        let plan = self.plan;
        let target = if step.profile() == plan.profile {
            target
        } else {
            let at = plan
                .steps
                .iter()
                .position(|s| s == step)
                .map_or(0, |i| i + 1);
            format!(
                "{target}, step {at} of {} for profile \"{}\"",
                plan.steps.len(),
                plan.profile
            )
        };
        error.with_target(target).into()
    }

    /// The MFA code for a device: `--mfa-token` (once), else `mfa_process`, else the prompt.
    fn mfa_code(&mut self, mfa: &Mfa) -> Result<Secret, ExecuteError> {
        if let Some(code) = self.token.take()? {
            self.out
                .verbose(&format!("MFA code for {} from --mfa-token", mfa.serial));
            return Ok(Secret::new(code));
        }
        if let Some(command) = &mfa.process {
            self.out
                .verbose(&format!("MFA code for {} from mfa_process", mfa.serial));
            let out = self
                .deps
                .sources
                .mfa_process(command)
                .map_err(|e| e.for_profile(&mfa.profile))?;
            return Ok(Secret::new(validate(&out)?));
        }
        Ok(Secret::new(self.deps.mfa.code(&mfa.serial)?))
    }

    fn check_fresh(
        &self,
        creds: &Credentials,
        operation: &'static str,
        profile: &str,
    ) -> Result<(), ExecuteError> {
        if creds
            .expiration
            .is_none_or(|expiry| expiry <= self.deps.clock.now())
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

    /// An answer that no shell or SDK could carry (a NUL or other control character in a key,
    /// secret or token) is refused before it is stored, instead of being cached and failed on
    /// for the whole life of the session.
    fn check_usable(
        &self,
        creds: &Credentials,
        operation: &'static str,
        profile: &str,
    ) -> Result<(), ExecuteError> {
        let bad = |s: &str| s.is_empty() || s.chars().any(char::is_control);
        let field = if bad(&creds.access_key_id) {
            Some("access key id")
        } else if bad(creds.secret_access_key.expose()) {
            Some("secret access key")
        } else if creds
            .session_token
            .as_ref()
            .is_some_and(|t| bad(t.expose()))
        {
            Some("session token")
        } else {
            None
        };
        let Some(what) = field else {
            return Ok(());
        };
        let message = format!(
            "the {what} for profile \"{profile}\" is empty or has control characters, so it is not used or cached"
        );
        Err(if operation == "credential_process" {
            SourceError::failed(format!("credential_process output is unusable: {message}")).into()
        } else {
            StsError::new(StsErrorKind::BadAnswer, operation, message).into()
        })
    }

    /// An expiration later than the request time plus the duration asked for (and five
    /// minutes of clock skew) is capped to that, in the cache and in what is exported.
    fn cap_expiration(&mut self, creds: &mut Credentials, lifetime_seconds: u32, profile: &str) {
        let latest = self.deps.clock.now()
            + Duration::seconds(i64::from(lifetime_seconds))
            + Duration::minutes(5);
        if creds.expiration.is_some_and(|e| e > latest) {
            self.out.verbose(&format!(
                "the session for profile \"{profile}\" claims to last longer than the {lifetime_seconds}s asked for; keeping it for that long only"
            ));
            creds.expiration = Some(latest);
        }
    }

    fn store(&mut self, key: &str, label: Label, creds: &Credentials) {
        if self.policy.mode == CacheMode::Use {
            if let Err(e) = self.deps.store.put(key, label, creds) {
                self.store_problem(&e.to_string());
            }
        }
    }

    fn lock(&mut self, key: &str) -> Lock {
        if self.policy.mode != CacheMode::Use {
            return Lock::None;
        }
        let out = &mut self.out;
        let mut waiting = || {
            out.note("waiting for another rolecall that is fetching this session (it may be at an MFA prompt; Ctrl-C to stop)");
        };
        match self.deps.store.lock(key, &mut waiting) {
            Ok(Some(lock)) => Lock::Held(lock),
            Ok(None) => Lock::None,
            Err(e) => {
                // Waiting longer would hang; fetching without the lock costs one more call.
                self.out
                    .note(&format!("session lock: {e}; fetching without waiting"));
                Lock::None
            }
        }
    }

    /// Tells the user about the first store failure of the run; later ones only with `-v`.
    fn store_problem(&mut self, problem: &str) {
        let note = format!("could not cache the session: {problem}; continuing without the cache");
        if self.store_trouble || !self.deps.store.is_news(&note) {
            self.out.verbose(&note);
        } else {
            self.out.note(&note);
        }
        self.store_trouble = true;
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
        let found = match self.deps.store.get(key) {
            Ok(found) => found,
            Err(e) => {
                self.out
                    .verbose(&format!("cache read failed for profile \"{profile}\": {e}"));
                return None;
            }
        };
        let Some(creds) = found else {
            self.out
                .verbose(&format!("cache miss for profile \"{profile}\""));
            return None;
        };
        let left = creds.expiration? - now;
        if left > window {
            self.out.verbose(&format!(
                "cache hit for profile \"{profile}\": {} left",
                human(left)
            ));
            Some(creds)
        } else {
            self.out.verbose(&format!(
                "cached session for profile \"{profile}\" is inside the refresh window ({} left); refreshing",
                human(left.max(Duration::ZERO))
            ));
            None
        }
    }
}

enum Lock {
    Held(SessionLock),
    None,
}

#[cfg(test)]
mod tests;

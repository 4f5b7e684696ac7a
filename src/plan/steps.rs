//! The chain's STS calls: one step per role (`AssumeRole` or `AssumeRoleWithWebIdentity`),
//! where each MFA code goes, the chained-duration caps, the session of long-term keys, and
//! every step's cache key.

use super::policy;
use super::resolve::{self, RoleSettings};
use super::{default_session_name, digest, Inputs};
use crate::config::{ConfigError, Profile};
use crate::domain::plan::{
    chained_cap_note, AssumeRole, ChainedCap, GetSessionToken, Mfa, SessionPolicy, Source, Step,
    TokenFrom, WebIdentity, CHAINED_MAX_SECONDS, DEFAULT_KEYS_SESSION_SECONDS,
};

/// The steps as they are built (or only counted, when they are checked), and who calls the
/// next one.
pub struct Steps<'a> {
    /// The steps, when they are built.
    pub steps: Vec<Step>,
    pub notes: Vec<String>,
    /// What identifies the caller of the next step in its cache key: the source, then the
    /// session of the step before.
    pub identity: String,
    /// How many steps there are, built or not.
    pub count: usize,
    /// Whether a step carries a session policy.
    pub scoped: bool,
    /// Whether the last step is an MFA session (`GetSessionToken`).
    last_mfa_session: bool,
    /// MFA serials this chain already used.
    authenticated: Vec<&'a str>,
    /// Whether the steps are built, with their cache keys: a check ([`super::check`]) makes
    /// the same decisions and finds the same errors without them.
    build: bool,
}

impl<'a> Steps<'a> {
    /// The steps of `roles` (from the root outwards) on `source`, calling STS at `url` (the
    /// configured endpoint, if any: part of every cache key); built, or only checked.
    pub fn of_roles(
        roles: Vec<RoleSettings<'a>>,
        source: &Source,
        url: Option<&str>,
        inputs: &Inputs,
        build: bool,
    ) -> Result<Self, ConfigError> {
        let default_session = match build {
            true => default_session_name(inputs.vars, inputs.now),
            false => String::new(),
        };
        let mut built = Steps {
            steps: Vec::with_capacity(if build { roles.len() + 1 } else { 0 }),
            notes: Vec::new(),
            identity: match build {
                true => source_identity(source, inputs),
                false => String::new(),
            },
            count: 0,
            scoped: false,
            last_mfa_session: false,
            authenticated: Vec::new(),
            build,
        };
        let last = roles.len().saturating_sub(1);
        for (index, mut role) in roles.into_iter().enumerate() {
            if index == last {
                if let Some(d) = inputs.overrides.duration_seconds {
                    role.duration_seconds = Some(d);
                }
            }
            if index > 0 {
                let why = "it is assumed with another role's session";
                cap_chained(&mut role, why, &mut built.notes);
            }
            let session_name = role
                .session_name
                .map(str::to_string)
                .unwrap_or_else(|| default_session.clone());
            if role.tags.source_identity.as_deref() == Some("auto") {
                role.tags.source_identity = Some(login_identity(inputs));
            }
            let policy = policy::of_role(
                role.profile,
                &role.policy,
                role.role_arn,
                index == last,
                inputs,
            )?;
            if let Some(token) = role.web_identity_token.take() {
                built.web_identity(role, session_name, token, policy, url, inputs);
                continue;
            }
            let long_term_caller = index == 0 && source.long_term();
            let call_mfa = built.place_mfa(&role, long_term_caller, url, inputs)?;
            if index == 0 {
                built.cap_first(&mut role, source);
            }
            // A credential_process may hand out a session: known only when it has run.
            let if_caller_is_session = (index == 0 && matches!(source, Source::Process { .. }))
                .then(|| process_cap(&role))
                .flatten();
            let call = Call {
                session_name,
                mfa: call_mfa,
                if_caller_is_session,
                policy,
            };
            built.assume_role(role, call, url);
        }
        Ok(built)
    }

    /// Counts a step; whether it is to be built (not when the steps are only checked).
    fn count(&mut self, mfa_session: bool, scoped: bool) -> bool {
        self.count += 1;
        self.scoped |= scoped;
        self.last_mfa_session = mfa_session;
        self.build
    }

    /// Adds `step`, whose session calls the next one.
    fn push(&mut self, step: Step) {
        self.identity = format!("session:{}", step.cache_key());
        self.steps.push(step);
    }

    /// Adds the `AssumeRoleWithWebIdentity` step of the first role of a web identity chain.
    fn web_identity(
        &mut self,
        role: RoleSettings,
        session_name: String,
        token: TokenFrom,
        policy: SessionPolicy,
        url: Option<&str>,
        inputs: &Inputs,
    ) {
        if !self.count(false, !policy.is_empty()) {
            return;
        }
        // A file's token is known by its contents; a command's by the command and what its
        // answer may depend on (the working directory and the environment).
        let (source, contents) = match &token {
            TokenFrom::File(path) => (path.clone(), inputs.identity.token(path)),
            TokenFrom::Process(command) => (
                format!("process:{command}"),
                inputs.identity.process_context(),
            ),
        };
        let mut parts = vec![
            "AssumeRoleWithWebIdentity",
            &self.identity,
            role.role_arn,
            &source,
            &contents,
            role.session_name.unwrap_or(""),
        ];
        let (duration, policy_text) = (opt(role.duration_seconds), policy_key(&policy));
        parts.extend([duration.as_str(), url.unwrap_or("")]);
        // Only when there is one, so that the sessions without a policy keep their keys.
        if !policy.is_empty() {
            parts.push(&policy_text);
        }
        let key = digest(&parts);
        self.push(Step::AssumeRoleWithWebIdentity(WebIdentity {
            profile: role.profile.to_string(),
            role_arn: role.role_arn.to_string(),
            session_name,
            token,
            duration_seconds: role.duration_seconds,
            policy,
            cache_key: key,
        }));
    }

    /// Where the role's MFA code goes: nowhere for a device this chain already proved, a
    /// `GetSessionToken` step first on long-term keys, else the role's own call (returned).
    fn place_mfa(
        &mut self,
        role: &RoleSettings<'a>,
        long_term_caller: bool,
        url: Option<&str>,
        inputs: &Inputs,
    ) -> Result<Option<Mfa>, ConfigError> {
        let Some(serial) = role.mfa_serial else {
            return Ok(None);
        };
        let mfa = || Mfa {
            serial: serial.to_string(),
            profile: role.profile.to_string(),
            process: role.mfa_process.map(str::to_string),
        };
        let mut call_mfa = None;
        if self.authenticated.contains(&serial) {
            // An earlier step of this chain already proved this device.
        } else if long_term_caller {
            let mfa_seconds = inputs.settings.mfa_session_seconds.clone()?;
            if self.count(true, false) {
                let key = session_token_key(&self.identity, serial, mfa_seconds, url);
                self.push(Step::GetSessionToken(GetSessionToken {
                    profile: role.profile.to_string(),
                    mfa: Some(mfa()),
                    duration_seconds: mfa_seconds,
                    cache_key: key,
                    only_for_long_term_keys: false,
                }));
            }
        } else if self.build {
            call_mfa = Some(mfa());
        }
        self.authenticated.push(serial);
        Ok(call_mfa)
    }

    /// Caps the first role when its caller is a session: the MFA session before it, or a
    /// source whose credentials are temporary.
    fn cap_first(&mut self, role: &mut RoleSettings, source: &Source) {
        if self.last_mfa_session {
            cap_chained(role, "it is assumed with an MFA session", &mut self.notes);
        } else if let Some(why) = source.temporary() {
            cap_chained(role, why, &mut self.notes);
        }
    }

    /// Adds the `AssumeRole` step of `role`, with the MFA code it carries, if any.
    fn assume_role(&mut self, role: RoleSettings, call: Call, url: Option<&str>) {
        if !self.count(false, !call.policy.is_empty()) {
            return;
        }
        let key = cache_key(&self.identity, &role, &call.policy, url);
        self.push(Step::AssumeRole(AssumeRole {
            profile: role.profile.to_string(),
            role_arn: role.role_arn.to_string(),
            session_name: call.session_name,
            external_id: role.external_id.map(str::to_string),
            duration_seconds: role.duration_seconds,
            mfa: call.mfa,
            tags: role.tags,
            policy: call.policy,
            if_caller_is_session: call.if_caller_is_session,
            cache_key: key,
        }));
    }
}

/// `source_identity = auto`: the login name, in STS's alphabet (2 to 64 characters of
/// A-Z a-z 0-9 and `+=,.@_-`), so that CloudTrail names the person behind every session.
fn login_identity(inputs: &Inputs) -> String {
    let name: String = inputs
        .vars
        .user()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .take(64)
        .collect();
    match name.len() {
        0 | 1 => "rolecall-user".into(),
        _ => name,
    }
}

/// What a role's `AssumeRole` carries besides the profile's settings.
struct Call {
    session_name: String,
    /// The MFA code of this call itself (not covered by an MFA session).
    mfa: Option<Mfa>,
    if_caller_is_session: Option<ChainedCap>,
    policy: SessionPolicy,
}

/// A session policy in a cache key: the managed policies and the document.
fn policy_key(policy: &SessionPolicy) -> String {
    format!(
        "policy:{}|{}",
        policy.arns.join(","),
        policy.document.as_deref().unwrap_or("")
    )
}

/// What identifies the source's credentials as the first caller; every instance, task and
/// token is its own caller.
fn source_identity(source: &Source, inputs: &Inputs) -> String {
    match source {
        Source::InstanceMetadata => format!("{}:{}", source.identity(), inputs.identity.instance()),
        Source::Container => format!("{}:{}", source.identity(), inputs.identity.container()),
        _ => source.identity(),
    }
}

/// The cap of the first role on a `credential_process` for the case that the process hands
/// out a session (the executor picks it when it does).
fn process_cap(role: &RoleSettings) -> Option<ChainedCap> {
    let asked = role.duration_seconds.filter(|d| *d > CHAINED_MAX_SECONDS)?;
    Some(ChainedCap {
        duration_seconds: CHAINED_MAX_SECONDS,
        note: chained_cap_note(role.profile, asked, "its source credentials are a session"),
    })
}

/// The session a profile of long-term keys hands out instead of the keys (as aws-vault does):
/// GetSessionToken for `--duration` or an hour, with the profile's `mfa_serial` if it has one.
/// Without `build` (a check), only the `mfa_serial` is checked and no step is made.
pub fn keys_session(
    top: Profile<'_>,
    identity: &str,
    url: Option<&str>,
    inputs: &Inputs,
    only_for_long_term_keys: bool,
    build: bool,
) -> Result<Option<Step>, ConfigError> {
    let serial = resolve::mfa_serial(top)?;
    if !build {
        return Ok(None);
    }
    let duration_seconds = inputs
        .overrides
        .duration_seconds
        .unwrap_or(DEFAULT_KEYS_SESSION_SECONDS);
    Ok(Some(Step::GetSessionToken(GetSessionToken {
        profile: top.name.to_string(),
        mfa: serial.map(|serial| Mfa {
            serial: serial.to_string(),
            profile: top.name.to_string(),
            process: top.get("mfa_process").map(str::to_string),
        }),
        duration_seconds,
        cache_key: session_token_key(identity, serial.unwrap_or(""), duration_seconds, url),
        only_for_long_term_keys,
    })))
}

/// STS refuses more than an hour for a role assumed with temporary credentials (role
/// chaining), so such a step asks for an hour and says why.
fn cap_chained(role: &mut RoleSettings, why: &str, notes: &mut Vec<String>) {
    let Some(asked) = role.duration_seconds.filter(|d| *d > CHAINED_MAX_SECONDS) else {
        return;
    };
    notes.push(chained_cap_note(role.profile, asked, why));
    role.duration_seconds = Some(CHAINED_MAX_SECONDS);
}

/// A duration in a cache key: its seconds, or nothing for STS's default.
fn opt(d: Option<u32>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The cache key of a `GetSessionToken` session: the same call is the same session, so roles
/// sharing an MFA device share it (`serial` is empty without MFA).
fn session_token_key(
    identity: &str,
    serial: &str,
    duration_seconds: u32,
    url: Option<&str>,
) -> String {
    digest(&[
        "GetSessionToken",
        identity,
        serial,
        &duration_seconds.to_string(),
        url.unwrap_or(""),
    ])
}

/// A digest of everything that changes what STS would hand out for a role step.
fn cache_key(
    source_identity: &str,
    role: &RoleSettings,
    policy: &SessionPolicy,
    url: Option<&str>,
) -> String {
    let mut parts = vec![
        source_identity.to_string(),
        role.role_arn.to_string(),
        role.external_id.unwrap_or_default().to_string(),
        role.mfa_serial.unwrap_or_default().to_string(),
        role.session_name.unwrap_or_default().to_string(),
        opt(role.duration_seconds),
        url.unwrap_or_default().to_string(),
    ];
    // Only when there are tags, so that the sessions of profiles without them keep their keys.
    if !role.tags.is_empty() {
        parts.push(role.tags.key_text());
    }
    // Likewise the session policy: a scoped session is never the unscoped one.
    if !policy.is_empty() {
        parts.push(policy_key(policy));
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    digest(&parts)
}

//! PURE: Profiles + inputs → a [`Plan`]: which root credentials, then which STS calls, each
//! validated, with its duration (chained steps capped), session name and cache key. No I/O.

mod endpoint;
mod policy;
mod resolve;
mod source;
mod sso_target;
mod steps;
pub mod survey;

use std::collections::BTreeMap;
use std::rc::Rc;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::{ConfigError, Profile, Profiles, RawProfile};
use crate::domain::keys::StoredKeys;
use crate::domain::plan::{Plan, Source, CHAIN_VAR};
use crate::domain::text::same;
use crate::domain::Vars;
use crate::ports::identity::{Anonymous, CallerIdentity};
use crate::settings::Settings;
use endpoint::{check_region, check_sso_endpoints, check_sts_endpoint, run_endpoint};
use resolve::{resolve, session_name_char, Root};
use steps::{keys_session, Steps};

pub use endpoint::{check_endpoint, iam_endpoint, signin_endpoint, sso_endpoints};
pub use resolve::session_section;
pub use sso_target::{sso_target, SsoTarget};

/// What a plan depends on besides the profiles.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub vars: &'a Vars,
    pub settings: &'a Settings,
    /// Only feeds the default session name.
    pub now: OffsetDateTime,
    /// `--duration` and `--region` of this run.
    pub overrides: &'a Overrides,
    /// Who the caller is, for sources that are not a key (part of their sessions' keys).
    pub identity: &'a dyn CallerIdentity,
    /// The profiles whose long-term keys are in the keychain, by key id.
    pub stored_keys: &'a StoredKeys,
    /// Where the session policy documents named by path are read.
    pub policies: &'a dyn crate::ports::policy::PolicyFiles,
    /// What the plans and checks of one run share, where the caller makes many (`list`).
    pub checked: Option<&'a Checked>,
}

/// What the plans and checks of one run may share (`list` checks every profile): the STS
/// endpoint URL last found usable, so that the one the environment names for every profile
/// is checked once; and for checks, the source last made of a profile's keys, so that the
/// chains that end at the same keys (every role of a `source_profile = default` config)
/// copy them once. A plan (or check) made with it is the one made without it.
#[derive(Default)]
pub struct Checked {
    sts_url: std::cell::RefCell<Option<(String, bool)>>,
    keys: std::cell::RefCell<Option<(String, Rc<Source>)>>,
}

impl Checked {
    /// The source of the keys of `profile`: the last one made, if it was of the same
    /// profile's, else the one `make` makes.
    fn keys_source(&self, profile: &str, make: impl FnOnce() -> Source) -> Rc<Source> {
        if let Some((_, source)) = self
            .keys
            .borrow()
            .as_ref()
            .filter(|(name, _)| same(name.as_bytes(), profile.as_bytes()))
        {
            return source.clone();
        }
        let source = Rc::new(make());
        *self.keys.borrow_mut() = Some((profile.to_string(), source.clone()));
        source
    }
}

/// A draft's source: its own, or for a check the one the run's checks share.
#[allow(clippy::large_enum_variant)] // boxing `Own` would cost every plan an allocation
enum Held {
    Own(Source),
    Shared(Rc<Source>),
}

impl std::ops::Deref for Held {
    type Target = Source;

    fn deref(&self) -> &Source {
        match self {
            Held::Own(source) => source,
            Held::Shared(source) => source,
        }
    }
}

impl Held {
    fn into_owned(self) -> Source {
        match self {
            Held::Own(source) => source,
            Held::Shared(source) => Rc::unwrap_or_clone(source),
        }
    }
}

/// [`check_sts_endpoint`], once for a URL the run has already found usable.
fn check_sts_url(url: Option<&str>, inputs: &Inputs) -> Result<(), ConfigError> {
    let allow = inputs.settings.allow_http;
    let (Some(checked), Some(url)) = (inputs.checked, url) else {
        return check_sts_endpoint(url, allow);
    };
    let seen = |last: &Option<(String, bool)>| {
        last.as_ref()
            .is_some_and(|(u, a)| *a == allow && same(u.as_bytes(), url.as_bytes()))
    };
    if seen(&checked.sts_url.borrow()) {
        return Ok(());
    }
    check_sts_endpoint(Some(url), allow)?;
    *checked.sts_url.borrow_mut() = Some((url.to_string(), allow));
    Ok(())
}

impl<'a> Inputs<'a> {
    /// Inputs without a run's context: no overrides, no facts about the caller (every caller
    /// of a kind is the same caller) and no keys in the keychain.
    pub fn basic(vars: &'a Vars, settings: &'a Settings, now: OffsetDateTime) -> Self {
        static NO_STORED_KEYS: StoredKeys = StoredKeys(BTreeMap::new());
        Inputs {
            vars,
            settings,
            now,
            overrides: &NO_OVERRIDES,
            identity: &Anonymous,
            stored_keys: &NO_STORED_KEYS,
            policies: &crate::ports::policy::NoPolicyFiles,
            checked: None,
        }
    }
}

/// Per-run overrides of the profile asked for (`--duration`, `--region`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The duration of the last step's session, already within STS's limits.
    pub duration_seconds: Option<u32>,
    /// The region exported and used for STS.
    pub region: Option<String>,
    /// `--no-session`: a profile of long-term keys hands out the keys themselves, not a
    /// GetSessionToken session of them.
    pub no_session: bool,
    /// `--policy-arn`: managed session policies for the role asked for.
    pub policy_arns: Vec<String>,
    /// `--policy`: an inline session policy (JSON) or a file of one, for the role asked for.
    pub policy: Option<String>,
    /// `--read-only`: the ReadOnlyAccess managed policy as a session policy.
    pub read_only: bool,
    /// `doctor --online`: STS's `MinimumSessionTokenSize` for the last step.
    pub min_token_size: Option<u16>,
}

impl Overrides {
    /// Whether the run asks for a session policy.
    pub fn scoped(&self) -> bool {
        !self.policy_arns.is_empty() || self.policy.is_some() || self.read_only
    }
}

/// No per-run overrides.
pub static NO_OVERRIDES: Overrides = Overrides {
    duration_seconds: None,
    region: None,
    no_session: false,
    policy_arns: Vec::new(),
    policy: None,
    read_only: false,
    min_token_size: None,
};

/// The profiles of the runs this one is a `credential_process` of (`ROLECALL_CHAIN`).
fn outer_chain(vars: &Vars) -> Vec<(String, String)> {
    vars.non_empty(CHAIN_VAR)
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default()
}

/// Plans the credentials for `name`.
pub fn plan(profiles: &Profiles, name: &str, inputs: &Inputs) -> Result<Plan, ConfigError> {
    let Draft {
        top,
        endpoint,
        source,
        steps,
        mut notes,
        account_id,
    } = draft(profiles, name, inputs, true)?;
    notes.extend(stored_keys_note(&source, profiles));
    Ok(Plan {
        profile: name.to_string(),
        region: inputs
            .overrides
            .region
            .clone()
            .or_else(|| top.get("region").map(str::to_string)),
        endpoint: endpoint.owned(),
        source: source.into_owned(),
        steps,
        notes,
        settings: profile_settings(top),
        account_id,
        min_token_size: inputs.overrides.min_token_size,
    })
}

/// Whether `name` can be planned: the error [`plan`] would return, if any, without the plan
/// (`list` checks every profile): the same decisions and checks, without the steps, their
/// cache keys and the copies a plan keeps, which are most of its cost.
pub fn check(profiles: &Profiles, name: &str, inputs: &Inputs) -> Result<(), ConfigError> {
    draft(profiles, name, inputs, false).map(drop)
}

/// What [`plan`] decides and checks, before it copies what the plan keeps; with the steps
/// built (`build`) or only counted.
struct Draft<'a> {
    top: Profile<'a>,
    endpoint: endpoint::Endpoint<'a>,
    source: Held,
    steps: Vec<crate::domain::plan::Step>,
    notes: Vec<String>,
    account_id: Option<String>,
}

fn draft<'a>(
    profiles: &'a Profiles,
    name: &'a str,
    inputs: &Inputs<'a>,
    build: bool,
) -> Result<Draft<'a>, ConfigError> {
    let vars = inputs.vars;
    let top = profiles
        .get(name)
        .or_else(|| environment_default(name, vars));
    let top = top.ok_or_else(|| profiles.not_found(name))?;
    let outer = outer_chain(vars);
    check_process_loop(profiles, name, &outer)?;
    let endpoint = run_endpoint(profiles, top, inputs);
    // Room for a source and its source without growing (most chains are one or two links).
    let mut chain = Vec::with_capacity(4);
    chain.push(name);
    let (root, roles) = resolve(profiles, top, vars, inputs.stored_keys, &mut chain)?;
    let make = |root| source::source(root, profiles, top, inputs, &outer, &chain, build);
    // A profile's keys (the root of most chains) are the same source for every check of the
    // run: made once for all the chains that end there.
    let keys_of = match &root {
        Root::Static(profile) => Some(profile.name),
        Root::Stored { profile, .. } => Some(*profile),
        _ => None,
    };
    let source = match (build, inputs.checked, keys_of) {
        (false, Some(checked), Some(profile)) => {
            Held::Shared(checked.keys_source(profile, || make(root)))
        }
        _ => Held::Own(make(root)),
    };
    let Steps {
        mut steps,
        notes,
        identity,
        mut count,
        scoped,
        ..
    } = Steps::of_roles(roles, &source, endpoint.url, inputs, build)?;
    check_sso_endpoints(&source, inputs.settings.allow_http)?;
    // Long-term keys never reach a shell or a child: a session of them instead, also when a
    // credential_process may answer keys (the step is then skipped for a session).
    let maybe = source.may_be_long_term();
    if count == 0 && (source.long_term() || maybe) && !inputs.overrides.no_session {
        count += 1;
        if let Some(session) = keys_session(top, &identity, endpoint.url, inputs, maybe, build)? {
            steps.push(session);
        }
    }
    // Only a role's step can carry a session policy, never the session of keys.
    if inputs.overrides.scoped() && !scoped {
        return Err(ConfigError::Unscopable {
            profile: name.to_string(),
            from: source.describe(),
        });
    }
    if count > 0 {
        check_sts_url(endpoint.url, inputs)?;
        check_region(endpoint.region, vars, name)?;
    }
    Ok(Draft {
        top,
        endpoint,
        source,
        steps,
        notes,
        account_id: resolve::account_id(top)?,
    })
}

/// Refuses to plan a profile that an outer run of this one is already planning: its
/// `credential_process` would start this run again, without end.
fn check_process_loop(
    profiles: &Profiles,
    name: &str,
    outer: &[(String, String)],
) -> Result<(), ConfigError> {
    if outer.is_empty() {
        return Ok(()); // not inside a credential_process of another rolecall
    }
    let config = profiles.config_path.display().to_string();
    if !outer.iter().any(|(c, p)| c == &config && p == name) {
        return Ok(());
    }
    let mut path: Vec<String> = outer.iter().map(|(_, p)| p.clone()).collect();
    path.push(name.to_string());
    Err(ConfigError::ProcessLoop { path })
}

/// For keys from the keychain, the `-v` note that says so (and that a plaintext copy of them
/// in the credentials file can be removed).
fn stored_keys_note(source: &Source, profiles: &Profiles) -> Option<String> {
    let Source::Stored {
        profile,
        access_key_id,
        plaintext_copy,
    } = source
    else {
        return None;
    };
    let hint = crate::domain::key_hint(access_key_id);
    Some(if *plaintext_copy {
        format!(
            "profile \"{profile}\": the keys in the keychain ({hint}) win over those in {}, a plaintext copy; \"rolecall keys import {profile}\" removes it",
            profiles.credentials_path.display()
        )
    } else {
        format!("profile \"{profile}\": keys from the keychain ({hint})")
    })
}

/// The profile's settings the run exports (`PROFILE_SETTINGS`), by variable.
fn profile_settings(top: Profile<'_>) -> Vec<(&'static str, String)> {
    crate::domain::env::PROFILE_SETTINGS
        .iter()
        // An empty `cli_pager =` is a setting too: no pager.
        .filter_map(|(key, var)| {
            let value = &top.property(key)?.value;
            (!value.is_empty() || *key == "cli_pager").then(|| (*var, value.to_string()))
        })
        .collect()
}

/// With no `default` profile in the files, the AWS CLI still reads `AWS_ROLE_ARN` and
/// `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS pods and CI runners often have no config file at all):
/// an absent `default` is an empty profile when those are set.
fn environment_default<'a>(name: &str, vars: &Vars) -> Option<Profile<'a>> {
    static EMPTY: RawProfile = RawProfile {
        properties: Vec::new(),
        in_config: false,
        in_credentials: false,
    };
    let web_identity = vars.non_empty("AWS_ROLE_ARN").is_some()
        && vars.non_empty("AWS_WEB_IDENTITY_TOKEN_FILE").is_some();
    (name == "default" && web_identity).then(|| Profile::new("default", &EMPTY))
}

/// `rolecall-USER-UNIXTIME`: names the person in CloudTrail and is unique per session.
/// Characters STS does not allow are dropped; the result is at most 64 characters.
pub fn default_session_name(vars: &Vars, now: OffsetDateTime) -> String {
    let user: String = vars
        .user()
        .unwrap_or("user")
        .chars()
        .filter(|c| session_name_char(*c))
        .take(40)
        .collect();
    let user = if user.is_empty() { "user".into() } else { user };
    format!("rolecall-{user}-{}", now.unix_timestamp())
}

/// The cache key over `parts`, or nothing when the plan is only checked.
fn key(cache_keys: bool, parts: &[&str]) -> String {
    match cache_keys {
        true => digest(parts),
        false => String::new(),
    }
}

/// 32 hex characters of SHA-256 over the length-prefixed parts.
fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in std::iter::once(&"rolecall-cache-v1").chain(parts) {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    crate::domain::text::hex(&h.finalize()[..16])
}

#[cfg(test)]
mod tests;

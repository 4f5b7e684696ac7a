//! Config → Plan: which root credentials, then which STS calls, decided without any I/O.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::resolve::{resolve, session_name_char, RoleSettings, Root};
use super::{ConfigError, Profile, Profiles};
use crate::context::Vars;
use crate::credentials::Credentials;

/// STS caps a role session obtained with another role's credentials at one hour.
pub const CHAINED_MAX_SECONDS: u32 = 3600;
/// The range STS accepts for `AssumeRole`'s `DurationSeconds`.
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43200;
/// Where STS calls go when neither the profile nor the environment names a region.
pub const DEFAULT_STS_REGION: &str = "us-east-1";
/// Life of the MFA session (GetSessionToken) that roles sharing an `mfa_serial` reuse.
pub const DEFAULT_MFA_SESSION_SECONDS: u32 = 8 * 3600;
/// The range STS accepts for an IAM user's GetSessionToken.
pub const MFA_SESSION_RANGE: std::ops::RangeInclusive<u32> = 900..=129_600;

/// The ordered work that turns a profile into credentials.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The profile the user asked for.
    pub profile: String,
    /// The profile's own `region`, exported as `AWS_REGION`/`AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// Where every STS call of this plan goes.
    pub endpoint: StsEndpoint,
    pub source: Source,
    pub steps: Vec<Step>,
    /// Decisions worth telling the user with `-v` (a capped duration, say).
    pub notes: Vec<String>,
}

/// An STS endpoint: the signing region and, when configured, an explicit URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpoint {
    pub region: String,
    pub url: Option<String>,
}

/// The root credentials a chain starts from.
#[derive(Clone, Debug)]
pub enum Source {
    /// `aws_access_key_id`/`aws_secret_access_key` of a profile.
    Static {
        profile: String,
        credentials: Credentials,
    },
    /// `credential_source = Environment`: the `AWS_ACCESS_KEY_ID`… variables.
    Environment { credentials: Credentials },
    /// `credential_source = Ec2InstanceMetadata`: the instance role, through IMDSv2.
    InstanceMetadata,
    /// `credential_source = EcsContainer`: the task role, from the container endpoint.
    Container,
    /// `credential_process`: a command that prints credentials as JSON; cached by its expiry.
    Process {
        profile: String,
        command: String,
        cache_key: String,
    },
    /// No caller credentials: the first step is `AssumeRoleWithWebIdentity`.
    WebIdentity,
}

impl Source {
    /// What identifies these credentials in a cache key (never the secret). Platform sources
    /// are identified by kind, so a role session outlives the platform's key rotation.
    fn identity(&self) -> String {
        match self {
            Source::Static { credentials, .. } => format!("static:{}", credentials.access_key_id),
            Source::Environment { credentials } => format!("env:{}", credentials.access_key_id),
            Source::InstanceMetadata => "ec2-instance-metadata".into(),
            Source::Container => "ecs-container".into(),
            Source::Process { cache_key, .. } => format!("process:{cache_key}"),
            Source::WebIdentity => "web-identity".into(),
        }
    }

    /// Long-term keys, which may call GetSessionToken.
    fn long_term(&self) -> bool {
        match self {
            Source::Static { credentials, .. } | Source::Environment { credentials } => {
                credentials.session_token.is_none()
            }
            _ => false,
        }
    }

    /// Why a role assumed directly with these credentials is a chained session, if it is:
    /// they are already temporary (a role or MFA session).
    fn temporary(&self) -> Option<&'static str> {
        match self {
            Source::Static { credentials, .. } | Source::Environment { credentials }
                if credentials.session_token.is_some() =>
            {
                Some("its source credentials are a session")
            }
            Source::InstanceMetadata => Some("it is assumed with the instance role's session"),
            Source::Container => Some("it is assumed with the task role's session"),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Source::Static {
                profile,
                credentials,
            } => format!(
                "static keys of profile \"{profile}\" ({})",
                credentials.key_hint()
            ),
            Source::Environment { credentials } => format!(
                "environment variables AWS_ACCESS_KEY_ID ({})",
                credentials.key_hint()
            ),
            Source::InstanceMetadata => "EC2 instance metadata (IMDSv2)".into(),
            Source::Container => "ECS container credentials endpoint".into(),
            Source::Process { profile, .. } => {
                format!("credential_process of profile \"{profile}\"")
            }
            Source::WebIdentity => "a web identity token".into(),
        }
    }
}

/// Where an MFA code comes from for a step that needs one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mfa {
    pub serial: String,
    /// `mfa_process`: a command whose output is the code.
    pub process: Option<String>,
}

/// One STS call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An MFA session on long-term keys, which the next roles are assumed with.
    GetSessionToken(GetSessionToken),
    AssumeRole(AssumeRole),
    AssumeRoleWithWebIdentity(WebIdentity),
}

impl Step {
    pub fn cache_key(&self) -> &str {
        match self {
            Step::GetSessionToken(s) => &s.cache_key,
            Step::AssumeRole(a) => &a.cache_key,
            Step::AssumeRoleWithWebIdentity(w) => &w.cache_key,
        }
    }

    pub fn profile(&self) -> &str {
        match self {
            Step::GetSessionToken(s) => &s.profile,
            Step::AssumeRole(a) => &a.profile,
            Step::AssumeRoleWithWebIdentity(w) => &w.profile,
        }
    }

    /// The duration STS is asked for, or STS's own default.
    pub fn lifetime_seconds(&self) -> u32 {
        match self {
            Step::GetSessionToken(s) => s.duration_seconds,
            Step::AssumeRole(a) => a.duration_seconds.unwrap_or(3600),
            Step::AssumeRoleWithWebIdentity(w) => w.duration_seconds.unwrap_or(3600),
        }
    }

    pub fn operation(&self) -> &'static str {
        match self {
            Step::GetSessionToken(_) => "GetSessionToken",
            Step::AssumeRole(_) => "AssumeRole",
            Step::AssumeRoleWithWebIdentity(_) => "AssumeRoleWithWebIdentity",
        }
    }
}

/// `sts:GetSessionToken` with MFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetSessionToken {
    /// The role profile whose `mfa_serial` asked for it (cache entries are listed under it).
    pub profile: String,
    pub mfa: Mfa,
    pub duration_seconds: u32,
    pub cache_key: String,
}

/// `sts:AssumeRole` for one role profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub profile: String,
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    /// `None`: STS's default (one hour).
    pub duration_seconds: Option<u32>,
    /// Set when this call itself carries an MFA code (not covered by an MFA session).
    pub mfa: Option<Mfa>,
    /// Changes whenever the request would change (see [`cache_key`]).
    pub cache_key: String,
}

/// `sts:AssumeRoleWithWebIdentity` with a token file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentity {
    pub profile: String,
    pub role_arn: String,
    pub session_name: String,
    pub token_file: String,
    pub duration_seconds: Option<u32>,
    pub cache_key: String,
}

/// Plans the credentials for `name`. `now` only feeds the default session name.
pub fn plan(
    profiles: &Profiles,
    name: &str,
    vars: &Vars,
    now: OffsetDateTime,
) -> Result<Plan, ConfigError> {
    let top = profiles
        .get(name)
        .or_else(|| environment_default(name, vars));
    let top = top.ok_or_else(|| profiles.not_found(name))?;
    let endpoint = sts_endpoint(profiles, top, vars);
    let mut chain = vec![name.to_string()];
    let (root, roles) = resolve(profiles, top, vars, &mut chain)?;
    let source = match root {
        Root::Static {
            profile,
            credentials,
        } => Source::Static {
            profile,
            credentials,
        },
        Root::Environment { credentials } => Source::Environment { credentials },
        Root::InstanceMetadata => Source::InstanceMetadata,
        Root::Container => Source::Container,
        Root::Process { profile, command } => Source::Process {
            cache_key: digest(&["credential_process", &command]),
            profile,
            command,
        },
        Root::WebIdentity => Source::WebIdentity,
    };
    let mfa_seconds = mfa_session_seconds(vars)?;
    let default_session = default_session_name(vars, now);

    let mut notes = Vec::new();
    let mut steps = Vec::with_capacity(roles.len() + 1);
    let mut identity = source.identity();
    let mut authenticated: Vec<String> = Vec::new(); // MFA serials this chain already used
    for (index, mut role) in roles.into_iter().enumerate() {
        if index > 0 {
            cap_chained(
                &mut role,
                "it is assumed with another role's session",
                &mut notes,
            );
        }
        let session_name = role
            .session_name
            .clone()
            .unwrap_or_else(|| default_session.clone());
        if let Some(token_file) = role.web_identity_token_file.take() {
            let key = digest(&[
                "AssumeRoleWithWebIdentity",
                &identity,
                &role.role_arn,
                &token_file,
                role.session_name.as_deref().unwrap_or(""),
                &opt(role.duration_seconds),
                endpoint.url.as_deref().unwrap_or(""),
            ]);
            identity = format!("session:{key}");
            steps.push(Step::AssumeRoleWithWebIdentity(WebIdentity {
                profile: role.profile,
                role_arn: role.role_arn,
                session_name,
                token_file,
                duration_seconds: role.duration_seconds,
                cache_key: key,
            }));
            continue;
        }
        let mut call_mfa = None;
        if let Some(serial) = role.mfa_serial.clone() {
            let mfa = Mfa {
                serial: serial.clone(),
                process: role.mfa_process.clone(),
            };
            if authenticated.contains(&serial) {
                // An earlier step of this chain already proved this device.
            } else if index == 0 && source.long_term() {
                let key = digest(&[
                    "GetSessionToken",
                    &identity,
                    &serial,
                    &mfa_seconds.to_string(),
                    endpoint.url.as_deref().unwrap_or(""),
                ]);
                identity = format!("session:{key}");
                steps.push(Step::GetSessionToken(GetSessionToken {
                    profile: role.profile.clone(),
                    mfa,
                    duration_seconds: mfa_seconds,
                    cache_key: key,
                }));
            } else {
                call_mfa = Some(mfa);
            }
            authenticated.push(serial);
        }
        if index == 0 {
            if matches!(steps.last(), Some(Step::GetSessionToken(_))) {
                cap_chained(&mut role, "it is assumed with an MFA session", &mut notes);
            } else if let Some(why) = source.temporary() {
                cap_chained(&mut role, why, &mut notes);
            }
        }
        let key = cache_key(&identity, &role, &endpoint);
        identity = format!("session:{key}");
        steps.push(Step::AssumeRole(AssumeRole {
            profile: role.profile,
            role_arn: role.role_arn,
            session_name,
            external_id: role.external_id,
            duration_seconds: role.duration_seconds,
            mfa: call_mfa,
            cache_key: key,
        }));
    }

    Ok(Plan {
        profile: name.to_string(),
        region: top.get("region").map(str::to_string),
        endpoint,
        source,
        steps,
        notes,
    })
}

/// With no `default` profile in the files, the AWS CLI still reads `AWS_ROLE_ARN` and
/// `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS pods and CI runners often have no config file at all):
/// an absent `default` is an empty profile when those are set.
fn environment_default<'a>(name: &str, vars: &Vars) -> Option<Profile<'a>> {
    static EMPTY: super::RawProfile = super::RawProfile {
        properties: Vec::new(),
        in_config: false,
        in_credentials: false,
    };
    let web_identity = vars.non_empty("AWS_ROLE_ARN").is_some()
        && vars.non_empty("AWS_WEB_IDENTITY_TOKEN_FILE").is_some();
    (name == "default" && web_identity).then(|| Profile::new("default", &EMPTY))
}

/// STS refuses more than an hour for a role assumed with temporary credentials (role
/// chaining), so such a step asks for an hour and says why.
fn cap_chained(role: &mut RoleSettings, why: &str, notes: &mut Vec<String>) {
    let Some(asked) = role.duration_seconds.filter(|d| *d > CHAINED_MAX_SECONDS) else {
        return;
    };
    notes.push(format!(
        "profile \"{}\": duration_seconds {asked} capped at {CHAINED_MAX_SECONDS} because {why}; STS limits a chained role session to one hour",
        role.profile
    ));
    role.duration_seconds = Some(CHAINED_MAX_SECONDS);
}

/// `ROLECALL_MFA_SESSION_DURATION`: seconds, or a number with `m` or `h`.
fn mfa_session_seconds(vars: &Vars) -> Result<u32, ConfigError> {
    let Some(text) = vars.non_empty("ROLECALL_MFA_SESSION_DURATION") else {
        return Ok(DEFAULT_MFA_SESSION_SECONDS);
    };
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => 0,
    };
    match number
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
    {
        Some(s) if MFA_SESSION_RANGE.contains(&s) => Ok(s),
        _ => Err(ConfigError::InvalidSetting {
            name: "ROLECALL_MFA_SESSION_DURATION",
            value: text.to_string(),
            reason: "use 900 to 129600 seconds, or a number with m or h (for example 8h)",
        }),
    }
}

fn opt(d: Option<u32>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
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

/// The endpoint every STS call of the plan uses: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`,
/// the profile's `services` section, then its `endpoint_url`; the region is
/// `AWS_REGION`/`AWS_DEFAULT_REGION`, else the profile's, else us-east-1 (the AWS CLI's order,
/// which matters where only one region's STS endpoint is reachable).
fn sts_endpoint(profiles: &Profiles, profile: Profile<'_>, vars: &Vars) -> StsEndpoint {
    let region = vars
        .non_empty("AWS_REGION")
        .or_else(|| vars.non_empty("AWS_DEFAULT_REGION"))
        .or_else(|| profile.get("region"))
        .unwrap_or(DEFAULT_STS_REGION)
        .to_string();
    let ignore = vars
        .non_empty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| profile.get("ignore_configured_endpoint_urls"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let url = if ignore {
        None
    } else {
        vars.non_empty("AWS_ENDPOINT_URL_STS")
            .or_else(|| vars.non_empty("AWS_ENDPOINT_URL"))
            .map(str::to_string)
            .or_else(|| {
                let services = profiles.services(profile.get("services")?)?;
                let sts = services.get("sts")?;
                sts.sub
                    .iter()
                    .rev()
                    .find(|(k, _)| k == "endpoint_url")
                    .map(|(_, v)| v.clone())
            })
            .or_else(|| profile.get("endpoint_url").map(str::to_string))
    };
    StsEndpoint { region, url }
}

/// A digest of everything that changes what STS would hand out for a role step.
fn cache_key(source_identity: &str, role: &RoleSettings, endpoint: &StsEndpoint) -> String {
    digest(&[
        source_identity,
        &role.role_arn,
        role.external_id.as_deref().unwrap_or(""),
        role.mfa_serial.as_deref().unwrap_or(""),
        role.session_name.as_deref().unwrap_or(""),
        &opt(role.duration_seconds),
        endpoint.url.as_deref().unwrap_or(""),
    ])
}

/// 32 hex characters of SHA-256 over the length-prefixed parts.
fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in std::iter::once(&"rolecall-cache-v1").chain(parts) {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

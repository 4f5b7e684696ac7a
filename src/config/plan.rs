//! Config → Plan: which root credentials, then which STS calls, decided without any I/O.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{ConfigError, Profile, Profiles};
use crate::context::Vars;
use crate::credentials::{Credentials, Secret};

/// STS caps a role session obtained with another role's credentials at one hour.
pub const CHAINED_MAX_SECONDS: u32 = 3600;
/// The range STS accepts for `AssumeRole`'s `DurationSeconds`.
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43200;
/// Where STS calls go when neither the profile nor the environment names a region.
pub const DEFAULT_STS_REGION: &str = "us-east-1";

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
}

impl Source {
    /// What identifies these credentials in a cache key (never the secret).
    fn identity(&self) -> String {
        match self {
            Source::Static { credentials, .. } => format!("static:{}", credentials.access_key_id),
            Source::Environment { credentials } => format!("env:{}", credentials.access_key_id),
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
        }
    }
}

/// One STS call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    AssumeRole(AssumeRole),
}

impl Step {
    pub fn cache_key(&self) -> &str {
        match self {
            Step::AssumeRole(a) => &a.cache_key,
        }
    }

    pub fn profile(&self) -> &str {
        match self {
            Step::AssumeRole(a) => &a.profile,
        }
    }
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
    pub mfa_serial: Option<String>,
    /// Changes whenever the request would change (see [`cache_key`]).
    pub cache_key: String,
}

/// Plans the credentials for `name`. `now` only feeds the default session name.
pub fn plan(
    profiles: &Profiles,
    name: &str,
    vars: &Vars,
    now: OffsetDateTime,
) -> Result<Plan, ConfigError> {
    let top = profiles.get(name).ok_or_else(|| {
        let near = profiles.nearest(name);
        ConfigError::ProfileNotFound {
            name: name.to_string(),
            config: profiles.config_path.display().to_string(),
            credentials: profiles.credentials_path.display().to_string(),
            hint: if near.is_empty() {
                "; run \"rolecall list\" to see the profiles".to_string()
            } else {
                format!("; did you mean {}?", quoted_list(&near))
            },
        }
    })?;
    let endpoint = sts_endpoint(profiles, top, vars);
    let mut chain = vec![name.to_string()];
    let (source, mut roles) = resolve(profiles, top, vars, &mut chain)?;

    let mut notes = Vec::new();
    let mut steps = Vec::with_capacity(roles.len());
    let mut previous_identity = source.identity();
    let default_session = default_session_name(vars, now);
    for (index, role) in roles.iter_mut().enumerate() {
        let chained = index > 0;
        if chained && role.duration_seconds.unwrap_or(0) > CHAINED_MAX_SECONDS {
            notes.push(format!(
                "profile \"{}\": duration_seconds {} capped at {} because STS limits a chained role session to one hour",
                role.profile,
                role.duration_seconds.unwrap_or(0),
                CHAINED_MAX_SECONDS
            ));
            role.duration_seconds = Some(CHAINED_MAX_SECONDS);
        }
        let key = cache_key(&previous_identity, role, &endpoint);
        previous_identity = format!("session:{key}");
        steps.push(Step::AssumeRole(AssumeRole {
            profile: role.profile.clone(),
            role_arn: role.role_arn.clone(),
            session_name: role
                .session_name
                .clone()
                .unwrap_or_else(|| default_session.clone()),
            external_id: role.external_id.clone(),
            duration_seconds: role.duration_seconds,
            mfa_serial: role.mfa_serial.clone(),
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

/// A role profile's settings before chaining rules apply.
#[derive(Clone, Debug)]
struct RoleSettings {
    profile: String,
    role_arn: String,
    session_name: Option<String>,
    external_id: Option<String>,
    duration_seconds: Option<u32>,
    mfa_serial: Option<String>,
}

/// Walks `source_profile` links down to the root credentials, returning the roles to assume
/// from the root outwards. `chain` holds the names visited so far (for cycle messages).
fn resolve(
    profiles: &Profiles,
    profile: Profile<'_>,
    vars: &Vars,
    chain: &mut Vec<String>,
) -> Result<(Source, Vec<RoleSettings>), ConfigError> {
    let name = profile.name;
    let Some(role_arn) = profile.get("role_arn") else {
        if profile.get("credential_source").is_some() || profile.get("source_profile").is_some() {
            // A source without a role to assume: the AWS CLI ignores it; so do we, but only
            // when the profile has keys of its own.
            return static_source(profile)?.ok_or_else(|| ConfigError::NoCredentials(name.into()));
        }
        if profile.get("web_identity_token_file").is_some() {
            return Err(ConfigError::Unsupported {
                profile: name.into(),
                what: "web_identity_token_file",
            });
        }
        if let Some(source) = static_source(profile)? {
            return Ok(source);
        }
        if profile.get("credential_process").is_some() {
            return Err(ConfigError::Unsupported {
                profile: name.into(),
                what: "credential_process",
            });
        }
        return Err(ConfigError::NoCredentials(name.into()));
    };
    let role = role_settings(profile, role_arn)?;
    match (
        profile.get("source_profile"),
        profile.get("credential_source"),
    ) {
        (Some(_), Some(_)) => Err(ConfigError::BothSources(name.into())),
        (Some(source_name), None) if source_name == name => {
            // A profile that names itself as its source uses its own keys (AWS CLI behaviour).
            let (source, _) = static_source(profile)?.ok_or_else(|| ConfigError::Cycle {
                path: vec![name.to_string(), name.to_string()],
            })?;
            Ok((source, vec![role]))
        }
        (Some(source_name), None) => {
            if let Some(start) = chain.iter().position(|n| n == source_name) {
                let mut path = chain[start..].to_vec();
                path.push(source_name.to_string());
                return Err(ConfigError::Cycle { path });
            }
            let source_profile =
                profiles
                    .get(source_name)
                    .ok_or_else(|| ConfigError::SourceNotFound {
                        profile: name.to_string(),
                        source_name: source_name.to_string(),
                        config: profiles.config_path.display().to_string(),
                        credentials: profiles.credentials_path.display().to_string(),
                    })?;
            chain.push(source_name.to_string());
            let (source, mut roles) = resolve(profiles, source_profile, vars, chain)?;
            roles.push(role);
            Ok((source, roles))
        }
        (None, Some(kind)) => {
            let source = credential_source(name, kind, vars)?;
            Ok((source, vec![role]))
        }
        (None, None) => {
            if profile.get("web_identity_token_file").is_some() {
                return Err(ConfigError::Unsupported {
                    profile: name.into(),
                    what: "web_identity_token_file",
                });
            }
            Err(ConfigError::NoRoleSource(name.into()))
        }
    }
}

/// The profile's own static keys, if it has any.
fn static_source(profile: Profile<'_>) -> Result<Option<(Source, Vec<RoleSettings>)>, ConfigError> {
    let id = profile.get("aws_access_key_id");
    let secret = profile.get("aws_secret_access_key");
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::IncompleteKeys {
            profile: profile.name.into(),
            present: "aws_access_key_id",
            missing: "aws_secret_access_key",
        }),
        (None, Some(_)) => Err(ConfigError::IncompleteKeys {
            profile: profile.name.into(),
            present: "aws_secret_access_key",
            missing: "aws_access_key_id",
        }),
        (Some(id), Some(secret)) => Ok(Some((
            Source::Static {
                profile: profile.name.to_string(),
                credentials: Credentials {
                    access_key_id: id.to_string(),
                    secret_access_key: Secret::new(secret),
                    session_token: profile.get("aws_session_token").map(Secret::new),
                    expiration: None,
                },
            },
            Vec::new(),
        ))),
    }
}

fn credential_source(profile: &str, kind: &str, vars: &Vars) -> Result<Source, ConfigError> {
    if kind.eq_ignore_ascii_case("Environment") {
        let (Some(id), Some(secret)) = (
            vars.non_empty("AWS_ACCESS_KEY_ID"),
            vars.non_empty("AWS_SECRET_ACCESS_KEY"),
        ) else {
            return Err(ConfigError::EnvironmentCredentialsMissing(profile.into()));
        };
        return Ok(Source::Environment {
            credentials: Credentials {
                access_key_id: id.to_string(),
                secret_access_key: Secret::new(secret),
                session_token: vars
                    .non_empty("AWS_SESSION_TOKEN")
                    .or_else(|| vars.non_empty("AWS_SECURITY_TOKEN"))
                    .map(Secret::new),
                expiration: None,
            },
        });
    }
    if kind.eq_ignore_ascii_case("Ec2InstanceMetadata") || kind.eq_ignore_ascii_case("EcsContainer")
    {
        return Err(ConfigError::UnsupportedCredentialSource {
            profile: profile.into(),
            value: kind.into(),
        });
    }
    Err(ConfigError::UnknownCredentialSource {
        profile: profile.into(),
        value: kind.into(),
    })
}

fn role_settings(profile: Profile<'_>, role_arn: &str) -> Result<RoleSettings, ConfigError> {
    let invalid = |key, value: &str, reason| ConfigError::InvalidValue {
        profile: profile.name.to_string(),
        key,
        value: value.to_string(),
        reason,
    };
    if !valid_role_arn(role_arn) {
        return Err(invalid(
            "role_arn",
            role_arn,
            "expected arn:aws:iam::ACCOUNT:role/NAME",
        ));
    }
    let duration_seconds = match profile.get("duration_seconds") {
        None => None,
        Some(text) => match text.parse::<u32>() {
            Ok(d) if DURATION_RANGE.contains(&d) => Some(d),
            _ => {
                return Err(invalid(
                    "duration_seconds",
                    text,
                    "use a whole number of seconds from 900 to 43200",
                ))
            }
        },
    };
    let session_name = profile.get("role_session_name");
    if let Some(s) = session_name {
        if !(2..=64).contains(&s.len()) || !s.chars().all(session_name_char) {
            return Err(invalid(
                "role_session_name",
                s,
                "use 2 to 64 characters from A-Z a-z 0-9 and +=,.@_-",
            ));
        }
    }
    let external_id = profile.get("external_id");
    if let Some(e) = external_id {
        if !(2..=1224).contains(&e.len())
            || !e
                .chars()
                .all(|c| session_name_char(c) || c == ':' || c == '/')
        {
            return Err(invalid(
                "external_id",
                e,
                "use 2 to 1224 characters from A-Z a-z 0-9 and +=,.@:/_-",
            ));
        }
    }
    Ok(RoleSettings {
        profile: profile.name.to_string(),
        role_arn: role_arn.to_string(),
        session_name: session_name.map(str::to_string),
        external_id: external_id.map(str::to_string),
        duration_seconds,
        mfa_serial: profile.get("mfa_serial").map(str::to_string),
    })
}

/// `arn:PARTITION:iam:…:role/NAME`, loosely: STS has the final word, but a value that is
/// clearly not a role ARN is caught before any network call.
fn valid_role_arn(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    let Some((_, resource)) = rest.split_once(":role/") else {
        return false;
    };
    let role_name = resource.rsplit('/').next().unwrap_or("");
    (20..=2048).contains(&arn.len())
        && rest.split(':').nth(1) == Some("iam")
        && !role_name.is_empty()
        && !arn.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
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
/// the profile's `services` section, then its `endpoint_url`; the region is the profile's,
/// else `AWS_REGION`/`AWS_DEFAULT_REGION`, else us-east-1.
fn sts_endpoint(profiles: &Profiles, profile: Profile<'_>, vars: &Vars) -> StsEndpoint {
    let region = profile
        .get("region")
        .or_else(|| vars.non_empty("AWS_REGION"))
        .or_else(|| vars.non_empty("AWS_DEFAULT_REGION"))
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

/// A digest of everything that changes what STS would hand out for a step.
fn cache_key(source_identity: &str, role: &RoleSettings, endpoint: &StsEndpoint) -> String {
    let mut h = Sha256::new();
    for part in [
        "rolecall-cache-v1",
        source_identity,
        &role.role_arn,
        role.external_id.as_deref().unwrap_or(""),
        role.mfa_serial.as_deref().unwrap_or(""),
        role.session_name.as_deref().unwrap_or(""),
        &role
            .duration_seconds
            .map(|d| d.to_string())
            .unwrap_or_default(),
        endpoint.url.as_deref().unwrap_or(""),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

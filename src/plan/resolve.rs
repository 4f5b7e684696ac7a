//! Walking `source_profile` links to the root credentials, and reading each role profile's
//! settings with their validation. Pure: no I/O.

use crate::config::{ConfigError, Profile, Profiles};
use crate::domain::keys::StoredKeys;
use crate::domain::plan::{SessionTags, TokenFrom};
use crate::domain::sso::{SsoSession, DEFAULT_SCOPE};
use crate::domain::{Credentials, Secret, Vars};

/// The longest `source_profile` chain rolecall follows (the AWS CLI's own recursion gives up
/// near 1,000; real chains have a handful of links).
pub const MAX_CHAIN: usize = 256;

/// The root of a chain, before cache keys are attached; a profile's keys (the usual root)
/// are borrowed, and copied only when the plan's source is made of them.
#[derive(Clone, Debug)]
pub enum Root<'a> {
    /// A profile's own keys in the files, checked ([`static_credentials`]).
    Static(Profile<'a>),
    /// Keys in the keychain, known by their id.
    Stored {
        profile: &'a str,
        access_key_id: &'a str,
        plaintext_copy: bool,
    },
    Environment {
        credentials: Credentials,
    },
    InstanceMetadata,
    Container,
    Process {
        profile: String,
        command: String,
    },
    /// No caller credentials: the first role is assumed with a web identity token.
    WebIdentity,
    /// IAM Identity Center role credentials (endpoints are attached by the planner).
    Sso {
        profile: String,
        session: SsoSession,
        account_id: String,
        role_name: String,
    },
    /// An AWS Sign-In session (`login_session`, written by `aws login`).
    Login {
        profile: String,
        session: String,
    },
}

/// A role profile's settings before chaining rules apply, borrowed from the profile (and,
/// for the environment's web identity role, from the environment).
#[derive(Clone, Debug)]
pub struct RoleSettings<'a> {
    pub profile: &'a str,
    pub role_arn: &'a str,
    pub session_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub duration_seconds: Option<u32>,
    pub mfa_serial: Option<&'a str>,
    pub mfa_process: Option<&'a str>,
    /// Set for the first role of a web identity chain.
    pub web_identity_token: Option<TokenFrom>,
    pub tags: SessionTags,
    /// `policy_arns` and `policy`, as written.
    pub policy: super::policy::RawPolicy<'a>,
}

/// Walks `source_profile` links down to the root credentials, returning the roles to assume
/// from the root outwards. `chain` holds the names visited so far (for cycle messages). A
/// loop, not recursion, so no configuration can exhaust the stack.
pub fn resolve<'a>(
    profiles: &'a Profiles,
    top: Profile<'a>,
    vars: &'a Vars,
    stored: &'a StoredKeys,
    chain: &mut Vec<&'a str>,
) -> Result<(Root<'a>, Vec<RoleSettings<'a>>), ConfigError> {
    let own_keys = |profile: Profile<'a>| own_keys(profile, stored);
    let mut roles = Vec::new(); // outermost first; reversed at the end
    let mut profile = top;
    let root = loop {
        let name = profile.name;
        profiles.include_problem(name)?;
        if !roles.is_empty() {
            // A source profile's own static keys win over its `role_arn`, as in the AWS
            // CLI: only the profile asked for follows `role_arn` first.
            if let Some(root) = own_keys(profile)? {
                break root;
            }
        }
        let Some(role_arn) = profile.get("role_arn") else {
            if stored.key_id(name).is_none() {
                if let Some(role) = environment_web_identity(profile, vars) {
                    roles.push(role?);
                    break Root::WebIdentity;
                }
            }
            break non_role_source(profiles, profile, stored)?;
        };
        let mut role = role_settings(profile, role_arn)?;
        match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(_), Some(_)) => return Err(ConfigError::BothSources(name.into())),
            (Some(source_name), None) if source_name == name => {
                // A profile that names itself as its source uses its own keys (AWS CLI
                // behaviour).
                let root = own_keys(profile)?.ok_or_else(|| ConfigError::Cycle {
                    path: vec![name.to_string(), name.to_string()],
                })?;
                roles.push(role);
                break root;
            }
            (Some(source_name), None) => {
                if let Some(start) = chain.iter().position(|n| *n == source_name) {
                    let mut path: Vec<String> =
                        chain[start..].iter().map(|n| n.to_string()).collect();
                    path.push(source_name.to_string());
                    return Err(ConfigError::Cycle { path });
                }
                if chain.len() >= MAX_CHAIN {
                    return Err(ConfigError::ChainTooLong {
                        profile: chain[0].to_string(),
                        max: MAX_CHAIN,
                    });
                }
                profile = profiles
                    .get(source_name)
                    .ok_or_else(|| ConfigError::SourceNotFound {
                        profile: name.to_string(),
                        source_name: source_name.to_string(),
                        config: profiles.config_path.display().to_string(),
                        credentials: profiles.credentials_path.display().to_string(),
                    })?;
                chain.push(source_name);
                roles.push(role);
            }
            (None, Some(kind)) => {
                roles.push(role);
                break credential_source(name, kind, vars)?;
            }
            (None, None) => {
                let token = match (
                    profile.get("web_identity_token_file"),
                    profile.get("web_identity_token_process"),
                ) {
                    (Some(file), _) => TokenFrom::File(file.to_string()),
                    (None, Some(command)) => TokenFrom::Process(command.to_string()),
                    (None, None) => return Err(ConfigError::NoRoleSource(name.into())),
                };
                role.web_identity_token = Some(token);
                roles.push(role);
                break Root::WebIdentity;
            }
        }
    };
    roles.reverse();
    Ok((root, roles))
}

/// The credentials of a profile without `role_arn`: its SSO role, its keys, its `login_session`,
/// its `credential_process`, or the
/// `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE` variables, in the AWS CLI's order.
fn non_role_source<'a>(
    profiles: &Profiles,
    profile: Profile<'a>,
    stored: &'a StoredKeys,
) -> Result<Root<'a>, ConfigError> {
    if stored.key_id(profile.name).is_none() {
        if let Some(sso) = sso_source(profiles, profile)? {
            return Ok(sso);
        }
    }
    if let Some(root) = own_keys(profile, stored)? {
        return Ok(root);
    }
    // After the keys and before credential_process, as in botocore's provider order.
    if let Some(session) = profile.get("login_session") {
        return Ok(Root::Login {
            profile: profile.name.to_string(),
            session: session.to_string(),
        });
    }
    if let Some(command) = profile.get("credential_process") {
        return Ok(Root::Process {
            profile: profile.name.to_string(),
            command: command.to_string(),
        });
    }
    Err(ConfigError::NoCredentials(profile.name.into()))
}

/// The web identity role from `AWS_ROLE_ARN`/`AWS_WEB_IDENTITY_TOKEN_FILE`, for a profile that
/// has no credentials of its own (how EKS and GitHub Actions hand credentials to the AWS CLI).
fn environment_web_identity<'a>(
    profile: Profile<'a>,
    vars: &'a Vars,
) -> Option<Result<RoleSettings<'a>, ConfigError>> {
    let arn = vars.non_empty("AWS_ROLE_ARN")?;
    let file = vars.non_empty("AWS_WEB_IDENTITY_TOKEN_FILE")?;
    let has_own = [
        "role_arn",
        "aws_access_key_id",
        "aws_secret_access_key",
        "credential_process",
    ]
    .iter()
    .any(|k| profile.get(k).is_some());
    if has_own {
        return None;
    }
    let session_name = vars.non_empty("AWS_ROLE_SESSION_NAME");
    if let Some(s) = session_name.filter(|s| !valid_session_name(s)) {
        return Some(Err(ConfigError::InvalidValue {
            profile: profile.name.to_string(),
            key: "AWS_ROLE_SESSION_NAME",
            value: s.to_string(),
            reason: "use 2 to 64 characters from A-Z a-z 0-9 and +=,.@_-",
        }));
    }
    Some(role_settings(profile, arn).map(|mut role| {
        role.web_identity_token = Some(TokenFrom::File(file.to_string()));
        role.session_name = session_name;
        role.mfa_serial = None;
        role
    }))
}

/// The `[sso-session NAME]` section as a session; `own` gives the profile's own values, which
/// may repeat the session's but not contradict them.
pub fn session_section<'a>(
    profiles: &Profiles,
    name: &str,
    session_name: &str,
    own: &dyn Fn(&'static str) -> Option<&'a str>,
) -> Result<SsoSession, ConfigError> {
    let section =
        profiles
            .sso_session(session_name)
            .ok_or_else(|| ConfigError::SsoSessionNotFound {
                profile: name.to_string(),
                session: session_name.to_string(),
                config: profiles.config_path.display().to_string(),
            })?;
    let from_session = |key: &str| section.get(key).map(|p| p.value.trim().to_string());
    let mut values = Vec::new();
    for key in ["sso_start_url", "sso_region"] {
        let value =
            from_session(key)
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::SsoIncomplete {
                    profile: name.to_string(),
                    missing: if key == "sso_start_url" {
                        "sso_start_url in its sso-session"
                    } else {
                        "sso_region in its sso-session"
                    },
                })?;
        if let Some(mine) = own(key).filter(|m| m.trim() != value) {
            return Err(ConfigError::SsoMismatch {
                profile: name.to_string(),
                key: if key == "sso_start_url" {
                    "sso_start_url"
                } else {
                    "sso_region"
                },
                profile_value: mine.to_string(),
                session: session_name.to_string(),
                session_value: value,
            });
        }
        values.push(value);
    }
    let scopes = from_session("sso_registration_scopes")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
    let region = values.pop().unwrap_or_default();
    let start_url = values.pop().unwrap_or_default();
    Ok(SsoSession {
        name: Some(session_name.to_string()),
        start_url,
        region,
        scopes,
    })
}

/// An IAM Identity Center profile's account, role and session: `sso_session` naming an
/// `[sso-session]` section (whose values the profile may repeat, but not contradict), or the
/// legacy `sso_start_url` + `sso_region` in the profile. `None`: not an SSO profile.
pub fn sso_source<'a>(
    profiles: &Profiles,
    profile: Profile<'_>,
) -> Result<Option<Root<'a>>, ConfigError> {
    let name = profile.name;
    // `granted sso populate` writes the same values under its own names (beside a
    // `credential_process` that runs granted): read them as the SSO profile they describe.
    let own = |key: &'static str| profile.get(key).or_else(|| profile.get(granted_key(key)?));
    let session = match own("sso_session") {
        Some(session_name) => session_section(profiles, name, session_name, &own)?,
        None => {
            let (url, region) = (own("sso_start_url"), own("sso_region"));
            if url.is_none() && region.is_none() {
                if own("sso_account_id").is_some() || own("sso_role_name").is_some() {
                    return Err(ConfigError::SsoIncomplete {
                        profile: name.to_string(),
                        missing: "sso_session (or sso_start_url and sso_region)",
                    });
                }
                return Ok(None);
            }
            let (Some(url), Some(region)) = (url, region) else {
                return Err(ConfigError::SsoIncomplete {
                    profile: name.to_string(),
                    missing: if url.is_none() {
                        "sso_start_url"
                    } else {
                        "sso_region"
                    },
                });
            };
            SsoSession {
                name: None,
                start_url: url.trim().to_string(),
                region: region.trim().to_string(),
                scopes: profile
                    .get("granted_sso_registration_scopes")
                    .map(|s| {
                        s.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
    };
    let invalid = |key, value: &str, reason| ConfigError::InvalidValue {
        profile: name.to_string(),
        key,
        value: value.to_string(),
        reason,
    };
    if !session.start_url.starts_with("https://") && !session.start_url.starts_with("http://") {
        return Err(invalid(
            "sso_start_url",
            &session.start_url,
            "use the AWS access portal URL, such as https://my-org.awsapps.com/start",
        ));
    }
    if session.region.is_empty()
        || !session
            .region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(invalid(
            "sso_region",
            &session.region,
            "use a region name such as us-east-1",
        ));
    }
    let account_id = own("sso_account_id").ok_or(ConfigError::SsoIncomplete {
        profile: name.to_string(),
        missing: "sso_account_id",
    })?;
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "sso_account_id",
            account_id,
            "use the 12-digit account number",
        ));
    }
    let role_name = own("sso_role_name").ok_or(ConfigError::SsoIncomplete {
        profile: name.to_string(),
        missing: "sso_role_name",
    })?;
    if role_name.is_empty()
        || role_name.len() > 64
        || role_name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "sso_role_name",
            role_name,
            "use the permission set's role name, such as ReadOnly",
        ));
    }
    Ok(Some(Root::Sso {
        profile: name.to_string(),
        session,
        account_id: account_id.to_string(),
        role_name: role_name.to_string(),
    }))
}

/// granted's name for an SSO key of the AWS CLI (`granted_sso_start_url` for `sso_start_url`).
pub fn granted_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "sso_start_url" => "granted_sso_start_url",
        "sso_region" => "granted_sso_region",
        "sso_account_id" => "granted_sso_account_id",
        "sso_role_name" => "granted_sso_role_name",
        _ => return None,
    })
}

/// The profile's keys in the keychain, else its static keys in the files, if it has any.
fn own_keys<'a>(
    profile: Profile<'a>,
    stored: &'a StoredKeys,
) -> Result<Option<Root<'a>>, ConfigError> {
    match stored.key_id(profile.name) {
        Some(id) => Ok(Some(Root::Stored {
            profile: profile.name,
            access_key_id: id,
            plaintext_copy: profile.get("aws_access_key_id").is_some(),
        })),
        None => static_source(profile),
    }
}

/// The profile's `aws_account_id`, which must be a 12-digit account number.
pub fn account_id(profile: Profile<'_>) -> Result<Option<String>, ConfigError> {
    match profile.get("aws_account_id").filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(id) if crate::domain::plan::is_account_id(id) => Ok(Some(id.to_string())),
        Some(id) => Err(ConfigError::InvalidValue {
            profile: profile.name.to_string(),
            key: "aws_account_id",
            value: id.to_string(),
            reason: "use the 12-digit account number",
        }),
    }
}

/// The profile's own static keys, if it has any (checked: both halves, and the account id).
fn static_source(profile: Profile<'_>) -> Result<Option<Root<'_>>, ConfigError> {
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
        (Some(_), Some(_)) => {
            account_id(profile)?;
            Ok(Some(Root::Static(profile)))
        }
    }
}

/// The keys of a profile [`static_source`] found complete (and its account id, which it found
/// valid).
pub fn static_credentials(profile: Profile<'_>) -> Credentials {
    Credentials {
        access_key_id: profile.get("aws_access_key_id").unwrap_or("").to_string(),
        secret_access_key: Secret::new(profile.get("aws_secret_access_key").unwrap_or("")),
        session_token: profile.get("aws_session_token").map(Secret::new),
        expiration: None,
        account_id: profile.get("aws_account_id").map(str::to_string),
    }
}

fn credential_source<'a>(profile: &str, kind: &str, vars: &Vars) -> Result<Root<'a>, ConfigError> {
    if kind.eq_ignore_ascii_case("Environment") {
        let (Some(id), Some(secret)) = (
            vars.non_empty("AWS_ACCESS_KEY_ID"),
            vars.non_empty("AWS_SECRET_ACCESS_KEY"),
        ) else {
            return Err(ConfigError::EnvironmentCredentialsMissing(profile.into()));
        };
        return Ok(Root::Environment {
            credentials: Credentials {
                access_key_id: id.to_string(),
                secret_access_key: Secret::new(secret),
                session_token: vars
                    .non_empty("AWS_SESSION_TOKEN")
                    .or_else(|| vars.non_empty("AWS_SECURITY_TOKEN"))
                    .map(Secret::new),
                expiration: None,
                account_id: vars
                    .non_empty("AWS_ACCOUNT_ID")
                    .filter(|v| crate::domain::plan::is_account_id(v))
                    .map(str::to_string),
            },
        });
    }
    if kind.eq_ignore_ascii_case("Ec2InstanceMetadata") {
        return Ok(Root::InstanceMetadata);
    }
    if kind.eq_ignore_ascii_case("EcsContainer") {
        return Ok(Root::Container);
    }
    let known = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];
    Err(ConfigError::UnknownCredentialSource {
        profile: profile.into(),
        value: kind.into(),
        hint: crate::config::nearest_word(kind, &known)
            .map(|k| format!("; did you mean {k}?"))
            .unwrap_or_default(),
    })
}

pub fn role_settings<'a>(
    profile: Profile<'a>,
    role_arn: &'a str,
) -> Result<RoleSettings<'a>, ConfigError> {
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
            Ok(d) if crate::domain::plan::DURATION_RANGE.contains(&d) => Some(d),
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
        if !valid_session_name(s) {
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
    let mfa_serial = mfa_serial(profile)?;
    let tags = session_tags(profile)?;
    Ok(RoleSettings {
        tags,
        profile: profile.name,
        role_arn,
        session_name,
        external_id,
        duration_seconds,
        mfa_serial,
        mfa_process: profile.get("mfa_process"),
        web_identity_token: None,
        policy: super::policy::RawPolicy {
            arns: profile.get("policy_arns"),
            document: profile.get("policy"),
        },
    })
}

/// The profile's `mfa_serial`, checked: an MFA device ARN or a hardware serial.
pub fn mfa_serial<'a>(profile: Profile<'a>) -> Result<Option<&'a str>, ConfigError> {
    let Some(m) = profile.get("mfa_serial") else {
        return Ok(None);
    };
    if !(9..=256).contains(&m.len())
        || !m
            .chars()
            .all(|c| session_name_char(c) || c == ':' || c == '/')
    {
        return Err(ConfigError::InvalidValue {
            profile: profile.name.to_string(),
            key: "mfa_serial",
            value: m.to_string(),
            reason: "use the MFA device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or a hardware serial",
        });
    }
    Ok(Some(m))
}

/// `session_tags = k=v,k2=v2`, `transitive_session_tags = k,k2` and `source_identity`, checked
/// against STS's rules: at most 50 tags, keys of 1 to 128 and values of up to 256 letters,
/// digits, spaces and `_.:/=+-@`, keys unique (case aside); transitive keys among the tags; a
/// source identity of 2 to 64 characters from A-Z a-z 0-9 and `+=,.@_-`, not starting `aws:`.
fn session_tags(profile: Profile<'_>) -> Result<SessionTags, ConfigError> {
    let invalid = |key, value: &str, reason| ConfigError::InvalidValue {
        profile: profile.name.to_string(),
        key,
        value: value.to_string(),
        reason,
    };
    let tag_char = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
    let mut tags: Vec<(String, String)> = Vec::new();
    if let Some(text) = profile.get("session_tags") {
        const WHY: &str = "use key=value pairs separated by commas (at most 50; keys of 1 to 128 and values of up to 256 letters, digits, spaces and _.:/=+-@)";
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| invalid("session_tags", text, WHY))?;
            let (k, v) = (k.trim(), v.trim());
            let ok = (1..=128).contains(&k.chars().count())
                && v.chars().count() <= 256
                && k.chars().chain(v.chars()).all(tag_char)
                && !tags.iter().any(|(seen, _)| seen.eq_ignore_ascii_case(k));
            if !ok {
                return Err(invalid("session_tags", text, WHY));
            }
            tags.push((k.to_string(), v.to_string()));
        }
        if tags.len() > 50 {
            return Err(invalid("session_tags", text, WHY));
        }
    }
    let mut transitive = Vec::new();
    if let Some(text) = profile.get("transitive_session_tags") {
        for k in text.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            if !tags.iter().any(|(t, _)| t.eq_ignore_ascii_case(k)) {
                return Err(invalid(
                    "transitive_session_tags",
                    text,
                    "name only keys that session_tags sets",
                ));
            }
            transitive.push(k.to_string());
        }
    }
    let source_identity = profile.get("source_identity");
    if let Some(s) = source_identity {
        if !(2..=64).contains(&s.len())
            || !s.chars().all(session_name_char)
            || s.to_ascii_lowercase().starts_with("aws:")
        {
            return Err(invalid(
                "source_identity",
                s,
                "use 2 to 64 characters from A-Z a-z 0-9 and +=,.@_-, not starting with aws:",
            ));
        }
    }
    Ok(SessionTags {
        tags,
        transitive,
        source_identity: source_identity.map(str::to_string),
    })
}

/// `arn:PARTITION:iam:…:role/NAME`, loosely: STS has the final word, but a value that is
/// clearly not a role ARN is caught before any network call.
fn valid_role_arn(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    // The first `:role/` (a byte scan: every profile of a 10,000-profile `list` has one).
    let Some(resource) = rest
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b':')
        .find_map(|(i, _)| rest[i..].strip_prefix(":role/"))
    else {
        return false;
    };
    let role_name = resource.rsplit('/').next().unwrap_or("");
    (20..=2048).contains(&arn.len())
        && rest.split(':').nth(1) == Some("iam")
        && !role_name.is_empty()
        && !crate::domain::text::has_blank(arn)
}

pub fn session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

pub fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len()) && s.chars().all(session_name_char)
}

#[cfg(test)]
mod tests {
    use super::valid_role_arn;

    #[test]
    fn role_arns_are_checked_loosely_but_blanks_anywhere_are_refused() {
        for ok in [
            "arn:aws:iam::123456789012:role/admin",
            "arn:aws-cn:iam::123456789012:role/path/to/admin",
            "arn:aws:iam::123456789012:role/é-名前",
        ] {
            assert!(valid_role_arn(ok), "{ok}");
        }
        for bad in [
            "aws:iam::123456789012:role/admin",
            "arn:aws:sts::123456789012:role/admin",
            "arn:aws:iam::123456789012:user/admin",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::role/x",
            "arn:aws:iam::123456789012:role/ad min",
            "arn:aws:iam::123456789012:role/admin\t",
            "arn:aws:iam::123456789012:role/ad\u{7f}min",
            "arn:aws:iam::123456789012:role/ad\u{a0}min",
            "arn:aws:iam::123456789012:role/ad\u{3000}min",
            "arn:aws:iam::123456789012:role/ad\u{85}min",
        ] {
            assert!(!valid_role_arn(bad), "{bad:?}");
        }
    }
}

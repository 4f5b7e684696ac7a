//! PURE: Profiles + inputs → a [`Plan`]: which root credentials, then which STS calls, each
//! validated, with its duration (chained steps capped), session name and cache key. No I/O.

mod resolve;
mod sso_target;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::{ConfigError, Profile, Profiles, RawProfile};
use crate::domain::keys::StoredKeys;
use crate::domain::plan::{
    chained_cap_note, AssumeRole, ChainedCap, GetSessionToken, Mfa, Plan, Source, Step,
    StsEndpoint, WebIdentity, CHAINED_MAX_SECONDS, CHAIN_VAR, DEFAULT_KEYS_SESSION_SECONDS,
    DEFAULT_STS_REGION,
};
use crate::domain::text::{plain_http_off_loopback, redact_url};
use crate::domain::Vars;
use crate::ports::identity::CallerIdentity;
use crate::settings::Settings;
use resolve::{resolve, session_name_char, RoleSettings, Root};

pub use resolve::{session_section, MAX_CHAIN};
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
}

/// The profiles of the runs this one is a `credential_process` of (`ROLECALL_CHAIN`).
fn outer_chain(vars: &Vars) -> Vec<(String, String)> {
    vars.non_empty(CHAIN_VAR)
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default()
}

/// Plans the credentials for `name`.
pub fn plan(profiles: &Profiles, name: &str, inputs: &Inputs) -> Result<Plan, ConfigError> {
    let (vars, now) = (inputs.vars, inputs.now);
    let top = profiles
        .get(name)
        .or_else(|| environment_default(name, vars));
    let top = top.ok_or_else(|| profiles.not_found(name))?;
    let config = profiles.config_path.display().to_string();
    let outer = outer_chain(vars);
    if outer.iter().any(|(c, p)| c == &config && p == name) {
        let mut path: Vec<String> = outer.into_iter().map(|(_, p)| p).collect();
        path.push(name.to_string());
        return Err(ConfigError::ProcessLoop { path });
    }
    let mut endpoint = sts_endpoint(profiles, top, vars);
    if let Some(region) = &inputs.overrides.region {
        endpoint.region = region.clone();
    }
    let mut chain = vec![name.to_string()];
    let (root, roles) = resolve(profiles, top, vars, inputs.stored_keys, &mut chain)?;
    let source = match root {
        Root::Static {
            profile,
            credentials,
        } => Source::Static {
            profile,
            credentials,
        },
        Root::Stored {
            profile,
            access_key_id,
            plaintext_copy,
        } => Source::Stored {
            profile,
            access_key_id,
            plaintext_copy,
        },
        Root::Environment { credentials } => Source::Environment { credentials },
        Root::InstanceMetadata => Source::InstanceMetadata,
        Root::Container => Source::Container,
        Root::Process { profile, command } => Source::Process {
            chain: {
                let mut all = outer.clone();
                all.extend(chain.iter().map(|p| (config.clone(), p.clone())));
                serde_json::to_string(&all).unwrap_or_default()
            },
            cache_key: digest(&[
                "credential_process",
                &command,
                &inputs.identity.process_context(),
            ]),
            profile,
            command,
        },
        Root::WebIdentity => Source::WebIdentity,
        Root::Sso {
            profile,
            session,
            account_id,
            role_name,
        } => {
            let source_profile = profiles.get(&profile).unwrap_or(top);
            let endpoints = sso_endpoints(profiles, Some(source_profile), vars, &session.region);
            let cache_key = digest(&[
                "GetRoleCredentials",
                &session.start_url,
                session.name.as_deref().unwrap_or(""),
                &account_id,
                &role_name,
                endpoints.portal.as_deref().unwrap_or(""),
            ]);
            Source::Sso {
                role: crate::domain::sso::SsoRole {
                    profile,
                    session,
                    account_id,
                    role_name,
                    endpoints,
                },
                cache_key,
            }
        }
    };
    let default_session = default_session_name(vars, now);

    let mut notes = Vec::new();
    let mut steps = Vec::with_capacity(roles.len() + 1);
    let mut identity = match &source {
        // Every instance, task and token is its own caller.
        Source::InstanceMetadata => format!("{}:{}", source.identity(), inputs.identity.instance()),
        Source::Container => format!("{}:{}", source.identity(), inputs.identity.container()),
        _ => source.identity(),
    };
    let mut authenticated: Vec<String> = Vec::new(); // MFA serials this chain already used
    let last = roles.len().saturating_sub(1);
    for (index, mut role) in roles.into_iter().enumerate() {
        if index == last {
            if let Some(d) = inputs.overrides.duration_seconds {
                role.duration_seconds = Some(d);
            }
        }
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
                &inputs.identity.token(&token_file),
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
                profile: role.profile.clone(),
                process: role.mfa_process.clone(),
            };
            if authenticated.contains(&serial) {
                // An earlier step of this chain already proved this device.
            } else if index == 0 && source.long_term() {
                let mfa_seconds = inputs.settings.mfa_session_seconds.clone()?;
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
                    mfa: Some(mfa),
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
        // A credential_process may hand out a session: known only when it has run.
        let if_caller_is_session = (index == 0 && matches!(source, Source::Process { .. }))
            .then_some(role.duration_seconds)
            .flatten()
            .filter(|d| *d > CHAINED_MAX_SECONDS)
            .map(|asked| ChainedCap {
                duration_seconds: CHAINED_MAX_SECONDS,
                note: chained_cap_note(
                    &role.profile,
                    asked,
                    "its source credentials are a session",
                ),
            });
        let key = cache_key(&identity, &role, &endpoint);
        identity = format!("session:{key}");
        steps.push(Step::AssumeRole(AssumeRole {
            profile: role.profile,
            role_arn: role.role_arn,
            session_name,
            external_id: role.external_id,
            duration_seconds: role.duration_seconds,
            mfa: call_mfa,
            tags: role.tags,
            if_caller_is_session,
            cache_key: key,
        }));
    }

    if let Source::Sso { role, .. } = &source {
        let e = &role.endpoints;
        for (what, variable, url) in [
            ("SSO portal", "SSO", &e.portal),
            ("SSO OIDC", "SSO_OIDC", &e.oidc),
        ] {
            check_endpoint(what, variable, url.as_deref(), inputs.settings.allow_http)?;
        }
    }
    if let Source::Stored {
        profile,
        access_key_id,
        plaintext_copy,
    } = &source
    {
        let hint = crate::domain::key_hint(access_key_id);
        notes.push(if *plaintext_copy {
            format!(
                "profile \"{profile}\": the keys in the keychain ({hint}) win over those in {}, a plaintext copy; \"rolecall keys import {profile}\" removes it",
                profiles.credentials_path.display()
            )
        } else {
            format!("profile \"{profile}\": keys from the keychain ({hint})")
        });
    }
    if steps.is_empty() && source.long_term() && !inputs.overrides.no_session {
        steps.push(keys_session(top, &identity, &endpoint, inputs)?);
    }
    if let Some(url) = endpoint
        .url
        .as_ref()
        .filter(|u| !steps.is_empty() && !valid_url(u))
    {
        return Err(ConfigError::InvalidEndpoint(redact_url(url)));
    }
    if let Some(url) = endpoint
        .url
        .as_ref()
        .filter(|u| !steps.is_empty() && plain_http_off_loopback(u) && !inputs.settings.allow_http)
    {
        return Err(ConfigError::PlainHttp(redact_url(url)));
    }
    if !steps.is_empty() && !valid_region(&endpoint.region) {
        let reason = "use a region name such as eu-west-1";
        let value = endpoint.region.clone();
        return Err(
            match ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .into_iter()
                .find(|v| environment_region(vars).is_some() && vars.non_empty(v).is_some())
            {
                Some(variable) => ConfigError::InvalidSetting {
                    name: variable,
                    value,
                    reason,
                },
                None => ConfigError::InvalidValue {
                    profile: name.to_string(),
                    key: "region",
                    value,
                    reason,
                },
            },
        );
    }
    Ok(Plan {
        profile: name.to_string(),
        region: inputs
            .overrides
            .region
            .clone()
            .or_else(|| top.get("region").map(str::to_string)),
        endpoint,
        source,
        steps,
        notes,
        settings: crate::domain::env::PROFILE_SETTINGS
            .iter()
            // An empty `cli_pager =` is a setting too: no pager.
            .filter_map(|(key, var)| {
                let value = &top.property(key)?.value;
                (!value.is_empty() || *key == "cli_pager").then(|| (*var, value.clone()))
            })
            .collect(),
    })
}

/// The session a profile of long-term keys hands out instead of the keys (as aws-vault does):
/// GetSessionToken for `--duration` or an hour, with the profile's `mfa_serial` if it has one.
fn keys_session(
    top: Profile<'_>,
    identity: &str,
    endpoint: &StsEndpoint,
    inputs: &Inputs,
) -> Result<Step, ConfigError> {
    let serial = resolve::mfa_serial(top)?;
    let duration_seconds = inputs
        .overrides
        .duration_seconds
        .unwrap_or(DEFAULT_KEYS_SESSION_SECONDS);
    Ok(Step::GetSessionToken(GetSessionToken {
        profile: top.name.to_string(),
        mfa: serial.map(|serial| Mfa {
            serial: serial.to_string(),
            profile: top.name.to_string(),
            process: top.get("mfa_process").map(str::to_string),
        }),
        duration_seconds,
        // The formula of the MFA session roles share: the same call is the same session.
        cache_key: digest(&[
            "GetSessionToken",
            identity,
            serial.unwrap_or(""),
            &duration_seconds.to_string(),
            endpoint.url.as_deref().unwrap_or(""),
        ]),
    }))
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

/// The region the environment names for STS: `AWS_REGION`, else `AWS_DEFAULT_REGION`, as the
/// AWS CLI reads them; none inside a rolecall shell (`ROLECALL_PROFILE` set), where those hold
/// the previous profile's region, which may be in another partition or an opt-in region.
fn environment_region(vars: &Vars) -> Option<&str> {
    if vars.non_empty("ROLECALL_PROFILE").is_some() {
        return None;
    }
    vars.non_empty("AWS_REGION")
        .or_else(|| vars.non_empty("AWS_DEFAULT_REGION"))
}

/// An explicit endpoint of another service: a URL, and not plain http:// off this machine
/// unless `ROLECALL_ALLOW_HTTP` allows it.
pub fn check_endpoint(
    what: &'static str,
    variable: &'static str,
    url: Option<&str>,
    allow_http: bool,
) -> Result<(), ConfigError> {
    let Some(url) = url else { return Ok(()) };
    if !valid_url(url) {
        return Err(ConfigError::InvalidServiceEndpoint {
            what,
            variable,
            url: redact_url(url),
        });
    }
    if plain_http_off_loopback(url) && !allow_http {
        return Err(ConfigError::PlainHttpEndpoint {
            what,
            url: redact_url(url),
        });
    }
    Ok(())
}

/// An endpoint URL the HTTP client can use: `http://` or `https://` and a host, no spaces.
fn valid_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A region STS can be reached in: lowercase letters, digits and dashes (`eu-west-1`).
fn valid_region(region: &str) -> bool {
    (1..=64).contains(&region.len())
        && region.starts_with(|c: char| c.is_ascii_lowercase())
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// STS refuses more than an hour for a role assumed with temporary credentials (role
/// chaining), so such a step asks for an hour and says why.
fn cap_chained(role: &mut RoleSettings, why: &str, notes: &mut Vec<String>) {
    let Some(asked) = role.duration_seconds.filter(|d| *d > CHAINED_MAX_SECONDS) else {
        return;
    };
    notes.push(chained_cap_note(&role.profile, asked, why));
    role.duration_seconds = Some(CHAINED_MAX_SECONDS);
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
/// `AWS_REGION`/`AWS_DEFAULT_REGION` (see [`environment_region`]), else the profile's, else
/// us-east-1 (the AWS CLI's order, which matters where only one region's STS endpoint is
/// reachable).
fn sts_endpoint(profiles: &Profiles, profile: Profile<'_>, vars: &Vars) -> StsEndpoint {
    let region = environment_region(vars)
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

/// Where the SSO portal and OIDC APIs are, as the SDKs find them: `AWS_ENDPOINT_URL_SSO` /
/// `AWS_ENDPOINT_URL_SSO_OIDC`, then `AWS_ENDPOINT_URL`, then the profile's `services` section
/// (`sso`, `sso_oidc`), else the session's region.
pub fn sso_endpoints(
    profiles: &Profiles,
    profile: Option<Profile<'_>>,
    vars: &Vars,
    region: &str,
) -> crate::domain::sso::SsoEndpoints {
    let ignore = vars
        .non_empty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| profile?.get("ignore_configured_endpoint_urls"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let find = |variable: &str, service: &str| -> Option<String> {
        if ignore {
            return None;
        }
        vars.non_empty(variable)
            .or_else(|| vars.non_empty("AWS_ENDPOINT_URL"))
            .map(str::to_string)
            .or_else(|| {
                let services = profiles.services(profile?.get("services")?)?;
                services
                    .get(service)?
                    .sub
                    .iter()
                    .rev()
                    .find(|(k, _)| k == "endpoint_url")
                    .map(|(_, v)| v.clone())
            })
    };
    crate::domain::sso::SsoEndpoints {
        region: region.to_string(),
        portal: find("AWS_ENDPOINT_URL_SSO", "sso"),
        oidc: find("AWS_ENDPOINT_URL_SSO_OIDC", "sso_oidc"),
    }
}

/// Where `rolecall keys rotate` calls IAM: `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, then
/// the profile's `services` section; IAM is global, signed for its partition's region.
pub fn iam_endpoint(
    profiles: &Profiles,
    profile: Option<Profile<'_>>,
    vars: &Vars,
    region: &str,
) -> StsEndpoint {
    let ignore = vars
        .non_empty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| profile.and_then(|p| p.get("ignore_configured_endpoint_urls")))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let url = (!ignore)
        .then(|| {
            vars.non_empty("AWS_ENDPOINT_URL_IAM")
                .or_else(|| vars.non_empty("AWS_ENDPOINT_URL"))
                .map(str::to_string)
                .or_else(|| {
                    let services = profiles.services(profile?.get("services")?)?;
                    services
                        .get("iam")?
                        .sub
                        .iter()
                        .rev()
                        .find(|(k, _)| k == "endpoint_url")
                        .map(|(_, v)| v.clone())
                })
        })
        .flatten();
    let region = if region.starts_with("cn-") {
        "cn-north-1"
    } else if region.starts_with("us-gov-") {
        "us-gov-west-1"
    } else {
        "us-east-1"
    };
    StsEndpoint {
        region: region.to_string(),
        url,
    }
}

/// A digest of everything that changes what STS would hand out for a role step.
fn cache_key(source_identity: &str, role: &RoleSettings, endpoint: &StsEndpoint) -> String {
    let mut parts = vec![
        source_identity.to_string(),
        role.role_arn.clone(),
        role.external_id.clone().unwrap_or_default(),
        role.mfa_serial.clone().unwrap_or_default(),
        role.session_name.clone().unwrap_or_default(),
        opt(role.duration_seconds),
        endpoint.url.clone().unwrap_or_default(),
    ];
    // Only when there are tags, so that the sessions of profiles without them keep their keys.
    if !role.tags.is_empty() {
        parts.push(role.tags.key_text());
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    digest(&parts)
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
mod tests;

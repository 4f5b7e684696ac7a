//! The root `resolve` found, as the plan's [`Source`]: with the cache keys of the sources
//! whose results are cached (a `credential_process`, an SSO role) and the `ROLECALL_CHAIN` a
//! `credential_process` is given.

use super::resolve::Root;
use super::{key, sso_endpoints, Inputs};
use crate::config::{Profile, Profiles};
use crate::domain::login::LoginSession;
use crate::domain::plan::Source;
use crate::domain::sso::SsoRole;

/// The plan's source for `root`: `top` is the profile asked for, `outer` the profiles of the
/// runs this one is a `credential_process` of, `chain` the profiles walked to the root; with
/// its cache key (`cache_keys`), or without for a check.
pub fn source(
    root: Root<'_>,
    profiles: &Profiles,
    top: Profile<'_>,
    inputs: &Inputs,
    outer: &[(String, String)],
    chain: &[&str],
    cache_keys: bool,
) -> Source {
    match root {
        Root::Static(profile) => Source::Static {
            profile: profile.name.to_string(),
            credentials: super::resolve::static_credentials(profile),
        },
        Root::Stored {
            profile,
            access_key_id,
            plaintext_copy,
        } => Source::Stored {
            profile: profile.to_string(),
            access_key_id: access_key_id.to_string(),
            plaintext_copy,
        },
        Root::Environment { credentials } => Source::Environment { credentials },
        Root::InstanceMetadata => Source::InstanceMetadata,
        Root::Container => Source::Container,
        Root::Process { profile, command } => Source::Process {
            chain: process_chain(profiles, outer, chain),
            cache_key: key(
                cache_keys,
                &[
                    "credential_process",
                    &command,
                    &inputs.identity.process_context(),
                ],
            ),
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
            let endpoints =
                sso_endpoints(profiles, Some(source_profile), inputs.vars, &session.region);
            let role = SsoRole {
                profile,
                session,
                account_id,
                role_name,
                endpoints,
            };
            Source::Sso {
                cache_key: sso_cache_key(&role, cache_keys),
                role,
            }
        }
        Root::Login { profile, session } => {
            let source_profile = profiles.get(&profile).unwrap_or(top);
            let endpoint =
                super::endpoint::signin_endpoint(profiles, Some(source_profile), inputs.vars);
            Source::Login {
                cache_key: key(cache_keys, &["login_session", &session]),
                login: LoginSession {
                    profile,
                    session,
                    endpoint,
                },
            }
        }
    }
}

/// `ROLECALL_CHAIN` for a `credential_process`: the outer runs' profiles, then this run's
/// chain, each with its config file, as JSON.
fn process_chain(profiles: &Profiles, outer: &[(String, String)], chain: &[&str]) -> String {
    let config = profiles.config_path.display().to_string();
    let mut all = outer.to_vec();
    all.extend(chain.iter().map(|p| (config.clone(), p.to_string())));
    serde_json::to_string(&all).unwrap_or_default()
}

/// The cache key of an SSO role's credentials: the session, the account, the role and the
/// portal they come from.
fn sso_cache_key(role: &SsoRole, cache_keys: bool) -> String {
    key(
        cache_keys,
        &[
            "GetRoleCredentials",
            &role.session.start_url,
            role.session.name.as_deref().unwrap_or(""),
            &role.account_id,
            &role.role_name,
            role.endpoints.portal.as_deref().unwrap_or(""),
        ],
    )
}

//! Which IAM Identity Center sign-in `rolecall sso login | logout | profiles` is about: an
//! `--sso-session` by name, else the named profile's (or `AWS_PROFILE`'s), else the config's
//! only `[sso-session]`.

use crate::config::{ConfigError, Profiles};
use crate::domain::plan::Source;
use crate::domain::printable;
use crate::domain::sso::{SsoEndpoints, SsoSession};

use super::{check_endpoint, plan, session_section, sso_endpoints, Inputs};

/// The session a command is about, its endpoints, and the name to use in hints.
#[derive(Clone, Debug)]
pub struct SsoTarget {
    pub session: SsoSession,
    pub endpoints: SsoEndpoints,
    pub hint_name: String,
}

/// The sign-in of `--sso-session NAME` or of `profile` (else `AWS_PROFILE`, else the only one).
pub fn sso_target(
    profiles: &Profiles,
    session_name: Option<&str>,
    profile: Option<&str>,
    inputs: &Inputs,
) -> Result<SsoTarget, ConfigError> {
    if let Some(name) = session_name {
        return by_session(profiles, name, inputs);
    }
    let profile = profile.or_else(|| inputs.vars.non_empty("AWS_PROFILE"));
    let Some(profile) = profile else {
        let config = profiles.config_path.display();
        return match profiles.sso_session_names()[..] {
            [only] => by_session(profiles, only, inputs),
            [] => Err(ConfigError::NoSsoTarget(format!(
                "{config} has no [sso-session] section and no profile was named; name an IAM Identity Center profile or --sso-session NAME"
            ))),
            _ => Err(ConfigError::NoSsoTarget(format!(
                "{config} has several sso-sessions ({}); name a profile or --sso-session NAME",
                profiles.sso_session_names().join(", ")
            ))),
        };
    };
    match plan(profiles, profile, inputs)?.source {
        Source::Sso { role, .. } => Ok(SsoTarget {
            session: role.session,
            endpoints: role.endpoints,
            hint_name: profile.to_string(),
        }),
        other => Err(ConfigError::NoSsoTarget(format!(
            "profile \"{}\" does not sign in through IAM Identity Center (its credentials come from {})",
            printable(profile),
            other.describe()
        ))),
    }
}

fn by_session(profiles: &Profiles, name: &str, inputs: &Inputs) -> Result<SsoTarget, ConfigError> {
    if profiles.sso_session(name).is_none() {
        let known = profiles.sso_session_names();
        return Err(ConfigError::UnknownSsoSession {
            config: profiles.config_path.display().to_string(),
            name: printable(name).into_owned(),
            known: match known.is_empty() {
                true => String::new(),
                false => format!("; it has {}", known.join(", ")),
            },
        });
    }
    let session = session_section(profiles, &format!("sso-session {name}"), name, &|_| None)?;
    let endpoints = sso_endpoints(profiles, None, inputs.vars, &session.region);
    let allow = inputs.settings.allow_http;
    check_endpoint("SSO portal", "SSO", endpoints.portal.as_deref(), allow)?;
    check_endpoint("SSO OIDC", "SSO_OIDC", endpoints.oidc.as_deref(), allow)?;
    Ok(SsoTarget {
        session,
        endpoints,
        hint_name: format!("--sso-session {name}"),
    })
}

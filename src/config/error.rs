//! Everything that can be wrong with the configuration, as one error type.

use super::{FileKind, ParseError};
use crate::domain::setting::SettingError;

/// Everything that can be wrong with the configuration. Messages are one lowercase line that
/// names the thing and says how to fix it; no secret value is ever part of one.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no profile given; name one on the command line, set AWS_PROFILE, or run on a terminal to pick one (\"rolecall list\" shows them)")]
    NoProfile,
    #[error("profile \"{name}\"{from} not found in {config} or {credentials}{hint}")]
    ProfileNotFound {
        /// Where the name came from, when not the command line: ` (from AWS_PROFILE)`.
        from: String,
        name: String,
        config: String,
        credentials: String,
        hint: String,
    },
    #[error("profile \"{profile}\" names source_profile \"{source_name}\", which is not in {config} or {credentials}; add it or fix the name")]
    SourceNotFound {
        profile: String,
        source_name: String,
        config: String,
        credentials: String,
    },
    #[error("source_profile cycle: {}; point one of these profiles at a profile with keys", .path.join(" -> "))]
    Cycle { path: Vec<String> },
    #[error(
        "profile \"{profile}\" has a source_profile chain longer than {max} profiles; shorten it"
    )]
    ChainTooLong { profile: String, max: usize },
    #[error("include_profile cycle: {}; remove include_profile from one of these profiles", .path.join(" -> "))]
    IncludeCycle { path: Vec<String> },
    #[error("profile \"{profile}\" has include_profile = \"{included}\", which is not a profile of {config}; add it or fix the name")]
    IncludeNotFound {
        profile: String,
        included: String,
        config: String,
    },
    #[error("profile \"{0}\" includes more than 32 profiles in a row (include_profile); shorten the chain")]
    IncludeTooDeep(String),
    #[error("credential_process loop: {}; a credential_process runs rolecall for a profile already on its own chain, so every run would start another; point it at another profile", .path.join(" -> "))]
    ProcessLoop { path: Vec<String> },
    #[error("profile \"{profile}\" has sso_session = \"{session}\", but {config} has no [sso-session {session}] section; add it or fix the name")]
    SsoSessionNotFound {
        profile: String,
        session: String,
        config: String,
    },
    #[error("profile \"{profile}\" has {key} = {profile_value:?}, but its [sso-session {session}] has {session_value:?}; remove {key} from the profile (the session's value is used)")]
    SsoMismatch {
        profile: String,
        key: &'static str,
        profile_value: String,
        session: String,
        session_value: String,
    },
    #[error("profile \"{profile}\" is an IAM Identity Center profile without {missing}; add {missing} (\"rolecall sso profiles\" prints ready profiles)")]
    SsoIncomplete {
        profile: String,
        missing: &'static str,
    },
    #[error("the {what} endpoint {url:?} is not an http:// or https:// URL; fix AWS_ENDPOINT_URL_{variable}, AWS_ENDPOINT_URL or the profile's services section")]
    InvalidServiceEndpoint {
        what: &'static str,
        variable: &'static str,
        url: String,
    },
    #[error("the {what} endpoint {url} is plain http:// to another machine, so tokens and credentials would cross the network in cleartext; use https://, or set ROLECALL_ALLOW_HTTP=1 for a lab")]
    PlainHttpEndpoint { what: &'static str, url: String },
    #[error("profile \"{0}\" sets both source_profile and credential_source; keep only one")]
    BothSources(String),
    #[error("profile \"{0}\" has role_arn but neither source_profile nor credential_source; add one of them")]
    NoRoleSource(String),
    #[error("profile \"{0}\" has no credentials: store its keys in the keychain with \"rolecall keys add {0}\" (keys imported before are found only with the same ROLECALL_STATE_DIR or XDG_STATE_HOME as then), or give it role_arn with source_profile")]
    NoCredentials(String),
    #[error("profile \"{profile}\" has {present} but no {missing}; add {missing} next to it")]
    IncompleteKeys {
        profile: String,
        present: &'static str,
        missing: &'static str,
    },
    #[error("profile \"{profile}\": invalid {key} {value:?}: {reason}")]
    InvalidValue {
        profile: String,
        key: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("profile \"{profile}\": credential_source {value:?} is not one of Environment, Ec2InstanceMetadata, EcsContainer{hint}")]
    UnknownCredentialSource {
        profile: String,
        value: String,
        hint: String,
    },
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error("{0} is set to something that is not valid UTF-8; set it to a UTF-8 path or name, or unset it (rolecall will not fall back to the default and use another account's profile)")]
    NotUtf8(&'static str),
    /// An error of a profile that has a key no AWS tool reads, close to one they do: the
    /// likely cause, named as `doctor` names it.
    #[error("{error}; profile \"{profile}\" has an {unknown}")]
    Misspelt {
        error: Box<ConfigError>,
        profile: String,
        unknown: String,
    },
    #[error("the .rolecall file in {dir} is new or changed since it was last allowed; read it, then run \"rolecall allow\" there to use it (or name a profile)")]
    ProjectNotAllowed { dir: String },
    #[error("the .rolecall file in {dir} cannot be used: {why}")]
    ProjectFile { dir: String, why: String },
    #[error("profile \"{profile}\": cannot read its session policy: {why}")]
    PolicyFile { profile: String, why: String },
    #[error("profile \"{profile}\" gets its credentials from {from}, whose call takes no session policy; scope a role assumed with it instead (a profile with role_arn and source_profile = {profile})")]
    Unscopable { profile: String, from: String },
    #[error("{config} has no [sso-session {name}] section{known}")]
    UnknownSsoSession {
        config: String,
        name: String,
        /// "; it has a, b", or nothing.
        known: String,
    },
    /// Which IAM Identity Center sign-in a command is about is unclear, or the profile named
    /// has none: the whole line.
    #[error("{0}")]
    NoSsoTarget(String),
    #[error("{name}={value:?} is invalid: {reason}")]
    InvalidSetting {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("profile \"{0}\" has credential_source = Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set; export them first")]
    EnvironmentCredentialsMissing(String),
    #[error("the STS endpoint {0:?} is not an http:// or https:// URL; fix AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url")]
    InvalidEndpoint(String),
    #[error("the STS endpoint {0} is plain http:// to another machine, so the MFA code and the new credentials would cross the network in cleartext; use https://, or set ROLECALL_ALLOW_HTTP=1 for a lab")]
    PlainHttp(String),
    #[error("{kind} file {path} is malformed at {error}; fix that line")]
    Malformed {
        kind: FileKind,
        path: String,
        error: ParseError,
    },
    #[error("cannot read the {kind} file {path} ({variable}): {reason}")]
    Read {
        kind: FileKind,
        path: String,
        /// `AWS_CONFIG_FILE`, or that none was set.
        variable: String,
        reason: String,
    },
    #[error("no AWS configuration: neither {config} nor {credentials} exists; run \"aws configure\" (or \"aws configure sso\") to create one, or point AWS_CONFIG_FILE at yours")]
    NoFiles { config: String, credentials: String },
}

impl ConfigError {
    /// For a problem of a profile's own settings (not of the environment or the files): a few
    /// words for `list` to show in the profile's row.
    pub fn profile_problem(&self) -> Option<String> {
        Some(match self {
            ConfigError::Misspelt { error, .. } => return error.profile_problem(),
            ConfigError::SourceNotFound { source_name, .. } => {
                format!("source_profile \"{source_name}\" is missing")
            }
            ConfigError::Cycle { .. } => "source_profile cycle".into(),
            ConfigError::IncludeCycle { .. } => "include_profile cycle".into(),
            ConfigError::IncludeNotFound { included, .. } => {
                format!("include_profile \"{included}\" is missing")
            }
            ConfigError::IncludeTooDeep(_) => "include_profile chain too long".into(),
            ConfigError::ChainTooLong { .. } => "source_profile chain too long".into(),
            ConfigError::BothSources(_) => "both source_profile and credential_source".into(),
            ConfigError::NoRoleSource(_) => "role_arn without a source".into(),
            ConfigError::NoCredentials(_) => return None, // a settings-only profile
            ConfigError::IncompleteKeys { missing, .. } => format!("no {missing}"),
            ConfigError::InvalidValue { key, .. } => format!("invalid {key}"),
            ConfigError::UnknownCredentialSource { .. } => "unknown credential_source".into(),
            ConfigError::SsoSessionNotFound { session, .. } => {
                format!("sso-session \"{session}\" is missing")
            }
            ConfigError::SsoMismatch { key, .. } => format!("{key} disagrees with its sso-session"),
            ConfigError::SsoIncomplete { missing, .. } => format!("no {missing}"),
            _ => return None,
        })
    }
}

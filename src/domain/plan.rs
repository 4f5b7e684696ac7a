//! What a plan is made of: the root credentials and the STS calls, each with its cache key.

use super::secret::Credentials;

/// STS caps a role session obtained with another role's credentials at one hour.
pub const CHAINED_MAX_SECONDS: u32 = 3600;
/// The range STS accepts for `AssumeRole`'s `DurationSeconds`.
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43200;
/// Where STS calls go when neither the profile nor the environment names a region.
pub const DEFAULT_STS_REGION: &str = "us-east-1";
/// Life of the MFA session (GetSessionToken) that roles sharing an `mfa_serial` reuse.
pub const DEFAULT_MFA_SESSION_SECONDS: u32 = 8 * 3600;
/// Life of the session a profile of long-term keys hands out instead of the keys (aws-vault's
/// default too).
pub const DEFAULT_KEYS_SESSION_SECONDS: u32 = 3600;
/// The range STS accepts for an IAM user's GetSessionToken.
pub const MFA_SESSION_RANGE: std::ops::RangeInclusive<u32> = 900..=129_600;

/// The variable that carries the profiles on the way to a `credential_process` into it (a
/// JSON list of `[config file, profile]`).
pub const CHAIN_VAR: &str = "ROLECALL_CHAIN";

/// What rolecall says when it caps a step's duration at the role-chaining limit.
pub fn chained_cap_note(profile: &str, asked: u32, why: &str) -> String {
    format!(
        "profile \"{profile}\": duration_seconds {asked} capped at {CHAINED_MAX_SECONDS} because {why}; STS limits a chained role session to one hour"
    )
}

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
    /// The profile's other settings as variables (`output` → `AWS_DEFAULT_OUTPUT`…).
    pub settings: Vec<(&'static str, String)>,
    /// The profile's `aws_account_id`: the account of credentials that do not say their own.
    pub account_id: Option<String>,
    /// STS's `MinimumSessionTokenSize` for the last step's call (`doctor --online`).
    pub min_token_size: Option<u16>,
}

impl Plan {
    /// The ARN of the role the plan ends with, if it ends with one.
    pub fn role_arn(&self) -> Option<&str> {
        self.steps.iter().rev().find_map(|s| match s {
            Step::AssumeRole(a) => Some(a.role_arn.as_str()),
            Step::AssumeRoleWithWebIdentity(w) => Some(w.role_arn.as_str()),
            Step::GetSessionToken(_) => None,
        })
    }

    /// The account of the credentials each step hands out: a role's from its ARN, a
    /// `GetSessionToken` session's from its caller (the same account).
    pub fn step_account(step: &Step, caller: Option<&str>) -> Option<String> {
        match step {
            Step::AssumeRole(a) => arn_account(&a.role_arn),
            Step::AssumeRoleWithWebIdentity(w) => arn_account(&w.role_arn),
            Step::GetSessionToken(_) => caller.map(str::to_string),
        }
    }

    /// The account of the credentials the plan hands out, as far as the plan knows it: the
    /// last role's, the SSO account, else the profile's `aws_account_id`.
    pub fn account(&self) -> Option<String> {
        if let Some(arn) = self.role_arn() {
            return arn_account(arn);
        }
        match &self.source {
            Source::Sso { role, .. } => Some(role.account_id.clone()),
            Source::Login { login, .. } => {
                super::login::account_of(&login.session).or_else(|| self.account_id.clone())
            }
            _ => self.account_id.clone(),
        }
    }

    /// What the credentials are for, as `env::changes` takes it.
    pub fn target(&self) -> super::env::Target<'_> {
        super::env::Target {
            profile: &self.profile,
            region: self.region.as_deref(),
            settings: &self.settings,
        }
    }

    /// Every cache key this plan reads or writes: each step's session, and a cached
    /// `credential_process` result. `clear-cache PROFILE` forgets exactly these.
    pub fn session_keys(&self) -> impl Iterator<Item = &str> {
        self.steps
            .iter()
            .map(Step::cache_key)
            .chain(self.source.cache_key())
    }

    /// The key of the session a run hands out: the last step's, or a cached
    /// `credential_process` result for a plan without steps. What `list` shows.
    pub fn final_key(&self) -> Option<&str> {
        match self.steps.last() {
            Some(step) => Some(step.cache_key()),
            None => self.source.cache_key(),
        }
    }
}

/// An STS endpoint: the signing region and, when configured, an explicit URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpoint {
    pub region: String,
    pub url: Option<String>,
    /// The profile's `ca_bundle` (`AWS_CA_BUNDLE` wins over it where the call is made).
    pub ca_bundle: Option<String>,
}

/// The root credentials a chain starts from.
#[derive(Clone, Debug)]
pub enum Source {
    /// `aws_access_key_id`/`aws_secret_access_key` of a profile.
    Static {
        profile: String,
        credentials: Credentials,
    },
    /// Long-term keys rolecall keeps in the keychain for `profile` (`rolecall keys add`),
    /// known here by their key id only: the secret is read when a step needs it.
    Stored {
        profile: String,
        access_key_id: String,
        /// The credentials file has keys for this profile too (the keychain's win).
        plaintext_copy: bool,
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
        /// `ROLECALL_CHAIN` for the command: the profiles on the way to it, so that a
        /// rolecall it runs for one of them stops at once instead of starting another.
        chain: String,
    },
    /// No caller credentials: the first step is `AssumeRoleWithWebIdentity`.
    WebIdentity,
    /// IAM Identity Center: `GetRoleCredentials` with the session's token; cached by expiry.
    Sso {
        role: super::sso::SsoRole,
        cache_key: String,
    },
    /// AWS Sign-In (`login_session`): the access token of the AWS CLI's token cache, refreshed
    /// near expiry; cached by expiry.
    Login {
        login: super::login::LoginSession,
        cache_key: String,
    },
}

impl Source {
    /// The cache key of the source's own result, for a source whose result is cached.
    pub fn cache_key(&self) -> Option<&str> {
        match self {
            Source::Process { cache_key, .. }
            | Source::Sso { cache_key, .. }
            | Source::Login { cache_key, .. } => Some(cache_key),
            _ => None,
        }
    }

    /// What identifies these credentials in a cache key (never the secret). Platform sources
    /// are identified by kind, so a role session outlives the platform's key rotation.
    pub fn identity(&self) -> String {
        match self {
            Source::Static { credentials, .. } => format!("static:{}", credentials.access_key_id),
            // The same key as in a file is the same caller: sessions survive `keys import`.
            Source::Stored { access_key_id, .. } => format!("static:{access_key_id}"),
            Source::Environment { credentials } => format!("env:{}", credentials.access_key_id),
            Source::InstanceMetadata => "ec2-instance-metadata".into(),
            Source::Container => "ecs-container".into(),
            Source::Process { cache_key, .. } => format!("process:{cache_key}"),
            Source::WebIdentity => "web-identity".into(),
            Source::Sso { cache_key, .. } => format!("sso:{cache_key}"),
            Source::Login { cache_key, .. } => format!("login:{cache_key}"),
        }
    }

    /// Long-term keys, which may call GetSessionToken.
    /// Whether the source may give long-term keys that only run time tells (a
    /// `credential_process` answers keys or a session).
    pub fn may_be_long_term(&self) -> bool {
        matches!(self, Source::Process { .. })
    }

    pub fn long_term(&self) -> bool {
        match self {
            Source::Stored { .. } => true,
            Source::Static { credentials, .. } | Source::Environment { credentials } => {
                credentials.session_token.is_none()
            }
            _ => false,
        }
    }

    /// Why a role assumed directly with these credentials is a chained session, if it is:
    /// they are already temporary (a role or MFA session).
    pub fn temporary(&self) -> Option<&'static str> {
        match self {
            Source::Static { credentials, .. } | Source::Environment { credentials }
                if credentials.session_token.is_some() =>
            {
                Some("its source credentials are a session")
            }
            Source::InstanceMetadata => Some("it is assumed with the instance role's session"),
            Source::Container => Some("it is assumed with the task role's session"),
            Source::Sso { .. } => Some("it is assumed with an IAM Identity Center role's session"),
            Source::Login { .. } => Some("it is assumed with an AWS Sign-In session"),
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
            Source::Stored {
                profile,
                access_key_id,
                ..
            } => format!(
                "keys of profile \"{profile}\" in the keychain ({})",
                super::secret::key_hint(access_key_id)
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
            Source::Sso { role, .. } => format!(
                "IAM Identity Center role {} in account {} through {}",
                role.role_name,
                role.account_id,
                role.session.describe()
            ),
            Source::Login { login, .. } => format!(
                "the AWS Sign-In session {} (login_session of profile \"{}\")",
                login.session, login.profile
            ),
        }
    }
}

/// Where an MFA code comes from for a step that needs one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mfa {
    pub serial: String,
    /// The profile whose `mfa_serial` (and `mfa_process`) this is.
    pub profile: String,
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

    /// The role session name STS is asked for (none for an MFA session).
    pub fn session_name(&self) -> Option<&str> {
        match self {
            Step::GetSessionToken(_) => None,
            Step::AssumeRole(a) => Some(&a.session_name),
            Step::AssumeRoleWithWebIdentity(w) => Some(&w.session_name),
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

/// `sts:GetSessionToken`: an MFA session that the next roles are assumed with, or the session
/// a profile of long-term keys hands out instead of the keys themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetSessionToken {
    /// The profile whose `mfa_serial` (or keys) asked for it (cache entries are listed under it).
    pub profile: String,
    /// `None`: a session without MFA (a keys profile without `mfa_serial`).
    pub mfa: Option<Mfa>,
    pub duration_seconds: u32,
    pub cache_key: String,
    /// Only when the caller turns out to be long-term keys: a `credential_process` may answer
    /// either, and a session it answers is passed on as it is.
    pub only_for_long_term_keys: bool,
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
    /// Session tags and the source identity sent with the call.
    pub tags: SessionTags,
    /// The session policy sent with the call.
    pub policy: SessionPolicy,
    /// For a role assumed directly with a `credential_process` result, whose kind is known
    /// only at run time: what to ask for if that result turns out to be a session.
    pub if_caller_is_session: Option<ChainedCap>,
    /// Changes whenever the request would change (see [`cache_key`]).
    pub cache_key: String,
}

/// Where a web identity token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFrom {
    /// `web_identity_token_file` (or `AWS_WEB_IDENTITY_TOKEN_FILE`): a file read at each call.
    File(String),
    /// aws-vault's `web_identity_token_process`: a command that prints the token.
    Process(String),
}

impl std::fmt::Display for TokenFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenFrom::File(path) => write!(f, "the token in {path}"),
            TokenFrom::Process(_) => f.write_str("the token web_identity_token_process prints"),
        }
    }
}

/// `sts:AssumeRoleWithWebIdentity` with a token from a file or a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentity {
    pub profile: String,
    pub role_arn: String,
    pub session_name: String,
    pub token: TokenFrom,
    pub duration_seconds: Option<u32>,
    /// The session policy sent with the call.
    pub policy: SessionPolicy,
    pub cache_key: String,
}

/// A session policy sent with a role's call (`PolicyArns`, `Policy`): the session may do only
/// what both the role and these allow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Managed policies' ARNs (STS takes at most 10).
    pub arns: Vec<String>,
    /// An inline policy document (JSON, without white space).
    pub document: Option<String>,
}

impl SessionPolicy {
    pub fn is_empty(&self) -> bool {
        self.arns.is_empty() && self.document.is_none()
    }

    /// `, scoped by ReadOnlyAccess and an inline policy (120 characters)`, for people.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .arns
            .iter()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
            .collect();
        if let Some(d) = &self.document {
            parts.push(format!(
                "an inline policy ({} characters)",
                d.chars().count()
            ));
        }
        match parts.is_empty() {
            true => String::new(),
            false => format!(", scoped by {}", parts.join(" and ")),
        }
    }
}

/// A duration capped at the role-chaining limit, and the note that says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedCap {
    pub duration_seconds: u32,
    pub note: String,
}

/// aws-vault's `session_tags`, `transitive_session_tags` and `source_identity`, sent with
/// `AssumeRole` (Tags, TransitiveTagKeys, SourceIdentity).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionTags {
    pub tags: Vec<(String, String)>,
    pub transitive: Vec<String>,
    pub source_identity: Option<String>,
}

impl SessionTags {
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.transitive.is_empty() && self.source_identity.is_none()
    }

    /// What goes into a cache key (so that another tag set is another session).
    pub fn key_text(&self) -> String {
        let tags: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "{}|{}|{}",
            tags.join(","),
            self.transitive.join(","),
            self.source_identity.as_deref().unwrap_or("")
        )
    }
}

/// The account of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`), when it
/// names a 12-digit one.
pub fn arn_account(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    is_account_id(account).then(|| account.to_string())
}

/// A 12-digit AWS account number.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod account_tests {
    use super::*;

    #[test]
    fn the_account_of_an_arn() {
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:role/admin").as_deref(),
            Some("123456789012")
        );
        assert_eq!(
            arn_account("arn:aws-cn:iam::000000000001:role/a/b").as_deref(),
            Some("000000000001")
        );
        for bad in [
            "arn:aws:iam::12345:role/x",
            "role/x",
            "",
            "arn:aws:iam::12345678901a:role/x",
        ] {
            assert_eq!(arn_account(bad), None, "{bad}");
        }
    }
}

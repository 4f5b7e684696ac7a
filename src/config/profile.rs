//! A read-only view of one merged profile.

use std::borrow::Cow;

use super::{Property, RawProfile};

/// One profile by name, with case-insensitive key look-ups (keys are stored lowercase).
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    pub name: &'a str,
    raw: &'a RawProfile,
}

impl<'a> Profile<'a> {
    /// The keys that give a profile credentials of its own, for the AWS CLI and the SDKs
    /// (which read them before a container or instance endpoint).
    pub const CREDENTIAL_KEYS: &'static [&'static str] = &[
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "role_arn",
        "source_profile",
        "credential_source",
        "credential_process",
        "web_identity_token_file",
        "web_identity_token_process",
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
        "login_session",
    ];

    /// Whether the profile has credentials of its own (or a way to get them).
    pub fn has_credentials(self) -> bool {
        Self::CREDENTIAL_KEYS.iter().any(|k| self.get(k).is_some())
    }

    /// The profile's kind (`role`, `sso`, `keys`, …) and where its credentials come from, as
    /// `list` and `doctor` show them.
    pub fn kind_and_source(self) -> (&'static str, Option<Cow<'a, str>>) {
        let p = self;
        if p.get("role_arn").is_some() {
            if let Some(s) = p.get("source_profile") {
                return ("role", Some(Cow::Borrowed(s)));
            }
            if let Some(s) = p.get("credential_source") {
                return ("credential source", Some(Cow::Borrowed(s)));
            }
            if p.get("web_identity_token_file").is_some() {
                return ("web identity", Some(Cow::Borrowed("token file")));
            }
            if p.get("web_identity_token_process").is_some() {
                return (
                    "web identity",
                    Some(Cow::Borrowed("web_identity_token_process")),
                );
            }
            return ("role", None);
        }
        if let Some(session) = p.get("sso_session") {
            return ("sso", Some(Cow::Owned(format!("sso-session {session}"))));
        }
        if let Some(url) = p.get("sso_start_url") {
            return ("sso", Some(Cow::Borrowed(url)));
        }
        if let Some(url) = p.get("granted_sso_start_url") {
            return ("sso", Some(Cow::Owned(format!("{url} (granted)"))));
        }
        if p.get("aws_access_key_id").is_some() {
            return ("keys", Some(Cow::Borrowed("credentials file")));
        }
        if let Some(session) = p.get("login_session") {
            return ("login", Some(Cow::Borrowed(session)));
        }
        if p.get("credential_process").is_some() {
            return ("process", Some(Cow::Borrowed("credential_process")));
        }
        ("config", None)
    }

    pub(crate) fn new(name: &'a str, raw: &'a RawProfile) -> Self {
        Self { name, raw }
    }

    /// The value of `key`, if present and not empty.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.property(key)
            .map(|p| &*p.value)
            .filter(|v| !v.is_empty())
    }

    /// The whole property, with any nested sub-properties.
    pub fn property(&self, key: &str) -> Option<&'a Property> {
        self.raw
            .properties
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, p)| p)
    }

    /// Every key with its property, in file order (a repeated key more than once).
    pub fn properties(&self) -> impl Iterator<Item = (&'a str, &'a Property)> {
        self.raw.properties.iter().map(|(k, p)| (k.as_ref(), p))
    }

    pub fn in_config(&self) -> bool {
        self.raw.in_config
    }

    pub fn in_credentials(&self) -> bool {
        self.raw.in_credentials
    }
}

//! Credential values that must never be printed by accident.

use std::fmt;
use time::OffsetDateTime;
use zeroize::Zeroize;

/// A secret string: `Debug` and `Display` redact it, and its memory is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the few places that must hand it on (STS, the shell, the child).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A set of AWS credentials; `expiration` is `None` for long-term keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    pub expiration: Option<OffsetDateTime>,
    /// The AWS account the credentials belong to, where known (a role's ARN, the SSO
    /// account, a profile's `aws_account_id`): exported as `AWS_ACCOUNT_ID`. Not a secret.
    pub account_id: Option<String>,
}

impl Credentials {
    /// The key id as logs may show it: its last four characters only.
    pub fn key_hint(&self) -> String {
        key_hint(&self.access_key_id)
    }
}

/// `…ABCD`: the last four characters of a key id.
pub fn key_hint(key_id: &str) -> String {
    format!("…{}", key_tail(key_id))
}

/// The last four characters of a key id: enough to match CloudTrail, no secret.
pub fn key_tail(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.key_hint())
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiration", &self.expiration)
            .field("account_id", &self.account_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_everything_secret() {
        let c = Credentials {
            access_key_id: "AKIAEXAMPLEKEY1234".into(),
            secret_access_key: Secret::new("s3cr3t-value"),
            session_token: Some(Secret::new("t0ken-value")),
            expiration: None,
            account_id: None,
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("t0ken"), "{shown}");
        assert!(!shown.contains("AKIAEXAMPLEKEY"), "{shown}");
        assert!(shown.contains("…1234"), "{shown}");
    }

    #[test]
    fn key_hint_of_short_ids() {
        assert_eq!(key_hint("AB"), "…AB");
        assert_eq!(key_hint(""), "…");
    }
}

//! Long-term keys kept in the keychain: which profiles have them, by their non-secret key id,
//! and the shape rules a key must meet before it is stored.

use std::collections::BTreeMap;

/// Profile → access key id of the keys rolecall keeps for it (no secret: the index a plan
/// reads, so that planning never unlocks the keychain).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredKeys(pub BTreeMap<String, String>);

impl StoredKeys {
    pub fn key_id(&self, profile: &str) -> Option<&str> {
        self.0.get(profile).map(String::as_str)
    }

    pub fn profiles(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Why a key id or secret cannot be a long-term AWS access key (`None`: it can).
pub fn key_problem(access_key_id: &str, secret: &str) -> Option<&'static str> {
    let id_ok = (16..=128).contains(&access_key_id.len())
        && access_key_id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !id_ok {
        return Some("an access key id is 16 to 128 capital letters and digits, such as AKIAIOSFODNN7EXAMPLE");
    }
    if access_key_id.starts_with("ASIA") {
        return Some("an access key id starting ASIA belongs to temporary credentials (a session), not long-term keys");
    }
    if secret.is_empty() {
        return Some("the secret access key is empty");
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) || secret.len() > 1024 {
        return Some(
            "a secret access key has no spaces or control characters (40 characters, usually)",
        );
    }
    None
}

/// What keeps the AWS CLI and the SDKs working for a profile whose keys only the keychain
/// holds: a `credential_process` line in the profile's own section, which rolecall itself
/// skips (the keychain's keys come first), so no loop.
pub fn other_tools_hint(profile: &str, config: &str) -> String {
    let section = match profile {
        "default" => "[default]".to_string(),
        name => format!("[profile {name}]"),
    };
    format!(
        "to keep them working, add \"credential_process = rolecall export --format process {profile}\" to {section} in {config}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_eq!(key_problem("AKIAIOSFODNN7EXAMPLE", secret), None);
        assert!(key_problem("akiaiosfodnn7example", secret).is_some());
        assert!(key_problem("AKIA", secret).is_some());
        assert!(key_problem("ASIAIOSFODNN7EXAMPLE", secret).is_some());
        assert!(key_problem("AKIAIOSFODNN7EXAMPLE", "").is_some());
        assert!(key_problem("AKIAIOSFODNN7EXAMPLE", "has space").is_some());
    }
}

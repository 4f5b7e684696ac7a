//! Session policies: a role's `policy_arns` and `policy` (a JSON document, inline or in a
//! file), and for the role asked for `--policy-arn`, `--policy` and `--read-only`, checked
//! against STS's limits before any call.

use super::Inputs;
use crate::config::ConfigError;
use crate::domain::plan::SessionPolicy;

/// STS takes at most this many managed policies per call.
pub const MAX_POLICY_ARNS: usize = 10;
/// STS's limit of an inline session policy, in characters (without white space).
pub const MAX_POLICY_CHARS: usize = 2048;

/// What a role's profile says of its session policy, as written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawPolicy<'a> {
    pub arns: Option<&'a str>,
    pub document: Option<&'a str>,
}

/// The session policy of a role: the profile's, and for the role asked for (`last`) the
/// run's flags on top. `role_arn` gives the partition of `--read-only`'s managed policy.
pub fn of_role(
    profile: &str,
    raw: &RawPolicy,
    role_arn: &str,
    last: bool,
    inputs: &Inputs,
) -> Result<SessionPolicy, ConfigError> {
    let invalid =
        |key: &'static str, value: &str, reason: &'static str| ConfigError::InvalidValue {
            profile: profile.to_string(),
            key,
            value: value.chars().take(80).collect(),
            reason,
        };
    let mut arns: Vec<String> = raw
        .arns
        .iter()
        .flat_map(|text| text.split(','))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    let mut document = raw.document.map(str::to_string);
    let overrides = inputs.overrides;
    if last {
        arns.extend(overrides.policy_arns.iter().cloned());
        if overrides.read_only {
            let partition = role_arn.split(':').nth(1).unwrap_or("aws");
            arns.push(format!("arn:{partition}:iam::aws:policy/ReadOnlyAccess"));
        }
        if overrides.policy.is_some() {
            document = overrides.policy.clone();
        }
    }
    arns.dedup();
    for arn in &arns {
        if !valid_policy_arn(arn) {
            return Err(invalid(
                "policy_arns",
                arn,
                "expected managed policy ARNs such as arn:aws:iam::aws:policy/ReadOnlyAccess, separated by commas",
            ));
        }
    }
    if arns.len() > MAX_POLICY_ARNS {
        return Err(invalid(
            "policy_arns",
            &arns.join(","),
            "STS takes at most 10 managed session policies per role",
        ));
    }
    let document = match document {
        None => None,
        Some(text) => Some(document_of(profile, &text, inputs)?),
    };
    Ok(SessionPolicy { arns, document })
}

/// The policy document `text` names: inline JSON, else the file at that path; checked to be a
/// JSON object within STS's size, and sent without white space.
fn document_of(profile: &str, text: &str, inputs: &Inputs) -> Result<String, ConfigError> {
    let invalid = |value: &str, reason: &'static str| ConfigError::InvalidValue {
        profile: profile.to_string(),
        key: "policy",
        value: value.chars().take(80).collect(),
        reason,
    };
    let trimmed = text.trim();
    let json = if trimmed.starts_with('{') {
        trimmed.to_string()
    } else {
        inputs
            .policies
            .read(trimmed)
            .map_err(|why| ConfigError::PolicyFile {
                profile: profile.to_string(),
                why,
            })?
    };
    let value: serde_json::Value = serde_json::from_str(&json)
        .map_err(|_| invalid(trimmed, "the session policy is not valid JSON"))?;
    if !value.is_object() {
        return Err(invalid(trimmed, "a session policy is a JSON object"));
    }
    let packed = value.to_string();
    if packed.chars().count() > MAX_POLICY_CHARS {
        return Err(invalid(
            trimmed,
            "STS takes an inline session policy of at most 2048 characters (without white space)",
        ));
    }
    Ok(packed)
}

/// `arn:PARTITION:iam::ACCOUNT-or-aws:policy/NAME`.
fn valid_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(
        parts[..],
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && (account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
                && resource.strip_prefix("policy/").is_some_and(|n| !n.is_empty())
    )
}

#[cfg(test)]
mod tests {
    use super::valid_policy_arn;

    #[test]
    fn policy_arns() {
        assert!(valid_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(valid_policy_arn(
            "arn:aws-us-gov:iam::123456789012:policy/team/Deploy"
        ));
        assert!(!valid_policy_arn("arn:aws:iam::aws:role/ReadOnlyAccess"));
        assert!(!valid_policy_arn("ReadOnlyAccess"));
        assert!(!valid_policy_arn("arn:aws:iam::12345:policy/x"));
    }
}

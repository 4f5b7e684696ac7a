//! The keys a profile may have: what rolecall reads, what the AWS CLI and SDKs read, and
//! aws-vault's and granted's own. Anything else is most likely a typo, and is worth a warning
//! with the nearest known key (`role_arm`: did you mean `role_arn`?).

use super::{nearest_word, Profile};

/// Keys rolecall acts on.
pub const ROLECALL: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "credential_process",
    "mfa_serial",
    "mfa_process",
    "external_id",
    "role_session_name",
    "duration_seconds",
    "web_identity_token_file",
    "web_identity_token_process",
    "region",
    "output",
    "cli_pager",
    "ca_bundle",
    "max_attempts",
    "retry_mode",
    "endpoint_url",
    "ignore_configured_endpoint_urls",
    "services",
    "session_tags",
    "policy_arns",
    "policy",
    "transitive_session_tags",
    "source_identity",
    "include_profile",
    "login_session",
    "aws_account_id",
    "account_id_endpoint_mode",
];

/// Keys of the AWS CLI, the SDKs and the other credential tools that rolecall leaves alone.
const OTHERS: &[&str] = &[
    "aws_security_token",
    "aws_credential_expiration",
    "api_versions",
    "auth_scheme_preference",
    "cli_auto_prompt",
    "cli_binary_format",
    "cli_follow_urlparam",
    "cli_history",
    "cli_timestamp_format",
    "csm_client_id",
    "csm_enabled",
    "csm_host",
    "csm_port",
    "defaults_mode",
    "disable_request_compression",
    "dynamodb",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "ec2_metadata_v1_disabled",
    "imds_use_ipv6",
    "metadata_service_num_attempts",
    "metadata_service_timeout",
    "parameter_validation",
    "parent_profile",
    "request_checksum_calculation",
    "request_min_compression_size_bytes",
    "response_checksum_validation",
    "s3",
    "s3_disable_multiregion_access_points",
    "s3_use_arn_region",
    "sdk_ua_app_id",
    "sigv4a_signing_region_set",
    "sso_account_id",
    "sso_region",
    "sso_registration_scopes",
    "sso_role_name",
    "sso_session",
    "sso_start_url",
    "sts_regional_endpoints",
    "tcp_keepalive",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
];

/// A key no tool is known to read, with the nearest known key when one is close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKey {
    pub key: String,
    pub line: usize,
    pub in_credentials: bool,
    pub nearest: Option<&'static str>,
}

impl std::fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = if self.in_credentials {
            "credentials"
        } else {
            "config"
        };
        write!(
            f,
            "unknown key \"{}\" ({file} line {})",
            self.key, self.line
        )?;
        match self.nearest {
            Some(near) => write!(f, "; did you mean \"{near}\"?"),
            None => f.write_str("; no AWS tool reads it"),
        }
    }
}

fn known(key: &str) -> bool {
    ROLECALL.contains(&key)
        || OTHERS.contains(&key)
        // granted's own keys, and any service-specific block the AWS CLI may add.
        || key.starts_with("granted_")
        || key.starts_with("common_fate_")
}

/// The keys of `profile` that no tool is known to read, each once, in file order.
pub fn unknown(profile: Profile<'_>) -> Vec<UnknownKey> {
    let all: Vec<&'static str> = ROLECALL.iter().chain(OTHERS).copied().collect();
    let mut found: Vec<UnknownKey> = Vec::new();
    for (key, property) in profile.properties() {
        if known(key) || found.iter().any(|u| u.key == key) {
            continue;
        }
        found.push(UnknownKey {
            key: key.to_string(),
            line: property.line as usize,
            in_credentials: property.from_credentials,
            nearest: nearest_word(key, &all),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Profiles;

    #[test]
    fn typos_get_the_nearest_key_and_known_keys_nothing() {
        let p = Profiles::from_strs(
            "[profile x]\nrole_arm = arn:aws:iam::1:role/r\nsource_profile = y\n\
             s3 =\n  max_concurrent_requests = 4\ncli_pager =\nsso_session = corp\n\
             granted_sso_start_url = https://x\nmy_own_note = hello\nrole_arm = again\n",
            "[x]\naws_secret_acess_key = nope\n",
        )
        .unwrap();
        let unknown = unknown(p.get("x").unwrap());
        let keys: Vec<_> = unknown
            .iter()
            .map(|u| (u.key.as_str(), u.nearest))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("role_arm", Some("role_arn")),
                ("my_own_note", None),
                ("aws_secret_acess_key", Some("aws_secret_access_key")),
            ]
        );
        assert_eq!(
            unknown[0].to_string(),
            "unknown key \"role_arm\" (config line 2); did you mean \"role_arn\"?"
        );
        assert!(unknown[2].to_string().contains("credentials line 2"));
    }
}

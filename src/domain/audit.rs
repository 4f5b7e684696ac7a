//! The audit trail's record: one line of JSON per credential handed out, never a secret.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::plan::{Plan, Step};
use super::text::timestamp;
use super::Credentials;

/// What was handed out, to whom and where.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub time: String,
    /// `export`, `exec`, `use`, `console`, `exec --server`, …
    pub command: String,
    pub profile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// The access key id's last four characters: enough to match CloudTrail, no secret.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration: Option<String>,
    /// The command `exec` ran and its working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The client of a credential endpoint (`exec --server`): its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    pub pid: u32,
}

impl AuditEntry {
    /// The record of `credentials` of `plan`, handed out by `command` at `now`.
    pub fn of(
        command: &str,
        plan: &Plan,
        credentials: &Credentials,
        now: OffsetDateTime,
        pid: u32,
    ) -> Self {
        let (role_arn, session_name, source_identity) = match plan.steps.last() {
            Some(Step::AssumeRole(a)) => (
                Some(a.role_arn.clone()),
                Some(a.session_name.clone()),
                a.tags.source_identity.clone(),
            ),
            Some(Step::AssumeRoleWithWebIdentity(w)) => {
                (Some(w.role_arn.clone()), Some(w.session_name.clone()), None)
            }
            _ => (None, None, None),
        };
        // The session's own account, else what the plan knows of it.
        let account = credentials.account_id.clone().or_else(|| plan.account());

        AuditEntry {
            time: timestamp(now),
            command: command.to_string(),
            profile: plan.profile.clone(),
            role_arn,
            account,
            session_name,
            source_identity,
            key: super::secret::key_tail(&credentials.access_key_id),
            expiration: credentials.expiration.map(timestamp),
            run: None,
            cwd: None,
            client: None,
            pid,
        }
    }

    /// One line of JSON.
    pub fn line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// The records of `lines` (the log, oldest first) for `profile` if given, from `since` on;
/// lines that are not records (a crash mid-write) are passed over.
pub fn select(
    lines: &[String],
    profile: Option<&str>,
    since: Option<OffsetDateTime>,
) -> Vec<AuditEntry> {
    let rfc = time::format_description::well_known::Rfc3339;
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<AuditEntry>(l).ok())
        .filter(|e| profile.is_none_or(|p| e.profile == p))
        .filter(|e| {
            since.is_none_or(|s| OffsetDateTime::parse(&e.time, &rfc).is_ok_and(|t| t >= s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn records_round_trip_and_select_by_profile_and_time() {
        let plan = crate::testing::plan_of(
            "[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/prod\nsource_profile = default\nsource_identity = maria\n",
            "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = topsecret\n",
            "prod",
            &[("USER", "maria")],
            crate::testing::NOW,
        );
        let credentials = Credentials {
            access_key_id: "ASIAEXAMPLE1234".into(),
            secret_access_key: crate::domain::Secret::new("secret-value"),
            session_token: Some(crate::domain::Secret::new("token-value")),
            expiration: Some(datetime!(2026-11-22 11:00 UTC)),
            account_id: None,
        };
        let e = AuditEntry::of(
            "export",
            &plan,
            &credentials,
            datetime!(2026-11-22 10:00:00.5 UTC),
            42,
        );
        let line = e.line();
        for secret in ["secret-value", "token-value", "topsecret", "ASIAEXAMPLE"] {
            assert!(!line.contains(secret), "{line}");
        }
        assert!(
            line.contains("\"key\":\"1234\"") && line.contains("\"account\":\"123456789012\""),
            "{line}"
        );
        assert!(line.contains("\"source_identity\":\"maria\""), "{line}");
        let lines = vec![line.trim().to_string(), "{broken".into()];
        assert_eq!(select(&lines, Some("prod"), None), std::slice::from_ref(&e));
        assert!(select(&lines, Some("dev"), None).is_empty());
        assert!(select(&lines, None, Some(datetime!(2026-11-22 10:01 UTC))).is_empty());
    }
}

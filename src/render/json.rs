//! The `credential_process` JSON (`Version: 1`), which any AWS SDK and the AWS CLI read.

use crate::domain::env::Change;
use crate::domain::process_json::Document;

pub fn render(changes: &[Change]) -> String {
    let get = |name: &str| {
        changes.iter().find_map(|c| match c {
            Change::Set(k, v) if *k == name => Some(v.as_str()),
            _ => None,
        })
    };
    Document {
        version: 1,
        access_key_id: get("AWS_ACCESS_KEY_ID").unwrap_or(""),
        secret_access_key: get("AWS_SECRET_ACCESS_KEY").unwrap_or(""),
        session_token: get("AWS_SESSION_TOKEN"),
        expiration: get("AWS_CREDENTIAL_EXPIRATION"),
        account_id: get("AWS_ACCOUNT_ID"),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_and_long_term_keys() {
        let text = render(&[
            Change::Set("AWS_ACCESS_KEY_ID", "ASIA".into()),
            Change::Set("AWS_SECRET_ACCESS_KEY", "s\"\\".into()),
            Change::Set("AWS_SESSION_TOKEN", "t".into()),
            Change::Set("AWS_CREDENTIAL_EXPIRATION", "2026-11-22T11:00:00Z".into()),
            Change::Set("AWS_REGION", "eu-west-1".into()),
        ]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s\"\\", "SessionToken": "t", "Expiration": "2026-11-22T11:00:00Z"})
        );
        let text = render(&[
            Change::Set("AWS_ACCESS_KEY_ID", "AKIA".into()),
            Change::Set("AWS_SECRET_ACCESS_KEY", "s".into()),
            Change::Unset("AWS_SESSION_TOKEN"),
        ]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "s"})
        );
    }
}

//! The `credential_process` JSON document (`Version: 1`), read from a helper's output and
//! written by `export --format json`, as every AWS SDK and the AWS CLI read it.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::secret::{Credentials, Secret};

/// What is wrong with a `credential_process` answer (never its values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("credential_process output is invalid: {0}")]
pub struct ProcessJsonError(pub &'static str);

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessOutput {
    version: Option<i64>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
    account_id: Option<String>,
}

/// Validates `credential_process` output: `Version` 1, both keys, an RFC 3339 expiration.
pub fn parse(bytes: &[u8]) -> Result<Credentials, ProcessJsonError> {
    let bad = ProcessJsonError;
    let out: ProcessOutput =
        serde_json::from_slice(bytes).map_err(|_| bad("it is not a JSON object"))?;
    if out.version != Some(1) {
        return Err(bad("\"Version\" must be 1"));
    }
    let access_key_id = out
        .access_key_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("\"AccessKeyId\" is missing"))?;
    let secret = out
        .secret_access_key
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("\"SecretAccessKey\" is missing"))?;
    let expiration = match out.expiration.as_deref() {
        None => None,
        Some(text) => Some(
            OffsetDateTime::parse(text, &Rfc3339)
                .map_err(|_| bad("\"Expiration\" is not an RFC 3339 time"))?,
        ),
    };
    Ok(Credentials {
        access_key_id,
        secret_access_key: Secret::new(secret),
        session_token: out.session_token.filter(|s| !s.is_empty()).map(Secret::new),
        expiration,
        // An `AccountId` that is not an account number is left out rather than refused: the
        // SDKs use it only to route to account endpoints.
        account_id: out
            .account_id
            .filter(|a| crate::domain::plan::is_account_id(a)),
    })
}

/// The document for credentials given as their text (`export --format json`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Document<'a> {
    pub version: u8,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
}

impl Document<'_> {
    /// Pretty JSON with a final newline.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_output_validation() {
        let ok = parse(
            br#"{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-22T11:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(ok.access_key_id, "ASIA");
        assert!(ok.expiration.is_some());
        let long_term =
            parse(br#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}"#).unwrap();
        assert!(long_term.expiration.is_none() && long_term.session_token.is_none());
        for (bad, why) in [
            (&b"nope"[..], "not a JSON object"),
            (br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}"#, "Version"),
            (br#"{"Version":1,"SecretAccessKey":"s"}"#, "AccessKeyId"),
            (br#"{"Version":1,"AccessKeyId":"A"}"#, "SecretAccessKey"),
            (br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"topsecret","Expiration":"tomorrow"}"#, "RFC 3339"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
            assert!(!e.to_string().contains("topsecret"));
        }
    }
}

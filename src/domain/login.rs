//! AWS Sign-In (`aws login`) as a chain's root: the `login_session` a profile names, where its
//! token cache file is, the token it holds and when it is refreshed.

use time::{Duration, OffsetDateTime};

use super::plan::StsEndpoint;
use super::{Credentials, Secret};

/// A sign-in token this close to expiry is refreshed before use (the AWS CLI's and the SDKs'
/// five minutes).
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);
/// The sign-in region when neither the token, the environment nor the profile names one.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The OAuth client of a sign-in on this machine's browser (the AWS CLI's).
#[cfg(test)]
pub const SAME_DEVICE_CLIENT: &str = "arn:aws:signin:::devtools/same-device";

/// A profile's `login_session`: the sign-in it takes credentials from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSession {
    /// The profile that names it.
    pub profile: String,
    /// The `login_session` value (the signed-in principal's ARN), as written.
    pub session: String,
    /// Where `CreateOAuth2Token` goes: the region (a token's `signInRegion` wins) and an
    /// explicit URL (`AWS_ENDPOINT_URL_SIGNIN`…).
    pub endpoint: StsEndpoint,
}

impl LoginSession {
    /// The token cache file's name: the SHA-256 (hex) of the session, `.json`.
    pub fn cache_file_name(&self) -> String {
        cache_file_name(&self.session)
    }

    /// How to sign in again, for error messages.
    pub fn login_hint(&self) -> String {
        login_hint(&self.profile)
    }
}

/// `<sha256 hex of the login_session>.json`, as the AWS CLI and the SDKs name it.
pub fn cache_file_name(session: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(session.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.json")
}

/// `run "aws login --profile P" (or "rolecall login --profile P")`.
pub fn login_hint(profile: &str) -> String {
    format!("run \"aws login --profile {profile}\" (or \"rolecall login --profile {profile}\")")
}

/// What a sign-in token cache file holds (the fields rolecall uses; the rest is kept as it
/// is when the file is written back).
#[derive(Clone, Debug)]
pub struct LoginToken {
    /// The credentials of the access token, with their `expiresAt`.
    pub credentials: Credentials,
    pub account_id: Option<String>,
    pub refresh_token: Secret,
    pub client_id: String,
    /// The DPoP key: a P-256 private key, SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`).
    pub dpop_key: Secret,
    /// `signInRegion`: where the sign-in happened, which wins over the configured region.
    pub region: Option<String>,
}

impl LoginToken {
    pub fn expires_at(&self) -> OffsetDateTime {
        self.credentials
            .expiration
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Whether the access token still has more than `margin` (at least [`REFRESH_MARGIN`]).
    pub fn fresh(&self, now: OffsetDateTime, margin: Duration) -> bool {
        self.expires_at() - now > margin.max(REFRESH_MARGIN)
    }

    /// The token after a refresh: the new credentials and refresh token, the rest kept.
    pub fn refreshed(&self, answer: Refreshed, now: OffsetDateTime) -> LoginToken {
        LoginToken {
            credentials: Credentials {
                expiration: Some(now + Duration::seconds(answer.expires_in.max(0))),
                ..answer.credentials
            },
            refresh_token: answer.refresh_token,
            ..self.clone()
        }
    }
}

/// `CreateOAuth2Token`'s answer to a refresh.
#[derive(Clone, Debug)]
pub struct Refreshed {
    /// Without an expiration: `expires_in` says it.
    pub credentials: Credentials,
    pub expires_in: i64,
    pub refresh_token: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_file_is_named_by_the_sha256_of_the_session() {
        // sha256("arn:aws:iam::0123456789012:user/Admin"), as botocore computes it.
        assert_eq!(
            cache_file_name("arn:aws:iam::0123456789012:user/Admin"),
            "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"
        );
    }

    fn token(expires: OffsetDateTime) -> LoginToken {
        LoginToken {
            credentials: Credentials {
                access_key_id: "ASIAOLD".into(),
                secret_access_key: Secret::new("old"),
                session_token: Some(Secret::new("t")),
                expiration: Some(expires),
            },
            account_id: Some("123456789012".into()),
            refresh_token: Secret::new("r1"),
            client_id: SAME_DEVICE_CLIENT.into(),
            dpop_key: Secret::new("pem"),
            region: Some("eu-west-1".into()),
        }
    }

    #[test]
    fn fresh_means_more_than_five_minutes_or_the_window() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        assert!(token(now + Duration::minutes(6)).fresh(now, Duration::minutes(3)));
        assert!(!token(now + Duration::minutes(5)).fresh(now, Duration::minutes(3)));
        assert!(!token(now + Duration::minutes(6)).fresh(now, Duration::minutes(10)));
    }

    #[test]
    fn a_refresh_keeps_the_client_the_key_the_account_and_the_region() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        let new = token(now).refreshed(
            Refreshed {
                credentials: Credentials {
                    access_key_id: "ASIANEW".into(),
                    secret_access_key: Secret::new("new"),
                    session_token: Some(Secret::new("t2")),
                    expiration: None,
                },
                expires_in: 900,
                refresh_token: Secret::new("r2"),
            },
            now,
        );
        assert_eq!(new.credentials.access_key_id, "ASIANEW");
        assert_eq!(new.expires_at(), now + Duration::seconds(900));
        assert_eq!(new.refresh_token.expose(), "r2");
        assert_eq!(new.account_id.as_deref(), Some("123456789012"));
        assert_eq!(new.region.as_deref(), Some("eu-west-1"));
        assert_eq!(new.dpop_key.expose(), "pem");
    }
}

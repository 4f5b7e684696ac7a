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
pub const SAME_DEVICE_CLIENT: &str = "arn:aws:signin:::devtools/same-device";
/// The OAuth client of a sign-in in a browser elsewhere (`--remote`).
pub const CROSS_DEVICE_CLIENT: &str = "arn:aws:signin:::devtools/cross-device";

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
    format!("{}.json", super::text::hex(&digest))
}

/// `run "aws login --profile P" (or "rolecall login --profile P")`.
pub fn login_hint(profile: &str) -> String {
    format!("run \"aws login --profile {profile}\" (or \"rolecall login --profile {profile}\")")
}

/// Where the browser signs in: `BASE/v1/authorize` with the authorization-code grant, PKCE
/// (`SHA-256`, as the AWS CLI names S256), the `openid` scope and the loopback `redirect_uri`.
pub fn authorize_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> String {
    use super::sso::url_encode;
    format!(
        "{}/v1/authorize?response_type=code&client_id={}&state={}&code_challenge_method=SHA-256&scope=openid&redirect_uri={}&code_challenge={}",
        base.trim_end_matches('/'),
        url_encode(client_id),
        url_encode(state),
        url_encode(redirect_uri),
        url_encode(challenge)
    )
}

/// The sign-in's session (the principal's ARN): the `sub` claim of the ID token.
pub fn session_of_id_token(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64url_decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let sub = claims.get("sub")?.as_str()?;
    // It goes into the config file as a value: one visible word, nothing else.
    let visible = sub.len() <= 2048 && sub.bytes().all(|b| b.is_ascii_graphic());
    (visible && sub.starts_with("arn:") && sub.split(':').count() >= 6).then(|| sub.to_string())
}

/// Where the sign-in endpoints are: the explicit URL, else the region's.
pub fn base_url(endpoint: &StsEndpoint) -> String {
    match &endpoint.url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("https://{}.signin.aws.amazon.com", endpoint.region),
    }
}

/// The code the remote flow's page shows: base64 of `code=…&state=…`; the code and the state.
pub fn parse_verification_code(text: &str) -> Option<(String, String)> {
    let bytes = base64url_decode(text.trim())?;
    let query = String::from_utf8(bytes).ok()?;
    let mut code = None;
    let mut state = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("code", v)) => code = Some(percent_decode(v)?),
            Some(("state", v)) => state = Some(percent_decode(v)?),
            _ => {}
        }
    }
    Some((code.filter(|c| !c.is_empty())?, state?))
}

/// `%XX` and `+` of a query value.
fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Base64 (either alphabet, padding optional: a JWT's parts, a pasted code), decoded.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in text {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The account of a session ARN (`arn:aws:iam::123456789012:user/x`).
pub fn account_of(session: &str) -> Option<String> {
    let account = session.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
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
                account_id: None,
            },
            account_id: Some("123456789012".into()),
            refresh_token: Secret::new("r1"),
            client_id: SAME_DEVICE_CLIENT.into(),
            dpop_key: Secret::new("pem"),
            region: Some("eu-west-1".into()),
        }
    }

    #[test]
    fn the_authorize_url_and_the_session_of_an_id_token() {
        let url = authorize_url(
            "https://us-east-1.signin.aws.amazon.com/",
            SAME_DEVICE_CLIENT,
            "http://127.0.0.1:5/oauth/callback",
            "st",
            "ch",
        );
        assert_eq!(url, "https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state=st&code_challenge_method=SHA-256&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback&code_challenge=ch");
        // {"sub":"arn:aws:iam::123456789012:user/maria"}
        let token = "e30.eyJzdWIiOiJhcm46YXdzOmlhbTo6MTIzNDU2Nzg5MDEyOnVzZXIvbWFyaWEifQ.";
        assert_eq!(
            session_of_id_token(token).as_deref(),
            Some("arn:aws:iam::123456789012:user/maria")
        );
        assert_eq!(session_of_id_token("e30.e30."), None);
        // {"sub":"arn:aws:iam::1:user/x\n[profile y]"}: no line of config from a token.
        assert_eq!(
            session_of_id_token("e30.eyJzdWIiOiJhcm46YXdzOmlhbTo6MTp1c2VyL3hcbltwcm9maWxlIHldIn0."),
            None
        );
        assert_eq!(session_of_id_token("nonsense"), None);
        assert_eq!(
            account_of("arn:aws:iam::123456789012:user/maria").as_deref(),
            Some("123456789012")
        );
    }

    #[test]
    fn the_remote_flows_code_and_the_base_url() {
        // base64 of "state=s%2F1&code=abc"
        assert_eq!(
            parse_verification_code("c3RhdGU9cyUyRjEmY29kZT1hYmM=\n"),
            Some(("abc".into(), "s/1".into()))
        );
        assert_eq!(parse_verification_code("bm9wZQ=="), None);
        let mut endpoint = StsEndpoint {
            region: "eu-west-1".into(),
            url: None,
            ca_bundle: None,
        };
        assert_eq!(
            base_url(&endpoint),
            "https://eu-west-1.signin.aws.amazon.com"
        );
        endpoint.url = Some("http://127.0.0.1:5/".into());
        assert_eq!(base_url(&endpoint), "http://127.0.0.1:5");
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
                    account_id: None,
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

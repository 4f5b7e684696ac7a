//! IAM Identity Center (SSO) as a chain's root: the session a profile signs in through, the
//! account and role it asks for, where the portal and OIDC APIs are, and the tokens' rules.

use time::{Duration, OffsetDateTime};

use super::Secret;

/// An access token this close to expiry is refreshed (when it can be) before use.
pub const TOKEN_REFRESH_WINDOW: Duration = Duration::minutes(15);
/// The scope the AWS CLI registers with when a session names none: what refresh tokens need.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// `[sso-session NAME]` (or the legacy `sso_start_url`/`sso_region` in the profile itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSession {
    /// `None` for a legacy profile (no `sso_session`).
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes`; a legacy profile registers without scopes.
    pub scopes: Vec<String>,
}

impl SsoSession {
    /// What the AWS CLI names its token cache file after: the session name, or for a legacy
    /// profile the start URL (the file is `~/.aws/sso/cache/<sha1 of it>.json`).
    pub fn cache_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    /// How people know it: `sso-session "corp"`, or the start URL.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("sso-session \"{n}\""),
            None => format!("start URL {}", self.start_url),
        }
    }

    /// The `--sso-session` value (or the profile) that logs in to it, for hints.
    pub fn login_hint(&self, profile: &str) -> String {
        match &self.name {
            Some(n) => format!(
                "run \"rolecall sso login {profile}\" (or \"aws sso login --sso-session {n}\")"
            ),
            None => format!(
                "run \"rolecall sso login {profile}\" (or \"aws sso login --profile {profile}\")"
            ),
        }
    }
}

/// Where the SSO portal and OIDC APIs are: explicit URLs, else the region's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoEndpoints {
    pub region: String,
    pub portal: Option<String>,
    pub oidc: Option<String>,
    /// The profile's `ca_bundle` (`AWS_CA_BUNDLE` wins over it where the call is made).
    pub ca_bundle: Option<String>,
}

impl SsoEndpoints {
    pub fn portal_url(&self) -> String {
        self.portal
            .clone()
            .unwrap_or_else(|| format!("https://portal.sso.{}.amazonaws.com", self.region))
    }

    pub fn oidc_url(&self) -> String {
        self.oidc
            .clone()
            .unwrap_or_else(|| format!("https://oidc.{}.amazonaws.com", self.region))
    }
}

/// The role credentials an SSO profile stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoRole {
    pub profile: String,
    pub session: SsoSession,
    pub account_id: String,
    pub role_name: String,
    pub endpoints: SsoEndpoints,
}

/// An SSO access token, wherever it is kept, with what refreshing it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub access_token: Secret,
    pub expires_at: OffsetDateTime,
    pub refresh_token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub registration_expires_at: Option<OffsetDateTime>,
    /// The scopes a token file records (`scopes`), when it records them.
    pub scopes: Option<Vec<String>>,
}

/// A token with less than this left is not used (a call would fail on the way): the run
/// refreshes it or signs in instead.
pub const USABLE_MARGIN: time::Duration = time::Duration::seconds(60);

/// What a token is good for at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenState {
    /// More than the refresh window left.
    Fresh,
    /// Valid, but inside the refresh window: refreshed first if it can be.
    Expiring,
    Expired,
}

impl TokenState {
    /// The state at `now` of a token that expires at `expires_at`.
    pub fn at(expires_at: OffsetDateTime, now: OffsetDateTime) -> Self {
        if expires_at <= now {
            TokenState::Expired
        } else if expires_at - now <= TOKEN_REFRESH_WINDOW {
            TokenState::Expiring
        } else {
            TokenState::Fresh
        }
    }
}

impl Token {
    pub fn state(&self, now: OffsetDateTime) -> TokenState {
        TokenState::at(self.expires_at, now)
    }

    /// Whether the portal takes it for `GetRoleCredentials`: a token whose recorded scopes
    /// lack `sso:account:access` is another tool's sign-in to the same start URL (an IDE
    /// extension's, say), which the portal answers with 401.
    pub fn grants_account_access(&self) -> bool {
        self.scopes
            .as_ref()
            .is_none_or(|s| s.iter().any(|x| x == DEFAULT_SCOPE))
    }

    /// It has a refresh token and a registration that has not expired.
    pub fn refreshable(&self, now: OffsetDateTime) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_some_and(|e| e > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_token_without_account_access_is_not_for_the_portal() {
        let mut t = Token {
            access_token: Secret::new("a"),
            expires_at: datetime!(2026-12-01 10:00 UTC),
            refresh_token: None,
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            scopes: None,
        };
        assert!(t.grants_account_access(), "the AWS CLI records no scopes");
        t.scopes = Some(vec![
            "sso:account:access".into(),
            "codewhisperer:completions".into(),
        ]);
        assert!(t.grants_account_access());
        t.scopes = Some(vec!["codewhisperer:completions".into()]);
        assert!(!t.grants_account_access());
        t.scopes = Some(vec![]);
        assert!(!t.grants_account_access(), "recorded, and without it");
    }

    #[test]
    fn states_and_refreshability() {
        let now = datetime!(2026-12-01 10:00 UTC);
        let mut t = Token {
            access_token: Secret::new("a"),
            expires_at: now + Duration::hours(1),
            refresh_token: Some(Secret::new("r")),
            client_id: Some("c".into()),
            client_secret: Some(Secret::new("s")),
            registration_expires_at: Some(now + Duration::days(80)),
            scopes: None,
        };
        assert_eq!(t.state(now), TokenState::Fresh);
        assert!(t.refreshable(now));
        t.expires_at = now + Duration::minutes(10);
        assert_eq!(t.state(now), TokenState::Expiring);
        t.expires_at = now;
        assert_eq!(t.state(now), TokenState::Expired);
        t.registration_expires_at = Some(now - Duration::seconds(1));
        assert!(!t.refreshable(now));
    }
}

/// Base64url without padding (RFC 4648 §5), as PKCE and OAuth use it.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// PKCE's S256 code challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    use sha2::{Digest, Sha256};
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The OIDC authorization endpoint's URL for the authorization-code flow with PKCE, as the
/// AWS CLI builds it.
pub fn authorize_url(
    oidc: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
    scopes: &[String],
) -> String {
    let mut url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&code_challenge={}",
        oidc.trim_end_matches('/'),
        url_encode(client_id),
        url_encode(redirect_uri),
        url_encode(state),
        url_encode(challenge)
    );
    if !scopes.is_empty() {
        url.push_str("&scopes=");
        url.push_str(&url_encode(&scopes.join(",")));
    }
    url
}

#[cfg(test)]
mod pkce_tests {
    use super::*;

    #[test]
    fn rfc_7636_example_and_encodings() {
        // RFC 7636 appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(url_encode("a b/c:d"), "a%20b%2Fc%3Ad");
        let url = authorize_url(
            "http://o/",
            "c",
            "http://127.0.0.1:5/oauth/callback",
            "s",
            "x",
            &["sso:account:access".into()],
        );
        assert!(url.starts_with("http://o/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback&state=s"), "{url}");
        assert!(url.ends_with("&scopes=sso%3Aaccount%3Aaccess"), "{url}");
    }
}

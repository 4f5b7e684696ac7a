//! `rolecall eks token`: kubectl's `ExecCredential` from a session, signed where the cached
//! session is (no STS call: the token is a presigned URL that EKS itself sends to STS).

use time::OffsetDateTime;

use crate::domain::eks;
use crate::domain::plan::StsEndpoint;
use crate::domain::Credentials;
use crate::ports::presign::{Presign, PresignRequest};

#[derive(Debug, thiserror::Error)]
pub enum EksError {
    #[error("cannot sign the EKS token: {0}")]
    Sign(String),
}

/// What the token is for.
pub struct TokenRequest<'a> {
    pub cluster: &'a str,
    /// Where STS would be called: the region signs, an override is the URL's host.
    pub endpoint: &'a StsEndpoint,
    /// `KUBERNETES_EXEC_INFO`, as kubectl sets it.
    pub exec_info: Option<&'a str>,
    pub now: OffsetDateTime,
}

/// The `ExecCredential` JSON for `credentials`.
pub fn exec_credential(
    presign: &dyn Presign,
    credentials: &Credentials,
    r: &TokenRequest,
) -> Result<String, EksError> {
    let url = eks::caller_identity_url(&r.endpoint.region, r.endpoint.url.as_deref());
    let request = PresignRequest {
        url: &url,
        region: &r.endpoint.region,
        service: "sts",
        headers: &[(eks::CLUSTER_HEADER, r.cluster)],
        expires_seconds: eks::URL_EXPIRES_SECONDS,
        time: r.now,
    };
    let signed = presign
        .presign(credentials, &request)
        .map_err(EksError::Sign)?;
    let expires = eks::expiration(r.now, credentials.expiration);
    Ok(eks::exec_credential(
        eks::api_version(r.exec_info),
        &eks::token(&signed),
        expires,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl Presign for Echo {
        fn presign(&self, c: &Credentials, r: &PresignRequest) -> Result<String, String> {
            Ok(format!(
                "{}&k={}&h={}={}",
                r.url, c.access_key_id, r.headers[0].0, r.headers[0].1
            ))
        }
    }

    #[test]
    fn the_token_wraps_the_presigned_url_of_the_region() {
        let endpoint = StsEndpoint {
            region: "eu-west-1".into(),
            url: None,
            ca_bundle: None,
        };
        let now = time::macros::datetime!(2026-12-07 10:00:00 UTC);
        let credentials = Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: crate::domain::Secret::new("s"),
            session_token: None,
            expiration: None,
            account_id: None,
        };
        let r = TokenRequest {
            cluster: "dev",
            endpoint: &endpoint,
            exec_info: None,
            now,
        };
        let out = exec_credential(&Echo, &credentials, &r).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let token = v["status"]["token"].as_str().unwrap();
        let url = token.strip_prefix("k8s-aws-v1.").unwrap();
        assert_eq!(
            url,
            crate::domain::sso::base64url(b"https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&k=ASIAX&h=x-k8s-aws-id=dev")
        );
        assert_eq!(v["status"]["expirationTimestamp"], "2026-12-07T10:14:00Z");
        assert_eq!(v["apiVersion"], eks::BETA);
    }
}

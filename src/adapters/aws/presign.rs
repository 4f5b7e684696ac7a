//! SigV4 query-string presigning through the SDK's own signer (`aws-sigv4`): no runtime, no
//! client, no network, so a warm `eks token` costs what the cache look-up costs.

use std::borrow::Cow;

use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;

use crate::domain::eks::query_escape;
use crate::domain::Credentials;
use crate::ports::presign::{Presign, PresignRequest};

pub struct Sigv4;

impl Presign for Sigv4 {
    fn presign(&self, credentials: &Credentials, r: &PresignRequest) -> Result<String, String> {
        let identity = aws_credential_types::Credentials::new(
            &credentials.access_key_id,
            credentials.secret_access_key.expose(),
            credentials
                .session_token
                .as_ref()
                .map(|t| t.expose().to_string()),
            None,
            "rolecall",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(std::time::Duration::from_secs(r.expires_seconds));
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(r.region)
            .name(r.service)
            .time(r.time.into())
            .settings(settings)
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let request = SignableRequest::new(
            "GET",
            r.url,
            r.headers.iter().copied(),
            // STS, unlike S3, checks the hash of the body it got (empty), as botocore signs it.
            SignableBody::Bytes(&[]),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let query: Vec<String> = instructions
            .params()
            .iter()
            .map(|(k, v): &(&str, Cow<'static, str>)| format!("{k}={}", query_escape(v)))
            .collect();
        let joiner = if r.url.contains('?') { '&' } else { '?' };
        Ok(format!("{}{joiner}{}", r.url, query.join("&")))
    }
}

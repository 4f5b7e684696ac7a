//! Presigning a request with SigV4 (query-string signing), as `aws eks get-token` does for
//! its `GetCallerIdentity` URL. The real one is `adapters::aws::presign`.

use time::OffsetDateTime;

use crate::domain::Credentials;

/// A GET to presign.
pub struct PresignRequest<'a> {
    /// The URL with its own query.
    pub url: &'a str,
    /// The signing region and service.
    pub region: &'a str,
    pub service: &'a str,
    /// Headers signed in (the caller of the URL sends them too).
    pub headers: &'a [(&'a str, &'a str)],
    pub expires_seconds: u64,
    pub time: OffsetDateTime,
}

pub trait Presign {
    /// The presigned URL; on failure, the signer's message.
    fn presign(
        &self,
        credentials: &Credentials,
        request: &PresignRequest,
    ) -> Result<String, String>;
}

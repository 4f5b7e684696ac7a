//! The `Iam` port: the access-key calls of `rolecall keys rotate`. Failures are the same
//! error type as STS's, said as IAM's (`Service::Iam`).

use crate::domain::plan::StsEndpoint;
use crate::domain::Credentials;
use crate::ports::sts::StsError;

pub trait Iam {
    /// The ids of the user's access keys (active or not).
    fn list_access_keys(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        user: &str,
    ) -> Result<Vec<String>, StsError>;
    /// A new access key for the user: its id and secret.
    fn create_access_key(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        user: &str,
    ) -> Result<Credentials, StsError>;
    fn delete_access_key(
        &self,
        endpoint: &StsEndpoint,
        caller: &Credentials,
        user: &str,
        access_key_id: &str,
    ) -> Result<(), StsError>;
}

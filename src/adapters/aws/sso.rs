//! The real IAM Identity Center APIs: aws-sdk-ssooidc (RegisterClient,
//! StartDeviceAuthorization, CreateToken) and aws-sdk-sso (GetRoleCredentials, ListAccounts,
//! ListAccountRoles, Logout), unsigned, on the run's runtime and HTTPS client.

use std::rc::Rc;

use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use time::OffsetDateTime;

use super::sts::sdk_error;
use super::Aws;
use crate::domain::sso::SsoEndpoints;
use crate::domain::{Credentials, Secret};
use crate::ports::sso::{
    Account, DeviceAuthorization, Grant, Issued, Registration, Sso, SsoError, SsoErrorKind,
};
use crate::ports::sts::{Service, StsErrorKind, Timeouts, MAX_ATTEMPTS};

pub struct SdkSso {
    aws: Rc<Aws>,
    timeouts: Timeouts,
}

impl SdkSso {
    pub fn new(aws: Rc<Aws>, timeouts: Timeouts) -> Self {
        Self { aws, timeouts }
    }

    fn oidc(&self, endpoints: &SsoEndpoints) -> Result<aws_sdk_ssooidc::Client, SsoError> {
        let http = self.http(endpoints.oidc.as_deref(), endpoints)?;
        let mut config = aws_sdk_ssooidc::Config::builder()
            .behavior_version(aws_sdk_ssooidc::config::BehaviorVersion::latest())
            .region(aws_sdk_ssooidc::config::Region::new(
                endpoints.region.clone(),
            ))
            .http_client(http)
            .retry_config(
                aws_sdk_ssooidc::config::retry::RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS),
            )
            .timeout_config(super::sdk_timeouts(&self.timeouts));
        if let Some(url) = &endpoints.oidc {
            config = config.endpoint_url(url.clone());
        }
        Ok(aws_sdk_ssooidc::Client::from_conf(config.build()))
    }

    fn portal(&self, endpoints: &SsoEndpoints) -> Result<aws_sdk_sso::Client, SsoError> {
        let http = self.http(endpoints.portal.as_deref(), endpoints)?;
        let mut config = aws_sdk_sso::Config::builder()
            .behavior_version(aws_sdk_sso::config::BehaviorVersion::latest())
            .region(aws_sdk_sso::config::Region::new(endpoints.region.clone()))
            .http_client(http)
            .retry_config(
                aws_sdk_sso::config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS),
            )
            .timeout_config(super::sdk_timeouts(&self.timeouts));
        if let Some(url) = &endpoints.portal {
            config = config.endpoint_url(url.clone());
        }
        Ok(aws_sdk_sso::Client::from_conf(config.build()))
    }

    fn http(
        &self,
        url: Option<&str>,
        endpoints: &SsoEndpoints,
    ) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, SsoError> {
        self.aws
            .http(url, endpoints.ca_bundle.as_deref())
            .map_err(|e| SsoError::new(SsoErrorKind::Unreachable, "a request", e))
    }

    fn send<T, E>(
        &self,
        operation: &'static str,
        url: String,
        call: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, SsoError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let runtime = self.aws.runtime().map_err(|e| {
            SsoError::new(
                SsoErrorKind::Unreachable,
                operation,
                format!("cannot start the network runtime: {e}"),
            )
        })?;
        runtime.block_on(call).map_err(|e| {
            let proxy = self.aws.proxy_for(&url);
            sso_error(operation, e, &url, proxy, &self.timeouts)
        })
    }
}

/// An SDK failure as the port's error: the service's error code decides the kind.
fn sso_error<E>(
    operation: &'static str,
    error: SdkError<E, HttpResponse>,
    url: &str,
    proxy: Option<String>,
    timeouts: &Timeouts,
) -> SsoError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let proxy_refused = proxy.is_some()
        && matches!(&error, SdkError::ServiceError(s) if s.raw().status().as_u16() == 407);
    if let (SdkError::ServiceError(service), false) = (&error, proxy_refused) {
        let e = service.err();
        let code = e.code().unwrap_or("");
        let status = service.raw().status().as_u16();
        let kind = match code {
            "AuthorizationPendingException" => SsoErrorKind::Pending,
            "SlowDownException" => SsoErrorKind::SlowDown,
            "ExpiredTokenException" => SsoErrorKind::Expired,
            "AccessDeniedException" => SsoErrorKind::Denied,
            "InvalidGrantException" | "InvalidClientException" | "UnauthorizedClientException" => {
                SsoErrorKind::InvalidGrant
            }
            "UnauthorizedException" => SsoErrorKind::Unauthorized,
            "ForbiddenException" | "ResourceNotFoundException" => SsoErrorKind::Forbidden,
            _ if status == 401 => SsoErrorKind::Unauthorized,
            _ if status == 403 => SsoErrorKind::Forbidden,
            _ => SsoErrorKind::Failed,
        };
        let message = match (e.message(), code) {
            (Some(m), "") => m.to_string(),
            (Some(m), code) => format!("{code}: {m}"),
            (None, "") => format!(
                "{} answered HTTP {status} with something that is not an SSO response",
                crate::domain::text::redact_url(url)
            ),
            (None, code) => code.to_string(),
        };
        return SsoError::new(kind, operation, message);
    }
    let e = sdk_error(Service::Sts, operation, error, url, proxy, timeouts);
    let kind = if e.kind == StsErrorKind::Unreachable {
        SsoErrorKind::Unreachable
    } else {
        SsoErrorKind::Failed
    };
    SsoError::new(kind, operation, e.message)
}

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Sso for SdkSso {
    fn register_client(
        &self,
        endpoints: &SsoEndpoints,
        scopes: &[String],
        grant_types: &[&str],
        redirect_uri: Option<&str>,
        issuer_url: Option<&str>,
    ) -> Result<Registration, SsoError> {
        const OP: &str = "RegisterClient";
        let client = self.oidc(endpoints)?;
        let mut call = client
            .register_client()
            .client_name(format!("rolecall-{}", std::process::id()))
            .client_type("public");
        for scope in scopes {
            call = call.scopes(scope);
        }
        for grant in grant_types {
            call = call.grant_types(*grant);
        }
        if let Some(uri) = redirect_uri {
            call = call.redirect_uris(uri);
        }
        if let (Some(issuer), false) = (issuer_url, grant_types.is_empty()) {
            call = call.issuer_url(issuer);
        }
        let out = self.send(OP, endpoints.oidc_url(), call.send())?;
        let (Some(id), Some(secret)) = (out.client_id(), out.client_secret()) else {
            return Err(SsoError::new(
                SsoErrorKind::Failed,
                OP,
                "no client in the answer",
            ));
        };
        Ok(Registration {
            client_id: id.to_string(),
            client_secret: Secret::new(secret),
            expires_at: at(out.client_secret_expires_at()),
        })
    }

    fn start_device_authorization(
        &self,
        endpoints: &SsoEndpoints,
        registration: &Registration,
        start_url: &str,
    ) -> Result<DeviceAuthorization, SsoError> {
        const OP: &str = "StartDeviceAuthorization";
        let client = self.oidc(endpoints)?;
        let call = client
            .start_device_authorization()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .start_url(start_url);
        let out = self.send(OP, endpoints.oidc_url(), call.send())?;
        let (Some(device_code), Some(user_code), Some(uri)) =
            (out.device_code(), out.user_code(), out.verification_uri())
        else {
            return Err(SsoError::new(
                SsoErrorKind::Failed,
                OP,
                "an incomplete answer",
            ));
        };
        Ok(DeviceAuthorization {
            device_code: Secret::new(device_code),
            user_code: user_code.to_string(),
            verification_uri: uri.to_string(),
            verification_uri_complete: out.verification_uri_complete().map(str::to_string),
            expires_in: out.expires_in().max(0) as u64,
            interval: out.interval().max(1) as u64,
        })
    }

    fn create_token(
        &self,
        endpoints: &SsoEndpoints,
        client_id: &str,
        client_secret: &Secret,
        grant: Grant<'_>,
    ) -> Result<Issued, SsoError> {
        const OP: &str = "CreateToken";
        let client = self.oidc(endpoints)?;
        let call = client
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret.expose());
        let call = match grant {
            Grant::RefreshToken(t) => call.grant_type("refresh_token").refresh_token(t.expose()),
            Grant::DeviceCode(c) => call
                .grant_type("urn:ietf:params:oauth:grant-type:device_code")
                .device_code(c.expose()),
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                verifier,
            } => call
                .grant_type("authorization_code")
                .code(code.expose())
                .redirect_uri(redirect_uri)
                .code_verifier(verifier.expose()),
        };
        let out = self.send(OP, endpoints.oidc_url(), call.send())?;
        let token = out.access_token().ok_or_else(|| {
            SsoError::new(SsoErrorKind::Failed, OP, "no access token in the answer")
        })?;
        Ok(Issued {
            access_token: Secret::new(token),
            expires_in: i64::from(out.expires_in()),
            refresh_token: out
                .refresh_token()
                .filter(|t| !t.is_empty())
                .map(Secret::new),
        })
    }

    fn role_credentials(
        &self,
        endpoints: &SsoEndpoints,
        token: &Secret,
        account_id: &str,
        role_name: &str,
    ) -> Result<Credentials, SsoError> {
        const OP: &str = "GetRoleCredentials";
        let client = self.portal(endpoints)?;
        let call = client
            .get_role_credentials()
            .access_token(token.expose())
            .account_id(account_id)
            .role_name(role_name);
        let out = self.send(OP, endpoints.portal_url(), call.send())?;
        let c = out.role_credentials().ok_or_else(|| {
            SsoError::new(SsoErrorKind::Failed, OP, "no credentials in the answer")
        })?;
        let (Some(id), Some(secret), Some(session)) =
            (c.access_key_id(), c.secret_access_key(), c.session_token())
        else {
            return Err(SsoError::new(
                SsoErrorKind::Failed,
                OP,
                "incomplete credentials",
            ));
        };
        // Epoch milliseconds, as the API model says.
        let expiration =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(c.expiration()) * 1_000_000).ok();
        Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: Some(Secret::new(session)),
            expiration,
            account_id: None,
        })
    }

    fn list_accounts(
        &self,
        endpoints: &SsoEndpoints,
        token: &Secret,
    ) -> Result<Vec<Account>, SsoError> {
        const OP: &str = "ListAccounts";
        let client = self.portal(endpoints)?;
        let mut accounts = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let call = client
                .list_accounts()
                .access_token(token.expose())
                .set_next_token(next.take());
            let out = self.send(OP, endpoints.portal_url(), call.send())?;
            accounts.extend(out.account_list().iter().filter_map(|a| {
                Some(Account {
                    id: a.account_id()?.to_string(),
                    name: a.account_name().unwrap_or_default().to_string(),
                })
            }));
            match out.next_token() {
                Some(t) if !t.is_empty() && accounts.len() < 100_000 => next = Some(t.to_string()),
                _ => return Ok(accounts),
            }
        }
    }

    fn list_account_roles(
        &self,
        endpoints: &SsoEndpoints,
        token: &Secret,
        account_id: &str,
    ) -> Result<Vec<String>, SsoError> {
        const OP: &str = "ListAccountRoles";
        let client = self.portal(endpoints)?;
        let mut roles = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let call = client
                .list_account_roles()
                .access_token(token.expose())
                .account_id(account_id)
                .set_next_token(next.take());
            let out = self.send(OP, endpoints.portal_url(), call.send())?;
            roles.extend(
                out.role_list()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_string)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() && roles.len() < 100_000 => next = Some(t.to_string()),
                _ => return Ok(roles),
            }
        }
    }

    fn logout(&self, endpoints: &SsoEndpoints, token: &Secret) -> Result<(), SsoError> {
        let client = self.portal(endpoints)?;
        let call = client.logout().access_token(token.expose()).send();
        self.send("Logout", endpoints.portal_url(), call)
            .map(|_| ())
    }
}

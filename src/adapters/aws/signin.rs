//! AWS Sign-In's token endpoint: aws-sdk-signin's `CreateOAuth2Token` (unsigned) on the
//! run's runtime and HTTPS client, with an RFC 9449 DPoP proof in its `DPoP` header, made by
//! an interceptor for the final URL of each attempt (as aws-config's `credentials-login`
//! and botocore's `LoginProvider` do).

use std::rc::Rc;

use aws_sdk_signin::operation::create_o_auth2_token::CreateOAuth2TokenError;
use aws_sdk_signin::types::{CreateOAuth2TokenRequestBody, OAuth2ErrorCode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use time::OffsetDateTime;

use super::dpop::DpopKey;
use super::sts::sdk_error;
use super::Aws;
use crate::domain::login::{LoginToken, Refreshed, DEFAULT_REGION};
use crate::domain::plan::StsEndpoint;
use crate::domain::{Credentials, Secret};
use crate::ports::login::{CodeGrant, LoginError, LoginErrorKind, SignInApi, SignedIn};
use crate::ports::sts::{Service, StsErrorKind, Timeouts, MAX_ATTEMPTS};

pub struct SdkSignIn {
    aws: Rc<Aws>,
    timeouts: Timeouts,
}

/// Adds the DPoP proof to each attempt's request.
#[derive(Debug)]
struct Dpop {
    key: std::sync::Arc<DpopKey>,
    /// Seconds since the epoch, from the run's clock.
    now: i64,
}

impl Intercept for Dpop {
    fn name(&self) -> &'static str {
        "DPoP"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let url = request.uri().to_string();
        let proof = self.key.proof("POST", &url, self.now)?;
        request.headers_mut().insert("DPoP", proof);
        Ok(())
    }
}

impl SdkSignIn {
    pub fn new(aws: Rc<Aws>, timeouts: Timeouts) -> Self {
        Self { aws, timeouts }
    }

    /// The region a call goes to: the token's sign-in region, else the plan's.
    fn region(endpoint: &StsEndpoint, token_region: Option<&str>) -> String {
        token_region
            .filter(|r| !r.is_empty())
            .unwrap_or(if endpoint.region.is_empty() {
                DEFAULT_REGION
            } else {
                &endpoint.region
            })
            .to_string()
    }

    /// The URL a call goes to, for messages.
    fn url(endpoint: &StsEndpoint, region: &str) -> String {
        crate::domain::login::base_url(&StsEndpoint {
            region: region.to_string(),
            ..endpoint.clone()
        })
    }

    fn client(
        &self,
        endpoint: &StsEndpoint,
        region: &str,
        dpop: Dpop,
    ) -> Result<aws_sdk_signin::Client, LoginError> {
        let http = self
            .aws
            .http(endpoint.url.as_deref(), endpoint.ca_bundle.as_deref())
            .map_err(|e| LoginError::new(LoginErrorKind::Unreachable, e))?;
        let mut config = aws_sdk_signin::Config::builder()
            .behavior_version(aws_sdk_signin::config::BehaviorVersion::latest())
            .region(aws_sdk_signin::config::Region::new(region.to_string()))
            .http_client(http)
            .interceptor(dpop)
            .retry_config(
                aws_sdk_signin::config::retry::RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS),
            )
            .timeout_config(super::sdk_timeouts(&self.timeouts));
        if let Some(url) = &endpoint.url {
            config = config.endpoint_url(url.clone());
        }
        Ok(aws_sdk_signin::Client::from_conf(config.build()))
    }
}

/// What an `OAuth2ErrorCode` means for the caller.
fn kind_of(code: &OAuth2ErrorCode) -> LoginErrorKind {
    match code {
        OAuth2ErrorCode::TokenExpired
        | OAuth2ErrorCode::UserCredentialsChanged
        | OAuth2ErrorCode::OauthInvalidGrant => LoginErrorKind::Expired,
        OAuth2ErrorCode::InsufficientPermissions => LoginErrorKind::Denied,
        _ => LoginErrorKind::Failed,
    }
}

impl SdkSignIn {
    /// `CreateOAuth2Token` with `body`, signed with `key` at `now`, in `region`.
    fn create_token(
        &self,
        endpoint: &StsEndpoint,
        region: &str,
        key: DpopKey,
        now: OffsetDateTime,
        body: CreateOAuth2TokenRequestBody,
    ) -> Result<(Refreshed, Option<String>), LoginError> {
        const OP: &str = "CreateOAuth2Token";
        let dpop = Dpop {
            key: std::sync::Arc::new(key),
            now: now.unix_timestamp(),
        };
        let client = self.client(endpoint, region, dpop)?;
        let runtime = self.aws.runtime().map_err(|e| {
            LoginError::new(
                LoginErrorKind::Unreachable,
                format!("cannot start the network runtime: {e}"),
            )
        })?;
        let answer = runtime
            .block_on(client.create_o_auth2_token().token_input(body).send())
            .map_err(|e| {
                let raw = Self::url(endpoint, region);
                let url = crate::domain::text::redact_url(&raw);
                let proxy = self.aws.proxy_for(&raw);
                if let Some(service) = e.as_service_error() {
                    let (kind, message) = match service {
                        CreateOAuth2TokenError::AccessDeniedException(d) => {
                            (kind_of(&d.error), format!("{}: {}", d.error, d.message))
                        }
                        CreateOAuth2TokenError::ValidationException(v) => {
                            (kind_of(&v.error), format!("{}: {}", v.error, v.message))
                        }
                        other => (LoginErrorKind::Failed, other.to_string()),
                    };
                    return LoginError::new(kind, message);
                }
                let e = sdk_error(Service::Sts, OP, e, &url, proxy, &self.timeouts);
                let kind = match e.kind {
                    StsErrorKind::Unreachable => LoginErrorKind::Unreachable,
                    _ => LoginErrorKind::Failed,
                };
                LoginError::new(kind, e.message)
            })?;
        let output = answer.token_output.ok_or_else(|| {
            LoginError::new(LoginErrorKind::Failed, "the answer has no tokenOutput")
        })?;
        let access = output.access_token().ok_or_else(|| {
            LoginError::new(LoginErrorKind::Failed, "the answer has no accessToken")
        })?;
        let tokens = Refreshed {
            credentials: Credentials {
                access_key_id: access.access_key_id().to_string(),
                secret_access_key: Secret::new(access.secret_access_key()),
                session_token: Some(Secret::new(access.session_token())),
                expiration: None,
                account_id: None,
            },
            expires_in: i64::from(output.expires_in()),
            refresh_token: Secret::new(output.refresh_token()),
        };
        Ok((tokens, output.id_token().map(str::to_string)))
    }
}

impl SignInApi for SdkSignIn {
    fn refresh(
        &self,
        endpoint: &StsEndpoint,
        token: &LoginToken,
        now: OffsetDateTime,
    ) -> Result<Refreshed, LoginError> {
        let key = DpopKey::from_pem(token.dpop_key.expose())
            .map_err(|e| LoginError::new(LoginErrorKind::BadKey, e))?;
        let region = Self::region(endpoint, token.region.as_deref());
        let body = CreateOAuth2TokenRequestBody::builder()
            .client_id(&token.client_id)
            .grant_type("refresh_token")
            .refresh_token(token.refresh_token.expose())
            .build()
            .map_err(|e| LoginError::new(LoginErrorKind::Failed, e.to_string()))?;
        self.create_token(endpoint, &region, key, now, body)
            .map(|(tokens, _)| tokens)
    }

    fn exchange_code(
        &self,
        endpoint: &StsEndpoint,
        grant: CodeGrant<'_>,
        key: &Secret,
        now: OffsetDateTime,
    ) -> Result<SignedIn, LoginError> {
        let key = DpopKey::from_pem(key.expose())
            .map_err(|e| LoginError::new(LoginErrorKind::BadKey, e))?;
        let region = Self::region(endpoint, None);
        let body = CreateOAuth2TokenRequestBody::builder()
            .client_id(grant.client_id)
            .grant_type("authorization_code")
            .code(grant.code.expose())
            .redirect_uri(grant.redirect_uri)
            .code_verifier(grant.verifier.expose())
            .build()
            .map_err(|e| LoginError::new(LoginErrorKind::Failed, e.to_string()))?;
        let (tokens, id_token) = self.create_token(endpoint, &region, key, now, body)?;
        Ok(SignedIn { tokens, id_token })
    }

    fn new_key(&self) -> Result<Secret, LoginError> {
        DpopKey::generate()
            .map(|(_, pem)| Secret::new(pem))
            .map_err(|e| LoginError::new(LoginErrorKind::BadKey, e))
    }
}

//! Fakes of the SSO ports: an Identity Center that counts its calls, tokens in memory, and a
//! browser that is never there.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration as StdDuration;

use time::Duration;

use super::NOW;
use crate::domain::sso::{SsoEndpoints, SsoSession, Token};
use crate::domain::{Credentials, Secret};
use crate::ports::sso::{
    Account, Authorize, Callback, DeviceAuthorization, Grant, Issued, Registration, Sso, SsoError,
    SsoErrorKind, SsoTokens, TokenSummary,
};
use crate::ports::store::{SessionLock, StoreError};

#[derive(Default)]
pub struct FakeSso {
    pub calls: RefCell<Vec<String>>,
    /// `GetRoleCredentials` answers this instead of credentials.
    pub role_error: Option<SsoErrorKind>,
}

impl Sso for FakeSso {
    fn register_client(
        &self,
        _: &SsoEndpoints,
        _: &[String],
        _: &[&str],
        _: Option<&str>,
        _: Option<&str>,
    ) -> Result<Registration, SsoError> {
        self.calls.borrow_mut().push("RegisterClient".into());
        Ok(Registration {
            client_id: "client".into(),
            client_secret: Secret::new("client-secret"),
            expires_at: NOW + Duration::days(90),
        })
    }
    fn start_device_authorization(
        &self,
        _: &SsoEndpoints,
        _: &Registration,
        _: &str,
    ) -> Result<DeviceAuthorization, SsoError> {
        self.calls
            .borrow_mut()
            .push("StartDeviceAuthorization".into());
        Err(SsoError::new(
            SsoErrorKind::Failed,
            "StartDeviceAuthorization",
            "not here",
        ))
    }
    fn create_token(
        &self,
        _: &SsoEndpoints,
        _: &str,
        _: &Secret,
        grant: Grant<'_>,
    ) -> Result<Issued, SsoError> {
        let what = match grant {
            Grant::RefreshToken(_) => "refresh_token",
            Grant::DeviceCode(_) => "device_code",
            Grant::AuthorizationCode { .. } => "authorization_code",
        };
        self.calls.borrow_mut().push(format!("CreateToken {what}"));
        Ok(Issued {
            access_token: Secret::new("fresh-access"),
            expires_in: 3600,
            refresh_token: Some(Secret::new("fresh-refresh")),
        })
    }
    fn role_credentials(
        &self,
        _: &SsoEndpoints,
        token: &Secret,
        account: &str,
        role: &str,
    ) -> Result<Credentials, SsoError> {
        self.calls.borrow_mut().push(format!(
            "GetRoleCredentials {account} {role} with {}",
            token.expose()
        ));
        if let Some(kind) = self.role_error {
            return Err(SsoError::new(kind, "GetRoleCredentials", "No access"));
        }
        Ok(Credentials {
            access_key_id: "ASIASSOROLE".into(),
            secret_access_key: Secret::new("sso-secret"),
            session_token: Some(Secret::new("sso-token")),
            expiration: Some(NOW + Duration::hours(1)),
            account_id: None,
        })
    }
    fn list_accounts(&self, _: &SsoEndpoints, _: &Secret) -> Result<Vec<Account>, SsoError> {
        Ok(vec![Account {
            id: "111122223333".into(),
            name: "Dev Account".into(),
        }])
    }
    fn list_account_roles(
        &self,
        _: &SsoEndpoints,
        _: &Secret,
        _: &str,
    ) -> Result<Vec<String>, SsoError> {
        Ok(vec!["ReadOnly".into()])
    }
    fn logout(&self, _: &SsoEndpoints, _: &Secret) -> Result<(), SsoError> {
        self.calls.borrow_mut().push("Logout".into());
        Ok(())
    }
}

/// Tokens in memory: rolecall's own and the AWS CLI's, by cache name.
#[derive(Default)]
pub struct MemoryTokens {
    pub own: RefCell<HashMap<String, Token>>,
    pub cli: RefCell<HashMap<String, Token>>,
}

impl SsoTokens for MemoryTokens {
    fn own(&self, s: &SsoSession) -> Result<Option<Token>, StoreError> {
        Ok(self.own.borrow().get(s.cache_name()).cloned())
    }
    fn put_own(&self, s: &SsoSession, t: &Token) -> Result<(), StoreError> {
        self.own
            .borrow_mut()
            .insert(s.cache_name().into(), t.clone());
        Ok(())
    }
    fn remove_own(&self, s: &SsoSession) -> Result<(), StoreError> {
        self.own.borrow_mut().remove(s.cache_name());
        Ok(())
    }
    fn own_summary(&self, s: &SsoSession) -> Option<TokenSummary> {
        self.own.borrow().get(s.cache_name()).map(|t| TokenSummary {
            expires_at: t.expires_at,
            refreshable_until: t.refresh_token.as_ref().and(t.registration_expires_at),
        })
    }
    fn cli(&self, s: &SsoSession) -> Result<Option<Token>, StoreError> {
        Ok(self.cli.borrow().get(s.cache_name()).cloned())
    }
    fn put_cli(&self, s: &SsoSession, t: &Token) -> Result<(), StoreError> {
        self.cli
            .borrow_mut()
            .insert(s.cache_name().into(), t.clone());
        Ok(())
    }
    fn write_cli(&self, s: &SsoSession, t: &Token) -> Result<String, StoreError> {
        self.put_cli(s, t)?;
        Ok(format!("~/.aws/sso/cache/{}.json", s.cache_name()))
    }
    fn remove_cli(&self, s: &SsoSession) -> Result<bool, StoreError> {
        Ok(self.cli.borrow_mut().remove(s.cache_name()).is_some())
    }
    fn registration(&self, _: &SsoSession, _: &str) -> Result<Option<Registration>, StoreError> {
        Ok(None)
    }
    fn put_registration(
        &self,
        _: &SsoSession,
        _: &str,
        _: &Registration,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    fn lock(
        &self,
        _: &SsoSession,
        _: &str,
        _: StdDuration,
        _: &mut dyn FnMut(),
    ) -> Result<Option<SessionLock>, StoreError> {
        Ok(None)
    }
}

/// No terminal and no browser: a missing token is an error.
pub struct NoAuthorize;

impl Authorize for NoAuthorize {
    fn open(&self, _: &str) -> Result<(), String> {
        Err("no browser here".into())
    }
    fn listen(&self) -> Result<Box<dyn Callback>, String> {
        Err("no callback here".into())
    }
    fn interactive(&self) -> bool {
        false
    }
    fn random(&self) -> Result<String, String> {
        Ok("not-random".into())
    }
}

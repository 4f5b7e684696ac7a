//! AWS Sign-In doubles: a token endpoint that counts its refreshes, and a token file in memory.

use std::cell::{Cell, RefCell};

use time::OffsetDateTime;

use crate::domain::login::{LoginSession, LoginToken, Refreshed, SAME_DEVICE_CLIENT};
use crate::domain::plan::StsEndpoint;
use crate::domain::{Credentials, Secret};
use crate::ports::login::{
    CodeGrant, HeldLogin, LoginError, LoginFiles, Place, SignInApi, SignedIn,
};
use crate::ports::store::StoreError;

/// Answers each refresh with `ASIAREFRESHED<n>` and refresh token `r<n+1>`, or with `fail`.
#[derive(Default)]
pub struct FakeSignIn {
    pub refreshes: Cell<u32>,
    /// The refresh tokens it was given, in order.
    pub used: RefCell<Vec<String>>,
    pub fail: RefCell<Option<LoginError>>,
}

impl SignInApi for FakeSignIn {
    fn refresh(
        &self,
        _endpoint: &StsEndpoint,
        token: &LoginToken,
        _now: OffsetDateTime,
    ) -> Result<Refreshed, LoginError> {
        self.used
            .borrow_mut()
            .push(token.refresh_token.expose().to_string());
        if let Some(e) = self.fail.borrow().clone() {
            return Err(e);
        }
        let n = self.refreshes.get() + 1;
        self.refreshes.set(n);
        Ok(Refreshed {
            credentials: Credentials {
                access_key_id: format!("ASIAREFRESHED{n}"),
                secret_access_key: Secret::new("refreshed-secret"),
                session_token: Some(Secret::new("refreshed-token")),
                expiration: None,
                account_id: None,
            },
            expires_in: 900,
            refresh_token: Secret::new(format!("r{}", n + 1)),
        })
    }

    fn exchange_code(
        &self,
        _endpoint: &StsEndpoint,
        grant: CodeGrant<'_>,
        _key: &Secret,
        now: OffsetDateTime,
    ) -> Result<SignedIn, LoginError> {
        self.used
            .borrow_mut()
            .push(format!("code:{}", grant.code.expose()));
        // {"sub":"arn:aws:iam::123456789012:user/maria"}
        let id = "e30.eyJzdWIiOiJhcm46YXdzOmlhbTo6MTIzNDU2Nzg5MDEyOnVzZXIvbWFyaWEifQ.";
        let n = self.refreshes.get() + 1;
        self.refreshes.set(n);
        let _ = now;
        Ok(SignedIn {
            tokens: Refreshed {
                credentials: Credentials {
                    access_key_id: format!("ASIAREFRESHED{n}"),
                    secret_access_key: Secret::new("refreshed-secret"),
                    session_token: Some(Secret::new("refreshed-token")),
                    expiration: None,
                    account_id: None,
                },
                expires_in: 900,
                refresh_token: Secret::new(format!("r{}", n + 1)),
            },
            id_token: Some(id.into()),
        })
    }

    fn new_key(&self) -> Result<Secret, LoginError> {
        Ok(Secret::new(
            "-----BEGIN EC PRIVATE KEY-----\nfake\n-----END EC PRIVATE KEY-----\n",
        ))
    }
}

/// One session's tokens, in memory: the AWS CLI's file (`token`) and rolecall's own.
#[derive(Default)]
pub struct MemoryLoginFiles {
    pub token: RefCell<Option<LoginToken>>,
    pub own: RefCell<Option<LoginToken>>,
    pub writes: Cell<u32>,
    /// The config edits asked for: (profile, session).
    pub profiles: RefCell<Vec<(String, String)>>,
}

impl MemoryLoginFiles {
    fn slot(&self, place: Place) -> &RefCell<Option<LoginToken>> {
        match place {
            Place::Own => &self.own,
            Place::AwsCli => &self.token,
        }
    }
}

impl MemoryLoginFiles {
    /// A file whose access token expires at `expires`, refresh token `r1`.
    pub fn with_token(expires: OffsetDateTime) -> Self {
        let files = Self::default();
        *files.token.borrow_mut() = Some(LoginToken {
            credentials: Credentials {
                access_key_id: "ASIAFROMFILE".into(),
                secret_access_key: Secret::new("file-secret"),
                session_token: Some(Secret::new("file-token")),
                expiration: Some(expires),
                account_id: None,
            },
            account_id: Some("123456789012".into()),
            refresh_token: Secret::new("r1"),
            client_id: SAME_DEVICE_CLIENT.into(),
            dpop_key: Secret::new("pem"),
            region: None,
        });
        files
    }
}

impl LoginFiles for MemoryLoginFiles {
    fn path(&self, session: &LoginSession) -> String {
        format!("/login/cache/{}", session.cache_file_name())
    }

    fn read(
        &self,
        place: Place,
        _session: &LoginSession,
    ) -> Result<Option<LoginToken>, StoreError> {
        Ok(self.slot(place).borrow().clone())
    }

    fn hold(
        &self,
        place: Place,
        _session: &LoginSession,
    ) -> Result<Box<dyn HeldLogin + '_>, StoreError> {
        Ok(Box::new(HeldMemory(self, place)))
    }

    fn create(
        &self,
        place: Place,
        session: &LoginSession,
        token: &LoginToken,
    ) -> Result<String, StoreError> {
        *self.slot(place).borrow_mut() = Some(token.clone());
        Ok(match place {
            Place::Own => "the keychain".into(),
            Place::AwsCli => self.path(session),
        })
    }

    fn remove(&self, place: Place, _session: &LoginSession) -> Result<bool, StoreError> {
        Ok(self.slot(place).borrow_mut().take().is_some())
    }

    fn set_profile(
        &self,
        _config: &std::path::Path,
        profile: &str,
        session: &str,
    ) -> Result<String, StoreError> {
        self.profiles
            .borrow_mut()
            .push((profile.to_string(), session.to_string()));
        Ok("config".into())
    }
}

struct HeldMemory<'a>(&'a MemoryLoginFiles, Place);

impl HeldLogin for HeldMemory<'_> {
    fn read(&mut self) -> Result<Option<LoginToken>, StoreError> {
        Ok(self.0.slot(self.1).borrow().clone())
    }

    fn write(&mut self, token: &LoginToken) -> Result<(), StoreError> {
        self.0.writes.set(self.0.writes.get() + 1);
        *self.0.slot(self.1).borrow_mut() = Some(token.clone());
        Ok(())
    }
}

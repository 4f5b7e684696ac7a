//! Fakes of every port: a recording STS, counting sources and prompts, a fixed clock, and a
//! picker and prompt that never answer.

use std::cell::{Cell, RefCell};

use time::{Duration, OffsetDateTime};

use super::NOW;
use crate::domain::plan::StsEndpoint;
use crate::domain::{Credentials, Secret};
use crate::ports::clock::Clock;
use crate::ports::mfa::{MfaError, MfaPrompt};
use crate::ports::picker::Picker;
use crate::ports::sources::{SourceError, Sources};
use crate::ports::sts::{
    AssumeRoleRequest, SessionTokenRequest, Sts, StsError, WebIdentityRequest,
};

/// One recorded STS call: operation, caller key id, target, MFA code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub op: &'static str,
    pub caller: String,
    pub target: String,
    pub code: Option<String>,
    pub request: Option<AssumeRoleRequest>,
}

/// Records every call and answers with numbered credentials.
#[derive(Default)]
pub struct FakeSts {
    pub calls: RefCell<Vec<Call>>,
    pub fail: RefCell<Option<StsError>>,
    pub lifetime: Option<Duration>,
    /// The time answers count their lifetime from (None: NOW).
    pub now: Cell<Option<OffsetDateTime>>,
    /// Answer with a NUL in the session token.
    pub poison: Cell<bool>,
    /// Key ids GetCallerIdentity refuses (a new key IAM has not made usable yet).
    pub unknown_keys: RefCell<Vec<String>>,
    /// A file whose text each GetCallerIdentity records in `seen` (what is stored while a
    /// key is checked).
    pub watch: RefCell<Option<std::path::PathBuf>>,
    pub seen: RefCell<Vec<String>>,
}

impl FakeSts {
    /// As STS does with `MinimumSessionTokenSize`: the token padded to at least that size.
    fn padded(
        &self,
        answer: Result<Credentials, StsError>,
        min: Option<u16>,
    ) -> Result<Credentials, StsError> {
        answer.map(|mut c| {
            if let (Some(min), Some(token)) = (min, &c.session_token) {
                let mut text = token.expose().to_string();
                while text.len() < usize::from(min) {
                    text.push('A');
                }
                c.session_token = Some(Secret::new(text));
            }
            c
        })
    }

    fn answer(&self, call: Call, seconds: u32) -> Result<Credentials, StsError> {
        if let Some(e) = self.fail.borrow_mut().take() {
            return Err(e);
        }
        let mut calls = self.calls.borrow_mut();
        calls.push(call);
        let n = calls.len();
        Ok(Credentials {
            access_key_id: format!("ASIA{n}"),
            secret_access_key: Secret::new(format!("secret{n}")),
            session_token: Some(Secret::new(if self.poison.get() {
                format!("tok\0en{n}")
            } else {
                format!("token{n}")
            })),
            expiration: Some(
                self.now.get().unwrap_or(NOW)
                    + self
                        .lifetime
                        .unwrap_or(Duration::seconds(i64::from(seconds))),
            ),
            account_id: None,
        })
    }
}

impl Sts for FakeSts {
    fn assume_role(
        &self,
        _: &StsEndpoint,
        caller: &Credentials,
        r: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError> {
        let call = Call {
            op: "AssumeRole",
            caller: caller.access_key_id.clone(),
            target: r.role_arn.clone(),
            code: r.mfa_code.as_ref().map(|c| c.expose().to_string()),
            request: Some(r.clone()),
        };
        self.padded(
            self.answer(call, r.duration_seconds.unwrap_or(3600)),
            r.min_token_size,
        )
    }

    fn get_session_token(
        &self,
        _: &StsEndpoint,
        caller: &Credentials,
        r: &SessionTokenRequest,
    ) -> Result<Credentials, StsError> {
        let call = Call {
            op: "GetSessionToken",
            caller: caller.access_key_id.clone(),
            target: r.mfa_serial.clone(),
            code: Some(r.mfa_code.expose().to_string()),
            request: None,
        };
        self.padded(self.answer(call, r.duration_seconds), r.min_token_size)
    }

    fn assume_role_with_web_identity(
        &self,
        _: &StsEndpoint,
        r: &WebIdentityRequest,
    ) -> Result<Credentials, StsError> {
        let call = Call {
            op: "AssumeRoleWithWebIdentity",
            caller: r.token.expose().to_string(),
            target: r.role_arn.clone(),
            code: None,
            request: None,
        };
        self.padded(
            self.answer(call, r.duration_seconds.unwrap_or(3600)),
            r.min_token_size,
        )
    }

    fn get_caller_identity(
        &self,
        _: &StsEndpoint,
        caller: &Credentials,
    ) -> Result<String, StsError> {
        self.calls.borrow_mut().push(Call {
            op: "GetCallerIdentity",
            caller: caller.access_key_id.clone(),
            target: String::new(),
            code: None,
            request: None,
        });
        if let Some(path) = self.watch.borrow().as_ref() {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            self.seen.borrow_mut().push(text);
        }
        if self.unknown_keys.borrow().contains(&caller.access_key_id) {
            return Err(StsError::new(
                crate::ports::sts::StsErrorKind::Rejected,
                "GetCallerIdentity",
                "InvalidClientTokenId: The security token included in the request is invalid.",
            ));
        }
        Ok("arn:aws:iam::111111111111:user/maria".into())
    }
}

/// Platform sources that count their uses.
#[derive(Default)]
pub struct FakeSources {
    pub uses: RefCell<Vec<String>>,
    pub process_expiry: Option<OffsetDateTime>,
    /// `credential_process` answers long-term keys (`AKIA…`, no session token).
    pub process_long_term: bool,
}

impl FakeSources {
    fn used(&self, what: &str) -> Credentials {
        self.uses.borrow_mut().push(what.to_string());
        Credentials {
            access_key_id: format!("ASIA-{what}"),
            secret_access_key: Secret::new("platform-secret"),
            session_token: Some(Secret::new("platform-token")),
            expiration: Some(NOW + Duration::hours(6)),
            account_id: None,
        }
    }
}

impl Sources for FakeSources {
    fn instance_metadata(&self) -> Result<Credentials, SourceError> {
        Ok(self.used("imds"))
    }
    fn container(&self) -> Result<Credentials, SourceError> {
        Ok(self.used("ecs"))
    }
    fn process(&self, command: &str, _chain: &str) -> Result<Credentials, SourceError> {
        let mut c = self.used(command);
        c.expiration = self.process_expiry;
        if self.process_long_term {
            c.access_key_id = "AKIAPROCESSKEYS00001".into();
            c.session_token = None;
        }
        Ok(c)
    }
    fn mfa_process(&self, command: &str) -> Result<String, SourceError> {
        self.uses.borrow_mut().push(command.to_string());
        Ok("654321\n".into())
    }
    fn web_identity_token(&self, path: &str) -> Result<Secret, SourceError> {
        self.uses.borrow_mut().push(path.to_string());
        Ok(Secret::new("jwt-token"))
    }
    fn web_identity_token_process(&self, command: &str) -> Result<Secret, SourceError> {
        self.uses.borrow_mut().push(command.to_string());
        Ok(Secret::new("jwt-from-process"))
    }
}

/// Answers every prompt with 111111 and counts them.
#[derive(Default)]
pub struct CountingPrompt(pub Cell<usize>);

impl MfaPrompt for CountingPrompt {
    fn code(&self, _serial: &str) -> Result<String, MfaError> {
        self.0.set(self.0.get() + 1);
        Ok("111111".into())
    }
}

/// Never picks: for tests and non-interactive runs.
pub struct NoPicker;

impl Picker for NoPicker {
    fn pick(&self, _names: &[&str]) -> Result<Option<usize>, String> {
        Err("there is no terminal to pick on".into())
    }
}

/// Never asks: for tests and for runs that must not prompt.
pub struct NoPrompt;

impl MfaPrompt for NoPrompt {
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        Err(MfaError::NoTerminal(serial.to_string()))
    }
}

/// A clock that says the same time until something sleeps: then it moves on by the wait,
/// at once, and remembers it.
pub struct FixedClock {
    now: std::cell::Cell<OffsetDateTime>,
    pub slept: std::cell::RefCell<Vec<std::time::Duration>>,
}

impl FixedClock {
    pub fn at(now: OffsetDateTime) -> Self {
        Self {
            now: std::cell::Cell::new(now),
            slept: Default::default(),
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.now.get()
    }

    fn sleep(&self, duration: std::time::Duration) {
        self.now.set(self.now.get() + duration);
        self.slept.borrow_mut().push(duration);
    }
}

/// A sign-in endpoint and browser that are never there.
pub struct NoSignIn;

impl crate::ports::console::SignIn for NoSignIn {
    fn signin_token(
        &self,
        url: &str,
        _: Option<&str>,
        _: &crate::domain::Secret,
        _: Option<u32>,
    ) -> Result<crate::domain::Secret, crate::ports::console::SignInError> {
        Err(crate::ports::console::SignInError::Unreachable {
            url: url.into(),
            cause: "no sign-in endpoint in tests".into(),
        })
    }
    fn open_in_browser(
        &self,
        _: &crate::domain::Secret,
    ) -> Result<(), crate::ports::console::SignInError> {
        Err(crate::ports::console::SignInError::Browser(
            "no browser in tests".into(),
        ))
    }
}

/// No background refreshes (tests of other things, and where processes cannot be started).
pub struct NoBackground;

impl crate::ports::refresh::Background for NoBackground {
    fn start(&self, _profile: &str, _tag: &str) -> Result<crate::ports::refresh::Start, String> {
        Err("background refreshes are not available here".into())
    }
    fn running(&self, _profile: &str) -> bool {
        false
    }
    fn take_failure(&self, _profile: &str, _tag: &str) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_prompt_names_the_options() {
        let e = NoPrompt.code("arn:x").unwrap_err().to_string();
        assert!(
            e.contains("--mfa-token") && e.contains("mfa_process"),
            "{e}"
        );
    }
}

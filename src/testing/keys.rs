//! Fakes of the keys ports: keys in memory, an IAM that keeps one user's access keys, and a
//! person who answers from a script.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use crate::domain::keys::StoredKeys;
use crate::domain::plan::StsEndpoint;
use crate::domain::{Credentials, Secret};
use crate::ports::ask::{Ask, AskError};
use crate::ports::iam::Iam;
use crate::ports::keys::KeyStore;
use crate::ports::store::StoreError;
use crate::ports::sts::{StsError, StsErrorKind};

/// Keys in memory; `fail_put` makes every store fail.
#[derive(Default)]
pub struct MemoryKeys {
    pub keys: RefCell<BTreeMap<String, (String, String)>>,
    pub fail_put: bool,
    /// How often a secret was read.
    pub reads: std::cell::Cell<usize>,
}

impl MemoryKeys {
    pub fn with(profile: &str, id: &str, secret: &str) -> Self {
        let keys = Self::default();
        keys.keys
            .borrow_mut()
            .insert(profile.into(), (id.into(), secret.into()));
        keys
    }
}

impl KeyStore for MemoryKeys {
    fn describe(&self) -> String {
        "memory".into()
    }
    fn index(&self) -> StoredKeys {
        StoredKeys(
            self.keys
                .borrow()
                .iter()
                .map(|(p, (id, _))| (p.clone(), id.clone()))
                .collect(),
        )
    }
    fn get(&self, profile: &str) -> Result<Option<Credentials>, StoreError> {
        self.reads.set(self.reads.get() + 1);
        Ok(self
            .keys
            .borrow()
            .get(profile)
            .map(|(id, secret)| Credentials {
                access_key_id: id.clone(),
                secret_access_key: Secret::new(secret.as_str()),
                session_token: None,
                expiration: None,
                account_id: None,
            }))
    }
    fn put(&self, profile: &str, keys: &Credentials) -> Result<(), StoreError> {
        if self.fail_put {
            return Err(StoreError("the keychain is locked".into()));
        }
        self.keys.borrow_mut().insert(
            profile.into(),
            (
                keys.access_key_id.clone(),
                keys.secret_access_key.expose().to_string(),
            ),
        );
        Ok(())
    }
    fn remove(&self, profile: &str) -> Result<(), StoreError> {
        self.keys.borrow_mut().remove(profile);
        Ok(())
    }
}

/// One IAM user's access keys; at most two, as in IAM.
#[derive(Default)]
pub struct FakeIam {
    pub keys: RefCell<Vec<String>>,
    pub calls: RefCell<Vec<String>>,
    /// The operation that fails (`DeleteAccessKey`…), if any.
    pub fail: Option<&'static str>,
}

impl FakeIam {
    fn call(&self, op: &'static str, caller: &Credentials) -> Result<(), StsError> {
        self.calls
            .borrow_mut()
            .push(format!("{op} by {}", caller.access_key_id));
        if self.fail == Some(op) {
            let mut e = StsError::new(StsErrorKind::Rejected, op, "denied");
            e.service = crate::ports::sts::Service::Iam;
            return Err(e);
        }
        Ok(())
    }
}

impl Iam for FakeIam {
    fn list_access_keys(
        &self,
        _: &StsEndpoint,
        caller: &Credentials,
        _: &str,
    ) -> Result<Vec<String>, StsError> {
        self.call("ListAccessKeys", caller)?;
        Ok(self.keys.borrow().clone())
    }
    fn create_access_key(
        &self,
        _: &StsEndpoint,
        caller: &Credentials,
        _: &str,
    ) -> Result<Credentials, StsError> {
        self.call("CreateAccessKey", caller)?;
        let id = format!("AKIANEWKEY{:010}", self.keys.borrow().len());
        self.keys.borrow_mut().push(id.clone());
        Ok(Credentials {
            access_key_id: id,
            secret_access_key: Secret::new("new-secret"),
            session_token: None,
            expiration: None,
            account_id: None,
        })
    }
    fn delete_access_key(
        &self,
        _: &StsEndpoint,
        caller: &Credentials,
        _: &str,
        id: &str,
    ) -> Result<(), StsError> {
        self.call("DeleteAccessKey", caller)?;
        self.keys.borrow_mut().retain(|k| k != id);
        Ok(())
    }
}

/// Answers from a script, in order; no terminal when the script is `None`.
#[derive(Default)]
pub struct ScriptedAsk(pub Option<RefCell<VecDeque<String>>>);

impl ScriptedAsk {
    pub fn answers(answers: &[&str]) -> Self {
        Self(Some(RefCell::new(
            answers.iter().map(|a| a.to_string()).collect(),
        )))
    }

    fn next(&self) -> Result<String, AskError> {
        let Some(script) = &self.0 else {
            return Err(AskError::NoTerminal);
        };
        script
            .borrow_mut()
            .pop_front()
            .ok_or_else(|| AskError::Io("no more answers".into()))
    }
}

impl Ask for ScriptedAsk {
    fn available(&self) -> bool {
        self.0.is_some()
    }
    fn line(&self, _: &str) -> Result<String, AskError> {
        self.next()
    }
    fn hidden(&self, _: &str) -> Result<Secret, AskError> {
        self.next().map(Secret::new)
    }
    fn confirm(&self, _: &str) -> Result<bool, AskError> {
        Ok(self.next()? == "y")
    }
}

/// No file store in use.
pub struct NoVault;

impl crate::ports::vault::Vault for NoVault {
    fn describe(&self) -> String {
        "the file store (unused)".into()
    }
    fn in_use(&self) -> bool {
        false
    }
    fn state(&self) -> crate::ports::vault::VaultState {
        crate::ports::vault::VaultState::Missing
    }
    fn lock(&self) -> Result<bool, crate::ports::store::StoreError> {
        Ok(false)
    }
}

impl crate::ports::keys::Stores for NoVault {
    fn open(&self, _file: bool) -> (Box<dyn KeyStore>, Box<dyn crate::ports::sso::SsoTokens>) {
        (
            Box::new(crate::ports::keys::NoKeys("no stores in tests".into())),
            Box::new(super::MemoryTokens::default()),
        )
    }

    fn open_login(&self, _file: bool) -> Box<dyn crate::ports::login::LoginFiles> {
        Box::new(super::MemoryLoginFiles::default())
    }
}

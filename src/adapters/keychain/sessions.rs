//! Sessions in a keychain backend, with the index and the locks in the state directory.

use super::backend::Backend;
use super::codec::{decode, encode};
use super::statedir::{StateDir, LOCK_WAIT};
use crate::domain::Credentials;
use crate::ports::store::{IndexEntry, Label, SessionLock, SessionStore, StoreCheck, StoreError};

/// Sessions in a keychain backend, with the index and locks in the state directory.
pub struct KeychainSessions {
    backend: Box<dyn Backend>,
    state: StateDir,
}

impl KeychainSessions {
    pub fn new(backend: Box<dyn Backend>, state: StateDir) -> Self {
        Self { backend, state }
    }
}

impl SessionStore for KeychainSessions {
    fn describe(&self) -> String {
        format!(
            "{} (index and locks in {})",
            self.backend.name(),
            self.state.root().display()
        )
    }

    fn get(&self, key: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(self.backend.get(key)?.and_then(|bytes| decode(&bytes)))
    }

    fn put(&self, key: &str, label: Label, credentials: &Credentials) -> Result<(), StoreError> {
        let profile = label.profile;
        let (Some(bytes), Some(expiration)) = (encode(credentials), credentials.expiration) else {
            return Ok(()); // long-term keys are never cached
        };
        self.backend.set(
            key,
            &format!("rolecall session for profile {profile}"),
            &bytes,
        )?;
        self.state
            .index_put(key, label, expiration.unix_timestamp())
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.backend.delete(key)?;
        self.state.index_remove(key);
        Ok(())
    }

    fn lock(&self, key: &str) -> Result<Option<SessionLock>, StoreError> {
        Ok(self.state.lock(key, LOCK_WAIT)?.map(SessionLock::new))
    }

    fn index(&self) -> Vec<IndexEntry> {
        self.state.index()
    }

    fn check(&self) -> Vec<StoreCheck> {
        let mut checks: Vec<StoreCheck> = self
            .backend
            .check()
            .into_iter()
            .map(|(name, result)| StoreCheck {
                name,
                problem: result.err().map(|e| e.0),
                keeps_sessions: true,
            })
            .collect();
        checks.push(StoreCheck {
            name: format!("state directory {}", self.state.root().display()),
            problem: self.state.check().err().map(|e| e.0),
            keeps_sessions: false,
        });
        checks
    }

    /// A layer's problem, once per boot: the same fallback every run is no news.
    fn notice(&self) -> Option<String> {
        let problems = self.backend.problems();
        let text = problems.join("; ");
        (!problems.is_empty() && self.is_news(&text)).then_some(text)
    }

    fn is_news(&self, note: &str) -> bool {
        self.state.first_this_boot("notice", note)
    }
}

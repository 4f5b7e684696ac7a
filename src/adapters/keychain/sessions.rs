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
    /// `NS-`: the keychain name space of this state directory, so that `clear-cache` and
    /// `list` see the sessions this index belongs with (and two set-ups of one user, or two
    /// test sandboxes, never touch each other's), even after the index itself is lost.
    prefix: String,
    copies: Copies,
}

/// How the durable layer of a stack of two keychains gets its copy of a new session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copies {
    /// One keychain, no layers.
    None,
    /// In the run, before it goes on; copies another run left in the background are waited
    /// for before the durable layer is asked or emptied.
    Inline,
    /// After the run, in the background (`copy.rs`): the run ends once it has printed.
    Background,
}

impl KeychainSessions {
    pub fn new(backend: Box<dyn Backend>, state: StateDir) -> Self {
        use sha2::{Digest, Sha256};
        let root = state.root().to_string_lossy().into_owned();
        let hash = Sha256::digest(root.as_bytes());
        let prefix = format!(
            "{:02x}{:02x}{:02x}{:02x}-",
            hash[0], hash[1], hash[2], hash[3]
        );
        Self {
            backend,
            state,
            prefix,
            copies: Copies::None,
        }
    }

    pub fn with_copies(self, copies: Copies) -> Self {
        Self { copies, ..self }
    }

    /// Lets a background copy of `key` end first (the durable layer is about to be asked).
    fn settle(&self, key: &str) {
        #[cfg(target_os = "linux")]
        if self.copies != Copies::None {
            super::copy::wait(&self.state, key);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = key;
    }

    /// The durable copy of a new session, in the background: `false` when it cannot be
    /// (then the caller stores to every layer itself).
    fn copy_later(&self, key: &str, name: &str, label: &str, bytes: &[u8]) -> bool {
        #[cfg(target_os = "linux")]
        if self.copies == Copies::Background {
            return super::copy::start(&self.state, key, name, label, bytes);
        }
        let _ = (key, name, label, bytes);
        false
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    #[cfg(test)]
    pub fn prefix_for_tests(&self) -> &str {
        &self.prefix
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
        // Every session stored is indexed as well (`put` takes it out again when the index
        // cannot be written): one the index does not list is only asked of the fast layer.
        let name = self.name(key);
        let bytes = match self.state.indexed(key) {
            true if self.copies != Copies::None => match self.backend.get_fast(&name)? {
                Some(bytes) => Some(bytes),
                None => {
                    self.settle(key);
                    self.backend.get(&name)?
                }
            },
            true => self.backend.get(&name)?,
            false => self.backend.get_fast(&name)?,
        };
        Ok(bytes.and_then(|bytes| decode(&bytes)))
    }

    fn put(&self, key: &str, label: Label, credentials: &Credentials) -> Result<(), StoreError> {
        let profile = label.profile;
        let (Some(bytes), Some(expiration)) = (encode(credentials), credentials.expiration) else {
            return Ok(()); // long-term keys are never cached
        };
        let (name, label_text) = (
            self.name(key),
            format!("rolecall session for profile {profile}"),
        );
        // The fast layer now and the durable one after the run, or both now.
        let later = self.copies == Copies::Background
            && self.backend.set_fast(&name, &label_text, &bytes).is_ok();
        if !later {
            self.settle(key);
            self.backend.set(&name, &label_text, &bytes)?;
        }
        // A session the index does not list would be invisible to list and --dry-run: take
        // it out again when the index cannot be written (a full or read-only disk).
        if let Err(e) = self
            .state
            .index_put(key, label, expiration.unix_timestamp())
        {
            let _ = self.backend.delete(&name);
            return Err(e);
        }
        if later && !self.copy_later(key, &name, &label_text, &bytes) {
            self.backend.set(&name, &label_text, &bytes)?;
        }
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.settle(key);
        self.backend.delete(&self.name(key))?;
        self.state.index_remove(key);
        Ok(())
    }

    fn lock(
        &self,
        key: &str,
        waiting: &mut dyn FnMut(),
    ) -> Result<Option<SessionLock>, StoreError> {
        Ok(self
            .state
            .lock(key, LOCK_WAIT, waiting)?
            .map(SessionLock::new))
    }

    fn index(&self) -> Vec<IndexEntry> {
        self.state.index()
    }

    fn stored_keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self.backend.keys()?.map(|keys| {
            keys.into_iter()
                .filter_map(|k| k.strip_prefix(&self.prefix).map(str::to_string))
                // Continuation parts (`KEY.1`) go with their session.
                .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_hexdigit()))
                .collect()
        }))
    }

    fn surely_held(&self, keys: &[String]) -> Vec<String> {
        let names: Vec<String> = keys.iter().map(|k| self.name(k)).collect();
        let held = self.backend.surely_holds(&names).unwrap_or_default();
        keys.iter()
            .zip(names)
            .filter(|(_, name)| held.contains(name))
            .map(|(key, _)| key.clone())
            .collect()
    }

    fn held(&self, keys: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        let names: Vec<String> = keys.iter().map(|k| self.name(k)).collect();
        Ok(self.backend.keys_among(&names)?.map(|held| {
            held.into_iter()
                .filter_map(|k| k.strip_prefix(&self.prefix).map(str::to_string))
                .collect()
        }))
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

    fn check_session(&self, credentials: &Credentials) -> Vec<StoreCheck> {
        let Some(bytes) = super::codec::encode(credentials) else {
            return Vec::new();
        };
        self.backend
            .check_bytes(&bytes)
            .into_iter()
            .map(|(name, result)| StoreCheck {
                name,
                problem: result.err().map(|e| e.0),
                keeps_sessions: true,
            })
            .collect()
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

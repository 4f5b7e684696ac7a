//! The session store port: where STS sessions are kept between runs.

use serde::{Deserialize, Serialize};

use crate::domain::Credentials;

/// One index entry: which profile a stored session belongs to and when it expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    #[serde(skip)]
    pub key: String,
    pub profile: String,
    /// Unix seconds.
    pub expiration: i64,
    /// The role session's name, as STS was asked for it (what CloudTrail shows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
}

/// What a stored session is, besides its credentials: for the index and for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label<'a> {
    pub profile: &'a str,
    pub session_name: Option<&'a str>,
}

/// A held cross-process lock on one session key; released when dropped (or when the process
/// dies, whatever the store uses underneath).
pub struct SessionLock {
    _held: Box<dyn std::any::Any>,
}

impl SessionLock {
    pub fn new(held: impl std::any::Any) -> Self {
        Self {
            _held: Box::new(held),
        }
    }
}

impl std::fmt::Debug for SessionLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionLock")
    }
}

/// A failure of the store itself (not a cache miss). Never contains a secret.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct StoreError(pub String);

/// A place for sessions, keyed by a plan step's cache key.
/// Whether one part of the store works (`rolecall doctor`): its name and, if it does not,
/// why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreCheck {
    pub name: String,
    pub problem: Option<String>,
    /// A part the store cannot cache without (a keychain layer, not the index directory).
    pub keeps_sessions: bool,
}

pub trait SessionStore {
    /// What the store is, for `-v` output.
    fn describe(&self) -> String;
    /// The session stored under `key`; `Ok(None)` for a miss, including an unreadable entry.
    fn get(&self, key: &str) -> Result<Option<Credentials>, StoreError>;
    /// Stores a session under `key`, replacing any older one.
    fn put(&self, key: &str, label: Label, credentials: &Credentials) -> Result<(), StoreError>;
    /// Forgets the session under `key`.
    fn remove(&self, key: &str) -> Result<(), StoreError>;
    /// Serialises fetching the session `key` across processes; `Ok(None)` when the store
    /// needs no lock, an error when the lock cannot be had (the wait ran out, say). `waiting`
    /// is called once when another process has held the lock for a second.
    fn lock(
        &self,
        _key: &str,
        _waiting: &mut dyn FnMut(),
    ) -> Result<Option<SessionLock>, StoreError> {
        Ok(None)
    }
    /// What is stored, without reading any secret.
    fn index(&self) -> Vec<IndexEntry>;
    /// The key of every session the store really holds, indexed or not (for `clear-cache`,
    /// and so that `list` and `--dry-run` claim only what `export` will find); `None` when the
    /// store cannot list what it holds (the index is then all there is to go by).
    fn stored_keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(Some(self.index().into_iter().map(|e| e.key).collect()))
    }
    /// Which of `keys` the store really holds (`None`: it cannot tell); cheaper than
    /// [`SessionStore::stored_keys`] when the fast layer holds them all.
    fn held(&self, keys: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self
            .stored_keys()?
            .map(|all| keys.iter().filter(|k| all.contains(k)).cloned().collect()))
    }
    /// Which of `keys` the store surely holds, asked without a prompt or an unlock (`--dry-run`
    /// about sessions the index does not list): a part that cannot tell counts as holding none.
    fn surely_held(&self, keys: &[String]) -> Vec<String> {
        match self.held(keys) {
            Ok(Some(held)) => held,
            _ => Vec::new(),
        }
    }
    /// Tries each part of the store (writes, reads back and deletes a probe entry).
    fn check(&self) -> Vec<StoreCheck> {
        Vec::new()
    }
    /// The same with `credentials` as the entry, under a key of its own (`doctor --online`:
    /// a session with the largest token STS gives).
    fn check_session(&self, _credentials: &Credentials) -> Vec<StoreCheck> {
        Vec::new()
    }
    /// A problem to tell the user once (a keychain layer that failed while another worked).
    fn notice(&self) -> Option<String> {
        None
    }
    /// Whether a note about the store is news, or was told already (this boot, say): a store
    /// that fails the same way every run is said once, not on every run.
    fn is_news(&self, _note: &str) -> bool {
        true
    }
}

//! Where STS sessions are kept between runs.

pub mod memory;

pub use memory::{MemoryStore, NoStore};

use crate::credentials::Credentials;

/// A failure of the store itself (not a cache miss).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct StoreError(pub String);

/// A place for sessions, keyed by a plan step's cache key.
pub trait SessionStore {
    /// What the store is, for `-v` output ("Secret Service", "memory"…).
    fn describe(&self) -> String;
    /// The session stored under `key`; `Ok(None)` for a miss, including an unreadable entry.
    fn get(&self, key: &str) -> Result<Option<Credentials>, StoreError>;
    /// Stores a session for `profile` under `key`, replacing any older one.
    fn put(&self, key: &str, profile: &str, credentials: &Credentials) -> Result<(), StoreError>;
}

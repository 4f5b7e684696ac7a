//! `ROLECALL_KEYRING=none`: a store that keeps nothing.

use crate::domain::Credentials;
use crate::ports::store::{IndexEntry, Label, SessionStore, StoreError};

/// Remembers nothing.
pub struct NoStore;

impl SessionStore for NoStore {
    fn describe(&self) -> String {
        "none (sessions are not cached)".into()
    }

    fn get(&self, _key: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(None)
    }

    fn put(&self, _key: &str, _label: Label, _credentials: &Credentials) -> Result<(), StoreError> {
        Ok(())
    }

    fn remove(&self, _key: &str) -> Result<(), StoreError> {
        Ok(())
    }

    fn index(&self) -> Vec<IndexEntry> {
        Vec::new()
    }
}

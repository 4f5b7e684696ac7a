//! A session store in memory, for tests.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::domain::Credentials;
use crate::ports::store::{IndexEntry, Label, SessionStore, StoreError};

/// A stored session: profile, session name, credentials.
type Stored = (String, Option<String>, Credentials);

/// Keeps sessions for the life of the value.
#[derive(Default)]
pub struct MemoryStore {
    entries: RefCell<BTreeMap<String, Stored>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemoryStore {
    fn describe(&self) -> String {
        "memory (this run only)".into()
    }

    fn check_session(&self, credentials: &Credentials) -> Vec<crate::ports::store::StoreCheck> {
        let label = Label {
            profile: "doctor",
            session_name: None,
        };
        let problem = match self
            .put("probe", label, credentials)
            .and_then(|()| self.get("probe"))
        {
            Ok(Some(back)) if back == *credentials => None,
            Ok(_) => Some("read back differs".to_string()),
            Err(e) => Some(e.0),
        };
        let _ = self.remove("probe");
        vec![crate::ports::store::StoreCheck {
            name: self.describe(),
            problem,
            keeps_sessions: true,
        }]
    }

    fn get(&self, key: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(self.entries.borrow().get(key).map(|(_, _, c)| c.clone()))
    }

    fn put(&self, key: &str, label: Label, credentials: &Credentials) -> Result<(), StoreError> {
        self.entries.borrow_mut().insert(
            key.to_string(),
            (
                label.profile.to_string(),
                label.session_name.map(str::to_string),
                credentials.clone(),
            ),
        );
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    fn index(&self) -> Vec<IndexEntry> {
        self.entries
            .borrow()
            .iter()
            .map(|(key, (profile, session_name, c))| IndexEntry {
                key: key.clone(),
                profile: profile.clone(),
                expiration: c.expiration.map(|e| e.unix_timestamp()).unwrap_or(0),
                session_name: session_name.clone(),
            })
            .collect()
    }
}

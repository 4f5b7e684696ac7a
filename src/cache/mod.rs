//! Where STS sessions are kept between runs: the OS keychain, never a plaintext file.
//!
//! Linux: the kernel keyring (keyutils) as a fast first layer in front of the Secret Service
//! (gnome-keyring, KWallet…); either alone when the other is missing. macOS: the login
//! Keychain. Windows: the Credential Manager. `ROLECALL_KEYRING` picks one explicitly.

pub mod entry;
pub mod keychain;
pub mod layers;
pub mod memory;
pub mod state;

pub use memory::{MemoryStore, NoStore};
pub use state::{IndexEntry, Lock, StateDir};

use crate::context::Vars;
use crate::credentials::Credentials;

/// A failure of the store itself (not a cache miss). Never contains a secret.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct StoreError(pub String);

/// A place for sessions, keyed by a plan step's cache key.
pub trait SessionStore {
    /// What the store is, for `-v` output.
    fn describe(&self) -> String;
    /// The session stored under `key`; `Ok(None)` for a miss, including an unreadable entry.
    fn get(&self, key: &str) -> Result<Option<Credentials>, StoreError>;
    /// Stores a session for `profile` under `key`, replacing any older one.
    fn put(&self, key: &str, profile: &str, credentials: &Credentials) -> Result<(), StoreError>;
    /// Forgets the session under `key`.
    fn remove(&self, key: &str) -> Result<(), StoreError>;
    /// Serialises fetching the session `key` across processes; `Ok(None)` when the store
    /// needs no lock, an error when the lock cannot be had (the wait ran out, say).
    fn lock(&self, _key: &str) -> Result<Option<Lock>, StoreError> {
        Ok(None)
    }
    /// What is stored, without reading any secret.
    fn index(&self) -> Vec<IndexEntry>;
    /// A problem to tell the user once (a keychain layer that failed while another worked).
    fn notice(&self) -> Option<String> {
        None
    }
}

/// The names `ROLECALL_KEYRING` accepts on this platform.
pub const CHOICES: &str = platform::CHOICES;

/// Opens the session store `ROLECALL_KEYRING` names (default `auto`). Cheap: keychains are
/// connected on first use.
pub fn open(vars: &Vars) -> Result<Box<dyn SessionStore>, StoreError> {
    let choice = vars.non_empty("ROLECALL_KEYRING").unwrap_or("auto");
    if choice == "none" {
        return Ok(Box::new(NoStore));
    }
    let state = StateDir::locate(vars);
    match platform::backend(choice) {
        Some(backend) => Ok(Box::new(keychain::KeychainSessions::new(backend, state))),
        None => Err(StoreError(format!(
            "ROLECALL_KEYRING={choice:?} is not one of {CHOICES}; unset it or pick one"
        ))),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::keychain::{Backend, Keychain, KEYCHAIN_TIMEOUT};
    use super::layers::{Bounded, Layered, Lazy};
    use super::StoreError;

    pub const CHOICES: &str = "auto, secret-service, keyutils, none";

    fn keyutils() -> Result<Box<dyn Backend>, StoreError> {
        let store = linux_keyutils_keyring_store::Store::new()
            .map_err(|e| StoreError(format!("kernel keyring: {}", e.to_string().to_lowercase())))?;
        Ok(Box::new(
            Keychain::new("kernel keyring", store, None, false).search_twice(),
        ))
    }

    fn secret_service() -> Result<Box<dyn Backend>, StoreError> {
        let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
            StoreError(format!(
                "secret service unavailable ({}); start gnome-keyring or another Secret Service, or set ROLECALL_KEYRING=keyutils",
                e.to_string().to_lowercase()
            ))
        })?;
        Ok(Box::new(Keychain::new("Secret Service", store, None, true)))
    }

    fn bounded_secret_service() -> Box<dyn Backend> {
        Box::new(Bounded::new(
            Lazy::new("Secret Service", secret_service),
            KEYCHAIN_TIMEOUT,
        ))
    }

    pub fn backend(choice: &str) -> Option<Box<dyn Backend>> {
        match choice {
            "auto" => Some(Box::new(Layered::new(
                Box::new(Lazy::new("kernel keyring", keyutils)),
                bounded_secret_service(),
            ))),
            "secret-service" => Some(bounded_secret_service()),
            "keyutils" => Some(Box::new(Lazy::new("kernel keyring", keyutils))),
            _ => None,
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::keychain::{Backend, Keychain, KEYCHAIN_TIMEOUT};
    use super::layers::{Bounded, Lazy};
    use super::StoreError;

    pub const CHOICES: &str = "auto, keychain, none";

    fn keychain() -> Result<Box<dyn Backend>, StoreError> {
        let store = apple_native_keyring_store::keychain::Store::new()
            .map_err(|e| StoreError(format!("macOS keychain: {}", e.to_string().to_lowercase())))?;
        Ok(Box::new(Keychain::new(
            "macOS Keychain",
            store,
            None,
            false,
        )))
    }

    pub fn backend(choice: &str) -> Option<Box<dyn Backend>> {
        match choice {
            "auto" | "keychain" => Some(Box::new(Bounded::new(
                Lazy::new("macOS Keychain", keychain),
                KEYCHAIN_TIMEOUT,
            ))),
            _ => None,
        }
    }
}

#[cfg(windows)]
mod platform {
    use super::keychain::{Backend, Keychain};
    use super::layers::Lazy;
    use super::StoreError;

    pub const CHOICES: &str = "auto, credential-manager, none";
    /// The Credential Manager's limit for one credential blob, in bytes. Sessions are stored
    /// as compact UTF-8 bytes (not UTF-16 text) and split over several credentials if needed.
    const MAX_BLOB: usize = 2560;

    fn credential_manager() -> Result<Box<dyn Backend>, StoreError> {
        let store = windows_native_keyring_store::Store::new().map_err(|e| {
            StoreError(format!(
                "credential manager: {}",
                e.to_string().to_lowercase()
            ))
        })?;
        Ok(Box::new(Keychain::new(
            "Windows Credential Manager",
            store,
            Some(MAX_BLOB),
            false,
        )))
    }

    pub fn backend(choice: &str) -> Option<Box<dyn Backend>> {
        match choice {
            "auto" | "credential-manager" => Some(Box::new(Lazy::new(
                "Windows Credential Manager",
                credential_manager,
            ))),
            _ => None,
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod platform {
    use super::keychain::Backend;

    pub const CHOICES: &str = "none";

    pub fn backend(_choice: &str) -> Option<Box<dyn Backend>> {
        None
    }
}

//! Where STS sessions are kept between runs: the OS keychain, never a plaintext file.
//!
//! Linux: the kernel keyring (keyutils) as a fast first layer in front of the Secret Service
//! (gnome-keyring, KWallet…); either alone when the other is missing. macOS: the login
//! Keychain. Windows: the Credential Manager. `ROLECALL_KEYRING` picks one explicitly.

pub mod backend;
pub mod codec;
#[cfg(target_os = "linux")]
mod kernel;
pub mod keys;
mod none;
#[cfg(all(test, any(target_os = "macos", windows)))]
mod platform_test;
pub mod sessions;
pub mod sso;
pub mod statedir;
pub mod tiers;

pub use none::NoStore;
pub use statedir::StateDir;

use crate::domain::Vars;
use crate::ports::keys::{KeyStore, NoKeys};
use crate::ports::store::{SessionStore, StoreError};
use crate::settings::Settings;

/// The names `ROLECALL_KEYRING` accepts on this platform.
pub const CHOICES: &str = platform::CHOICES;

/// Opens the session store `ROLECALL_KEYRING` names (default `auto`). Cheap: keychains are
/// connected on first use.
pub fn open(settings: &Settings, vars: &Vars) -> Result<Box<dyn SessionStore>, StoreError> {
    let choice = settings.keyring.as_str();
    if choice == "none" {
        return Ok(Box::new(NoStore));
    }
    let state = StateDir::locate(settings.state_dir.as_deref(), vars);
    match platform::backend(choice) {
        Some(backend) => Ok(Box::new(sessions::KeychainSessions::new(backend, state))),
        None => Err(StoreError(format!(
            "ROLECALL_KEYRING={choice:?} is not one of {CHOICES}; unset it or pick one"
        ))),
    }
}

/// The service name of the durable entries: SSO tokens, or long-term keys.
fn durable_service(sso: bool) -> &'static str {
    if sso {
        sso::SSO_SERVICE
    } else {
        keys::KEYS_SERVICE
    }
}

/// Opens the store of SSO tokens and client registrations: the durable keychain (a refresh
/// token lives for months), the AWS CLI's cache files beside it.
pub fn open_sso(settings: &Settings, vars: &Vars) -> sso::SsoStore {
    let state = StateDir::locate(settings.state_dir.as_deref(), vars);
    let backend = match settings.keyring.as_str() {
        "none" => Err("ROLECALL_KEYRING=none keeps nothing in a keychain, so rolecall's own SSO tokens cannot be kept; unset it, or sign in with aws sso login".to_string()),
        choice => platform::durable_keys::<true>(choice),
    };
    sso::SsoStore::new(
        backend,
        state,
        vars.home().join(".aws").join("sso").join("cache"),
    )
}

/// Opens the store of long-term keys: the durable keychain `ROLECALL_KEYRING` allows, with
/// its index in the state directory. Never the kernel keyring, which forgets at logout.
pub fn open_keys(settings: &Settings, vars: &Vars) -> Box<dyn KeyStore> {
    let choice = settings.keyring.as_str();
    if choice == "none" {
        return Box::new(NoKeys(
            "ROLECALL_KEYRING=none keeps nothing in a keychain, so long-term keys cannot be stored; unset it".into(),
        ));
    }
    let state = StateDir::locate(settings.state_dir.as_deref(), vars);
    match platform::durable_keys::<false>(choice) {
        Ok(backend) => Box::new(keys::KeychainKeys::new(backend, state)),
        Err(why) => Box::new(NoKeys(why)),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::backend::{Backend, Keychain, KEYCHAIN_TIMEOUT, KEYS_TIMEOUT};
    use super::tiers::{Bounded, Layered, Lazy};
    use crate::ports::store::StoreError;

    pub const CHOICES: &str = "auto, secret-service, keyutils, none";

    fn keyutils() -> Result<Box<dyn Backend>, StoreError> {
        super::kernel::KernelKeyring::open()
    }

    fn secret_service() -> Result<Box<dyn Backend>, StoreError> {
        let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
            StoreError(format!(
                "the Secret Service is unavailable: {e}; start gnome-keyring or another Secret Service, or set ROLECALL_KEYRING=keyutils"
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

    fn secret_service_keys<const SSO: bool>() -> Result<Box<dyn Backend>, StoreError> {
        let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
            StoreError(format!(
                "the Secret Service is unavailable: {e}; long-term keys and SSO tokens are kept only in a durable keychain, so start gnome-keyring, KeePassXC or another Secret Service"
            ))
        })?;
        Ok(Box::new(
            Keychain::new("Secret Service", store, None, true)
                .with_service(super::durable_service(SSO)),
        ))
    }

    /// The keychain for long-term keys: the Secret Service, given time for an unlock prompt.
    pub fn durable_keys<const SSO: bool>(choice: &str) -> Result<Box<dyn Backend>, String> {
        match choice {
            "auto" | "secret-service" => Ok(Box::new(Bounded::new(
                Lazy::new("Secret Service", secret_service_keys::<SSO>),
                KEYS_TIMEOUT,
            ))),
            _ => Err(format!(
                "ROLECALL_KEYRING={choice} is the kernel keyring, which forgets everything at logout, so long-term keys are not kept there; use ROLECALL_KEYRING=auto or secret-service with a Secret Service running"
            )),
        }
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
    use super::backend::{Backend, Keychain, KEYCHAIN_TIMEOUT};
    use super::tiers::{Bounded, Lazy};
    use crate::ports::store::StoreError;

    pub const CHOICES: &str = "auto, keychain, none";

    fn keychain() -> Result<Box<dyn Backend>, StoreError> {
        let store = apple_native_keyring_store::keychain::Store::new()
            .map_err(|e| StoreError(format!("macOS keychain: {e}")))?;
        Ok(Box::new(Keychain::new(
            "macOS Keychain",
            store,
            None,
            false,
        )))
    }

    fn keychain_keys<const SSO: bool>() -> Result<Box<dyn Backend>, StoreError> {
        let store = apple_native_keyring_store::keychain::Store::new()
            .map_err(|e| StoreError(format!("macOS keychain: {e}")))?;
        Ok(Box::new(
            Keychain::new("macOS Keychain", store, None, false)
                .with_service(super::durable_service(SSO)),
        ))
    }

    pub fn durable_keys<const SSO: bool>(_choice: &str) -> Result<Box<dyn Backend>, String> {
        Ok(Box::new(Bounded::new(
            Lazy::new("macOS Keychain", keychain_keys::<SSO>),
            super::backend::KEYS_TIMEOUT,
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
    use super::backend::{Backend, Keychain};
    use super::tiers::Lazy;
    use crate::ports::store::StoreError;

    pub const CHOICES: &str = "auto, credential-manager, none";
    /// The Credential Manager's limit for one credential blob, in bytes. Sessions are stored
    /// as compact UTF-8 bytes (not UTF-16 text) and split over several credentials if needed.
    const MAX_BLOB: usize = 2560;

    fn credential_manager() -> Result<Box<dyn Backend>, StoreError> {
        let store = windows_native_keyring_store::Store::new()
            .map_err(|e| StoreError(format!("credential manager: {e}")))?;
        Ok(Box::new(Keychain::new(
            "Windows Credential Manager",
            store,
            Some(MAX_BLOB),
            false,
        )))
    }

    fn credential_manager_keys<const SSO: bool>() -> Result<Box<dyn Backend>, StoreError> {
        let store = windows_native_keyring_store::Store::new()
            .map_err(|e| StoreError(format!("credential manager: {e}")))?;
        Ok(Box::new(
            Keychain::new("Windows Credential Manager", store, Some(MAX_BLOB), false)
                .with_service(super::durable_service(SSO)),
        ))
    }

    pub fn durable_keys<const SSO: bool>(_choice: &str) -> Result<Box<dyn Backend>, String> {
        Ok(Box::new(Lazy::new(
            "Windows Credential Manager",
            credential_manager_keys::<SSO>,
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
    use super::backend::Backend;

    pub const CHOICES: &str = "none";

    pub fn backend(_choice: &str) -> Option<Box<dyn Backend>> {
        None
    }

    pub fn durable_keys<const SSO: bool>(_choice: &str) -> Result<Box<dyn Backend>, String> {
        Err("this platform has no keychain rolecall can keep long-term keys in".into())
    }
}

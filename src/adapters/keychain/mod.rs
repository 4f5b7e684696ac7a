//! Where STS sessions are kept between runs: the OS keychain, never a plaintext file.
//!
//! Linux: the kernel keyring (keyutils) as a fast first layer in front of the Secret Service
//! (gnome-keyring, KWallet…); either alone when the other is missing. macOS: the login
//! Keychain. Windows: the Credential Manager. `ROLECALL_KEYRING` picks one explicitly.
//!
//! What must outlive a reboot (long-term keys, SSO tokens) goes to the durable keychain, or
//! to the encrypted file store (`filestore.rs`) with `ROLECALL_KEYRING=file`, and with `auto`
//! on Linux when there is no D-Bus session (SSH, WSL, containers) to reach a Secret Service.

pub mod backend;
pub mod codec;
#[cfg(target_os = "linux")]
pub mod copy;
pub mod filestore;
#[cfg(target_os = "linux")]
mod kernel;
pub mod keys;
pub mod login;
mod none;
#[cfg(all(test, any(target_os = "macos", windows)))]
mod platform_test;
pub mod sessions;
pub mod sso;
pub mod statedir;
pub mod tiers;
#[cfg(target_os = "linux")]
mod unlock;

pub use none::NoStore;
pub use statedir::StateDir;

use std::sync::Arc;

use crate::domain::Vars;
use crate::ports::keys::{KeyStore, NoKeys};
use crate::ports::store::{SessionStore, StoreError};
use crate::settings::Settings;

/// The names `ROLECALL_KEYRING` accepts on this platform.
pub const CHOICES: &str = platform::CHOICES;

/// Opens the session store `ROLECALL_KEYRING` names (default `auto`). Cheap: keychains are
/// connected on first use.
///
/// `leaving`: the run ends once it has printed (`export`), so a layered store leaves the
/// durable copy of a new session to a background process (`copy.rs`) when the Secret
/// Service's bus is there (else the run says at once that sessions stay in the kernel
/// keyring).
pub fn open(
    settings: &Settings,
    vars: &Vars,
    state: &StateDir,
    leaving: bool,
) -> Result<Box<dyn SessionStore>, StoreError> {
    let choice = match settings.keyring.as_str() {
        "none" => return Ok(Box::new(NoStore)),
        // Sessions stay where they are fast and forgotten at logout: the kernel keyring.
        "file" => platform::FILE_SESSIONS,
        other => other,
    };
    match platform::backend(choice) {
        Some(backend) => {
            let copies = match (choice, leaving) {
                ("auto", true) if cfg!(target_os = "linux") && bus_socket(vars) => {
                    sessions::Copies::Background
                }
                ("auto", false) if cfg!(target_os = "linux") => sessions::Copies::Inline,
                _ => sessions::Copies::None,
            };
            Ok(Box::new(
                sessions::KeychainSessions::new(backend, state.clone()).with_copies(copies),
            ))
        }
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

/// Where this run keeps what must outlive a reboot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durable {
    /// The OS keychain (the Secret Service on Linux).
    Keychain,
    /// The encrypted file store; `auto`: chosen because no Secret Service can be reached.
    File { auto: bool },
    /// `ROLECALL_KEYRING=none` or `keyutils`: nowhere durable (storing says why).
    Nowhere,
}

impl Durable {
    pub fn of(settings: &Settings, vars: &Vars) -> Self {
        match settings.keyring.as_str() {
            "file" => Durable::File { auto: false },
            "none" | "keyutils" => Durable::Nowhere,
            "auto" if cfg!(target_os = "linux") && !dbus_session(vars) => {
                Durable::File { auto: true }
            }
            _ => Durable::Keychain,
        }
    }
}

/// Whether a D-Bus session bus can be reached (where a Secret Service would be): its address
/// in `DBUS_SESSION_BUS_ADDRESS`, or the per-user bus socket `$XDG_RUNTIME_DIR/bus`.
fn dbus_session(vars: &Vars) -> bool {
    vars.non_empty("DBUS_SESSION_BUS_ADDRESS").is_some()
        || vars
            .non_empty("XDG_RUNTIME_DIR")
            .is_some_and(|d| std::path::Path::new(d).join("bus").exists())
}

/// Whether the session bus's socket is there (a file-system address that exists, or an
/// address of another kind): a cheap look, without connecting.
fn bus_socket(vars: &Vars) -> bool {
    match vars.non_empty("DBUS_SESSION_BUS_ADDRESS") {
        Some(address) => address.split(';').any(|a| {
            a.strip_prefix("unix:")
                .and_then(|a| a.split(',').find_map(|kv| kv.strip_prefix("path=")))
                .is_none_or(|path| std::path::Path::new(path).exists())
        }),
        None => dbus_session(vars),
    }
}

/// The file store of this user, with its passphrase sources and its unlock cache.
pub fn vault(settings: &Settings, vars: &Vars, auto: bool) -> Arc<filestore::Vault> {
    let limit = settings
        .process_timeout
        .clone()
        .unwrap_or(crate::settings::DEFAULT_PROCESS_TIMEOUT)
        .unsigned_abs();
    let ttl = settings
        .file_unlock_ttl
        .clone()
        .unwrap_or(crate::settings::DEFAULT_FILE_UNLOCK_TTL)
        .whole_seconds()
        .max(0) as u64;
    #[cfg(target_os = "linux")]
    let cache: Box<dyn filestore::UnlockCache> = match ttl {
        0 => Box::new(filestore::NoCache),
        ttl => Box::new(unlock::SessionKeyring::new(ttl)),
    };
    #[cfg(not(target_os = "linux"))]
    let cache: Box<dyn filestore::UnlockCache> = {
        let _ = ttl;
        Box::new(filestore::NoCache)
    };
    let notice = auto.then(|| StateDir::locate(settings.state_dir.as_deref(), vars));
    filestore::Vault::new(
        filestore::data_dir(vars),
        Box::new(filestore::SystemPassphrase {
            vars: vars.clone(),
            limit,
        }),
        cache,
        notice,
    )
}

/// Opens the store of SSO tokens and client registrations: the durable keychain (a refresh
/// token lives for months) or the file store, the AWS CLI's cache files beside it.
pub fn open_sso(
    settings: &Settings,
    vars: &Vars,
    state: &StateDir,
    vault: &Arc<filestore::Vault>,
) -> sso::SsoStore {
    let state = state.clone();
    let backend = match Durable::of(settings, vars) {
        Durable::File { .. } => Ok(Box::new(filestore::FileBackend::new(
            vault.clone(),
            sso::SSO_SERVICE,
        )) as Box<dyn backend::Backend>),
        Durable::Nowhere => Err(nowhere(&settings.keyring, "rolecall's own SSO tokens")),
        Durable::Keychain => platform::durable_keys::<true>(&settings.keyring),
    };
    sso::SsoStore::new(
        backend,
        state,
        vars.home().join(".aws").join("sso").join("cache"),
    )
}

/// Opens the store of sign-in tokens: rolecall's own where its SSO tokens are (the durable
/// keychain or the file store), the AWS CLI's token cache beside it.
pub fn open_login(
    settings: &Settings,
    vars: &Vars,
    state: &StateDir,
    vault: &Arc<filestore::Vault>,
) -> login::LoginStore {
    let state = state.clone();
    let (backend, name) = match Durable::of(settings, vars) {
        Durable::File { .. } => (
            Ok(
                Box::new(filestore::FileBackend::new(vault.clone(), sso::SSO_SERVICE))
                    as Box<dyn backend::Backend>,
            ),
            "the file store",
        ),
        Durable::Nowhere => (
            Err(nowhere(&settings.keyring, "rolecall's own sign-in tokens")),
            "the keychain",
        ),
        Durable::Keychain => (
            platform::durable_keys::<true>(&settings.keyring),
            "the keychain",
        ),
    };
    login::LoginStore::new(vars, backend, state, name)
}

/// Opens the store of long-term keys: the durable keychain `ROLECALL_KEYRING` allows, or the
/// file store, with its index in the state directory. Never the kernel keyring, which forgets
/// at logout. Keys the index records in the other durable store are read from there.
pub fn open_keys(
    settings: &Settings,
    vars: &Vars,
    state: &StateDir,
    vault: &Arc<filestore::Vault>,
) -> Box<dyn KeyStore> {
    let state = state.clone();
    let file = || {
        Box::new(filestore::FileBackend::new(
            vault.clone(),
            keys::KEYS_SERVICE,
        )) as Box<dyn backend::Backend>
    };
    let keychain = || platform::durable_keys::<false>("auto");
    match Durable::of(settings, vars) {
        Durable::File { .. } => {
            let store = keys::KeychainKeys::new(file(), keys::Kind::File, state);
            Box::new(match keychain() {
                Ok(other) => store.with_other(other),
                Err(_) => store,
            })
        }
        Durable::Keychain => match keychain() {
            Ok(backend) => Box::new(
                keys::KeychainKeys::new(backend, keys::Kind::Keychain, state).with_other(file()),
            ),
            Err(why) => Box::new(NoKeys(why)),
        },
        Durable::Nowhere => Box::new(NoKeys(nowhere(&settings.keyring, "long-term keys"))),
    }
}

/// The durable stores by name, for `keys migrate`.
pub struct SystemStores {
    pub settings: Settings,
    pub vars: Vars,
    pub vault: Arc<filestore::Vault>,
}

impl crate::ports::keys::Stores for SystemStores {
    fn open(&self, file: bool) -> (Box<dyn KeyStore>, Box<dyn crate::ports::sso::SsoTokens>) {
        let state = StateDir::locate(self.settings.state_dir.as_deref(), &self.vars);
        let backend = |service: &'static str| -> Result<Box<dyn backend::Backend>, String> {
            match file {
                true => Ok(Box::new(filestore::FileBackend::new(
                    self.vault.clone(),
                    service,
                ))),
                false if service == sso::SSO_SERVICE => platform::durable_keys::<true>("auto"),
                false => platform::durable_keys::<false>("auto"),
            }
        };
        let kind = match file {
            true => keys::Kind::File,
            false => keys::Kind::Keychain,
        };
        let keys: Box<dyn KeyStore> = match backend(keys::KEYS_SERVICE) {
            Ok(b) => Box::new(keys::KeychainKeys::new(b, kind, state.clone())),
            Err(why) => Box::new(NoKeys(why)),
        };
        let tokens = sso::SsoStore::new(
            backend(sso::SSO_SERVICE),
            state,
            self.vars.home().join(".aws").join("sso").join("cache"),
        );
        (keys, Box::new(tokens))
    }

    fn open_login(&self, file: bool) -> Box<dyn crate::ports::login::LoginFiles> {
        let state = StateDir::locate(self.settings.state_dir.as_deref(), &self.vars);
        let (backend, name) = match file {
            true => (
                Ok(Box::new(filestore::FileBackend::new(
                    self.vault.clone(),
                    sso::SSO_SERVICE,
                )) as Box<dyn backend::Backend>),
                "the file store",
            ),
            false => (platform::durable_keys::<true>("auto"), "the keychain"),
        };
        Box::new(login::LoginStore::new(&self.vars, backend, state, name))
    }
}

/// Why `what` cannot be kept with `ROLECALL_KEYRING=choice`, and which stores can.
fn nowhere(choice: &str, what: &str) -> String {
    let store = match choice {
        "none" => "keeps nothing",
        _ => "is the kernel keyring, which forgets everything at logout",
    };
    format!(
        "ROLECALL_KEYRING={choice} {store}, so {what} are not kept there; use ROLECALL_KEYRING=file (an encrypted file) or secret-service (with a Secret Service running)"
    )
}

#[cfg(target_os = "linux")]
use platform::layers;

#[cfg(target_os = "linux")]
mod platform {
    use super::backend::{Backend, Keychain, KEYCHAIN_TIMEOUT, KEYS_TIMEOUT};
    use super::tiers::{Bounded, Layered, Lazy};
    use crate::ports::store::StoreError;

    pub const CHOICES: &str = crate::settings::KEYRING_CHOICES;
    /// The session store of `ROLECALL_KEYRING=file`.
    pub const FILE_SESSIONS: &str = "keyutils";

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
            _ => Err(super::nowhere(choice, "long-term keys")),
        }
    }

    /// The two layers of `auto`: the kernel keyring, and the Secret Service behind it.
    pub fn layers() -> (Box<dyn Backend>, Box<dyn Backend>) {
        (
            Box::new(Lazy::new("kernel keyring", keyutils)),
            bounded_secret_service(),
        )
    }

    pub fn backend(choice: &str) -> Option<Box<dyn Backend>> {
        match choice {
            "auto" => {
                let (fast, durable) = layers();
                Some(Box::new(Layered::new(fast, durable)))
            }
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

    pub const CHOICES: &str = crate::settings::KEYRING_CHOICES;
    pub const FILE_SESSIONS: &str = "auto";

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

    pub const CHOICES: &str = crate::settings::KEYRING_CHOICES;
    pub const FILE_SESSIONS: &str = "auto";
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

    pub const CHOICES: &str = crate::settings::KEYRING_CHOICES;
    pub const FILE_SESSIONS: &str = "none";

    pub fn backend(_choice: &str) -> Option<Box<dyn Backend>> {
        None
    }

    pub fn durable_keys<const SSO: bool>(_choice: &str) -> Result<Box<dyn Backend>, String> {
        Err("this platform has no keychain rolecall can keep long-term keys in".into())
    }
}

//! The `KeyStore` port: long-term access keys kept in the durable OS keychain, with a
//! non-secret index (profile → key id) that planning reads without unlocking anything.

use crate::domain::keys::StoredKeys;
use crate::domain::Credentials;
use crate::ports::store::StoreError;

pub trait KeyStore {
    /// Where the keys live, for people (`Secret Service (index in …)`).
    fn describe(&self) -> String;
    /// The index: which profiles have keys, by key id. Never touches the keychain.
    fn index(&self) -> StoredKeys;
    /// The keys of `profile`; `None` when the keychain has none for it.
    fn get(&self, profile: &str) -> Result<Option<Credentials>, StoreError>;
    /// Stores (or replaces) the keys of `profile` in the keychain, then in the index.
    fn put(&self, profile: &str, keys: &Credentials) -> Result<(), StoreError>;
    /// Deletes the keys of `profile` from the keychain and the index.
    fn remove(&self, profile: &str) -> Result<(), StoreError>;
    /// Which store holds `profile`'s keys, and whether it can be used now without asking
    /// anyone (else why not, and the fix); `None` when it has none here.
    fn whereabouts(&self, _profile: &str) -> Option<(String, Result<(), String>)> {
        None
    }
    /// Which kind of store holds `profile`'s keys, from the index alone: `keychain` or
    /// `file-store`; `None` without keys.
    fn kind_of(&self, profile: &str) -> Option<&'static str> {
        self.index().key_id(profile).map(|_| "keychain")
    }
    /// Whether this store holds `profile`'s keys (the index names it here).
    fn holds(&self, profile: &str) -> bool {
        self.index().key_id(profile).is_some()
    }
    /// Deletes the secret only, the index staying (a move to another store rewrote it).
    fn forget_secret(&self, profile: &str) -> Result<(), StoreError> {
        self.remove(profile)
    }
}

/// The durable stores by name, each alone (for `keys migrate`): the file store
/// (`file: true`) or the OS keychain, its keys and its SSO tokens.
pub trait Stores {
    fn open(&self, file: bool) -> (Box<dyn KeyStore>, Box<dyn crate::ports::sso::SsoTokens>);
    /// Its sign-in tokens (`rolecall login`).
    fn open_login(&self, file: bool) -> Box<dyn crate::ports::login::LoginFiles>;
}

/// No keychain for keys (`ROLECALL_KEYRING=none`, or a platform without one): nothing is
/// stored, and storing says why.
pub struct NoKeys(pub String);

impl KeyStore for NoKeys {
    fn describe(&self) -> String {
        "no keychain".into()
    }
    fn index(&self) -> StoredKeys {
        StoredKeys::default()
    }
    fn get(&self, _profile: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(None)
    }
    fn put(&self, _profile: &str, _keys: &Credentials) -> Result<(), StoreError> {
        Err(StoreError(self.0.clone()))
    }
    fn remove(&self, _profile: &str) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A profile's long-term keys in the user's own files (`~/.aws/credentials` or `config`): the
/// two key lines of the profile's own section, which `keys import` removes and `keys rotate`
/// replaces, byte for byte, leaving everything else as it was.
/// A file rewritten by [`KeyFiles`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub path: std::path::PathBuf,
    /// Other names (hard links) of the file, which still hold what it held before.
    pub other_links: u64,
}

pub trait KeyFiles {
    /// The file that holds both of the profile's keys in its own section (not split between
    /// the files, not from an `include_profile`): the one place rolecall edits.
    fn locate(&self, profile: &str) -> Result<std::path::PathBuf, KeyFileError>;
    /// Removes the profile's key lines, if the file still holds `keys`. The read, the check
    /// and the rename happen under one exclusive lock that every rolecall takes.
    fn remove(&self, profile: &str, keys: &Credentials) -> Result<Rewritten, KeyFileError>;
    /// Replaces `old` with `new` in the profile's key lines, under the same lock; the file
    /// loses every permission of group and others. The files are read back: unless the
    /// profile then has `new`, whole, the file is put back as it was.
    fn replace(
        &self,
        profile: &str,
        old: &Credentials,
        new: &Credentials,
    ) -> Result<Rewritten, KeyFileError>;
}

/// Why a profile's keys could not be edited in the files.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The keys are not where rolecall can edit them: a configuration matter.
    #[error("{0}")]
    Placement(String),
    /// A file could not be read, edited or written; the line says what state it is in.
    #[error("{0}")]
    File(String),
}

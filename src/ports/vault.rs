//! The `Vault` port: the passphrase-protected file store (`ROLECALL_KEYRING=file`) as the
//! commands see it: whether this run uses it, whether it is unlocked, locking it now.

use crate::ports::store::StoreError;

/// What can be said of the file store without asking anyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaultState {
    /// No file yet: it is created by the first write.
    Missing,
    /// Its key is unlocked (kept in the session keyring, or by this run).
    Unlocked,
    /// Locked, but the passphrase comes without a person (the variable or the command), and
    /// it opens the file.
    Unattended,
    /// Locked: the next run that needs it asks on the terminal.
    Locked,
    /// It cannot be used: the one line saying why.
    Broken(String),
}

pub trait Vault {
    /// `the file store PATH`.
    fn describe(&self) -> String;
    /// Whether this run keeps long-term keys and SSO tokens in it.
    fn in_use(&self) -> bool;
    fn state(&self) -> VaultState;
    /// Forgets the unlocked key now; whether one was kept.
    fn lock(&self) -> Result<bool, StoreError>;
    /// Once: that rolecall chose the file store by itself (no Secret Service reachable).
    fn notice(&self) -> Option<String> {
        None
    }
}

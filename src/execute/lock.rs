//! Locking the file store (`rolecall lock`): its unlocked key is forgotten now, wherever it
//! was kept, so the next run that needs the store asks for the passphrase.

use crate::ports::store::StoreError;
use crate::ports::vault::Vault;

/// Whether an unlocked key was kept.
pub fn lock(vault: &dyn Vault) -> Result<bool, StoreError> {
    vault.lock()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::vault::VaultState;
    use std::cell::Cell;

    struct Kept(Cell<bool>);

    impl Vault for Kept {
        fn describe(&self) -> String {
            "the file store".into()
        }
        fn in_use(&self) -> bool {
            true
        }
        fn state(&self) -> VaultState {
            if self.0.get() {
                VaultState::Unlocked
            } else {
                VaultState::Locked
            }
        }
        fn lock(&self) -> Result<bool, StoreError> {
            Ok(self.0.replace(false))
        }
    }

    #[test]
    fn locking_forgets_the_key_once() {
        let v = Kept(Cell::new(true));
        assert!(lock(&v).unwrap());
        assert_eq!(v.state(), VaultState::Locked);
        assert!(!lock(&v).unwrap());
    }
}

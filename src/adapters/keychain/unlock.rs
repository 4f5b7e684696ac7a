//! The file store's unlocked key, kept in the login session's kernel keyring (Linux) with a
//! timeout (`ROLECALL_FILE_UNLOCK_TTL`, 8 hours by default), so that the passphrase is asked
//! once per login session. The entry is a `user` key described `rolecall-unlock:ID` in the
//! session keyring: only processes of this session possess it (the key's permissions give
//! other processes of the uid its description, not its payload), the kernel removes it at the
//! timeout or when the session ends, and `rolecall lock` removes it now.

use age::secrecy::{ExposeSecret, SecretString};
use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

use super::filestore::UnlockCache;

const PREFIX: &str = "rolecall-unlock:";

pub struct SessionKeyring {
    /// Seconds; 0 keeps nothing.
    ttl: u64,
}

impl SessionKeyring {
    pub fn new(ttl: u64) -> Self {
        Self { ttl }
    }

    fn ring() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()
    }
}

impl UnlockCache for SessionKeyring {
    fn get(&self, id: &str) -> Option<SecretString> {
        let key = Self::ring()?.search(&format!("{PREFIX}{id}")).ok()?;
        let bytes = key.read_to_vec().ok()?;
        String::from_utf8(bytes).ok().map(SecretString::from)
    }

    fn put(&self, id: &str, identity: &SecretString) {
        if self.ttl == 0 {
            return;
        }
        let Some(ring) = Self::ring() else {
            return;
        };
        let description = format!("{PREFIX}{id}");
        if let Ok(key) = ring.add_key(&description, identity.expose_secret().as_bytes()) {
            if key.set_timeout(self.ttl as usize).is_err() {
                // An entry without its timeout would outlive what the user asked for.
                let _ = key.invalidate();
            }
        }
    }

    fn forget(&self, id: &str) -> bool {
        let Some(ring) = Self::ring() else {
            return false;
        };
        match ring.search(&format!("{PREFIX}{id}")) {
            Ok(key) => matches!(key.invalidate(), Ok(()) | Err(KeyError::KeyExpired)),
            Err(_) => false,
        }
    }

    fn describe(&self) -> String {
        match self.ttl {
            0 => "nowhere (ROLECALL_FILE_UNLOCK_TTL=0)".into(),
            s => format!(
                "the session keyring, for {}",
                crate::domain::text::human(time::Duration::seconds(s as i64))
            ),
        }
    }
}

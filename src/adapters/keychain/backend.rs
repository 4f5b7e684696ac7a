//! OS keychains through keyring-core, one store crate per platform: the `Backend` trait that
//! the tiers and the session store are built on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};

use super::codec;
use crate::ports::store::StoreError;

/// The keychain service name every rolecall entry is stored under.
pub const SERVICE: &str = "rolecall";
/// How long one keychain operation may take before rolecall gives up on the keychain (a
/// locked collection may wait for an unlock prompt that never comes on a headless machine).
#[cfg_attr(
    windows,
    allow(
        dead_code,
        reason = "the Credential Manager never prompts, so nothing waits"
    )
)]
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one keychain operation on long-term keys may take: enough for the person to
/// answer an unlock prompt.
#[cfg_attr(
    windows,
    allow(
        dead_code,
        reason = "the Credential Manager never prompts, so nothing waits"
    )
)]
pub const KEYS_TIMEOUT: Duration = Duration::from_secs(120);

/// Raw secret storage: bytes under a key.
pub trait Backend: Send + Sync {
    fn name(&self) -> String;
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// What the fast layer holds, for an entry the durable layer cannot hold (a session the
    /// index does not list): a stack of two asks only its fast layer, so a cold run makes no
    /// round trip to the Secret Service; a lone backend is asked as by `get`.
    fn get_fast(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(key)
    }
    fn set(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// Stores in the fast layer of a stack of two only (the durable copy is made later); a
    /// lone backend has no such layer.
    fn set_fast(&self, _key: &str, _label: &str, _bytes: &[u8]) -> Result<(), StoreError> {
        Err(StoreError(format!("{} has no fast layer", self.name())))
    }
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Whether the backend can be reached at all (a Secret Service without a D-Bus session
    /// cannot); one that can be reached may still fail a call.
    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "only the Linux layers ask")
    )]
    fn reachable(&self) -> bool {
        true
    }
    /// Whether it can be used now without asking anyone: else why not, with the fix.
    fn ready(&self) -> Result<(), String> {
        if self.reachable() {
            Ok(())
        } else {
            Err(format!(
                "{} cannot be reached here (no D-Bus session?); use rolecall where it can, or move the keys with \"rolecall keys migrate --to file\" there",
                self.name()
            ))
        }
    }
    /// Each layer's name, and whether it stores, returns and deletes an entry.
    fn check(&self) -> Vec<(String, Result<(), StoreError>)> {
        self.check_bytes(PROBE)
    }
    /// The same with `bytes` as the entry (a session of the largest size, say).
    fn check_bytes(&self, bytes: &[u8]) -> Vec<(String, Result<(), StoreError>)> {
        vec![(self.name(), probe(self, bytes))]
    }
    /// The key of every rolecall entry the backend holds, indexed or not (never a secret);
    /// `None` for a keychain that cannot list its entries.
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(None)
    }
    /// Which of `wanted` the backend holds (`None`: it cannot tell). A layered backend asks
    /// its slow layer only about what the fast one does not hold.
    fn keys_among(&self, wanted: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self.keys()?.map(|held| {
            wanted
                .iter()
                .filter(|w| held.contains(w))
                .cloned()
                .collect()
        }))
    }
    /// Which of `wanted` the backend surely holds, asked without any prompt: a part that
    /// cannot tell counts as holding none of them.
    fn surely_holds(&self, wanted: &[String]) -> Result<Vec<String>, StoreError> {
        Ok(self.keys_among(wanted)?.unwrap_or_default())
    }
    /// Failures of a part of the backend that another part covered for.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What `doctor` stores to see that a layer works: no secret in it.
const PROBE: &[u8] = b"rolecall doctor probe";

/// Writes, reads back and deletes a probe entry.
fn probe<B: Backend + ?Sized>(backend: &B, bytes: &[u8]) -> Result<(), StoreError> {
    let key = format!("doctor-probe-{}", std::process::id());
    backend.set(&key, "rolecall doctor probe", bytes)?;
    let read = backend.get(&key);
    backend.delete(&key)?;
    match read? {
        Some(back) if back == bytes => Ok(()),
        Some(_) => Err(StoreError(format!(
            "{}: an entry read back differs from what was stored",
            backend.name()
        ))),
        None => Err(StoreError(format!(
            "{}: an entry just stored cannot be found",
            backend.name()
        ))),
    }
}

/// One keyring-core store.
pub struct Keychain {
    name: &'static str,
    /// The service name entries are stored under ([`SERVICE`] for sessions).
    service: &'static str,
    store: Arc<CredentialStore>,
    /// The platform's size limit for one secret (Windows), if any.
    max_part: Option<usize>,
    /// Whether the store takes a `label` modifier (Secret Service).
    labels: bool,
}

impl Keychain {
    pub fn new(
        name: &'static str,
        store: Arc<CredentialStore>,
        max_part: Option<usize>,
        labels: bool,
    ) -> Self {
        Self {
            name,
            service: SERVICE,
            store,
            max_part,
            labels,
        }
    }

    /// The same store, for entries under another service name.
    pub fn with_service(mut self, service: &'static str) -> Self {
        self.service = service;
        self
    }

    fn entry(&self, user: &str, label: Option<&str>) -> Result<Entry, StoreError> {
        let modifiers = label
            .filter(|_| self.labels)
            .map(|l| HashMap::from([("label", l)]));
        self.store
            .build(self.service, user, modifiers.as_ref())
            .map_err(|e| self.error(e))
    }

    fn error(&self, e: keyring_core::Error) -> StoreError {
        // keyring-core errors never contain the secret for these calls (BadEncoding and
        // BadDataFormat carry bytes only in their Debug form, which is not used here).
        let text = match &e {
            keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..) => {
                "the stored data is malformed".to_string()
            }
            other => other.to_string(),
        };
        StoreError(format!("{}: {}", self.name, text))
    }

    /// Deletes every one of several items under one key (a Secret Service can hold duplicates,
    /// which make every later read and write of that key ambiguous).
    fn delete_all(&self, entries: &[Entry]) -> Result<(), StoreError> {
        for entry in entries {
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(())
    }

    fn read(&self, user: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let found = self.entry(user, None)?.get_secret();
        if let Err(keyring_core::Error::Ambiguous(entries)) = &found {
            // Repaired: the first item's secret kept as the one item, the rest deleted.
            let first = entries.first().and_then(|e| e.get_secret().ok());
            self.delete_all(entries)?;
            if let Some(bytes) = &first {
                self.entry(user, Some("rolecall session"))?
                    .set_secret(bytes)
                    .map_err(|e| self.error(e))?;
            }
            return Ok(first);
        }
        match found {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..)) => {
                Ok(None)
            }
            Err(e) => Err(self.error(e)),
        }
    }
}

fn part_name(key: &str, index: usize) -> String {
    if index == 0 {
        key.to_string()
    } else {
        format!("{key}.{index}")
    }
}

impl Backend for Keychain {
    fn name(&self) -> String {
        self.name.to_string()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(first) = self.read(key)? else {
            return Ok(None);
        };
        let (parts, head) = codec::split_header(&first);
        let mut bytes = head.to_vec();
        for i in 1..parts {
            match self.read(&part_name(key, i))? {
                Some(part) => bytes.extend_from_slice(&part),
                None => return Ok(None),
            }
        }
        Ok(Some(bytes))
    }

    fn set(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let parts = codec::split(bytes, self.max_part);
        // Write the continuation parts first, so a reader never finds a header whose parts
        // are missing.
        for (i, part) in parts
            .iter()
            .enumerate()
            .skip(1)
            .chain(parts.iter().enumerate().take(1))
        {
            let entry = self.entry(&part_name(key, i), Some(label))?;
            match entry.set_secret(part) {
                Ok(()) => {}
                Err(keyring_core::Error::Ambiguous(entries)) => {
                    self.delete_all(&entries)?;
                    self.entry(&part_name(key, i), Some(label))?
                        .set_secret(part)
                        .map_err(|e| self.error(e))?;
                }
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(())
    }

    /// A keychain that may ask to be unlocked (the Secret Service unlocks locked items it
    /// finds) cannot tell without a prompt, and `list` never prompts.
    fn keys_among(&self, _wanted: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        Ok(None)
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        match self
            .store
            .search(&HashMap::from([("service", self.service)]))
        {
            Ok(entries) => Ok(Some(
                entries
                    .iter()
                    .filter_map(|e| e.get_specifiers())
                    .filter(|(service, _)| service == self.service)
                    .map(|(_, user)| user)
                    .collect(),
            )),
            Err(keyring_core::Error::NotSupportedByStore(_)) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let parts = match self.read(key)? {
            Some(first) => codec::split_header(&first).0,
            None => return Ok(()),
        };
        for i in (0..parts).rev() {
            match self.entry(&part_name(key, i), None)?.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => {}
                Err(keyring_core::Error::Ambiguous(entries)) => self.delete_all(&entries)?,
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Credential Manager's way: at most 2,560 bytes a credential (keyring-core's mock store
    /// in its place; the real one is tested on Windows by `platform_test.rs`).
    #[test]
    fn a_session_over_the_blob_limit_is_split_and_read_back_whole() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let chain = Keychain::new(
            "Windows Credential Manager",
            store.clone(),
            Some(2560),
            false,
        );
        let bytes = codec::encode(&codec::largest_session()).unwrap();
        chain.set("k", "label", &bytes).unwrap();
        let part = |name: &str| store.build(SERVICE, name, None).unwrap().get_secret();
        let stored = [part("k").unwrap(), part("k.1").unwrap()];
        assert!(
            stored.iter().all(|p| p.len() <= 2560),
            "never over the limit"
        );
        assert_eq!(
            stored.iter().map(Vec::len).sum::<usize>(),
            bytes.len() + "rolecall-split:2:".len(),
            "never truncated"
        );
        let back = chain.get("k").unwrap().unwrap();
        assert_eq!(codec::decode(&back), Some(codec::largest_session()));
        chain.delete("k").unwrap();
        assert!(part("k.1").is_err(), "every part is deleted");
        assert_eq!(chain.get("k").unwrap(), None);
    }
}

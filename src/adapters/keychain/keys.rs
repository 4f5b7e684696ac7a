//! Long-term keys in the durable keychain (never the kernel keyring alone: it forgets them at
//! logout), under their own service name so that `clear-cache` never sees them, with a
//! non-secret index in `STATE/keys/` (one file per profile: `{"profile", "access_key_id"}`).

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::backend::Backend;
use super::statedir::StateDir;
use crate::domain::keys::StoredKeys;
use crate::domain::{Credentials, Secret};
use crate::ports::keys::KeyStore;
use crate::ports::store::StoreError;

/// The keychain service name of stored keys (sessions are under `rolecall`).
pub const KEYS_SERVICE: &str = "rolecall-keys";

#[derive(Serialize, Deserialize)]
struct IndexFile {
    profile: String,
    access_key_id: String,
    /// Where the secret is: `file` for the file store; absent for the OS keychain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    store: Option<String>,
}

/// Which durable store holds a profile's secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keychain,
    File,
}

impl Kind {
    fn recorded(self) -> Option<String> {
        match self {
            Kind::Keychain => None,
            Kind::File => Some("file".into()),
        }
    }

    fn of(recorded: Option<&str>) -> Self {
        match recorded {
            Some("file") => Kind::File,
            _ => Kind::Keychain,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
}

pub struct KeychainKeys {
    /// Where new keys go.
    backend: Box<dyn Backend>,
    kind: Kind,
    /// The other durable store, for keys the index records there.
    other: Option<Box<dyn Backend>>,
    state: StateDir,
}

impl KeychainKeys {
    pub fn new(backend: Box<dyn Backend>, kind: Kind, state: StateDir) -> Self {
        Self {
            backend,
            kind,
            other: None,
            state,
        }
    }

    pub fn with_other(mut self, other: Box<dyn Backend>) -> Self {
        self.other = Some(other);
        self
    }

    /// The index file of `profile`, if it has one.
    fn index_file(&self, profile: &str) -> Option<IndexFile> {
        let path = self.state.root().join("keys").join(index_name(profile));
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice::<IndexFile>(&bytes)
            .ok()
            .filter(|f| f.profile == profile)
    }

    /// The store that holds `profile`'s keys, as the index records it.
    fn holder(&self, profile: &str) -> &dyn Backend {
        let kind = self
            .index_file(profile)
            .map_or(self.kind, |f| Kind::of(f.store.as_deref()));
        match &self.other {
            Some(other) if kind != self.kind => other.as_ref(),
            _ => self.backend.as_ref(),
        }
    }

    /// The keychain entry's name: the profile, after this state directory's name space (so
    /// two set-ups of one user never share keys by accident).
    fn entry(&self, profile: &str) -> String {
        format!("{}{profile}", namespace(&self.state))
    }
}

/// `NS:`, this state directory's name space, recorded in the directory itself
/// (`keys/.namespace`) the first time it is needed, so that every spelling of its path (a
/// `HOME` reached through a symbolic link, a relative `..`) finds the same keys. The value
/// recorded is the one earlier versions derived from the path, so keys stored before stay.
pub(super) fn namespace(state: &StateDir) -> String {
    let recorded = |state: &StateDir| {
        let path = state.root().join("keys").join(NAMESPACE_FILE);
        let bytes = crate::adapters::files::read_regular(&path, 64).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let valid = text.len() == 9
            && text.ends_with(':')
            && text[..8].bytes().all(|b| b.is_ascii_hexdigit());
        valid.then_some(text)
    };
    if let Some(ns) = recorded(state) {
        return ns;
    }
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(state.root().to_string_lossy().as_bytes());
    let derived = format!(
        "{:02x}{:02x}{:02x}{:02x}:",
        hash[0], hash[1], hash[2], hash[3]
    );
    // Another process may record its own at the same time: the one on disk wins.
    match state.write_atomic("keys", NAMESPACE_FILE, derived.as_bytes()) {
        Ok(()) => recorded(state).unwrap_or(derived),
        Err(_) => derived,
    }
}

/// The file in `STATE/keys/` that records the name space (the index skips dot files).
const NAMESPACE_FILE: &str = ".namespace";

/// The index file of a profile: a digest, since a profile name may hold any character.
fn index_name(profile: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::domain::text::hex(&Sha256::digest(profile.as_bytes())[..16])
}

impl KeyStore for KeychainKeys {
    fn describe(&self) -> String {
        format!(
            "{} (service {KEYS_SERVICE}; index in {})",
            self.backend.name(),
            self.state.root().join("keys").display()
        )
    }

    fn index(&self) -> StoredKeys {
        let mut keys = StoredKeys::default();
        let Ok(dir) = std::fs::read_dir(self.state.root().join("keys")) else {
            return keys;
        };
        for entry in dir.filter_map(Result::ok) {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            if let Ok(file) = serde_json::from_slice::<IndexFile>(&bytes) {
                if index_name(&file.profile) == name.to_string_lossy() {
                    keys.0.insert(file.profile, file.access_key_id);
                }
            }
        }
        keys
    }

    fn get(&self, profile: &str) -> Result<Option<Credentials>, StoreError> {
        let holder = self.holder(profile);
        let Some(mut bytes) = holder.get(&self.entry(profile))? else {
            return Ok(None);
        };
        let parsed = serde_json::from_slice::<Stored>(&bytes);
        bytes.zeroize();
        match parsed {
            Ok(mut stored) => {
                let creds = Credentials {
                    access_key_id: stored.access_key_id.clone(),
                    secret_access_key: Secret::new(stored.secret_access_key.as_str()),
                    session_token: None,
                    expiration: None,
                    account_id: None,
                };
                stored.secret_access_key.zeroize();
                Ok(Some(creds))
            }
            Err(_) => Err(StoreError(format!(
                "{}: the keys stored for profile \"{profile}\" are malformed; add them again with \"rolecall keys add {profile}\"",
                holder.name()
            ))),
        }
    }

    fn put(&self, profile: &str, keys: &Credentials) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec(&Stored {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.expose().to_string(),
        })
        .map_err(|e| StoreError(e.to_string()))?;
        // What was there, to put back if the index cannot follow.
        let mut previous = self.backend.get(&self.entry(profile))?;
        let set = self.backend.set(
            &self.entry(profile),
            &format!("rolecall keys for profile {profile}"),
            &bytes,
        );
        bytes.zeroize();
        set?;
        let moved_from = self
            .index_file(profile)
            .map(|f| Kind::of(f.store.as_deref()))
            .filter(|k| *k != self.kind);
        let index = serde_json::to_vec(&IndexFile {
            profile: profile.to_string(),
            access_key_id: keys.access_key_id.clone(),
            store: self.kind.recorded(),
        })
        .map_err(|e| StoreError(e.to_string()))?;
        if let Err(e) = self
            .state
            .write_atomic("keys", &index_name(profile), &index)
        {
            // The index still names the old keys: the keychain goes back to them (or, for
            // keys it never named, loses the new ones again).
            let _ = match &previous {
                Some(old) => self.backend.set(
                    &self.entry(profile),
                    &format!("rolecall keys for profile {profile}"),
                    old,
                ),
                None => self.backend.delete(&self.entry(profile)),
            };
            if let Some(old) = previous.as_mut() {
                old.zeroize();
            }
            return Err(e);
        }
        if let Some(old) = previous.as_mut() {
            old.zeroize();
        }
        // Stored here now: a copy the other store held is no longer the one in use.
        if let (Some(_), Some(other)) = (moved_from, &self.other) {
            let _ = other.delete(&self.entry(profile));
        }
        Ok(())
    }

    fn kind_of(&self, profile: &str) -> Option<&'static str> {
        self.index_file(profile)
            .map(|f| match Kind::of(f.store.as_deref()) {
                Kind::Keychain => "keychain",
                Kind::File => "file-store",
            })
    }

    fn holds(&self, profile: &str) -> bool {
        self.index_file(profile)
            .is_some_and(|f| Kind::of(f.store.as_deref()) == self.kind)
    }

    fn forget_secret(&self, profile: &str) -> Result<(), StoreError> {
        self.backend.delete(&self.entry(profile))
    }

    fn whereabouts(&self, profile: &str) -> Option<(String, Result<(), String>)> {
        self.index_file(profile)?;
        let holder = self.holder(profile);
        Some((holder.name(), holder.ready()))
    }

    fn remove(&self, profile: &str) -> Result<(), StoreError> {
        self.holder(profile).delete(&self.entry(profile))?;
        match std::fs::remove_file(self.state.root().join("keys").join(index_name(profile))) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError(format!(
                "cannot update the key index in {}: {e}",
                self.state.root().display()
            ))),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_state_directory_has_one_name_space() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("home");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("link")).unwrap();
        let state = |home: &str| StateDir::at(tmp.path().join(home).join(".local/state/rolecall"));
        let first = namespace(&state("home"));
        assert_eq!(namespace(&state("link")), first, "HOME through a link");
        assert_eq!(namespace(&state("link/../home")), first);
        assert_eq!(namespace(&state("home")), first, "and it stays");
    }
}

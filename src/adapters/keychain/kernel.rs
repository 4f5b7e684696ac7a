//! The Linux kernel keyring, used directly (keyutils), as the fast layer in front of the
//! Secret Service.
//!
//! Sessions are `user` keys described `rolecall:KEY` in the uid's persistent keyring
//! (persistent-keyring(7)): shared by every login session of the uid, and forgotten a few days
//! after its last logout. The keyring is small and shared with other programs (Kerberos ticket
//! caches live there on Fedora and RHEL): an ordinary user may keep 200 keys and 20,000 bytes
//! in all (`/proc/sys/kernel/keys/maxbytes`), so rolecall
//! - gives each entry a kernel timeout at the session's expiry (the kernel removes it then),
//! - replaces an entry in place (`add_key` of the same description updates it),
//! - keeps its own entries under half the uid's byte quota, dropping its oldest first, and
//!   stores nothing rather than fill the rest,
//! - says so when the quota is full.

use linux_keyutils::{Key, KeyError, KeyRing, KeyRingIdentifier};

use super::backend::Backend;
use super::codec;
use crate::adapters::clock::SystemClock;
use crate::ports::clock::Clock;
use crate::ports::store::StoreError;

const NAME: &str = "kernel keyring";
const PREFIX: &str = "rolecall:";
/// Entries keyring-core's store wrote before rolecall kept the keyring itself: they have no
/// timeout, so they are pruned.
const OLD_PREFIX: &str = "keyring-rs:";
const OLD_SUFFIX: &str = "@rolecall";
/// The timeout of an entry whose payload carries no expiry (the `doctor` probe).
const DEFAULT_TIMEOUT: u64 = 60;

pub struct KernelKeyring {
    ring: KeyRing,
}

impl KernelKeyring {
    pub fn open() -> Result<Box<dyn Backend>, StoreError> {
        // Linked into the session keyring, so that this process possesses the entries (and
        // may search and read them); without one, into the user keyring, which the default
        // session keyring links.
        let ring = KeyRing::get_persistent(KeyRingIdentifier::Session)
            .or_else(|_| KeyRing::get_persistent(KeyRingIdentifier::User))
            .map_err(|e| error("cannot open the persistent keyring", e))?;
        Ok(Box::new(Self { ring }))
    }

    fn find(&self, key: &str) -> Result<Option<Key>, StoreError> {
        match self.ring.search(&format!("{PREFIX}{key}")) {
            Ok(found) => Ok(Some(found)),
            Err(
                KeyError::KeyDoesNotExist
                | KeyError::KeyExpired
                | KeyError::KeyRevoked
                | KeyError::KeyRejected,
            ) => Ok(None),
            Err(e) => Err(error("search", e)),
        }
    }

    /// rolecall's entries in the keyring: (key, the kernel's key, its payload size when
    /// `sizes` asks for it).
    fn entries(&self, sizes: bool) -> Result<Vec<(String, Key, usize)>, StoreError> {
        let links = self
            .ring
            .get_links(4096)
            .map_err(|e| error("cannot list the keyring", e))?;
        Ok(links
            .iter()
            .filter_map(|node| node.as_key())
            .filter_map(|k| {
                let description = k.metadata().ok()?.get_description().to_string();
                let name = description
                    .strip_prefix(PREFIX)
                    .map(str::to_string)
                    .or_else(|| {
                        description
                            .strip_prefix(OLD_PREFIX)?
                            .strip_suffix(OLD_SUFFIX)
                            .map(|n| format!("{OLD_PREFIX}{n}"))
                    })?;
                // What the kernel charges the quota: the payload and the description.
                let size = if sizes {
                    k.read_to_vec().map(|v| v.len()).unwrap_or(0) + description.len() + 1
                } else {
                    0
                };
                Some((name, k, size))
            })
            .collect())
    }

    /// Makes room for `needed` more bytes when the uid is past half its quota: drops entries of
    /// the old format, then rolecall's
    /// oldest entries (lowest serial first) until rolecall uses at most half of the uid's byte
    /// quota and the keyring has room. `Err` when there is no room that rolecall could free.
    fn make_room(&self, needed: usize) -> Result<(), StoreError> {
        let Some(quota) = Quota::read() else {
            return Ok(());
        };
        // rolecall's entries are part of what the uid uses: with room under half the quota in
        // all, both rules hold without looking at any entry.
        if quota.used_bytes + needed <= quota.max_bytes / 2 {
            return Ok(());
        }
        let mut entries = self.entries(true)?;
        for (name, k, _) in &entries {
            if name.starts_with(OLD_PREFIX) {
                let _ = k.invalidate();
            }
        }
        entries.retain(|(name, ..)| !name.starts_with(OLD_PREFIX));
        entries.sort_by_key(|(_, k, _)| k.get_id().as_raw_id());
        let mut ours: usize = entries.iter().map(|(_, _, s)| s).sum();
        let mut used = quota.used_bytes;
        let mut entries = entries.into_iter();
        while ours + needed > quota.max_bytes / 2 || used + needed > quota.max_bytes {
            let Some((_, k, size)) = entries.next() else {
                return Err(StoreError(format!(
                    "{NAME}: your key quota is full ({used} of {} bytes in use, mostly by other programs); rolecall stored nothing there so that they keep working (see /proc/key-users; as root, raise kernel.keys.maxbytes)",
                    quota.max_bytes
                )));
            };
            let _ = k.invalidate();
            ours = ours.saturating_sub(size);
            used = used.saturating_sub(size);
        }
        Ok(())
    }
}

impl Backend for KernelKeyring {
    fn name(&self) -> String {
        NAME.to_string()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(found) = self.find(key)? else {
            return Ok(None);
        };
        match found.read_to_vec() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(KeyError::KeyExpired | KeyError::KeyRevoked | KeyError::KeyDoesNotExist) => {
                Ok(None)
            }
            Err(e) => Err(error("read", e)),
        }
    }

    fn set(&self, key: &str, _label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let timeout = codec::decode(bytes)
            .and_then(|c| c.expiration)
            .map(|e| (e - SystemClock.now()).whole_seconds())
            .map_or(DEFAULT_TIMEOUT, |s| s.max(1) as u64);
        let description = format!("{PREFIX}{key}");
        // The quota is charged the payload and the description.
        let charged = bytes.len() + description.len() + 1;
        if self.find(key)?.is_none() {
            self.make_room(charged)?;
        }
        let added = match self.ring.add_key(&description, bytes) {
            Err(KeyError::QuotaExceeded) => {
                // Another program filled it since: make room once more, then give up.
                self.make_room(charged)?;
                self.ring.add_key(&description, bytes)
            }
            other => other,
        };
        let added = added.map_err(|e| error("store", e))?;
        added
            .set_timeout(timeout as usize)
            .map_err(|e| error("set the timeout of", e))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        if let Some(found) = self.find(key)? {
            match found.invalidate() {
                Ok(()) | Err(KeyError::KeyExpired | KeyError::KeyDoesNotExist) => {}
                Err(e) => return Err(error("delete", e)),
            }
        }
        Ok(())
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(Some(
            self.entries(false)?
                .into_iter()
                .map(|(name, ..)| name)
                .filter(|name| !name.starts_with(OLD_PREFIX))
                .collect(),
        ))
    }
}

/// The uid's key quota, from `/proc/key-users` (`UID: usage nkeys/nikeys qnkeys/maxkeys
/// qnbytes/maxbytes`).
struct Quota {
    used_bytes: usize,
    max_bytes: usize,
}

impl Quota {
    fn read() -> Option<Self> {
        let uid = rustix::process::geteuid().as_raw();
        let text = std::fs::read_to_string("/proc/key-users").ok()?;
        Self::parse(&text, uid)
    }

    fn parse(text: &str, uid: u32) -> Option<Self> {
        let line = text
            .lines()
            .find(|l| l.trim_start().split(':').next() == Some(&uid.to_string()))?;
        let bytes = line.split_whitespace().nth(4)?;
        let (used, max) = bytes.split_once('/')?;
        Some(Self {
            used_bytes: used.parse().ok()?,
            max_bytes: max.parse().ok()?,
        })
    }
}

fn error(what: &str, e: KeyError) -> StoreError {
    let reason = match e {
        KeyError::QuotaExceeded => {
            "your key quota is full (Disk quota exceeded); see /proc/key-users".to_string()
        }
        KeyError::AccessDenied => "permission denied".to_string(),
        other => other.to_string(),
    };
    let what = match what {
        "search" | "read" | "store" | "delete" | "set the timeout of" => {
            format!("cannot {what} an entry")
        }
        other => other.to_string(),
    };
    StoreError(format!("{NAME}: {what}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_line_of_this_uid() {
        let text =
            "    0:    85 84/84 74/1000000 1503/25000000\n 1000:     5 5/5 5/200 1200/20000\n";
        let q = Quota::parse(text, 1000).unwrap();
        assert_eq!((q.used_bytes, q.max_bytes), (1200, 20000));
        assert_eq!(Quota::parse(text, 0).unwrap().max_bytes, 25_000_000);
        assert!(Quota::parse(text, 7).is_none());
    }
}

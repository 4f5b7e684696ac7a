//! Backends that wrap other backends: a time limit ([`Bounded`]), opening on first use
//! ([`Lazy`]), and a fast layer in front of a durable one ([`Layered`]).

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::backend::Backend;
use super::codec::decode;
use crate::ports::store::StoreError;

/// Runs keychain calls on a helper thread with a time limit, so a keychain waiting for an
/// unlock prompt cannot hang rolecall. After one call times out, every later call of the run
/// fails at once: a locked keychain costs one wait, not one per cache step.
#[cfg_attr(
    windows,
    allow(
        dead_code,
        reason = "the Credential Manager never prompts, so nothing waits"
    )
)]
pub struct Bounded<B> {
    inner: Arc<B>,
    timeout: Duration,
    gave_up: Mutex<Option<StoreError>>,
}

#[cfg_attr(
    windows,
    allow(
        dead_code,
        reason = "the Credential Manager never prompts, so nothing waits"
    )
)]
impl<B: Backend + 'static> Bounded<B> {
    pub fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner: Arc::new(inner),
            timeout,
            gave_up: Mutex::new(None),
        }
    }

    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&B) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let mut gave_up = self.gave_up.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = gave_up.as_ref() {
            return Err(e.clone());
        }
        let (tx, rx) = mpsc::channel();
        let inner = self.inner.clone();
        std::thread::spawn(move || {
            let _ = tx.send(f(&inner));
        });
        rx.recv_timeout(self.timeout).unwrap_or_else(|_| {
            let e = StoreError(format!(
                "{}: no answer within {} seconds; if your keyring is locked, unlock it (log in to the desktop session, open Passwords and Keys, or start gnome-keyring-daemon --unlock with the password on its standard input)",
                self.inner.name(),
                self.timeout.as_secs()
            ));
            *gave_up = Some(e.clone());
            Err(e)
        })
    }
}

impl<B: Backend + 'static> Backend for Bounded<B> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_string();
        self.run(move |b| b.get(&key))
    }

    fn set(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let (key, label, bytes) = (key.to_string(), label.to_string(), bytes.to_vec());
        self.run(move |b| b.set(&key, &label, &bytes))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_string();
        self.run(move |b| b.delete(&key))
    }

    /// A keychain that does not answer in time is there (locked, say): only one that cannot
    /// be opened at all is not.
    fn reachable(&self) -> bool {
        self.run(|b| Ok(b.reachable())).unwrap_or(true)
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.run(|b| b.keys())
    }

    fn keys_among(&self, wanted: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        let wanted = wanted.to_vec();
        self.run(move |b| b.keys_among(&wanted))
    }

    fn surely_holds(&self, wanted: &[String]) -> Result<Vec<String>, StoreError> {
        let wanted = wanted.to_vec();
        self.run(move |b| b.surely_holds(&wanted))
    }
}

/// A backend opened on first use; an opening failure is remembered and returned each time.
pub struct Lazy {
    name: &'static str,
    open: fn() -> Result<Box<dyn Backend>, StoreError>,
    cell: OnceLock<Result<Box<dyn Backend>, StoreError>>,
}

impl Lazy {
    pub fn new(name: &'static str, open: fn() -> Result<Box<dyn Backend>, StoreError>) -> Self {
        Self {
            name,
            open,
            cell: OnceLock::new(),
        }
    }

    fn backend(&self) -> Result<&dyn Backend, StoreError> {
        match self.cell.get_or_init(self.open) {
            Ok(b) => Ok(b.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }
}

impl Backend for Lazy {
    fn name(&self) -> String {
        self.name.to_string()
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.backend()?.get(key)
    }
    fn set(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.backend()?.set(key, label, bytes)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.backend()?.delete(key)
    }

    fn reachable(&self) -> bool {
        self.backend().is_ok()
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.backend()?.keys()
    }

    fn keys_among(&self, wanted: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        self.backend()?.keys_among(wanted)
    }

    fn surely_holds(&self, wanted: &[String]) -> Result<Vec<String>, StoreError> {
        self.backend()?.surely_holds(wanted)
    }
}

/// A fast first layer (the kernel keyring) in front of a durable one (the Secret Service).
/// Reads try the fast layer first and copy durable hits into it; writes go to both. A failing
/// durable layer is reported once and the fast one carries on; a failing fast layer is silent.
#[cfg_attr(
    not(target_os = "linux"),
    allow(dead_code, reason = "only Linux stacks two keychains")
)]
pub struct Layered {
    pub fast: Box<dyn Backend>,
    pub durable: Box<dyn Backend>,
    problems: Mutex<Vec<String>>,
}

#[cfg_attr(
    not(target_os = "linux"),
    allow(dead_code, reason = "only Linux stacks two keychains")
)]
impl Layered {
    pub fn new(fast: Box<dyn Backend>, durable: Box<dyn Backend>) -> Self {
        Self {
            fast,
            durable,
            problems: Mutex::new(Vec::new()),
        }
    }

    /// Remembers that one layer failed while `covering` did the work.
    fn problem(&self, e: StoreError, covering: &dyn Backend) {
        let message = format!(
            "{}; sessions are cached in the {} only",
            e.0,
            covering.name()
        );
        let mut p = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        if !p.contains(&message) {
            p.push(message);
        }
    }
}

impl Backend for Layered {
    fn name(&self) -> String {
        format!("{} in front of {}", self.fast.name(), self.durable.name())
    }

    fn keys_among(&self, wanted: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        let (mut held, missing): (Vec<String>, Vec<String>) = match self.fast.keys_among(wanted) {
            Ok(Some(fast)) => {
                let missing = wanted
                    .iter()
                    .filter(|w| !fast.contains(w))
                    .cloned()
                    .collect();
                (fast, missing)
            }
            Ok(None) | Err(_) => (Vec::new(), wanted.to_vec()),
        };
        if missing.is_empty() {
            return Ok(Some(held)); // all in the fast layer: the durable one is not asked
        }
        match self.durable.keys_among(&missing) {
            Ok(Some(durable)) => {
                held.extend(durable);
                Ok(Some(held))
            }
            // The durable layer cannot tell without a prompt: its word is the index's.
            Ok(None) => {
                held.extend(missing);
                Ok(Some(held))
            }
            // What a read would find: the durable layer unreachable, the fast layer's.
            Err(e) if held.is_empty() && self.fast.keys().is_err() => Err(e),
            Err(_) => Ok(Some(held)),
        }
    }

    fn surely_holds(&self, wanted: &[String]) -> Result<Vec<String>, StoreError> {
        let mut held = self.fast.surely_holds(wanted).unwrap_or_default();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|w| !held.contains(w))
            .cloned()
            .collect();
        if !missing.is_empty() {
            held.extend(self.durable.surely_holds(&missing).unwrap_or_default());
        }
        Ok(held)
    }

    fn check_bytes(&self, bytes: &[u8]) -> Vec<(String, Result<(), StoreError>)> {
        let mut checks = self.fast.check_bytes(bytes);
        checks.extend(self.durable.check_bytes(bytes));
        checks
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let fast_error = match self.fast.get(key) {
            Ok(Some(bytes)) if decode(&bytes).is_some() => return Ok(Some(bytes)),
            Ok(_) => None,
            Err(e) => Some(e),
        };
        match self.durable.get(key) {
            Ok(Some(bytes)) => {
                if fast_error.is_none() && decode(&bytes).is_some() {
                    let _ = self.fast.set(key, "", &bytes);
                }
                Ok(Some(bytes))
            }
            Ok(None) => Ok(None),
            Err(e) => match fast_error {
                Some(f) => Err(StoreError(format!("{}; {}", f.0, e.0))),
                None => {
                    self.problem(e, self.fast.as_ref());
                    Ok(None)
                }
            },
        }
    }

    fn get_fast(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.fast.get(key) {
            Ok(Some(bytes)) if decode(&bytes).is_some() => Ok(Some(bytes)),
            // A broken fast layer holds nothing; the durable one never held this entry.
            _ => Ok(None),
        }
    }

    fn set_fast(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.fast.set(key, label, bytes)
    }

    fn set(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        match (
            self.fast.set(key, label, bytes),
            self.durable.set(key, label, bytes),
        ) {
            (Ok(()), Ok(())) => Ok(()),
            // The fast layer is an optimisation: the durable store has the session, so its
            // failure (no session keyring in a container, say) is not worth a note.
            (Err(_), Ok(())) => Ok(()),
            (Ok(()), Err(e)) => {
                self.problem(e, self.fast.as_ref());
                Ok(())
            }
            (Err(a), Err(b)) => Err(StoreError(format!("{}; {}", a.0, b.0))),
        }
    }

    /// Both layers, or an error: a session left in either would still be served. A durable
    /// layer that cannot be reached at all (no D-Bus session over SSH or in a container) serves
    /// nothing while it is away: the fast layer's delete is the run's, and the durable one's
    /// absence is reported once.
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let a = self.fast.delete(key);
        let b = self.durable.delete(key);
        match (a, b) {
            (Ok(()), Err(e)) if !self.durable.reachable() => {
                self.problem(e, self.fast.as_ref());
                Ok(())
            }
            (Err(a), Err(b)) => Err(StoreError(format!("{}; {}", a.0, b.0))),
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        // What a read would find: a layer that cannot be reached is a layer a read skips.
        let (mut keys, durable) = match (self.fast.keys(), self.durable.keys()) {
            (Err(a), Err(b)) => return Err(StoreError(format!("{}; {}", a.0, b.0))),
            (Ok(fast), Err(_)) => return Ok(fast),
            (Err(_), Ok(durable)) => return Ok(durable),
            (Ok(Some(fast)), Ok(Some(durable))) => (fast, durable),
            (Ok(_), Ok(_)) => return Ok(None),
        };
        for key in durable {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Ok(Some(keys))
    }

    fn problems(&self) -> Vec<String> {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A backend in memory, optionally broken, optionally size-limited.
    #[derive(Default)]
    struct Mem {
        map: Mutex<HashMap<String, Vec<u8>>>,
        broken: bool,
    }

    impl Backend for Mem {
        fn name(&self) -> String {
            "mem".into()
        }
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            if self.broken {
                return Err(StoreError("mem: down".into()));
            }
            Ok(self.map.lock().unwrap().get(key).cloned())
        }
        fn set(&self, key: &str, _: &str, bytes: &[u8]) -> Result<(), StoreError> {
            if self.broken {
                return Err(StoreError("mem: down".into()));
            }
            self.map.lock().unwrap().insert(key.into(), bytes.to_vec());
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.map.lock().unwrap().remove(key);
            Ok(())
        }
    }

    fn sample() -> Vec<u8> {
        br#"{"v":1,"k":"ASIA","s":"x","e":1}"#.to_vec()
    }

    #[test]
    fn a_session_the_index_does_not_list_is_never_asked_of_the_durable_layer() {
        use crate::adapters::keychain::sessions::KeychainSessions;
        use crate::adapters::keychain::statedir::StateDir;
        use crate::ports::store::{Label, SessionStore};
        let tmp = tempfile::tempdir().unwrap();
        let state = StateDir::at(tmp.path().join("state"));
        // The durable layer holds the session under the store's name for it; nothing else.
        let probe = KeychainSessions::new(
            Box::new(Mem::default()),
            StateDir::at(tmp.path().join("state")),
        );
        let durable = Mem::default();
        let name = format!("{}aa11", probe.prefix_for_tests());
        durable.map.lock().unwrap().insert(name, sample());
        let sessions = KeychainSessions::new(
            Box::new(Layered::new(Box::new(Mem::default()), Box::new(durable))),
            state,
        );
        assert!(
            sessions.get("aa11").unwrap().is_none(),
            "not indexed: the fast layer only"
        );
        StateDir::at(tmp.path().join("state"))
            .index_put(
                "aa11",
                Label {
                    profile: "prod",
                    session_name: None,
                },
                1,
            )
            .unwrap();
        assert!(
            sessions.get("aa11").unwrap().is_some(),
            "indexed: the durable layer too"
        );
        // A broken durable layer is not even noticed for an entry it cannot hold.
        let broken = Layered::new(
            Box::new(Mem::default()),
            Box::new(Mem {
                broken: true,
                ..Mem::default()
            }),
        );
        assert_eq!(broken.get_fast("k").unwrap(), None);
        assert!(broken.problems().is_empty());
    }

    #[test]
    fn layered_reads_fast_first_and_warms_it_from_durable() {
        let durable = Mem::default();
        durable.map.lock().unwrap().insert("k".into(), sample());
        let l = Layered::new(Box::new(Mem::default()), Box::new(durable));
        assert_eq!(l.get("k").unwrap(), Some(sample()));
        assert_eq!(l.fast.get("k").unwrap(), Some(sample()), "warmed");
        assert!(l.problems().is_empty());
    }

    #[test]
    fn layered_survives_one_broken_layer_and_reports_it_once() {
        let l = Layered::new(
            Box::new(Mem::default()),
            Box::new(Mem {
                broken: true,
                ..Default::default()
            }),
        );
        l.set("k", "", &sample()).unwrap();
        l.set("k2", "", &sample()).unwrap();
        assert_eq!(l.get("k").unwrap(), Some(sample()));
        assert_eq!(l.get("other").unwrap(), None);
        assert_eq!(
            l.problems(),
            vec!["mem: down; sessions are cached in the mem only".to_string()]
        );
    }

    #[test]
    fn a_broken_fast_layer_is_silent() {
        let l = Layered::new(
            Box::new(Mem {
                broken: true,
                ..Default::default()
            }),
            Box::new(Mem::default()),
        );
        l.set("k", "", &sample()).unwrap();
        assert_eq!(l.get("k").unwrap(), Some(sample()));
        assert!(l.problems().is_empty());
    }

    #[test]
    fn layered_fails_when_both_layers_fail() {
        let broken = || {
            Box::new(Mem {
                broken: true,
                ..Default::default()
            })
        };
        let l = Layered::new(broken(), broken());
        assert!(l.set("k", "", &sample()).is_err());
        assert!(l.get("k").is_err());
    }

    #[test]
    fn bounded_gives_up_on_a_hanging_backend() {
        struct Hang;
        impl Backend for Hang {
            fn name(&self) -> String {
                "hang".into()
            }
            fn get(&self, _: &str) -> Result<Option<Vec<u8>>, StoreError> {
                std::thread::sleep(Duration::from_secs(30));
                Ok(None)
            }
            fn set(&self, _: &str, _: &str, _: &[u8]) -> Result<(), StoreError> {
                Ok(())
            }
            fn delete(&self, _: &str) -> Result<(), StoreError> {
                Ok(())
            }
        }
        let b = Bounded::new(Hang, Duration::from_millis(200));
        let e = b.get("k").unwrap_err();
        assert!(e.0.contains("no answer within"), "{e}");
        // The rest of the run does not wait again.
        let start = std::time::Instant::now();
        assert_eq!(b.set("k", "", b"x").unwrap_err(), e);
        assert!(b.get("k").is_err());
        assert!(start.elapsed() < Duration::from_millis(150));
    }
}

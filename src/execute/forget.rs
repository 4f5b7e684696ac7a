//! Forgetting cached sessions: `clear-cache`, and the sessions of every chain that starts at a
//! root that changed (new or removed keys, a sign-out). Only the session store is touched.

use std::collections::HashSet;

use crate::domain::plan::{Plan, Source};
use crate::domain::printable;
use crate::ports::store::{IndexEntry, SessionStore, StoreError};
use crate::printer::Printer;

/// What a clear-up removed, and what the store would not let go.
#[derive(Debug, Default)]
pub struct Forgotten {
    pub removed: usize,
    /// Each distinct failure once: sessions left there would still be served.
    pub failures: Vec<StoreError>,
}

impl Forgotten {
    fn failed(&mut self, e: StoreError) {
        if !self.failures.contains(&e) {
            self.failures.push(e);
        }
    }
}

/// Which sessions `clear-cache` removes.
pub enum Scope<'a> {
    /// Every session the store holds, indexed or not.
    All,
    /// The sessions of these names: the keys of their plans (`planned`), plus whatever the
    /// index lists under them (sessions of a profile since edited or removed). A name that is
    /// neither in `profiles` nor in the index is a typo.
    Profiles {
        names: &'a [String],
        planned: HashSet<String>,
        profiles: &'a dyn Fn(&str) -> bool,
    },
}

/// `clear-cache` was given a name that is neither a profile nor in the index.
#[derive(Debug, thiserror::Error)]
#[error("no profile {0:?}")]
pub struct UnknownProfile(pub String);

/// Removes the sessions of `scope`, from every layer of the store (a lost or stale index must
/// not keep a session alive). Nothing is removed when a name is unknown.
pub fn clear(
    store: &dyn SessionStore,
    scope: Scope,
    out: &mut Printer,
) -> Result<Forgotten, UnknownProfile> {
    let index = store.index();
    let mut done = Forgotten::default();
    let mut stored: HashSet<String> = index.iter().map(|e| e.key.clone()).collect();
    match store.stored_keys() {
        Ok(keys) => stored.extend(keys.into_iter().flatten()),
        Err(e) => done.failed(e),
    }
    let mut targets: Vec<String> = match scope {
        Scope::All => stored.iter().cloned().collect(),
        Scope::Profiles {
            names,
            mut planned,
            profiles,
        } => {
            for name in names {
                let indexed = indexed_under(&index, name);
                if indexed.is_empty() && !profiles(name) {
                    return Err(UnknownProfile(name.clone()));
                }
                planned.extend(indexed);
            }
            planned.into_iter().collect()
        }
    };
    targets.sort();
    for key in &targets {
        match store.remove(key) {
            Ok(()) if stored.contains(key) => {
                done.removed += 1;
                let profile = index.iter().find(|e| &e.key == key).map(|e| &e.profile);
                out.verbose(&match profile {
                    Some(p) => format!("removed a session of profile \"{}\"", printable(p)),
                    None => "removed a session that was not in the index".to_string(),
                });
            }
            Ok(()) => {}
            Err(e) => done.failed(e),
        }
    }
    // A part of the store that was not there (and may hold sessions when it is again).
    if let Some(notice) = store.notice() {
        out.note(&notice);
    }
    Ok(done)
}

fn indexed_under(index: &[IndexEntry], profile: &str) -> Vec<String> {
    index
        .iter()
        .filter(|e| e.profile == profile)
        .map(|e| e.key.clone())
        .collect()
}

/// Forgets every cached session of the chains whose root `rooted` picks: the keys of each
/// such plan in `plans` (every profile's, with and without `--no-session`), and whatever the
/// index lists under the profiles on those chains, so sessions of other durations go too.
/// A failure is noted, naming `what` the sessions were made with.
pub fn forget_rooted(
    store: &dyn SessionStore,
    plans: &[Plan],
    rooted: &dyn Fn(&Source) -> bool,
    what: &str,
    out: &mut Printer,
) -> usize {
    let mut keys: HashSet<String> = HashSet::new();
    let mut on_chain: HashSet<&str> = HashSet::new();
    for plan in plans.iter().filter(|p| rooted(&p.source)) {
        keys.extend(plan.session_keys().map(str::to_string));
        on_chain.insert(&plan.profile);
        on_chain.extend(plan.steps.iter().map(|s| s.profile()));
    }
    keys.extend(
        store
            .index()
            .into_iter()
            .filter(|e| on_chain.contains(e.profile.as_str()))
            .map(|e| e.key),
    );
    let mut removed = 0;
    for key in &keys {
        match store.remove(key) {
            Ok(()) => removed += 1,
            Err(e) => out.note(&format!("could not forget a session made with {what}: {e}")),
        }
    }
    removed
}

/// Whether a plan starts at the long-term keys of `root` (in the keychain or the files).
pub fn keys_of(root: &str) -> impl Fn(&Source) -> bool + '_ {
    move |source| match source {
        Source::Stored { profile, .. } | Source::Static { profile, .. } => profile == root,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Credentials;
    use crate::ports::store::Label;
    use crate::printer::{Printer, Verbosity};
    use crate::testing::{plan_of, MemoryStore};

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: crate::domain::Secret::new("s"),
            session_token: Some(crate::domain::Secret::new("t")),
            expiration: None,
            account_id: None,
        }
    }

    #[test]
    fn an_unknown_name_removes_nothing_and_a_stale_index_entry_is_found() {
        let store = MemoryStore::default();
        let label = |p| Label {
            profile: p,
            session_name: None,
        };
        store.put("k-prod", label("prod"), &creds()).unwrap();
        store.put("k-gone", label("gone"), &creds()).unwrap();
        let mut err = Vec::new();
        let mut out = Printer::new(&mut err, Verbosity::Normal);
        let names = ["prod".to_string(), "typo".to_string()];
        let scope = Scope::Profiles {
            names: &names,
            planned: HashSet::new(),
            profiles: &|n| n == "prod",
        };
        assert_eq!(clear(&store, scope, &mut out).unwrap_err().0, "typo");
        assert_eq!(store.index().len(), 2, "nothing removed");
        let names = ["gone".to_string()];
        let scope = Scope::Profiles {
            names: &names,
            planned: HashSet::new(),
            profiles: &|_| false,
        };
        assert_eq!(clear(&store, scope, &mut out).unwrap().removed, 1);
        assert_eq!(clear(&store, Scope::All, &mut out).unwrap().removed, 1);
        assert!(store.index().is_empty());
    }

    #[test]
    fn forgetting_a_root_takes_the_chains_built_on_it_only() {
        let config = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = default\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = c\n[profile c]\ncredential_process = /bin/true\n";
        let credentials = "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = s\n";
        let of = |name| plan_of(config, credentials, name, &[], crate::testing::NOW);
        let plans = vec![of("a"), of("b")];
        let store = MemoryStore::default();
        for plan in &plans {
            for key in plan.session_keys() {
                let label = Label {
                    profile: &plan.profile,
                    session_name: None,
                };
                store.put(key, label, &creds()).unwrap();
            }
        }
        let mut err = Vec::new();
        let mut out = Printer::new(&mut err, Verbosity::Normal);
        let removed = forget_rooted(&store, &plans, &keys_of("default"), "keys", &mut out);
        assert!(removed >= 1);
        let left: Vec<String> = store.index().into_iter().map(|e| e.profile).collect();
        assert!(
            !left.is_empty() && left.iter().all(|p| p == "b"),
            "{left:?}"
        );
    }
}

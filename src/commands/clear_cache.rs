//! `rolecall clear-cache [PROFILE…]`: forget stored sessions.

use std::collections::HashSet;

use super::obtain::{inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::ClearCacheArgs;
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::plan::plan;
use crate::ports::store::{IndexEntry, StoreError};

pub fn run(args: ClearCacheArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let index = ctx.store.index();
    let mut failures = Vec::new();
    // What is really stored: the index, and whatever each keychain layer holds of rolecall's,
    // indexed or not (a lost or stale index must not keep a session alive).
    let mut stored: HashSet<String> = index.iter().map(|e| e.key.clone()).collect();
    match ctx.store.stored_keys() {
        Ok(keys) => stored.extend(keys.into_iter().flatten()),
        Err(e) => failures.push(e),
    }
    let targets: Vec<String> = if args.profiles.is_empty() {
        let mut all: Vec<String> = stored.iter().cloned().collect();
        all.sort();
        all
    } else {
        // Every key of the named profiles' plans, in every store, whether indexed or not.
        let mut keys: Vec<String> = keys_of(&args.profiles, &index, ctx)?.into_iter().collect();
        keys.sort();
        keys
    };
    let mut removed = 0usize;
    for key in &targets {
        match ctx.store.remove(key) {
            Ok(()) if stored.contains(key) => {
                removed += 1;
                let profile = index
                    .iter()
                    .find(|e| &e.key == key)
                    .map(|e| e.profile.as_str());
                ctx.verbose(&match profile {
                    Some(p) => format!("removed a session of profile \"{}\"", printable(p)),
                    None => "removed a session that was not in the index".to_string(),
                });
            }
            Ok(()) => {}
            Err(e) => {
                if !failures.contains(&e) {
                    failures.push(e);
                }
            }
        }
    }
    let noun = if removed == 1 { "session" } else { "sessions" };
    let scope = if args.profiles.is_empty() {
        String::new()
    } else {
        let mut names: Vec<&str> = Vec::new();
        for name in &args.profiles {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        format!(" of {}", printable(&names.join(", ")))
    };
    write_out(
        ctx,
        format!("removed {removed} cached {noun}{scope}\n").as_bytes(),
    )?;
    if failures.is_empty() {
        return Ok(Outcome::Done);
    }
    // Which store kept what: sessions left there would still be served.
    let text: Vec<String> = failures.into_iter().map(|e| e.0).collect();
    Err(Error::Store(StoreError(format!(
        "{}; some sessions may still be cached, run rolecall clear-cache again once the keychain answers",
        text.join("; ")
    ))))
}

/// The cache keys the named profiles use: every session of their chains (the shared MFA
/// session and the source roles' sessions included, so that clearing a profile also clears a
/// broken source session), plus whatever the index lists under their names (sessions of a
/// profile since edited or removed). A name that is neither a profile nor in the index is a
/// typo: an error with the nearest names, before anything is removed.
fn keys_of(
    names: &[String],
    index: &[IndexEntry],
    ctx: &Context,
) -> Result<HashSet<String>, Error> {
    let profiles = ctx.profiles().ok();
    let mut keys = HashSet::new();
    for name in names {
        let mut known = false;
        for entry in index.iter().filter(|e| &e.profile == name) {
            keys.insert(entry.key.clone());
            known = true;
        }
        let Some(profiles) = &profiles else { continue };
        if profiles.get(name).is_some() {
            known = true;
        }
        if let Ok(plan) = plan(profiles, name, &inputs(ctx, &NO_OVERRIDES)) {
            keys.extend(plan.session_keys().map(str::to_string));
        }
        if !known {
            return Err(Error::Config(profiles.not_found(name)));
        }
    }
    Ok(keys)
}

/// Forgets every cached session of the chains whose root `rooted` picks (new keys, a sign-out):
/// the keys of each such profile's plans (with and without `--no-session`), and whatever the
/// index lists under the profiles on those chains, so sessions of other durations go too.
/// How many were removed; a failure is noted, naming `what` the sessions were made with.
pub(super) fn forget_rooted(
    ctx: &mut Context,
    profiles: &crate::config::Profiles,
    rooted: &dyn Fn(&crate::domain::plan::Source) -> bool,
    what: &str,
) -> usize {
    let mut keys: HashSet<String> = HashSet::new();
    let mut on_chain: HashSet<String> = HashSet::new();
    for name in profiles.names() {
        for no_session in [false, true] {
            let overrides = crate::plan::Overrides {
                no_session,
                ..NO_OVERRIDES.clone()
            };
            let Ok(plan) = plan(profiles, name, &inputs(ctx, &overrides)) else {
                continue;
            };
            if rooted(&plan.source) {
                keys.extend(plan.session_keys().map(str::to_string));
                on_chain.insert(plan.profile.clone());
                on_chain.extend(plan.steps.iter().map(|s| s.profile().to_string()));
            }
        }
    }
    keys.extend(
        ctx.store
            .index()
            .into_iter()
            .filter(|e| on_chain.contains(&e.profile))
            .map(|e| e.key),
    );
    let mut removed = 0;
    for key in &keys {
        match ctx.store.remove(key) {
            Ok(()) => removed += 1,
            Err(e) => ctx.note(&format!("could not forget a session made with {what}: {e}")),
        }
    }
    removed
}

//! `rolecall clear-cache [PROFILE…]`: forget stored sessions.

use std::collections::HashSet;

use super::obtain::{inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::ClearCacheArgs;
use crate::config::Profiles;
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::plan::plan;
use crate::ports::store::IndexEntry;

pub fn run(args: ClearCacheArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let index = ctx.store.index();
    let keys = if args.profiles.is_empty() {
        None
    } else {
        Some(keys_of(&args.profiles, &index, ctx)?)
    };
    let mut removed = 0usize;
    let mut failures = Vec::new();
    for entry in index {
        if keys.as_ref().is_some_and(|k| !k.contains(&entry.key)) {
            continue;
        }
        match ctx.store.remove(&entry.key) {
            Ok(()) => {
                removed += 1;
                ctx.verbose(&format!(
                    "removed a session of profile \"{}\"",
                    entry.profile
                ));
            }
            Err(e) => failures.push(e),
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
    match failures.into_iter().next() {
        Some(e) => Err(Error::Store(e)),
        None => Ok(Outcome::Done),
    }
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
    let profiles = Profiles::load(ctx.vars).ok();
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

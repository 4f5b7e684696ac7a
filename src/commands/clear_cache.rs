//! `rolecall clear-cache [PROFILE…]`: forget stored sessions.

use std::collections::HashSet;

use super::obtain::{inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::ClearCacheArgs;
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::execute::forget::{clear, Scope};
use crate::plan::plan;
use crate::ports::store::StoreError;

pub fn run(args: ClearCacheArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles().ok();
    let scope = if args.profiles.is_empty() {
        Scope::All
    } else {
        // Every session of the named profiles' chains: the shared MFA session and the
        // source roles' sessions too, so that clearing a profile also clears a broken source.
        let mut planned = HashSet::new();
        for name in &args.profiles {
            if let Some(Ok(p)) = profiles
                .as_ref()
                .map(|p| plan(p, name, &inputs(ctx, &NO_OVERRIDES)))
            {
                planned.extend(p.session_keys().map(str::to_string));
            }
        }
        Scope::Profiles {
            names: &args.profiles,
            planned,
            // Without readable files, only the index can tell a name: none is refused.
            profiles: &|name| profiles.as_ref().is_none_or(|p| p.get(name).is_some()),
        }
    };
    let done = clear(ctx.store, scope, &mut ctx.err).map_err(|unknown| match &profiles {
        Some(p) => Error::Config(p.not_found(&unknown.0)),
        None => Error::Usage(unknown.to_string()),
    })?;
    let noun = if done.removed == 1 {
        "session"
    } else {
        "sessions"
    };
    let mut names: Vec<&str> = Vec::new();
    for name in &args.profiles {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    let scope = match names.is_empty() {
        true => String::new(),
        false => format!(" of {}", printable(&names.join(", "))),
    };
    let line = format!("removed {} cached {noun}{scope}\n", done.removed);
    write_out(ctx, line.as_bytes())?;
    if done.failures.is_empty() {
        return Ok(Outcome::Done);
    }
    // Which store kept what: sessions left there would still be served.
    let text: Vec<String> = done.failures.into_iter().map(|e| e.0).collect();
    Err(Error::Store(StoreError(format!(
        "{}; some sessions may still be cached, run rolecall clear-cache again once the keychain answers",
        text.join("; ")
    ))))
}

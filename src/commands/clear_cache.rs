//! `rolecall clear-cache [PROFILE…]`: forget stored sessions.

use crate::cli::ClearCacheArgs;
use crate::context::Context;
use crate::{Error, Outcome};

pub fn run(args: ClearCacheArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let mut removed = 0usize;
    let mut failures = Vec::new();
    for entry in ctx.store.index() {
        if !args.profiles.is_empty() && !args.profiles.contains(&entry.profile) {
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
        format!(" of {}", args.profiles.join(", "))
    };
    writeln!(ctx.stdout, "removed {removed} cached {noun}{scope}")
        .map_err(|e| Error::Output(e.to_string().to_lowercase()))?;
    match failures.into_iter().next() {
        Some(e) => Err(Error::Store(e)),
        None => Ok(Outcome::Done),
    }
}

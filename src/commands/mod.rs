//! One file per command; this file holds the dispatch and what `exec` and `export` share.

mod clear_cache;
mod completions;
mod exec;
mod export;
mod list;

use crate::cli::{Command, CredentialArgs};
use crate::config::{plan, ConfigError, Plan, Profiles};
use crate::context::Context;
use crate::credentials::execute::CachePolicy;
use crate::credentials::mfa::GivenCode;
use crate::credentials::{execute, CacheMode, Credentials};
use crate::{Error, Outcome};

pub fn dispatch(command: Command, ctx: &mut Context) -> Result<Outcome, Error> {
    match command {
        Command::Exec(args) => exec::run(args, ctx),
        Command::Export(args) => export::run(args, ctx),
        Command::List(args) => list::run(args, ctx),
        Command::ClearCache(args) => clear_cache::run(args, ctx),
        Command::Completions(args) => completions::run(args, ctx),
    }
}

/// The profile named on the command line, else `AWS_PROFILE`.
fn profile_name(args: &CredentialArgs, ctx: &Context) -> Result<String, Error> {
    args.profile
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| ctx.vars.non_empty("AWS_PROFILE").map(str::to_string))
        .ok_or(Error::Config(ConfigError::NoProfile))
}

/// Loads the configuration, plans, and runs the plan.
fn obtain(args: &CredentialArgs, ctx: &mut Context) -> Result<(Plan, Credentials), Error> {
    let name = profile_name(args, ctx)?;
    let profiles = Profiles::load(ctx.vars)?;
    let plan = plan(&profiles, &name, ctx.vars, ctx.clock.now())?;
    let mode = if args.no_cache {
        CacheMode::Bypass
    } else {
        CacheMode::Use
    };
    let mfa = GivenCode::new(args.mfa_token.clone(), ctx.mfa);
    let credentials = execute(&plan, ctx, CachePolicy::new(mode), &mfa)?;
    Ok((plan, credentials))
}

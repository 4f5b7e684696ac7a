//! `rolecall exec`: run a command with the credentials in its environment, or (`--server`)
//! with an ECS-style credential endpoint that rolecall, staying its parent, keeps fresh.

use super::obtain::{exec_request, obtain, Obtained, PlanTo};
use super::Context;
use crate::cli::ExecArgs;
use crate::domain::env;
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(args: ExecArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    if args.server && args.credentials.no_session {
        return Err(Error::Usage(
            "exec --server serves sessions, never long-term keys, so --no-session cannot apply; drop it (the command gets a GetSessionToken session of the keys, refreshed as it runs)".into(),
        ));
    }
    let (plan, credentials) = match obtain(&args.credentials, ctx, PlanTo::Stdout)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    if args.server {
        return serve(args, &plan, credentials, ctx);
    }
    let request = exec_request(&plan, &credentials, args.command, ctx)?;
    Ok(Outcome::Exec(request))
}

#[cfg(not(unix))]
fn serve(
    _: ExecArgs,
    _: &crate::domain::plan::Plan,
    _: crate::domain::Credentials,
    _: &mut Context,
) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "exec --server is not available on this platform yet".into(),
    ))
}

/// `--server`: the endpoint, the command, and the refresh loop until the command ends.
#[cfg(unix)]
fn serve(
    args: ExecArgs,
    plan: &crate::domain::plan::Plan,
    credentials: crate::domain::Credentials,
    ctx: &mut Context,
) -> Result<Outcome, Error> {
    use crate::adapters::server::{CredentialServer, Served};
    use crate::execute::supervise::{first_session, supervise, Supervision};
    let (current, keys) = first_session(ctx.deps(), plan, credentials)?;
    let server = CredentialServer::start(Served::of(&current))
        .map_err(|e| Error::Usage(format!("cannot serve credentials on 127.0.0.1: {e}")))?;
    let mut exec = exec_request(plan, &current, args.command, ctx)?;
    exec.changes = env::for_endpoint(exec.changes, &server.url, server.token.expose());
    shadow_note(ctx);
    ctx.verbose(&format!(
        "serving the credentials of profile \"{}\" at {}",
        plan.profile, server.url
    ));
    let mut child = match crate::adapters::child::Supervised::spawn(&exec) {
        Ok(child) => child,
        Err((code, message)) => {
            ctx.err.error(&message);
            return Ok(Outcome::Exit(code));
        }
    };
    let policy = CachePolicy {
        mode: match args.credentials.no_cache {
            true => CacheMode::Bypass,
            false => CacheMode::Use,
        },
        refresh_window: ctx.settings.refresh_window.clone()?,
    };
    let s = Supervision { plan, keys, policy };
    let code = supervise(ctx.deps(), &server, &s, current, &mut child, &mut ctx.err);
    drop(server); // the port closes with the command
    Ok(Outcome::Exit(code))
}

/// A `default` profile with keys in the credentials file is what the SDKs read before the
/// container endpoint (`AWS_PROFILE` is unset, so they fall back to it).
fn shadow_note(ctx: &mut Context) {
    let Ok(profiles) = crate::config::Profiles::load(ctx.vars) else {
        return;
    };
    if profiles
        .get("default")
        .is_some_and(|p| p.get("aws_access_key_id").is_some())
    {
        ctx.note("profile \"default\" has keys in the credentials file, and the AWS CLI and the SDKs read that file before the container endpoint: the command would use those keys, not this endpoint; move them to a profile of another name");
    }
}

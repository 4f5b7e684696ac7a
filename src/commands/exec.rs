//! `rolecall exec`: run a command with the credentials in its environment, or (`--server`)
//! with an ECS-style credential endpoint that rolecall, staying its parent, keeps fresh.

use super::obtain::{exec_request, obtain, Hands, Obtained, PlanTo, Purpose};
#[cfg(unix)]
use super::obtain::{imds_identity, isolate, start_endpoint};
use super::Context;
use crate::cli::ExecArgs;
#[cfg(unix)]
use crate::domain::env;
#[cfg(unix)]
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(args: ExecArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let served = args.server || args.imds;
    let command = match (args.server, args.imds) {
        (true, _) => "exec --server",
        (_, true) => "exec --imds",
        _ => "exec",
    };
    if served && args.credentials.no_session {
        return Err(Error::Usage(format!(
            "{command} serves sessions, never long-term keys, so --no-session cannot apply; drop it (the command gets a GetSessionToken session of the keys, refreshed as it runs)"
        )));
    }
    let purpose = Purpose {
        plan_to: PlanTo::Stdout,
        hands_out: match served {
            true => Hands::Endpoint { imds: args.imds },
            false => Hands::Variables,
        },
        command,
        run: args.command.first().map(|p| {
            let name = std::path::Path::new(p).file_name().unwrap_or(p.as_os_str());
            name.to_string_lossy().into_owned()
        }),
    };
    let (plan, credentials) = match obtain(&args.credentials, ctx, purpose)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    if served {
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
        "exec --server and --imds are not available on this platform yet".into(),
    ))
}

/// `--server`, `--imds`: the endpoint, the command, and the refresh loop until the command
/// ends.
#[cfg(unix)]
fn serve(
    args: ExecArgs,
    plan: &crate::domain::plan::Plan,
    credentials: crate::domain::Credentials,
    ctx: &mut Context,
) -> Result<Outcome, Error> {
    use crate::adapters::server::{Kind, Options};
    use crate::execute::supervise::{first_session, supervise, Supervision};
    let (current, keys) = first_session(ctx.deps(), plan, credentials)?;
    let kind = match args.imds {
        true => Kind::InstanceMetadata(imds_identity(plan)),
        false => Kind::Container { clients: 1 },
    };
    let options = Options {
        bind: std::net::Ipv4Addr::LOCALHOST.into(),
        kind,
    };
    let command = if args.imds {
        "exec --imds"
    } else {
        "exec --server"
    };
    let server = start_endpoint(plan, &current, options, command, ctx)?;
    let mut exec = exec_request(plan, &current, args.command, ctx)?;
    exec.changes = match server.tokens.first() {
        Some(token) => env::for_endpoint(exec.changes, &server.url, token.expose()),
        None => env::for_imds(exec.changes, &server.url),
    };
    exec.changes = isolate(exec.changes, ctx);
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

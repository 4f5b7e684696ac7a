//! `rolecall exec`: run a command with the credentials in its environment.

use std::ffi::OsString;

use super::obtain::{obtain, Obtained, PlanTo};
use super::Context;
use crate::cli::ExecArgs;
use crate::domain::env;
use crate::domain::{ExecRequest, Outcome};
use crate::error::Error;

pub fn run(args: ExecArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let (plan, credentials) = match obtain(&args.credentials, ctx, PlanTo::Stdout)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    if args.server {
        return super::exec_server::run(&plan, credentials, &args.credentials, args.command, ctx);
    }
    Ok(Outcome::Exec(request(
        &plan,
        &credentials,
        args.command,
        ctx,
    )?))
}

/// The command and its environment: the credentials' changes, and rolecall's own marks
/// removed.
pub(super) fn request(
    plan: &crate::domain::plan::Plan,
    credentials: &crate::domain::Credentials,
    command: Vec<OsString>,
    ctx: &mut Context,
) -> Result<ExecRequest, Error> {
    let mut changes = env::changes(credentials, &plan.target(), ctx.vars);
    // The shell function's mark is for this run only, not for the command's own rolecalls.
    for own in ["ROLECALL_SHELL_FUNCTION", crate::domain::plan::CHAIN_VAR] {
        if ctx.vars.get(own).is_some() {
            changes.push(env::Change::Unset(own));
        }
    }
    // The same check export makes: an environment cannot carry a NUL byte.
    crate::render::check_values(&changes)?;
    let mut command = command.into_iter();
    let program = match command.next() {
        Some(program) if program.is_empty() => {
            return Err(Error::Usage(
                "the command after -- is an empty string; name a program".into(),
            ))
        }
        Some(program) => program,
        None => {
            // A subshell inside a rolecall shell: say whose credentials it has.
            if let Some(current) = ctx.vars.non_empty("ROLECALL_PROFILE") {
                ctx.note(&format!(
                    "this shell already has the credentials of profile \"{current}\"; the new shell has those of \"{}\" until you exit it",
                    plan.profile
                ));
            }
            OsString::from(ctx.vars.non_empty("SHELL").unwrap_or("/bin/sh"))
        }
    };
    Ok(ExecRequest {
        program,
        args: command.collect(),
        changes,
    })
}

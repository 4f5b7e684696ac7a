//! `rolecall exec`: run a command with the credentials in its environment.

use std::ffi::OsString;

use super::obtain;
use crate::cli::ExecArgs;
use crate::context::Context;
use crate::{env, Error, ExecRequest, Outcome};

pub fn run(args: ExecArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let (plan, credentials) = obtain(&args.credentials, ctx)?;
    let changes = env::changes(&credentials, plan.region.as_deref(), &plan.profile);
    let mut command = args.command.into_iter();
    let program = match command.next() {
        Some(program) => program,
        None => OsString::from(ctx.vars.non_empty("SHELL").unwrap_or("/bin/sh")),
    };
    Ok(Outcome::Exec(ExecRequest {
        program,
        args: command.collect(),
        changes,
    }))
}

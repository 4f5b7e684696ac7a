//! `rolecall status`: the profile in this shell and its time left, for a prompt.

use super::write_out;
use super::Context;
use crate::cli::StatusArgs;
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(_args: StatusArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let Some(status) = crate::domain::status::of(ctx.vars) else {
        // Nothing to show: a prompt shows nothing, a script sees the status.
        return Ok(Outcome::Exit(crate::domain::exit::FAILURE));
    };
    let line = status.line(ctx.clock.now());
    let shown = crate::domain::printable(&line);
    write_out(ctx, format!("{shown}\n").as_bytes())?;
    Ok(Outcome::Done)
}

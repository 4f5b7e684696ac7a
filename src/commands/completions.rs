//! `rolecall completions SHELL`: the static completion script for a shell.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::context::Context;
use crate::{Error, Outcome};

pub fn run(args: CompletionsArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "rolecall", &mut script);
    ctx.stdout
        .write_all(&script)
        .and_then(|()| ctx.stdout.flush())
        .map_err(|e| Error::Output(e.to_string().to_lowercase()))?;
    Ok(Outcome::Done)
}

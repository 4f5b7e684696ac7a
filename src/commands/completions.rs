//! `rolecall completions SHELL`: the completion script. It registers rolecall itself as the
//! completer (`ROLECALL_COMPLETE=SHELL rolecall -- …`; a variable of its own, so a `COMPLETE` set for another tool changes nothing), so profile names complete from the config.

use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};

use super::write_out;
use super::Context;
use crate::cli::{CompletionShell, CompletionsArgs};
use crate::domain::Outcome;
use crate::error::Error;

/// The environment variable that switches the binary into completion mode.
pub const COMPLETE_VAR: &str = "ROLECALL_COMPLETE";

pub fn script(shell: CompletionShell) -> Vec<u8> {
    let completer: &dyn EnvCompleter = match shell {
        CompletionShell::Bash => &Bash,
        CompletionShell::Zsh => &Zsh,
        CompletionShell::Fish => &Fish,
        CompletionShell::Powershell => &Powershell,
        CompletionShell::Elvish => &Elvish,
    };
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ =
        completer.write_registration(COMPLETE_VAR, "rolecall", "rolecall", "rolecall", &mut buf);
    buf
}

pub fn run(args: CompletionsArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    write_out(ctx, &script(args.shell))?;
    Ok(Outcome::Done)
}

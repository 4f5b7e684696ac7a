//! `rolecall use`: reached only when the shell function from `rolecall init` is missing,
//! because a program cannot change its parent shell's environment.

use crate::cli::UseArgs;
use crate::context::Context;
use crate::shell::Format;
use crate::{Error, Outcome};

pub fn run(_args: UseArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let (shell, rc) = match ctx.vars.non_empty("SHELL").and_then(Format::for_shell) {
        Some(Format::Fish) => (
            "fish",
            "~/.config/fish/config.fish: rolecall init fish | source",
        ),
        _ => match ctx
            .vars
            .non_empty("SHELL")
            .map(|s| s.rsplit('/').next().unwrap_or(s))
        {
            Some("zsh") => ("zsh", "~/.zshrc: eval \"$(rolecall init zsh)\""),
            _ => ("bash", "~/.bashrc: eval \"$(rolecall init bash)\""),
        },
    };
    Err(Error::Usage(format!(
        "\"rolecall use\" changes the current shell, so it needs rolecall's shell function; add it to {rc} and open a new {shell} (or run eval \"$(rolecall export PROFILE)\" now)"
    )))
}

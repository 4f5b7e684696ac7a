//! `rolecall export`: print statements for a shell to evaluate.

use super::obtain::statements;
use super::write_out;
use super::Context;
use crate::cli::{ExportArgs, ExportFormat};
use crate::domain::Outcome;
use crate::error::Error;
use crate::render::Format;

pub fn run(args: ExportArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    // The shell that runs rolecall is the one that evaluates its output; `$SHELL` (the login
    // shell) only when that is not known.
    let format = match args.format {
        Some(f) => format_of(f),
        None => ctx
            .terminal
            .parent_shell
            .or_else(|| ctx.vars.non_empty("SHELL").and_then(Format::for_shell))
            .unwrap_or(Format::Sh),
    };
    if let Some(text) = statements(&args.credentials, args.unset, format, "export", ctx)? {
        write_out(ctx, text.as_bytes())?;
    }
    Ok(Outcome::Done)
}

fn format_of(f: ExportFormat) -> Format {
    match f {
        ExportFormat::Sh => Format::Sh,
        ExportFormat::Fish => Format::Fish,
        ExportFormat::Powershell => Format::PowerShell,
        ExportFormat::Cmd => Format::Cmd,
        ExportFormat::Dotenv => Format::Dotenv,
        ExportFormat::Json => Format::Json,
    }
}

//! `rolecall export`: print statements for a shell to evaluate.

use super::obtain::{obtain, Obtained, PlanTo};
use super::write_out;
use super::Context;
use crate::cli::{CredentialArgs, ExportArgs, ExportFormat};
use crate::domain::env::{self, Change};
use crate::domain::Outcome;
use crate::error::Error;
use crate::render::{render, Format};

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
    if let Some(text) = statements(&args.credentials, args.unset, format, ctx)? {
        write_out(ctx, text.as_bytes())?;
    }
    Ok(Outcome::Done)
}

/// The whole text that sets (or with `unset`, removes) the profile's variables in `format`,
/// rendered before anything is written so that a failure leaves stdout empty. `None`: the
/// plan was explained on stdout instead (`--dry-run`).
pub fn statements(
    credentials: &CredentialArgs,
    unset: bool,
    format: Format,
    ctx: &mut Context,
) -> Result<Option<String>, Error> {
    let changes = if unset {
        match format {
            Format::Json => {
                return Err(Error::Usage(
                    "--unset has nothing to print as credential_process JSON; use a shell format (sh, fish, powershell, cmd) or dotenv".into(),
                ))
            }
            // A dotenv file cannot remove a variable: it empties those for which empty means
            // unset, and leaves out the others (an empty AWS_PROFILE breaks every AWS tool).
            Format::Dotenv => env::EMPTY_IS_UNSET
                .iter()
                .map(|name| Change::Set(name, String::new()))
                .collect(),
            Format::Cmd => env::unset_all(ctx.vars),
            _ => env::unset_and_restore(ctx.vars),
        }
    } else {
        let plan_to = match format {
            Format::Cmd | Format::Json => PlanTo::Stderr,
            _ => PlanTo::Stdout,
        };
        match obtain(credentials, ctx, plan_to)? {
            Obtained::Credentials(plan, creds) => {
                let changes = env::changes(&creds, &plan.target(), ctx.vars);
                match format {
                    // Shells: the first export remembers what it replaced, for --unset.
                    Format::Sh | Format::Fish | Format::PowerShell => {
                        env::save_replaced(changes, ctx.vars)
                    }
                    _ => changes,
                }
            }
            Obtained::Explained => return Ok(None),
        }
    };
    let text = render(format, &changes)?;
    // One compound statement wherever only POSIX shells read it (a file, or a POSIX shell
    // running rolecall), so that a file cut short (a full disk) is a syntax error that applies
    // nothing rather than half the variables. Elsewhere the plain lines, which fish's own
    // `export` reads too.
    let grouped = format == Format::Sh
        && (ctx.terminal.stdout_file || ctx.terminal.parent_shell == Some(Format::Sh));
    Ok(Some(if grouped {
        format!("{{\n{text}}}\n")
    } else {
        text
    }))
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

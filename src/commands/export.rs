//! `rolecall export`: print statements for a shell to evaluate.

use super::{obtain, write_out, Obtained};
use crate::cli::{ExportArgs, ExportFormat};
use crate::context::Context;
use crate::shell::{render, Format};
use crate::{env, Error, Outcome};

pub fn run(args: ExportArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let format = match args.format {
        Some(f) => format_of(f),
        None => ctx
            .vars
            .non_empty("SHELL")
            .and_then(Format::for_shell)
            .unwrap_or(Format::Sh),
    };
    let changes = if args.unset {
        if matches!(format, Format::Json | Format::Dotenv) {
            return Err(Error::Usage(
                "--unset needs a shell format (sh, fish, powershell, cmd), not json or dotenv"
                    .into(),
            ));
        }
        env::unset_all()
    } else {
        match obtain(&args.credentials, ctx)? {
            Obtained::Credentials(plan, credentials) => {
                env::changes(&credentials, plan.region.as_deref(), &plan.profile)
            }
            Obtained::Explained => return Ok(Outcome::Done),
        }
    };
    // Render everything first: on any failure nothing reaches stdout.
    let text = render(format, &changes)?;
    write_out(ctx, text.as_bytes())?;
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

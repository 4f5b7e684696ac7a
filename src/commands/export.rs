//! `rolecall export`: print statements for a shell to evaluate.

use super::obtain;
use crate::cli::{ExportArgs, ExportFormat};
use crate::context::Context;
use crate::shell::{render, Format};
use crate::{env, Error, Outcome};

pub fn run(args: ExportArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let format = match args.format {
        ExportFormat::Sh => Format::Sh,
    };
    let (plan, credentials) = obtain(&args.credentials, ctx)?;
    let changes = env::changes(&credentials, plan.region.as_deref(), &plan.profile);
    // Render everything first: on any failure nothing reaches stdout.
    let text = render(format, &changes)?;
    ctx.stdout
        .write_all(text.as_bytes())
        .and_then(|()| ctx.stdout.flush())
        .map_err(|e| Error::Output(e.to_string().to_lowercase()))?;
    Ok(Outcome::Done)
}

//! `rolecall deny [DIR]`: stop trusting the `.rolecall` file of a directory.

use super::Context;
use crate::cli::ProjectArgs;
use crate::domain::project::FILE_NAME;
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(args: ProjectArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let dir = args.dir.unwrap_or_else(|| std::path::PathBuf::from("."));
    let dir = std::fs::canonicalize(&dir)
        .map_err(|e| Error::Usage(format!("cannot use the directory {}: {e}", dir.display())))?;
    let path = dir.join(FILE_NAME);
    let was = ctx.projects.deny(&path).map_err(Error::Keys)?;
    ctx.note(&match was {
        true => format!("{} is no longer used", path.display()),
        false => format!("{} was not allowed; nothing to do", path.display()),
    });
    Ok(Outcome::Done)
}
